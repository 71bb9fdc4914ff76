ALTER TABLE related_articles DROP COLUMN name_score;
DROP TABLE related_jobs;
DROP TABLE related_docs;
DROP TABLE related_postings;
DROP TABLE related_terms;
