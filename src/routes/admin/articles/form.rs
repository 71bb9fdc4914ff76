//! The article form, new and existing: what it loads besides the article
//! (authors, sections, images, related picks, notes) and how it is shown.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;

use super::list::name_of;
use super::{contributor_id, may_edit, not_editable};
use crate::auth::SignedIn;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::models::article_form::{self, content_of, ArticleForm, FieldErrors};
use crate::models::article_newsroom::{picker_choices, slugs_of};
use crate::models::media_library::{self, ImageDetails};
use crate::models::{Article, Author, Section};
use crate::routes::admin::{self};
use crate::routes::pages::render;
use crate::views::admin::{
    ArticleFormPage, CurrentImage, NoteRow, Provenance, ReasonView, ReviewView,
};
use crate::views::live::LivePanel;
use crate::AppState;

/// What the form page needs besides the form.
pub(super) struct FormContext {
    authors: Vec<Author>,
    sections: Vec<Section>,
    current_image: Option<CurrentImage>,
    pub(super) article: Option<Article>,
    choices: Vec<(String, String)>,
    reasons: Vec<ReasonView>,
    pinned_slugs: Vec<String>,
    notes: Vec<crate::models::article_note::ArticleNote>,
    /// Live coverage and its posts, for the "Live coverage" panel.
    live: crate::models::live_post::CoverageWithPosts,
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
pub(super) fn pick_from_library(
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
pub(super) fn fill_from_defaults(form: &mut ArticleForm, details: &ImageDetails) {
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

pub(super) fn load_form_context(
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
        live: match article_id {
            Some(id) => crate::models::live_post::with_posts(conn, id)?,
            None => Default::default(),
        },
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

pub(super) fn form_page(
    state: &AppState,
    signed_in: &SignedIn,
    ctx: FormContext,
    form: ArticleForm,
    errors: FieldErrors,
    image_notice: Option<String>,
) -> ArticleFormPage {
    let now = state.clock.now();
    ArticleFormPage {
        chrome: admin::chrome(state, signed_in),
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
        live: LivePanel::new(ctx.live.0.as_ref(), &ctx.live.1, state.site.timezone),
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
pub(super) async fn render_edit(
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
