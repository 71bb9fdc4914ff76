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

    /// One page of authors by name, `per` a page, whose name or slug
    /// contains `search` (any case; empty for all), and how many match.
    pub fn page(
        conn: &mut DbConn,
        search: &str,
        page: i64,
        per: i64,
    ) -> QueryResult<(i64, Vec<Author>)> {
        let filtered = || {
            let mut q = authors::table.into_boxed::<crate::db::DbBackend>();
            let words = search.trim().to_lowercase();
            if !words.is_empty() {
                let pattern = format!("%{}%", crate::models::escape_like(&words));
                q = q.filter(
                    lower(authors::name)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(authors::slug.like(pattern).escape('\\')),
                );
            }
            q
        };
        let total: i64 = filtered().count().get_result(conn)?;
        let found = filtered()
            .order((lower(authors::name).asc(), authors::id.asc()))
            .offset((page - 1) * per)
            .limit(per)
            .select(Author::as_select())
            .load(conn)?;
        Ok((total, found))
    }

    /// Every author by name (for choosing a replacement).
    pub fn all_by_name(conn: &mut DbConn) -> QueryResult<Vec<Author>> {
        authors::table
            .order(authors::name.asc())
            .select(Author::as_select())
            .load(conn)
    }

    /// How many articles (trash included) are credited to author `id`.
    pub fn article_count(conn: &mut DbConn, id: i32) -> QueryResult<i64> {
        use crate::schema::articles;
        articles::table
            .filter(articles::author_id.eq(id))
            .count()
            .get_result(conn)
    }

    /// Deletes author `id` after crediting every one of their articles (trash
    /// included) to `into`, in one write transaction; the old author page
    /// and feeds then answer 301 to `into`'s. Returns the articles moved.
    pub fn delete_into(
        conn: &mut DbConn,
        id: i32,
        into: i32,
        now: chrono::NaiveDateTime,
    ) -> Result<Vec<i32>, crate::error::AppError> {
        use crate::error::AppError;
        use crate::models::taxonomy_redirect::{self, TaxonomyKind};
        use crate::schema::articles;
        const CHOOSE: &str = "Choose another author to credit their articles to.";
        if id == into {
            return Err(AppError::BadRequest(CHOOSE.into()));
        }
        crate::db::write_transaction(conn, |conn| {
            let old = Self::find(conn, id)?;
            Self::find(conn, into)
                .optional()?
                .ok_or_else(|| AppError::BadRequest(CHOOSE.into()))?;
            let moved: Vec<i32> = articles::table
                .filter(articles::author_id.eq(id))
                .select(articles::id)
                .load(conn)?;
            diesel::update(articles::table.filter(articles::author_id.eq(id)))
                .set(articles::author_id.eq(Some(into)))
                .execute(conn)?;
            taxonomy_redirect::record_replacement(conn, TaxonomyKind::Author, id, &old.slug, into)?;
            diesel::delete(authors::table.find(id)).execute(conn)?;
            for &article in &moved {
                crate::models::related_index::request_job(conn, article, now)?;
            }
            crate::models::public_change::record(conn, now)?;
            Ok(moved)
        })
    }
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
