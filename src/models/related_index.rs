//! The related-articles engine's index and job queue in the database (issue 9):
//! terms with their document frequencies, each indexed article's weighted
//! postings, the indexed articles themselves, and the rows that say which
//! changes still need their lists recomputed. `crate::related` decides what
//! goes in; every query on these tables is here. (Longer than most files:
//! these tables are written in bulk by the rebuild and row by row by the
//! refresh, and both kinds of write belong next to the reads they serve.)

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::article::ArticleStatus;
use crate::schema::{
    article_tags, article_takeaways, articles, related_computed, related_docs, related_jobs,
    related_postings, related_terms, tags,
};

/// The term whose `df` counts the indexed articles (id 0, made by the migration).
pub const DOCS_TERM_ID: i32 = 0;

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's limits on
/// bound parameters (32,766 and 65,535) for the widest row here.
pub(crate) const INSERT_BATCH: usize = 1_000;

/// Statuses of articles that are or will become public by themselves once
/// their publish time passes; drafts never are. The page still applies the
/// public rule, which has the final word.
const POOL_STATUSES: [&str; 2] = [
    ArticleStatus::Published.as_str(),
    ArticleStatus::Scheduled.as_str(),
];

/// Inserts `rows` into `table` a few hundred per statement. MultiConnection
/// cannot express a multi-row INSERT, so each backend's own connection does
/// it (the same SQL on both).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let mut inserted = 0;
        for chunk in $rows.chunks($crate::models::related_index::INSERT_BATCH) {
            inserted += match &mut *$conn {
                $crate::db::DbConn::Sqlite(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?
                }
                $crate::db::DbConn::Postgres(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?
                }
            };
        }
        QueryResult::Ok(inserted)
    }};
}
pub(crate) use insert_all;

/// A term of the index with an id chosen by the caller (full rebuilds).
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = related_terms)]
pub struct NewTerm {
    pub id: i32,
    pub term: String,
    pub df: i32,
}

/// A new term; the database picks its id.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = related_terms)]
struct FreshTerm<'a> {
    term: &'a str,
    df: i32,
}

/// One weighted term of one article.
#[derive(Insertable, Debug, Clone, Copy, PartialEq)]
#[diesel(table_name = related_postings)]
pub struct NewPosting {
    pub term_id: i32,
    pub article_id: i32,
    pub weight: f32,
}

/// An indexed article.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = related_docs)]
pub struct NewDoc {
    pub article_id: i32,
    pub section_id: Option<i32>,
    pub published_at: NaiveDateTime,
    /// Every distinct term id of the article, space separated.
    pub term_ids: String,
}

/// What the engine reads of an article in the pool.
#[derive(Debug, Clone)]
pub struct PoolArticle {
    pub id: i32,
    pub section_id: Option<i32>,
    pub published_at: NaiveDateTime,
    pub headline: String,
    pub standfirst: String,
    pub body: String,
    /// Key Takeaways, one per line.
    pub takeaways: String,
    pub tag_ids: Vec<i32>,
}

type PoolRow = (
    i32,
    Option<i32>,
    Option<NaiveDateTime>,
    String,
    String,
    String,
);

