//! The rows of a site export (`broadsheet export` / `import`, see
//! `crate::export`) and the queries that read and write them. Each struct
//! here is one table's columns as they travel in the JSON document, so the
//! compiler checks every field against `schema.rs`. (Longer than most
//! files: one struct and its read and write per exported table, kept
//! together so a column added to a table is seen missing here.)
//!
//! Every table in `schema.rs` is either carried here or skipped on purpose:
//!
//! | table | in the export |
//! |---|---|
//! | sections, authors (with their links and kind), tags, media, users (with their author profile) | yes (users' password hashes only with secrets) |
//! | articles (every column but `body_html`) | yes, each with its takeaways, tags, authors, old slugs, revisions, notes, live coverage and live posts |
//! | article_takeaways, article_tags, article_authors, article_slugs, article_revisions, article_notes, live_coverage, live_posts | yes, inside their article (`article_authors` as `author_ids` in order; a file without them credits `author_id` alone; a live post's `body_html` is rendered again on import) |
//! | related_pins (an editor's choice) | yes |
//! | taxonomy_redirects, deleted_media (old URLs keep answering 301 / 410) | yes |
//! | site_settings | yes, but see [`SECRET_SETTINGS`] and [`DERIVED_SETTINGS`] |
//! | admin_sessions | only with secrets (they are credentials) |
//! | `articles.body_html` | no: rendered again from the body on import |
//! | related_articles, related_computed, related_terms, related_postings, related_docs, related_jobs | no: derived; the next start finds the index empty and rebuilds every list |
//! | sitemap_blocks | no: derived; the migrations' triggers fill it as articles are inserted |
//! | article_media | no: derived from each body as its article is inserted |
//! | article_search (FTS5 / tsvector, not in `schema.rs`) | no: the migrations' triggers fill it as articles are inserted |
//! | login_failures | no: throttling state of the last 15 minutes, tied to the old server |
//!
//! Adding a column to a carried table: add the field to its struct here
//! (with `#[serde(default)]`, so exports made before it still import). The
//! structs refuse fields they do not know, so an older binary never drops a
//! newer export's data silently.
//!
//! The file is longer than most models because it holds every carried
//! table's columns, reads and inserts in one place, where a new column is
//! seen next to the others.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
use crate::schema::{
    admin_sessions, article_authors, article_notes, article_revisions, article_slugs, article_tags,
    article_takeaways, articles, authors, deleted_media, live_coverage, live_posts, media,
    related_pins, sections, site_settings, tags, taxonomy_redirects, users,
};

/// Settings that are credentials: exported only with `--with-secrets`
/// (the key that signs and encrypts admin session cookies).
pub const SECRET_SETTINGS: &[&str] = &["session_key"];

/// Settings that are counters of this database, never exported: the cache
/// generation (`models::public_change`) starts again on import, which counts
/// itself as a public change. Every other setting (the demo marker, the time
/// public pages last changed, anything added later) is content and travels.
pub const DERIVED_SETTINGS: &[&str] = &["public_generation"];

/// A section.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = sections)]
#[serde(deny_unknown_fields)]
pub struct SectionRow {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
}

/// An author, with their photo and profile links.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = authors)]
#[serde(deny_unknown_fields)]
pub struct AuthorRow {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub bio: String,
    pub photo_id: Option<i32>,
    pub link_x: String,
    pub link_mastodon: String,
    pub link_bluesky: String,
    pub link_linkedin: String,
    pub link_website: String,
    /// `person` or `organization` (files from before it: a person).
    #[serde(default = "person")]
    pub kind: String,
}

fn person() -> String {
    crate::models::author::AuthorKind::Person.as_str().into()
}

/// A tag.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = tags)]
#[serde(deny_unknown_fields)]
pub struct TagRow {
    pub id: i32,
    pub slug: String,
    pub name: String,
}

/// One stored image copy; `data` travels as base64. The token is kept, so
/// `/media/{token}` URLs published elsewhere keep working.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = media)]
#[serde(deny_unknown_fields)]
pub struct MediaRow {
    pub id: i32,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub original_id: Option<i32>,
    pub token: String,
    /// The media library's fields (absent from files written before it: empty, centred).
    #[serde(default)]
    pub alt: String,
    #[serde(default)]
    pub caption: String,
    #[serde(default)]
    pub credit: String,
    #[serde(default)]
    pub search_text: String,
    #[serde(default = "centred")]
    pub focal_x: i32,
    #[serde(default = "centred")]
    pub focal_y: i32,
    #[serde(default)]
    pub aspect: String,
}

