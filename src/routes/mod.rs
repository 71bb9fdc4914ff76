//! Every URL of the site, in one place.
//!
//! Each public URL is its own resource answering GET and HEAD, so any other
//! method on a known path gets actix's 405 with an `Allow` header naming both,
//! and unknown paths stay 404. HEAD is routed to the GET handler rather than
//! mapped by a middleware: the `Allow` header then tells the truth, and
//! actix-http already sends a HEAD response's headers (Content-Length of the
//! GET body included) without its body.

pub mod admin;
pub mod canonical;
pub mod corrections;
pub mod error_pages;
pub mod feeds;
pub mod health;
pub mod live;
pub mod media;
pub mod pages;
pub mod permalinks;
pub mod public;
pub mod search;
pub mod share;
pub mod sitemaps;

use actix_web::{guard, web, Resource, Route};

/// A route for GET and its bodiless twin HEAD.
fn get() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// A URL of its own, answering 405 to the methods `route` does not take.
fn page(path: &str, route: Route) -> Resource {
    web::resource(path).route(route)
}

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/", get().to(public::front_page)))
        .service(page("/articles/{slug}", get().to(public::show_article)))
        .service(page("/articles/{slug}/live", get().to(live::live_updates)))
        .service(page("/sections/{slug}", get().to(public::list_section)))
        .service(page("/authors/{slug}", get().to(public::list_author)))
        .service(page("/tags/{slug}", get().to(public::list_tag)))
        .service(page(
            "/{kind:articles|sections|tags|authors}/{slug}/",
            get().to(canonical::without_trailing_slash),
        ))
        .service(page("/feed.xml", get().to(feeds::site_rss)))
        .service(page("/atom.xml", get().to(feeds::site_atom)))
        .service(web::resource(["/feed", "/rss", "/rss.xml"]).route(get().to(canonical::to_rss)))
        .service(page("/atom", get().to(canonical::to_atom)))
        .service(page(
            "/sections/{slug}/feed.xml",
            get().to(feeds::section_rss),
        ))
        .service(page(
            "/sections/{slug}/atom.xml",
            get().to(feeds::section_atom),
        ))
        .service(page("/tags/{slug}/feed.xml", get().to(feeds::tag_rss)))
        .service(page("/tags/{slug}/atom.xml", get().to(feeds::tag_atom)))
        .service(page(
            "/authors/{slug}/feed.xml",
            get().to(feeds::author_rss),
        ))
        .service(page(
            "/authors/{slug}/atom.xml",
            get().to(feeds::author_atom),
        ))
        .service(page(
            "/corrections",
            get().to(corrections::list_corrections),
        ))
        .service(page(
            "/corrections/feed.xml",
            get().to(corrections::corrections_rss),
        ))
        .service(page(
            "/corrections/atom.xml",
            get().to(corrections::corrections_atom),
        ))
        .service(page("/sitemap.xml", get().to(sitemaps::sitemap_index)))
        .service(page(
            "/sitemaps/articles-{file:[1-9][0-9]*}.xml",
            get().to(sitemaps::articles_sitemap),
        ))
        .service(page(
            "/sitemaps/sections.xml",
            get().to(sitemaps::sections_sitemap),
        ))
        .service(page("/sitemaps/tags.xml", get().to(sitemaps::tags_sitemap)))
        .service(page(
            "/sitemaps/authors.xml",
            get().to(sitemaps::authors_sitemap),
        ))
        .service(page("/news-sitemap.xml", get().to(sitemaps::news_sitemap)))
        .service(page("/robots.txt", get().to(sitemaps::robots_txt)))
        .service(page("/search", get().to(search::search)))
        .service(page("/media/{token}", get().to(media::show_media)))
        .service(page("/share/mastodon", get().to(share::share_to_mastodon)))
        .service(page("/favicon.ico", get().to(media::favicon)))
        .service(page("/healthz", get().to(health::healthz)))
        // Whatever matched nothing: an imported article's old address, or 404.
        .default_service(web::to(permalinks::old_address));
}
