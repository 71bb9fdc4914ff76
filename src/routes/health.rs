//! `GET /healthz` for load balancers: 200 when the database answers, 503 otherwise.

use crate::http_cache::CachePolicy;
use crate::{db, AppState};
use actix_web::{web, HttpResponse};

/// Answers whether this instance can serve pages.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let ping = db::run(&state.pool, |conn| Ok(db::ping(conn)?)).await;
    match ping {
        Ok(_) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .insert_header(CachePolicy::NoStore.header())
            .body("ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .insert_header(CachePolicy::NoStore.header())
                .body("database unavailable")
        }
    }
}
