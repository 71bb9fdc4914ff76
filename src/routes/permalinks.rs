//! Old addresses of an imported site (`models::permalink`): a WordPress
//! permalink or archive page that matched no route, or the front page's
//! `/?p=ID`, answers 301 to the article, section, tag or author when readers
//! may see it, and 404 otherwise. The lookup runs
//! only for requests no route matched, so found pages pay nothing for it.

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use percent_encoding::utf8_percent_encode;

use crate::error::AppError;
use crate::models::permalink;
use crate::routes::canonical::{moved_to, SEGMENT};
use crate::{db, AppState};

/// Every request no route matched: a GET or HEAD of an old address is
/// redirected; anything else is the usual 404.
pub async fn old_address(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Err(AppError::NotFound);
    }
    match permalink::path_key(req.path()) {
        Some(key) => redirect(&state, key).await,
        None => Err(AppError::NotFound),
    }
}

/// The 301 to what `key` leads to, or the 404 page.
pub async fn redirect(state: &AppState, key: String) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let slug = db::run(&state.pool, move |conn| {
        Ok(permalink::public_target(conn, &key, now)?)
    })
    .await?;
    match slug {
        Some((target, slug)) => Ok(moved_to(&format!(
            "{}/{}",
            target.prefix(),
            utf8_percent_encode(&slug, SEGMENT)
        ))),
        None => Err(AppError::NotFound),
    }
}
