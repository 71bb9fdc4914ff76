-- Addresses that moved or are gone, so old links keep working or say so.
--
-- A renamed section, tag or author keeps its old slug here; a request for
-- the old slug (which found nothing) gets a 301 to the current one. `kind`
-- is 'section', 'tag' or 'author'; `target_id` is that table's id.
CREATE TABLE taxonomy_redirects (
    kind TEXT NOT NULL,
    old_slug TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    PRIMARY KEY (kind, old_slug)
);

-- Tokens of deleted images: `/media/{token}` answers 410 Gone for them.
CREATE TABLE deleted_media (
    token TEXT PRIMARY KEY NOT NULL,
    deleted_at TIMESTAMP NOT NULL
);
