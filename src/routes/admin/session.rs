//! `/admin/login`, `/admin/logout` and `/admin/logout/everywhere`. Failed
//! sign-ins are throttled per account and per client address; the message
//! never says whether the email exists.

use std::sync::OnceLock;

use actix_session::SessionExt;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::{self, SignedIn};
use crate::error::AppError;
use crate::models::admin_session;
use crate::models::user::{self, throttle, Role, User};
use crate::routes::pages::render;
use crate::views::admin::LoginPage;
use crate::{db, AppState};

/// `?next=` after sign-in: only a same-site path inside the admin area (no
/// open redirect), written in the characters a `Location` header carries as
/// they are (no spaces or line breaks), without `.`/`..` segments that would
/// climb out of `/admin`. Anything else goes to `/admin`.
pub fn safe_next(next: Option<&str>) -> String {
    let inside_admin = |n: &str| {
        let path = n.split(['?', '#']).next().unwrap_or_default();
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        (path == "/admin" || path.starts_with("/admin/"))
            && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
            && !decoded.contains('\\')
            && !decoded
                .split('/')
                .any(|segment| segment == "." || segment == "..")
    };
    match next {
        Some(n) if inside_admin(n) => n.to_string(),
        _ => "/admin".into(),
    }
}

/// The address failed sign-ins are counted against: the TCP peer, or, behind
/// a proxy that the configuration says to trust, the client it reports.
pub fn client_address(req: &HttpRequest, behind_proxy: bool) -> String {
    let reported = behind_proxy
        .then(|| {
            req.connection_info()
                .realip_remote_addr()
                .map(str::to_string)
        })
        .flatten();
    reported
        .or_else(|| req.peer_addr().map(|a| a.ip().to_string()))
        .unwrap_or_else(|| "unknown".into())
}

/// The query of the sign-in page.
#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    /// `1` after signing out, `everywhere` after ending every session.
    signed_out: Option<String>,
}

/// `GET /admin/login`.
pub async fn login_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let session = req.get_session();
    render(
        &LoginPage {
            site_name: state.site.name.clone(),
            assets_version: state.site.assets_version.clone(),
            csrf: auth::csrf_token(&session),
            email: String::new(),
            next: safe_next(query.next.as_deref()),
            error: None,
            notice: query.signed_out.as_deref().map(|how| {
                if how == "everywhere" {
                    "You are signed out on every device.".to_string()
                } else {
                    "You are signed out.".to_string()
                }
            }),
        },
        actix_web::http::StatusCode::OK,
    )
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
    csrf_token: Option<String>,
}

/// A real hash to verify against when the email is unknown, so both cases take as long.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| user::hash_password(&auth::random_hex(16)).unwrap_or_default())
}

/// `POST /admin/login`.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let session = req.get_session();
    auth::check_csrf(&req, &session, form.csrf_token.as_deref())?;
    let form = form.into_inner();
    let client = client_address(&req, state.site.behind_proxy);
    let now = state.clock.now();
    let email = form.email.clone();
    let password = form.password.clone();
    let outcome = db::run(&state.pool, move |conn| {
        if !throttle::claim_check(conn, &email, &client, now)? {
            return Ok(Err(true));
        }
        let found = User::find_by_email(conn, &email)?;
        let hash = found
            .as_ref()
            .map_or(decoy_hash(), |u| u.password_hash.as_str());
        let matches = user::verify_password(&password, hash);
        match found {
            Some(u) if matches && !u.disabled => {
                throttle::clear(conn, &email)?;
                let token = auth::new_session_token();
                admin_session::start(conn, &token, u.id, now)?;
                Ok(Ok(token))
            }
            // The claimed check stays on record as a failure.
            _ => Ok(Err(false)),
        }
    })
    .await?;
    let next = safe_next(form.next.as_deref());
    match outcome {
        Ok(token) => {
            auth::sign_in(&session, &token)?;
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", next))
                .finish())
        }
        Err(blocked) => {
            let (status, error) = if blocked {
                (
                    actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many failed sign-in attempts. Wait {} minutes, then try again.",
                        throttle::WINDOW_MINUTES
                    ),
                )
            } else {
                (
                    actix_web::http::StatusCode::UNAUTHORIZED,
                    "That email and password do not match an active account.".to_string(),
                )
            };
            render(
                &LoginPage {
                    site_name: state.site.name.clone(),
                    assets_version: state.site.assets_version.clone(),
                    csrf: auth::csrf_token(&session),
                    email: form.email,
                    next,
                    error: Some(error),
                    notice: None,
                },
                status,
            )
        }
    }
}

/// `POST /admin/logout`: ends this session (every copy of its cookie).
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    super::accept(&signed_in, Role::Contributor, &req, &body)?;
    let token = signed_in.token.clone();
    db::run(&state.pool, move |conn| {
        Ok(admin_session::end(conn, &token)?)
    })
    .await?;
    auth::forget(&signed_in.session);
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/login?signed_out=1"))
        .finish())
}

/// `POST /admin/logout/everywhere`: ends every session of the signed-in
/// account, this one included (a stolen cookie is a copy of this one).
pub async fn logout_everywhere(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    super::accept(&signed_in, Role::Contributor, &req, &body)?;
    let user_id = signed_in.user.id;
    db::run(&state.pool, move |conn| {
        Ok(admin_session::end_all_for_user(conn, user_id)?)
    })
    .await?;
    auth::forget(&signed_in.session);
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/login?signed_out=everywhere"))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_inside_the_admin_area() {
        assert_eq!(
            safe_next(Some("/admin/articles/3/edit")),
            "/admin/articles/3/edit"
        );
        assert_eq!(safe_next(Some("/admin?q=a%20b")), "/admin?q=a%20b");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/articles/x",
            "/admin\\@evil",
            "/admin://x",
            "/administrator",
            "/admin\r\nSet-Cookie: x=1",
            "/admin/\nx",
            "/admin/a b",
            "/admin/../articles/x",
            "/admin/%2e%2E/articles/x",
            "/admin/%5c%5cevil",
            "/admin/é",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/admin", "{bad}");
        }
        assert_eq!(safe_next(None), "/admin");
    }
}
