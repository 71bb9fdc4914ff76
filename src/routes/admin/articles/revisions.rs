//! An article's revisions: the list, one revision, and restoring it.

use actix_web::{web, HttpRequest, HttpResponse};

use super::{see_other, status_now};
use crate::auth::{self, SignedIn};
use crate::db::{self};
use crate::error::AppError;
use crate::models::article::ArticleStatus;
use crate::models::article_form::{self, ArticleForm, ImageChange, Save, SaveOutcome};
use crate::models::user::Role;
use crate::models::{revision, Article, Author, Section};
use crate::routes::admin::{self};
use crate::routes::pages::render;
use crate::views::admin::{RevisionPage, RevisionsPage};
use crate::AppState;

/// `GET /admin/articles/{id}/revisions`.
pub async fn revisions(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let id = id.into_inner();
    let (headline, list) = db::run(&state.pool, move |conn| {
        let headline = Article::find(conn, id)?.headline;
        Ok((headline, revision::list(conn, id)?))
    })
    .await?;
    let tz = state.site.timezone;
    render(
        &RevisionsPage {
            chrome: admin::chrome(&state, &signed_in),
            article_id: id,
            headline,
            revisions: list
                .into_iter()
                .map(|r| {
                    let when = crate::seo::stamp(r.created_at, tz).display;
                    (r, when)
                })
                .collect(),
        },
        actix_web::http::StatusCode::OK,
    )
}

/// `GET /admin/articles/{id}/revisions/{rev}`.
pub async fn show_revision(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let (id, rev) = path.into_inner();
    let (summary, content) = db::run(&state.pool, move |conn| {
        revision::load(conn, id, rev).map_err(AppError::from)
    })
    .await?;
    let tz = state.site.timezone;
    render(
        &RevisionPage {
            chrome: admin::chrome(&state, &signed_in),
            article_id: id,
            when: crate::seo::stamp(summary.created_at, tz).display,
            content: ArticleForm::from_content(&content, summary.version, tz),
            revision: summary,
        },
        actix_web::http::StatusCode::OK,
    )
}

/// `POST /admin/articles/{id}/revisions/{rev}/restore`: a new save with that content.
pub async fn restore_revision(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    path: web::Path<(i32, i32)>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    admin::accept(&signed_in, Role::Editor, &req, &body)?;
    let (id, rev) = path.into_inner();
    let now = state.clock.now();
    let user_id = signed_in.user.id;
    let outcome = db::run(&state.pool, move |conn| {
        let (summary, content) = revision::load(conn, id, rev)?;
        let current = Article::find(conn, id)?;
        let mut valid = article_form::valid_from_content(&content);
        // The slug may since belong to another article; then keep the current one.
        if article_form::slug_taken(conn, &valid.slug, Some(id))? {
            valid.slug = current.slug.clone();
        }
        // A section or author since deleted (its articles were moved) gives
        // way to where the article is now.
        if let Some(section) = valid.section_id {
            if let Err(AppError::NotFound) = Section::find(conn, section).map_err(AppError::from) {
                valid.section_id = current.section_id;
            }
        }
        if Author::in_order(conn, &valid.author_ids)?.len() < valid.author_ids.len() {
            valid.author_ids = Author::ids_for_article(conn, id)?;
        }
        let image_exists = match content.lead_image_id {
            Some(image) => crate::models::media::info_if_any(conn, image)?.is_some(),
            None => false,
        };
        let image = match content.lead_image_id {
            Some(image) if image_exists => ImageChange::Replace(image),
            _ => ImageChange::Remove,
        };
        let social_image = match content.social_image_id {
            Some(image) if crate::models::media::info_if_any(conn, image)?.is_some() => {
                ImageChange::Replace(image)
            }
            _ => ImageChange::Remove,
        };
        // Restoring brings back words, never a publication state: a live
        // article stays live with its publish time, a draft stays a draft.
        let status = match current.status.as_str() {
            "published" => ArticleStatus::Published,
            "scheduled" => ArticleStatus::Scheduled,
            _ => ArticleStatus::Draft,
        };
        valid.status = status;
        valid.publish_at = current.published_at;
        let saved = article_form::save(
            conn,
            Save {
                article_id: Some(id),
                started_from: Some(current.version),
                valid: &valid,
                status,
                published_at: current.published_at,
                image,
                social_image,
                submit: false,
                user_id,
                now,
                pins: None,
            },
        )?;
        Ok((saved, summary.version, status_now(&current, now)))
    })
    .await?;
    let (outcome, restored_version, state_now) = outcome;
    match outcome {
        SaveOutcome::Saved { version, .. } => {
            state.related_refresh.poke();
            auth::flash(
                &signed_in.session,
                &format!(
                    "Restored the text of version {restored_version} as version {version}; the article {state_now}."
                ),
            );
            Ok(see_other(format!("/admin/articles/{id}/edit")))
        }
        SaveOutcome::Conflict => Err(AppError::BadRequest(
            "Someone saved the article while you restored; open the revisions again.".into(),
        )),
        SaveOutcome::SlugTaken => Err(AppError::BadRequest(
            "Another article now uses this revision's slug; change that article's slug first."
                .into(),
        )),
    }
}
