//! Site configuration, read once at start-up from flags with environment fallbacks.
//!
//! Every setting, its flag and its variable:
//! - `--bind` / `BROADSHEET_BIND`: address to listen on (default `127.0.0.1:8080`)
//! - `--shutdown-timeout` / `BROADSHEET_SHUTDOWN_TIMEOUT`: seconds a stop (SIGTERM, Ctrl-C) waits
//!   for requests in flight and background jobs (default 30)
//! - `--log-format` / `BROADSHEET_LOG_FORMAT`: `human` (default) or `json` (one object a line)
//! - `--database-url` / `DATABASE_URL`: `sqlite://PATH` (default `sqlite://broadsheet.db`) or
//!   `postgres://…`
//! - `--db-pool-size` / `BROADSHEET_DB_POOL_SIZE`: database connections per instance (default 8)
//! - `--db-timeout` / `BROADSHEET_DB_TIMEOUT`: seconds a request waits for a free connection
//!   before a 503 (default 5)
//! - `--base-url` / `BROADSHEET_BASE_URL`: public origin for canonical and share links
//!   (default `http://` + the bind address)
//! - `--site-name` / `BROADSHEET_SITE_NAME`: publication name (default "The Broadsheet")
//! - `--site-description` / `BROADSHEET_SITE_DESCRIPTION`: one line about the publication
//! - `--language` / `BROADSHEET_LANGUAGE`: BCP 47 language of the content (default `en`)
//! - `--territory` / `BROADSHEET_TERRITORY`: ISO 3166 country of the readership, for
//!   `og:locale` (`en` + `GB` is `en_GB`; default: `GB` for `en`, see `views::default_territory`)
//! - `--timezone` / `BROADSHEET_TIMEZONE`: IANA zone dates are shown in (default `UTC`)
//! - `--twitter-site` / `BROADSHEET_TWITTER_SITE`: the publication's X handle, for `twitter:site`
//! - `--logo-path` / `BROADSHEET_LOGO_PATH`: publisher logo (600×60 PNG) for JSON-LD
//!   (default `/static/img/logo.png`)
//! - `--behind-proxy` / `BROADSHEET_BEHIND_PROXY`: trust the proxy's client address for throttling
//! - `--related-limit` / `BROADSHEET_RELATED_LIMIT`: related articles in the sidebar (default 4)
//! - `--session-key` / `BROADSHEET_SESSION_KEY`: secret for admin session cookies (default:
//!   generated once and kept in the database)
//! - `--cache-bytes` / `BROADSHEET_CACHE_BYTES`: memory for rendered public responses (default
//!   64 MiB; 0 turns the cache off)
//! - `--live-poll-seconds` / `BROADSHEET_LIVE_POLL_SECONDS`: seconds between a live story's
//!   checks for new posts in readers' browsers (default 30)
//! - `--metrics-bind` / `BROADSHEET_METRICS_BIND`: address for Prometheus metrics at `/metrics`
//!   (default: none, metrics off); never the public address
//! - `--notes-position` / `BROADSHEET_NOTES_POSITION`: where an article's corrections and updates
//!   show: `below` the body (default) or `above` it
//! - `--no-demo` / `BROADSHEET_NO_DEMO`: start with an empty site instead of demo content

use chrono_tz::Tz;
use clap::Args;

/// How log lines are written.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Plain lines for a terminal or the journal.
    #[default]
    Human,
    /// One JSON object a line, for log collectors.
    Json,
}

/// Where an article's corrections and updates show on its page.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotesPosition {
    /// Between the byline and the body, read before the story.
    Above,
    /// After the body, before the tags and share links.
    #[default]
    Below,
}