/// Pool articles with ids in `ids` (or, with `None`, the next `limit` after
/// `after_id`, by id), with their takeaways and tags: three queries.
fn load_pool(
    conn: &mut DbConn,
    ids: Option<&[i32]>,
    after_id: i32,
    limit: i64,
) -> QueryResult<Vec<PoolArticle>> {
    let mut query = articles::table
        .filter(articles::status.eq_any(POOL_STATUSES))
        .filter(articles::deleted_at.is_null())
        .filter(articles::published_at.is_not_null())
        .filter(articles::id.gt(after_id))
        .into_boxed::<crate::db::DbBackend>();
    if let Some(ids) = ids {
        query = query.filter(articles::id.eq_any(ids.to_vec()));
    }
    let rows: Vec<PoolRow> = query
        .order(articles::id.asc())
        .limit(limit)
        .select((
            articles::id,
            articles::section_id,
            articles::published_at,
            articles::headline,
            articles::standfirst,
            articles::body,
        ))
        .load(conn)?;
    let found: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let takeaway_rows: Vec<(i32, String)> = article_takeaways::table
        .filter(article_takeaways::article_id.eq_any(&found))
        .order((
            article_takeaways::article_id.asc(),
            article_takeaways::position.asc(),
        ))
        .select((article_takeaways::article_id, article_takeaways::text))
        .load(conn)?;
    let tag_rows: Vec<(i32, i32)> = article_tags::table
        .filter(article_tags::article_id.eq_any(&found))
        .select((article_tags::article_id, article_tags::tag_id))
        .load(conn)?;
    let mut takeaways: std::collections::HashMap<i32, String> = Default::default();
    for (id, text) in takeaway_rows {
        let joined = takeaways.entry(id).or_default();
        joined.push_str(&text);
        joined.push('\n');
    }
    let mut tag_ids: std::collections::HashMap<i32, Vec<i32>> = Default::default();
    for (id, tag) in tag_rows {
        tag_ids.entry(id).or_default().push(tag);
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, section_id, published_at, headline, standfirst, body)| PoolArticle {
                id,
                section_id,
                published_at: published_at.expect("filtered on not null"),
                headline,
                standfirst,
                body,
                takeaways: takeaways.remove(&id).unwrap_or_default(),
                tag_ids: {
                    let mut t = tag_ids.remove(&id).unwrap_or_default();
                    t.sort_unstable();
                    t
                },
            },
        )
        .collect())
}

/// The article if it is in the pool (published or scheduled, not deleted).
pub fn pool_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Option<PoolArticle>> {
    Ok(load_pool(conn, Some(&[article_id]), 0, 1)?.pop())
}

/// The next `limit` pool articles after `after_id`, by id (full rebuilds).
pub fn pool_batch(conn: &mut DbConn, after_id: i32, limit: i64) -> QueryResult<Vec<PoolArticle>> {
    load_pool(conn, None, after_id, limit)
}

