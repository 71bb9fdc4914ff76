//! Broadsheet: a server-rendered news site. This crate builds the whole app;
//! `main.rs` only parses the command line, and tests build the same app.

pub mod assets;
pub mod auth;
pub mod cache;
pub mod clock;
pub mod config;
pub mod crops;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod generate;
pub mod http_cache;
pub mod images;
pub mod markdown;
pub mod metrics;
pub mod models;
pub mod related;
pub mod request_log;
pub mod routes;
pub mod schema;
pub mod seo;
pub mod share;
pub mod shutdown;
pub mod slug;
pub mod views;
pub mod wordpress;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, DefaultHeaders, ErrorHandlers};
use actix_web::{web, App, HttpServer};

pub use clock::Clock;
pub use config::Config;
pub use error::AppError;

/// Shared state of one app instance. Nothing here is per-process global, so
/// tests can run many apps side by side.
pub struct AppState {
    pub pool: db::DbPool,
    pub site: views::Site,
    pub clock: Clock,
    /// Signs and encrypts the admin session cookie.
    pub session_key: actix_web::cookie::Key,
    /// Recomputes related lists in the background after edits (a worker
    /// thread that does the job rows; see `related::jobs`).
    pub related_refresh: std::sync::Arc<related::RefreshQueue>,
    /// Rendered public responses (see `cache`).
    pub cache: cache::ResponseCache,
    /// Background threads a stop waits for (see `shutdown`).
    pub background: shutdown::Background,
    /// Request counts and latencies, kept only when `--metrics-bind` is set.
    pub metrics: Option<std::sync::Arc<metrics::Metrics>>,
}

impl AppState {
    /// Connects to (and migrates) the configured database, loads demo content
    /// into an empty one unless told not to, and returns the state.
    pub fn init(config: &Config, clock: Clock) -> Result<Self, AppError> {
        let pool = db::connect_with(&config.database_url, config.pool_settings())?;
        let mut conn = pool.get()?;
        if !config.no_demo
            && demo::load_if_empty(&mut conn, clock.now(), config.related_limit.max(1))?
        {
            tracing::info!("loaded demo content into the empty database");
        }
        if models::public_change::last(&mut conn)?.is_none() {
            // A database from before changes were recorded: start counting now.
            models::public_change::record(&mut conn, clock.now())?;
        }
        let session_key = auth::session_key(&mut conn, config.session_key.as_deref())?;
        drop(conn);
        let background = shutdown::Background::default();
        fill_body_html_in_background(&background, pool.clone());
        let related_refresh =
            related::RefreshQueue::start(pool.clone(), clock.clone(), config.related_limit.max(1))?;
        Ok(AppState {
            pool,
            site: views::Site {
                name: config.site_name.clone(),
                description: config.site_description.clone(),
                language: config.language.clone(),
                territory: config
                    .territory
                    .clone()
                    .or_else(|| views::default_territory(&config.language).map(str::to_string)),
                base_url: config.base_url(),
                timezone: config.timezone,
                twitter_site: config
                    .twitter_site
                    .as_ref()
                    .map(|h| format!("@{}", h.trim_start_matches('@'))),
                logo_url: if config.logo_path.starts_with("http") {
                    config.logo_path.clone()
                } else {
                    format!("{}{}", config.base_url(), config.logo_path)
                },
                assets_version: assets::version().to_string(),
                related_limit: config.related_limit.max(1),
                behind_proxy: config.behind_proxy,
                notes_position: config.notes_position,
                live_poll_seconds: config.live_poll_seconds,
            },
            clock,
            session_key,
            related_refresh,
            cache: cache::ResponseCache::new(config.cache_bytes),
            background,
            metrics: config
                .metrics_bind
                .is_some()
                .then(|| std::sync::Arc::new(metrics::Metrics::new())),
        })
    }
}

