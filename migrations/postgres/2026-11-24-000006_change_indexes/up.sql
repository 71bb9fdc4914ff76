-- Last-Modified asks for the newest edit, deletion and publish time on every
-- page view: these indexes make each a single index lookup.
CREATE INDEX articles_updated_at_idx ON articles (updated_at);
CREATE INDEX articles_deleted_at_idx ON articles (deleted_at);
CREATE INDEX articles_published_at_idx ON articles (published_at);
