-- Images are served by an unguessable token (128 random bits as hex) instead
-- of their sequential id, so nobody can walk the ids to find the photos of
-- drafts and embargoed stories. SQLite cannot add a column with a random
-- default, so existing rows get theirs here and new rows from the app.
ALTER TABLE media ADD COLUMN token TEXT NOT NULL DEFAULT '';
UPDATE media SET token = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX media_token_idx ON media (token);
-- Serving an image asks whether a public article or an author uses it: one
-- index lookup each.
CREATE INDEX articles_lead_image_idx ON articles (lead_image_id);
CREATE INDEX authors_photo_idx ON authors (photo_id);
