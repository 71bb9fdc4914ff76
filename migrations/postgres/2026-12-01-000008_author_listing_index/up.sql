-- An author's page lists their public articles newest first: without this
-- index that walks every article in the archive looking for theirs.
CREATE INDEX articles_author_idx ON articles (author_id, published_at);
