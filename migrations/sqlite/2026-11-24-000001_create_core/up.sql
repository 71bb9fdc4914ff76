-- Core newsroom tables. Only types that map one-to-one onto PostgreSQL
-- (INTEGER, TEXT, BLOB/BYTEA, TIMESTAMP) so the same diesel schema serves both.

CREATE TABLE sections (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE authors (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    bio TEXT NOT NULL DEFAULT ''
);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE media (
    id INTEGER PRIMARY KEY NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    headline TEXT NOT NULL,
    standfirst TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    kicker TEXT NOT NULL DEFAULT '',
    section_id INTEGER REFERENCES sections (id),
    author_id INTEGER REFERENCES authors (id),
    lead_image_id INTEGER REFERENCES media (id),
    lead_image_alt TEXT NOT NULL DEFAULT '',
    lead_image_caption TEXT NOT NULL DEFAULT '',
    lead_image_credit TEXT NOT NULL DEFAULT '',
    desk_heading TEXT NOT NULL DEFAULT '',
    desk_text TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'published')),
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1
);

-- The public listings filter on status and published_at and sort by published_at.
CREATE INDEX articles_public_idx ON articles (status, published_at);
CREATE INDEX articles_section_idx ON articles (section_id, published_at);

CREATE TABLE article_takeaways (
    id INTEGER PRIMARY KEY NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    UNIQUE (article_id, position)
);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id);

-- Small key/value store for site state (e.g. whether demo content was loaded).
CREATE TABLE site_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
