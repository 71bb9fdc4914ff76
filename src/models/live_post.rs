//! Live coverage: an article becomes a live story when an editor starts its
//! coverage (a `live_coverage` row with its start time), gets short
//! timestamped posts (`live_posts`, Markdown rendered and sanitised once at
//! save, like article bodies), and stops being live when the coverage ends
//! (the row's end time); it can be resumed.
//!
//! Posts are public exactly when their article is (the one rule,
//! [`public_at`]): the page and the poll endpoint read them only through a
//! public article. Every write records a public change when the article is
//! public, so the cached page, the poll answer, listings (their "Live" label),
//! feeds and sitemaps drop at once; adding or editing a post also moves the
//! article's modified date (`articles.updated_at`, which `dateModified`, the
//! feeds' `updated` and the sitemaps' `lastmod` read) to the post's time,
//! never back, as corrections do; starting and ending move it to now.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::AppError;
use crate::models::article::public_at;
use crate::models::Article;
use crate::schema::{articles, live_coverage, live_posts};

/// Longest post, in characters of Markdown.
pub const MAX_BODY_CHARS: usize = 10_000;

/// Most posts one story may have: the page, its JSON-LD and a first poll
/// carry them all, so they stay bounded.
pub const MAX_POSTS: i64 = 500;

/// An article's live coverage.
#[derive(Queryable, Selectable, Debug, Clone, Copy, PartialEq, Eq)]
#[diesel(table_name = live_coverage)]
pub struct Coverage {
    pub article_id: i32,
    /// When it started (the first time, if it was resumed).
    pub started_at: NaiveDateTime,
    /// When it ended; `None` while it runs.
    pub ended_at: Option<NaiveDateTime>,
}

