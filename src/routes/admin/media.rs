//! The image library, for editors: every uploaded image with its default
//! alt text, caption and credit and what uses it; searching it; editing an
//! image's defaults; deleting the ones nothing live uses. A deleted image's
//! public URL answers 410 Gone from then on.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::{self, SignedIn};
use crate::db;
use crate::error::AppError;
use crate::models::media::{self, MediaUrl};
use crate::models::media_library::{self, Deleted, DetailErrors, ImageDetails, LibraryImage};
use crate::models::user::Role;
use crate::routes::pages::{page_number, render};
use crate::views::media::{CropView, LibraryRow, MediaEditPage, MediaPage};
use crate::AppState;

/// Images per page of the library.
const PER_PAGE: i64 = 40;
/// The most matches a search shows (newest first).
const SEARCH_LIMIT: i64 = 60;

#[derive(Deserialize, Default)]
struct LibraryQuery {
    #[serde(default)]
    q: String,
}

/// `GET /admin/media`: the library, newest first; `?q=` searches alt text,
/// captions and credits.
pub async fn library(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let typed = web::Query::<LibraryQuery>::from_query(req.query_string())
        .map(|q| q.into_inner().q)
        .unwrap_or_default();
    let query = media_library::normalise_query(&typed);
    let page = match query {
        Some(_) => 1,
        None => page_number(&req)?,
    };
    let (total, images) = db::run(&state.pool, move |conn| match query {
        Some(query) => {
            let ids = media_library::search(conn, &query, SEARCH_LIMIT)?;
            Ok((0, media_library::library_of(conn, &ids)?))
        }
        None => {
            let total = media_library::library_count(conn)?;
            if page > 1 && (page - 1) * PER_PAGE >= total {
                return Err(AppError::NotFound);
            }
            let images = media_library::library(conn, (page - 1) * PER_PAGE, PER_PAGE)?;
            Ok((total, images))
        }
    })
    .await?;
    let rows = images
        .into_iter()
        .map(|image| library_row(&state, image))
        .collect();
    let total_pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page = MediaPage {
        chrome: super::chrome(&state, &signed_in),
        rows,
        query: typed.chars().take(media_library::MAX_QUERY).collect(),
        search_limit: SEARCH_LIMIT,
        page,
        total_pages,
        prev: (page > 1).then(|| format!("/admin/media?page={}", page - 1)),
        next: (page < total_pages).then(|| format!("/admin/media?page={}", page + 1)),
    };
    render(&page, StatusCode::OK)
}

/// A library entry as its row shows it.
fn library_row(state: &AppState, image: LibraryImage) -> LibraryRow {
    let public_path = MediaUrl::Public.path(&image.token);
    LibraryRow {
        deletable: image.deletable(),
        src: MediaUrl::Newsroom.path(&image.token),
        snippet: media_library::markdown_snippet(&public_path, &image.details),
        public_path,
        uploaded: crate::seo::stamp(image.created_at, state.site.timezone).display,
        id: image.id,
        width: image.width,
        height: image.height,
        content_type: image.content_type,
        details: image.details,
        articles: image.articles,
        authors: image.authors,
    }
}

/// The edit page of one image, showing `form` and `errors`, and `focal`
/// (as typed) when given.
async fn edit_page(
    state: &web::Data<AppState>,
    signed_in: &SignedIn,
    id: i32,
    form: Option<ImageDetails>,
    errors: DetailErrors,
    focal: Option<FocalForm>,
) -> Result<MediaEditPage, AppError> {
    let (image, stored_focal, crops) = db::run(&state.pool, move |conn| {
        Ok((
            media_library::library_entry(conn, id)?,
            media_library::focal_point(conn, id)?,
            media::crops(conn, id)?,
        ))
    })
    .await?;
    let row = library_row(state, image);
    let focal = focal.unwrap_or_else(|| FocalForm {
        focal_x: stored_focal.0.to_string(),
        focal_y: stored_focal.1.to_string(),
    });
    Ok(MediaEditPage {
        chrome: super::chrome(state, signed_in),
        form: form.unwrap_or_else(|| row.details.clone()),
        row,
        errors,
        focal_x: focal.focal_x,
        focal_y: focal.focal_y,
        crops: crops
            .into_iter()
            .map(|(aspect, token, width, height)| CropView {
                aspect,
                src: MediaUrl::Newsroom.path(&token),
                width,
                height,
            })
            .collect(),
    })
}

