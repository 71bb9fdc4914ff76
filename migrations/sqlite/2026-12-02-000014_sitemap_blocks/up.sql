-- The sitemap index gives each article file the time it last changed. Finding
-- that from the articles reads every public article's index entry (52 ms at 100,000
-- articles, growing with the archive).
-- Instead, each block of 100 article ids keeps the latest edit (or trashing)
-- and the latest publish time of the articles in it that are or were live
-- (published or scheduled, not in the trash), kept by the triggers below, so
-- the index reads one row per 100 ids. A change that takes an article out of
-- the sitemaps (trash, unpublish, noindex) counts: the file changed then. A
-- publish time still in the future is left to the reader: until then, that
-- file's publish times are read from its own public articles.
CREATE TABLE sitemap_blocks (
    block INTEGER PRIMARY KEY NOT NULL,
    last_edit TIMESTAMP NOT NULL,
    last_publish TIMESTAMP
);

INSERT INTO sitemap_blocks (block, last_edit, last_publish)
SELECT (id - 1) / 100, MAX(updated_at), MAX(published_at)
FROM articles
WHERE status IN ('published', 'scheduled') AND deleted_at IS NULL
GROUP BY (id - 1) / 100;

-- SQLite's MAX(a, b) is NULL when either is: the COALESCEs keep the other.
CREATE TRIGGER articles_touch_sitemap_block_on_insert AFTER INSERT ON articles
WHEN NEW.status IN ('published', 'scheduled') AND NEW.deleted_at IS NULL
BEGIN
    INSERT INTO sitemap_blocks (block, last_edit, last_publish)
    VALUES ((NEW.id - 1) / 100, NEW.updated_at, NEW.published_at)
    ON CONFLICT (block) DO UPDATE SET
        last_edit = MAX(last_edit, excluded.last_edit),
        last_publish = COALESCE(MAX(last_publish, excluded.last_publish), last_publish, excluded.last_publish);
END;

CREATE TRIGGER articles_touch_sitemap_block_on_update AFTER UPDATE ON articles
WHEN (NEW.status IN ('published', 'scheduled') AND NEW.deleted_at IS NULL)
  OR (OLD.status IN ('published', 'scheduled') AND OLD.deleted_at IS NULL)
BEGIN
    INSERT INTO sitemap_blocks (block, last_edit, last_publish)
    VALUES ((NEW.id - 1) / 100, MAX(NEW.updated_at, COALESCE(NEW.deleted_at, NEW.updated_at)), NEW.published_at)
    ON CONFLICT (block) DO UPDATE SET
        last_edit = MAX(last_edit, excluded.last_edit),
        last_publish = COALESCE(MAX(last_publish, excluded.last_publish), last_publish, excluded.last_publish);
END;
