-- Live coverage (issue 11): an article is a live story from the time an
-- editor starts its coverage until the time it ends (NULL while it runs).
-- One row per article that ever had live coverage, kept beside `articles`
-- rather than in it: that table is at diesel's 32 columns, and only pages of
-- live stories need these times.
CREATE TABLE live_coverage (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);

-- A live story's posts: short timestamped Markdown entries shown newest
-- first, each with its sanitised HTML, rendered once when it is saved.
CREATE TABLE live_posts (
    id SERIAL PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    posted_at TIMESTAMP NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The page: a story's posts, newest first.
CREATE INDEX live_posts_article_time_idx ON live_posts (article_id, posted_at, id);
-- The poll: a story's posts after the last one a reader has.
CREATE INDEX live_posts_article_id_idx ON live_posts (article_id, id);