/// A focal point's default: the middle.
fn centred() -> i32 {
    50
}

/// A newsroom account. `password_hash` is empty in an export without
/// secrets (and then left out of the JSON): such an account cannot sign in
/// until `broadsheet user passwd` sets a password.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = users)]
#[serde(deny_unknown_fields)]
pub struct UserRow {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    /// The account's author profile.
    #[serde(default)]
    pub author_id: Option<i32>,
}

/// Every column of an article except the rendered `body_html` (derived:
/// rendered again on import). New columns go here.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = articles)]
#[serde(deny_unknown_fields)]
pub struct ArticleRow {
    pub id: i32,
    pub slug: String,
    pub headline: String,
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
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub version: i32,
    pub word_count: i32,
    pub created_by: Option<i32>,
    pub updated_by: Option<i32>,
    /// When it was submitted for review (still a draft meanwhile).
    #[serde(default)]
    pub submitted_at: Option<NaiveDateTime>,
    /// The editor's note when it was returned to its writer.
    #[serde(default)]
    pub review_note: String,
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
}

/// A Key Takeaway of an article (its row id is internal and not kept).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = article_takeaways)]
#[serde(deny_unknown_fields)]
pub struct TakeawayRow {
    pub position: i32,
    pub text: String,
}

/// A saved revision of an article.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = article_revisions)]
#[serde(deny_unknown_fields)]
pub struct RevisionRow {
    pub id: i32,
    pub version: i32,
    pub user_id: Option<i32>,
    pub created_at: NaiveDateTime,
    pub content: String,
}

/// A correction or update note of an article.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = article_notes)]
#[serde(deny_unknown_fields)]
pub struct NoteRow {
    pub id: i32,
    pub kind: String,
    pub text: String,
    pub noted_at: NaiveDateTime,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
}

/// A live story's coverage times.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = live_coverage)]
#[serde(deny_unknown_fields)]
pub struct LiveCoverageRow {
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

/// A live story's post (its `body_html` is rendered again on import).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = live_posts)]
#[serde(deny_unknown_fields)]
pub struct LivePostRow {
    pub id: i32,
    pub posted_at: NaiveDateTime,
    pub body: String,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An article with the rows that belong to it alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleExport {
    pub article: ArticleRow,
    #[serde(default)]
    pub takeaways: Vec<TakeawayRow>,
    #[serde(default)]
    pub tag_ids: Vec<i32>,
    /// Its authors in byline order (the first is `author_id`); files from
    /// before co-authors leave it out and `author_id` is the one author.
    #[serde(default)]
    pub author_ids: Vec<i32>,
    /// Slugs the article had before; their URLs answer 301.
    #[serde(default)]
    pub old_slugs: Vec<String>,
    #[serde(default)]
    pub revisions: Vec<RevisionRow>,
    #[serde(default)]
    pub notes: Vec<NoteRow>,
    /// A live story's coverage (files from before live coverage have none).
    #[serde(default)]
    pub live_coverage: Option<LiveCoverageRow>,
    /// A live story's posts, oldest first.
    #[serde(default)]
    pub live_posts: Vec<LivePostRow>,
}

/// A related article an editor pinned (after all articles: it names two).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = related_pins)]
#[serde(deny_unknown_fields)]
pub struct PinRow {
    pub article_id: i32,
    pub position: i32,
    pub related_id: i32,
}

/// The old slug of a renamed, merged or deleted section, tag or author.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = taxonomy_redirects)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyRedirectRow {
    pub kind: String,
    pub old_slug: String,
    pub target_id: i32,
}

/// The token of a deleted image (its URL answers 410 Gone).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = deleted_media)]
#[serde(deny_unknown_fields)]
pub struct DeletedMediaRow {
    pub token: String,
    pub deleted_at: NaiveDateTime,
}

/// A site setting.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = site_settings)]
#[serde(deny_unknown_fields)]
pub struct SettingRow {
    pub key: String,
    pub value: String,
}

/// A signed-in session (only the hash of its token is stored).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = admin_sessions)]
#[serde(deny_unknown_fields)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: i32,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

/// Media bytes as standard base64 in the JSON document.
mod base64_bytes {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("media data is not base64: {e}")))
    }
}

