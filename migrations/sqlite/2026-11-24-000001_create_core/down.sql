DROP TABLE site_settings;
DROP TABLE article_tags;
DROP TABLE article_takeaways;
DROP TABLE articles;
DROP TABLE media;
DROP TABLE tags;
DROP TABLE authors;
DROP TABLE sections;
