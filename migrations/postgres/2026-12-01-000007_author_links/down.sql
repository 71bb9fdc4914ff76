ALTER TABLE authors DROP COLUMN link_website;
ALTER TABLE authors DROP COLUMN link_linkedin;
ALTER TABLE authors DROP COLUMN link_bluesky;
ALTER TABLE authors DROP COLUMN link_mastodon;
ALTER TABLE authors DROP COLUMN link_x;
