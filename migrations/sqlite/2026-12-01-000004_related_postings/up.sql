-- The related-articles engine's index (issue 9), kept in the database so a
-- save recomputes only the lists it affects, without loading the corpus.

-- Every indexed term with its document frequency: 'w:' a stemmed word,
-- 'e:' a name (person, place, organisation), 't:' a tag id. The row with the
-- empty term (id 0) holds the number of indexed articles in df.
CREATE TABLE related_terms (
    id INTEGER PRIMARY KEY NOT NULL,
    term TEXT NOT NULL UNIQUE,
    df INTEGER NOT NULL
);
INSERT INTO related_terms (id, term, df) VALUES (0, '', 0);

-- Each indexed article's heaviest weighted terms (unit vectors per kind;
-- tags weigh 1): the inverted index that nominates and scores candidates.
CREATE TABLE related_postings (
    term_id INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    weight REAL NOT NULL,
    PRIMARY KEY (term_id, article_id)
) WITHOUT ROWID;
CREATE INDEX related_postings_article_idx ON related_postings (article_id);

-- Indexed articles (the candidate pool: published or scheduled, not
-- deleted), with what scoring needs besides the postings. term_ids lists
-- every distinct term of the article (not only the kept ones), space
-- separated, so its document frequencies are taken back exactly when it
-- changes or leaves the pool.
CREATE TABLE related_docs (
    article_id INTEGER PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    section_id INTEGER,
    published_at TIMESTAMP NOT NULL,
    term_ids TEXT NOT NULL
);

-- Changes whose related lists still have to be recomputed: one row per
-- article, claimed by one instance at a time (claimed_at), deleted in the
-- transaction that stores the lists, so a crash leaves it to be retried.
CREATE TABLE related_jobs (
    article_id INTEGER PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    requested_at TIMESTAMP NOT NULL,
    claimed_at TIMESTAMP
);
CREATE INDEX related_jobs_claimed_idx ON related_jobs (claimed_at);

-- Name similarity (people, places, organisations in common), in thousandths,
-- shown among the reasons on the edit page.
ALTER TABLE related_articles ADD COLUMN name_score INTEGER NOT NULL DEFAULT 0;
