//! Deleting sections, tags and authors and merging tags: each moves its
//! articles somewhere first, and its old URLs answer 301 there afterwards.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{back_to_taxonomy, count_of, item_page, refresh_related};
use crate::auth::{self, SignedIn};
use crate::db::{self};
use crate::error::AppError;
use crate::models::user::Role;
use crate::models::{Author, Section, Tag};
use crate::routes::admin::{self};
use crate::slug::slugify;
use crate::views::admin::TaxonomyItemPage;
use crate::AppState;

/// The replacement chosen on a delete or merge form.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ReplacementForm {
    /// A section's or author's id, or a tag's slug (or name).
    into: String,
}

impl ReplacementForm {
    fn id(&self, what: &str) -> Result<i32, AppError> {
        self.into.trim().parse().map_err(|_| {
            AppError::BadRequest(format!("Choose the {what} to move the articles to."))
        })
    }
}

/// `GET /admin/sections/{id}/delete`: which section its articles move to.
pub async fn confirm_delete_section(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let id = id.into_inner();
    let (section, count, others) = db::run(&state.pool, move |conn| {
        let section = Section::find(conn, id)?;
        let count = Section::article_counts(conn)?
            .into_iter()
            .find(|(s, _)| *s == Some(id))
            .map_or(0, |(_, n)| n);
        let others = Section::all_in_order(conn)?
            .into_iter()
            .filter(|s| s.id != id)
            .map(|s| (s.id, s.name))
            .collect::<Vec<_>>();
        Ok((section, count, others))
    })
    .await?;
    item_page(&TaxonomyItemPage {
        chrome: admin::chrome(&state, &signed_in),
        kind: "section",
        id,
        name: section.name,
        slug: section.slug,
        article_count: count,
        choices: others,
    })
}

/// `POST /admin/sections/{id}/delete`: moves its articles to `into` (required,
/// another section), deletes it, and its old URLs answer 301 there.
pub async fn delete_section(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: ReplacementForm = admin::accept_form(&signed_in, Role::Editor, &req, &body)?;
    let (id, into) = (id.into_inner(), form.id("section")?);
    let now = state.clock.now();
    let (old, new, moved) = db::run(&state.pool, move |conn| {
        let old = Section::find(conn, id)?;
        let moved = Section::delete_into(conn, id, into, now)?;
        Ok((old, Section::find(conn, into)?, moved))
    })
    .await?;
    refresh_related(&state, &moved);
    auth::flash(
        &signed_in.session,
        &format!(
            "Deleted the section “{}”: {} moved to “{}”, where its old address now leads.",
            old.name,
            count_of(moved.len(), "article"),
            new.name
        ),
    );
    Ok(back_to_taxonomy())
}

/// `POST /admin/tags/{id}/delete`: takes the tag off every article and deletes it.
pub async fn delete_tag(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    admin::accept(&signed_in, Role::Editor, &req, &body)?;
    let id = id.into_inner();
    let now = state.clock.now();
    let (old, moved) = db::run(&state.pool, move |conn| {
        let old = Tag::find(conn, id)?;
        Ok((old, Tag::delete(conn, id, now)?))
    })
    .await?;
    refresh_related(&state, &moved);
    auth::flash(
        &signed_in.session,
        &format!(
            "Deleted the tag “{}” and took it off {}.",
            old.name,
            count_of(moved.len(), "article")
        ),
    );
    Ok(back_to_taxonomy())
}

/// `POST /admin/tags/{id}/merge`: the tag's articles get the tag named in
/// `into` (a slug or a name), the tag is deleted, and its old URLs answer 301
/// to the other.
pub async fn merge_tag(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: ReplacementForm = admin::accept_form(&signed_in, Role::Editor, &req, &body)?;
    let id = id.into_inner();
    let typed = form.into.trim().to_string();
    if typed.is_empty() || typed.chars().count() > 200 {
        return Err(AppError::BadRequest(
            "Type the slug or name of the tag to merge into.".into(),
        ));
    }
    let now = state.clock.now();
    let (old, new, moved) = db::run(&state.pool, move |conn| {
        let old = Tag::find(conn, id)?;
        let found = Tag::find_by_slug(conn, &typed)
            .or_else(|_| Tag::find_by_slug(conn, &slugify(&typed)))
            .map_err(AppError::from);
        let new = match found {
            Err(AppError::NotFound) => {
                return Err(AppError::BadRequest(format!(
                    "No tag is called “{typed}”: check the slug."
                )))
            }
            found => found?,
        };
        let moved = Tag::merge_into(conn, id, new.id, now)?;
        Ok((old, new, moved))
    })
    .await?;
    refresh_related(&state, &moved);
    auth::flash(
        &signed_in.session,
        &format!(
            "Merged the tag “{}” into “{}”: {} now carry “{}”, and the old tag's address leads there.",
            old.name,
            new.name,
            count_of(moved.len(), "article"),
            new.name
        ),
    );
    Ok(back_to_taxonomy())
}

/// `GET /admin/authors/{id}/delete`: who their articles are credited to instead.
pub async fn confirm_delete_author(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let id = id.into_inner();
    let (author, count, others) = db::run(&state.pool, move |conn| {
        let author = Author::find(conn, id)?;
        let others = Author::all_by_name(conn)?
            .into_iter()
            .filter(|a| a.id != id)
            .map(|a| (a.id, a.name))
            .collect::<Vec<_>>();
        Ok((author, Author::article_count(conn, id)?, others))
    })
    .await?;
    item_page(&TaxonomyItemPage {
        chrome: admin::chrome(&state, &signed_in),
        kind: "author",
        id,
        name: author.name,
        slug: author.slug,
        article_count: count,
        choices: others,
    })
}

/// `POST /admin/authors/{id}/delete`: credits their articles to `into`
/// (required, another author), deletes them, and their old URLs answer 301 there.
pub async fn delete_author(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: ReplacementForm = admin::accept_form(&signed_in, Role::Editor, &req, &body)?;
    let (id, into) = (id.into_inner(), form.id("author")?);
    let now = state.clock.now();
    let (old, new, moved) = db::run(&state.pool, move |conn| {
        let old = Author::find(conn, id)?;
        let moved = Author::delete_into(conn, id, into, now)?;
        Ok((old, Author::find(conn, into)?, moved))
    })
    .await?;
    refresh_related(&state, &moved);
    auth::flash(
        &signed_in.session,
        &format!(
            "Deleted the author “{}”: {} now credited to {}, whose page their old address leads to.",
            old.name,
            count_of(moved.len(), "article"),
            new.name
        ),
    );
    Ok(back_to_taxonomy())
}
