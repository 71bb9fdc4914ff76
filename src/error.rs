//! The one error type. Handlers and model functions return `Result<_, AppError>`;
//! each variant maps to a status code, and `routes::error_pages` renders the
//! friendly page for it. Internal errors are logged here with their context and
//! reach the reader only as a plain "something went wrong" page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// Every error a request or command can end in.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The page does not exist or is not public: 404.
    #[error("not found")]
    NotFound,
    /// It existed and was removed for good (a deleted image): 410.
    #[error("gone")]
    Gone,
    /// The request itself is wrong (bad page number, bad parameter): 400 with a message for the reader.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// An admin page was asked for without a signed-in user: redirect to sign in, then back here.
    #[error("sign-in required")]
    SignInRequired(String),
    /// Signed in, but not allowed (wrong role, bad CSRF token): 403 with a message.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request body is too large or not what was expected: 413/400 with a message.
    #[error("payload too large: {0}")]
    TooLarge(String),
    /// Misconfiguration found at start-up (bad database URL, failed migration).
    #[error("{0}")]
    Config(String),
    /// A query failed (diesel's `NotFound` becomes [`AppError::NotFound`]
    /// instead, in `From`, so every lookup of a missing row is a 404).
    #[error("database error: {0}")]
    Database(diesel::result::Error),
    /// No connection could be had from the pool.
    #[error("database unavailable: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// A template failed to render.
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
    /// The blocking thread pool is gone (shutting down).
    #[error("blocking task failed: {0}")]
    Blocking(#[from] actix_web::error::BlockingError),
    /// Anything else that is our fault: what we were doing, and the error
    /// that stopped it (kept, so the log shows the whole chain).
    #[error("{context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl AppError {
    /// An internal error with no underlying cause.
    pub fn internal(context: impl Into<String>) -> Self {
        AppError::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// An internal error caused by `source`, while doing `context`.
    pub fn internal_from(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        AppError::Internal {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    /// The error and every cause under it, `outer: inner: innermost`, for logs.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            let line = e.to_string();
            // thiserror's transparent-ish variants often repeat their source's text.
            if !text.ends_with(&line) {
                text.push_str(": ");
                text.push_str(&line);
            }
            cause = e.source();
        }
        text
    }
}

impl From<diesel::result::Error> for AppError {
    /// A row that is not there is the 404 page, wherever it was looked up.
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            other => AppError::Database(other),
        }
    }
}

/// Marker stored on an error response so the error page can show the reader's message.
#[derive(Debug, Clone)]
pub struct ReaderMessage(pub String);

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone => StatusCode::GONE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::SignInRequired(_) => StatusCode::SEE_OTHER,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Pool(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// An empty response with the status: the error-page handlers in
    /// `routes::error_pages` fill in the page, with the site's chrome.
    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self.chain(), "request failed");
        }
        if let AppError::SignInRequired(back_to) = self {
            let next =
                percent_encoding::utf8_percent_encode(back_to, percent_encoding::NON_ALPHANUMERIC);
            return HttpResponse::SeeOther()
                .insert_header(("Location", format!("/admin/login?next={next}")))
                .insert_header(crate::http_cache::CachePolicy::NoStore.header())
                .finish();
        }
        let mut response = HttpResponse::new(status);
        if let AppError::BadRequest(message)
        | AppError::Forbidden(message)
        | AppError::TooLarge(message) = self
        {
            response
                .extensions_mut()
                .insert(ReaderMessage(message.clone()));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;

    #[test]
    fn an_internal_error_keeps_its_cause_for_the_log() {
        let disk = std::io::Error::other("no space left on device");
        let e = AppError::internal_from("cannot write the export", disk);
        assert_eq!(e.to_string(), "cannot write the export");
        assert_eq!(
            e.chain(),
            "cannot write the export: no space left on device"
        );
        assert!(std::error::Error::source(&e).is_some());
    }
}
