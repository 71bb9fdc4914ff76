//! `GET /articles/{slug}/live?after=N`: a live story's posts added after the
//! reader's last one, as JSON, for `static/js/live.js`. Public and cached
//! like every page (the cache keys on `after`, which readers share: most ask
//! for the same last post); any post added, edited or deleted, and starting
//! or ending the coverage, records a public change that drops it. A draft,
//! scheduled or trashed article, or one without live coverage, is a 404.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::db;
use crate::error::AppError;
use crate::http_cache::{self, CachePolicy};
use crate::models::live_post;
use crate::routes::pages::query_params;
use crate::AppState;

/// The `after` parameter: the id of the newest post the reader has (0 when absent).
fn after_of(req: &HttpRequest) -> Result<i32, AppError> {
    match query_params(req)?.iter().find(|(k, _)| k == "after") {
        None => Ok(0),
        Some((_, v)) => v
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| {
                AppError::BadRequest("`after` is the id of a post: a whole number.".into())
            }),
    }
}

/// `GET /articles/{slug}/live`.
pub async fn live_updates(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let after = after_of(&req)?;
    let now = state.clock.now();
    let shared = state.clone();
    let slug = slug.into_inner();
    let (story, last_change) = db::run(&state.pool, move |conn| {
        let story = live_post::public_since(conn, &slug, after, now)?;
        let facts = shared.cache.site_facts(conn, now)?;
        Ok((story, facts.last_change))
    })
    .await?;
    let body = crate::views::live::poll_json(&story, after, state.site.timezone)?;
    Ok(http_cache::respond(
        &req,
        "application/json",
        body,
        last_change,
        CachePolicy::Live,
    ))
}
