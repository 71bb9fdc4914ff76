//! Corrections and updates: dated public notes an editor adds to a published
//! article. They show on the article (newest first), in its JSON-LD, and
//! corrections also on `/corrections` and its feeds.
//!
//! Adding a note is the one place that moves an article's public modified
//! date to the note's time (`articles.updated_at`, which the page's
//! `dateModified`, `Last-Modified`, the feeds' `updated` and the sitemaps'
//! `lastmod` all read), so every reader of that date agrees without knowing
//! about notes. A silent fix (a plain save) adds no note.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbBackend, DbConn};
use crate::error::AppError;
use crate::models::article::public_at;
use crate::models::Article;
use crate::schema::{article_notes, articles};

/// Longest note text, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// What a note says about the article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// Something published was wrong and has been put right.
    Correction,
    /// Something was added or changed since publication.
    Update,
}

impl NoteKind {
    /// The stored form.
    pub const fn as_str(self) -> &'static str {
        match self {
            NoteKind::Correction => "correction",
            NoteKind::Update => "update",
        }
    }

    /// The label readers see.
    pub const fn label(self) -> &'static str {
        match self {
            NoteKind::Correction => "Correction",
            NoteKind::Update => "Update",
        }
    }

    /// The kind of a stored or submitted value.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "correction" => Some(NoteKind::Correction),
            "update" => Some(NoteKind::Update),
            _ => None,
        }
    }
}

/// A stored note.
#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = article_notes)]
pub struct ArticleNote {
    pub id: i32,
    pub article_id: i32,
    pub kind: String,
    /// Plain text; blank lines separate paragraphs. Escaped wherever shown.
    pub text: String,
    /// The date readers see, and the article's modified date from then on.
    pub noted_at: NaiveDateTime,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
}

impl ArticleNote {
    /// The note's kind (an unknown stored value reads as an update, the milder claim).
    pub fn kind(&self) -> NoteKind {
        NoteKind::parse(&self.kind).unwrap_or(NoteKind::Update)
    }
}

/// A note to add, already checked by [`NewNote::validate`].
#[derive(Debug, Clone)]
pub struct NewNote {
    pub article_id: i32,
    pub kind: NoteKind,
    pub text: String,
    pub noted_at: NaiveDateTime,
    pub created_by: Option<i32>,
}

impl NewNote {
    /// Checks what an editor submitted: a known kind, a text of 1 to
    /// [`MAX_TEXT_CHARS`] characters, and a date that is not in the future
    /// (`None` means now). Line endings are normalised and the text trimmed.
    pub fn validate(
        article_id: i32,
        kind: &str,
        text: &str,
        noted_at: Option<NaiveDateTime>,
        created_by: Option<i32>,
        now: NaiveDateTime,
    ) -> Result<NewNote, AppError> {
        let kind = NoteKind::parse(kind).ok_or_else(|| {
            AppError::BadRequest("Choose whether the note is a correction or an update.".into())
        })?;
        let text = text.replace("\r\n", "\n").trim().to_string();
        if text.is_empty() {
            return Err(AppError::BadRequest(
                "The note needs a text: say what was corrected or updated.".into(),
            ));
        }
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(AppError::BadRequest(format!(
                "The note is {chars} characters long; at most {MAX_TEXT_CHARS} are allowed."
            )));
        }
        let noted_at = noted_at.unwrap_or(now);
        if noted_at > now {
            return Err(AppError::BadRequest(
                "A note's date cannot be in the future.".into(),
            ));
        }
        Ok(NewNote {
            article_id,
            kind,
            text,
            noted_at: crate::clock::truncate_to_micros(noted_at),
            created_by,
        })
    }
}

