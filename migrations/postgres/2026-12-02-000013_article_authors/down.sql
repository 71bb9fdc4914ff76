ALTER TABLE users DROP COLUMN author_id;
ALTER TABLE authors DROP COLUMN kind;
DROP TRIGGER articles_give_published_at_to_authors ON articles;
DROP FUNCTION articles_give_published_at_to_authors();
DROP TRIGGER article_authors_take_published_at ON article_authors;
DROP FUNCTION article_authors_take_published_at();
DROP TABLE article_authors;
