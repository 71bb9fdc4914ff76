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
}
