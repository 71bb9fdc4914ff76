-- Words in the body, kept by the application on every save, for reading time.
ALTER TABLE articles ADD COLUMN word_count INTEGER NOT NULL DEFAULT 0;
