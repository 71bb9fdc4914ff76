//! What feeds and sitemaps read: the latest public articles with everything a
//! feed entry carries, and the pages sitemaps list with their last change.
//! Every query here filters with [`public_at`], the one public-visibility
//! rule, so drafts, scheduled-not-yet and deleted articles never leak.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::article::{in_sitemaps, public_at, Listing};
use crate::models::{Article, ArticleCard, Author, Tag};
use crate::schema::{
    article_authors, article_tags, articles, authors, media, sections, sitemap_blocks, tags,
};

diesel::define_sql_function! {
    /// Byte length of a BLOB (SQLite) or `bytea` (PostgreSQL): both spell it
    /// `length`, so the image size comes from SQL without loading the bytes.
    fn length(data: diesel::sql_types::Binary) -> diesel::sql_types::Integer;
}

/// One article as a feed shows it.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    /// Headline, standfirst, dates, section and lead image (as listings load them).
    pub card: ArticleCard,
    /// The body's sanitised HTML, as the article page shows it.
    pub body_html: String,
    /// When the article was first created: part of its stable feed id.
    pub created_at: NaiveDateTime,
    /// The authors in byline order.
    pub authors: Vec<Author>,
    /// Tags by name.
    pub tags: Vec<Tag>,
    /// Size of the lead image in bytes, for `<enclosure length>`.
    pub image_bytes: Option<i32>,
}

/// The latest `limit` public articles of a listing, newest first, with body,
/// author, tags and image size. The articles themselves come from
/// [`Article::list_public`], so feeds list exactly what the listing pages do.
pub fn latest_entries(
    conn: &mut DbConn,
    listing: &Listing,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<FeedEntry>> {
    let cards = Article::list_public(conn, listing, now, limit)?;
    let ids: Vec<i32> = cards.iter().map(|c| c.article.id).collect();
    type Details = (Option<String>, NaiveDateTime);
    let mut details: HashMap<i32, Details> = articles::table
        .filter(articles::id.eq_any(&ids))
        .select((articles::id, articles::body_html, articles::created_at))
        .load::<(i32, Option<String>, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(id, html, created)| (id, (html, created)))
        .collect();
    let mut authors_of = Author::for_articles(conn, &ids)?;
    // Bodies not stored rendered yet (filled at start-up): render those only.
    let unrendered: Vec<i32> = details
        .iter()
        .filter(|(_, (html, _))| html.is_none())
        .map(|(&id, _)| id)
        .collect();
    if !unrendered.is_empty() {
        for (id, body) in articles::table
            .filter(articles::id.eq_any(&unrendered))
            .select((articles::id, articles::body))
            .load::<(i32, String)>(conn)?
        {
            if let Some(entry) = details.get_mut(&id) {
                entry.0 = Some(crate::markdown::render_or_escape(&body));
            }
        }
    }
    let image_ids: Vec<i32> = cards
        .iter()
        .filter_map(|c| c.image.as_ref().map(|m| m.id))
        .collect();
    let sizes: HashMap<i32, i32> = media::table
        .filter(media::id.eq_any(&image_ids))
        .select((media::id, length(media::data)))
        .load(conn)?
        .into_iter()
        .collect();
    let mut tags_of: HashMap<i32, Vec<Tag>> = HashMap::new();
    for (article_id, tag) in article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(&ids))
        .order(tags::name.asc())
        .select((article_tags::article_id, Tag::as_select()))
        .load::<(i32, Tag)>(conn)?
    {
        tags_of.entry(article_id).or_default().push(tag);
    }
    Ok(cards
        .into_iter()
        .filter_map(|card| {
            // A row deleted between the two queries is simply left out.
            let (html, created_at) = details.remove(&card.article.id)?;
            let authors = authors_of.remove(&card.article.id).unwrap_or_default();
            Some(FeedEntry {
                image_bytes: card.image.as_ref().and_then(|m| sizes.get(&m.id).copied()),
                tags: tags_of.remove(&card.article.id).unwrap_or_default(),
                card,
                body_html: html.unwrap_or_default(),
                created_at,
                authors,
            })
        })
        .collect())
}

/// A page a sitemap lists: the slug of the article, section, tag or author,
/// and the newest change among the public articles it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapRow {
    pub slug: String,
    pub lastmod: Option<NaiveDateTime>,
    /// The token of an article's lead image (image sitemap entry).
    pub image_token: Option<String>,
}

