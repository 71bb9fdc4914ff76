//! Friendly error pages for every error response that has no body yet: the
//! ones `AppError` produces and the ones that never reach a handler (unknown
//! URLs). A 404 gets the site's navigation; a 500 says nothing about the cause.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::web;
use askama::Template;

use crate::error::ReaderMessage;
use crate::models::Section;
use crate::seo::PageMeta;
use crate::views::{Chrome, ErrorPage};
use crate::{db, AppState};

fn wording(status: u16) -> (&'static str, &'static str) {
    match status {
        404 => (
            "Page not found",
            "We could not find that page. It may have moved, or the address may be mistyped.",
        ),
        410 => ("Gone", "This was removed and will not come back."),
        400 => (
            "That request did not work",
            "Something in the address is not right.",
        ),
        403 => (
            "Not allowed",
            "You do not have permission to see this page.",
        ),
        405 => ("Not allowed", "That method is not allowed here."),
        413 => (
            "Too large",
            "What you sent is larger than this site accepts.",
        ),
        429 => ("Too many requests", "Please wait a little and try again."),
        503 => (
            "Temporarily unavailable",
            "The site is having trouble reaching its database. Please try again in a moment.",
        ),
        s if s >= 500 => (
            "Something went wrong",
            "Sorry, something went wrong on our side. Please try again later.",
        ),
        _ => (
            "That request did not work",
            "Please check the address and try again.",
        ),
    }
}

/// `ErrorHandlers` default handler: fills empty error responses with a page.
pub fn render<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let status = res.status();
    let has_body = !matches!(
        res.response().body().size(),
        actix_web::body::BodySize::None | actix_web::body::BodySize::Sized(0)
    );
    let Some(state) = res.request().app_data::<web::Data<AppState>>().cloned() else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    if has_body || !(status.is_client_error() || status.is_server_error()) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let reader_message = res
        .response()
        .extensions()
        .get::<ReaderMessage>()
        .map(|m| m.0.clone());
    Ok(ErrorHandlerResponse::Future(Box::pin(async move {
        // Navigation only for client errors: a server error page must not
        // depend on the part that may have just failed.
        let sections = if status.is_client_error() {
            db::run(&state.pool, |conn| Ok(Section::all_in_order(conn)?))
                .await
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let (heading, message) = wording(status.as_u16());
        let page = ErrorPage {
            meta: PageMeta {
                title: format!("{heading} | {}", state.site.name),
                social_title: heading.to_string(),
                description: message.to_string(),
                // No canonical URL: the missing address is not a page.
                canonical: String::new(),
                og_type: "website",
                image: Some(state.site.share_card()),
                indexable: false,
                ..PageMeta::default()
            },
            chrome: Chrome {
                site: state.site.clone(),
                sections,
                current_section: None,
                is_front: false,
                live_articles: Vec::new(),
            },
            status: status.as_u16(),
            heading: heading.to_string(),
            message: reader_message.unwrap_or_else(|| message.to_string()),
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{} {heading}", status.as_u16()));
        let (req, mut response) = res.into_parts();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        let (name, value) = crate::http_cache::CachePolicy::NoStore.header();
        response.headers_mut().insert(name, value);
        let response = response.set_body(BoxBody::new(body));
        Ok(ServiceResponse::new(req, response).map_into_right_body())
    })))
}
