//! Old addresses of imported articles: a WordPress permalink
//! (`/2026/11/14/night-ferry-returns/`) or its `?p=101` form keeps answering,
//! with a 301 to the article's own URL. They live in `taxonomy_redirects`
//! beside the old slugs of sections, tags and authors, with the kind
//! [`KIND`], the old address (see [`path_key`]) as `old_slug` and the
//! article's id as `target_id`, so the export carries them and the lookup is
//! the table's primary key. The lookup runs only for requests that matched
//! no route, and leads only to public articles: a draft's old address stays
//! a 404 until it is published.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::article::public_at;
use crate::schema::{articles, taxonomy_redirects};

/// The `taxonomy_redirects.kind` of an article's old address.
pub const KIND: &str = "permalink";

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

/// Records that `key` (from [`path_key`] or [`query_key`]) leads to `article_id`.
pub fn record(conn: &mut DbConn, key: &str, article_id: i32) -> QueryResult<()> {
    diesel::insert_into(taxonomy_redirects::table)
        .values((
            taxonomy_redirects::kind.eq(KIND),
            taxonomy_redirects::old_slug.eq(key),
            taxonomy_redirects::target_id.eq(article_id),
        ))
        .execute(conn)
        .map(drop)
}

/// The slug of the public article the old address `key` leads to, if any.
pub fn public_target(
    conn: &mut DbConn,
    key: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    taxonomy_redirects::table
        .inner_join(articles::table.on(articles::id.eq(taxonomy_redirects::target_id)))
        .filter(taxonomy_redirects::kind.eq(KIND))
        .filter(taxonomy_redirects::old_slug.eq(key))
        .filter(public_at(now))
        .select(articles::slug)
        .first(conn)
        .optional()
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
