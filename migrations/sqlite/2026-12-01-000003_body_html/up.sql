-- The body's sanitised HTML, rendered when the article is saved so readers
-- never pay for Markdown. NULL until filled (at start-up, in the background,
-- for rows saved before this column existed).
ALTER TABLE articles ADD COLUMN body_html TEXT;
