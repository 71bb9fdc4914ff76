//! Rendered public responses kept in memory: each page, feed, sitemap and
//! robots.txt is built once and then served from here, with its ETag, until
//! something readers can see changes. (Longer than most files: keys,
//! validity, compression and single-flight rendering are one mechanism whose
//! parts share the same locks, and its tests sit at the bottom.)
//!
//! **What is cached.** A GET answered 200 with a `Cache-Control` that allows
//! caching and no `Set-Cookie`, outside `/admin`, `/media`, `/static`,
//! `/share` and `/healthz`. Admin pages, previews and anything with a session
//! or CSRF token are never cached: they live under `/admin` and send
//! `no-store`. The key is the path plus only the query parameters a public
//! handler reads (`page`, `q`), decoded the way the handlers decode them, so
//! `?fbclid=…` on a shared link does not make every reader a miss, and no two
//! requests that a handler would answer differently share a key.
//!
//! **Invalidation.** Every write that changes a public page calls
//! `models::public_change::record` in its transaction, which bumps a
//! generation counter in the database. The cache holds the generation it last
//! saw and tags each entry with the generation current when its handler
//! started; an entry from an older generation is a miss. The cache re-reads
//! the counter right after every non-GET request this instance serves (so an
//! editor's save is visible at the very next request), at most every
//! [`SYNC_INTERVAL`] otherwise (so changes made by other instances on the same
//! database, or by background jobs, show within that), and as soon as the next
//! scheduled publish time has passed (so a scheduled article appears at its
//! time). One change drops every entry: pages share the chrome (sections, the
//! latest stories), so anything finer would miss pages, and a rebuild costs a
//! few milliseconds. An entry is also kept no longer than the `max-age` its
//! handler sends, as a shared cache would: what changes with the clock alone
//! (the news sitemap's last 48 hours) is then never older than that.
//!
//! **Compression.** gzip and brotli variants are made once per entry, the
//! first time a client asks for them, and chosen by `Accept-Encoding` with
//! `Vary: Accept-Encoding`; each variant has its own strong ETag.
//!
//! **Memory.** Entries (and their variants) count against a byte budget
//! (`--cache-bytes`); past it the least recently used go first.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::error::AppError;
use crate::http_cache::{preferred_encoding, Encoding};
use crate::models::{public_change, Article, Section};
use crate::AppState;

/// How stale a change made elsewhere (another instance, a background job) may
/// be served at most.
pub const SYNC_INTERVAL: Duration = Duration::from_millis(250);

/// The default budget: room for a few thousand pages with their variants,
/// and well inside the server's memory target.
pub const DEFAULT_BUDGET: usize = 64 * 1024 * 1024;

/// Query parameters a public handler reads; the rest never reach the key.
/// (`p` and `page_id`: the front page answers WordPress's old `/?p=ID`
/// addresses with a redirect, see `models::permalink`.)
const KEY_PARAMS: [&str; 6] = ["after", "before", "page", "page_id", "p", "q"];

/// A longer key (a long search) is answered but not kept.
const MAX_KEY_LEN: usize = 512;

/// Path prefixes that are never cached.
const UNCACHED_PREFIXES: [&str; 5] = ["/admin", "/media/", "/static/", "/share/", "/healthz"];

/// What every public page shows of the whole site, loaded once per
/// generation rather than on every cache miss: the sections for the
/// navigation, the last change for `Last-Modified`, and which stories are
/// live for their cards' label.
pub struct SiteFacts {
    pub sections: Vec<Section>,
    pub last_change: Option<NaiveDateTime>,
    /// Public articles whose live coverage runs (cards label them "Live").
    pub live_articles: Vec<i32>,
}

