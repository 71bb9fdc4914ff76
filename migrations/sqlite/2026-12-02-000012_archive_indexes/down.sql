DROP INDEX articles_listed_idx;
CREATE INDEX articles_listed_idx ON articles (deleted_at, published_at, status, updated_at, section_id, author_id);
DROP INDEX articles_sitemap_idx;
DROP TRIGGER articles_give_published_at_to_tags;
DROP TRIGGER article_tags_take_published_at;
DROP INDEX article_tags_listed_idx;
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id);
ALTER TABLE article_tags DROP COLUMN published_at;