// --- Reading ------------------------------------------------------------------

/// Every section, by id.
pub fn sections(conn: &mut DbConn) -> QueryResult<Vec<SectionRow>> {
    sections::table
        .order(sections::id)
        .select(SectionRow::as_select())
        .load(conn)
}

/// Every author, by id.
pub fn authors(conn: &mut DbConn) -> QueryResult<Vec<AuthorRow>> {
    authors::table
        .order(authors::id)
        .select(AuthorRow::as_select())
        .load(conn)
}

/// Every tag, by id.
pub fn tags(conn: &mut DbConn) -> QueryResult<Vec<TagRow>> {
    tags::table
        .order(tags::id)
        .select(TagRow::as_select())
        .load(conn)
}

/// Every account, by id (with hashes: the caller blanks them).
pub fn users(conn: &mut DbConn) -> QueryResult<Vec<UserRow>> {
    users::table
        .order(users::id)
        .select(UserRow::as_select())
        .load(conn)
}

/// Up to `limit` image copies with ids above `after`, by id (originals
/// come before their resized copies, which point at them).
pub fn media_batch(conn: &mut DbConn, after: i32, limit: i64) -> QueryResult<Vec<MediaRow>> {
    media::table
        .filter(media::id.gt(after))
        .order(media::id)
        .limit(limit)
        .select(MediaRow::as_select())
        .load(conn)
}

