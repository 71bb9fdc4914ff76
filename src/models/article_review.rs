//! The review workflow (issue 11): a contributor submits a draft (a save
//! with the "Submit for review" button, see `article_form::save`), editors
//! find it in the queue ([`crate::models::article::in_review`]) and either
//! publish it (an ordinary publish, which clears the flag and the note) or
//! return it here with a note the writer reads on the edit page. The article
//! is a draft throughout, so nothing in review is ever public.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::article::in_review;
use crate::schema::{articles, users};

/// The longest note an editor may leave, in characters.
pub const MAX_NOTE: usize = 2_000;

/// Why a note was refused: the message for the editor.
pub fn check_note(note: &str) -> Result<String, String> {
    let note = note.trim().replace("\r\n", "\n");
    if note.is_empty() {
        Err("Say what the writer should change before it can be published.".into())
    } else if note.chars().count() > MAX_NOTE {
        Err(format!(
            "Keep the note to {MAX_NOTE} characters (it has {}).",
            note.chars().count()
        ))
    } else {
        Ok(note)
    }
}

/// Returns an article in the queue to its writer with `note`: it leaves the
/// queue and stays a draft the writer can edit again. `false` (and nothing
/// written) when the article is not waiting for review.
pub fn return_to_writer(
    conn: &mut DbConn,
    id: i32,
    note: &str,
    by: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        // The queue's own filter in the update: an article published or
        // returned by someone else a moment ago is left alone.
        let changed = diesel::update(
            articles::table
                .filter(articles::id.eq(id))
                .filter(in_review()),
        )
        .set((
            articles::submitted_at.eq(None::<NaiveDateTime>),
            articles::review_note.eq(note),
            articles::updated_by.eq(Some(by)),
            articles::updated_at.eq(now),
        ))
        .execute(conn)?;
        Ok(changed == 1)
    })
}

/// The names of the accounts with these ids (for "created by" and "changed
/// by"), in one query; ids of deleted accounts are missing.
pub fn user_names(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<(i32, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(conn)
}
