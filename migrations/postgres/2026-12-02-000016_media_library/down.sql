DROP TABLE article_media;
DROP INDEX media_library_idx;
ALTER TABLE media DROP COLUMN aspect;
ALTER TABLE media DROP COLUMN focal_y;
ALTER TABLE media DROP COLUMN focal_x;
ALTER TABLE media DROP COLUMN search_text;
ALTER TABLE media DROP COLUMN credit;
ALTER TABLE media DROP COLUMN caption;
ALTER TABLE media DROP COLUMN alt;
