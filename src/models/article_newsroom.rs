//! The newsroom's queries on articles: the admin list (filters, search,
//! sorting, the trash) and the form's pickers. Readers never reach these:
//! every public query is in `article` and filters with `public_at`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbBackend, DbConn};
use crate::models::article::{own_or_public, ArticleStatus, LIVE_STATUSES};
use crate::models::Article;
use crate::schema::{article_authors, articles, authors, sections, users};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// What the admin list asks for (`/admin`, `/admin/trash`).
#[derive(Debug, Clone, Default)]
pub struct NewsroomQuery<'a> {
    /// The trash instead of the live list.
    pub trash: bool,
    /// `draft`, `review`, `scheduled`, `published`; anything else: all.
    pub status: &'a str,
    pub section: Option<i32>,
    /// Credited to this author, as lead or co-author.
    pub author: Option<i32>,
    /// Credited to this author too ("My articles").
    pub mine: Option<i32>,
    /// Words to find in the headline or body (any case).
    pub words: &'a str,
    /// `updated`, `published`, `headline`; else newest first (the review
    /// queue: oldest submission first).
    pub sort: &'a str,
    /// A contributor sees their own work and what is public.
    pub contributor: Option<i32>,
}

/// A row of the admin list: the article, its section's, lead author's and
/// last editor's names.
pub type NewsroomRow = (Article, Option<String>, Option<String>, Option<String>);

/// One page of the admin list (`offset`, `limit`) and how many rows match.
pub fn newsroom_page(
    conn: &mut DbConn,
    query: &NewsroomQuery<'_>,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<NewsroomRow>)> {
    let build = || {
        let mut q = articles::table
            .left_join(sections::table)
            .left_join(authors::table)
            .left_join(users::table.on(articles::updated_by.eq(users::id.nullable())))
            .into_boxed::<DbBackend>();
        if let Some(user_id) = query.contributor {
            q = q.filter(own_or_public(user_id, now));
        }
        q = if query.trash {
            q.filter(articles::deleted_at.is_not_null())
        } else {
            q.filter(articles::deleted_at.is_null())
        };
        match query.status {
            "draft" => {
                q = q
                    .filter(articles::status.eq(ArticleStatus::Draft.as_str()))
                    .filter(articles::submitted_at.is_null())
            }
            // The review queue.
            "review" => q = q.filter(crate::models::article::in_review()),
            "scheduled" => {
                q = q
                    .filter(articles::status.eq_any(LIVE_STATUSES))
                    .filter(articles::published_at.gt(now))
            }
            "published" => {
                q = q
                    .filter(articles::status.eq_any(LIVE_STATUSES))
                    .filter(articles::published_at.le(now))
            }
            _ => {}
        }
        if let Some(section) = query.section {
            q = q.filter(articles::section_id.eq(section));
        }
        // Lead author or co-author, like the author's public page.
        let credited = |author: i32| {
            articles::id.eq_any(
                article_authors::table
                    .filter(article_authors::author_id.eq(author))
                    .select(article_authors::article_id),
            )
        };
        for author in [query.author, query.mine].into_iter().flatten() {
            q = q.filter(credited(author));
        }
        let words = query.words.trim();
        if !words.is_empty() {
            let escaped = crate::models::escape_like(&words.to_lowercase());
            // Headline and body: a plain scan, bounded by the other filters
            // and the page; the newsroom searches far less than readers do.
            let pattern = format!("%{escaped}%");
            q = q.filter(
                lower(articles::headline)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(articles::body).like(pattern).escape('\\')),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let ordered = match query.sort {
        "updated" => build().order((articles::updated_at.desc(), articles::id.desc())),
        "published" => build().order((
            articles::published_at.is_null().asc(),
            articles::published_at.desc(),
            articles::id.desc(),
        )),
        "headline" => build().order((lower(articles::headline).asc(), articles::id.asc())),
        // The queue reads best oldest submission first (first come, first served).
        _ if query.status == "review" => {
            build().order((articles::submitted_at.asc(), articles::id.asc()))
        }
        _ => build().order((articles::created_at.desc(), articles::id.desc())),
    };
    let rows = ordered
        .offset(offset)
        .limit(limit)
        .select((
            Article::as_select(),
            sections::name.nullable(),
            authors::name.nullable(),
            users::name.nullable(),
        ))
        .load(conn)?;
    Ok((total, rows))
}

/// Articles the related-articles picker offers, as (slug, headline): the
/// most recently updated `limit` outside the trash, not `except`, and for a
/// contributor only their own or public ones.
pub fn picker_choices(
    conn: &mut DbConn,
    except: Option<i32>,
    contributor: Option<i32>,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(String, String)>> {
    let mut choices = articles::table
        .filter(articles::deleted_at.is_null())
        .into_boxed::<DbBackend>();
    if let Some(user_id) = contributor {
        choices = choices.filter(own_or_public(user_id, now));
    }
    choices
        .filter(articles::id.ne(except.unwrap_or(0)))
        .order((articles::updated_at.desc(), articles::id.desc()))
        .limit(limit)
        .select((articles::slug, articles::headline))
        .load(conn)
}

/// The slugs of the articles `ids`, as (id, slug), in no particular order.
pub fn slugs_of(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<(i32, String)>> {
    articles::table
        .filter(articles::id.eq_any(ids))
        .select((articles::id, articles::slug))
        .load(conn)
}
