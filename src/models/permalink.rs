//! Old addresses of an imported site: a WordPress permalink
//! (`/2026/11/14/night-ferry-returns/`) or its `?p=101` form keeps answering,
//! with a 301 to the article's own URL, and so do the archive pages
//! `/category/news/`, `/tag/ferries/` and `/author/login/`. They live in
//! `taxonomy_redirects` beside the old slugs of sections, tags and authors,
//! with a kind of their own ([`Target::kind`]), the old address (see
//! [`path_key`]) as `old_slug` and the target's id as `target_id`, so the
//! export carries them and the lookup is the table's primary key. The
//! lookup runs only for requests that matched no route, and leads only to
//! what readers may see: a draft's old address stays a 404 until it is
//! published, and a tag no public article carries stays unknown.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::article::public_at;
use crate::models::Tag;
use crate::schema::{articles, authors, sections, tags, taxonomy_redirects};

/// What an old address leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Article,
    Section,
    Tag,
    Author,
}

impl Target {
    const ALL: [Target; 4] = [
        Target::Article,
        Target::Section,
        Target::Tag,
        Target::Author,
    ];

    /// Its `taxonomy_redirects.kind`.
    pub fn kind(self) -> &'static str {
        match self {
            Target::Article => "permalink",
            Target::Section => "permalink_section",
            Target::Tag => "permalink_tag",
            Target::Author => "permalink_author",
        }
    }

    /// The URL prefix of its pages.
    pub fn prefix(self) -> &'static str {
        match self {
            Target::Article => "/articles",
            Target::Section => "/sections",
            Target::Tag => "/tags",
            Target::Author => "/authors",
        }
    }
}

/// The longest old address kept (longer ones are not real permalinks).
pub const MAX_KEY_BYTES: usize = 1000;

/// The form an old path is stored and looked up in: percent-decoded,
/// lowercased, without trailing slashes (WordPress answers with and
/// without). `None` for the site's root and for paths too long to be real.
pub fn path_key(path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let trimmed = decoded.trim().trim_end_matches('/');
    if trimmed.is_empty() || !trimmed.starts_with('/') || trimmed.len() > MAX_KEY_BYTES {
        return None;
    }
    Some(trimmed.to_lowercase())
}

/// The key of WordPress's plain links, `/?p=101` and `/?page_id=110`, from
/// a query string: the first of those parameters with a number.
pub fn query_key(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        let number: u64 = value.parse().ok()?;
        matches!(name, "p" | "page_id").then(|| format!("?{name}={number}"))
    })
}

/// The key of an old absolute link (`https://old.example/2026/11/x/` or
/// `https://old.example/?p=12`): its path, or for the site's root its plain
/// `?p=` form.
pub fn link_key(link: &str) -> Option<String> {
    let link = link.trim();
    let after_scheme = link.split_once("://").map_or(link, |(_, rest)| rest);
    let path_and_query = after_scheme
        .find('/')
        .map_or("/", |slash| &after_scheme[slash..]);
    let path_and_query = path_and_query.split('#').next().unwrap_or("");
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    path_key(path).or_else(|| query_key(query))
}

/// Records that `key` (from [`path_key`] or [`query_key`]) leads to the
/// article, section, tag or author `id`.
pub fn record(conn: &mut DbConn, target: Target, key: &str, id: i32) -> QueryResult<()> {
    diesel::insert_into(taxonomy_redirects::table)
        .values((
            taxonomy_redirects::kind.eq(target.kind()),
            taxonomy_redirects::old_slug.eq(key),
            taxonomy_redirects::target_id.eq(id),
        ))
        .execute(conn)
        .map(drop)
}

/// Where the old address `key` leads, if readers may see it: the target
/// and its slug. One primary-key probe per kind, then one row by id.
pub fn public_target(
    conn: &mut DbConn,
    key: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(Target, String)>> {
    let kinds = Target::ALL.map(Target::kind);
    let found: Option<(String, i32)> = taxonomy_redirects::table
        .filter(taxonomy_redirects::kind.eq_any(kinds))
        .filter(taxonomy_redirects::old_slug.eq(key))
        .select((taxonomy_redirects::kind, taxonomy_redirects::target_id))
        .first(conn)
        .optional()?;
    let Some((kind, id)) = found else {
        return Ok(None);
    };
    let Some(target) = Target::ALL.into_iter().find(|t| t.kind() == kind) else {
        return Ok(None);
    };
    let slug: Option<String> = match target {
        Target::Article => articles::table
            .find(id)
            .filter(public_at(now))
            .select(articles::slug)
            .first(conn)
            .optional()?,
        Target::Section => sections::table
            .find(id)
            .select(sections::slug)
            .first(conn)
            .optional()?,
        Target::Tag => {
            let slug: Option<String> = tags::table
                .find(id)
                .select(tags::slug)
                .first(conn)
                .optional()?;
            slug.filter(|s| Tag::find_public_by_slug(conn, s, now).is_ok())
        }
        Target::Author => authors::table
            .find(id)
            .select(authors::slug)
            .first(conn)
            .optional()?,
    };
    Ok(slug.map(|slug| (target, slug)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_links_become_keys_with_or_without_their_slash() {
        assert_eq!(
            link_key("https://old.example/2026/11/14/Night-Ferry/").as_deref(),
            Some("/2026/11/14/night-ferry")
        );
        assert_eq!(
            path_key("/2026/11/14/night-ferry").as_deref(),
            Some("/2026/11/14/night-ferry")
        );
        assert_eq!(
            link_key("https://old.example/z%c3%bcrich-trams/").as_deref(),
            Some("/zürich-trams")
        );
        assert_eq!(
            path_key("/z%C3%BCrich-trams").as_deref(),
            Some("/zürich-trams")
        );
        assert_eq!(
            link_key("https://old.example/?p=105").as_deref(),
            Some("?p=105")
        );
        assert_eq!(
            query_key("utm_source=x&page_id=110").as_deref(),
            Some("?page_id=110")
        );
        assert_eq!(link_key("https://old.example/"), None);
        assert_eq!(query_key("p=abc"), None);
    }
}
