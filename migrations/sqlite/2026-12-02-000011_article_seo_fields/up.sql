-- Per-article search and social fields (issue 11). Empty text means "use
-- the default": the headline for the SEO title, the standfirst for the
-- description, the article's own URL for the canonical link; no social
-- image means the lead image is shared.
ALTER TABLE articles ADD COLUMN seo_title TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seo_description TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN social_image_id INTEGER REFERENCES media (id);
ALTER TABLE articles ADD COLUMN social_image_alt TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN canonical_url TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN noindex BOOLEAN NOT NULL DEFAULT FALSE;
-- Whether an image is public (`/media/{token}`) and what uses it (the library).
CREATE INDEX articles_social_image_idx ON articles (social_image_id);