/// Tag names by id, for the reasons shown on the edit page.
pub fn tag_names(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<(i32, String)>> {
    tags::table
        .filter(tags::id.eq_any(ids))
        .select((tags::id, tags::name))
        .load(conn)
}

/// Every tag name by id (full rebuilds).
pub fn all_tag_names(conn: &mut DbConn) -> QueryResult<Vec<(i32, String)>> {
    tags::table.select((tags::id, tags::name)).load(conn)
}

/// How many articles are indexed.
pub fn docs_count(conn: &mut DbConn) -> QueryResult<i32> {
    Ok(related_terms::table
        .find(DOCS_TERM_ID)
        .select(related_terms::df)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Takes an article out of the index (its postings, its row, and its share
/// of every document frequency). Returns whether it was indexed.
pub fn remove_doc(conn: &mut DbConn, article_id: i32) -> QueryResult<bool> {
    let Some(term_ids) = related_docs::table
        .find(article_id)
        .select(related_docs::term_ids)
        .first::<String>(conn)
        .optional()?
    else {
        return Ok(false);
    };
    let mut ids: Vec<i32> = term_ids
        .split_ascii_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    ids.push(DOCS_TERM_ID);
    add_df(conn, &ids, -1)?;
    diesel::delete(related_postings::table.filter(related_postings::article_id.eq(article_id)))
        .execute(conn)?;
    diesel::delete(related_docs::table.find(article_id)).execute(conn)?;
    Ok(true)
}

/// Adds `delta` to the document frequency of each term (ids in ascending
/// order, so concurrent writers on PostgreSQL lock rows in the same order).
pub fn add_df(conn: &mut DbConn, term_ids: &[i32], delta: i32) -> QueryResult<()> {
    let mut ids = term_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(INSERT_BATCH) {
        diesel::update(related_terms::table.filter(related_terms::id.eq_any(chunk)))
            .set(related_terms::df.eq(related_terms::df + delta))
            .execute(conn)?;
    }
    Ok(())
}

/// The ids and document frequencies of `terms`, creating the missing ones
/// (with df 0). Returns (id, term, df).
pub fn ensure_terms(conn: &mut DbConn, terms: &[String]) -> QueryResult<Vec<(i32, String, i32)>> {
    let mut found: Vec<(i32, String, i32)> = Vec::with_capacity(terms.len());
    for chunk in terms.chunks(INSERT_BATCH) {
        found.extend(
            related_terms::table
                .filter(related_terms::term.eq_any(chunk))
                .select((related_terms::id, related_terms::term, related_terms::df))
                .load::<(i32, String, i32)>(conn)?,
        );
    }
    let known: std::collections::HashSet<&str> = found.iter().map(|(_, t, _)| t.as_str()).collect();
    let missing: Vec<FreshTerm> = terms
        .iter()
        .filter(|t| !known.contains(t.as_str()))
        .map(|t| FreshTerm { term: t, df: 0 })
        .collect();
    if !missing.is_empty() {
        insert_all!(conn, related_terms::table, missing)?;
        let names: Vec<&str> = missing.iter().map(|m| m.term).collect();
        for chunk in names.chunks(INSERT_BATCH) {
            found.extend(
                related_terms::table
                    .filter(related_terms::term.eq_any(chunk))
                    .select((related_terms::id, related_terms::term, related_terms::df))
                    .load::<(i32, String, i32)>(conn)?,
            );
        }
    }
    Ok(found)
}

/// Stores an indexed article: its row and postings (and nothing else).
pub fn insert_doc(conn: &mut DbConn, doc: &NewDoc, postings: &[NewPosting]) -> QueryResult<()> {
    diesel::insert_into(related_docs::table)
        .values(doc)
        .execute(conn)?;
    insert_all!(conn, related_postings::table, postings)?;
    Ok(())
}

/// An article's postings: (term id, term, df, weight).
pub fn postings_of(
    conn: &mut DbConn,
    article_id: i32,
) -> QueryResult<Vec<(i32, String, i32, f32)>> {
    related_postings::table
        .inner_join(related_terms::table)
        .filter(related_postings::article_id.eq(article_id))
        .select((
            related_postings::term_id,
            related_terms::term,
            related_terms::df,
            related_postings::weight,
        ))
        .load(conn)
}

/// Every posting of `term_ids`: (term id, article id, weight).
pub fn postings_for(conn: &mut DbConn, term_ids: &[i32]) -> QueryResult<Vec<(i32, i32, f32)>> {
    related_postings::table
        .filter(related_postings::term_id.eq_any(term_ids))
        .select((
            related_postings::term_id,
            related_postings::article_id,
            related_postings::weight,
        ))
        .load(conn)
}

/// The postings of `term_ids` among `article_ids` only (looked up by the
/// primary key).
pub fn postings_among(
    conn: &mut DbConn,
    term_ids: &[i32],
    article_ids: &[i32],
) -> QueryResult<Vec<(i32, i32, f32)>> {
    if term_ids.is_empty() || article_ids.is_empty() {
        return Ok(Vec::new());
    }
    related_postings::table
        .filter(related_postings::term_id.eq_any(term_ids))
        .filter(related_postings::article_id.eq_any(article_ids))
        .select((
            related_postings::term_id,
            related_postings::article_id,
            related_postings::weight,
        ))
        .load(conn)
}

/// (article id, section, publish time) of the indexed articles among `ids`.
pub fn docs_of(
    conn: &mut DbConn,
    ids: &[i32],
) -> QueryResult<Vec<(i32, Option<i32>, NaiveDateTime)>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(INSERT_BATCH * 10) {
        out.extend(
            related_docs::table
                .filter(related_docs::article_id.eq_any(chunk))
                .select((
                    related_docs::article_id,
                    related_docs::section_id,
                    related_docs::published_at,
                ))
                .load::<(i32, Option<i32>, NaiveDateTime)>(conn)?,
        );
    }
    Ok(out)
}

/// Empties the index (the start of a full rebuild) and stores `terms`
/// (the document count row included) with the ids given.
pub fn replace_terms(conn: &mut DbConn, terms: &[NewTerm]) -> QueryResult<()> {
    lock_index(conn)?;
    diesel::delete(related_postings::table).execute(conn)?;
    diesel::delete(related_docs::table).execute(conn)?;
    diesel::delete(related_terms::table).execute(conn)?;
    insert_all!(conn, related_terms::table, terms)?;
    if let DbConn::Postgres(pg) = conn {
        // Ids were given: move the sequence past them for terms added later.
        diesel::sql_query(
            "SELECT setval(pg_get_serial_sequence('related_terms', 'id'), \
             GREATEST((SELECT MAX(id) FROM related_terms), 1))",
        )
        .execute(pg)?;
    }
    Ok(())
}

/// Stores indexed articles and postings in bulk (full rebuilds).
pub fn insert_docs(conn: &mut DbConn, docs: &[NewDoc], postings: &[NewPosting]) -> QueryResult<()> {
    lock_index(conn)?;
    let ids: Vec<i32> = docs.iter().map(|d| d.article_id).collect();
    delete_docs(conn, &ids)?;
    insert_all!(conn, related_docs::table, docs)?;
    insert_all!(conn, related_postings::table, postings)?;
    Ok(())
}

/// Loads a full rebuild's postings, given in key order (term, article), a
/// batch per transaction. The by-article index is dropped first and built
/// once at the end (one sort instead of millions of inserts at random
/// places; the same definition as the `related_postings` migration).
pub fn load_postings(
    conn: &mut DbConn,
    batches: impl IntoIterator<Item = QueryResult<Vec<NewPosting>>>,
) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        lock_index(conn)?;
        diesel::sql_query("DROP INDEX IF EXISTS related_postings_article_idx").execute(conn)
    })?;
    for batch in batches {
        let batch = batch?;
        crate::db::write_transaction(conn, |conn| {
            lock_index(conn)?;
            insert_all!(conn, related_postings::table, &batch)
        })?;
    }
    crate::db::write_transaction(conn, |conn| {
        lock_index(conn)?;
        diesel::sql_query(
            "CREATE INDEX IF NOT EXISTS related_postings_article_idx \
             ON related_postings (article_id)",
        )
        .execute(conn)
    })?;
    Ok(())
}