/// A query for the pages one sitemap lists (sections, tags or authors).
pub type SitemapRows = fn(&mut DbConn, NaiveDateTime) -> QueryResult<Vec<SitemapRow>>;

/// An article changes when it is edited and, for a scheduled article, when it
/// goes live (its `updated_at` may be older than its publish time).
fn changed(
    updated: Option<NaiveDateTime>,
    published: Option<NaiveDateTime>,
) -> Option<NaiveDateTime> {
    updated.max(published)
}

/// The ids article sitemap file `file` (from 1) covers: `per_file` ids a file,
/// so an article stays in the same file for good, whatever is added or removed.
fn file_ids(file: i64, per_file: i64) -> (i32, i32) {
    let clamp = |id: i64| id.clamp(0, i64::from(i32::MAX)) as i32;
    (clamp((file - 1) * per_file), clamp(file * per_file))
}

/// Article sitemap file `file` (from 1): the public articles whose ids fall in
/// the file's range, in id order. Reads `articles_sitemap_idx` only (see its
/// migration), so a file costs its own size, not the archive's.
pub fn article_rows(
    conn: &mut DbConn,
    now: NaiveDateTime,
    file: i64,
    per_file: i64,
) -> QueryResult<Vec<SitemapRow>> {
    let (after, last) = file_ids(file, per_file);
    Ok(articles::table
        .filter(articles::id.gt(after))
        .filter(articles::id.le(last))
        .filter(public_at(now))
        .filter(in_sitemaps())
        .left_join(media::table)
        .order(articles::id.asc())
        .select((
            articles::slug,
            articles::updated_at,
            articles::published_at,
            media::token.nullable(),
        ))
        .load::<(String, NaiveDateTime, Option<NaiveDateTime>, Option<String>)>(conn)?
        .into_iter()
        .map(|(slug, updated, published, image_token)| SitemapRow {
            slug,
            lastmod: changed(Some(updated), published),
            image_token,
        })
        .collect())
}

/// Article ids one row of `sitemap_blocks` covers: the divisor its
/// migration's triggers use. Sitemap files hold a whole number of blocks.
pub const SITEMAP_BLOCK: i64 = 100;

/// The article sitemap files that list anything, as (file number, last
/// change), in file order; `per_file` is a multiple of [`SITEMAP_BLOCK`].
/// A file whose articles are all gone (deleted or unpublished) is left out;
/// its number is not reused.
///
/// A file's last change comes from its blocks in `sitemap_blocks` (one row
/// per 100 ids, see its migration), so the index never reads the articles
/// themselves: the latest edit or trashing of an article that was live, and
/// the latest publish time. Whether a file still lists anything is one index
/// probe that stops at its first public article. When a file holds a
/// scheduled article that has not gone live, its publish times are read from
/// its own public articles instead (at most `per_file` index entries).
pub fn article_files(
    conn: &mut DbConn,
    now: NaiveDateTime,
    per_file: i64,
) -> QueryResult<Vec<(i64, Option<NaiveDateTime>)>> {
    assert!(
        per_file > 0 && per_file % SITEMAP_BLOCK == 0,
        "a sitemap file holds whole blocks of {SITEMAP_BLOCK} ids, not {per_file}"
    );
    let blocks_per_file = per_file / SITEMAP_BLOCK;
    let blocks: Vec<(i32, NaiveDateTime, Option<NaiveDateTime>)> = sitemap_blocks::table
        .order(sitemap_blocks::block.asc())
        .load(conn)?;
    // (file, latest edit, latest publish time) per file, in file order.
    let mut files: Vec<(i64, NaiveDateTime, Option<NaiveDateTime>)> = Vec::new();
    for (block, edit, publish) in blocks {
        let file = i64::from(block) / blocks_per_file + 1;
        match files.last_mut() {
            Some((last, latest_edit, latest_publish)) if *last == file => {
                *latest_edit = (*latest_edit).max(edit);
                *latest_publish = (*latest_publish).max(publish);
            }
            _ => files.push((file, edit, publish)),
        }
    }
    let mut listed = Vec::with_capacity(files.len());
    for (file, edit, publish) in files {
        let (after, last) = file_ids(file, per_file);
        let in_file = || {
            articles::table
                .filter(articles::id.gt(after))
                .filter(articles::id.le(last))
                .filter(public_at(now))
                .filter(in_sitemaps())
        };
        let published = if publish.is_some_and(|time| time > now) {
            in_file()
                .select(max(articles::published_at))
                .get_result::<Option<NaiveDateTime>>(conn)?
        } else if diesel::select(diesel::dsl::exists(in_file())).get_result(conn)? {
            Some(publish.unwrap_or(edit))
        } else {
            None
        };
        if published.is_some() {
            listed.push((file, changed(Some(edit), published)));
        }
    }
    Ok(listed)
}

