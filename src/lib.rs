//! Broadsheet: a server-rendered news site. This crate builds the whole app;
//! `main.rs` only parses the command line, and tests build the same app.

pub mod admin_views;
pub mod assets;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod generate;
pub mod http_cache;
pub mod images;
pub mod markdown;
pub mod models;
pub mod related;
pub mod routes;
pub mod schema;
pub mod seo;
pub mod share;
pub mod slug;
pub mod views;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{ErrorHandlers, Logger};
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
}

impl AppState {
    /// Connects to (and migrates) the configured database, loads demo content
    /// into an empty one unless told not to, and returns the state.
    pub fn init(config: &Config, clock: Clock) -> Result<Self, AppError> {
        let pool = db::connect(&config.database_url)?;
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
        fill_body_html_in_background(pool.clone());
        let related_refresh =
            related::RefreshQueue::start(pool.clone(), clock.clone(), config.related_limit.max(1))?;
        Ok(AppState {
            pool,
            site: views::Site {
                name: config.site_name.clone(),
                description: config.site_description.clone(),
                language: config.language.clone(),
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
                assets_version: assets::fingerprint(std::path::Path::new(STATIC_DIR)),
                related_limit: config.related_limit.max(1),
                behind_proxy: config.behind_proxy,
            },
            clock,
            session_key,
            related_refresh,
        })
    }
}

/// Folder the `/static` files are served from: the `static/` folder of this source tree.
pub const STATIC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/static");

/// Stores the rendered body of articles saved before bodies were stored
/// rendered, a batch at a time; pages render such a body themselves (on the
/// blocking pool) until it is filled.
fn fill_body_html_in_background(pool: db::DbPool) {
    std::thread::spawn(move || {
        let mut filled = 0;
        loop {
            let batch = pool
                .get()
                .map_err(AppError::from)
                .and_then(|mut conn| Ok(models::article::fill_body_html(&mut conn, 200)?));
            match batch {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) => {
                    tracing::warn!("filling stored article HTML stopped: {e}");
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
        .service(assets::service(STATIC_DIR))
        .wrap(ErrorHandlers::new().default_handler(routes::error_pages::render))
        .wrap(Logger::new("%a \"%r\" %s %b %Dms"))
}

/// Runs the web server until it is stopped.
pub async fn serve(config: Config) -> Result<(), AppError> {
    let state = {
        let config = config.clone();
        web::block(move || AppState::init(&config, Clock::System)).await??
    };
    let state = web::Data::new(state);
    let server = HttpServer::new(move || app(state.clone()))
        .bind(&config.bind)
        .map_err(|e| AppError::Config(format!("cannot listen on {}: {e}", config.bind)))?;
    tracing::info!(
        "Broadsheet is serving {} at http://{} (public URL {})",
        config.site_name,
        config.bind,
        config.base_url()
    );
    server
        .run()
        .await
        .map_err(|e| AppError::Internal(format!("server stopped: {e}")))
}
