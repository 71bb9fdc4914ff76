//! `GET /media/{token}`: stored images for readers, only while a public
//! article or an author uses them; `GET /admin/media/{token}`: any image, for
//! signed-in users (the article form and previews).

use actix_web::http::header::{self, Range};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::SignedIn;
use crate::error::AppError;
use crate::http_cache::{self, CachePolicy};
use crate::models::media;
use crate::{db, AppState};

/// Serves a public image's bytes with its content type; 410 Gone (not
/// cached: error pages are `no-store`) for a deleted image; 404 for any image
/// readers may not see (a draft's, a scheduled or trashed story's), exactly
/// as for one that does not exist. Answers 304 to a current copy, after the
/// visibility check, so a cache revalidating an image that stopped being
/// public gets the 404. A single byte `Range` gets a 206 (players and resumed
/// downloads ask for them).
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
    let range = requested_range(&req, &etag);
    let found = db::run(&state.pool, move |conn| {
        let id = match media::find_public(conn, &token, now).map_err(AppError::from) {
            Ok(id) => id,
            // A deleted image says so, for good; any other miss stays a 404.
            Err(AppError::NotFound) if media::was_deleted(conn, &token)? => {
                return Err(AppError::Gone)
            }
            Err(e) => return Err(e),
        };
        match current {
            true => Ok(None),
            false => Ok(Some(media::load_bytes(conn, id)?)),
        }
    })
    .await?;
    Ok(public_image(found, etag, range.as_deref()))
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
        let id = media::find_any(conn, &token)?;
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

/// The `Range` header to honour: only on GET (RFC 9110 §14.2), and only
/// while `If-Range`, when sent, still names this copy.
fn requested_range(req: &HttpRequest, etag: &str) -> Option<String> {
    if req.method() != Method::GET {
        return None;
    }
    if let Some(if_range) = req.headers().get(header::IF_RANGE) {
        if if_range.as_bytes() != etag.as_bytes() {
            return None;
        }
    }
    let range = req.headers().get(header::RANGE)?.to_str().ok()?;
    Some(range.to_string())
}

/// What a `Range` header asks of a body of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Part {
    /// The whole body: no range, one we do not serve (several ranges, another
    /// unit) or a malformed one, all of which a server may ignore.
    Whole,
    /// Bytes `start..=end`, both within the body.
    Bytes(usize, usize),
    /// A single byte range that starts past the end: 416.
    Unsatisfiable,
}

fn part_of(range: Option<&str>, len: usize) -> Part {
    let Some(Ok(Range::Bytes(specs))) = range.map(str::parse::<Range>) else {
        return Part::Whole;
    };
    match specs.as_slice() {
        // `to_satisfiable_range` clamps the end to the body and refuses a
        // start past it, so the slice below is always in bounds.
        [spec] => match spec.to_satisfiable_range(len as u64) {
            Some((start, end)) => Part::Bytes(start as usize, end as usize),
            None => Part::Unsatisfiable,
        },
        _ => Part::Whole,
    }
}

/// A public image (whole, a byte range, or 416), or a bodiless 304 (`None`)
/// when the client's copy is current.
fn public_image(
    found: Option<(String, Vec<u8>)>,
    etag: String,
    range: Option<&str>,
) -> HttpResponse {
    let part = match &found {
        Some((_, data)) => part_of(range, data.len()),
        None => Part::Whole,
    };
    let mut response = match (&found, &part) {
        (None, _) => HttpResponse::NotModified(),
        (Some(_), Part::Whole) => HttpResponse::Ok(),
        (Some(_), Part::Bytes(..)) => HttpResponse::PartialContent(),
        (Some(_), Part::Unsatisfiable) => HttpResponse::RangeNotSatisfiable(),
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header(CachePolicy::Media.header())
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    let Some((content_type, data)) = found else {
        return response.finish();
    };
    match part {
        Part::Whole => response.content_type(content_type).body(data),
        Part::Bytes(start, end) => response
            .insert_header((
                header::CONTENT_RANGE,
                format!("bytes {start}-{end}/{}", data.len()),
            ))
            .content_type(content_type)
            .body(data[start..=end].to_vec()),
        Part::Unsatisfiable => response
            .insert_header((header::CONTENT_RANGE, format!("bytes */{}", data.len())))
            .finish(),
    }
}

/// `GET /favicon.ico`: browsers ask for it on pages without an icon link (feeds, images).
pub async fn favicon() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header(("Location", "/static/img/favicon.png"))
        .insert_header(CachePolicy::Day.header())
        .finish()
}

#[cfg(test)]
mod tests {
    use super::{part_of, Part};

    #[test]
    fn single_byte_ranges_are_clamped_to_the_body() {
        assert_eq!(part_of(Some("bytes=0-9"), 100), Part::Bytes(0, 9));
        assert_eq!(part_of(Some("bytes=90-500"), 100), Part::Bytes(90, 99));
        assert_eq!(part_of(Some("bytes=95-"), 100), Part::Bytes(95, 99));
        assert_eq!(part_of(Some("bytes=-10"), 100), Part::Bytes(90, 99));
        assert_eq!(part_of(Some("bytes=-500"), 100), Part::Bytes(0, 99));
        assert_eq!(part_of(Some("bytes=99-99"), 100), Part::Bytes(99, 99));
    }

    #[test]
    fn a_range_past_the_end_is_unsatisfiable() {
        assert_eq!(part_of(Some("bytes=100-"), 100), Part::Unsatisfiable);
        assert_eq!(part_of(Some("bytes=200-300"), 100), Part::Unsatisfiable);
        assert_eq!(part_of(Some("bytes=-0"), 100), Part::Unsatisfiable);
        assert_eq!(part_of(Some("bytes=0-0"), 0), Part::Unsatisfiable);
    }

    #[test]
    fn other_ranges_are_ignored_and_the_whole_body_sent() {
        for header in [
            None,
            Some(""),
            Some("bytes="),
            Some("bytes=9-1"),
            Some("bytes=abc"),
            Some("bytes=0-99999999999999999999999"),
            Some("items=0-9"),
            Some("bytes=0-1,5-9"),
            Some("0-9"),
        ] {
            assert_eq!(part_of(header, 100), Part::Whole, "{header:?}");
        }
    }
}
