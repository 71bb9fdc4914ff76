DROP TABLE live_posts;
DROP TABLE live_coverage;