/// Asks for `article_id`'s lists to be recomputed: a job row, or a fresher
/// request time on the existing one (a change made while a refresh of the
/// article runs is then seen by another refresh).
pub fn request_job(conn: &mut DbConn, article_id: i32, now: NaiveDateTime) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let updated = diesel::update(related_jobs::table.find(article_id))
            .set(related_jobs::requested_at.eq(now))
            .execute(conn)?;
        if updated == 0 {
            // A concurrent insert by another instance is fine: its row asks the same.
            match &mut *conn {
                DbConn::Sqlite(c) => diesel::insert_into(related_jobs::table)
                    .values((
                        related_jobs::article_id.eq(article_id),
                        related_jobs::requested_at.eq(now),
                    ))
                    .on_conflict_do_nothing()
                    .execute(c)?,
                DbConn::Postgres(c) => diesel::insert_into(related_jobs::table)
                    .values((
                        related_jobs::article_id.eq(article_id),
                        related_jobs::requested_at.eq(now),
                    ))
                    .on_conflict_do_nothing()
                    .execute(c)?,
            };
        }
        Ok(())
    })
}

/// Claims up to `limit` jobs that nobody holds (or whose holder has not
/// finished within `lease`: it crashed or was stopped), oldest request first,
/// and returns (article id, request time). On PostgreSQL the rows are
/// selected `FOR UPDATE SKIP LOCKED`, so two instances never claim the same
/// job; on SQLite the write transaction already serialises claimers.
pub fn claim_jobs(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease: chrono::Duration,
    limit: i64,
) -> QueryResult<Vec<(i32, NaiveDateTime)>> {
    let stale = now - lease;
    crate::db::write_transaction(conn, |conn| {
        let claimable = related_jobs::table
            .filter(
                related_jobs::claimed_at
                    .is_null()
                    .or(related_jobs::claimed_at.lt(stale)),
            )
            .order((
                related_jobs::requested_at.asc(),
                related_jobs::article_id.asc(),
            ))
            .limit(limit)
            .select((related_jobs::article_id, related_jobs::requested_at));
        let jobs: Vec<(i32, NaiveDateTime)> = match &mut *conn {
            DbConn::Sqlite(c) => claimable.load(c)?,
            DbConn::Postgres(c) => claimable.for_update().skip_locked().load(c)?,
        };
        let ids: Vec<i32> = jobs.iter().map(|j| j.0).collect();
        diesel::update(related_jobs::table.filter(related_jobs::article_id.eq_any(&ids)))
            .set(related_jobs::claimed_at.eq(now))
            .execute(conn)?;
        Ok(jobs)
    })
}

