//! Static files under `/static`, compiled into the binary: a copied binary
//! serves the styled site from any folder. Every URL the templates write
//! carries a fingerprint of the files (`/static/css/site.css?v=…`), so those
//! responses can be cached for a year. Text files (CSS, JS, SVG) are also
//! kept gzip- and brotli-compressed, made once on first use, and sent
//! according to the request's `Accept-Encoding` (with `Vary: Accept-Encoding`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::sync::LazyLock;
use std::time::{Duration, UNIX_EPOCH};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{
    self, HttpDate, CONTENT_ENCODING, CONTENT_TYPE, ETAG, LAST_MODIFIED, VARY,
};
use actix_web::web::{self, Bytes};
use actix_web::{guard, HttpRequest, HttpResponse};

use crate::http_cache::{self, CachePolicy, Encoding};
use crate::AppError;

/// The `static/` folder of the source tree, embedded at compile time (also in
/// debug builds, so tests serve exactly what a release binary serves).
#[derive(rust_embed::Embed)]
#[folder = "static/"]
struct StaticFiles;

/// One file and its compressed forms.
struct Asset {
    bytes: &'static [u8],
    gzip: Option<Vec<u8>>,
    brotli: Option<Vec<u8>>,
    content_type: &'static str,
    /// Hex of the SHA-256 of the contents: the entity tag's stem.
    hash: String,
    last_modified: Option<HttpDate>,
}

/// Every embedded file by path (`css/site.css`), and the fingerprint of them all.
struct Assets {
    files: HashMap<String, Asset>,
    version: String,
}

static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let mut files = HashMap::new();
    let mut names: Vec<Cow<'static, str>> = StaticFiles::iter().collect();
    names.sort();
    let mut listing = Vec::new();
    for name in names {
        let Some(file) = StaticFiles::get(&name) else {
            continue;
        };
        let Cow::Borrowed(bytes) = file.data else {
            unreachable!("embedded files are borrowed from the binary");
        };
        let content_type = content_type(&name);
        let compress = is_text(content_type) && bytes.len() > 256;
        let asset = Asset {
            bytes,
            gzip: compress
                .then(|| gzip(bytes))
                .filter(|c| c.len() < bytes.len()),
            brotli: compress
                .then(|| brotli(bytes))
                .filter(|c| c.len() < bytes.len()),
            content_type,
            hash: file
                .metadata
                .sha256_hash()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            last_modified: file
                .metadata
                .last_modified()
                .map(|secs| HttpDate::from(UNIX_EPOCH + Duration::from_secs(secs))),
        };
        listing.push((name.to_string(), bytes));
        files.insert(name.into_owned(), asset);
    }
    let version = fingerprint(listing.iter().map(|(n, b)| (n.as_str(), *b)));
    Assets { files, version }
});

/// A fingerprint of files (names and contents), as 12 hex digits.
pub fn fingerprint<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (name, bytes) in files {
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    hasher.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The fingerprint of the embedded static files, for `?v=` in asset URLs.
pub fn version() -> &'static str {
    &ASSETS.version
}

/// The embedded file at `path` (`img/logo.png`), if there is one.
pub fn file(path: &str) -> Option<&'static [u8]> {
    ASSETS.files.get(path).map(|a| a.bytes)
}

fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
    match extension.to_ascii_lowercase().as_str() {
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn is_text(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("image/svg")
        || content_type.starts_with("application/json")
        || content_type.starts_with("application/xml")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli into memory");
    out
}

/// `GET` and `HEAD /static/{path}`.
async fn serve(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let asset = ASSETS.files.get(path.as_str()).ok_or(AppError::NotFound)?;
    let varies = asset.gzip.is_some() || asset.brotli.is_some();
    let (body, coding, suffix): (&'static [u8], Option<&str>, &str) = match (
        http_cache::preferred_encoding(req.headers()),
        &asset.brotli,
        &asset.gzip,
    ) {
        (Encoding::Brotli, Some(br), _) => (br.as_slice(), Some("br"), "-br"),
        (Encoding::Gzip, _, Some(gz)) => (gz.as_slice(), Some("gzip"), "-gz"),
        _ => (asset.bytes, None, ""),
    };
    let tag = &asset.hash[..32];
    let etag = format!("\"{tag}{suffix}\"");
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let not_modified = http_cache::is_current(
        header(header::IF_NONE_MATCH),
        header(header::IF_MODIFIED_SINCE),
        tag,
        asset.last_modified.map(std::time::SystemTime::from),
    );

    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response.insert_header((ETAG, etag));
    if let Some(modified) = asset.last_modified {
        response.insert_header((LAST_MODIFIED, modified));
    }
    if varies {
        response.insert_header((VARY, "Accept-Encoding"));
    }
    if not_modified {
        return Ok(response.finish());
    }
    response.insert_header((CONTENT_TYPE, asset.content_type));
    if let Some(coding) = coding {
        response.insert_header((CONTENT_ENCODING, coding));
    }
    Ok(response.body(Bytes::from_static(body)))
}

/// The `/static` service. Fingerprinted URLs are immutable; a plain URL
/// (a favicon a browser guesses, the logo in structured data) is cached for an hour.
pub fn service() -> actix_web::Scope<
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
                    let (name, value) = if versioned {
                        CachePolicy::Fingerprinted.header()
                    } else {
                        CachePolicy::Static.header()
                    };
                    response.headers_mut().insert(name, value);
                }
                Ok(response)
            }
        })
        .service(
            web::resource("/{path:.+}").route(
                web::route()
                    .guard(guard::Any(guard::Get()).or(guard::Head()))
                    .to(serve),
            ),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_changes_when_a_file_changes() {
        let before = fingerprint([("a.css", &b"body{}"[..])]);
        assert_eq!(before, fingerprint([("a.css", &b"body{}"[..])]));
        assert_ne!(before, fingerprint([("a.css", &b"body{color:red}"[..])]));
        assert_ne!(before, fingerprint([("b.css", &b"body{}"[..])]));
        assert_eq!(before.len(), 12);
    }

    #[test]
    fn every_static_file_is_embedded_with_its_compressed_forms() {
        let css = &ASSETS.files["css/site.css"];
        assert_eq!(css.content_type, "text/css; charset=utf-8");
        let gz = css.gzip.as_deref().unwrap();
        let br = css.brotli.as_deref().unwrap();
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz), &mut unzipped).unwrap();
        assert_eq!(unzipped, css.bytes);
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut unbrotli).unwrap();
        assert_eq!(unbrotli, css.bytes);
        assert!(
            ASSETS.files["img/logo.png"].gzip.is_none(),
            "PNGs are not recompressed"
        );
    }
}
