DROP INDEX authors_photo_idx;
DROP INDEX articles_lead_image_idx;
DROP INDEX media_token_idx;
ALTER TABLE media DROP COLUMN token;