/// The response cache of one app instance.
pub struct ResponseCache {
    budget: usize,
    entries: Mutex<Entries>,
    /// The local generation: bumped whenever the database's changed.
    generation: AtomicU64,
    validity: Mutex<Validity>,
    /// Set while one request re-reads the database's generation, so the
    /// others keep serving instead of piling up behind it.
    syncing: AtomicBool,
    hits: AtomicU64,
    misses: AtomicU64,
    facts: Mutex<Option<(u64, Arc<SiteFacts>)>>,
    /// One lock per key being rendered: when a page is missing (after every
    /// change, all of them), the readers who ask for it at once wait for one
    /// render instead of each rendering it (and each holding its memory).
    renders: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

struct Entries {
    map: lru::LruCache<String, Arc<Entry>>,
    bytes: usize,
}

/// What the cache last learnt from the database.
struct Validity {
    /// `None` until the first sync.
    db_generation: Option<i64>,
    /// The next publish time still to come, when the pages change by themselves.
    next_live: Option<NaiveDateTime>,
    synced_at: Option<Instant>,
}

/// One cached response.
pub struct Entry {
    generation: u64,
    /// When the handler's `max-age` runs out (on the app's clock).
    expires_at: NaiveDateTime,
    /// The handler's headers, minus those this module sets itself.
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The ETag's opaque part (without quotes), one per entry.
    tag: String,
    last_modified: Option<std::time::SystemTime>,
    identity: Bytes,
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
    /// Bytes this entry counts for in the budget (grows as variants are made).
    accounted: AtomicUsize,
}

/// Cache figures, for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub entries: usize,
    pub bytes: usize,
    /// Requests answered from memory.
    pub hits: u64,
    /// Cacheable requests sent to their handler (one per render: readers who
    /// waited for another's render of the same page count as hits).
    pub misses: u64,
}

/// The request headers that decide the answer from an entry, read before the
/// handler sees the request (conditional headers are taken off it, so the
/// handler always renders the full body the cache keeps).
struct Conditions {
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    encoding: Encoding,
}

impl ResponseCache {
    /// A cache holding at most `budget` bytes; 0 turns caching off.
    pub fn new(budget: usize) -> Self {
        ResponseCache {
            budget,
            entries: Mutex::new(Entries {
                map: lru::LruCache::unbounded(),
                bytes: 0,
            }),
            generation: AtomicU64::new(0),
            validity: Mutex::new(Validity {
                db_generation: None,
                next_live: None,
                synced_at: None,
            }),
            syncing: AtomicBool::new(false),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            facts: Mutex::new(None),
            renders: Mutex::new(HashMap::new()),
        }
    }

