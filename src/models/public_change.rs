//! When something readers can see last changed: recorded in the same
//! transaction as every write that changes a public page (an edit of a public
//! article, publishing, unpublishing, trash and restore, sections, tags,
//! authors, related lists). Pages, feeds and sitemaps send it as
//! `Last-Modified`, together with the latest publish time that has arrived, so
//! a draft saved in the newsroom does not look like news to crawlers.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::DbConn;
use crate::models::setting;

const KEY: &str = "public_changed_at";
const FORMAT: &str = "%Y-%m-%d %H:%M:%S%.f";

/// Records that public pages changed at `now`. Call it inside the write's own
/// transaction (see `db::write_transaction`). It never moves back: a
/// background refresh that started before a later save must not make
/// `Last-Modified` older than what crawlers were already sent.
pub fn record(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<()> {
    if last(conn)?.is_some_and(|recorded| recorded >= now) {
        return Ok(());
    }
    setting::set(conn, KEY, &now.format(FORMAT).to_string())
}

/// The last recorded change, if any was recorded.
pub fn last(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    Ok(setting::get(conn, KEY)?.and_then(|text| NaiveDateTime::parse_from_str(&text, FORMAT).ok()))
}
