DROP INDEX articles_social_image_idx;
ALTER TABLE articles DROP COLUMN noindex;
ALTER TABLE articles DROP COLUMN canonical_url;
ALTER TABLE articles DROP COLUMN social_image_alt;
ALTER TABLE articles DROP COLUMN social_image_id;
ALTER TABLE articles DROP COLUMN seo_description;
ALTER TABLE articles DROP COLUMN seo_title;
