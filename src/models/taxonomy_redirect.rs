//! Old slugs of renamed sections, tags and authors. A rename stores the slug
//! it leaves behind; a request for that slug, which found nothing, gets a 301
//! to wherever the section, tag or author lives now. The lookup runs only on
//! that 404 path, so pages that are found pay nothing for it.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::{authors, sections, tags, taxonomy_redirects};

/// Which list a slug names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxonomyKind {
    Section,
    Tag,
    Author,
}

impl TaxonomyKind {
    fn key(self) -> &'static str {
        match self {
            TaxonomyKind::Section => "section",
            TaxonomyKind::Tag => "tag",
            TaxonomyKind::Author => "author",
        }
    }

    /// The URL prefix of the list's pages: `/sections`, `/tags` or `/authors`.
    pub fn prefix(self) -> &'static str {
        match self {
            TaxonomyKind::Section => "/sections",
            TaxonomyKind::Tag => "/tags",
            TaxonomyKind::Author => "/authors",
        }
    }
}

/// Records a change of slug from `old` to `new` of the section, tag or author
/// `id`: `old` now redirects to it, and `new`, live again, no longer
/// redirects anywhere (a slug taken by a new owner wins over an old redirect).
/// Call it inside the rename's write transaction.
pub fn record_rename(
    conn: &mut DbConn,
    kind: TaxonomyKind,
    id: i32,
    old: &str,
    new: &str,
) -> QueryResult<()> {
    forget(conn, kind, new)?;
    if old == new {
        return Ok(());
    }
    forget(conn, kind, old)?;
    diesel::insert_into(taxonomy_redirects::table)
        .values((
            taxonomy_redirects::kind.eq(kind.key()),
            taxonomy_redirects::old_slug.eq(old),
            taxonomy_redirects::target_id.eq(id),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Drops the redirect of `slug`, which a section, tag or author now uses.
pub fn forget(conn: &mut DbConn, kind: TaxonomyKind, slug: &str) -> QueryResult<()> {
    diesel::delete(
        taxonomy_redirects::table
            .filter(taxonomy_redirects::kind.eq(kind.key()))
            .filter(taxonomy_redirects::old_slug.eq(slug)),
    )
    .execute(conn)
    .map(|_| ())
}

/// The current slug of whatever `old` used to name, if it was renamed (and
/// still exists under a different slug).
pub fn current_slug(
    conn: &mut DbConn,
    kind: TaxonomyKind,
    old: &str,
) -> QueryResult<Option<String>> {
    let target: Option<i32> = taxonomy_redirects::table
        .filter(taxonomy_redirects::kind.eq(kind.key()))
        .filter(taxonomy_redirects::old_slug.eq(old))
        .select(taxonomy_redirects::target_id)
        .first(conn)
        .optional()?;
    let Some(id) = target else {
        return Ok(None);
    };
    Ok(slug_of(conn, kind, id)?.filter(|s| s != old))
}

/// The slug of section, tag or author `id`, if it exists.
pub fn slug_of(conn: &mut DbConn, kind: TaxonomyKind, id: i32) -> QueryResult<Option<String>> {
    match kind {
        TaxonomyKind::Section => sections::table.find(id).select(sections::slug).first(conn),
        TaxonomyKind::Tag => tags::table.find(id).select(tags::slug).first(conn),
        TaxonomyKind::Author => authors::table.find(id).select(authors::slug).first(conn),
    }
    .optional()
}

/// The section, tag or author that has `slug` now, if any.
pub fn owner_of(conn: &mut DbConn, kind: TaxonomyKind, slug: &str) -> QueryResult<Option<i32>> {
    match kind {
        TaxonomyKind::Section => sections::table
            .filter(sections::slug.eq(slug))
            .select(sections::id)
            .first(conn),
        TaxonomyKind::Tag => tags::table
            .filter(tags::slug.eq(slug))
            .select(tags::id)
            .first(conn),
        TaxonomyKind::Author => authors::table
            .filter(authors::slug.eq(slug))
            .select(authors::id)
            .first(conn),
    }
    .optional()
}

/// Records that the section, tag or author `old_id` (slug `old_slug`) is gone
/// for good, replaced by `new_id`: its slug, and every older slug that led to
/// it, now lead to `new_id`. Redirects name their target by id and are
/// re-pointed here, never chained, so every old URL takes one hop to a live
/// page, and no loop can form (the target exists and is another item). Call
/// it inside the deletion's write transaction, before deleting `old_id`.
pub fn record_replacement(
    conn: &mut DbConn,
    kind: TaxonomyKind,
    old_id: i32,
    old_slug: &str,
    new_id: i32,
) -> QueryResult<()> {
    diesel::update(
        taxonomy_redirects::table
            .filter(taxonomy_redirects::kind.eq(kind.key()))
            .filter(taxonomy_redirects::target_id.eq(old_id)),
    )
    .set(taxonomy_redirects::target_id.eq(new_id))
    .execute(conn)?;
    forget(conn, kind, old_slug)?;
    diesel::insert_into(taxonomy_redirects::table)
        .values((
            taxonomy_redirects::kind.eq(kind.key()),
            taxonomy_redirects::old_slug.eq(old_slug),
            taxonomy_redirects::target_id.eq(new_id),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Drops every redirect to `id`, which is deleted with no replacement (its
/// old URLs become plain 404s).
pub fn forget_target(conn: &mut DbConn, kind: TaxonomyKind, id: i32) -> QueryResult<()> {
    diesel::delete(
        taxonomy_redirects::table
            .filter(taxonomy_redirects::kind.eq(kind.key()))
            .filter(taxonomy_redirects::target_id.eq(id)),
    )
    .execute(conn)
    .map(|_| ())
}