impl Coverage {
    /// Whether it runs: the story is "Live".
    pub fn is_running(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// An article's live coverage, if it ever had one.
pub fn coverage(conn: &mut DbConn, article_id: i32) -> QueryResult<Option<Coverage>> {
    live_coverage::table
        .find(article_id)
        .select(Coverage::as_select())
        .first(conn)
        .optional()
}

/// An article's live coverage (if any) and its posts, newest first.
pub type CoverageWithPosts = (Option<Coverage>, Vec<LivePost>);

/// An article's live coverage and posts, as its edit page shows them: one
/// query, two for a live story.
pub fn with_posts(conn: &mut DbConn, article_id: i32) -> QueryResult<CoverageWithPosts> {
    Ok(match coverage(conn, article_id)? {
        Some(c) => (Some(c), for_article(conn, article_id)?),
        None => (None, Vec::new()),
    })
}

/// The ids of the public articles whose coverage runs now (their cards say
/// "Live"): a handful of rows, read once per cache generation. The running
/// stories come first and only they are checked against the public rule, so
/// no planner can choose to walk the public archive for them.
pub fn running_public(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<i32>> {
    let running: Vec<i32> = live_coverage::table
        .filter(live_coverage::ended_at.is_null())
        .select(live_coverage::article_id)
        .load(conn)?;
    if running.is_empty() {
        return Ok(running);
    }
    articles::table
        .filter(articles::id.eq_any(running))
        .filter(public_at(now))
        .select(articles::id)
        .load(conn)
}

/// A stored post.
#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = live_posts)]
pub struct LivePost {
    pub id: i32,
    pub article_id: i32,
    /// The time readers see (now, or an earlier time the editor gave).
    pub posted_at: NaiveDateTime,
    /// Markdown, as the editor typed it.
    pub body: String,
    /// Sanitised HTML rendered from `body` at save.
    pub body_html: String,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A post's content, checked and rendered by [`PostContent::validate`].
#[derive(Debug, Clone)]
pub struct PostContent {
    pub body: String,
    pub body_html: String,
    pub posted_at: NaiveDateTime,
}

impl PostContent {
    /// Checks what an editor submitted: a body of 1 to [`MAX_BODY_CHARS`]
    /// characters that the Markdown renderer accepts (same bounds and
    /// sanitiser as article bodies), and a time that is not in the future
    /// (`None` means now). The error is a sentence for the editor.
    pub fn validate(
        body: &str,
        posted_at: Option<NaiveDateTime>,
        now: NaiveDateTime,
        own_origin: &str,
    ) -> Result<PostContent, String> {
        let body = body.replace("\r\n", "\n").trim().to_string();
        if body.is_empty() {
            return Err("The update needs a text.".into());
        }
        let chars = body.chars().count();
        if chars > MAX_BODY_CHARS {
            return Err(format!(
                "The update is {chars} characters long; at most {MAX_BODY_CHARS} are allowed. \
                 Shorten it or split it into two updates."
            ));
        }
        let posted_at = posted_at.unwrap_or(now);
        if posted_at > now {
            return Err("An update's time cannot be in the future.".into());
        }
        let body_html = crate::markdown::render_for_site(&body, own_origin)?;
        Ok(PostContent {
            body,
            body_html,
            posted_at: crate::clock::truncate_to_micros(posted_at),
        })
    }
}

/// Refuses work on a trashed article.
fn not_trashed(article: &Article) -> Result<(), AppError> {
    if article.deleted_at.is_some() {
        return Err(AppError::BadRequest(
            "This article is in the trash. Restore it first.".into(),
        ));
    }
    Ok(())
}

/// Moves the article's modified date forward to `at` (never back).
fn touch(conn: &mut DbConn, article: &Article, at: NaiveDateTime) -> QueryResult<()> {
    if at > article.updated_at {
        diesel::update(articles::table.find(article.id))
            .set(articles::updated_at.eq(at))
            .execute(conn)?;
    }
    Ok(())
}

/// Records a public change when readers can see the article.
fn changed(conn: &mut DbConn, article: &Article, now: NaiveDateTime) -> QueryResult<()> {
    if article.is_public(now) {
        crate::models::public_change::record(conn, now)?;
    }
    Ok(())
}

/// Starts the article's live coverage, or resumes it after it ended (the
/// start time stays the first one). A draft may be made live before it is
/// published: nothing of it shows until then.
pub fn start(conn: &mut DbConn, article_id: i32, now: NaiveDateTime) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let article = Article::find(conn, article_id)?;
        not_trashed(&article)?;
        match coverage(conn, article_id)? {
            None => {
                diesel::insert_into(live_coverage::table)
                    .values((
                        live_coverage::article_id.eq(article_id),
                        live_coverage::started_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Some(_) => {
                diesel::update(live_coverage::table.find(article_id))
                    .set(live_coverage::ended_at.eq(None::<NaiveDateTime>))
                    .execute(conn)?;
            }
        }
        touch(conn, &article, now)?;
        changed(conn, &article, now)?;
        Ok(())
    })
}

/// Ends the article's live coverage: it stops being live and keeps its posts
/// as its timeline. Refused when it is not running.
pub fn end(conn: &mut DbConn, article_id: i32, now: NaiveDateTime) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let article = Article::find(conn, article_id)?;
        if !coverage(conn, article_id)?.is_some_and(|c| c.is_running()) {
            return Err(AppError::BadRequest(
                "This article's live coverage is not running.".into(),
            ));
        }
        diesel::update(live_coverage::table.find(article_id))
            .set(live_coverage::ended_at.eq(Some(now)))
            .execute(conn)?;
        touch(conn, &article, now)?;
        changed(conn, &article, now)?;
        Ok(())
    })
}

/// Adds a post to a live story and returns its id. Refused (with a sentence
/// for the editor) when the coverage is not running or the story already has
/// [`MAX_POSTS`] posts.
pub fn add(
    conn: &mut DbConn,
    article_id: i32,
    content: &PostContent,
    created_by: Option<i32>,
    now: NaiveDateTime,
) -> Result<i32, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let article = Article::find(conn, article_id)?;
        not_trashed(&article)?;
        if !coverage(conn, article_id)?.is_some_and(|c| c.is_running()) {
            return Err(AppError::BadRequest(
                "Updates can be added only while the live coverage runs. Start or resume it first."
                    .into(),
            ));
        }
        let count: i64 = live_posts::table
            .filter(live_posts::article_id.eq(article_id))
            .count()
            .get_result(conn)?;
        if count >= MAX_POSTS {
            return Err(AppError::BadRequest(format!(
                "This story has {MAX_POSTS} updates, the most one story may have. \
                 End this coverage and start a new live story."
            )));
        }
        let id = diesel::insert_into(live_posts::table)
            .values((
                live_posts::article_id.eq(article_id),
                live_posts::posted_at.eq(content.posted_at),
                live_posts::body.eq(&content.body),
                live_posts::body_html.eq(&content.body_html),
                live_posts::created_by.eq(created_by),
                live_posts::created_at.eq(now),
                live_posts::updated_at.eq(now),
            ))
            .returning(live_posts::id)
            .get_result(conn)?;
        touch(conn, &article, content.posted_at)?;
        changed(conn, &article, now)?;
        Ok(id)
    })
}

