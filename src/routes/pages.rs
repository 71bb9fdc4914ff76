//! The response path every HTML route shares (render the page's template,
//! its `Cache-Control`, conditional GET) and the request parameters lists
//! read.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;

use crate::error::AppError;
use crate::http_cache::{self, CachePolicy};

/// Articles per page on every list.
pub const PER_PAGE: i64 = 20;
/// Renders a page's template as an HTML response with `status`. Its cache
/// policy is the caller's (admin pages get `no-store` from their scope).
pub fn render(page: &impl Template, status: StatusCode) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// Renders a page as an HTML response that CDNs may cache briefly.
pub fn html_page(page: &impl Template) -> Result<HttpResponse, AppError> {
    let mut response = render(page, StatusCode::OK)?;
    let (name, value) = CachePolicy::Page.header();
    response.headers_mut().insert(name, value);
    Ok(response)
}

/// Renders a page with `ETag` and `Last-Modified` (the site's last change,
/// see `Article::last_change`, loaded in the handler's own database trip),
/// answering conditional requests with 304.
pub fn cached_page(
    req: &HttpRequest,
    page: &impl Template,
    last_change: Option<NaiveDateTime>,
) -> Result<HttpResponse, AppError> {
    Ok(http_cache::respond(
        req,
        "text/html; charset=utf-8",
        page.render()?,
        last_change,
        CachePolicy::Page,
    ))
}

/// The `?page=` number: 1 when absent; a clear 400 for anything but a positive integer.
pub fn page_number(req: &HttpRequest) -> Result<i64, AppError> {
    page_of(&query_params(req)?)
}

/// The request's query parameters, decoded; a clear 400 for a malformed query.
pub fn query_params(req: &HttpRequest) -> Result<Vec<(String, String)>, AppError> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|_| AppError::BadRequest("The address has a malformed query string.".into()))
}

/// The `page` parameter among `params` (see [`page_number`]).
pub fn page_of(params: &[(String, String)]) -> Result<i64, AppError> {
    match params.iter().find(|(k, _)| k == "page") {
        None => Ok(1),
        Some((_, v)) => match v.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(i64::from(n)),
            _ => Err(AppError::BadRequest(format!(
                "“{}” is not a page number. Pages are numbered from 1.",
                v.chars().take(40).collect::<String>()
            ))),
        },
    }
}
