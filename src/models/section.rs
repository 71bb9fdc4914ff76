//! Sections of the paper (City, Business, …), shown in the navigation in `position` order.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::sections;

/// A section of the paper.
#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = sections)]
pub struct Section {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
}

/// A section to be created.
#[derive(Insertable, Debug)]
#[diesel(table_name = sections)]
pub struct NewSection {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
}

impl Section {
    /// All sections in navigation order.
    pub fn all_in_order(conn: &mut DbConn) -> QueryResult<Vec<Section>> {
        sections::table
            .order((sections::position.asc(), sections::name.asc()))
            .select(Section::as_select())
            .load(conn)
    }

    /// The section with this slug.
    pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Section> {
        sections::table
            .filter(sections::slug.eq(slug))
            .select(Section::as_select())
            .first(conn)
    }

    /// Creates a section and returns its id.
    pub fn create(conn: &mut DbConn, new: &NewSection) -> QueryResult<i32> {
        diesel::insert_into(sections::table)
            .values(new)
            .returning(sections::id)
            .get_result(conn)
    }

    /// Gives section `id` the name, slug, description and place of `new`.
    pub fn update(conn: &mut DbConn, id: i32, new: &NewSection) -> QueryResult<()> {
        diesel::update(sections::table.find(id))
            .set((
                sections::name.eq(&new.name),
                sections::slug.eq(&new.slug),
                sections::description.eq(&new.description),
                sections::position.eq(new.position),
            ))
            .execute(conn)
            .map(|_| ())
    }
}

/// Why a section cannot be deleted as asked.
pub const SAME_SECTION: &str = "Choose another section to move its articles to.";

impl Section {
    /// The section with this id.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Section> {
        sections::table
            .find(id)
            .select(Section::as_select())
            .first(conn)
    }

    /// How many articles (trash included) are filed in each section, by id.
    pub fn article_counts(conn: &mut DbConn) -> QueryResult<Vec<(Option<i32>, i64)>> {
        use crate::schema::articles;
        articles::table
            .group_by(articles::section_id)
            .select((articles::section_id, diesel::dsl::count_star()))
            .load(conn)
    }

    /// Deletes section `id` after moving every one of its articles (trash
    /// included) to `into`, in one write transaction; its old URLs then
    /// answer 301 to `into`. Returns the moved articles, whose related lists
    /// are queued for a refresh (the section is one of their signals).
    pub fn delete_into(
        conn: &mut DbConn,
        id: i32,
        into: i32,
        now: chrono::NaiveDateTime,
    ) -> Result<Vec<i32>, crate::error::AppError> {
        use crate::models::taxonomy_redirect::{self, TaxonomyKind};
        use crate::schema::articles;
        if id == into {
            return Err(crate::error::AppError::BadRequest(SAME_SECTION.into()));
        }
        crate::db::write_transaction(conn, |conn| {
            let old = Self::find(conn, id).map_err(crate::error::AppError::from)?;
            Self::find(conn, into)
                .optional()?
                .ok_or_else(|| crate::error::AppError::BadRequest(SAME_SECTION.into()))?;
            let moved: Vec<i32> = articles::table
                .filter(articles::section_id.eq(id))
                .select(articles::id)
                .load(conn)?;
            diesel::update(articles::table.filter(articles::section_id.eq(id)))
                .set(articles::section_id.eq(Some(into)))
                .execute(conn)?;
            taxonomy_redirect::record_replacement(
                conn,
                TaxonomyKind::Section,
                id,
                &old.slug,
                into,
            )?;
            diesel::delete(sections::table.find(id)).execute(conn)?;
            for &article in &moved {
                crate::models::related_index::request_job(conn, article, now)?;
            }
            crate::models::public_change::record(conn, now)?;
            Ok(moved)
        })
    }
}
