-- The sitemap index gives each article file the time it last changed. Finding
-- that from the articles reads every public article's index entry (a sequential
-- scan, growing with the archive).
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

-- GREATEST skips NULLs.
CREATE FUNCTION articles_touch_sitemap_block() RETURNS trigger AS $$
BEGIN
    INSERT INTO sitemap_blocks (block, last_edit, last_publish)
    VALUES ((NEW.id - 1) / 100, GREATEST(NEW.updated_at, NEW.deleted_at), NEW.published_at)
    ON CONFLICT (block) DO UPDATE SET
        last_edit = GREATEST(sitemap_blocks.last_edit, EXCLUDED.last_edit),
        last_publish = GREATEST(sitemap_blocks.last_publish, EXCLUDED.last_publish);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER articles_touch_sitemap_block_on_insert AFTER INSERT ON articles
FOR EACH ROW WHEN (NEW.status IN ('published', 'scheduled') AND NEW.deleted_at IS NULL)
EXECUTE FUNCTION articles_touch_sitemap_block();

CREATE TRIGGER articles_touch_sitemap_block_on_update AFTER UPDATE ON articles
FOR EACH ROW WHEN ((NEW.status IN ('published', 'scheduled') AND NEW.deleted_at IS NULL)
  OR (OLD.status IN ('published', 'scheduled') AND OLD.deleted_at IS NULL))
EXECUTE FUNCTION articles_touch_sitemap_block();
