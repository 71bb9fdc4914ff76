//! Conditional GET for pages, feeds and sitemaps: an `ETag` from the body, a
//! `Last-Modified` from the content's newest change, 304 when the client's
//! copy is current, and `Cache-Control` suited to a CDN in front.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use actix_web::http::header::{self, HttpDate};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDateTime, TimeZone, Utc};

/// Every `Cache-Control` the app sends, each with why. The response cache
/// (`crate::cache`) keeps only what these let a shared cache keep.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CachePolicy {
    /// Pages and lists: fresh for a minute, then served stale while the CDN
    /// revalidates. (No `public`: these responses carry no `Authorization`
    /// and are cacheable anyway.)
    Page,
    /// Feeds and sitemaps change less often and are polled.
    Feed,
    /// A live story's poll endpoint: readers' pages ask every half minute, so
    /// a CDN may keep it only briefly (this instance's own cache drops it at
    /// every new post anyway).
    Live,
    /// Public images. Not `immutable` for a year: an image stops being served
    /// when its article is unpublished, trashed or re-embargoed, and a CDN or
    /// browser must not keep it past that for long. Five minutes bounds that
    /// window; after it, revalidating costs a 304 without the bytes (the ETag
    /// names the stored copy, which never changes).
    Media,
    /// Permanent redirects (renamed slugs, canonical forms) and `robots.txt`:
    /// stable, but an hour lets a mistake be undone.
    Hour,
    /// The favicon redirect.
    Day,
    /// Static files with a content fingerprint (`?v=`): never change.
    Fingerprinted,
    /// Static files asked for without a fingerprint.
    Static,
    /// Answers for one moment or one visitor: errors, redirects to a moving
    /// place, health and metrics.
    NoStore,
    /// Everything under `/admin`: never kept by anyone but the browser's
    /// own session, and not even there.
    Private,
}

impl CachePolicy {
    /// The header's value.
    pub const fn value(self) -> &'static str {
        match self {
            CachePolicy::Page => "max-age=60, stale-while-revalidate=300",
            CachePolicy::Feed => "max-age=300, stale-while-revalidate=600",
            CachePolicy::Live => "max-age=10, stale-while-revalidate=20",
            CachePolicy::Media => "max-age=300",
            CachePolicy::Hour => "max-age=3600",
            CachePolicy::Day => "max-age=86400",
            CachePolicy::Fingerprinted => "public, max-age=31536000, immutable",
            CachePolicy::Static => "public, max-age=3600",
            CachePolicy::NoStore => "no-store",
            CachePolicy::Private => "no-store, private",
        }
    }

    /// The header, for `insert_header` and `DefaultHeaders::add`.
    pub fn header(self) -> (header::HeaderName, header::HeaderValue) {
        (
            header::CACHE_CONTROL,
            header::HeaderValue::from_static(self.value()),
        )
    }
}

/// A content coding a response can be sent in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

