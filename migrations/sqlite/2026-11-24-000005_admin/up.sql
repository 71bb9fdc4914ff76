-- The newsroom: accounts, failed sign-ins (for throttling), revisions, old slugs.

CREATE TABLE users (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('contributor', 'editor', 'admin')),
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

-- Failed sign-ins, counted per account and per client address over a window.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    client TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_email_idx ON login_failures (email, failed_at);
CREATE INDEX login_failures_client_idx ON login_failures (client, failed_at);

-- Every save of an article, with the full content as JSON.
CREATE TABLE article_revisions (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    user_id INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    content TEXT NOT NULL
);
CREATE INDEX article_revisions_article_idx ON article_revisions (article_id, id);

-- Slugs an article had before, kept so old URLs redirect.
CREATE TABLE article_slugs (
    slug TEXT PRIMARY KEY NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE
);

-- Who created an article (contributors may edit only their own drafts).
ALTER TABLE articles ADD COLUMN created_by INTEGER REFERENCES users (id);

-- Resized copies of an uploaded image point at the original.
ALTER TABLE media ADD COLUMN original_id INTEGER REFERENCES media (id);
CREATE INDEX media_original_idx ON media (original_id);

-- An author's photo (shown on their page).
ALTER TABLE authors ADD COLUMN photo_id INTEGER REFERENCES media (id);
