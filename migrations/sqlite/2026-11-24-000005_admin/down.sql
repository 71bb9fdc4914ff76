ALTER TABLE authors DROP COLUMN photo_id;
DROP INDEX media_original_idx;
ALTER TABLE media DROP COLUMN original_id;
ALTER TABLE articles DROP COLUMN created_by;
DROP TABLE article_slugs;
DROP TABLE article_revisions;
DROP TABLE login_failures;
DROP TABLE users;
