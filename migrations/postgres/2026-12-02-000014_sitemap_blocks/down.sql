DROP TRIGGER articles_touch_sitemap_block_on_update ON articles;
DROP TRIGGER articles_touch_sitemap_block_on_insert ON articles;
DROP FUNCTION articles_touch_sitemap_block();
DROP TABLE sitemap_blocks;