    /// The render lock of `key`, shared by every request for it now.
    fn render_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut renders = self.renders.lock().expect("render locks");
        renders.entry(key.to_string()).or_default().clone()
    }

    /// Gives back a render lock; the last holder removes it.
    fn release_render_lock(&self, key: &str, lock: Arc<tokio::sync::Mutex<()>>) {
        let mut renders = self.renders.lock().expect("render locks");
        // Held by the map and `lock` only: nobody else waits for this key.
        if Arc::strong_count(&lock) == 2 {
            renders.remove(key);
        }
    }

    pub fn enabled(&self) -> bool {
        self.budget > 0
    }

    pub fn stats(&self) -> Stats {
        let entries = self.entries.lock().unwrap();
        Stats {
            entries: entries.map.len(),
            bytes: entries.bytes,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    /// Whether what the cache holds may be out of date: never synced, a
    /// publish time has arrived, or the last sync is older than [`SYNC_INTERVAL`].
    /// `Some(true)` means a request must not be answered before syncing.
    fn sync_due(&self, now: NaiveDateTime) -> Option<bool> {
        let v = self.validity.lock().unwrap();
        if v.db_generation.is_none() || v.next_live.is_some_and(|t| t <= now) {
            Some(true)
        } else if v.synced_at.is_none_or(|at| at.elapsed() >= SYNC_INTERVAL) {
            Some(false)
        } else {
            None
        }
    }

    /// Re-reads the database's generation and next publish time, and starts
    /// a new local generation when either says the pages changed.
    pub fn sync(&self, conn: &mut DbConn, now: NaiveDateTime) -> Result<(), AppError> {
        let db_generation = public_change::generation(conn)?;
        let next_live = Article::next_going_live(conn, now)?;
        let mut v = self.validity.lock().unwrap();
        let went_live = v.next_live.is_some_and(|t| t <= now);
        if v.db_generation != Some(db_generation) || went_live {
            self.generation.fetch_add(1, Ordering::SeqCst);
            // Entries of older generations can never be served again.
            let mut entries = self.entries.lock().unwrap();
            entries.map.clear();
            entries.bytes = 0;
        }
        v.db_generation = Some(db_generation);
        v.next_live = next_live;
        v.synced_at = Some(Instant::now());
        Ok(())
    }

    /// The site facts of the current generation, loaded on first use (and
    /// every time when the cache is off).
    pub fn site_facts(
        &self,
        conn: &mut DbConn,
        now: NaiveDateTime,
    ) -> Result<Arc<SiteFacts>, AppError> {
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some((kept, facts)) = &*self.facts.lock().unwrap() {
            if *kept == generation && self.enabled() {
                return Ok(facts.clone());
            }
        }
        let facts = Arc::new(SiteFacts {
            sections: Section::all_in_order(conn)?,
            last_change: Article::last_change(conn, now)?,
            live_articles: crate::models::live_post::running_public(conn, now)?,
        });
        if self.enabled() {
            *self.facts.lock().unwrap() = Some((generation, facts.clone()));
        }
        Ok(facts)
    }

    fn get(&self, key: &str, generation: u64, now: NaiveDateTime) -> Option<Arc<Entry>> {
        let mut entries = self.entries.lock().unwrap();
        let entry = entries
            .map
            .get(key)
            .filter(|e| e.generation == generation && now < e.expires_at)
            .cloned();
        drop(entries);
        if entry.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        entry
    }

    fn insert(&self, key: String, entry: Arc<Entry>) {
        let size = entry.accounted.load(Ordering::Relaxed) + key.len();
        if size > self.budget / 4 || entry.generation != self.generation.load(Ordering::SeqCst) {
            // Too big to be worth its room, or already out of date.
            return;
        }
        let mut entries = self.entries.lock().unwrap();
        entry.accounted.store(size, Ordering::Relaxed);
        entries.bytes += size;
        if let Some((_, old)) = entries.map.push(key, entry) {
            entries.bytes -= old.accounted.load(Ordering::Relaxed);
        }
        self.evict(&mut entries);
    }

    fn evict(&self, entries: &mut Entries) {
        while entries.bytes > self.budget {
            let Some((_, old)) = entries.map.pop_lru() else {
                break;
            };
            entries.bytes -= old.accounted.load(Ordering::Relaxed);
        }
    }

    /// Counts a compressed variant made for `entry`, if it is still cached.
    fn account_variant(&self, key: &str, entry: &Arc<Entry>, len: usize) {
        let mut entries = self.entries.lock().unwrap();
        if entries
            .map
            .peek(key)
            .is_some_and(|cached| Arc::ptr_eq(cached, entry))
        {
            entry.accounted.fetch_add(len, Ordering::Relaxed);
            entries.bytes += len;
            self.evict(&mut entries);
        }
    }
}

/// The cache key of a request, or `None` when it is not to be cached.
fn cache_key(path: &str, query: &str) -> Option<String> {
    if UNCACHED_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    // Decoded exactly as the handlers decode it; a query they would refuse is not cached.
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let kept: Vec<(String, String)> = params
        .into_iter()
        .filter(|(k, _)| KEY_PARAMS.contains(&k.as_str()))
        .collect();
    let key = if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", serde_urlencoded::to_string(kept).ok()?)
    };
    (key.len() <= MAX_KEY_LEN).then_some(key)
}

