//! One URL per page: near-miss addresses (a trailing slash, capitals in a
//! slug, the feed names other sites use) answer 301 to the canonical one, so
//! links and crawlers end up on a single URL instead of a 404 or a duplicate.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::AppError;
use crate::models::taxonomy_redirect::{self, TaxonomyKind};
use crate::models::Tag;
use crate::{db, AppState};

/// A slug as a path segment: everything but unreserved characters encoded.
pub const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A permanent redirect; cached for an hour like the renamed-slug redirects.
pub fn moved_to(location: &str) -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, location))
        .insert_header(crate::http_cache::CachePolicy::Hour.header())
        .finish()
}

/// `prefix/slug` with the slug lowercased, keeping the query (`?page=2`).
fn canonical_url(req: &HttpRequest, prefix: &str, slug: &str) -> String {
    let slug = utf8_percent_encode(&slug.to_lowercase(), SEGMENT).to_string();
    match req.query_string() {
        "" => format!("{prefix}/{slug}"),
        query => format!("{prefix}/{slug}?{query}"),
    }
}

/// The redirect to the lowercase URL when `slug` has capitals (slugs are
/// stored lowercase, so the mixed-case URL would otherwise be a 404).
pub fn lowercase_slug(req: &HttpRequest, prefix: &str, slug: &str) -> Option<HttpResponse> {
    (slug.chars().any(char::is_uppercase)).then(|| moved_to(&canonical_url(req, prefix, slug)))
}

/// A section, tag or author URL that found nothing (`miss`): when its slug
/// was renamed, a 301 to the same page under the current slug (`suffix` is
/// `""`, `"/feed.xml"` or `"/atom.xml"`; the query, `?page=N`, is kept);
/// otherwise the miss itself. Runs only on the 404 path.
pub async fn renamed_or(
    state: &AppState,
    req: &HttpRequest,
    kind: TaxonomyKind,
    slug: String,
    suffix: &str,
    miss: AppError,
) -> Result<HttpResponse, AppError> {
    if !matches!(miss, AppError::NotFound) {
        return Err(miss);
    }
    let now = state.clock.now();
    let current = db::run(&state.pool, move |conn| {
        let current = taxonomy_redirect::current_slug(conn, kind, &slug)?;
        Ok(match (kind, current) {
            // A tag that no public article carries stays unknown to readers: its
            // new name must not show in a Location header either.
            (TaxonomyKind::Tag, Some(new)) => Tag::find_public_by_slug(conn, &new, now)
                .is_ok()
                .then_some(new),
            (_, current) => current,
        })
    })
    .await?;
    match current {
        Some(new) => {
            let path = format!(
                "{}/{}{suffix}",
                kind.prefix(),
                utf8_percent_encode(&new, SEGMENT)
            );
            Ok(moved_to(&match req.query_string() {
                "" => path,
                query => format!("{path}?{query}"),
            }))
        }
        None => Err(AppError::NotFound),
    }
}

/// `GET /{articles|sections|tags|authors}/{slug}/`: the same URL without the
/// slash (and with the slug lowercased).
pub async fn without_trailing_slash(req: HttpRequest) -> HttpResponse {
    let kind = req.match_info().get("kind").unwrap_or_default();
    let slug = req.match_info().get("slug").unwrap_or_default();
    moved_to(&canonical_url(&req, &format!("/{kind}"), slug))
}

/// `GET /feed`, `/rss`, `/rss.xml`: the RSS feed's real address.
pub async fn to_rss() -> HttpResponse {
    moved_to("/feed.xml")
}

/// `GET /atom`: the Atom feed's real address.
pub async fn to_atom() -> HttpResponse {
    moved_to("/atom.xml")
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn lowercase_redirect_keeps_the_query_and_encodes_the_slug() {
        let req = TestRequest::with_uri("/sections/World?page=2").to_http_request();
        let response = lowercase_slug(&req, "/sections", "World").unwrap();
        assert_eq!(response.status(), 301);
        assert_eq!(
            response.headers().get("location").unwrap(),
            "/sections/world?page=2"
        );
        let req = TestRequest::with_uri("/articles/x").to_http_request();
        assert_eq!(
            canonical_url(&req, "/articles", "A B/\r\nC"),
            "/articles/a%20b%2F%0D%0Ac"
        );
        assert!(lowercase_slug(&req, "/articles", "already-lower").is_none());
    }
}
