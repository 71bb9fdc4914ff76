//! Tags: free-form topics shared across sections.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::{article_tags, tags};

/// A topic tag.
#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: i32,
    pub slug: String,
    pub name: String,
}

impl Tag {
    /// The tags of one article, by name.
    pub fn for_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<Tag>> {
        tags::table
            .inner_join(article_tags::table)
            .filter(article_tags::article_id.eq(article_id))
            .order(tags::name.asc())
            .select(Tag::as_select())
            .load(conn)
    }

    /// The tag with this slug.
    pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Tag> {
        tags::table
            .filter(tags::slug.eq(slug))
            .select(Tag::as_select())
            .first(conn)
    }

    /// The tag with this slug if readers may see it: at least one public
    /// article carries it. A tag used only by drafts or scheduled stories
    /// would otherwise reveal them by its name alone.
    pub fn find_public_by_slug(
        conn: &mut DbConn,
        slug: &str,
        now: chrono::NaiveDateTime,
    ) -> QueryResult<Tag> {
        use crate::models::article::public_at;
        use crate::schema::articles;
        let tag = Self::find_by_slug(conn, slug)?;
        let used: bool = diesel::select(diesel::dsl::exists(
            article_tags::table
                .inner_join(articles::table)
                .filter(article_tags::tag_id.eq(tag.id))
                .filter(public_at(now)),
        ))
        .get_result(conn)?;
        if used {
            Ok(tag)
        } else {
            Err(diesel::result::Error::NotFound)
        }
    }

    /// The tag with this slug, created with `name` when it does not exist yet.
    pub fn find_or_create(conn: &mut DbConn, slug: &str, name: &str) -> QueryResult<Tag> {
        if let DbConn::Postgres(pg) = conn {
            // Two saves may add the same new tag at once. PostgreSQL makes the
            // second insert wait for the first and then do nothing; on SQLite
            // saves hold the write lock, so they never overlap.
            diesel::insert_into(tags::table)
                .values((tags::slug.eq(slug), tags::name.eq(name)))
                .on_conflict(tags::slug)
                .do_nothing()
                .execute(pg)?;
        }
        let existing = tags::table
            .filter(tags::slug.eq(slug))
            .select(Tag::as_select())
            .first(conn)
            .optional()?;
        match existing {
            Some(tag) => Ok(tag),
            None => diesel::insert_into(tags::table)
                .values((tags::slug.eq(slug), tags::name.eq(name)))
                .returning(tags::all_columns)
                .get_result(conn),
        }
    }

    /// Attaches a tag to an article.
    pub fn attach(conn: &mut DbConn, article_id: i32, tag_id: i32) -> QueryResult<()> {
        diesel::insert_into(article_tags::table)
            .values((
                article_tags::article_id.eq(article_id),
                article_tags::tag_id.eq(tag_id),
            ))
            .execute(conn)
            .map(|_| ())
    }
}