/// How long a handler's response may be kept: a 200 that a shared cache
/// could keep for its `max-age`, setting no cookie; `None` when it may not.
fn lifetime(response: &HttpResponse<impl MessageBody>) -> Option<chrono::Duration> {
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return None;
    }
    let policy = response
        .headers()
        .get(header::CACHE_CONTROL)?
        .to_str()
        .ok()?;
    if ["no-store", "private", "no-cache"]
        .iter()
        .any(|word| policy.contains(word))
    {
        return None;
    }
    let max_age = policy
        .split(',')
        .find_map(|d| d.trim().strip_prefix("max-age="))?
        .parse::<i64>()
        .ok()?;
    (max_age > 0).then(|| chrono::Duration::seconds(max_age))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::default(),
    );
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    // Quality 6: most of brotli's gain over gzip for about a millisecond on a page.
    let mut encoder =
        brotli::CompressorWriter::new(Vec::with_capacity(bytes.len() / 3), 4096, 6, 22);
    encoder.write_all(bytes).expect("writing to memory");
    encoder.into_inner()
}

/// Headers the cache writes itself on every answer.
const OWN_HEADERS: [HeaderName; 5] = [
    header::ETAG,
    header::CONTENT_LENGTH,
    header::CONTENT_ENCODING,
    header::VARY,
    header::TRANSFER_ENCODING,
];

