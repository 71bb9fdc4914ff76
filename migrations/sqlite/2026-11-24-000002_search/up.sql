-- Site search: an FTS5 index over each article's headline, standfirst, Key
-- Takeaways (all joined, in order) and body; rowid = article id. Every article
-- is indexed, whatever its status: being public depends on the time of the
-- request, so the search query applies the public rule, not the index.
--
-- The index keeps its own copy of the text (not external content): rows can
-- then be replaced or deleted by rowid alone, so an edit can never leave the
-- index out of step with what it once indexed, and snippet() has the text.
-- Porter stemming finds "harbours" for "harbour"; remove_diacritics 2 finds
-- "café" for "cafe".
CREATE VIRTUAL TABLE article_search USING fts5(
    headline,
    standfirst,
    takeaways,
    body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- The triggers keep the index in step with every write, whoever makes it.
CREATE TRIGGER article_search_after_insert AFTER INSERT ON articles BEGIN
    INSERT INTO article_search (rowid, headline, standfirst, takeaways, body)
    VALUES (
        new.id, new.headline, new.standfirst,
        (SELECT coalesce(group_concat(text, char(10) ORDER BY position), '')
         FROM article_takeaways WHERE article_id = new.id),
        new.body
    );
END;

-- Only edits to the searchable text re-index; publishing or deleting does not.
CREATE TRIGGER article_search_after_update AFTER UPDATE OF headline, standfirst, body ON articles BEGIN
    UPDATE article_search
    SET headline = new.headline, standfirst = new.standfirst, body = new.body
    WHERE rowid = new.id;
END;

CREATE TRIGGER article_search_after_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_search WHERE rowid = old.id;
END;

CREATE TRIGGER article_search_takeaway_insert AFTER INSERT ON article_takeaways BEGIN
    UPDATE article_search
    SET takeaways = (SELECT coalesce(group_concat(text, char(10) ORDER BY position), '')
                     FROM article_takeaways WHERE article_id = new.article_id)
    WHERE rowid = new.article_id;
END;

-- A takeaway moved to another article re-indexes both.
CREATE TRIGGER article_search_takeaway_update AFTER UPDATE ON article_takeaways BEGIN
    UPDATE article_search
    SET takeaways = (SELECT coalesce(group_concat(text, char(10) ORDER BY position), '')
                     FROM article_takeaways WHERE article_id = old.article_id)
    WHERE rowid = old.article_id;
    UPDATE article_search
    SET takeaways = (SELECT coalesce(group_concat(text, char(10) ORDER BY position), '')
                     FROM article_takeaways WHERE article_id = new.article_id)
    WHERE rowid = new.article_id;
END;

CREATE TRIGGER article_search_takeaway_delete AFTER DELETE ON article_takeaways BEGIN
    UPDATE article_search
    SET takeaways = (SELECT coalesce(group_concat(text, char(10) ORDER BY position), '')
                     FROM article_takeaways WHERE article_id = old.article_id)
    WHERE rowid = old.article_id;
END;

-- Index the articles that exist already.
INSERT INTO article_search (rowid, headline, standfirst, takeaways, body)
SELECT a.id, a.headline, a.standfirst,
       (SELECT coalesce(group_concat(t.text, char(10) ORDER BY t.position), '')
        FROM article_takeaways t WHERE t.article_id = a.id),
       a.body
FROM articles a;
