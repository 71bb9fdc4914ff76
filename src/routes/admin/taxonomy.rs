//! Sections (with their order in the navigation), tags and authors, for editors.

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::{self, SignedIn};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::images;
use crate::models::article_form::is_valid_slug;
use crate::models::author;
use crate::models::media::{self, MediaUrl};
use crate::models::taxonomy_redirect::{self, TaxonomyKind};
use crate::models::user::Role;
use crate::models::{Author, Section, Tag};
use crate::routes::admin::form_data;
use crate::routes::pages;
use crate::slug::slugify;
use crate::views::admin::{TaxonomyItemPage, TaxonomyPage, TypedAuthor};
use crate::views::Pager;
use crate::AppState;

/// Tags and authors listed per page of the taxonomy page.
const PER_PAGE: i64 = 50;

/// The taxonomy page's query: a search and a page for tags, and for authors.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    page: String,
    author_q: String,
    author_page: String,
}

impl ListQuery {
    /// The page numbers asked for, or a 400 for one that is not a number.
    fn pages(&self) -> Result<(i64, i64), AppError> {
        let number = |text: &str| match text.trim() {
            "" => Ok(1),
            p => p
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .ok_or_else(|| AppError::BadRequest("Pages are numbered from 1.".into())),
        };
        Ok((number(&self.page)?, number(&self.author_page)?))
    }

    /// The taxonomy page's URL with this query, tags on page `tag_page` and
    /// authors on `author_page`.
    fn url(&self, tag_page: i64, author_page: i64) -> String {
        let mut url = "/admin/taxonomy".to_string();
        let page = |n: i64| if n > 1 { n.to_string() } else { String::new() };
        let pairs = [
            ("q", self.q.clone()),
            ("page", page(tag_page)),
            ("author_q", self.author_q.clone()),
            ("author_page", page(author_page)),
        ];
        let mut first = true;
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            url.push(if first { '?' } else { '&' });
            first = false;
            url.push_str(&format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            ));
        }
        url
    }
}

/// The pager of one list on the taxonomy page.
fn pager(page: i64, total: i64, link: impl Fn(i64) -> String) -> Pager {
    let total_pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    Pager {
        page,
        total_pages,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < total_pages).then(|| link(page + 1)),
    }
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
    status: actix_web::http::StatusCode,
    typed_author: Option<TypedAuthor>,
) -> Result<HttpResponse, AppError> {
    render_list(
        state,
        signed_in,
        ListQuery::default(),
        error,
        status,
        typed_author,
    )
    .await
}

async fn render_list(
    state: &AppState,
    signed_in: &SignedIn,
    query: ListQuery,
    error: Option<String>,
    status: actix_web::http::StatusCode,
    typed_author: Option<TypedAuthor>,
) -> Result<HttpResponse, AppError> {
    let (tag_page, author_page) = query.pages()?;
    // Searches are bounded like every input.
    let mut query = query;
    query.q = query.q.trim().chars().take(200).collect();
    query.author_q = query.author_q.trim().chars().take(200).collect();
    // A refused author form shows that author, wherever the list has them.
    let only_author = typed_author.as_ref().and_then(|t| t.id);
    let q = query.clone();
    let (all_sections, counts, tags, author_list, photo_paths) =
        db::run(&state.pool, move |conn| {
            let tags = Tag::page(conn, &q.q, tag_page, PER_PAGE)?;
            let author_list = match only_author {
                Some(id) => (1, vec![Author::find(conn, id)?]),
                None => Author::page(conn, &q.author_q, author_page, PER_PAGE)?,
            };
            let photo_ids: Vec<i32> = author_list.1.iter().filter_map(|a| a.photo_id).collect();
            Ok((
                Section::all_in_order(conn)?,
                Section::article_counts(conn)?,
                tags,
                author_list,
                media::paths(conn, &photo_ids, MediaUrl::Newsroom)?,
            ))
        })
        .await?;
    let (tag_total, tags) = tags;
    let (author_total, authors) = author_list;
    let tag_pager = pager(tag_page, tag_total, |p| query.url(p, author_page));
    let author_pager = pager(author_page, author_total, |p| query.url(tag_page, p));
    if tag_page > tag_pager.total_pages || author_page > author_pager.total_pages {
        return Err(AppError::NotFound);
    }
    let page = TaxonomyPage {
        chrome: super::chrome(state, signed_in),
        sections: all_sections
            .into_iter()
            .map(|s| {
                let n = counts
                    .iter()
                    .find(|(id, _)| *id == Some(s.id))
                    .map_or(0, |(_, n)| *n);
                (s, n)
            })
            .collect(),
        tags,
        tag_total,
        tag_pager,
        authors,
        author_total,
        author_pager,
        q: query.q,
        author_q: query.author_q,
        photo_paths,
        error,
        typed_author,
    };
    pages::render(&page, status)
}

/// `GET /admin/taxonomy`: every section, then tags and authors a page at a
/// time, each list searchable by name or slug.
pub async fn page(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let query = web::Query::<ListQuery>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .map_err(|_| AppError::BadRequest("The address has a malformed query string.".into()))?;
    render_list(
        &state,
        &signed_in,
        query,
        None,
        actix_web::http::StatusCode::OK,
        None,
    )
    .await
}

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
    signed_in.require(Role::Editor)?;
    signed_in.check_csrf(&req, super::csrf_of(&body).as_deref())?;
    let form: NamedForm = super::parse_form(&body)?;
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

fn count_of(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

fn back_to_taxonomy() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/taxonomy"))
        .finish()
}

fn item_page(page: &TaxonomyItemPage) -> Result<HttpResponse, AppError> {
    pages::render(page, actix_web::http::StatusCode::OK)
}

/// Wakes the related worker for the `moved` articles: their job rows were
/// written in the change's own transaction.
fn refresh_related(state: &AppState, moved: &[i32]) {
    if !moved.is_empty() {
        state.related_refresh.poke();
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
        chrome: super::chrome(&state, &signed_in),
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
    signed_in.require(Role::Editor)?;
    signed_in.check_csrf(&req, super::csrf_of(&body).as_deref())?;
    let form: ReplacementForm = super::parse_form(&body)?;
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
        chrome: super::chrome(&state, &signed_in),
        kind: "tag",
        id,
        name: tag.name,
        slug: tag.slug,
        article_count: count,
        choices: Vec::new(),
    })
}

/// `POST /admin/tags/{id}/delete`: takes the tag off every article and deletes it.
pub async fn delete_tag(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    signed_in.check_csrf(&req, super::csrf_of(&body).as_deref())?;
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
    signed_in.require(Role::Editor)?;
    signed_in.check_csrf(&req, super::csrf_of(&body).as_deref())?;
    let form: ReplacementForm = super::parse_form(&body)?;
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
        chrome: super::chrome(&state, &signed_in),
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
    signed_in.require(Role::Editor)?;
    signed_in.check_csrf(&req, super::csrf_of(&body).as_deref())?;
    let form: ReplacementForm = super::parse_form(&body)?;
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