impl Entry {
    fn new(generation: u64, expires_at: NaiveDateTime, headers: &HeaderMap, body: Bytes) -> Entry {
        let tag = headers
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(|t| t.trim_start_matches("W/").trim_matches('"').to_string())
            .filter(|t| !t.is_empty() && !t.contains('-'))
            .unwrap_or_else(|| crate::http_cache::tag_of(&body));
        let last_modified = headers
            .get(header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<header::HttpDate>().ok())
            .map(std::time::SystemTime::from);
        let headers: Vec<(HeaderName, HeaderValue)> = headers
            .iter()
            .filter(|(name, _)| !OWN_HEADERS.contains(name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        let size = body.len()
            + headers
                .iter()
                .map(|(n, v)| n.as_str().len() + v.len())
                .sum::<usize>();
        Entry {
            generation,
            expires_at,
            headers,
            tag,
            last_modified,
            identity: body,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            accounted: AtomicUsize::new(size),
        }
    }

    /// The body in `encoding`, made on first use; `None` when compressing
    /// would not make it smaller (tiny bodies).
    fn variant(
        self: &Arc<Self>,
        cache: &ResponseCache,
        key: &str,
        encoding: Encoding,
    ) -> Option<&Bytes> {
        type Compress = fn(&[u8]) -> Vec<u8>;
        let (cell, compress): (_, Compress) = match encoding {
            Encoding::Identity => return Some(&self.identity),
            Encoding::Gzip => (&self.gzip, gzip),
            Encoding::Brotli => (&self.brotli, brotli),
        };
        cell.get_or_init(|| {
            let compressed = compress(&self.identity);
            (compressed.len() < self.identity.len()).then(|| {
                cache.account_variant(key, self, compressed.len());
                Bytes::from(compressed)
            })
        })
        .as_ref()
    }

    fn respond(
        self: &Arc<Self>,
        cache: &ResponseCache,
        key: &str,
        conditions: &Conditions,
    ) -> HttpResponse {
        let (encoding, body) = match self.variant(cache, key, conditions.encoding) {
            Some(body) => (conditions.encoding, body.clone()),
            None => (Encoding::Identity, self.identity.clone()),
        };
        let etag = match encoding {
            Encoding::Identity => format!("\"{}\"", self.tag),
            Encoding::Gzip => format!("\"{}-gz\"", self.tag),
            Encoding::Brotli => format!("\"{}-br\"", self.tag),
        };
        let current = crate::http_cache::is_current(
            conditions.if_none_match.as_deref(),
            conditions.if_modified_since.as_deref(),
            // Any encoding of the same bytes is the same content to a client that has it.
            &self.tag,
            self.last_modified,
        );
        let mut response = if current {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        for (name, value) in &self.headers {
            if !current || name != header::CONTENT_TYPE {
                response.append_header((name.clone(), value.clone()));
            }
        }
        response
            .insert_header((header::ETAG, etag))
            .insert_header((header::VARY, "Accept-Encoding"));
        if current {
            return response.finish();
        }
        match encoding {
            Encoding::Identity => {}
            Encoding::Gzip => {
                response.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            Encoding::Brotli => {
                response.insert_header((header::CONTENT_ENCODING, "br"));
            }
        }
        response.body(body)
    }
}

/// Re-reads the database's generation on the blocking pool; a failure is
/// logged and the cache keeps what it had (the database being away makes
/// every miss fail anyway).
async fn sync(state: &web::Data<AppState>) {
    let state = state.clone();
    let now = state.clock.now();
    let result = web::block(move || {
        let mut conn = state.pool.get()?;
        state.cache.sync(&mut conn, now)
    })
    .await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!("response cache could not check for changes: {}", e.chain()),
        Err(e) => tracing::warn!("response cache could not check for changes: {e}"),
    }
}

/// The middleware: answers from the cache, or lets the handler answer and keeps the result.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let cache = &state.cache;
    if !cache.enabled() {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let response = next.call(req).await?;
        // A write on this instance is visible at the very next request.
        sync(&state).await;
        return Ok(response.map_into_boxed_body());
    }
    let Some(key) = cache_key(req.path(), req.query_string()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };

    match cache.sync_due(state.clock.now()) {
        Some(true) => sync(&state).await,
        // Due but not urgent: one request checks, the others serve meanwhile.
        Some(false) if !cache.syncing.swap(true, Ordering::AcqRel) => {
            sync(&state).await;
            cache.syncing.store(false, Ordering::Release);
        }
        Some(false) | None => {}
    }
    let generation = cache.generation.load(Ordering::SeqCst);
    let headers = req.headers_mut();
    let conditions = Conditions {
        if_none_match: headers
            .remove(header::IF_NONE_MATCH)
            .next()
            .and_then(|v| v.to_str().ok().map(str::to_string)),
        if_modified_since: headers
            .remove(header::IF_MODIFIED_SINCE)
            .next()
            .and_then(|v| v.to_str().ok().map(str::to_string)),
        encoding: preferred_encoding(headers),
    };
    let now = state.clock.now();
    if let Some(entry) = cache.get(&key, generation, now) {
        let response = entry.respond(cache, &key, &conditions);
        return Ok(req.into_response(response));
    }

    let lock = cache.render_lock(&key);
    let turn = lock.lock().await;
    // Whoever held the lock before may have rendered it meanwhile.
    let now = state.clock.now();
    if let Some(entry) = cache.get(&key, generation, now) {
        drop(turn);
        cache.release_render_lock(&key, lock);
        let response = entry.respond(cache, &key, &conditions);
        return Ok(req.into_response(response));
    }
    cache.misses.fetch_add(1, Ordering::Relaxed);
    let rendered = render(cache, req, next, &key, generation, now, &conditions).await;
    drop(turn);
    cache.release_render_lock(&key, lock);
    rendered
}

/// Renders a missing page through its handler, keeps it if it may be kept,
/// and answers with it.
async fn render(
    cache: &ResponseCache,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    key: &str,
    generation: u64,
    now: NaiveDateTime,
    conditions: &Conditions,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?;
    // A HEAD's handler renders the whole page too (the server drops the body
    // on the way out), so a HEAD fills the cache like a GET.
    let Some(lifetime) = lifetime(response.response()) else {
        return Ok(response.map_into_boxed_body());
    };
    let (req, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let body = match body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Err(AppError::internal("reading a rendered page failed").into());
        }
    };
    let entry = Arc::new(Entry::new(generation, now + lifetime, head.headers(), body));
    cache.insert(key.to_string(), entry.clone());
    let response = entry.respond(cache, key, conditions);
    Ok(ServiceResponse::new(req, response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_only_what_handlers_read() {
        assert_eq!(cache_key("/", "").as_deref(), Some("/"));
        assert_eq!(
            cache_key("/", "fbclid=abc&utm_source=x").as_deref(),
            Some("/")
        );
        assert_eq!(
            cache_key("/sections/city", "utm_medium=social&page=3").as_deref(),
            Some("/sections/city?page=3")
        );
        // Decoded as the handler decodes it: an encoded name is the same parameter.
        assert_eq!(cache_key("/", "p%61ge=2").as_deref(), Some("/?page=2"));
        assert_eq!(
            cache_key("/search", "q=harbour+strike").as_deref(),
            Some("/search?q=harbour+strike")
        );
        for path in [
            "/admin",
            "/admin/articles",
            "/media/abc",
            "/static/css/site.css",
            "/healthz",
        ] {
            assert_eq!(cache_key(path, ""), None, "{path}");
        }
        assert_eq!(
            cache_key("/search", &format!("q={}", "a".repeat(600))),
            None
        );
    }

    #[test]
    fn brotli_is_preferred_then_gzip_and_q_zero_refuses() {
        let pick = |v: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            preferred_encoding(&headers)
        };
        assert_eq!(pick("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(pick("gzip"), Encoding::Gzip);
        assert_eq!(pick("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(pick("identity"), Encoding::Identity);
        assert_eq!(preferred_encoding(&HeaderMap::new()), Encoding::Identity);
    }

    fn at(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2027, 3, 1)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn entry(generation: u64, body: &str) -> Arc<Entry> {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        Arc::new(Entry::new(
            generation,
            at(12, 1),
            &headers,
            Bytes::from(body.to_string()),
        ))
    }

    #[test]
    fn the_budget_evicts_the_least_recently_used() {
        let cache = ResponseCache::new(4_000);
        for key in ["/a", "/b", "/c"] {
            cache.insert(key.into(), entry(0, &"x".repeat(900)));
        }
        assert!(cache.get("/a", 0, at(12, 0)).is_some()); // /a is now the most recent
        cache.insert("/d".into(), entry(0, &"d".repeat(900)));
        assert_eq!(cache.stats().entries, 4);
        cache.insert("/e".into(), entry(0, &"e".repeat(900)));
        assert!(
            cache.get("/b", 0, at(12, 0)).is_none(),
            "the least recently used went first"
        );
        assert!(cache.get("/a", 0, at(12, 0)).is_some());
        assert!(cache.get("/e", 0, at(12, 0)).is_some());
        assert!(cache.stats().bytes <= 4_000);
        // An entry bigger than a quarter of the budget is not kept at all.
        cache.insert("/big".into(), entry(0, &"b".repeat(1_500)));
        assert!(cache.get("/big", 0, at(12, 0)).is_none());
    }

    #[test]
    fn entries_of_an_older_generation_are_misses() {
        let cache = ResponseCache::new(10_000);
        cache.insert("/a".into(), entry(0, "page"));
        assert!(cache.get("/a", 0, at(12, 0)).is_some());
        assert!(cache.get("/a", 1, at(12, 0)).is_none());
        // Past its max-age it is a miss too.
        assert!(cache.get("/a", 0, at(12, 1)).is_none());
    }

    #[test]
    fn compressed_variants_count_against_the_budget() {
        let cache = ResponseCache::new(1_000_000);
        let e = entry(0, &"news ".repeat(2_000));
        cache.insert("/a".into(), e.clone());
        let before = cache.stats().bytes;
        let gz = e.variant(&cache, "/a", Encoding::Gzip).unwrap().clone();
        let br = e.variant(&cache, "/a", Encoding::Brotli).unwrap().clone();
        assert_eq!(cache.stats().bytes, before + gz.len() + br.len());
        // Small bodies are sent as they are.
        let tiny = entry(0, "ok");
        assert!(tiny.variant(&cache, "/tiny", Encoding::Gzip).is_none());
    }
}
