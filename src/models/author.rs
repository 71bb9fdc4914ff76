//! Authors and desks that articles are credited to.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::authors;

/// A writer or a desk ("City Desk").
#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = authors)]
pub struct Author {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub bio: String,
    /// The author's photo, if any.
    pub photo_id: Option<i32>,
}

/// An author to be created.
#[derive(Insertable, Debug)]
#[diesel(table_name = authors)]
pub struct NewAuthor {
    pub slug: String,
    pub name: String,
    pub bio: String,
}

impl Author {
    /// The author with this id.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Author> {
        authors::table
            .find(id)
            .select(Author::as_select())
            .first(conn)
    }

    /// The author with this slug.
    pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Author> {
        authors::table
            .filter(authors::slug.eq(slug))
            .select(Author::as_select())
            .first(conn)
    }

    /// Creates an author and returns the id.
    pub fn create(conn: &mut DbConn, new: &NewAuthor) -> QueryResult<i32> {
        diesel::insert_into(authors::table)
            .values(new)
            .returning(authors::id)
            .get_result(conn)
    }
}
