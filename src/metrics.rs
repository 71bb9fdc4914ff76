//! Prometheus metrics. Off unless `--metrics-bind` names an address; then
//! `GET /metrics` is served there only (a port for the monitoring network),
//! never on the public one. Requests are counted by route pattern, never by
//! raw path, so a crawler's made-up URLs cannot grow the label set. The
//! cache, pool and job figures are read when the scrape comes.

use actix_web::{web, App, HttpResponse};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::error::AppError;
use crate::{db, models, AppState};

/// One request's labels: the route pattern (`/articles/{slug}`, or
/// `unmatched`), the method and the status code.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

/// A latency histogram's labels: the route pattern.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// Latency buckets: 0.25 ms to about 4 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

/// The metrics one instance keeps.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    cache_hits: Counter,
    cache_misses: Counter,
    cache_bytes: Gauge,
    cache_entries: Gauge,
    pool_connections: Gauge,
    pool_idle: Gauge,
    related_jobs: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Empty metrics, registered under `broadsheet_`.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("broadsheet");
        let metrics = Metrics {
            registry: Registry::default(),
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            cache_hits: Counter::default(),
            cache_misses: Counter::default(),
            cache_bytes: Gauge::default(),
            cache_entries: Gauge::default(),
            pool_connections: Gauge::default(),
            pool_idle: Gauge::default(),
            related_jobs: Gauge::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern, method and status",
            metrics.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response head, by route pattern",
            metrics.latency.clone(),
        );
        registry.register(
            "cache_hits",
            "Public responses served from the response cache",
            metrics.cache_hits.clone(),
        );
        registry.register(
            "cache_misses",
            "Cacheable public responses that had to be rendered",
            metrics.cache_misses.clone(),
        );
        registry.register(
            "cache_bytes",
            "Bytes the response cache holds, compressed variants included",
            metrics.cache_bytes.clone(),
        );
        registry.register(
            "cache_entries",
            "Responses the response cache holds",
            metrics.cache_entries.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database connections open in this instance's pool",
            metrics.pool_connections.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Open database connections not in use",
            metrics.pool_idle.clone(),
        );
        registry.register(
            "related_jobs",
            "Related-list refresh jobs waiting or running (all instances)",
            metrics.related_jobs.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }

    /// Counts one answered request.
    pub fn record(&self, route: Option<&str>, method: &str, status: u16, seconds: f64) {
        let route = route.unwrap_or("unmatched").to_string();
        // Methods outside the usual few share one label, for the same reason as routes.
        let method = match method {
            "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "OPTIONS" | "PATCH" => method,
            _ => "other",
        };
        self.latency
            .get_or_create(&RouteLabels {
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                route,
                method: method.to_string(),
                status,
            })
            .inc();
    }

    /// The text exposition, with the cache, pool and job figures read now.
    fn render(&self, state: &AppState, related_jobs: i64) -> Result<String, AppError> {
        let stats = state.cache.stats();
        catch_up(&self.cache_hits, stats.hits);
        catch_up(&self.cache_misses, stats.misses);
        self.cache_bytes.set(saturating_i64(stats.bytes as u64));
        self.cache_entries.set(saturating_i64(stats.entries as u64));
        let pool = state.pool.state();
        self.pool_connections.set(i64::from(pool.connections));
        self.pool_idle.set(i64::from(pool.idle_connections));
        self.related_jobs.set(related_jobs);
        let mut out = String::new();
        encode(&mut out, &self.registry)
            .map_err(|e| AppError::internal_from("encoding metrics", e))?;
        Ok(out)
    }
}

/// Brings a counter up to a total kept elsewhere (counters only go up).
fn catch_up(counter: &Counter, total: u64) {
    let now = counter.get();
    if total > now {
        counter.inc_by(total - now);
    }
}

fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `GET /metrics` on the metrics address.
async fn scrape(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let Some(metrics) = state.metrics.clone() else {
        return Err(AppError::NotFound);
    };
    let jobs = db::run(&state.pool, |conn| {
        Ok(models::related_index::jobs_pending(conn)?)
    })
    .await?;
    let body = metrics.render(&state, jobs)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .insert_header(crate::http_cache::CachePolicy::NoStore.header())
        .body(body))
}

/// The app served on `--metrics-bind`: `/metrics` and nothing else.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .route("/metrics", web::get().to(scrape))
}
