//! Saving the article form: create, update, publish, schedule and
//! unpublish, with validation, edit conflicts and uploads.

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::{fill_from_defaults, form_page, load_form_context, pick_from_library};
use super::preview::{preview_unsaved, PreviewImage};
use super::{contributor_id, may_edit, may_edit_as, not_editable, see_other};
use crate::auth::{self, SignedIn};
use crate::db::{self};
use crate::error::AppError;
use crate::models::article_form::{
    self, content_of, resolve_publication, ArticleForm, FieldErrors, ImageChange, Publication,
    Save, SaveOutcome,
};
use crate::models::media_library::{self, ImageDetails};
use crate::models::user::Role;
use crate::models::Article;
use crate::routes::admin::{self, form_data};
use crate::routes::pages::render;
use crate::views::admin::ConflictPage;
use crate::AppState;

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
                    chrome: admin::chrome(&state, &signed_in),
                    article_id: id,
                    yours: form,
                    theirs: ArticleForm::from_content(&theirs.0, theirs.1, tz),
                },
                actix_web::http::StatusCode::CONFLICT,
            )
        }
    }
}
