-- Related articles (issue 5). The engine in src/related.rs computes each
-- article's list when articles change and stores it here, so the article page
-- reads it with one indexed query. Rows keep the reasons each article was
-- chosen, for the admin edit page. The stored list holds a few more rows than
-- the page shows: the page query still applies the public rule, and an
-- article deleted since the list was computed is then replaced at once by the
-- next stored row. Scores are stored as integers in thousandths (portable).
CREATE TABLE related_articles (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- Pinned rows (copied from related_pins) come first on the page.
    pinned BOOLEAN NOT NULL,
    position INTEGER NOT NULL,
    related_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    score INTEGER NOT NULL,
    text_score INTEGER NOT NULL,
    tag_score INTEGER NOT NULL,
    -- Names of the shared tags, rarest first, one per line.
    shared_tags TEXT NOT NULL,
    same_section BOOLEAN NOT NULL,
    PRIMARY KEY (article_id, pinned, position)
);
-- "Which lists show this article?", asked when an article changes.
CREATE INDEX related_articles_related_idx ON related_articles (related_id);

-- When each article's list was last computed: an article without a row here
-- has never been computed (for example, a database from before this table).
CREATE TABLE related_computed (
    article_id INTEGER PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    computed_at TIMESTAMP NOT NULL
);

-- Related articles an editor chose by hand, in order; shown before the engine's.
CREATE TABLE related_pins (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    related_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, position),
    UNIQUE (article_id, related_id)
);
CREATE INDEX related_pins_related_idx ON related_pins (related_id);
