//! Article history: a revision per save (who, when, the full content), and
//! the old slugs that keep earlier URLs working.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
use crate::models::article::public_at;
use crate::schema::{article_revisions, article_slugs, articles, users};

/// Everything an editor can change, as saved in a revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleContent {
    pub headline: String,
    pub slug: String,
    pub standfirst: String,
    pub body: String,
    pub kicker: String,
    pub section_id: Option<i32>,
    pub author_id: Option<i32>,
    pub lead_image_id: Option<i32>,
    pub lead_image_alt: String,
    pub lead_image_caption: String,
    pub lead_image_credit: String,
    pub desk_heading: String,
    pub desk_text: String,
    pub takeaways: Vec<String>,
    pub tags: Vec<String>,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    /// Search and social fields (revisions from before them read as empty: the defaults).
    #[serde(default)]
    pub seo_title: String,
    #[serde(default)]
    pub seo_description: String,
    #[serde(default)]
    pub social_image_id: Option<i32>,
    #[serde(default)]
    pub social_image_alt: String,
    #[serde(default)]
    pub canonical_url: String,
    #[serde(default)]
    pub noindex: bool,
    /// Every author in byline order (`author_id` is the first); empty in
    /// revisions saved before co-authors, which had `author_id` alone.
    #[serde(default)]
    pub author_ids: Vec<i32>,
}

impl ArticleContent {
    /// The authors in byline order, for revisions old and new.
    pub fn authors(&self) -> Vec<i32> {
        if self.author_ids.is_empty() {
            self.author_id.into_iter().collect()
        } else {
            self.author_ids.clone()
        }
    }
}

/// A revision as listed: number, author, time.
#[derive(Debug, Clone)]
pub struct RevisionSummary {
    pub id: i32,
    pub version: i32,
    pub user_name: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Records a save.
pub fn record(
    conn: &mut DbConn,
    article_id: i32,
    version: i32,
    user_id: Option<i32>,
    content: &ArticleContent,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let json = serde_json::to_string(content).expect("article content serialises");
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(article_id),
            article_revisions::version.eq(version),
            article_revisions::user_id.eq(user_id),
            article_revisions::created_at.eq(now),
            article_revisions::content.eq(json),
        ))
        .execute(conn)
        .map(|_| ())
}

/// An article's revisions, newest first.
pub fn list(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<RevisionSummary>> {
    let rows: Vec<(i32, i32, Option<String>, NaiveDateTime)> = article_revisions::table
        .left_join(users::table)
        .filter(article_revisions::article_id.eq(article_id))
        .order(article_revisions::id.desc())
        .select((
            article_revisions::id,
            article_revisions::version,
            users::name.nullable(),
            article_revisions::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, version, user_name, created_at)| RevisionSummary {
            id,
            version,
            user_name,
            created_at,
        })
        .collect())
}

/// One revision's content.
pub fn load(
    conn: &mut DbConn,
    article_id: i32,
    revision_id: i32,
) -> QueryResult<(RevisionSummary, ArticleContent)> {
    let (id, version, user_name, created_at, json): (
        i32,
        i32,
        Option<String>,
        NaiveDateTime,
        String,
    ) = article_revisions::table
        .left_join(users::table)
        .filter(article_revisions::article_id.eq(article_id))
        .filter(article_revisions::id.eq(revision_id))
        .select((
            article_revisions::id,
            article_revisions::version,
            users::name.nullable(),
            article_revisions::created_at,
            article_revisions::content,
        ))
        .first(conn)?;
    let content = serde_json::from_str(&json)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    Ok((
        RevisionSummary {
            id,
            version,
            user_name,
            created_at,
        },
        content,
    ))
}

/// Keeps `old_slug` pointing at the article, and frees `new_slug` if it was an old one.
pub fn remember_slug(
    conn: &mut DbConn,
    article_id: i32,
    old_slug: &str,
    new_slug: &str,
) -> QueryResult<()> {
    diesel::delete(article_slugs::table.filter(article_slugs::slug.eq(new_slug))).execute(conn)?;
    let exists: bool = diesel::select(diesel::dsl::exists(
        article_slugs::table.filter(article_slugs::slug.eq(old_slug)),
    ))
    .get_result(conn)?;
    if !exists {
        diesel::insert_into(article_slugs::table)
            .values((
                article_slugs::slug.eq(old_slug),
                article_slugs::article_id.eq(article_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The id of the other article an old slug belongs to, if any.
pub fn old_slug_owner(conn: &mut DbConn, slug: &str) -> QueryResult<Option<i32>> {
    article_slugs::table
        .filter(article_slugs::slug.eq(slug))
        .select(article_slugs::article_id)
        .first(conn)
        .optional()
}

/// The current slug of the public article that once had `old_slug`.
pub fn redirect_for(
    conn: &mut DbConn,
    old_slug: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    article_slugs::table
        .inner_join(articles::table)
        .filter(article_slugs::slug.eq(old_slug))
        .filter(public_at(now))
        .select(articles::slug)
        .first(conn)
        .optional()
}