/// Settings for `broadsheet serve`, also used by tests to build an app.
#[derive(Args, Debug, Clone)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "BROADSHEET_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Seconds a stop (SIGTERM, Ctrl-C) waits for requests in flight and
    /// background jobs before the process exits anyway.
    #[arg(long, env = "BROADSHEET_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,

    /// Log lines for people (`human`) or one JSON object a line (`json`).
    #[arg(long, env = "BROADSHEET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
    pub database_url: String,

    /// Database connections this instance keeps at most (count them against
    /// PostgreSQL's max_connections for every instance).
    #[arg(long, env = "BROADSHEET_DB_POOL_SIZE", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub db_pool_size: u32,

    /// Seconds a request waits for a free database connection before it is
    /// answered 503.
    #[arg(long, env = "BROADSHEET_DB_TIMEOUT", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub db_timeout: u64,

    /// Public origin used in canonical URLs, share links and metadata.
    #[arg(long, env = "BROADSHEET_BASE_URL")]
    pub base_url: Option<String>,

    /// Name of the publication.
    #[arg(long, env = "BROADSHEET_SITE_NAME", default_value = "The Broadsheet")]
    pub site_name: String,

    /// One-line description of the publication.
    #[arg(
        long,
        env = "BROADSHEET_SITE_DESCRIPTION",
        default_value = "Independent news from Port Calder and the coast."
    )]
    pub site_description: String,

    /// Language of the content (BCP 47).
    #[arg(long, env = "BROADSHEET_LANGUAGE", default_value = "en")]
    pub language: String,

    /// Country of the readership (ISO 3166, e.g. `GB`), joined to the language
    /// for `og:locale`; by default the language's usual one (`GB` for `en`).
    #[arg(long, env = "BROADSHEET_TERRITORY")]
    pub territory: Option<String>,

    /// Time zone in which dates are shown (IANA name).
    #[arg(long, env = "BROADSHEET_TIMEZONE", default_value = "UTC")]
    pub timezone: Tz,

    /// The publication's X (Twitter) handle, e.g. `@broadsheet`.
    #[arg(long, env = "BROADSHEET_TWITTER_SITE")]
    pub twitter_site: Option<String>,

    /// Path or URL of the publisher logo (600×60 PNG) used in structured data.
    #[arg(
        long,
        env = "BROADSHEET_LOGO_PATH",
        default_value = "/static/img/logo.png"
    )]
    pub logo_path: String,

    /// Trust the client address a reverse proxy or load balancer reports
    /// (`Forwarded` / `X-Forwarded-For`) for sign-in throttling. Only set this
    /// when every request reaches the app through such a proxy.
    #[arg(long, env = "BROADSHEET_BEHIND_PROXY")]
    pub behind_proxy: bool,

    /// How many related articles the sidebar shows.
    #[arg(long, env = "BROADSHEET_RELATED_LIMIT", default_value_t = crate::related::DEFAULT_RELATED_LIMIT,
          value_parser = clap::value_parser!(usize))]
    pub related_limit: usize,

    /// Secret (at least 32 characters) that signs and encrypts admin session
    /// cookies; without one, a key is generated once and kept in the database.
    #[arg(long, env = "BROADSHEET_SESSION_KEY", hide_env_values = true)]
    pub session_key: Option<String>,

    /// Bytes of memory the response cache may hold (rendered pages, feeds and
    /// sitemaps with their compressed variants); 0 turns it off.
    #[arg(long, env = "BROADSHEET_CACHE_BYTES", default_value_t = crate::cache::DEFAULT_BUDGET)]
    pub cache_bytes: usize,

    /// Serve Prometheus metrics at `/metrics` on this address (for example
    /// `127.0.0.1:9090`), apart from the public one; unset, there are none.
    #[arg(long, env = "BROADSHEET_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// Where an article's corrections and updates show: `above` or `below` the body.
    #[arg(long, env = "BROADSHEET_NOTES_POSITION", value_enum, default_value_t = NotesPosition::Below)]
    pub notes_position: NotesPosition,

    /// Seconds between a reader's checks for new posts on a live story
    /// (while the tab is visible; see `static/js/live.js`).
    #[arg(long, env = "BROADSHEET_LIVE_POLL_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub live_poll_seconds: u32,

    /// Start with an empty site: do not load demo content into an empty database.
    #[arg(long, env = "BROADSHEET_NO_DEMO")]
    pub no_demo: bool,
}

impl Config {
    /// Defaults for a given database, as `broadsheet serve` would use them.
    pub fn for_database(database_url: &str) -> Self {
        use clap::{Command, FromArgMatches};
        // The defaults come from the flags' own declarations above, read
        // without the environment, so a test's settings never depend on the
        // shell that runs it and no default is written twice.
        let command =
            Config::augment_args(Command::new("broadsheet")).mut_args(|arg| arg.env(None));
        let matches = command
            .try_get_matches_from(["broadsheet", "--database-url", database_url])
            .expect("every setting has a default");
        Config::from_arg_matches(&matches).expect("the defaults are valid settings")
    }

    /// The database pool's size and wait, from `--db-pool-size` and `--db-timeout`.
    pub fn pool_settings(&self) -> crate::db::PoolSettings {
        crate::db::PoolSettings {
            max_size: self.db_pool_size,
            connection_timeout: std::time::Duration::from_secs(self.db_timeout),
        }
    }

    /// The public origin without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_flags_defaults() {
        let config = Config::for_database("sqlite://x.db");
        assert_eq!(config.database_url, "sqlite://x.db");
        assert_eq!(config.bind, "127.0.0.1:8080");
        assert_eq!(config.db_pool_size, 8);
        assert_eq!(config.site_name, "The Broadsheet");
        assert_eq!(config.timezone, Tz::UTC);
        assert_eq!(config.cache_bytes, crate::cache::DEFAULT_BUDGET);
        assert_eq!(config.notes_position, NotesPosition::Below);
        assert_eq!(config.base_url, None);
        assert!(!config.no_demo && !config.behind_proxy);
    }
}
