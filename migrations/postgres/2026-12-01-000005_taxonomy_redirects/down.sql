DROP TABLE deleted_media;
DROP TABLE taxonomy_redirects;
