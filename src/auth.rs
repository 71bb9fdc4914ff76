//! Signing in to `/admin`: the session, the `SignedIn` extractor that every
//! admin handler takes, role checks, and CSRF protection for every
//! state-changing request.
//!
//! Whether a request is signed in is decided only by the database
//! (`models::admin_session`): the browser's cookie (signed, encrypted, scoped
//! to `/admin`) carries a random session token, plus what is harmless to
//! replay: the CSRF token and a flash message. Keeping that small state in
//! the cookie means the sign-in page needs no database row for anonymous
//! visitors; keeping the token's session in a table means ending it ends
//! every copy of the cookie, on every app instance.

use std::future::Future;
use std::pin::Pin;

use actix_session::config::{CookieContentSecurity, PersistentSession, TtlExtensionPolicy};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use subtle::ConstantTimeEq;

use crate::db::DbConn;
use crate::error::AppError;
use crate::models::user::{Role, User};
use crate::models::{admin_session, setting};
use crate::{db, AppState};

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "broadsheet_admin";
/// Name of the CSRF field in every admin form.
pub const CSRF_FIELD: &str = "csrf_token";

const SESSION_KEY_SETTING: &str = "session_key";
const SESSION_TOKEN: &str = "sid";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

/// Random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    text.len()
        .is_multiple_of(2)
        .then(|| {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
                .collect()
        })
        .flatten()
}

/// The key that signs and encrypts session cookies: the configured one, or
/// one generated once and kept in the database so restarts (and every app
/// instance) keep people signed in.
pub fn session_key(conn: &mut DbConn, configured: Option<&str>) -> Result<Key, AppError> {
    if let Some(secret) = configured {
        if secret.len() < 32 {
            return Err(AppError::Config(
                "the session key must be at least 32 characters".into(),
            ));
        }
        return Ok(Key::derive_from(secret.as_bytes()));
    }
    let existing = setting::get(conn, SESSION_KEY_SETTING)?;
    if let Some(stored) = existing.as_deref().and_then(from_hex) {
        if stored.len() >= 64 {
            return Ok(Key::from(&stored));
        }
    }
    // Several instances starting on a new database each make a key; only the
    // first one stored counts, and every instance reads that one back.
    let key = Key::generate();
    let hex: String = key.master().iter().map(|b| format!("{b:02x}")).collect();
    if existing.is_some() {
        // A stored key too short to use (written by hand): replace it.
        setting::set(conn, SESSION_KEY_SETTING, &hex)?;
    } else {
        setting::insert_if_absent(conn, SESSION_KEY_SETTING, &hex)?;
    }
    let stored = setting::get(conn, SESSION_KEY_SETTING)?
        .and_then(|h| from_hex(&h))
        .filter(|bytes| bytes.len() >= 64)
        .ok_or_else(|| AppError::internal("the stored session key cannot be read"))?;
    Ok(Key::from(&stored))
}

/// A new session token: 256 bits from the operating system's secure source.
pub fn new_session_token() -> String {
    random_hex(32)
}

/// The session middleware for the `/admin` scope. The cookie's own lifetime
/// follows the idle limit so browsers drop it when the session is over; the
/// limits that count are checked in the database.
pub fn session_middleware(key: Key, secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name(COOKIE_NAME.into())
        .cookie_path("/admin".into())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(secure)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(
            PersistentSession::default()
                .session_ttl(actix_web::cookie::time::Duration::minutes(
                    admin_session::IDLE_MINUTES,
                ))
                .session_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
        )
        .build()
}

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> String {
    match session.get::<String>(CSRF).ok().flatten() {
        Some(token) => token,
        None => {
            let token = random_hex(32);
            let _ = session.insert(CSRF, &token);
            token
        }
    }
}

/// Refuses a state-changing request whose CSRF token is missing or wrong, or
/// whose `Origin` is another site's. The origin may be the configured public
/// one or the host the request was sent to (a third-party page cannot make a
/// browser send our Host with its own Origin).
pub fn check_csrf(
    req: &HttpRequest,
    session: &Session,
    submitted: Option<&str>,
) -> Result<(), AppError> {
    if let Some(origin) = req.headers().get("origin").and_then(|o| o.to_str().ok()) {
        let state = req.app_data::<web::Data<AppState>>();
        let configured = state.map(|s| s.site.base_url.clone()).unwrap_or_default();
        let info = req.connection_info();
        let own = [
            configured,
            format!("http://{}", info.host()),
            format!("https://{}", info.host()),
        ];
        if !own.iter().any(|o| o == origin) {
            return Err(AppError::Forbidden(
                "This form was sent from another site.".into(),
            ));
        }
    }
    let expected = session.get::<String>(CSRF).ok().flatten();
    match (expected, submitted) {
        // Compared in constant time: no timing tells how much of a guess was right.
        (Some(expected), Some(given)) if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) => Ok(()),
        _ => Err(AppError::Forbidden(
            "The form expired or was not sent from this site. Go back, reload the page and try again.".into(),
        )),
    }
}

