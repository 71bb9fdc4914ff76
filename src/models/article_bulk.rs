//! Bulk actions of the newsroom's article list: move to the trash, restore,
//! publish, move to a section. Each runs over all the chosen articles in one
//! write transaction, and each article goes through the same rules as its
//! single-article action (publishing validates the stored article as the
//! form would and resolves its publish time the same way); an article a rule
//! refuses is left as it was and reported with the reason.

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::AppError;
use crate::models::article::ArticleStatus;
use crate::models::article_form::{
    self, content_of, resolve_publication, ArticleForm, ImageChange, Publication, Save, SaveOutcome,
};
use crate::models::{public_change, revision, Article};
use crate::schema::{articles, sections};

/// Most articles one bulk action takes (two admin pages' worth).
pub const MAX_ARTICLES: usize = 100;

/// What to do to every chosen article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    Trash,
    Restore,
    Publish,
    /// Move to the section with this id.
    MoveTo(i32),
}

impl BulkAction {
    /// The past tense for the message: "Moved 3 articles to the trash."
    fn done(self) -> &'static str {
        match self {
            BulkAction::Trash => "Moved to the trash",
            BulkAction::Restore => "Restored",
            BulkAction::Publish => "Published or scheduled",
            BulkAction::MoveTo(_) => "Moved to the section",
        }
    }
}

/// Who acts: contributors may only move their own drafts.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub user_id: i32,
    pub is_editor: bool,
}

/// What a bulk action did.
#[derive(Debug, Default)]
pub struct BulkOutcome {
    /// Articles changed (for related refreshes).
    pub changed: Vec<i32>,
    /// Articles left as they were: (what the actor may call it, why).
    pub refused: Vec<(String, String)>,
}

impl BulkOutcome {
    /// The flash message: how many changed, then each refusal with its reason.
    pub fn message(&self, action: BulkAction, section_name: Option<&str>) -> String {
        let n = self.changed.len();
        let noun = if n == 1 { "article" } else { "articles" };
        let mut text = match (action, section_name) {
            (BulkAction::MoveTo(_), Some(name)) => format!("Moved {n} {noun} to {name}."),
            _ => format!("{}: {n} {noun}.", action.done()),
        };
        if !self.refused.is_empty() {
            // The message travels in the session cookie: name the first few,
            // each shortened, and count the rest.
            let mut list: Vec<String> = self
                .refused
                .iter()
                .take(SHOWN_REFUSALS)
                .map(|(label, why)| format!("{} ({})", shorten(label), shorten(why)))
                .collect();
            if self.refused.len() > SHOWN_REFUSALS {
                list.push(format!("and {} more", self.refused.len() - SHOWN_REFUSALS));
            }
            text.push_str(&format!(
                " Not changed ({}): {}.",
                self.refused.len(),
                list.join("; ")
            ));
        }
        text
    }
}

/// Refusals the message names one by one.
const SHOWN_REFUSALS: usize = 8;

/// `text` cut to 120 characters, with an ellipsis when cut.
fn shorten(text: &str) -> String {
    if text.chars().count() <= 120 {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(119).collect::<String>())
    }
}

/// Whether a contributor may change this article: their own draft outside
/// the trash and not waiting for review (then it is the editors' to change).
fn own_draft(actor: Actor, a: &Article) -> bool {
    a.created_by == Some(actor.user_id)
        && a.status == ArticleStatus::Draft.as_str()
        && a.submitted_at.is_none()
        && a.deleted_at.is_none()
}

/// How a refusal names an article: its headline when the actor may see it,
/// else only its number (a contributor never learns another's draft headline).
fn label(actor: Actor, a: &Article, now: NaiveDateTime) -> String {
    if actor.is_editor || a.created_by == Some(actor.user_id) || a.is_public(now) {
        format!("“{}”", a.headline)
    } else {
        format!("article {}", a.id)
    }
}

/// Settings a bulk publish needs to validate an article as the form does.
#[derive(Debug, Clone)]
pub struct SiteRules {
    pub timezone: Tz,
    pub origin: String,
}

/// Applies `action` to the articles `ids` (at most [`MAX_ARTICLES`]) in one
/// write transaction. The caller has checked the role the action needs
/// (editors for trash, restore and publish); a move checks each article.
pub fn apply(
    conn: &mut DbConn,
    action: BulkAction,
    ids: &[i32],
    actor: Actor,
    now: NaiveDateTime,
    rules: &SiteRules,
) -> Result<BulkOutcome, AppError> {
    crate::db::write_transaction(conn, |conn| {
        if let BulkAction::MoveTo(section) = action {
            sections::table
                .find(section)
                .select(sections::id)
                .first::<i32>(conn)
                .optional()?
                .ok_or_else(|| AppError::BadRequest("Choose a section to move to.".into()))?;
        }
        let mut outcome = BulkOutcome::default();
        for &id in ids.iter().take(MAX_ARTICLES) {
            let found = articles::table
                .find(id)
                .select(Article::as_select())
                .first(conn)
                .optional()?;
            let Some(article) = found else {
                outcome
                    .refused
                    .push((format!("article {id}"), "it no longer exists".into()));
                continue;
            };
            let name = label(actor, &article, now);
            match one(conn, action, &article, actor, now, rules)? {
                Ok(()) => outcome.changed.push(id),
                Err(why) => outcome.refused.push((name, why)),
            }
        }
        Ok(outcome)
    })
}