/// Stores the rendered body of articles saved before bodies were stored
/// rendered, a batch at a time; pages render such a body themselves (on the
/// blocking pool) until it is filled. A stop ends it after the current
/// batch; the next start goes on where it ended.
fn fill_body_html_in_background(background: &shutdown::Background, pool: db::DbPool) {
    background.spawn(move |stopping| {
        let mut filled = 0;
        while !stopping.load(std::sync::atomic::Ordering::SeqCst) {
            let batch = pool
                .get()
                .map_err(AppError::from)
                .and_then(|mut conn| Ok(models::article::fill_body_html(&mut conn, 200)?));
            match batch {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) => {
                    tracing::warn!("filling stored article HTML stopped: {}", e.chain());
                    break;
                }
            }
        }
        if filled > 0 {
            tracing::info!("stored the rendered body of {filled} article(s)");
        }
    });
}

/// Builds the app: state, routes, static files, request log and error pages.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let secure_cookie = state.site.base_url.starts_with("https://");
    let admin = routes::admin::scope(state.session_key.clone(), secure_cookie);
    App::new()
        .app_data(state)
        .service(admin)
        .configure(routes::configure)
        .service(assets::service())
        .wrap(ErrorHandlers::new().default_handler(routes::error_pages::render))
        .wrap(from_fn(cache::middleware))
        .wrap(from_fn(request_log::log_request))
        // Outermost, so cached responses and error pages carry it too.
        .wrap(DefaultHeaders::new().add((
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            markdown::embed::content_security_policy(),
        )))
}

/// Runs the web server until it is stopped. SIGTERM or Ctrl-C stops it
/// gracefully: no new connections, requests in flight and background jobs
/// finish, all within `--shutdown-timeout`; then it returns `Ok`.
pub async fn serve(config: Config) -> Result<(), AppError> {
    let state = {
        let config = config.clone();
        web::block(move || AppState::init(&config, Clock::System)).await??
    };
    let state = web::Data::new(state);
    let server = {
        let state = state.clone();
        HttpServer::new(move || app(state.clone()))
    }
    .shutdown_timeout(config.shutdown_timeout)
    .disable_signals()
    .bind(&config.bind)
    .map_err(|e| AppError::Config(format!("cannot listen on {}: {e}", config.bind)))?;
    let listening: Vec<String> = server
        .addrs()
        .iter()
        .map(|a| format!("http://{a}"))
        .collect();
    tracing::info!(
        "Broadsheet is serving {} at {} (public URL {})",
        config.site_name,
        listening.join(", "),
        config.base_url()
    );
    let metrics_server = match &config.metrics_bind {
        Some(bind) => {
            let state = state.clone();
            let server = HttpServer::new(move || metrics::app(state.clone()))
                .workers(1)
                .disable_signals()
                .bind(bind)
                .map_err(|e| {
                    AppError::Config(format!("cannot listen on {bind} for metrics: {e}"))
                })?;
            tracing::info!("metrics at http://{bind}/metrics");
            Some(server.run())
        }
        None => None,
    };
    let metrics_handle = metrics_server.as_ref().map(|s| s.handle());
    if let Some(server) = metrics_server {
        actix_web::rt::spawn(server);
    }
    let server = server.run();
    let signalled = actix_web::rt::spawn(shutdown::on_signal(server.handle()));
    server
        .await
        .map_err(|e| AppError::internal_from("server stopped", e))?;
    if let Some(handle) = metrics_handle {
        handle.stop(false).await;
    }
    let timeout = std::time::Duration::from_secs(config.shutdown_timeout);
    // The bound counts from the signal; a stop without one counts from now.
    let stop_began = if signalled.is_finished() {
        signalled
            .await
            .unwrap_or_else(|_| std::time::Instant::now())
    } else {
        std::time::Instant::now()
    };
    let deadline = stop_began + timeout;
    let finished = {
        let state = state.clone();
        web::block(move || state.background.finish(&state.related_refresh, deadline)).await?
    };
    if finished {
        tracing::info!("stopped");
    } else {
        tracing::warn!(
            "stopped with background work unfinished after {}s (related lists are \
             recomputed on the next change; stored HTML is filled on the next start)",
            config.shutdown_timeout
        );
    }
    Ok(())
}
