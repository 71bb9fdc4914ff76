//! The admin area under `/admin`: every page needs a signed-in user with the
//! right role, every form carries a CSRF token, nothing is cached by shared
//! caches or indexed. `ROUTES` lists every admin URL with the role it needs;
//! a test walks it.

pub mod articles;
pub mod form_data;
pub mod media;
pub mod notes;
pub mod session;
pub mod taxonomy;
pub mod users;

use actix_web::cookie::Key;
use actix_web::middleware::DefaultHeaders;
use actix_web::web;

use crate::admin_views::AdminChrome;
use crate::auth::{self, SignedIn};
use crate::models::user::Role;
use crate::AppState;

/// Every admin URL: method, path (with sample ids), and the least role that may use it.
pub const ROUTES: &[(&str, &str, Role)] = &[
    ("GET", "/admin", Role::Contributor),
    ("GET", "/admin/articles/new", Role::Contributor),
    ("POST", "/admin/articles", Role::Contributor),
    ("POST", "/admin/articles/bulk", Role::Contributor),
    ("GET", "/admin/articles/{id}/edit", Role::Contributor),
    ("POST", "/admin/articles/{id}", Role::Contributor),
    ("GET", "/admin/articles/{id}/preview", Role::Contributor),
    ("GET", "/admin/articles/{id}/revisions", Role::Editor),
    ("GET", "/admin/articles/{id}/revisions/{rev}", Role::Editor),
    (
        "POST",
        "/admin/articles/{id}/revisions/{rev}/restore",
        Role::Editor,
    ),
    ("POST", "/admin/articles/{id}/delete", Role::Editor),
    ("POST", "/admin/articles/{id}/return", Role::Editor),
    ("POST", "/admin/articles/{id}/notes", Role::Editor),
    ("POST", "/admin/notes/{id}/delete", Role::Editor),
    ("POST", "/admin/articles/{id}/restore", Role::Editor),
    ("GET", "/admin/trash", Role::Editor),
    ("GET", "/admin/taxonomy", Role::Editor),
    ("POST", "/admin/sections", Role::Editor),
    ("POST", "/admin/sections/{id}", Role::Editor),
    ("GET", "/admin/sections/{id}/delete", Role::Editor),
    ("POST", "/admin/sections/{id}/delete", Role::Editor),
    ("GET", "/admin/tags/{id}", Role::Editor),
    ("POST", "/admin/tags/{id}", Role::Editor),
    ("POST", "/admin/tags/{id}/delete", Role::Editor),
    ("POST", "/admin/tags/{id}/merge", Role::Editor),
    ("GET", "/admin/authors/{id}/delete", Role::Editor),
    ("POST", "/admin/authors/{id}/delete", Role::Editor),
    ("POST", "/admin/authors", Role::Editor),
    ("POST", "/admin/authors/{id}", Role::Editor),
    ("GET", "/admin/users", Role::Admin),
    ("POST", "/admin/users", Role::Admin),
    ("POST", "/admin/users/{id}", Role::Admin),
    ("POST", "/admin/users/{id}/sign-out", Role::Admin),
    ("POST", "/admin/logout", Role::Contributor),
    ("POST", "/admin/logout/everywhere", Role::Contributor),
    ("GET", "/admin/media/{token}", Role::Contributor),
    ("GET", "/admin/media", Role::Editor),
    ("POST", "/admin/media/{id}/delete", Role::Editor),
];

/// Parses a url-encoded form body. Handlers read the body as bytes and parse
/// it only after checking the role and CSRF token, so a wrong role is always
/// a 403, whatever the body holds.
pub fn parse_form<T: serde::de::DeserializeOwned>(
    body: &[u8],
) -> Result<T, crate::error::AppError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|e| crate::error::AppError::BadRequest(format!("The form could not be read: {e}")))
}

/// The CSRF token of a url-encoded form body, if it has one.
pub fn csrf_of(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == crate::auth::CSRF_FIELD)
        .map(|(_, v)| v)
}

