//! Admin article pages: the list (with filters and trash), the form for new
//! and existing articles (save, preview, publish, unpublish), preview of a
//! stored article, revisions, and the trash.

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::auth::{self, SignedIn};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::models::article::ArticleStatus;
use crate::models::article_form::{
    self, content_of, resolve_publication, ArticleForm, FieldErrors, ImageChange, Publication,
    Save, SaveOutcome,
};
use crate::models::article_newsroom::{
    newsroom_page, picker_choices, slugs_of, NewsroomQuery, NewsroomRow,
};
use crate::models::media_library::{self, ImageDetails};
use crate::models::user::Role;
use crate::models::{revision, Article, Author, Section, Tag};
use crate::routes::admin::form_data;
use crate::routes::pages::render;
use crate::views::admin::{
    ArticleFormPage, ArticleListPage, ArticleRow, ConflictPage, CurrentImage, NoteRow, Provenance,
    ReasonView, ReviewView, RevisionPage, RevisionsPage,
};
use crate::views::article::{article_page, load_bundle, ArticleBundle};
use crate::views::ImageView;
use crate::AppState;

/// Articles per page in the admin list.
const PER_PAGE: i64 = 50;

fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

fn status_label(a: &Article, now: NaiveDateTime) -> &'static str {
    if a.deleted_at.is_some() {
        "Deleted"
    } else if a.is_in_review() {
        "In review"
    } else if a.status == ArticleStatus::Draft.as_str() {
        "Draft"
    } else if a.is_public(now) {
        "Published"
    } else {
        "Scheduled"
    }
}

/// What a restore leaves the article as, for the flash message.
fn status_now(a: &Article, now: NaiveDateTime) -> &'static str {
    if a.status == ArticleStatus::Draft.as_str() {
        "stays a draft"
    } else if a.is_public(now) {
        "stays published"
    } else {
        "stays scheduled"
    }
}

/// Whether this user may edit this article: editors any, contributors their
/// own drafts while they are not waiting for review.
fn may_edit(signed_in: &SignedIn, a: &Article) -> bool {
    may_edit_as(signed_in.user.id, signed_in.user.can(Role::Editor), a)
}

/// [`may_edit`] for an account given by id and role (inside `db::run`).
fn may_edit_as(user_id: i32, is_editor: bool, a: &Article) -> bool {
    is_editor
        || (a.created_by == Some(user_id)
            && a.status == ArticleStatus::Draft.as_str()
            && a.submitted_at.is_none()
            && a.deleted_at.is_none())
}

/// Why a contributor may not edit an article they can see.
fn not_editable(a: &Article) -> AppError {
    if a.is_in_review() {
        AppError::Forbidden(
            "This article is waiting for review: an editor will publish it or return it to you with a note.".into(),
        )
    } else {
        AppError::Forbidden("Contributors can edit only their own drafts.".into())
    }
}

/// The user whose view is limited to their own work and public articles, if
/// the signed-in user is a contributor.
fn contributor_id(signed_in: &SignedIn) -> Option<i32> {
    (!signed_in.user.can(Role::Editor)).then_some(signed_in.user.id)
}

/// The list's filters.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    section: String,
    author: String,
    /// `1`: only the signed-in account's own articles (credited to its author profile).
    mine: String,
    q: String,
    /// `updated` (recently updated first), `headline` (A–Z); else newest first.
    sort: String,
    page: String,
}

/// The name of each account that created one of `rows`, in one query.
fn creators(conn: &mut DbConn, rows: &[NewsroomRow]) -> Result<Vec<(i32, String)>, AppError> {
    let mut ids: Vec<i32> = rows.iter().filter_map(|r| r.0.created_by).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(crate::models::article_review::user_names(conn, &ids)?)
}

