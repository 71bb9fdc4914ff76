//! Creating and editing sections, tags and authors (an author's form is
//! multipart, for the photo). A refused form comes back with what was typed.

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{item_page, render};
use crate::auth::{self, SignedIn};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::images;
use crate::models::article_form::is_valid_slug;
use crate::models::author;
use crate::models::taxonomy_redirect::{self, TaxonomyKind};
use crate::models::user::Role;
use crate::models::{Author, Section, Tag};
use crate::routes::admin::{self, form_data};
use crate::slug::slugify;
use crate::views::admin::{TaxonomyItemPage, TypedAuthor};
use crate::AppState;

/// A section, tag or author as submitted.
#[derive(Deserialize)]
#[serde(default)]
#[derive(Default)]
pub struct NamedForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    link_x: String,
    #[serde(default)]
    link_mastodon: String,
    #[serde(default)]
    link_bluesky: String,
    #[serde(default)]
    link_linkedin: String,
    #[serde(default)]
    link_website: String,
    /// An author's kind: `person` or `organization` (`""` keeps it, a person when new).
    #[serde(default)]
    kind: String,
}

impl NamedForm {
    /// The name and slug (made from the name when empty), or a message for the editor.
    fn name_and_slug(&self) -> Result<(String, String), String> {
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 80 {
            return Err("Names need 1 to 80 characters.".into());
        }
        let slug = match self.slug.trim() {
            "" => slugify(&name),
            s => s.to_string(),
        };
        if !is_valid_slug(&slug) || slug.len() > 80 {
            return Err(format!(
                "“{slug}” is not a valid slug: use lowercase letters, digits and single hyphens."
            ));
        }
        Ok((name, slug))
    }

    /// The author's profile links as typed, in `author::LINKS` order.
    fn typed_links(&self) -> [String; 5] {
        [
            self.link_x.clone(),
            self.link_mastodon.clone(),
            self.link_bluesky.clone(),
            self.link_linkedin.clone(),
            self.link_website.clone(),
        ]
    }

    /// The profile links ready to store, or the first refusal.
    fn links(&self) -> Result<[String; 5], String> {
        let typed = self.typed_links();
        let mut checked: [String; 5] = Default::default();
        for (i, (_, label)) in author::LINKS.iter().enumerate() {
            checked[i] = author::checked_link(label, &typed[i])?;
        }
        Ok(checked)
    }
}

/// Which list a change belongs to.
#[derive(Clone, Copy)]
enum Kind {
    Section,
    Tag,
    Author,
}

impl From<Kind> for TaxonomyKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Section => TaxonomyKind::Section,
            Kind::Tag => TaxonomyKind::Tag,
            Kind::Author => TaxonomyKind::Author,
        }
    }
}

/// Whether another section, tag or author than `except` has `slug`.
fn slug_taken(
    conn: &mut DbConn,
    kind: Kind,
    slug: &str,
    except: Option<i32>,
) -> Result<bool, AppError> {
    let owner = taxonomy_redirect::owner_of(conn, kind.into(), slug)?;
    Ok(owner.is_some_and(|id| Some(id) != except))
}

async fn apply(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    body: web::Bytes,
    kind: Kind,
    id: Option<i32>,
) -> Result<HttpResponse, AppError> {
    let form: NamedForm = admin::accept_form(&signed_in, Role::Editor, &req, &body)?;
    save(state, signed_in, form, kind, id, None).await
}

/// Reads an author form (multipart, with an optional photo) after the role check.
async fn apply_author(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    payload: Multipart,
    id: Option<i32>,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let (fields, mut uploads) = form_data::read(payload, &["photo"]).await?;
    let upload = form_data::take(&mut uploads, "photo");
    signed_in.check_csrf(&req, fields.get(auth::CSRF_FIELD).map(String::as_str))?;
    let form: NamedForm = serde_json::to_value(&fields)
        .and_then(serde_json::from_value)
        .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
    let copies = match upload.process().await? {
        Ok(copies) => copies,
        Err(message) => {
            let status = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            return render(
                &state,
                &signed_in,
                Some(format!("Photo: {message}")),
                status,
                typed(&form, Kind::Author, id),
            )
            .await;
        }
    };
    save(state, signed_in, form, Kind::Author, id, copies).await
}

/// A refused author form as typed; other kinds' forms are one line each.
fn typed(form: &NamedForm, kind: Kind, id: Option<i32>) -> Option<TypedAuthor> {
    matches!(kind, Kind::Author).then(|| TypedAuthor {
        id,
        name: form.name.clone(),
        slug: form.slug.clone(),
        bio: form.bio.clone(),
        links: form.typed_links(),
        kind: form.kind.clone(),
    })
}

