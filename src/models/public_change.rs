//! When something readers can see last changed: recorded in the same
//! transaction as every write that changes a public page (an edit of a public
//! article, publishing, unpublishing, trash and restore, sections, tags,
//! authors, related lists). Pages, feeds and sitemaps send it as
//! `Last-Modified`, together with the latest publish time that has arrived, so
//! a draft saved in the newsroom does not look like news to crawlers.
//!
//! Each recorded change also bumps a generation counter, which the response
//! cache (`crate::cache`) compares to decide whether what it holds is still
//! current; instances sharing one database see each other's changes through it.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::DbConn;
use crate::models::setting;

const KEY: &str = "public_changed_at";
const GENERATION_KEY: &str = "public_generation";
const FORMAT: &str = "%Y-%m-%d %H:%M:%S%.f";

/// Records that public pages changed at `now`. Call it inside the write's own
/// transaction (see `db::write_transaction`). It never moves back: a
/// background refresh that started before a later save must not make
/// `Last-Modified` older than what crawlers were already sent.
pub fn record(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<()> {
    bump_generation(conn)?;
    if last(conn)?.is_some_and(|recorded| recorded >= now) {
        return Ok(());
    }
    setting::set(conn, KEY, &now.format(FORMAT).to_string())
}

/// The last recorded change, if any was recorded.
pub fn last(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    Ok(setting::get(conn, KEY)?.and_then(|text| NaiveDateTime::parse_from_str(&text, FORMAT).ok()))
}

/// Adds one to the generation in a single statement, so two writers on
/// PostgreSQL cannot both read N and both write N + 1 (the row lock orders
/// them). Every change counts, even two within the same clock tick.
fn bump_generation(conn: &mut DbConn) -> QueryResult<()> {
    use diesel::RunQueryDsl;
    const SQL: &str = "UPDATE site_settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) \
                       WHERE key = 'public_generation'";
    let bump = |conn: &mut DbConn| match conn {
        DbConn::Sqlite(c) => diesel::sql_query(SQL).execute(c),
        DbConn::Postgres(c) => diesel::sql_query(SQL).execute(c),
    };
    if bump(conn)? == 0 {
        // The first change: start from 0 (unless another instance just did) and count this one.
        setting::insert_if_absent(conn, GENERATION_KEY, "0")?;
        bump(conn)?;
    }
    Ok(())
}

/// How many public changes were recorded (0 before the first).
pub fn generation(conn: &mut DbConn) -> QueryResult<i64> {
    Ok(setting::get(conn, GENERATION_KEY)?
        .and_then(|text| text.parse().ok())
        .unwrap_or(0))
}
