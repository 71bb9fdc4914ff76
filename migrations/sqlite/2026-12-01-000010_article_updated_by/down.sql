ALTER TABLE articles DROP COLUMN updated_by;
