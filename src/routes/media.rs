//! `GET /media/{token}`: stored images for readers, only while a public
//! article or an author uses them; `GET /admin/media/{token}`: any image, for
//! signed-in users (the article form and previews).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::SignedIn;
use crate::error::AppError;
use crate::http_cache::{self, MEDIA_POLICY};
use crate::models::media;
use crate::{db, AppState};

/// Serves a public image's bytes with its content type; 404 for any image
/// readers may not see (a draft's, a scheduled or trashed story's), exactly
/// as for one that does not exist. Answers 304 to a current copy, after the
/// visibility check, so a cache revalidating an image that stopped being
/// public gets the 404.
pub async fn show_media(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    if !media::is_token(&token) {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    let etag = etag_for(&token);
    let current = http_cache::client_has(&req, &etag);
    let found = db::run(&state.pool, move |conn| {
        let id = media::find_public(conn, &token, now).map_err(AppError::from_lookup)?;
        match current {
            true => Ok(None),
            false => Ok(Some(media::load_bytes(conn, id)?)),
        }
    })
    .await?;
    Ok(public_image(found, etag))
}

/// Serves any stored image to a signed-in user. Like every admin response it
/// carries the scope's `Cache-Control: no-store, private`: an embargoed photo
/// stays out of shared caches.
pub async fn show_media_to_newsroom(
    state: web::Data<AppState>,
    _signed_in: SignedIn,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    if !media::is_token(&token) {
        return Err(AppError::NotFound);
    }
    let (content_type, data) = db::run(&state.pool, move |conn| {
        let id = media::find_any(conn, &token).map_err(AppError::from_lookup)?;
        Ok(media::load_bytes(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(data))
}

/// A stored copy never changes (a new upload is a new row with a new token),
/// so its token is a strong validator.
fn etag_for(token: &str) -> String {
    format!("\"{token}\"")
}

/// A public image, or a bodiless 304 (`None`) when the client's copy is current.
fn public_image(found: Option<(String, Vec<u8>)>, etag: String) -> HttpResponse {
    let mut response = match found {
        Some(_) => HttpResponse::Ok(),
        None => HttpResponse::NotModified(),
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, MEDIA_POLICY))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    match found {
        Some((content_type, data)) => response.content_type(content_type).body(data),
        None => response.finish(),
    }
}

/// `GET /favicon.ico`: browsers ask for it on pages without an icon link (feeds, images).
pub async fn favicon() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header(("Location", "/static/img/favicon.png"))
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .finish()
}
