//! Admin article pages, one file per job: the list with its filters and
//! bulk actions (`list`), the form (`form`) and what a save does (`save`),
//! previews (`preview`), moving an article between states (`status`: return
//! to its writer, trash, restore) and revisions (`revisions`). What they share
//! (who may edit what, status labels) is here.

pub mod form;
pub mod list;
pub mod preview;
pub mod revisions;
pub mod save;
pub mod status;

use chrono::NaiveDateTime;

use crate::auth::SignedIn;
use crate::error::AppError;
use crate::models::article::ArticleStatus;
use crate::models::user::Role;
use crate::models::Article;

use super::see_other;

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
