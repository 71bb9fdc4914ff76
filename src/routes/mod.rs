//! Every URL of the site, in one place.

pub mod error_pages;
pub mod health;
pub mod media;
pub mod public;
pub mod search;
pub mod share;

use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::front_page))
        .route("/articles/{slug}", web::get().to(public::show_article))
        .route("/sections/{slug}", web::get().to(public::list_section))
        .route("/authors/{slug}", web::get().to(public::list_author))
        .route("/tags/{slug}", web::get().to(public::list_tag))
        .route("/search", web::get().to(search::search))
        .route("/media/{id}", web::get().to(media::show_media))
        .route("/share/mastodon", web::get().to(share::share_to_mastodon))
        .route("/healthz", web::get().to(health::healthz));
}
