DROP INDEX articles_review_idx;
ALTER TABLE articles DROP COLUMN review_note;
ALTER TABLE articles DROP COLUMN submitted_at;