/// Up to `limit` articles with ids above `after`, by id, each with its own rows.
pub fn article_batch(conn: &mut DbConn, after: i32, limit: i64) -> QueryResult<Vec<ArticleExport>> {
    let rows: Vec<ArticleRow> = articles::table
        .filter(articles::id.gt(after))
        .order(articles::id)
        .limit(limit)
        .select(ArticleRow::as_select())
        .load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|a| a.id).collect();
    let mut by_id: std::collections::HashMap<i32, ArticleExport> = rows
        .into_iter()
        .map(|article| {
            (
                article.id,
                ArticleExport {
                    article,
                    takeaways: Vec::new(),
                    tag_ids: Vec::new(),
                    author_ids: Vec::new(),
                    old_slugs: Vec::new(),
                    revisions: Vec::new(),
                    notes: Vec::new(),
                    live_coverage: None,
                    live_posts: Vec::new(),
                },
            )
        })
        .collect();
    let takeaways: Vec<(i32, TakeawayRow)> = article_takeaways::table
        .filter(article_takeaways::article_id.eq_any(&ids))
        .order((article_takeaways::article_id, article_takeaways::position))
        .select((article_takeaways::article_id, TakeawayRow::as_select()))
        .load(conn)?;
    for (id, row) in takeaways {
        by_id.entry(id).and_modify(|a| a.takeaways.push(row));
    }
    let tagged: Vec<(i32, i32)> = article_tags::table
        .filter(article_tags::article_id.eq_any(&ids))
        .order((article_tags::article_id, article_tags::tag_id))
        .select((article_tags::article_id, article_tags::tag_id))
        .load(conn)?;
    for (id, tag_id) in tagged {
        by_id.entry(id).and_modify(|a| a.tag_ids.push(tag_id));
    }
    let credited: Vec<(i32, i32)> = article_authors::table
        .filter(article_authors::article_id.eq_any(&ids))
        .order((article_authors::article_id, article_authors::position))
        .select((article_authors::article_id, article_authors::author_id))
        .load(conn)?;
    for (id, author_id) in credited {
        by_id.entry(id).and_modify(|a| a.author_ids.push(author_id));
    }
    let slugs: Vec<(i32, String)> = article_slugs::table
        .filter(article_slugs::article_id.eq_any(&ids))
        .order((article_slugs::article_id, article_slugs::slug))
        .select((article_slugs::article_id, article_slugs::slug))
        .load(conn)?;
    for (id, slug) in slugs {
        by_id.entry(id).and_modify(|a| a.old_slugs.push(slug));
    }
    let revisions: Vec<(i32, RevisionRow)> = article_revisions::table
        .filter(article_revisions::article_id.eq_any(&ids))
        .order((article_revisions::article_id, article_revisions::id))
        .select((article_revisions::article_id, RevisionRow::as_select()))
        .load(conn)?;
    for (id, row) in revisions {
        by_id.entry(id).and_modify(|a| a.revisions.push(row));
    }
    let notes: Vec<(i32, NoteRow)> = article_notes::table
        .filter(article_notes::article_id.eq_any(&ids))
        .order((article_notes::article_id, article_notes::id))
        .select((article_notes::article_id, NoteRow::as_select()))
        .load(conn)?;
    for (id, row) in notes {
        by_id.entry(id).and_modify(|a| a.notes.push(row));
    }
    let covered: Vec<(i32, LiveCoverageRow)> = live_coverage::table
        .filter(live_coverage::article_id.eq_any(&ids))
        .select((live_coverage::article_id, LiveCoverageRow::as_select()))
        .load(conn)?;
    for (id, row) in covered {
        by_id.entry(id).and_modify(|a| a.live_coverage = Some(row));
    }
    let posts: Vec<(i32, LivePostRow)> = live_posts::table
        .filter(live_posts::article_id.eq_any(&ids))
        .order((live_posts::article_id, live_posts::id))
        .select((live_posts::article_id, LivePostRow::as_select()))
        .load(conn)?;
    for (id, row) in posts {
        by_id.entry(id).and_modify(|a| a.live_posts.push(row));
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Every pinned related article.
pub fn pins(conn: &mut DbConn) -> QueryResult<Vec<PinRow>> {
    related_pins::table
        .order((related_pins::article_id, related_pins::position))
        .select(PinRow::as_select())
        .load(conn)
}

/// Every section, tag and author redirect.
pub fn taxonomy_redirects(conn: &mut DbConn) -> QueryResult<Vec<TaxonomyRedirectRow>> {
    taxonomy_redirects::table
        .order((taxonomy_redirects::kind, taxonomy_redirects::old_slug))
        .select(TaxonomyRedirectRow::as_select())
        .load(conn)
}

/// Every deleted image's token.
pub fn deleted_media(conn: &mut DbConn) -> QueryResult<Vec<DeletedMediaRow>> {
    deleted_media::table
        .order(deleted_media::token)
        .select(DeletedMediaRow::as_select())
        .load(conn)
}

/// Every setting, by key (the caller leaves out what is not exported).
pub fn settings(conn: &mut DbConn) -> QueryResult<Vec<SettingRow>> {
    site_settings::table
        .order(site_settings::key)
        .select(SettingRow::as_select())
        .load(conn)
}

/// Every signed-in session.
pub fn sessions(conn: &mut DbConn) -> QueryResult<Vec<SessionRow>> {
    admin_sessions::table
        .order(admin_sessions::token_hash)
        .select(SessionRow::as_select())
        .load(conn)
}

/// What the database already holds that an import would collide with or
/// mix into: (table, rows) for every non-empty content table. Settings and
/// the derived tables do not count: a server started once on the empty
/// database writes its session key and counters, and that is still empty.
pub fn content_counts(conn: &mut DbConn) -> QueryResult<Vec<(&'static str, i64)>> {
    let counts = [
        ("articles", articles::table.count().get_result::<i64>(conn)?),
        ("sections", sections::table.count().get_result(conn)?),
        ("authors", authors::table.count().get_result(conn)?),
        ("tags", tags::table.count().get_result(conn)?),
        ("media", media::table.count().get_result(conn)?),
        ("users", users::table.count().get_result(conn)?),
        (
            "taxonomy_redirects",
            taxonomy_redirects::table.count().get_result(conn)?,
        ),
        (
            "deleted_media",
            deleted_media::table.count().get_result(conn)?,
        ),
    ];
    Ok(counts.into_iter().filter(|(_, n)| *n > 0).collect())
}

// --- Writing ------------------------------------------------------------------

/// Inserts a section with its id.
pub fn insert_section(conn: &mut DbConn, row: &SectionRow) -> QueryResult<()> {
    diesel::insert_into(sections::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Inserts an author with their id.
pub fn insert_author(conn: &mut DbConn, row: &AuthorRow) -> QueryResult<()> {
    diesel::insert_into(authors::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Inserts a tag with its id.
pub fn insert_tag(conn: &mut DbConn, row: &TagRow) -> QueryResult<()> {
    diesel::insert_into(tags::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Inserts an image copy with its id and token.
pub fn insert_media(conn: &mut DbConn, row: &MediaRow) -> QueryResult<()> {
    diesel::insert_into(media::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Inserts an account with its id.
pub fn insert_user(conn: &mut DbConn, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Inserts an article with its id, its rendered body and every row of its
/// own; `post_html` holds its live posts' rendered bodies, in order.
pub fn insert_article(
    conn: &mut DbConn,
    a: &ArticleExport,
    body_html: &str,
    post_html: &[String],
) -> QueryResult<()> {
    let id = a.article.id;
    diesel::insert_into(articles::table)
        .values((&a.article, articles::body_html.eq(Some(body_html))))
        .execute(conn)?;
    crate::models::media_library::record_body_uses(conn, id, &a.article.body)?;
    for t in &a.takeaways {
        diesel::insert_into(article_takeaways::table)
            .values((
                article_takeaways::article_id.eq(id),
                article_takeaways::position.eq(t.position),
                article_takeaways::text.eq(&t.text),
            ))
            .execute(conn)?;
    }
    for tag_id in &a.tag_ids {
        diesel::insert_into(article_tags::table)
            .values((
                article_tags::article_id.eq(id),
                article_tags::tag_id.eq(tag_id),
            ))
            .execute(conn)?;
    }
    let authors = if a.author_ids.is_empty() {
        a.article.author_id.into_iter().collect()
    } else {
        a.author_ids.clone()
    };
    crate::models::Author::set_for_article(conn, id, &authors)?;
    for slug in &a.old_slugs {
        diesel::insert_into(article_slugs::table)
            .values((
                article_slugs::slug.eq(slug),
                article_slugs::article_id.eq(id),
            ))
            .execute(conn)?;
    }
    for r in &a.revisions {
        diesel::insert_into(article_revisions::table)
            .values((r, article_revisions::article_id.eq(id)))
            .execute(conn)?;
    }
    for n in &a.notes {
        diesel::insert_into(article_notes::table)
            .values((n, article_notes::article_id.eq(id)))
            .execute(conn)?;
    }
    if let Some(c) = &a.live_coverage {
        diesel::insert_into(live_coverage::table)
            .values((c, live_coverage::article_id.eq(id)))
            .execute(conn)?;
    }
    for (p, html) in a.live_posts.iter().zip(post_html) {
        diesel::insert_into(live_posts::table)
            .values((
                p,
                live_posts::article_id.eq(id),
                live_posts::body_html.eq(html),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Inserts a pinned related article.
pub fn insert_pin(conn: &mut DbConn, row: &PinRow) -> QueryResult<()> {
    diesel::insert_into(related_pins::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Inserts a section, tag or author redirect.
pub fn insert_taxonomy_redirect(conn: &mut DbConn, row: &TaxonomyRedirectRow) -> QueryResult<()> {
    diesel::insert_into(taxonomy_redirects::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Inserts a deleted image's token.
pub fn insert_deleted_media(conn: &mut DbConn, row: &DeletedMediaRow) -> QueryResult<()> {
    diesel::insert_into(deleted_media::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Inserts a signed-in session.
pub fn insert_session(conn: &mut DbConn, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(admin_sessions::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Tables whose PostgreSQL `SERIAL` ids an import sets by hand.
const SERIAL_TABLES: &[&str] = &[
    "sections",
    "authors",
    "tags",
    "media",
    "articles",
    "article_takeaways",
    "users",
    "article_revisions",
    "article_notes",
    "live_posts",
];

/// After rows were inserted with their ids, moves each PostgreSQL sequence
/// past the largest id, so the next row the app inserts does not collide.
/// SQLite needs nothing: a new row takes the largest id plus one.
pub fn reset_sequences(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        for table in SERIAL_TABLES {
            // `table` is one of the constants above, never input.
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .execute(pg)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// A table added to `schema.rs` must be carried or skipped on purpose:
    /// the table at the top of this file names every one.
    #[test]
    fn every_table_is_exported_or_skipped_on_purpose() {
        let schema = include_str!("../schema.rs");
        let listed: String = include_str!("export.rs")
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .filter(|l| l.starts_with("//! |"))
            .collect::<Vec<_>>()
            .join("\n");
        let tables: Vec<&str> = schema
            .split("diesel::table! {")
            .skip(1)
            .filter_map(|t| t.split_whitespace().next())
            .collect();
        assert!(tables.len() > 20, "{tables:?}");
        for table in tables {
            let named = listed
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|word| word == table);
            assert!(
                named,
                "{table} is neither exported nor skipped in models/export.rs"
            );
        }
    }
}
