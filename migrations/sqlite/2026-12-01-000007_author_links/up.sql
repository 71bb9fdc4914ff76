-- An author's profiles elsewhere (https URLs, '' when none): shown on the
-- author page and as `sameAs` in its JSON-LD.
ALTER TABLE authors ADD COLUMN link_x TEXT NOT NULL DEFAULT '';
ALTER TABLE authors ADD COLUMN link_mastodon TEXT NOT NULL DEFAULT '';
ALTER TABLE authors ADD COLUMN link_bluesky TEXT NOT NULL DEFAULT '';
ALTER TABLE authors ADD COLUMN link_linkedin TEXT NOT NULL DEFAULT '';
ALTER TABLE authors ADD COLUMN link_website TEXT NOT NULL DEFAULT '';