/// Puts the token of a session just stored (`admin_session::start`) in a
/// fresh cookie, with a new CSRF token: nothing from before sign-in carries over.
pub fn sign_in(session: &Session, token: &str) -> Result<(), AppError> {
    session.renew();
    session.clear();
    let insert = |k: &str, v: &str| {
        session
            .insert(k, v)
            .map_err(|e| AppError::internal_from("session", e))
    };
    insert(SESSION_TOKEN, token)?;
    insert(CSRF, &random_hex(32))?;
    Ok(())
}

/// Removes the cookie (its session in the database is ended by the caller).
pub fn forget(session: &Session) {
    session.purge();
}

/// Leaves a message for the next page (post/redirect/get).
pub fn flash(session: &Session, message: &str) {
    let _ = session.insert(FLASH, message);
}

/// Takes the message left for this page, if any.
pub fn take_flash(session: &Session) -> Option<String> {
    session.remove_as::<String>(FLASH).and_then(Result::ok)
}

/// The signed-in user of an admin request. Extracting it redirects anonymous
/// visitors, and every cookie whose session ended (signed out, expired,
/// revoked, account disabled), to the sign-in page.
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    /// The session token from the cookie (to end this session).
    pub token: String,
    /// The CSRF token to put in this page's forms.
    pub csrf: String,
    /// Articles waiting in the review queue, counted for editors (the admin
    /// bar shows it on every page); 0 for contributors.
    pub review_count: i64,
}

impl SignedIn {
    /// Refuses with 403 unless the user has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), AppError> {
        if self.user.can(role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "This needs the {} role; your account is {}.",
                role.label(),
                self.user.role().label()
            )))
        }
    }

    /// Checks the CSRF token sent with a form.
    pub fn check_csrf(&self, req: &HttpRequest, submitted: Option<&str>) -> Result<(), AppError> {
        check_csrf(req, &self.session, submitted)
    }
}

/// Where sign-in should lead back to: the page asked for; for a form post
/// (which has no page to come back to), the page the form was on: the
/// `Referer` when it is on this site, else the article form a save came from.
/// The sign-in page keeps only paths inside `/admin` (see `safe_next`).
fn back_to(req: &HttpRequest) -> String {
    let asked = match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    };
    if req.method() == actix_web::http::Method::GET || req.method() == actix_web::http::Method::HEAD
    {
        return asked;
    }
    let host = req.connection_info().host().to_string();
    let from_referer = req
        .headers()
        .get(actix_web::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| ammonia::Url::parse(r).ok())
        .filter(|u| {
            u.host_str().map(|h| match u.port() {
                Some(port) => format!("{h}:{port}"),
                None => h.to_string(),
            }) == Some(host)
        })
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        });
    if let Some(page) = from_referer {
        return page;
    }
    let path = req.path();
    match path.strip_prefix("/admin/articles") {
        Some("") => "/admin/articles/new".into(),
        Some(rest)
            if rest
                .strip_prefix('/')
                .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())) =>
        {
            format!("{path}/edit")
        }
        _ => "/admin".into(),
    }
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = req.get_session();
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::internal("app state missing"))?;
            let back_to = back_to(&req);
            let now = state.clock.now();
            let Some(token) = session.get::<String>(SESSION_TOKEN).ok().flatten() else {
                session.purge();
                return Err(AppError::SignInRequired(back_to));
            };
            let found = {
                let token = token.clone();
                db::run(&state.pool, move |conn| {
                    let Some(user) = admin_session::signed_in_user(conn, &token, now)? else {
                        return Ok(None);
                    };
                    // In the same trip to the database: one indexed count.
                    let review_count = if user.can(Role::Editor) {
                        crate::models::article::review_count(conn)?
                    } else {
                        0
                    };
                    Ok(Some((user, review_count)))
                })
                .await?
            };
            let Some((user, review_count)) = found else {
                session.purge();
                return Err(AppError::SignInRequired(back_to));
            };
            let csrf = csrf_token(&session);
            Ok(SignedIn {
                user,
                session,
                token,
                csrf,
                review_count,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_tokens_are_random() {
        let a = random_hex(32);
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_hex(32));
        assert_eq!(from_hex(&a).unwrap().len(), 32);
        assert_eq!(from_hex("zz"), None);
    }
}
