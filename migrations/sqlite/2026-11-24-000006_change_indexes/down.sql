DROP INDEX articles_published_at_idx;
DROP INDEX articles_deleted_at_idx;
DROP INDEX articles_updated_at_idx;
