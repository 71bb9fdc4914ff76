DROP INDEX articles_listed_idx;
CREATE INDEX articles_public_idx ON articles (status, published_at);
CREATE INDEX articles_deleted_at_idx ON articles (deleted_at);
