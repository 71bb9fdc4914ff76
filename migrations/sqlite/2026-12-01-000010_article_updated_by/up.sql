-- Who last changed an article (a save, a restore, a bulk action), shown in
-- the newsroom's article list. Rows from before stay NULL ("—").
ALTER TABLE articles ADD COLUMN updated_by INTEGER REFERENCES users (id);
