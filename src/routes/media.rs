//! `GET /media/{id}`: stored images. A media row never changes (a new upload
//! is a new row), so responses may be cached for a year.

use actix_web::{web, HttpResponse};

use crate::error::AppError;
use crate::models::media;
use crate::{db, AppState};

/// Serves an image's bytes with its content type.
pub async fn show_media(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: i32 = id.parse().map_err(|_| AppError::NotFound)?;
    let (content_type, data) = db::run(&state.pool, move |conn| {
        media::load_bytes(conn, id).map_err(AppError::from_lookup)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .body(data))
}

/// `GET /favicon.ico`: browsers ask for it on pages without an icon link (feeds, images).
pub async fn favicon() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header(("Location", "/static/img/favicon.png"))
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .finish()
}
