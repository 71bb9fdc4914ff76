//! Corrections and updates on the article edit page: editors add a dated
//! public note to a published article, or delete one. Each write records a
//! public change (in `models::article_note`), so cached pages drop at once.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::{self, SignedIn};
use crate::db;
use crate::error::AppError;
use crate::models::article_form::parse_local_datetime;
use crate::models::article_note::{self, NewNote, NoteKind};
use crate::models::user::Role;
use crate::AppState;

/// The "add a note" form.
#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone; empty means now.
    #[serde(default)]
    noted_at: String,
}

fn back_to_article(id: i32) -> HttpResponse {
    super::see_other(format!("/admin/articles/{id}/edit#notes"))
}

/// `POST /admin/articles/{id}/notes`: adds a correction or update.
pub async fn create(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: NoteForm = super::accept_form(&signed_in, Role::Editor, &req, &body)?;
    let id = id.into_inner();
    let now = state.clock.now();
    let tz = state.site.timezone;
    let noted_at = match form.noted_at.trim() {
        "" => None,
        text => Some(parse_local_datetime(text, tz).ok_or_else(|| {
            AppError::BadRequest(format!(
                "“{}” is not a date and time; leave it empty for now.",
                text.chars().take(40).collect::<String>()
            ))
        })?),
    };
    let new = NewNote::validate(
        id,
        &form.kind,
        &form.text,
        noted_at,
        Some(signed_in.user.id),
        now,
    )?;
    let kind = new.kind;
    db::run(&state.pool, move |conn| article_note::add(conn, &new, now)).await?;
    auth::flash(
        &signed_in.session,
        match kind {
            NoteKind::Correction => {
                "Correction added. It shows on the article and on the corrections page."
            }
            NoteKind::Update => "Update added. It shows on the article.",
        },
    );
    Ok(back_to_article(id))
}

/// `POST /admin/notes/{id}/delete`: removes a correction or update.
pub async fn delete(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let note_id = id.into_inner();
    let delete = move |conn: &mut db::DbConn, now| article_note::delete(conn, note_id, now);
    super::article_action(
        &state,
        &signed_in,
        &req,
        &body,
        delete,
        "Note deleted.",
        "notes",
    )
    .await
}
