DROP INDEX articles_author_idx;
