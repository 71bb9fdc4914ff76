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
                // Implied by the public rule; it makes this a range on the
                // tag's own index. Without it SQLite walked the public
                // articles newest first looking for the tag: 0.16 ms for a
                // middling tag at 10,000 articles and 7.7 ms for a tag only
                // drafts use (a 404), growing with the archive.
                .filter(article_tags::published_at.le(now))
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

    /// The tag with this id.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Tag> {
        tags::table.find(id).select(Tag::as_select()).first(conn)
    }

    /// Renames tag `id`.
    pub fn rename(conn: &mut DbConn, id: i32, name: &str, slug: &str) -> QueryResult<()> {
        diesel::update(tags::table.find(id))
            .set((tags::name.eq(name), tags::slug.eq(slug)))
            .execute(conn)
            .map(|_| ())
    }

    /// One page of tags by name, `per` a page, whose name or slug contains
    /// `search` (any case; empty for all), each with how many articles carry
    /// it (trash included), and how many tags match in all.
    pub fn page(
        conn: &mut DbConn,
        search: &str,
        page: i64,
        per: i64,
    ) -> QueryResult<(i64, Vec<(Tag, i64)>)> {
        let filtered = || {
            let mut q = tags::table.into_boxed::<crate::db::DbBackend>();
            let words = search.trim().to_lowercase();
            if !words.is_empty() {
                let pattern = format!("%{}%", crate::models::escape_like(&words));
                q = q.filter(
                    lower(tags::name)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(tags::slug.like(pattern).escape('\\')),
                );
            }
            q
        };
        let total: i64 = filtered().count().get_result(conn)?;
        let found: Vec<Tag> = filtered()
            .order((lower(tags::name).asc(), tags::id.asc()))
            .offset((page - 1) * per)
            .limit(per)
            .select(Tag::as_select())
            .load(conn)?;
        let ids: Vec<i32> = found.iter().map(|t| t.id).collect();
        let counts: Vec<(i32, i64)> = article_tags::table
            .filter(article_tags::tag_id.eq_any(&ids))
            .group_by(article_tags::tag_id)
            .select((article_tags::tag_id, diesel::dsl::count_star()))
            .load(conn)?;
        let rows = found
            .into_iter()
            .map(|t| {
                let n = counts
                    .iter()
                    .find(|(id, _)| *id == t.id)
                    .map_or(0, |(_, n)| *n);
                (t, n)
            })
            .collect();
        Ok((total, rows))
    }

    /// How many articles carry tag `id` (trash included).
    pub fn article_count(conn: &mut DbConn, id: i32) -> QueryResult<i64> {
        article_tags::table
            .filter(article_tags::tag_id.eq(id))
            .count()
            .get_result(conn)
    }

    /// Deletes tag `id` and takes it off every article, in one write
    /// transaction; its old URLs become 404s. Returns the articles that
    /// carried it (their related lists are queued for a refresh).
    pub fn delete(
        conn: &mut DbConn,
        id: i32,
        now: chrono::NaiveDateTime,
    ) -> Result<Vec<i32>, crate::error::AppError> {
        use crate::models::taxonomy_redirect::{self, TaxonomyKind};
        crate::db::write_transaction(conn, |conn| {
            Self::find(conn, id).map_err(crate::error::AppError::from)?;
            let carried = Self::article_ids(conn, id)?;
            diesel::delete(article_tags::table.filter(article_tags::tag_id.eq(id)))
                .execute(conn)?;
            taxonomy_redirect::forget_target(conn, TaxonomyKind::Tag, id)?;
            diesel::delete(tags::table.find(id)).execute(conn)?;
            for &article in &carried {
                crate::models::related_index::request_job(conn, article, now)?;
            }
            crate::models::public_change::record(conn, now)?;
            Ok(carried)
        })
    }

    /// Merges tag `from` into tag `into` in one write transaction: every
    /// article carrying `from` carries `into` (once), `from` is deleted, and
    /// its old URLs answer 301 to `into`. Returns the articles that carried
    /// `from`.
    pub fn merge_into(
        conn: &mut DbConn,
        from: i32,
        into: i32,
        now: chrono::NaiveDateTime,
    ) -> Result<Vec<i32>, crate::error::AppError> {
        use crate::models::taxonomy_redirect::{self, TaxonomyKind};
        if from == into {
            return Err(crate::error::AppError::BadRequest(
                "A tag cannot be merged into itself: choose another tag.".into(),
            ));
        }
        crate::db::write_transaction(conn, |conn| {
            let old = Self::find(conn, from).map_err(crate::error::AppError::from)?;
            Self::find(conn, into).optional()?.ok_or_else(|| {
                crate::error::AppError::BadRequest("No tag has that slug: choose another.".into())
            })?;
            let carried = Self::article_ids(conn, from)?;
            let already: Vec<i32> = Self::article_ids(conn, into)?;
            diesel::delete(article_tags::table.filter(article_tags::tag_id.eq(from)))
                .execute(conn)?;
            for &article in carried.iter().filter(|a| !already.contains(a)) {
                Self::attach(conn, article, into)?;
            }
            taxonomy_redirect::record_replacement(conn, TaxonomyKind::Tag, from, &old.slug, into)?;
            diesel::delete(tags::table.find(from)).execute(conn)?;
            for &article in &carried {
                crate::models::related_index::request_job(conn, article, now)?;
            }
            crate::models::public_change::record(conn, now)?;
            Ok(carried)
        })
    }

    fn article_ids(conn: &mut DbConn, id: i32) -> QueryResult<Vec<i32>> {
        article_tags::table
            .filter(article_tags::tag_id.eq(id))
            .select(article_tags::article_id)
            .load(conn)
    }
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
