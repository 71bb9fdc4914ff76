//! Every URL of the site, in one place.

pub mod admin;
pub mod error_pages;
pub mod feeds;
pub mod health;
pub mod media;
pub mod public;
pub mod search;
pub mod share;
pub mod sitemaps;

use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::front_page))
        .route("/articles/{slug}", web::get().to(public::show_article))
        .route("/sections/{slug}", web::get().to(public::list_section))
        .route("/authors/{slug}", web::get().to(public::list_author))
        .route("/tags/{slug}", web::get().to(public::list_tag))
        .route("/feed.xml", web::get().to(feeds::site_rss))
        .route("/atom.xml", web::get().to(feeds::site_atom))
        .route(
            "/sections/{slug}/feed.xml",
            web::get().to(feeds::section_rss),
        )
        .route(
            "/sections/{slug}/atom.xml",
            web::get().to(feeds::section_atom),
        )
        .route("/tags/{slug}/feed.xml", web::get().to(feeds::tag_rss))
        .route("/tags/{slug}/atom.xml", web::get().to(feeds::tag_atom))
        .route("/authors/{slug}/feed.xml", web::get().to(feeds::author_rss))
        .route(
            "/authors/{slug}/atom.xml",
            web::get().to(feeds::author_atom),
        )
        .route("/sitemap.xml", web::get().to(sitemaps::sitemap_index))
        .route(
            "/sitemaps/articles-{file:[1-9][0-9]*}.xml",
            web::get().to(sitemaps::articles_sitemap),
        )
        .route(
            "/sitemaps/sections.xml",
            web::get().to(sitemaps::sections_sitemap),
        )
        .route("/sitemaps/tags.xml", web::get().to(sitemaps::tags_sitemap))
        .route(
            "/sitemaps/authors.xml",
            web::get().to(sitemaps::authors_sitemap),
        )
        .route("/news-sitemap.xml", web::get().to(sitemaps::news_sitemap))
        .route("/robots.txt", web::get().to(sitemaps::robots_txt))
        .route("/search", web::get().to(search::search))
        .route("/media/{token}", web::get().to(media::show_media))
        .route("/share/mastodon", web::get().to(share::share_to_mastodon))
        .route("/favicon.ico", web::get().to(media::favicon))
        .route("/healthz", web::get().to(health::healthz));
}
