-- Review (issue 11): a contributor submits a draft for review. The article
-- stays a draft (never public) and `submitted_at` says it waits in the
-- editors' queue; returning it clears that and leaves `review_note` for the
-- writer, publishing clears both. A flag rather than a new status keeps the
-- status CHECK and every public-visibility rule exactly as they are.
ALTER TABLE articles ADD COLUMN submitted_at TIMESTAMP;
ALTER TABLE articles ADD COLUMN review_note TEXT NOT NULL DEFAULT '';
-- The queue (and its count in the admin bar, on every editor's page): both
-- columns of its filter, so SQLite walks only the waiting rows instead of
-- every article outside the trash (`articles_listed_idx` leads with deleted_at).
CREATE INDEX articles_review_idx ON articles (deleted_at, submitted_at);
