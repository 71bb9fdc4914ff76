//! Moving an article between states from the admin: back to its writer
//! with a note, into the trash, and out of it.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::form::render_edit;
use super::see_other;
use crate::auth::{self, SignedIn};
use crate::db::{self};
use crate::error::AppError;
use crate::models::user::Role;
use crate::models::Article;
use crate::routes::admin::{self};
use crate::AppState;

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
    #[derive(Deserialize)]
    struct ReturnForm {
        #[serde(default)]
        note: String,
    }
    let form: ReturnForm = admin::accept_form(&signed_in, Role::Editor, &req, &body)?;
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
    admin::accept(signed_in, Role::Editor, req, body)?;
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
