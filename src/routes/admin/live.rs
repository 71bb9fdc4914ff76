//! Live coverage on the article edit page (editors): start, end or resume an
//! article's live coverage, add a post, edit or delete one. Every write is a
//! POST with the CSRF token, checked with the role before the body is read,
//! and answered with a redirect back to the panel and a message. A refused
//! post comes back on its own page with the reason and everything as typed.
//! Each write records a public change (in `models::live_post`), so cached
//! pages and the poll endpoint drop at once.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::auth::{self, SignedIn};
use crate::db;
use crate::error::AppError;
use crate::models::article_form::{format_local_datetime, parse_local_datetime};
use crate::models::live_post::{self, PostContent, MAX_BODY_CHARS};
use crate::models::user::Role;
use crate::models::Article;
use crate::routes::pages::render;
use crate::views::live::LivePostPage;
use crate::AppState;

/// The post form (add and edit).
#[derive(Deserialize)]
struct PostForm {
    #[serde(default)]
    body: String,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone; empty means now.
    #[serde(default)]
    posted_at: String,
}

fn back_to_article(id: i32) -> HttpResponse {
    super::see_other(format!("/admin/articles/{id}/edit#live"))
}

/// The form's time: `None` for now, or the reason it cannot be read.
fn posted_at(state: &AppState, text: &str) -> Result<Option<NaiveDateTime>, String> {
    match text.trim() {
        "" => Ok(None),
        text => parse_local_datetime(text, state.site.timezone)
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "“{}” is not a date and time; leave it empty for now.",
                    text.chars().take(40).collect::<String>()
                )
            }),
    }
}

/// Checks and renders a submitted post.
fn content_of(state: &AppState, form: &PostForm) -> Result<PostContent, String> {
    let at = posted_at(state, &form.posted_at)?;
    PostContent::validate(&form.body, at, state.clock.now(), &state.site.base_url)
}

/// The post form again, with the reason it was refused and everything as typed.
async fn refused(
    state: &AppState,
    signed_in: &SignedIn,
    article_id: i32,
    action: String,
    editing: bool,
    form: PostForm,
    message: String,
) -> Result<HttpResponse, AppError> {
    let article = db::run(&state.pool, move |conn| {
        Ok(Article::find(conn, article_id)?)
    })
    .await?;
    let page = post_page(
        state,
        signed_in,
        &article,
        action,
        editing,
        form,
        Some(message),
    );
    render(&page, StatusCode::UNPROCESSABLE_ENTITY)
}

fn post_page(
    state: &AppState,
    signed_in: &SignedIn,
    article: &Article,
    action: String,
    editing: bool,
    form: PostForm,
    error: Option<String>,
) -> LivePostPage {
    LivePostPage {
        chrome: super::chrome(state, signed_in),
        heading: if editing {
            "Edit a live update".into()
        } else {
            "Add a live update".into()
        },
        headline: article.headline.clone(),
        back: format!("/admin/articles/{}/edit#live", article.id),
        action,
        body: form.body,
        posted_at: form.posted_at,
        error,
        timezone: state.site.timezone.to_string(),
        max_chars: MAX_BODY_CHARS,
    }
}

/// `POST /admin/articles/{id}/live/start`: starts or resumes live coverage.
pub async fn start(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let message = "Live coverage is on: the article shows a “Live” label and new updates appear on readers’ pages.";
    let id = id.into_inner();
    let start = move |conn: &mut db::DbConn, now| live_post::start(conn, id, now).map(|()| id);
    super::article_action(&state, &signed_in, &req, &body, start, message, "live").await
}

/// `POST /admin/articles/{id}/live/end`: ends live coverage.
pub async fn end(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let message = "Live coverage ended. The updates stay on the article as its timeline.";
    let id = id.into_inner();
    let end = move |conn: &mut db::DbConn, now| live_post::end(conn, id, now).map(|()| id);
    super::article_action(&state, &signed_in, &req, &body, end, message, "live").await
}

/// `POST /admin/articles/{id}/live/posts`: adds a post.
pub async fn create_post(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: PostForm = super::accept_form(&signed_in, Role::Editor, &req, &body)?;
    let id = id.into_inner();
    let action = format!("/admin/articles/{id}/live/posts");
    let content = match content_of(&state, &form) {
        Ok(content) => content,
        Err(message) => {
            return refused(&state, &signed_in, id, action, false, form, message).await;
        }
    };
    let now = state.clock.now();
    let by = Some(signed_in.user.id);
    let added = db::run(&state.pool, move |conn| {
        live_post::add(conn, id, &content, by, now)
    })
    .await;
    match added {
        Ok(_) => {
            auth::flash(&signed_in.session, "Update posted.");
            Ok(back_to_article(id))
        }
        Err(AppError::BadRequest(message)) => {
            refused(&state, &signed_in, id, action, false, form, message).await
        }
        Err(e) => Err(e),
    }
}

/// `GET /admin/live-posts/{id}/edit`: a post's edit form.
pub async fn edit_post(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let post_id = id.into_inner();
    let (post, article) = db::run(&state.pool, move |conn| {
        let post = live_post::find(conn, post_id)?;
        let article = Article::find(conn, post.article_id)?;
        Ok((post, article))
    })
    .await?;
    let form = PostForm {
        body: post.body,
        posted_at: format_local_datetime(post.posted_at, state.site.timezone),
    };
    let page = post_page(
        &state,
        &signed_in,
        &article,
        format!("/admin/live-posts/{post_id}"),
        true,
        form,
        None,
    );
    render(&page, StatusCode::OK)
}

/// `POST /admin/live-posts/{id}`: saves an edited post.
pub async fn update_post(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: PostForm = super::accept_form(&signed_in, Role::Editor, &req, &body)?;
    let post_id = id.into_inner();
    let action = format!("/admin/live-posts/{post_id}");
    let content = match content_of(&state, &form) {
        Ok(content) => content,
        Err(message) => {
            let article_id = db::run(&state.pool, move |conn| Ok(live_post::find(conn, post_id)?))
                .await?
                .article_id;
            return refused(&state, &signed_in, article_id, action, true, form, message).await;
        }
    };
    let now = state.clock.now();
    let article_id = db::run(&state.pool, move |conn| {
        live_post::update(conn, post_id, &content, now)
    })
    .await?;
    auth::flash(&signed_in.session, "Update saved.");
    Ok(back_to_article(article_id))
}

/// `POST /admin/live-posts/{id}/delete`: deletes a post.
pub async fn delete_post(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let post_id = id.into_inner();
    let delete = move |conn: &mut db::DbConn, now| live_post::delete(conn, post_id, now);
    super::article_action(
        &state,
        &signed_in,
        &req,
        &body,
        delete,
        "Update deleted.",
        "live",
    )
    .await
}
