-- Images are served by an unguessable token (random hex) instead of their
-- sequential id, so nobody can walk the ids to find the photos of drafts and
-- embargoed stories. Existing rows get one here (122 random bits from a v4
-- UUID, built in since PostgreSQL 13); new rows get 128 bits from the app.
ALTER TABLE media ADD COLUMN token TEXT;
UPDATE media SET token = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE media ALTER COLUMN token SET NOT NULL;
CREATE UNIQUE INDEX media_token_idx ON media (token);
-- Serving an image asks whether a public article or an author uses it: one
-- index lookup each.
CREATE INDEX articles_lead_image_idx ON articles (lead_image_id);
CREATE INDEX authors_photo_idx ON authors (photo_id);
