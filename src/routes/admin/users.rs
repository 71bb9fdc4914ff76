//! Accounts, for admins: add, change role, disable, link to an author
//! profile, sign out everywhere.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::{self, SignedIn};
use crate::db;
use crate::error::AppError;
use crate::models::admin_session;
use crate::models::user::{Role, User};
use crate::models::Author;
use crate::routes::pages;
use crate::views::admin::UsersPage;
use crate::AppState;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
    new_email: String,
    new_name: String,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let (users, sessions, authors) = db::run(&state.pool, move |conn| {
        Ok((
            User::all(conn)?,
            admin_session::live_counts(conn, now)?,
            Author::all_by_name(conn)?,
        ))
    })
    .await?;
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    let page = UsersPage {
        chrome: super::chrome(state, signed_in),
        users,
        sessions,
        authors,
        roles: Role::ALL,
        error,
        new_email,
        new_name,
    };
    pages::render(&page, status)
}

/// `GET /admin/users`.
pub async fn page(
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Admin)?;
    render(&state, &signed_in, None, String::new(), String::new()).await
}

/// A new account.
#[derive(Deserialize)]
pub struct NewUserForm {
    email: String,
    name: String,
    role: String,
    password: String,
}

/// Checks a new account's fields; the message is for the admin.
pub fn check_new_user(email: &str, name: &str, password: &str) -> Result<(), String> {
    let email = email.trim();
    if email.len() > 254 || !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err("Enter an email address like name@example.org.".into());
    }
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err("Enter a name of up to 100 characters.".into());
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Passwords need at least {MIN_PASSWORD_CHARS} characters."
        ));
    }
    Ok(())
}

/// `POST /admin/users`.
pub async fn create(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: NewUserForm = super::accept_form(&signed_in, Role::Admin, &req, &body)?;
    let role =
        Role::parse(&form.role).ok_or_else(|| AppError::BadRequest("Unknown role.".into()))?;
    if let Err(message) = check_new_user(&form.email, &form.name, &form.password) {
        return render(&state, &signed_in, Some(message), form.email, form.name).await;
    }
    let now = state.clock.now();
    let (email, name, password) = (form.email.clone(), form.name.clone(), form.password);
    let created = db::run(&state.pool, move |conn| {
        if User::find_by_email(conn, &email)?.is_some() {
            return Ok(false);
        }
        User::create(conn, &email, &name, role, &password, now)?;
        Ok(true)
    })
    .await?;
    if !created {
        return render(
            &state,
            &signed_in,
            Some("An account with that email already exists.".into()),
            form.email,
            form.name,
        )
        .await;
    }
    auth::flash(&signed_in.session, "User added.");
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/users"))
        .finish())
}

/// A change to an account.
#[derive(Deserialize)]
pub struct UpdateUserForm {
    role: String,
    disabled: Option<String>,
    /// The author profile's id, `""` for none; absent leaves the link as it is.
    author_id: Option<String>,
}

/// `POST /admin/users/{id}`.
pub async fn update(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: UpdateUserForm = super::accept_form(&signed_in, Role::Admin, &req, &body)?;
    let id = id.into_inner();
    let role =
        Role::parse(&form.role).ok_or_else(|| AppError::BadRequest("Unknown role.".into()))?;
    let disabled = form.disabled.is_some();
    let author = match form.author_id.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(text) => Some(Some(text.parse::<i32>().map_err(|_| {
            AppError::BadRequest("Choose an author profile from the list.".into())
        })?)),
    };
    if id == signed_in.user.id && (disabled || role != Role::Admin) {
        let message =
            "You cannot disable your own account or remove your own admin role.".to_string();
        return render(
            &state,
            &signed_in,
            Some(message),
            String::new(),
            String::new(),
        )
        .await;
    }
    let (changed, linked) = db::run(&state.pool, move |conn| {
        let before = User::find(conn, id)?;
        let linked = match author {
            Some(author) if author != before.author_id => {
                if !User::set_author(conn, id, author)? {
                    return Err(AppError::BadRequest(
                        "Choose an author profile from the list.".into(),
                    ));
                }
                true
            }
            _ => false,
        };
        Ok((
            User::set_role_and_disabled(conn, id, role, disabled)?,
            linked,
        ))
    })
    .await?;
    auth::flash(
        &signed_in.session,
        match (changed, linked) {
            (true, _) => "User updated and signed out everywhere.",
            (false, true) => "Author profile updated.",
            (false, false) => "Nothing changed.",
        },
    );
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/users"))
        .finish())
}

/// `POST /admin/users/{id}/sign-out`: ends every session of the account, on
/// every device (a lost laptop, a cookie that may have been copied).
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    super::accept(&signed_in, Role::Admin, &req, &body)?;
    let id = id.into_inner();
    let (name, ended) = db::run(&state.pool, move |conn| {
        let user = User::find(conn, id)?;
        Ok((user.name, admin_session::end_all_for_user(conn, id)?))
    })
    .await?;
    if id == signed_in.user.id {
        auth::forget(&signed_in.session);
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", "/admin/login?signed_out=everywhere"))
            .finish());
    }
    let sessions = if ended == 1 { "session" } else { "sessions" };
    auth::flash(
        &signed_in.session,
        &format!("{name} is signed out everywhere ({ended} {sessions} ended)."),
    );
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/users"))
        .finish())
}
