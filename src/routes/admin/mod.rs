//! The admin area under `/admin`: every page needs a signed-in user with the
//! right role, every form carries a CSRF token, nothing is cached by shared
//! caches or indexed. One table (`admin_routes!` below) lists every admin URL
//! with the role it needs and its handler; the router and the role test both
//! read it.

pub mod articles;
pub mod form_data;
pub mod live;
pub mod media;
pub mod notes;
pub mod session;
pub mod taxonomy;
pub mod users;

use actix_web::cookie::Key;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;

use crate::auth::{self, SignedIn};
use crate::error::AppError;
use crate::models::user::Role;
use crate::views::admin::AdminChrome;
use crate::AppState;

/// The one list of signed-in admin URLs: method, path under `/admin`, the
/// least role that may use it, and the handler. It builds both [`ROUTES`]
/// (which the role test walks with real requests) and the router in
/// [`scope`], so a route cannot be added to one and not the other. Each
/// handler checks its role before it reads the body.
macro_rules! admin_routes {
    ($($method:ident $path:literal $role:ident => $handler:path;)*) => {
        /// Every signed-in admin URL: method, path (`{id}` where an id goes), and
        /// the least role that may use it.
        pub const ROUTES: &[(&str, &str, Role)] =
            &[$((stringify!($method), concat!("/admin", $path), Role::$role)),*];

        /// Adds every route of [`ROUTES`] to the `/admin` scope.
        fn signed_in_routes<T>(scope: actix_web::Scope<T>) -> actix_web::Scope<T>
        where
            T: actix_web::dev::ServiceFactory<
                actix_web::dev::ServiceRequest,
                Config = (),
                Error = actix_web::Error,
                InitError = (),
            >,
        {
            scope$(.route(
                $path,
                web::method(actix_web::http::Method::$method).to($handler),
            ))*
        }
    };
}

admin_routes! {
    GET "" Contributor => articles::list::list;
    GET "/" Contributor => articles::list::list;
    GET "/articles/new" Contributor => articles::form::new_form;
    POST "/articles" Contributor => articles::save::create;
    POST "/articles/bulk" Contributor => articles::list::bulk;
    GET "/articles/{id}/edit" Contributor => articles::form::edit_form;
    POST "/articles/{id}" Contributor => articles::save::update;
    GET "/articles/{id}/preview" Contributor => articles::preview::preview;
    GET "/articles/{id}/revisions" Editor => articles::revisions::revisions;
    GET "/articles/{id}/revisions/{rev}" Editor => articles::revisions::show_revision;
    POST "/articles/{id}/revisions/{rev}/restore" Editor => articles::revisions::restore_revision;
    POST "/articles/{id}/delete" Editor => articles::status::delete;
    POST "/articles/{id}/return" Editor => articles::status::return_to_writer;
    POST "/articles/{id}/notes" Editor => notes::create;
    POST "/notes/{id}/delete" Editor => notes::delete;
    POST "/articles/{id}/live/start" Editor => live::start;
    POST "/articles/{id}/live/end" Editor => live::end;
    POST "/articles/{id}/live/posts" Editor => live::create_post;
    GET "/live-posts/{id}/edit" Editor => live::edit_post;
    POST "/live-posts/{id}" Editor => live::update_post;
    POST "/live-posts/{id}/delete" Editor => live::delete_post;
    POST "/articles/{id}/restore" Editor => articles::status::restore;
    GET "/trash" Editor => articles::list::trash;
    GET "/taxonomy" Editor => taxonomy::page;
    POST "/sections" Editor => taxonomy::edit::create_section;
    POST "/sections/{id}" Editor => taxonomy::edit::update_section;
    GET "/sections/{id}/delete" Editor => taxonomy::removal::confirm_delete_section;
    POST "/sections/{id}/delete" Editor => taxonomy::removal::delete_section;
    GET "/tags/{id}" Editor => taxonomy::edit::show_tag;
    POST "/tags/{id}" Editor => taxonomy::edit::update_tag;
    POST "/tags/{id}/delete" Editor => taxonomy::removal::delete_tag;
    POST "/tags/{id}/merge" Editor => taxonomy::removal::merge_tag;
    GET "/authors/{id}/delete" Editor => taxonomy::removal::confirm_delete_author;
    POST "/authors/{id}/delete" Editor => taxonomy::removal::delete_author;
    POST "/authors" Editor => taxonomy::edit::create_author;
    POST "/authors/{id}" Editor => taxonomy::edit::update_author;
    GET "/users" Admin => users::page;
    POST "/users" Admin => users::create;
    POST "/users/{id}" Admin => users::update;
    POST "/users/{id}/sign-out" Admin => users::sign_out_everywhere;
    POST "/logout" Contributor => session::logout;
    POST "/logout/everywhere" Contributor => session::logout_everywhere;
    GET "/media" Editor => media::library;
    GET "/media/{id}/edit" Editor => media::edit;
    POST "/media/{id}" Editor => media::update;
    POST "/media/{id}/focal" Editor => media::set_focal;
    POST "/media/{id}/delete" Editor => media::delete;
    GET "/media/{token}" Contributor => super::media::show_media_to_newsroom;
}

/// The checks every url-encoded admin form post passes before anything else:
/// the user has `role`, then the CSRF token matches. Handlers take the body
/// as bytes and parse it only after this, so a wrong role is always a 403,
/// whatever the body holds.
pub fn accept(
    signed_in: &SignedIn,
    role: Role,
    req: &HttpRequest,
    body: &[u8],
) -> Result<(), AppError> {
    signed_in.require(role)?;
    signed_in.check_csrf(req, csrf_of(body).as_deref())
}

/// [`accept`], then the body parsed as the form `T`.
pub fn accept_form<T: serde::de::DeserializeOwned>(
    signed_in: &SignedIn,
    role: Role,
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, AppError> {
    accept(signed_in, role, req, body)?;
    serde_urlencoded::from_bytes(body)
        .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))
}

/// A `303 See Other` to `location`: where every admin form post goes next.
pub fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

/// A one-click editor's action on an article's panel (live coverage, a live
/// post, a correction note): [`accept`], then `change` (given the time; it
/// returns the article it touched), then `message` and back to the
/// article's edit page at `#panel`.
pub async fn article_action(
    state: &AppState,
    signed_in: &SignedIn,
    req: &HttpRequest,
    body: &[u8],
    change: impl FnOnce(&mut crate::db::DbConn, NaiveDateTime) -> Result<i32, AppError> + Send + 'static,
    message: &'static str,
    panel: &str,
) -> Result<HttpResponse, AppError> {
    accept(signed_in, Role::Editor, req, body)?;
    let now = state.clock.now();
    let article_id = crate::db::run(&state.pool, move |conn| change(conn, now)).await?;
    auth::flash(&signed_in.session, message);
    Ok(see_other(format!(
        "/admin/articles/{article_id}/edit#{panel}"
    )))
}

/// The CSRF token of a url-encoded form body, if it has one.
fn csrf_of(body: &[u8]) -> Option<String> {
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
    let scope = web::scope("/admin")
        .wrap(auth::session_middleware(key, secure_cookie))
        .wrap(
            DefaultHeaders::new()
                .add(crate::http_cache::CachePolicy::Private.header())
                .add(("X-Robots-Tag", "noindex, nofollow"))
                .add(("X-Frame-Options", "DENY")),
        )
        // Signing in is the one thing an anonymous visitor can do here.
        .route("/login", web::get().to(session::login_form))
        .route("/login", web::post().to(session::login));
    signed_in_routes(scope)
}
