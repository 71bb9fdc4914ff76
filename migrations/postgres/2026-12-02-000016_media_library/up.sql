-- The media library (issue 11). Each image (an original, `original_id IS
-- NULL`) keeps its own default alt text, caption and credit, and the point the
-- editor wants kept in crops (percent of width and height, centred unless
-- set). `search_text` is those three lowercased in one column, so the
-- library's search is one LIKE over a covering index that never reads the
-- image bytes.
ALTER TABLE media ADD COLUMN alt TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN caption TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN credit TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN focal_x INTEGER NOT NULL DEFAULT 50;
ALTER TABLE media ADD COLUMN focal_y INTEGER NOT NULL DEFAULT 50;
-- What a copy is: '' for the image's own shape (the widths of `srcset`),
-- '1:1' and '4:3' for the crops structured data lists.
ALTER TABLE media ADD COLUMN aspect TEXT NOT NULL DEFAULT '';
CREATE INDEX media_library_idx ON media (original_id, created_at, id, search_text);

-- Images an article's body shows (`![alt](/media/TOKEN)`), by their
-- original, recorded at every save: readers get a body image while a public
-- article shows it, exactly as for a lead image.
CREATE TABLE article_media (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, media_id)
);
CREATE INDEX article_media_media_idx ON article_media (media_id, article_id);

-- Bodies saved before this table existed. Only bodies that link an image at
-- all are compared with the tokens, once.
INSERT INTO article_media (article_id, media_id)
SELECT DISTINCT a.id, COALESCE(m.original_id, m.id)
FROM articles a, media m
WHERE a.body LIKE '%/media/%' AND strpos(a.body, '/media/' || m.token) > 0;
