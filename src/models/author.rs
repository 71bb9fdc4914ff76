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
    /// Profiles elsewhere: https URLs, `""` when none (see [`LINKS`]).
    pub link_x: String,
    pub link_mastodon: String,
    pub link_bluesky: String,
    pub link_linkedin: String,
    pub link_website: String,
}

/// An author's profile links: form field and the name readers see, in the
/// order the author page lists them.
pub const LINKS: [(&str, &str); 5] = [
    ("link_x", "X"),
    ("link_mastodon", "Mastodon"),
    ("link_bluesky", "Bluesky"),
    ("link_linkedin", "LinkedIn"),
    ("link_website", "Website"),
];

/// A typed profile link made ready to store: `""` for none, else an https
/// URL with a host and no user name or password (at most 300 characters),
/// or a message for the editor.
pub fn checked_link(label: &str, typed: &str) -> Result<String, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(String::new());
    }
    let refused = || format!("{label}: “{typed}” is not an https:// address of a profile.");
    let url = ammonia::Url::parse(typed).map_err(|_| refused())?;
    if url.scheme() != "https"
        || url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
        || typed.chars().count() > 300
    {
        return Err(refused());
    }
    Ok(url.to_string())
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
    /// The stored profile link of a [`LINKS`] field.
    pub fn link(&self, field: &str) -> &str {
        match field {
            "link_x" => &self.link_x,
            "link_mastodon" => &self.link_mastodon,
            "link_bluesky" => &self.link_bluesky,
            "link_linkedin" => &self.link_linkedin,
            "link_website" => &self.link_website,
            _ => "",
        }
    }

    /// The profile links that are set, as (name, URL), in [`LINKS`] order.
    pub fn profile_links(&self) -> Vec<(&'static str, String)> {
        LINKS
            .iter()
            .map(|(field, label)| (*label, self.link(field).to_string()))
            .filter(|(_, url)| !url.is_empty())
            .collect()
    }

    /// Stores the profile links, in [`LINKS`] order.
    pub fn set_links(conn: &mut DbConn, id: i32, links: &[String; 5]) -> QueryResult<()> {
        diesel::update(authors::table.find(id))
            .set((
                authors::link_x.eq(&links[0]),
                authors::link_mastodon.eq(&links[1]),
                authors::link_bluesky.eq(&links[2]),
                authors::link_linkedin.eq(&links[3]),
                authors::link_website.eq(&links[4]),
            ))
            .execute(conn)
            .map(|_| ())
    }

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
