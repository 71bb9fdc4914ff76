//! The image library, for editors: every uploaded image with what uses it,
//! and deleting the ones nothing live uses. A deleted image's public URL
//! answers 410 Gone from then on.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::{self, SignedIn};
use crate::db;
use crate::error::AppError;
use crate::models::media::{self, Deleted, MediaUrl};
use crate::models::user::Role;
use crate::routes::pages::{page_number, render};
use crate::views::admin::{LibraryRow, MediaPage};
use crate::AppState;

/// Images per page of the library.
const PER_PAGE: i64 = 40;

/// `GET /admin/media`: the library, newest first.
pub async fn library(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let page = page_number(&req)?;
    let (total, images) = db::run(&state.pool, move |conn| {
        let total = media::library_count(conn)?;
        if page > 1 && (page - 1) * PER_PAGE >= total {
            return Err(AppError::NotFound);
        }
        Ok((
            total,
            media::library(conn, (page - 1) * PER_PAGE, PER_PAGE)?,
        ))
    })
    .await?;
    let tz = state.site.timezone;
    let rows = images
        .into_iter()
        .map(|image| LibraryRow {
            deletable: image.deletable(),
            src: MediaUrl::Newsroom.path(&image.token),
            public_path: MediaUrl::Public.path(&image.token),
            uploaded: crate::seo::stamp(image.created_at, tz).display,
            id: image.id,
            width: image.width,
            height: image.height,
            content_type: image.content_type,
            articles: image.articles,
            authors: image.authors,
        })
        .collect();
    let total_pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page = MediaPage {
        chrome: super::chrome(&state, &signed_in),
        rows,
        page,
        total_pages,
        prev: (page > 1).then(|| format!("/admin/media?page={}", page - 1)),
        next: (page < total_pages).then(|| format!("/admin/media?page={}", page + 1)),
    };
    render(&page, actix_web::http::StatusCode::OK)
}

/// `POST /admin/media/{id}/delete`: deletes an image nothing live uses.
pub async fn delete(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    super::accept(&signed_in, Role::Editor, &req, &body)?;
    let id = id.into_inner();
    let now = state.clock.now();
    let outcome = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            media::delete(conn, id, now).map_err(AppError::from)
        })
    })
    .await?;
    let message = match outcome {
        Deleted::Gone => "Deleted the image. Its address now says it is gone.".to_string(),
        Deleted::InUse(users) => {
            format!("The image was not deleted: it is used by {users}. Replace it there first.")
        }
    };
    auth::flash(&signed_in.session, &message);
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/media"))
        .finish())
}