async fn save(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: NamedForm,
    kind: Kind,
    id: Option<i32>,
    photo: Option<Vec<images::Encoded>>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let (name, slug) = match form.name_and_slug() {
        Ok(pair) => pair,
        Err(message) => {
            return render(
                &state,
                &signed_in,
                Some(message),
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                typed(&form, kind, id),
            )
            .await
        }
    };
    let links = match (kind, form.links()) {
        (Kind::Author, Err(message)) => {
            return render(
                &state,
                &signed_in,
                Some(message),
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                typed(&form, kind, id),
            )
            .await
        }
        (_, links) => links.unwrap_or_default(),
    };
    let author_kind = match form.kind.trim() {
        "" => None,
        text => match author::AuthorKind::parse(text) {
            Some(kind) => Some(kind),
            None => {
                return render(
                    &state,
                    &signed_in,
                    Some("Choose whether the author is a person or a desk.".into()),
                    actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                    typed(&form, kind, id),
                )
                .await
            }
        },
    };
    let position = form.position.trim().parse::<i32>().unwrap_or(0);
    let description = form
        .description
        .trim()
        .chars()
        .take(500)
        .collect::<String>();
    let bio = form.bio.trim().chars().take(1000).collect::<String>();
    let slug_for_check = slug.clone();
    let taken_slug = slug.clone();
    // One write transaction: the slug check and the write cannot interleave
    // with another save, and the public change is recorded with it.
    let saved = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if slug_taken(conn, kind, &slug_for_check, id)? {
                return Ok(false);
            }
            let old_slug = match id {
                Some(id) => taxonomy_redirect::slug_of(conn, kind.into(), id)?,
                None => None,
            };
            match (kind, id) {
                (Kind::Section, Some(id)) => Section::update(
                    conn,
                    id,
                    &crate::models::NewSection {
                        slug,
                        name,
                        description,
                        position,
                    },
                )?,
                (Kind::Section, None) => Section::create(
                    conn,
                    &crate::models::NewSection {
                        slug,
                        name,
                        description,
                        position,
                    },
                )
                .map(|_| ())?,
                (Kind::Tag, Some(id)) => Tag::rename(conn, id, &name, &slug)?,
                (Kind::Author, id) => {
                    let id = match id {
                        Some(id) => {
                            Author::update(
                                conn,
                                id,
                                &crate::models::NewAuthor { slug, name, bio },
                            )?;
                            id
                        }
                        None => {
                            Author::create(conn, &crate::models::NewAuthor { slug, name, bio })?
                        }
                    };
                    Author::set_links(conn, id, &links)?;
                    if let Some(kind) = author_kind {
                        Author::set_kind(conn, id, kind)?;
                    }
                    if let Some(copies) = &photo {
                        let photo_id = crate::models::media::store_upload(conn, copies, now)?;
                        Author::set_photo(conn, id, photo_id)?;
                    }
                }
                (Kind::Tag, None) => return Err(AppError::NotFound),
            }
            // The old slug's URLs now redirect here; the new one is live.
            match (old_slug, id) {
                (Some(old), Some(id)) => {
                    taxonomy_redirect::record_rename(conn, kind.into(), id, &old, &slug_for_check)?
                }
                _ => taxonomy_redirect::forget(conn, kind.into(), &slug_for_check)?,
            }
            crate::models::public_change::record(conn, now)?;
            Ok(true)
        })
    })
    .await?;
    if !saved {
        return render(
            &state,
            &signed_in,
            // Name the slug that was checked, made from the name when left blank.
            Some(format!("The slug “{taken_slug}” is already in use.")),
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            typed(&form, kind, id),
        )
        .await;
    }
    auth::flash(&signed_in.session, "Saved.");
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/taxonomy"))
        .finish())
}

/// `POST /admin/sections`.
pub async fn create_section(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    apply(state, signed_in, req, body, Kind::Section, None).await
}

/// `POST /admin/sections/{id}`.
pub async fn update_section(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    apply(
        state,
        signed_in,
        req,
        body,
        Kind::Section,
        Some(id.into_inner()),
    )
    .await
}

/// `POST /admin/tags/{id}`.
pub async fn update_tag(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    apply(
        state,
        signed_in,
        req,
        body,
        Kind::Tag,
        Some(id.into_inner()),
    )
    .await
}

/// `POST /admin/authors` (multipart: the photo is optional).
pub async fn create_author(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    apply_author(state, signed_in, req, payload, None).await
}

/// `POST /admin/authors/{id}` (multipart: a new photo replaces the old one).
pub async fn update_author(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    apply_author(state, signed_in, req, payload, Some(id.into_inner())).await
}

/// `GET /admin/tags/{id}`: one tag: rename, delete or merge into another.
pub async fn show_tag(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let id = id.into_inner();
    let (tag, count) = db::run(&state.pool, move |conn| {
        let tag = Tag::find(conn, id)?;
        Ok((tag, Tag::article_count(conn, id)?))
    })
    .await?;
    item_page(&TaxonomyItemPage {
        chrome: admin::chrome(&state, &signed_in),
        kind: "tag",
        id,
        name: tag.name,
        slug: tag.slug,
        article_count: count,
        choices: Vec::new(),
    })
}