/// The focal point form, as typed: percent of the width and of the height.
#[derive(Deserialize, Default, Clone)]
struct FocalForm {
    #[serde(default)]
    focal_x: String,
    #[serde(default)]
    focal_y: String,
}

impl FocalForm {
    /// Both numbers, each a percent from 0 to 100 (rounded to a whole one), or a message.
    fn validate(&self) -> Result<(i32, i32), String> {
        let percent = |typed: &str| {
            typed
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| (0.0..=100.0).contains(n))
                .map(|n| n.round() as i32)
        };
        match (percent(&self.focal_x), percent(&self.focal_y)) {
            (Some(x), Some(y)) => Ok((x, y)),
            _ => Err(
                "Give the point as two percentages from 0 to 100 (across, then down), \
                      or click the image."
                    .into(),
            ),
        }
    }
}

/// `POST /admin/media/{id}/focal`: sets the point crops keep in view and
/// makes the crops again around it. The old crops' URLs answer 410 and
/// cached pages (whose structured data lists the crops) are dropped.
pub async fn set_focal(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let typed: FocalForm = super::accept_form(&signed_in, Role::Editor, &req, &body)?;
    let id = id.into_inner();
    let refused = |message: String| {
        let mut errors = DetailErrors::new();
        errors.insert("focal", message);
        errors
    };
    let focal = match typed.validate() {
        Ok(focal) => focal,
        Err(message) => {
            let page =
                edit_page(&state, &signed_in, id, None, refused(message), Some(typed)).await?;
            return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    // Crops are cut from the image's widest stored copy (upright, stripped).
    let (_, bytes) = db::run(&state.pool, move |conn| {
        media_library::focal_point(conn, id)?;
        Ok(media::load_bytes(conn, id)?)
    })
    .await?;
    let crops = match crate::crops::recrop_bounded(bytes, focal).await? {
        Ok(crops) => crops,
        Err(message) => {
            let page =
                edit_page(&state, &signed_in, id, None, refused(message), Some(typed)).await?;
            return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let now = state.clock.now();
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            Ok(media::replace_crops(conn, id, focal, &crops, now)?)
        })
    })
    .await?;
    auth::flash(
        &signed_in.session,
        "Saved the focal point; the square and 4:3 crops were made again around it.",
    );
    Ok(super::see_other(format!("/admin/media/{id}/edit#focal")))
}

/// `GET /admin/media/{id}/edit`: an image's defaults, focal point and uses.
pub async fn edit(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let page = edit_page(
        &state,
        &signed_in,
        id.into_inner(),
        None,
        DetailErrors::new(),
        None,
    )
    .await?;
    render(&page, StatusCode::OK)
}

/// `POST /admin/media/{id}`: stores an image's default alt text, caption
/// and credit. Defaults appear on no public page by themselves (articles
/// keep their own copies), so nothing cached changes.
pub async fn update(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let typed: ImageDetails = super::accept_form(&signed_in, Role::Editor, &req, &body)?;
    let id = id.into_inner();
    let valid = match typed.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            let page = edit_page(&state, &signed_in, id, Some(typed), errors, None).await?;
            return render(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    db::run(&state.pool, move |conn| {
        Ok(media_library::set_details(conn, id, &valid)?)
    })
    .await?;
    auth::flash(
        &signed_in.session,
        "Saved the image’s alt text, caption and credit.",
    );
    Ok(super::see_other(format!("/admin/media/{id}/edit")))
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
            media_library::delete(conn, id, now).map_err(AppError::from)
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
    Ok(super::see_other("/admin/media".into()))
}