/// Whether any public article has a tag (the tag sitemap has URLs); stops at the first.
pub fn any_tagged(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        article_tags::table
            .inner_join(articles::table)
            .filter(public_at(now)),
    ))
    .get_result(conn)
}

/// Whether any public article has an author (the author sitemap has URLs); stops at the first.
pub fn any_authored(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        articles::table
            .filter(public_at(now))
            .filter(articles::author_id.is_not_null()),
    ))
    .get_result(conn)
}

/// The publish time of the newest public article among `candidates` (a
/// correlated subquery on the listing's own index, which stops at the first
/// public article): a listing page's last change as sitemaps give it. Edits
/// to older articles are not counted: finding them would read every article
/// of the listing on each publish.
macro_rules! newest_published {
    ($candidates:expr, $time:expr) => {
        $candidates
            .order($time.desc())
            .select($time)
            .limit(1)
            .single_value()
    };
}

/// Every section in navigation order (section pages exist even while empty),
/// each with the publish time of its newest public article: one index walk
/// per section, whatever the archive's size.
pub fn section_rows(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<SitemapRow>> {
    let newest = newest_published!(
        articles::table
            .filter(articles::section_id.eq(sections::id.nullable()))
            .filter(public_at(now)),
        articles::published_at
    );
    Ok(sections::table
        .order((sections::position.asc(), sections::name.asc()))
        .select((sections::slug, newest))
        .load::<(String, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .map(|(slug, lastmod)| SitemapRow {
            slug,
            lastmod,
            image_token: None,
        })
        .collect())
}

/// Tags with at least one public article, by slug (a tag used only on drafts
/// has an empty page, and listing it would reveal the draft's subject), each
/// with the publish time of its newest public article, found in the tag's
/// own index: the cost follows the number of tags, not of articles.
pub fn tag_rows(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<SitemapRow>> {
    let newest = newest_published!(
        article_tags::table
            .inner_join(articles::table)
            .filter(article_tags::tag_id.eq(tags::id))
            // Implied by the public rule; it makes the walk a range on the
            // tag's index (without it SQLite walked every public article per tag).
            .filter(article_tags::published_at.le(now))
            .filter(public_at(now)),
        article_tags::published_at
    );
    named_rows(
        tags::table
            .order(tags::slug.asc())
            .select((tags::slug, newest))
            .load(conn)?,
    )
}

/// Authors with at least one public article (as lead author or co-author),
/// by slug, each with the publish time of their newest public article,
/// found in the author's links (one index walk per author).
pub fn author_rows(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<SitemapRow>> {
    let newest = newest_published!(
        article_authors::table
            .inner_join(articles::table)
            .filter(article_authors::author_id.eq(authors::id))
            .filter(article_authors::published_at.le(now))
            .filter(public_at(now)),
        article_authors::published_at
    );
    named_rows(
        authors::table
            .order(authors::slug.asc())
            .select((authors::slug, newest))
            .load(conn)?,
    )
}

/// The named pages that list something (a newest public article).
fn named_rows(rows: Vec<(String, Option<NaiveDateTime>)>) -> QueryResult<Vec<SitemapRow>> {
    Ok(rows
        .into_iter()
        .filter(|(_, newest)| newest.is_some())
        .map(|(slug, lastmod)| SitemapRow {
            slug,
            lastmod,
            image_token: None,
        })
        .collect())
}

/// An article as the news sitemap lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsRow {
    pub slug: String,
    pub headline: String,
    /// The original publish time (UTC).
    pub published_at: NaiveDateTime,
}

/// Public articles published within `window` before `now`, newest first, at most `limit`.
pub fn news_rows(
    conn: &mut DbConn,
    now: NaiveDateTime,
    window: Duration,
    limit: i64,
) -> QueryResult<Vec<NewsRow>> {
    Ok(articles::table
        .filter(public_at(now))
        .filter(in_sitemaps())
        .filter(articles::published_at.ge(now - window))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(limit)
        .select((articles::slug, articles::headline, articles::published_at))
        .load::<(String, String, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .filter_map(|(slug, headline, published)| {
            Some(NewsRow {
                slug,
                headline,
                published_at: published?,
            })
        })
        .collect())
}