/// Ends a claimed job inside the transaction that stored its lists: the row
/// goes if nobody asked again since `requested_at`, and is released for the
/// next claim otherwise.
pub fn finish_job(
    conn: &mut DbConn,
    article_id: i32,
    requested_at: NaiveDateTime,
) -> QueryResult<()> {
    let deleted = diesel::delete(
        related_jobs::table
            .filter(related_jobs::article_id.eq(article_id))
            .filter(related_jobs::requested_at.eq(requested_at)),
    )
    .execute(conn)?;
    if deleted == 0 {
        diesel::update(related_jobs::table.find(article_id))
            .set(related_jobs::claimed_at.eq(None::<NaiveDateTime>))
            .execute(conn)?;
    }
    Ok(())
}

/// Drops the jobs requested at or before `until` (a full rebuild covered them).
pub fn drop_jobs_until(conn: &mut DbConn, until: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(related_jobs::table.filter(related_jobs::requested_at.le(until))).execute(conn)
}

/// How many jobs wait or run.
pub fn jobs_pending(conn: &mut DbConn) -> QueryResult<i64> {
    related_jobs::table.count().get_result(conn)
}

/// Queues a job for every pool article whose list was never computed (an
/// archive imported or upgraded), `batch` at a time by id; returns how many.
/// One anti-join per batch, along the primary keys.
pub fn queue_uncomputed(conn: &mut DbConn, batch: i64, now: NaiveDateTime) -> QueryResult<usize> {
    let mut after = 0;
    let mut queued = 0;
    loop {
        let ids: Vec<i32> = articles::table
            .filter(articles::status.eq_any(POOL_STATUSES))
            .filter(articles::deleted_at.is_null())
            .filter(articles::published_at.is_not_null())
            .filter(articles::id.gt(after))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                related_computed::table.filter(related_computed::article_id.eq(articles::id)),
            )))
            .order(articles::id.asc())
            .limit(batch)
            .select(articles::id)
            .load(conn)?;
        let Some(&last) = ids.last() else {
            return Ok(queued);
        };
        after = last;
        for id in ids {
            request_job(conn, id, now)?;
            queued += 1;
        }
    }
}

/// Whether the index is empty while the pool is not (a database from before
/// the index: a full rebuild is then far better than one job per article).
pub fn index_is_missing(conn: &mut DbConn) -> QueryResult<bool> {
    if docs_count(conn)? > 0 {
        return Ok(false);
    }
    diesel::select(diesel::dsl::exists(
        articles::table
            .filter(articles::status.eq_any(POOL_STATUSES))
            .filter(articles::deleted_at.is_null())
            .filter(articles::published_at.is_not_null()),
    ))
    .get_result(conn)
}

/// Serialises writers of the index on PostgreSQL (a transaction-level
/// advisory lock), as the write lock already does on SQLite: two instances
/// doing jobs, or a job and a rebuild, never interleave inside a transaction.
pub fn lock_index(conn: &mut DbConn) -> QueryResult<()> {
    crate::db::serialize_writers(conn, 774_411)
}

/// Removes the rows of these articles from the index (a rebuild batch
/// replacing whatever a job wrote for them meanwhile).
pub fn delete_docs(conn: &mut DbConn, article_ids: &[i32]) -> QueryResult<()> {
    for chunk in article_ids.chunks(INSERT_BATCH) {
        diesel::delete(related_postings::table.filter(related_postings::article_id.eq_any(chunk)))
            .execute(conn)?;
        diesel::delete(related_docs::table.filter(related_docs::article_id.eq_any(chunk)))
            .execute(conn)?;
    }
    Ok(())
}
