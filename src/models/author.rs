//! Authors and desks that articles are credited to, and the ordered links
//! (`article_authors`) that credit an article to one or more of them.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::{article_authors, articles, authors, users};

/// How many authors one article can be credited to.
pub const MAX_PER_ARTICLE: usize = 5;

/// Whether an author is a person or an organization (a desk such as "City
/// Desk"), stored as text: structured data names them `Person` or `Organization`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorKind {
    Person,
    Organization,
}

impl AuthorKind {
    /// Both kinds, as the author form offers them.
    pub const ALL: [AuthorKind; 2] = [AuthorKind::Person, AuthorKind::Organization];

    /// The stored form.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthorKind::Person => "person",
            AuthorKind::Organization => "organization",
        }
    }

    /// What the author form calls it.
    pub const fn label(self) -> &'static str {
        match self {
            AuthorKind::Person => "Person",
            AuthorKind::Organization => "Desk or organization",
        }
    }

    /// The schema.org type.
    pub const fn schema_type(self) -> &'static str {
        match self {
            AuthorKind::Person => "Person",
            AuthorKind::Organization => "Organization",
        }
    }

    /// Parses the stored form (anything else is refused).
    pub fn parse(text: &str) -> Option<AuthorKind> {
        AuthorKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

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
    /// `person` or `organization` (see [`AuthorKind`]).
    pub kind: String,
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
    /// Whether the author is a person or an organization (an unknown stored
    /// value counts as a person).
    pub fn kind(&self) -> AuthorKind {
        AuthorKind::parse(&self.kind).unwrap_or(AuthorKind::Person)
    }

    /// Sets whether the author is a person or an organization.
    pub fn set_kind(conn: &mut DbConn, id: i32, kind: AuthorKind) -> QueryResult<()> {
        diesel::update(authors::table.find(id))
            .set(authors::kind.eq(kind.as_str()))
            .execute(conn)
            .map(drop)
    }

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

    /// Gives author `id` the name, slug and bio of `new`.
    pub fn update(conn: &mut DbConn, id: i32, new: &NewAuthor) -> QueryResult<()> {
        diesel::update(authors::table.find(id))
            .set((
                authors::name.eq(&new.name),
                authors::slug.eq(&new.slug),
                authors::bio.eq(&new.bio),
            ))
            .execute(conn)
            .map(|_| ())
    }

    /// Shows image `photo_id` as author `id`'s photo.
    pub fn set_photo(conn: &mut DbConn, id: i32, photo_id: i32) -> QueryResult<()> {
        diesel::update(authors::table.find(id))
            .set(authors::photo_id.eq(Some(photo_id)))
            .execute(conn)
            .map(|_| ())
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

    /// How many articles (trash included) are credited to author `id`, as
    /// lead author or co-author.
    pub fn article_count(conn: &mut DbConn, id: i32) -> QueryResult<i64> {
        article_authors::table
            .filter(article_authors::author_id.eq(id))
            .count()
            .get_result(conn)
    }

    /// An article's authors in byline order.
    pub fn for_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<Author>> {
        article_authors::table
            .inner_join(authors::table)
            .filter(article_authors::article_id.eq(article_id))
            .order(article_authors::position.asc())
            .select(Author::as_select())
            .load(conn)
    }

    /// The authors of each of `article_ids` in byline order, in one query
    /// (articles without authors are absent).
    pub fn for_articles(
        conn: &mut DbConn,
        article_ids: &[i32],
    ) -> QueryResult<HashMap<i32, Vec<Author>>> {
        let mut by_article: HashMap<i32, Vec<Author>> = HashMap::new();
        if article_ids.is_empty() {
            return Ok(by_article);
        }
        for (article_id, author) in article_authors::table
            .inner_join(authors::table)
            .filter(article_authors::article_id.eq_any(article_ids))
            .order((article_authors::article_id, article_authors::position))
            .select((article_authors::article_id, Author::as_select()))
            .load::<(i32, Author)>(conn)?
        {
            by_article.entry(article_id).or_default().push(author);
        }
        Ok(by_article)
    }

    /// The authors with these ids, in the order given (ids of no author are left out).
    pub fn in_order(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<Author>> {
        let mut found: HashMap<i32, Author> = authors::table
            .filter(authors::id.eq_any(ids))
            .select(Author::as_select())
            .load::<Author>(conn)?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// The author ids of an article in byline order.
    pub fn ids_for_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<i32>> {
        article_authors::table
            .filter(article_authors::article_id.eq(article_id))
            .order(article_authors::position.asc())
            .select(article_authors::author_id)
            .load(conn)
    }

    /// Credits an article to `author_ids` in order (distinct ids; empty for
    /// none), replacing its links, and keeps `articles.author_id` the lead
    /// author. Call it inside the save's transaction, after the article's
    /// publish time is written: the links copy it (triggers).
    pub fn set_for_article(
        conn: &mut DbConn,
        article_id: i32,
        author_ids: &[i32],
    ) -> QueryResult<()> {
        diesel::delete(article_authors::table.filter(article_authors::article_id.eq(article_id)))
            .execute(conn)?;
        for (position, author_id) in (1..).zip(author_ids) {
            diesel::insert_into(article_authors::table)
                .values((
                    article_authors::article_id.eq(article_id),
                    article_authors::author_id.eq(author_id),
                    article_authors::position.eq(position),
                ))
                .execute(conn)?;
        }
        diesel::update(articles::table.find(article_id))
            .set(articles::author_id.eq(author_ids.first().copied()))
            .execute(conn)
            .map(drop)
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
        const CHOOSE: &str = "Choose another author to credit their articles to.";
        if id == into {
            return Err(AppError::BadRequest(CHOOSE.into()));
        }
        crate::db::write_transaction(conn, |conn| {
            let old = Self::find(conn, id)?;
            Self::find(conn, into)
                .optional()?
                .ok_or_else(|| AppError::BadRequest(CHOOSE.into()))?;
            let moved: Vec<i32> = article_authors::table
                .filter(article_authors::author_id.eq(id))
                .select(article_authors::article_id)
                .load(conn)?;
            // An article credited to both keeps one credit to `into`, at the
            // earlier of the two places (the old author's link takes its id).
            let moving: std::collections::HashSet<i32> = moved.iter().copied().collect();
            let both: Vec<i32> = article_authors::table
                .filter(article_authors::author_id.eq(into))
                .select(article_authors::article_id)
                .load::<i32>(conn)?
                .into_iter()
                .filter(|a| moving.contains(a))
                .collect();
            for chunk in both.chunks(500) {
                let earlier: Vec<(i32, i32, i32)> = article_authors::table
                    .filter(article_authors::article_id.eq_any(chunk))
                    .filter(article_authors::author_id.eq_any([id, into]))
                    .select((
                        article_authors::article_id,
                        article_authors::author_id,
                        article_authors::position,
                    ))
                    .load(conn)?;
                for &article in chunk {
                    let position = earlier
                        .iter()
                        .filter(|(a, _, _)| *a == article)
                        .map(|(_, _, p)| *p)
                        .min()
                        .unwrap_or(1);
                    diesel::delete(
                        article_authors::table
                            .filter(article_authors::article_id.eq(article))
                            .filter(article_authors::author_id.eq(into)),
                    )
                    .execute(conn)?;
                    diesel::update(
                        article_authors::table
                            .filter(article_authors::article_id.eq(article))
                            .filter(article_authors::author_id.eq(id)),
                    )
                    .set(article_authors::position.eq(position))
                    .execute(conn)?;
                }
            }
            diesel::update(article_authors::table.filter(article_authors::author_id.eq(id)))
                .set(article_authors::author_id.eq(into))
                .execute(conn)?;
            // The lead author's copy: `into` wherever `id` led (a shared
            // article's earlier place is the old author's, so `into` leads it
            // exactly when `id` did or `into` already did).
            diesel::update(articles::table.filter(articles::author_id.eq(id)))
                .set(articles::author_id.eq(Some(into)))
                .execute(conn)?;
            diesel::update(users::table.filter(users::author_id.eq(id)))
                .set(users::author_id.eq(Some(into)))
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
