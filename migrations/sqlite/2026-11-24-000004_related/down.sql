DROP TABLE related_pins;
DROP TABLE related_computed;
DROP TABLE related_articles;
