-- Site search on PostgreSQL: one row per article with a weighted tsvector
-- (headline A, standfirst B, Key Takeaways C, body D) under a GIN index.
-- Takeaways live in their own table, so no index expression on `articles`
-- could cover them: triggers keep this table in step instead. The joined
-- takeaway text is kept as well, for ts_headline snippets. Every article is
-- indexed whatever its status: being public depends on the time of the
-- request, so the search query applies the public rule, not the index.
CREATE TABLE article_search (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    takeaways TEXT NOT NULL DEFAULT '',
    document TSVECTOR NOT NULL
);
CREATE INDEX article_search_document_idx ON article_search USING GIN (document);

-- (Re)builds one article's row; a no-op when the article no longer exists.
CREATE FUNCTION article_search_refresh(changed_id INTEGER) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO article_search (article_id, takeaways, document)
    SELECT a.id, t.text,
           setweight(to_tsvector('english', a.headline), 'A')
        || setweight(to_tsvector('english', a.standfirst), 'B')
        || setweight(to_tsvector('english', t.text), 'C')
        || setweight(to_tsvector('english', a.body), 'D')
    FROM articles a
    CROSS JOIN LATERAL (
        SELECT coalesce(string_agg(x.text, E'\n' ORDER BY x.position), '') AS text
        FROM article_takeaways x
        WHERE x.article_id = a.id
    ) t
    WHERE a.id = changed_id
    ON CONFLICT (article_id) DO UPDATE
    SET takeaways = excluded.takeaways, document = excluded.document;
$$;

CREATE FUNCTION article_search_article_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM article_search_refresh(NEW.id);
    RETURN NULL;
END;
$$;

CREATE FUNCTION article_search_takeaway_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A takeaway moved to another article re-indexes both.
    IF TG_OP <> 'INSERT' THEN
        PERFORM article_search_refresh(OLD.article_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM article_search_refresh(NEW.article_id);
    END IF;
    RETURN NULL;
END;
$$;

-- Only edits to the searchable text re-index; publishing or deleting does
-- not. Removing an article removes its row through ON DELETE CASCADE.
CREATE TRIGGER article_search_after_insert AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION article_search_article_changed();
CREATE TRIGGER article_search_after_update AFTER UPDATE OF headline, standfirst, body ON articles
    FOR EACH ROW EXECUTE FUNCTION article_search_article_changed();
CREATE TRIGGER article_search_takeaway_change AFTER INSERT OR UPDATE OR DELETE ON article_takeaways
    FOR EACH ROW EXECUTE FUNCTION article_search_takeaway_changed();

-- Index the articles that exist already.
SELECT article_search_refresh(id) FROM articles;