/// One article of a bulk action: `Ok(Err(why))` when a rule leaves it as it was.
fn one(
    conn: &mut DbConn,
    action: BulkAction,
    a: &Article,
    actor: Actor,
    now: NaiveDateTime,
    rules: &SiteRules,
) -> Result<Result<(), String>, AppError> {
    let trashed = a.deleted_at.is_some();
    // Contributors reach here only with moves (the handler refuses the
    // rest), and may move only their own drafts, as the edit form allows.
    let allowed =
        actor.is_editor || (matches!(action, BulkAction::MoveTo(_)) && own_draft(actor, a));
    if !allowed {
        return Ok(Err("contributors can change only their own drafts".into()));
    }
    match action {
        BulkAction::Trash | BulkAction::Restore => {
            let to_trash = action == BulkAction::Trash;
            if trashed == to_trash {
                return Ok(Err(if to_trash {
                    "already in the trash".into()
                } else {
                    "not in the trash".into()
                }));
            }
            Article::set_trashed(
                conn,
                a.id,
                to_trash.then_some(now),
                now,
                Some(actor.user_id),
            )?;
            Ok(Ok(()))
        }
        BulkAction::MoveTo(section) => {
            if trashed {
                return Ok(Err("in the trash".into()));
            }
            if a.section_id == Some(section) {
                return Ok(Err("already in that section".into()));
            }
            let version = a.version + 1;
            let updated = diesel::update(
                articles::table
                    .filter(articles::id.eq(a.id))
                    .filter(articles::version.eq(a.version)),
            )
            .set((
                articles::section_id.eq(Some(section)),
                articles::updated_at.eq(now),
                articles::updated_by.eq(Some(actor.user_id)),
                articles::version.eq(version),
            ))
            .execute(conn)?;
            if updated == 0 {
                return Ok(Err("someone saved it meanwhile".into()));
            }
            let stored = articles::table
                .find(a.id)
                .select(Article::as_select())
                .first(conn)?;
            if stored.is_public(now) {
                public_change::record(conn, now)?;
            }
            let content = content_of(conn, &stored)?;
            revision::record(conn, a.id, version, Some(actor.user_id), &content, now)?;
            crate::models::related_index::request_job(conn, a.id, now)?;
            Ok(Ok(()))
        }
        BulkAction::Publish => publish(conn, a, actor, now, rules),
    }
}

/// Publishes as the form's Publish button would: the stored article is
/// validated as the form validates it, and its publish time resolved the
/// same way (a future time schedules it; a live article is left alone).
fn publish(
    conn: &mut DbConn,
    a: &Article,
    actor: Actor,
    now: NaiveDateTime,
    rules: &SiteRules,
) -> Result<Result<(), String>, AppError> {
    if a.deleted_at.is_some() {
        return Ok(Err("in the trash: restore it first".into()));
    }
    if a.is_public(now) {
        return Ok(Err("already published".into()));
    }
    let content = content_of(conn, a)?;
    let form = ArticleForm::from_content(&content, a.version, rules.timezone);
    let valid = match form.validate(
        conn,
        Some(a.id),
        a.lead_image_id.is_some(),
        rules.timezone,
        &rules.origin,
    )? {
        Ok(valid) => valid,
        Err(errors) => {
            let reasons: Vec<&str> = errors.0.values().map(String::as_str).collect();
            return Ok(Err(format!(
                "open it to fix: {}",
                reasons.join(" ").trim_end_matches('.')
            )));
        }
    };
    let (status, published_at) = match resolve_publication(
        valid.status,
        valid.publish_at,
        Publication::PublishNow,
        Some(a),
        now,
        false,
    ) {
        Ok(resolved) => resolved,
        Err(message) => return Ok(Err(message.trim_end_matches('.').to_string())),
    };
    // A scheduled article keeps its time (the form shows it to the minute).
    if status.as_str() == a.status && status == ArticleStatus::Scheduled {
        return Ok(Err(format!(
            "unchanged: {}",
            article_form::describe_publication(status, published_at, now, rules.timezone)
                .trim_end_matches('.')
        )));
    }
    let saved = article_form::save(
        conn,
        Save {
            article_id: Some(a.id),
            started_from: Some(a.version),
            valid: &valid,
            status,
            published_at,
            image: ImageChange::Keep,
            social_image: ImageChange::Keep,
            submit: false,
            user_id: actor.user_id,
            now,
            pins: None,
        },
    )?;
    Ok(match saved {
        SaveOutcome::Saved { .. } => Ok(()),
        SaveOutcome::Conflict => Err("someone saved it meanwhile".into()),
        SaveOutcome::SlugTaken => Err("its slug is taken by another article".into()),
    })
}