/// The name of `id` among `names`, or `""`.
fn name_of(names: &[(i32, String)], id: Option<i32>) -> String {
    names
        .iter()
        .find(|(i, _)| Some(*i) == id)
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

async fn show_list(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: ListQuery,
    trash: bool,
) -> Result<HttpResponse, AppError> {
    if trash {
        signed_in.require(Role::Editor)?;
    }
    let page = match query.page.trim() {
        "" => 1,
        p => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| AppError::BadRequest("Pages are numbered from 1.".into()))?,
    };
    let now = state.clock.now();
    let contributor = contributor_id(&signed_in);
    let mut query = query;
    query.q = query.q.chars().take(200).collect();
    let my_author = signed_in.user.author_id;
    let (total, rows, all_sections, all_authors, query, creators, bylines) =
        db::run(&state.pool, move |conn| {
            let filter = NewsroomQuery {
                trash,
                status: &query.status,
                section: query.section.parse().ok(),
                author: query.author.parse().ok(),
                mine: my_author.filter(|_| query.mine == "1"),
                words: &query.q,
                sort: &query.sort,
                contributor,
            };
            let (total, rows) = newsroom_page(conn, &filter, now, (page - 1) * PER_PAGE, PER_PAGE)?;
            let creators = creators(conn, &rows)?;
            let ids: Vec<i32> = rows.iter().map(|r| r.0.id).collect();
            let bylines = Author::for_articles(conn, &ids)?;
            let all_authors = Author::all_by_name(conn)?;
            Ok((
                total,
                rows,
                Section::all_in_order(conn)?,
                all_authors,
                query,
                creators,
                bylines,
            ))
        })
        .await?;
    let tz = state.site.timezone;
    let rows = rows
        .into_iter()
        .map(|(a, section, _lead_author, changed_by)| ArticleRow {
            id: a.id,
            headline: a.headline.clone(),
            slug: a.slug.clone(),
            status_label: status_label(&a, now),
            created_by: name_of(&creators, a.created_by),
            section: section.unwrap_or_default(),
            author: bylines
                .get(&a.id)
                .map(|authors| {
                    authors
                        .iter()
                        .map(|au| au.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            updated: crate::seo::stamp(a.updated_at, tz).display,
            changed_by: changed_by.unwrap_or_default(),
            public_href: a.is_public(now).then(|| format!("/articles/{}", a.slug)),
            can_edit: may_edit(&signed_in, &a),
            in_review_preview: (!may_edit(&signed_in, &a)
                && a.is_in_review()
                && a.created_by == Some(signed_in.user.id))
            .then(|| format!("/admin/articles/{}/preview", a.id)),
        })
        .collect();
    let total_pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    // A page past the end is not "Page 99 of 2": it does not exist.
    if page > total_pages {
        return Err(AppError::NotFound);
    }
    let base = if trash { "/admin/trash" } else { "/admin" };
    let link = |p: i64| {
        let params = [
            ("status", query.status.as_str()),
            ("section", query.section.as_str()),
            ("author", query.author.as_str()),
            ("mine", query.mine.as_str()),
            ("q", query.q.as_str()),
            ("sort", query.sort.as_str()),
        ];
        let mut url = format!("{base}?page={p}");
        for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
            url.push_str(&format!(
                "&{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            ));
        }
        url
    };
    let this_page = link(page);
    let chrome = super::chrome(&state, &signed_in);
    render(
        &ArticleListPage {
            this_page,
            is_editor: signed_in.user.can(Role::Editor),
            chrome,
            heading: if trash { "Trash" } else { "Articles" },
            trash,
            rows,
            sections: all_sections,
            authors: all_authors,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < total_pages).then(|| link(page + 1)),
            status: query.status,
            section: query.section,
            author: query.author,
            has_profile: my_author.is_some(),
            mine: query.mine == "1" && my_author.is_some(),
            sort: query.sort,
            q: query.q,
            page,
            total_pages,
        },
        actix_web::http::StatusCode::OK,
    )
}

/// `GET /admin`: every article not in the trash, newest first.
pub async fn list(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = web::Query::<ListQuery>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    show_list(state, signed_in, query, false).await
}

/// `GET /admin/trash`: deleted articles, which editors can restore.
pub async fn trash(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = web::Query::<ListQuery>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    show_list(state, signed_in, query, true).await
}

/// What the form page needs besides the form.
struct FormContext {
    authors: Vec<Author>,
    sections: Vec<Section>,
    current_image: Option<CurrentImage>,
    article: Option<Article>,
    choices: Vec<(String, String)>,
    reasons: Vec<ReasonView>,
    pinned_slugs: Vec<String>,
    notes: Vec<crate::models::article_note::ArticleNote>,
    current_social_image: Option<CurrentImage>,
    /// Names of the accounts that created and last changed the article.
    created_by: String,
    updated_by: String,
    /// Recent library images for the lead image picker: (id, label).
    library_choices: Vec<(i32, String)>,
    /// The library image picked as the new lead image, if any.
    picked_image: Option<CurrentImage>,
    /// Whether the user may pick library images (editors).
    may_pick: bool,
}

/// A picked library image (its id and defaults), or why the pick was refused.
type Picked = Result<(i32, ImageDetails), String>;

/// How many recent library images the lead image picker offers.
const LIBRARY_CHOICES: i64 = 30;

/// A library image picked in the form (`typed`: its id): its defaults, once
/// it is shown as picked in `ctx`; `None` when nothing is picked; a field
/// message when `typed` names no image of the library.
fn pick_from_library(
    conn: &mut DbConn,
    ctx: &mut FormContext,
    typed: &str,
) -> Result<Option<Picked>, AppError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    if !ctx.may_pick {
        return Ok(Some(Err(
            "Only editors can use images from the library.".into()
        )));
    }
    let refused = || {
        format!(
            "There is no image {} in the library.",
            typed.chars().take(20).collect::<String>()
        )
    };
    let Ok(id) = typed.trim_start_matches('#').parse::<i32>() else {
        return Ok(Some(Err(refused())));
    };
    let Some(details) = media_library::details_if_any(conn, id)? else {
        return Ok(Some(Err(refused())));
    };
    let info = crate::models::media::info(conn, id)?;
    if !ctx.library_choices.iter().any(|(choice, _)| *choice == id) {
        let label = match details.alt.as_str() {
            "" => format!("#{id} ({}×{})", info.width, info.height),
            alt => format!("#{id} {}", alt.chars().take(60).collect::<String>()),
        };
        ctx.library_choices.insert(0, (id, label));
    }
    ctx.picked_image = Some(CurrentImage {
        src: info.path_in(crate::models::media::MediaUrl::Newsroom),
        alt: details.alt.clone(),
        width: info.width,
        height: info.height,
    });
    Ok(Some(Ok((id, details))))
}

/// Fills the form's empty image fields from a picked image's defaults.
fn fill_from_defaults(form: &mut ArticleForm, details: &ImageDetails) {
    for (field, default) in [
        (&mut form.alt, &details.alt),
        (&mut form.caption, &details.caption),
        (&mut form.credit, &details.credit),
    ] {
        if field.trim().is_empty() {
            field.clone_from(default);
        }
    }
}

/// How many recent articles the related-article picker suggests.
const PICKER_CHOICES: i64 = 500;

fn describe(reason: &crate::models::related::RelatedReason) -> String {
    if reason.pinned {
        return "pinned by an editor".into();
    }
    let mut parts = vec![
        format!("score {:.2}", f64::from(reason.score) / 1000.0),
        format!(
            "text similarity {:.2}",
            f64::from(reason.text_score) / 1000.0
        ),
    ];
    if reason.name_score > 0 {
        parts.push(format!(
            "names in common {:.2}",
            f64::from(reason.name_score) / 1000.0
        ));
    }
    let tags = reason.shared_tag_names();
    if !tags.is_empty() {
        parts.push(format!("shared tags: {}", tags.join(", ")));
    }
    if reason.same_section {
        parts.push("same section".into());
    }
    parts.join(" · ")
}

fn load_form_context(
    conn: &mut DbConn,
    article_id: Option<i32>,
    related_limit: usize,
    contributor: Option<i32>,
    now: NaiveDateTime,
) -> Result<FormContext, AppError> {
    let article = article_id.map(|id| Article::find(conn, id)).transpose()?;
    let mut current = |id: Option<i32>, alt: &str| -> Result<Option<CurrentImage>, AppError> {
        let Some(id) = id else { return Ok(None) };
        let m = crate::models::media::info(conn, id)?;
        Ok(Some(CurrentImage {
            // The form shows drafts' images too: link them behind the session.
            src: m.path_in(crate::models::media::MediaUrl::Newsroom),
            alt: alt.to_string(),
            width: m.width,
            height: m.height,
        }))
    };
    let (current_image, current_social_image) = match &article {
        Some(a) => (
            current(a.lead_image_id, &a.lead_image_alt)?,
            current(a.social_image_id, &a.social_image_alt)?,
        ),
        None => (None, None),
    };
    let (created_by, updated_by) = match &article {
        Some(a) => {
            let ids: Vec<i32> = [a.created_by, a.updated_by].into_iter().flatten().collect();
            let names = crate::models::article_review::user_names(conn, &ids)?;
            (name_of(&names, a.created_by), name_of(&names, a.updated_by))
        }
        None => (String::new(), String::new()),
    };
    let choices = picker_choices(conn, article_id, contributor, now, PICKER_CHOICES)?;
    let (reasons, pinned_slugs) = match article_id {
        Some(id) => {
            let reasons = crate::models::related::shown_with_reasons(conn, id, now)?
                .into_iter()
                .take(related_limit)
                .map(|r| ReasonView {
                    why: describe(&r),
                    headline: r.headline.clone(),
                    href: format!("/articles/{}", r.slug),
                    pinned: r.pinned,
                })
                .collect();
            let pins = crate::models::related::pins(conn, id)?;
            let slugs = slugs_of(conn, &pins)?;
            let ordered = pins
                .iter()
                .filter_map(|p| slugs.iter().find(|(id, _)| id == p).map(|(_, s)| s.clone()))
                .collect();
            (reasons, ordered)
        }
        None => (Vec::new(), Vec::new()),
    };
    let notes = match article_id {
        Some(id) => crate::models::article_note::for_article(conn, id)?,
        None => Vec::new(),
    };
    Ok(FormContext {
        // The library is the editors' (it holds drafts' and embargoed
        // photos): contributors get no picker.
        library_choices: match contributor {
            None => media_library::recent_choices(conn, LIBRARY_CHOICES)?,
            Some(_) => Vec::new(),
        },
        may_pick: contributor.is_none(),
        picked_image: None,
        notes,
        current_social_image,
        created_by,
        updated_by,
        authors: Author::all_by_name(conn)?,
        sections: Section::all_in_order(conn)?,
        current_image,
        article,
        choices,
        reasons,
        pinned_slugs,
    })
}

fn form_page(
    state: &AppState,
    signed_in: &SignedIn,
    ctx: FormContext,
    form: ArticleForm,
    errors: FieldErrors,
    image_notice: Option<String>,
) -> ArticleFormPage {
    let now = state.clock.now();
    ArticleFormPage {
        chrome: super::chrome(state, signed_in),
        article_id: ctx.article.as_ref().map(|a| a.id),
        public_href: ctx
            .article
            .as_ref()
            .filter(|a| a.is_public(now))
            .map(|a| format!("/articles/{}", a.slug)),
        is_live: ctx.article.as_ref().is_some_and(|a| a.is_public(now)),
        form,
        errors,
        authors: ctx.authors,
        sections: ctx.sections,
        current_image: ctx.current_image,
        library_choices: ctx.library_choices,
        picked_image: ctx.picked_image,
        image_notice,
        timezone: state.site.timezone.to_string(),
        choices: ctx.choices,
        reasons: ctx.reasons,
        notes: ctx
            .notes
            .iter()
            .map(|n| NoteRow {
                id: n.id,
                label: n.kind().label(),
                when: crate::seo::stamp(n.noted_at, state.site.timezone).display,
                text: n.text.clone(),
            })
            .collect(),
        now_local: article_form::format_local_datetime(now, state.site.timezone),
        current_social_image: ctx.current_social_image,
        review: ctx
            .article
            .as_ref()
            .map(|a| ReviewView {
                in_review: a.is_in_review(),
                submitted: a
                    .submitted_at
                    .map(|t| crate::seo::stamp(t, state.site.timezone).display)
                    .unwrap_or_default(),
                note: a.review_note.clone(),
                ..ReviewView::default()
            })
            .unwrap_or_default(),
        provenance: ctx.article.as_ref().map(|a| {
            let tz = state.site.timezone;
            let who = |name: &str| {
                if name.is_empty() {
                    "—".to_string()
                } else {
                    name.to_string()
                }
            };
            Provenance {
                created: format!(
                    "{}, {}",
                    who(&ctx.created_by),
                    crate::seo::stamp(a.created_at, tz).display
                ),
                changed: format!(
                    "{}, {}",
                    who(&ctx.updated_by),
                    crate::seo::stamp(a.updated_at, tz).display
                ),
            }
        }),
    }
}

/// `GET /admin/articles/new`.
pub async fn new_form(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let limit = state.site.related_limit;
    let (contributor, now) = (contributor_id(&signed_in), state.clock.now());
    // `?image=ID` (the library's "Use as lead image"): that image, picked.
    let image = web::Query::<NewFormQuery>::from_query(req.query_string())
        .map(|q| q.into_inner().image)
        .unwrap_or_default();
    // A writer's new article is theirs: credited to their author profile.
    let mut form = ArticleForm {
        status: "draft".into(),
        ..ArticleForm::default()
    }
    .with_authors(&signed_in.user.author_id.into_iter().collect::<Vec<_>>());
    let (ctx, picked) = db::run(&state.pool, move |conn| {
        let mut ctx = load_form_context(conn, None, limit, contributor, now)?;
        let picked = pick_from_library(conn, &mut ctx, &image)?;
        Ok((ctx, picked))
    })
    .await?;
    let mut errors = FieldErrors::default();
    match picked {
        Some(Ok((id, details))) => {
            form.library_image = id.to_string();
            fill_from_defaults(&mut form, &details);
        }
        Some(Err(message)) => {
            errors.0.insert("library_image", message);
        }
        None => {}
    }
    render(
        &form_page(&state, &signed_in, ctx, form, errors, None),
        actix_web::http::StatusCode::OK,
    )
}

/// The new-article form's query: a library image to start from.
#[derive(serde::Deserialize, Default)]
struct NewFormQuery {
    #[serde(default)]
    image: String,
}

/// `GET /admin/articles/{id}/edit`.
pub async fn edit_form(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    render_edit(state, signed_in, id.into_inner(), None).await
}

/// The edit page of article `id`; with `refused_note`, the review note an
/// editor typed and why it was refused (the page is then a 422).
async fn render_edit(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: i32,
    refused_note: Option<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let limit = state.site.related_limit;
    let (contributor, now) = (contributor_id(&signed_in), state.clock.now());
    let (ctx, content) = db::run(&state.pool, move |conn| {
        let ctx = load_form_context(conn, Some(id), limit, contributor, now)?;
        let content = content_of(conn, ctx.article.as_ref().expect("loaded"))?;
        Ok((ctx, content))
    })
    .await?;
    let article = ctx.article.as_ref().expect("loaded");
    if !may_edit(&signed_in, article) {
        return Err(not_editable(article));
    }
    let mut form = ArticleForm::from_content(&content, article.version, state.site.timezone);
    form.set_pinned_slugs(&ctx.pinned_slugs);
    let mut page = form_page(&state, &signed_in, ctx, form, FieldErrors::default(), None);
    if let Some((typed, message)) = refused_note {
        page.review.note_input = typed;
        page.review.note_error = Some(message);
        return render(&page, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
    render(&page, actix_web::http::StatusCode::OK)
}

/// `POST /admin/articles/{id}/return`: an editor sends an article in the
/// review queue back to its writer with a note (required, at most
/// [`article_review::MAX_NOTE`] characters). A refused note comes back on
/// the edit page as typed.
pub async fn return_to_writer(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    use crate::models::article_review;
    signed_in.require(Role::Editor)?;
    signed_in.check_csrf(&req, super::csrf_of(&body).as_deref())?;
    #[derive(Deserialize)]
    struct ReturnForm {
        #[serde(default)]
        note: String,
    }
    let form: ReturnForm = super::parse_form(&body)?;
    let id = id.into_inner();
    let note = match article_review::check_note(&form.note) {
        Ok(note) => note,
        Err(message) => {
            return render_edit(state, signed_in, id, Some((form.note, message))).await;
        }
    };
    let now = state.clock.now();
    let by = signed_in.user.id;
    let returned = db::run(&state.pool, move |conn| {
        Ok(article_review::return_to_writer(conn, id, &note, by, now)?)
    })
    .await?;
    auth::flash(
        &signed_in.session,
        if returned {
            "Returned to the writer with your note. It is a draft again and has left the review queue."
        } else {
            "This article is no longer waiting for review (published or returned meanwhile); nothing was changed."
        },
    );
    Ok(see_other(format!("/admin/articles/{id}/edit")))
}

/// `POST /admin/articles`: create.
pub async fn create(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    save_form(state, signed_in, req, payload, None).await
}

/// `POST /admin/articles/{id}`: save, preview, publish or unpublish.
pub async fn update(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    payload: Multipart,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    save_form(state, signed_in, req, payload, Some(id.into_inner())).await
}

async fn save_form(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    payload: Multipart,
    article_id: Option<i32>,
) -> Result<HttpResponse, AppError> {
    let (fields, mut uploads) = form_data::read(payload, &["image", "social_image"]).await?;
    signed_in.check_csrf(&req, fields.get(auth::CSRF_FIELD).map(String::as_str))?;
    let upload = form_data::take(&mut uploads, "image");
    let social_upload = form_data::take(&mut uploads, "social_image");
    let action = fields
        .get("action")
        .cloned()
        .unwrap_or_else(|| "save".into());
    let form: ArticleForm = serde_json::to_value(&fields)
        .and_then(serde_json::from_value)
        .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
    let publication = match action.as_str() {
        "publish" => Publication::PublishNow,
        "unpublish" => Publication::Unpublish,
        "submit" => Publication::Submit,
        _ => Publication::AsChosen,
    };
    let is_editor = signed_in.user.can(Role::Editor);
    // Checked before the text is parsed further or any image decoded: a
    // forged publish, schedule or unpublish from a contributor changes nothing.
    if !is_editor
        && (!matches!(publication, Publication::AsChosen | Publication::Submit)
            || !matches!(form.status.as_str(), "" | "draft"))
    {
        return Err(AppError::Forbidden(
            "Contributors can save drafts but cannot publish or schedule.".into(),
        ));
    }

    // A contributor's save of someone else's article, or of their own while
    // it waits for review, is refused before any image is decoded.
    if let (false, Some(id)) = (is_editor, article_id) {
        let article = db::run(&state.pool, move |conn| Ok(Article::find(conn, id)?)).await?;
        if !may_edit(&signed_in, &article) {
            return Err(not_editable(&article));
        }
    }

    // Decode and resize off the async workers; a refused file is a field error.
    let (copies, image_error) = match upload.process().await? {
        Ok(copies) => (copies, None),
        Err(message) => (None, Some(message)),
    };
    let (social_copies, social_error) = match social_upload.process().await? {
        Ok(copies) => (copies, None),
        Err(message) => (None, Some(message)),
    };
    let had_upload = copies.is_some()
        || image_error.is_some()
        || social_copies.is_some()
        || social_error.is_some();

    let tz = state.site.timezone;
    let now = state.clock.now();
    let form_for_check = form.clone();
    let typed_details = ImageDetails {
        alt: form.alt.trim().to_string(),
        caption: form.caption.trim().to_string(),
        credit: form.credit.trim().to_string(),
    };
    let origin = state.site.base_url.clone();
    let has_new_image = copies.is_some();
    let limit = state.site.related_limit;
    let contributor = contributor_id(&signed_in);
    let user_id = signed_in.user.id;
    let (ctx, checked, form, picked) = db::run(&state.pool, move |conn| {
        let mut form_for_check = form_for_check;
        let mut ctx = load_form_context(conn, article_id, limit, contributor, now)?;
        // Whose article it is is settled before the form is validated.
        if let Some(article) = &ctx.article {
            if !may_edit_as(user_id, is_editor, article) {
                return Err(not_editable(article));
            }
        }
        // A library image picked as the lead image (a chosen file wins):
        // its defaults fill the image fields the editor left empty.
        let picked = match has_new_image {
            true => None,
            false => pick_from_library(conn, &mut ctx, &form_for_check.library_image)?,
        };
        if let Some(Ok((_, details))) = &picked {
            fill_from_defaults(&mut form_for_check, details);
        }
        let keeps_image = ctx
            .article
            .as_ref()
            .is_some_and(|a| a.lead_image_id.is_some())
            && form_for_check.remove_image.is_empty();
        let picks_image = matches!(picked, Some(Ok(_)));
        let checked = form_for_check.validate(
            conn,
            article_id,
            has_new_image || keeps_image || picks_image,
            tz,
            &origin,
        )?;
        Ok((ctx, checked, form_for_check, picked))
    })
    .await?;
    let mut errors = match &checked {
        Ok(_) => FieldErrors::default(),
        Err(errors) => errors.clone(),
    };
    let picked_id = match picked {
        Some(Ok((id, _))) => Some(id),
        Some(Err(message)) => {
            errors.0.insert("library_image", message);
            None
        }
        None => None,
    };
    if let Some(message) = image_error {
        errors.0.insert("image", message);
    }
    if let Some(message) = social_error {
        errors.0.insert("social_image", message);
    }
    if !errors.is_empty() {
        let notice = had_upload
            .then(|| "Nothing was saved, so please choose the image file again.".to_string());
        return render(
            &form_page(&state, &signed_in, ctx, form, errors, notice),
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let valid = checked.expect("no errors");

    if action == "preview" {
        let image = match (copies, picked_id) {
            (Some(copies), _) => PreviewImage::New(copies),
            (None, Some(id)) => PreviewImage::Library(id),
            (None, None) if !form.remove_image.is_empty() => PreviewImage::Removed,
            (None, None) => PreviewImage::Kept,
        };
        // A newly chosen social image is not shown in a preview (it is in
        // no part of the page readers see, only in what platforms read).
        let social_kept = form.remove_social_image.is_empty();
        return preview_unsaved(&state, ctx, valid, image, social_kept, now).await;
    }

    let (status, published_at) = match resolve_publication(
        valid.status,
        valid.publish_at,
        publication,
        ctx.article.as_ref(),
        now,
        !form.backdate.is_empty(),
    ) {
        Ok(resolved) => resolved,
        Err(message) => {
            let mut errors = FieldErrors::default();
            errors.0.insert("publish_at", message.into());
            let notice = had_upload
                .then(|| "Nothing was saved, so please choose the image file again.".to_string());
            return render(
                &form_page(&state, &signed_in, ctx, form, errors, notice),
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let started_from = form.started_from();
    let remove = !form.remove_image.is_empty();
    let remove_social = !form.remove_social_image.is_empty();
    let submit = publication == Publication::Submit;
    let outcome = db::run(&state.pool, move |conn| {
        let image = match (copies, picked_id) {
            (Some(copies), _) => {
                let id = crate::models::media::store_upload(conn, &copies, now)?;
                // What the editor typed for it becomes the image's defaults.
                media_library::adopt_details(conn, id, &typed_details)?;
                ImageChange::Replace(id)
            }
            (None, Some(id)) => ImageChange::Replace(id),
            (None, None) if remove => ImageChange::Remove,
            (None, None) => ImageChange::Keep,
        };
        let social_image = match social_copies {
            Some(copies) => {
                ImageChange::Replace(crate::models::media::store_upload(conn, &copies, now)?)
            }
            None if remove_social => ImageChange::Remove,
            None => ImageChange::Keep,
        };
        article_form::save(
            conn,
            Save {
                article_id,
                started_from,
                valid: &valid,
                status,
                published_at,
                image,
                social_image,
                submit,
                user_id,
                now,
                pins: Some(&valid.pins),
            },
        )
    })
    .await?;
    match outcome {
        SaveOutcome::Saved { id, .. } => {
            // Other articles' related lists may change; recompute them without making the editor wait.
            state.related_refresh.poke();
            // Every message says what readers now get, so no save publishes
            // or hides anything without the editor reading it.
            let public = article_form::describe_publication(status, published_at, now, tz);
            let message = match publication {
                Publication::Unpublish => format!("Unpublished: {public}"),
                Publication::Submit => "Submitted for review: an editor will publish it or return it to you with a note. Until then it is not public.".into(),
                _ => public,
            };
            auth::flash(&signed_in.session, &message);
            if submit && !is_editor {
                // The draft is the editors' now: the writer's own list shows it "In review".
                return Ok(see_other("/admin".into()));
            }
            Ok(see_other(format!("/admin/articles/{id}/edit")))
        }
        SaveOutcome::SlugTaken => {
            let mut errors = FieldErrors::default();
            errors.0.insert(
                "slug",
                "Another article took this slug a moment ago. Choose a different one.".into(),
            );
            render(
                &form_page(&state, &signed_in, ctx, form, errors, None),
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        SaveOutcome::Conflict => {
            let id = article_id.expect("conflicts happen only on existing articles");
            let theirs = db::run(&state.pool, move |conn| {
                let current = Article::find(conn, id)?;
                Ok((content_of(conn, &current)?, current.version))
            })
            .await?;
            render(
                &ConflictPage {
                    chrome: super::chrome(&state, &signed_in),
                    article_id: id,
                    yours: form,
                    theirs: ArticleForm::from_content(&theirs.0, theirs.1, tz),
                },
                actix_web::http::StatusCode::CONFLICT,
            )
        }
    }
}

/// The lead image of an unsaved preview, as the form says.
enum PreviewImage {
    /// The stored article's image, if it has one.
    Kept,
    /// "Remove the current image" is ticked: none.
    Removed,
    /// A newly chosen file (its resized copies, widest first), not stored:
    /// shown inline.
    New(Vec<crate::images::Encoded>),
    /// An image picked from the library.
    Library(i32),
}

/// The copy of a new upload an unsaved preview shows, inline as a `data:`
/// URL: the narrowest at least 800 pixels wide (the page's column), so the
/// preview stays light.
fn inline_image(copies: &[crate::images::Encoded], alt: &str) -> Option<ImageView> {
    let own_shape = || {
        copies
            .iter()
            .filter(|c| c.aspect.is_empty() && c.content_type != crate::images::WEBP)
    };
    let copy = own_shape()
        .rev()
        .find(|c| c.width >= 800)
        .or(copies.first())?;
    Some(ImageView {
        src: format!("data:{};base64,{}", copy.content_type, base64(&copy.data)),
        alt: alt.to_string(),
        width: copy.width as i32,
        height: copy.height as i32,
        srcset: None,
        webp_srcset: None,
        content_type: copy.content_type.to_string(),
    })
}

/// Standard base64 with padding (RFC 4648).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The real article page built from the form as typed, not stored.
async fn preview_unsaved(
    state: &AppState,
    ctx: FormContext,
    valid: article_form::ValidArticle,
    image: PreviewImage,
    social_kept: bool,
    now: NaiveDateTime,
) -> Result<HttpResponse, AppError> {
    let site = state.site.clone();
    let existing = ctx.article;
    let alt = valid.alt.clone();
    let lead_image_id = match &image {
        PreviewImage::Kept => existing.as_ref().and_then(|a| a.lead_image_id),
        PreviewImage::Library(id) => Some(*id),
        PreviewImage::Removed | PreviewImage::New(_) => None,
    };
    let keeps_social_image = social_kept;
    let bundle = db::run(&state.pool, move |conn| {
        let base = existing.clone();
        let article = Article {
            id: base.as_ref().map_or(0, |a| a.id),
            slug: valid.slug.clone(),
            headline: valid.headline.clone(),
            standfirst: valid.standfirst.clone(),
            body: valid.body.clone(),
            kicker: valid.kicker.clone(),
            section_id: valid.section_id,
            author_id: valid.author_ids.first().copied(),
            lead_image_id,
            lead_image_alt: valid.alt.clone(),
            lead_image_caption: valid.caption.clone(),
            lead_image_credit: valid.credit.clone(),
            desk_heading: valid.desk_heading.clone(),
            desk_text: valid.desk_text.clone(),
            status: valid.status.as_str().into(),
            published_at: base.as_ref().and_then(|a| a.published_at).or(Some(now)),
            created_at: base.as_ref().map_or(now, |a| a.created_at),
            updated_at: now,
            deleted_at: None,
            version: base.as_ref().map_or(0, |a| a.version),
            word_count: crate::models::article::count_words(&valid.body),
            created_by: base.as_ref().and_then(|a| a.created_by),
            body_html: Some(valid.body_html.clone()),
            updated_by: base.as_ref().and_then(|a| a.updated_by),
            submitted_at: None,
            review_note: String::new(),
            seo_title: valid.seo_title.clone(),
            seo_description: valid.seo_description.clone(),
            social_image_id: base
                .as_ref()
                .and_then(|a| a.social_image_id)
                .filter(|_| keeps_social_image),
            social_image_alt: valid.social_alt.clone(),
            canonical_url: valid.canonical_url.clone(),
            noindex: valid.noindex,
        };
        let mut bundle: ArticleBundle = load_bundle(conn, &site, article, now)?;
        // The authors as chosen in the form, not as stored.
        bundle.authors = Author::in_order(conn, &valid.author_ids)?;
        bundle.takeaways = valid.takeaways.clone();
        bundle.tags = valid
            .tags
            .iter()
            .map(|name| Tag {
                id: 0,
                slug: crate::slug::slugify(name),
                name: name.clone(),
            })
            .collect();
        Ok(bundle)
    })
    .await?;
    let mut page = article_page(&state.site, bundle, true);
    if let PreviewImage::New(copies) = &image {
        page.image = inline_image(copies, &alt);
    }
    preview_response(&page)
}

fn preview_response(page: &impl Template) -> Result<HttpResponse, AppError> {
    // The admin scope's X-Robots-Tag (noindex, nofollow) covers previews too.
    render(page, actix_web::http::StatusCode::OK)
}

/// `GET /admin/articles/{id}/preview`: the stored article as readers would see it, with a banner.
pub async fn preview(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let site = state.site.clone();
    let bundle = db::run(&state.pool, move |conn| {
        let article = Article::find(conn, id)?;
        load_bundle(conn, &site, article, now)
    })
    .await?;
    // A contributor previews their own articles (a draft in review too).
    if !signed_in.user.can(Role::Editor) && bundle.article.created_by != Some(signed_in.user.id) {
        return Err(AppError::Forbidden(
            "Contributors can preview only their own drafts.".into(),
        ));
    }
    preview_response(&article_page(&state.site, bundle, true))
}

/// Moves an article into (`Some(time)`) or out of (`None`) the trash, then
/// refreshes the related lists it was or will be on.
async fn set_trashed(
    state: &AppState,
    signed_in: &SignedIn,
    req: &HttpRequest,
    body: &[u8],
    id: i32,
    deleted_at: Option<NaiveDateTime>,
) -> Result<(), AppError> {
    signed_in.require(Role::Editor)?;
    signed_in.check_csrf(req, super::csrf_of(body).as_deref())?;
    let now = state.clock.now();
    let user_id = signed_in.user.id;
    db::run(&state.pool, move |conn| {
        Article::set_trashed(conn, id, deleted_at, now, Some(user_id)).map_err(AppError::from)
    })
    .await?;
    state.related_refresh.poke();
    Ok(())
}

/// `POST /admin/articles/{id}/delete`: to the trash (never public from then on).
pub async fn delete(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    set_trashed(
        &state,
        &signed_in,
        &req,
        &body,
        id.into_inner(),
        Some(state.clock.now()),
    )
    .await?;
    auth::flash(
        &signed_in.session,
        "Moved to the trash. Editors can restore it from there.",
    );
    Ok(see_other("/admin/trash".into()))
}

/// `POST /admin/articles/{id}/restore`: back from the trash, with the status it had.
pub async fn restore(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    set_trashed(&state, &signed_in, &req, &body, id, None).await?;
    auth::flash(&signed_in.session, "Restored from the trash.");
    Ok(see_other(format!("/admin/articles/{id}/edit")))
}

/// `POST /admin/articles/bulk`: one action over the ticked articles (or
/// every article of the page with "all on this page"), in one transaction,
/// each article under the rules of its single action; the message says how
/// many changed and which were refused and why. Works without JavaScript.
pub async fn bulk(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    use crate::models::article_bulk::{self, Actor, BulkAction, SiteRules};
    signed_in.check_csrf(&req, super::csrf_of(&body).as_deref())?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let action = match field("action") {
        "trash" => BulkAction::Trash,
        "restore" => BulkAction::Restore,
        "publish" => BulkAction::Publish,
        "move" => BulkAction::MoveTo(field("section").parse().map_err(|_| {
            AppError::BadRequest("Choose a section to move the articles to.".into())
        })?),
        _ => return Err(AppError::BadRequest("Choose an action.".into())),
    };
    // The same roles as the single actions: only editors trash, restore
    // and publish; a contributor may move their own drafts (checked per article).
    if !matches!(action, BulkAction::MoveTo(_)) {
        signed_in.require(Role::Editor)?;
    }
    let chosen = if field("all_on_page").is_empty() {
        "ids"
    } else {
        "page_ids"
    };
    let mut ids: Vec<i32> = fields
        .iter()
        .filter(|(k, _)| k == chosen)
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let back = super::session::safe_next(Some(field("back")));
    if ids.is_empty() {
        auth::flash(&signed_in.session, "Tick at least one article first.");
        return Ok(see_other(back));
    }
    if ids.len() > article_bulk::MAX_ARTICLES {
        return Err(AppError::BadRequest(format!(
            "At most {} articles at a time.",
            article_bulk::MAX_ARTICLES
        )));
    }
    let actor = Actor {
        user_id: signed_in.user.id,
        is_editor: signed_in.user.can(Role::Editor),
    };
    let rules = SiteRules {
        timezone: state.site.timezone,
        origin: state.site.base_url.clone(),
    };
    let now = state.clock.now();
    let (outcome, section_name) = db::run(&state.pool, move |conn| {
        let outcome = article_bulk::apply(conn, action, &ids, actor, now, &rules)?;
        let section_name = match action {
            BulkAction::MoveTo(id) => Some(Section::find(conn, id)?.name),
            _ => None,
        };
        Ok((outcome, section_name))
    })
    .await?;
    if !outcome.changed.is_empty() {
        // Their job rows were written with the changes.
        state.related_refresh.poke();
    }
    auth::flash(
        &signed_in.session,
        &outcome.message(action, section_name.as_deref()),
    );
    Ok(see_other(back))
}

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
            chrome: super::chrome(&state, &signed_in),
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
            chrome: super::chrome(&state, &signed_in),
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
    signed_in.require(Role::Editor)?;
    signed_in.check_csrf(&req, super::csrf_of(&body).as_deref())?;
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

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648() {
        for (raw, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(raw.as_bytes()), encoded);
        }
    }
}
