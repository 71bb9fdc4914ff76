//! Static files under `/static`: served from the `static/` folder, with a
//! fingerprint of their contents in every URL the templates write
//! (`/static/css/site.css?v=…`), so those responses can be cached for a year.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

use actix_files::Files;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{HeaderValue, CACHE_CONTROL};
use actix_web::web;

/// A fingerprint of every file under `dir` (names and contents), as 12 hex digits.
pub fn fingerprint(dir: &Path) -> String {
    fn visit(dir: &Path, hasher: &mut DefaultHasher) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                visit(&path, hasher);
            } else if let Ok(bytes) = std::fs::read(&path) {
                path.hash(hasher);
                bytes.hash(hasher);
            }
        }
    }
    let mut hasher = DefaultHasher::new();
    visit(dir, &mut hasher);
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
}

/// The `/static` service. Fingerprinted URLs are immutable; a plain URL
/// (a favicon a browser guesses, the logo in structured data) is cached for an hour.
pub fn service(
    dir: &str,
) -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/static")
        .wrap_fn(|req, srv| {
            let versioned = req.query_string().split('&').any(|p| p.starts_with("v="));
            let response = srv.call(req);
            async move {
                let mut response = response.await?;
                if response.status().is_success() || response.status().as_u16() == 304 {
                    let policy = if versioned {
                        "public, max-age=31536000, immutable"
                    } else {
                        "public, max-age=3600"
                    };
                    response
                        .headers_mut()
                        .insert(CACHE_CONTROL, HeaderValue::from_static(policy));
                }
                Ok(response)
            }
        })
        .service(Files::new("", dir).use_etag(true).use_last_modified(true))
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn fingerprint_changes_when_a_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.css"), "body{}").unwrap();
        let before = fingerprint(dir.path());
        assert_eq!(before, fingerprint(dir.path()));
        std::fs::write(dir.path().join("a.css"), "body{color:red}").unwrap();
        assert_ne!(before, fingerprint(dir.path()));
        assert_eq!(before.len(), 12);
    }
}
