//! Loading many complete articles at once (`broadsheet generate`): each with
//! its rendered body, word count, Key Takeaways, tags and authors, a batch per
//! transaction. Its own file because it writes three tables and has one
//! path per backend.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::NewArticle;
use crate::schema::{article_authors, article_tags, article_takeaways, articles};

/// An article with everything a save stores alongside it. The body is
/// rendered by the caller, before the write lock is taken.
#[derive(Debug, Clone)]
pub struct CompleteArticle {
    pub new: NewArticle,
    pub body_html: String,
    pub word_count: i32,
    pub takeaways: Vec<String>,
    pub tag_ids: Vec<i32>,
    /// Authors after the lead (`new.author_id`), in byline order.
    pub co_author_ids: Vec<i32>,
}

/// Inserts `batch` in one write transaction; returns the new ids in order.
///
/// The search index is kept by triggers, and a takeaway inserted after its
/// article re-indexes the whole article (body included) once per takeaway.
/// On SQLite the takeaways therefore go in first, under ids chosen here
/// (the write lock is held, so `max(id)` is stable), with foreign keys
/// checked at commit, and the article's own insert indexes everything once:
/// about three times less indexing. PostgreSQL cannot defer these keys, so
/// there the article goes first.
pub fn insert_articles(conn: &mut DbConn, batch: &[CompleteArticle]) -> QueryResult<Vec<i32>> {
    crate::db::write_transaction(conn, |conn| {
        let mut ids = Vec::with_capacity(batch.len());
        if let DbConn::Sqlite(_) = conn {
            diesel::sql_query("PRAGMA defer_foreign_keys = ON").execute(conn)?;
            let mut next = last_article_id(conn)?.unwrap_or(0);
            for a in batch {
                next += 1;
                insert_takeaways(conn, next, &a.takeaways)?;
                diesel::insert_into(articles::table)
                    .values((
                        articles::id.eq(next),
                        &a.new,
                        articles::word_count.eq(a.word_count),
                        articles::body_html.eq(Some(&a.body_html)),
                    ))
                    .execute(conn)?;
                insert_tags(conn, next, &a.tag_ids)?;
                insert_authors(conn, next, a)?;
                ids.push(next);
            }
        } else {
            for a in batch {
                let id: i32 = diesel::insert_into(articles::table)
                    .values((
                        &a.new,
                        articles::word_count.eq(a.word_count),
                        articles::body_html.eq(Some(&a.body_html)),
                    ))
                    .returning(articles::id)
                    .get_result(conn)?;
                insert_takeaways(conn, id, &a.takeaways)?;
                insert_tags(conn, id, &a.tag_ids)?;
                insert_authors(conn, id, a)?;
                ids.push(id);
            }
        }
        Ok(ids)
    })
}

/// The highest article id so far (numbers generated slugs past it when appending).
pub fn last_article_id(conn: &mut DbConn) -> QueryResult<Option<i32>> {
    articles::table
        .select(diesel::dsl::max(articles::id))
        .first(conn)
}

fn insert_takeaways(conn: &mut DbConn, article_id: i32, items: &[String]) -> QueryResult<()> {
    for (position, text) in (1..).zip(items) {
        diesel::insert_into(article_takeaways::table)
            .values((
                article_takeaways::article_id.eq(article_id),
                article_takeaways::position.eq(position),
                article_takeaways::text.eq(text),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn insert_tags(conn: &mut DbConn, article_id: i32, tag_ids: &[i32]) -> QueryResult<()> {
    for &tag_id in tag_ids {
        diesel::insert_into(article_tags::table)
            .values((
                article_tags::article_id.eq(article_id),
                article_tags::tag_id.eq(tag_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The article's author links, lead first (their publish time is copied by trigger).
fn insert_authors(conn: &mut DbConn, article_id: i32, a: &CompleteArticle) -> QueryResult<()> {
    let authors = a
        .new
        .author_id
        .into_iter()
        .chain(a.co_author_ids.iter().copied());
    for (position, author_id) in (1..).zip(authors) {
        diesel::insert_into(article_authors::table)
            .values((
                article_authors::article_id.eq(article_id),
                article_authors::author_id.eq(author_id),
                article_authors::position.eq(position),
            ))
            .execute(conn)?;
    }
    Ok(())
}
