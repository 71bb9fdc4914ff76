DROP TRIGGER article_search_takeaway_change ON article_takeaways;
DROP TRIGGER article_search_after_update ON articles;
DROP TRIGGER article_search_after_insert ON articles;
DROP FUNCTION article_search_takeaway_changed();
DROP FUNCTION article_search_article_changed();
DROP FUNCTION article_search_refresh(INTEGER);
DROP TABLE article_search;