/// The frame for an admin page (takes the flash message left for it).
pub fn chrome(state: &AppState, signed_in: &SignedIn) -> AdminChrome {
    AdminChrome {
        site_name: state.site.name.clone(),
        user_id: signed_in.user.id,
        user_name: signed_in.user.name.clone(),
        role: signed_in.user.role(),
        csrf: signed_in.csrf.clone(),
        flash: auth::take_flash(&signed_in.session),
        assets_version: state.site.assets_version.clone(),
        review_count: signed_in.review_count,
    }
}

/// The `/admin` scope: session cookie, no caching, no indexing, and every route.
pub fn scope(
    key: Key,
    secure_cookie: bool,
) -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/admin")
        .wrap(auth::session_middleware(key, secure_cookie))
        .wrap(
            DefaultHeaders::new()
                .add(("Cache-Control", "no-store, private"))
                .add(("X-Robots-Tag", "noindex, nofollow"))
                .add(("X-Frame-Options", "DENY")),
        )
        .route("/login", web::get().to(session::login_form))
        .route("/login", web::post().to(session::login))
        .route("/logout", web::post().to(session::logout))
        .route(
            "/logout/everywhere",
            web::post().to(session::logout_everywhere),
        )
        .route("", web::get().to(articles::list))
        .route("/", web::get().to(articles::list))
        .route("/trash", web::get().to(articles::trash))
        .route("/articles/new", web::get().to(articles::new_form))
        .route("/articles", web::post().to(articles::create))
        .route("/articles/bulk", web::post().to(articles::bulk))
        .route("/articles/{id}/edit", web::get().to(articles::edit_form))
        .route("/articles/{id}", web::post().to(articles::update))
        .route("/articles/{id}/preview", web::get().to(articles::preview))
        .route("/articles/{id}/delete", web::post().to(articles::delete))
        .route(
            "/articles/{id}/return",
            web::post().to(articles::return_to_writer),
        )
        .route("/articles/{id}/restore", web::post().to(articles::restore))
        .route("/articles/{id}/notes", web::post().to(notes::create))
        .route("/notes/{id}/delete", web::post().to(notes::delete))
        .route(
            "/articles/{id}/revisions",
            web::get().to(articles::revisions),
        )
        .route(
            "/articles/{id}/revisions/{rev}",
            web::get().to(articles::show_revision),
        )
        .route(
            "/articles/{id}/revisions/{rev}/restore",
            web::post().to(articles::restore_revision),
        )
        .route("/taxonomy", web::get().to(taxonomy::page))
        .route("/sections", web::post().to(taxonomy::create_section))
        .route("/sections/{id}", web::post().to(taxonomy::update_section))
        .route(
            "/sections/{id}/delete",
            web::get().to(taxonomy::confirm_delete_section),
        )
        .route(
            "/sections/{id}/delete",
            web::post().to(taxonomy::delete_section),
        )
        .route("/tags/{id}", web::get().to(taxonomy::show_tag))
        .route("/tags/{id}", web::post().to(taxonomy::update_tag))
        .route("/tags/{id}/delete", web::post().to(taxonomy::delete_tag))
        .route("/tags/{id}/merge", web::post().to(taxonomy::merge_tag))
        .route(
            "/authors/{id}/delete",
            web::get().to(taxonomy::confirm_delete_author),
        )
        .route(
            "/authors/{id}/delete",
            web::post().to(taxonomy::delete_author),
        )
        .route("/authors", web::post().to(taxonomy::create_author))
        .route("/authors/{id}", web::post().to(taxonomy::update_author))
        .route("/users", web::get().to(users::page))
        .route("/users", web::post().to(users::create))
        .route("/users/{id}", web::post().to(users::update))
        .route(
            "/users/{id}/sign-out",
            web::post().to(users::sign_out_everywhere),
        )
        .route("/media", web::get().to(media::library))
        .route("/media/{id}/delete", web::post().to(media::delete))
        .route(
            "/media/{token}",
            web::get().to(super::media::show_media_to_newsroom),
        )
}
