-- Co-authors (issue 11): an article has one or more authors in order. The
-- links are the one source of the order; `articles.author_id` stays as a copy
-- of the first (lead) author, written in the same transaction as the links,
-- so single-author code (the sitemaps, the admin list) keeps working.
--
-- Each link carries its article's publish time, kept by the triggers below
-- exactly as `article_tags.published_at` is (migration `archive_indexes`),
-- so an author page walks (author_id, published_at, article_id) from its
-- key instead of sorting every article of the author.
CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    position INTEGER NOT NULL,
    published_at TIMESTAMP,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_listed_idx ON article_authors (author_id, published_at, article_id);

INSERT INTO article_authors (article_id, author_id, position, published_at)
SELECT id, author_id, 1, published_at FROM articles WHERE author_id IS NOT NULL;

CREATE FUNCTION article_authors_take_published_at() RETURNS trigger AS $$
BEGIN
    NEW.published_at := (SELECT published_at FROM articles WHERE id = NEW.article_id);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER article_authors_take_published_at BEFORE INSERT ON article_authors
FOR EACH ROW EXECUTE FUNCTION article_authors_take_published_at();

CREATE FUNCTION articles_give_published_at_to_authors() RETURNS trigger AS $$
BEGIN
    UPDATE article_authors SET published_at = NEW.published_at WHERE article_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER articles_give_published_at_to_authors AFTER UPDATE OF published_at ON articles
FOR EACH ROW WHEN (NEW.published_at IS DISTINCT FROM OLD.published_at)
EXECUTE FUNCTION articles_give_published_at_to_authors();

-- A desk ("City Desk") is credited as an organization, not a person: the
-- article's JSON-LD names it an `Organization`.
ALTER TABLE authors ADD COLUMN kind TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'organization'));

-- A newsroom account's own author profile: new articles default to it and
-- the admin list can show "My articles". No foreign key: SQLite cannot drop
-- such a column again, and an import loads accounts before authors. Merging
-- an author moves the link (`Author::delete_into`); a link to an author that
-- is gone reads as none.
ALTER TABLE users ADD COLUMN author_id INTEGER;
