//! The access log and request ids. Every response carries `X-Request-Id`:
//! the one a proxy sent when it is a short plain token, else a new one. The
//! request's id, method and path are on a tracing span around the request, so
//! every line logged while it runs (a 500's error line too) carries them, and
//! one access line per request ends it. Query strings are logged for public
//! URLs only, never for `/admin`. With `--metrics-bind` set, each response is
//! counted here too (see `metrics`).

use std::time::Instant;

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

/// The request id header, read and written.
pub const REQUEST_ID: &str = "x-request-id";

/// An incoming id is kept when it is 1–64 letters, digits, `-`, `_`, `.` or `:`.
pub fn is_sane_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The middleware (`middleware::from_fn(request_log::log_request)`).
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_sane_id(id))
        .map_or_else(|| crate::auth::random_hex(8), str::to_string);
    let method = req.method().to_string();
    let path = req.path().to_string();
    let query = if path == "/admin" || path.starts_with("/admin/") {
        String::new()
    } else {
        req.query_string().to_string()
    };
    let peer = req
        .peer_addr()
        .map_or_else(|| "-".to_string(), |a| a.ip().to_string());
    let span = tracing::info_span!("request", id = %id, method = %method, path = %path);
    let result = next.call(req).instrument(span.clone()).await;
    let ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    let _entered = span.enter();
    match result {
        Ok(mut response) => {
            if let Ok(value) = HeaderValue::from_str(&id) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static(REQUEST_ID), value);
            }
            let status = response.status().as_u16();
            let request = response.request();
            if let Some(metrics) = request
                .app_data::<actix_web::web::Data<crate::AppState>>()
                .and_then(|state| state.metrics.as_ref())
            {
                let route = request.match_pattern();
                metrics.record(
                    route.as_deref(),
                    &method,
                    status,
                    started.elapsed().as_secs_f64(),
                );
            }
            let bytes = match response.response().body().size() {
                BodySize::Sized(n) => n.to_string(),
                _ => "-".to_string(),
            };
            tracing::info!(
                target: "broadsheet::access",
                peer = %peer,
                status,
                bytes = %bytes,
                ms,
                query = %query,
                "{method} {path} {status}"
            );
            Ok(response)
        }
        Err(e) => {
            tracing::error!(
                target: "broadsheet::access",
                peer = %peer,
                ms,
                "{method} {path} failed: {e}"
            );
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_sane_id;

    #[test]
    fn only_short_plain_tokens_are_kept() {
        for ok in ["abc", "7f3a-91c2", "req_1.2:3", &"a".repeat(64)] {
            assert!(is_sane_id(ok), "{ok}");
        }
        for bad in [
            "",
            "a b",
            "x\r\ny",
            "<script>",
            "ä",
            &"a".repeat(65),
            "a\"b",
        ] {
            assert!(!is_sane_id(bad), "{bad}");
        }
    }
}