/// Replaces a post's text and time; returns its article's id.
pub fn update(
    conn: &mut DbConn,
    post_id: i32,
    content: &PostContent,
    now: NaiveDateTime,
) -> Result<i32, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let post = find(conn, post_id)?;
        let article = Article::find(conn, post.article_id)?;
        diesel::update(live_posts::table.find(post_id))
            .set((
                live_posts::posted_at.eq(content.posted_at),
                live_posts::body.eq(&content.body),
                live_posts::body_html.eq(&content.body_html),
                live_posts::updated_at.eq(now),
            ))
            .execute(conn)?;
        touch(conn, &article, content.posted_at)?;
        changed(conn, &article, now)?;
        Ok(article.id)
    })
}

/// Deletes a post and returns its article's id. The article's modified date
/// stays where it is.
pub fn delete(conn: &mut DbConn, post_id: i32, now: NaiveDateTime) -> Result<i32, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let post = find(conn, post_id)?;
        let article = Article::find(conn, post.article_id)?;
        diesel::delete(live_posts::table.find(post_id)).execute(conn)?;
        changed(conn, &article, now)?;
        Ok(article.id)
    })
}

/// The post with this id.
pub fn find(conn: &mut DbConn, post_id: i32) -> QueryResult<LivePost> {
    live_posts::table
        .find(post_id)
        .select(LivePost::as_select())
        .first(conn)
}

/// An article's posts, newest first (ties: the later added first). Callers
/// on public pages have already found the article public.
pub fn for_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<LivePost>> {
    live_posts::table
        .filter(live_posts::article_id.eq(article_id))
        .order((live_posts::posted_at.desc(), live_posts::id.desc()))
        .limit(MAX_POSTS)
        .select(LivePost::as_select())
        .load(conn)
}

/// A public live story as its poll endpoint sees it.
#[derive(Debug, Clone)]
pub struct PublicStory {
    pub article_id: i32,
    pub slug: String,
    /// Whether the coverage still runs (readers' pages keep polling).
    pub is_live: bool,
    /// Its posts added after the reader's last one, newest first.
    pub posts: Vec<LivePost>,
}

/// The public live story at `slug` with its posts whose id is above
/// `after`: two indexed queries. Not found for a draft, a scheduled or
/// trashed article, or one that never had live coverage.
pub fn public_since(
    conn: &mut DbConn,
    slug: &str,
    after: i32,
    now: NaiveDateTime,
) -> QueryResult<PublicStory> {
    let (article_id, slug, ended_at) = live_coverage::table
        .inner_join(articles::table)
        .filter(articles::slug.eq(slug))
        .filter(public_at(now))
        .select((articles::id, articles::slug, live_coverage::ended_at))
        .first::<(i32, String, Option<NaiveDateTime>)>(conn)?;
    let posts = live_posts::table
        .filter(live_posts::article_id.eq(article_id))
        .filter(live_posts::id.gt(after))
        .order((live_posts::posted_at.desc(), live_posts::id.desc()))
        .limit(MAX_POSTS)
        .select(LivePost::as_select())
        .load(conn)?;
    Ok(PublicStory {
        article_id,
        slug,
        is_live: ended_at.is_none(),
        posts,
    })
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
    fn posts_need_a_bounded_text_and_a_past_time() {
        let ok =
            PostContent::validate("  **Ferries** stop.\r\n\r\nMore.  ", None, now(), "").unwrap();
        assert_eq!(ok.body, "**Ferries** stop.\n\nMore.");
        assert_eq!(ok.posted_at, now());
        assert!(ok.body_html.contains("<strong>Ferries</strong>"));
        assert!(PostContent::validate("  ", None, now(), "").is_err());
        let long = "é".repeat(MAX_BODY_CHARS + 1);
        assert!(PostContent::validate(&long, None, now(), "").is_err());
        let later = now() + chrono::Duration::minutes(1);
        assert!(PostContent::validate("x", Some(later), now(), "").is_err());
    }

    #[test]
    fn hostile_markdown_is_sanitised_like_article_bodies() {
        let post = PostContent::validate(
            "<script>alert(1)</script> <img src=x onerror=alert(2)>\n\n[a](javascript:alert(3))",
            None,
            now(),
            "",
        )
        .unwrap();
        assert!(!post.body_html.contains("<script"), "{}", post.body_html);
        assert!(!post.body_html.contains("onerror"), "{}", post.body_html);
        assert!(
            !post.body_html.contains("javascript:"),
            "{}",
            post.body_html
        );
    }
}