/// Adds a note to a public article and moves the article's modified date to
/// the note's time (never back), recording a public change. A draft,
/// scheduled, trashed or missing article is refused with a message saying
/// why; a note dated before the article was published too.
pub fn add(conn: &mut DbConn, new: &NewNote, now: NaiveDateTime) -> Result<i32, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let article = articles::table
            .find(new.article_id)
            .select(Article::as_select())
            .first(conn)?;
        if !article.is_public(now) {
            return Err(AppError::BadRequest(
                "Corrections and updates can be added only to a published article. \
                 Until it is published, edit it instead."
                    .into(),
            ));
        }
        if article.published_at.is_some_and(|p| new.noted_at < p) {
            return Err(AppError::BadRequest(
                "A note cannot be dated before the article was published.".into(),
            ));
        }
        let id = diesel::insert_into(article_notes::table)
            .values((
                article_notes::article_id.eq(new.article_id),
                article_notes::kind.eq(new.kind.as_str()),
                article_notes::text.eq(&new.text),
                article_notes::noted_at.eq(new.noted_at),
                article_notes::created_by.eq(new.created_by),
                article_notes::created_at.eq(now),
            ))
            .returning(article_notes::id)
            .get_result(conn)?;
        if new.noted_at > article.updated_at {
            diesel::update(articles::table.find(new.article_id))
                .set(articles::updated_at.eq(new.noted_at))
                .execute(conn)?;
        }
        crate::models::public_change::record(conn, now)?;
        Ok(id)
    })
}

/// Deletes a note and returns its article's id; a public change is recorded
/// when the article is public. The article's modified date stays where it is.
pub fn delete(conn: &mut DbConn, note_id: i32, now: NaiveDateTime) -> Result<i32, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let note = article_notes::table
            .find(note_id)
            .select(ArticleNote::as_select())
            .first(conn)?;
        diesel::delete(article_notes::table.find(note_id)).execute(conn)?;
        let public = articles::table
            .find(note.article_id)
            .filter(public_at(now))
            .select(articles::id)
            .first::<i32>(conn)
            .optional()?
            .is_some();
        if public {
            crate::models::public_change::record(conn, now)?;
        }
        Ok(note.article_id)
    })
}

/// An article's notes, newest first.
pub fn for_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<ArticleNote>> {
    article_notes::table
        .filter(article_notes::article_id.eq(article_id))
        .order((article_notes::noted_at.desc(), article_notes::id.desc()))
        .select(ArticleNote::as_select())
        .load(conn)
}

/// A correction as the corrections page and feed list it.
#[derive(Queryable, Debug, Clone, PartialEq)]
pub struct ListedCorrection {
    pub note: ArticleNote,
    pub slug: String,
    pub headline: String,
}

/// One page of corrections on public articles, newest first (ties by id).
/// Updates are never listed; nor are notes of drafts, scheduled or trashed
/// articles.
pub fn public_corrections(
    conn: &mut DbConn,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<ListedCorrection>> {
    article_notes::table
        .inner_join(articles::table)
        .filter(article_notes::kind.eq(NoteKind::Correction.as_str()))
        .filter(public_at(now))
        .order((article_notes::noted_at.desc(), article_notes::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((
            <ArticleNote as Selectable<DbBackend>>::construct_selection(),
            articles::slug,
            articles::headline,
        ))
        .load(conn)
}

/// How many corrections [`public_corrections`] lists over all pages.
pub fn count_public_corrections(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<i64> {
    article_notes::table
        .inner_join(articles::table)
        .filter(article_notes::kind.eq(NoteKind::Correction.as_str()))
        .filter(public_at(now))
        .count()
        .get_result(conn)
}

/// The time of the newest public correction, if any (the corrections page's
/// `lastmod` in the sitemap).
pub fn newest_public_correction(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    article_notes::table
        .inner_join(articles::table)
        .filter(article_notes::kind.eq(NoteKind::Correction.as_str()))
        .filter(public_at(now))
        .select(diesel::dsl::max(article_notes::noted_at))
        .first(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2027, 3, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    #[test]
    fn notes_need_a_kind_a_bounded_text_and_a_past_date() {
        let ok = NewNote::validate(
            1,
            "correction",
            "  Fixed.\r\n\r\nMore.  ",
            None,
            None,
            now(),
        )
        .unwrap();
        assert_eq!(
            (ok.kind, ok.text.as_str(), ok.noted_at),
            (NoteKind::Correction, "Fixed.\n\nMore.", now())
        );
        assert!(NewNote::validate(1, "retraction", "x", None, None, now()).is_err());
        assert!(NewNote::validate(1, "update", "   ", None, None, now()).is_err());
        let long = "é".repeat(MAX_TEXT_CHARS + 1);
        assert!(NewNote::validate(1, "update", &long, None, None, now()).is_err());
        let later = now() + chrono::Duration::minutes(1);
        assert!(NewNote::validate(1, "update", "x", Some(later), None, now()).is_err());
    }
}
