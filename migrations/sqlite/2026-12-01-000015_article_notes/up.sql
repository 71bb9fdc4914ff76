-- Dated public notes on a published article: a correction (a fact was
-- wrong) or an update (something new was added). Shown on the article,
-- newest first; corrections are also listed at /corrections. A silent fix
-- (a typo) is a plain save and adds no row here.
CREATE TABLE article_notes (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('correction', 'update')),
    text TEXT NOT NULL,
    noted_at TIMESTAMP NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
-- An article's notes, newest first.
CREATE INDEX article_notes_article_idx ON article_notes (article_id, noted_at);
-- The corrections page and feed: one kind, newest first.
CREATE INDEX article_notes_kind_idx ON article_notes (kind, noted_at, id);
