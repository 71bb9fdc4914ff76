//! `GET /share/mastodon`: Mastodon has no global share page, so this plain
//! page asks for the reader's instance and then sends them there. It works
//! without JavaScript; only the site's own article URLs can be shared.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::error::AppError;
use crate::routes::pages::html_page;
use crate::seo::PageMeta;
use crate::share::{mastodon_instance, mastodon_share_url};
use crate::views::load_chrome;
use crate::views::MastodonSharePage;
use crate::{db, AppState};

/// The query: the article to share, and (once the form is sent) the instance.
#[derive(Deserialize)]
pub struct MastodonQuery {
    url: Option<String>,
    title: Option<String>,
    instance: Option<String>,
}

/// Shows the instance form, or redirects to the instance's share page.
pub async fn share_to_mastodon(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = web::Query::<MastodonQuery>::from_query(req.query_string())
        .map_err(|_| AppError::BadRequest("The share link is malformed.".into()))?
        .into_inner();
    let site = state.site.clone();
    let url = query.url.unwrap_or_default();
    if !url.starts_with(&site.url("/articles/")) {
        return Err(AppError::BadRequest(
            "Only articles of this site can be shared from here.".into(),
        ));
    }
    let title = query
        .title
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect::<String>();
    let typed = query.instance.unwrap_or_default();
    let error = if typed.trim().is_empty() {
        None
    } else if let Some(instance) = mastodon_instance(&typed) {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", mastodon_share_url(&instance, &url, &title)))
            .insert_header(crate::http_cache::CachePolicy::NoStore.header())
            .finish());
    } else {
        Some(
            "That does not look like a Mastodon server name. Type it like mastodon.social."
                .to_string(),
        )
    };
    let chrome = db::run(&state.pool, move |conn| load_chrome(conn, &site, None)).await?;
    let site = &state.site;
    html_page(&MastodonSharePage {
        meta: PageMeta {
            title: format!("Share on Mastodon | {}", site.name),
            social_title: "Share on Mastodon".into(),
            description: format!("Share “{title}” on your Mastodon server."),
            canonical: site.url("/share/mastodon"),
            og_type: "website",
            image: Some(site.share_card()),
            indexable: false,
            ..PageMeta::default()
        },
        chrome,
        url,
        title,
        instance: typed.chars().take(200).collect(),
        error,
    })
}