/// The best coding a request's `Accept-Encoding` takes with a weight above
/// zero (`*` counts for any not named): brotli, then gzip, else identity.
pub fn preferred_encoding(headers: &header::HeaderMap) -> Encoding {
    let (mut gzip, mut br, mut star) = (None, None, None);
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q=").map(str::to_string))
                .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
            let ok = weight > 0.0;
            match coding.as_str() {
                "gzip" | "x-gzip" => gzip = Some(ok),
                "br" => br = Some(ok),
                "*" => star = Some(ok),
                _ => {}
            }
        }
    }
    let star = star.unwrap_or(false);
    if br.unwrap_or(star) {
        Encoding::Brotli
    } else if gzip.unwrap_or(star) {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Whether the client's `If-None-Match` names `etag` (for responses whose
/// validator is known before their body is loaded).
pub fn client_has(req: &HttpRequest, etag: &str) -> bool {
    client_is_current(req, etag, None)
}

/// A strong validator's opaque part: a hash of the exact bytes sent.
pub fn tag_of(body: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    body.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", tag_of(body))
}

fn http_date(t: NaiveDateTime) -> HttpDate {
    let system_time: std::time::SystemTime = Utc.from_utc_datetime(&t).into();
    HttpDate::from(system_time)
}

/// Whether `If-None-Match` (or, without it, `If-Modified-Since`) says the client's copy is current.
fn client_is_current(req: &HttpRequest, etag: &str, last_modified: Option<NaiveDateTime>) -> bool {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    is_current(
        header(header::IF_NONE_MATCH),
        header(header::IF_MODIFIED_SINCE),
        etag.trim_matches('"'),
        last_modified.map(|t| Utc.from_utc_datetime(&t).into()),
    )
}

/// Whether a client holding `if_none_match` / `if_modified_since` has the
/// representation whose ETag's opaque part is `tag`. The compressed variants
/// the response cache sends (`"tag-gz"`, `"tag-br"`) name the same content.
pub fn is_current(
    if_none_match: Option<&str>,
    if_modified_since: Option<&str>,
    tag: &str,
    last_modified: Option<std::time::SystemTime>,
) -> bool {
    if let Some(inm) = if_none_match {
        return inm.split(',').any(|t| {
            let t = t.trim().trim_start_matches("W/").trim_matches('"');
            let t = t
                .strip_suffix("-gz")
                .or_else(|| t.strip_suffix("-br"))
                .unwrap_or(t);
            t == tag || t == "*"
        });
    }
    match (
        last_modified,
        if_modified_since.and_then(|v| v.parse::<HttpDate>().ok()),
    ) {
        (Some(modified), Some(since)) => {
            // HTTP dates have whole seconds: compare at that precision.
            let secs = |t: std::time::SystemTime| {
                t.duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            };
            secs(modified) <= secs(since.into())
        }
        _ => false,
    }
}

/// A 200 with validators, or a bodiless 304 when the client already has it.
pub fn respond(
    req: &HttpRequest,
    content_type: &str,
    body: String,
    last_modified: Option<NaiveDateTime>,
    policy: CachePolicy,
) -> HttpResponse {
    let etag = etag_of(body.as_bytes());
    let not_modified = client_is_current(req, &etag, last_modified);
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header(policy.header());
    if let Some(t) = last_modified {
        response.insert_header((header::LAST_MODIFIED, http_date(t)));
    }
    if not_modified {
        response.finish()
    } else {
        response.content_type(content_type.to_string()).body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2027, 3, 1)
            .unwrap()
            .and_hms_opt(h, m, s)
            .unwrap()
    }

    #[test]
    fn matching_etag_gives_304_and_a_changed_body_gives_200() {
        let first = respond(
            &TestRequest::default().to_http_request(),
            "text/html",
            "a".into(),
            None,
            CachePolicy::Page,
        );
        assert_eq!(first.status(), 200);
        let etag = first
            .headers()
            .get("etag")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let again = TestRequest::default()
            .insert_header(("If-None-Match", etag.as_str()))
            .to_http_request();
        assert_eq!(
            respond(&again, "text/html", "a".into(), None, CachePolicy::Page).status(),
            304
        );
        assert_eq!(
            respond(&again, "text/html", "b".into(), None, CachePolicy::Page).status(),
            200
        );
    }

    #[test]
    fn if_modified_since_compares_whole_seconds() {
        let modified = at(10, 0, 0) + chrono::Duration::microseconds(500);
        let since = "Mon, 01 Mar 2027 10:00:00 GMT";
        let req = TestRequest::default()
            .insert_header(("If-Modified-Since", since))
            .to_http_request();
        assert_eq!(
            respond(
                &req,
                "text/html",
                "x".into(),
                Some(modified),
                CachePolicy::Page
            )
            .status(),
            304
        );
        let later = at(10, 0, 1);
        assert_eq!(
            respond(
                &req,
                "text/html",
                "x".into(),
                Some(later),
                CachePolicy::Page
            )
            .status(),
            200
        );
        let response = respond(
            &TestRequest::default().to_http_request(),
            "text/html",
            "x".into(),
            Some(later),
            CachePolicy::Page,
        );
        assert_eq!(
            response.headers().get("last-modified").unwrap(),
            "Mon, 01 Mar 2027 10:00:01 GMT"
        );
    }
}
