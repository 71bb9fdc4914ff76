//! The related-articles engine (issues 5 and 9): which published articles a
//! reader of one article is likely to click next, computed when articles
//! change and stored (see `models::related`), so the article page reads its
//! list with one indexed query.
//!
//! How a candidate is scored against an article (`score`):
//! - **relevance** = `text` × words + `names` × names + `tags` × tags +
//!   `section` × same section (`score::WEIGHTS`), each signal in 0..=1:
//!   - *words*: cosine similarity of BM25-weighted stemmed words over
//!     headline, standfirst, Key Takeaways and body (stop words removed,
//!     Snowball English stemming, the headline counting most);
//!   - *names*: the same over the names in the text (runs of capitalised
//!     words: people, places, organisations), since news relatedness is
//!     mostly "the same story or the same actors";
//!   - *tags*: `1 − Π(1 − rarity(t))` over the shared tags, where
//!     `rarity(t) = ln((N+1)/df(t)) / ln(N+1)`;
//!   - *section*: 1 when both are in the same section.
//! - A candidate whose relevance is below `MIN_RELEVANCE` does not count.
//! - **score** = relevance × `0.5^(age / RECENCY_HALF_LIFE_DAYS)`. Because
//!   the factor is exponential, the order of two stored candidates never
//!   changes as time passes, and a stored list's scores are brought to a
//!   later time by one common factor.
//! - Ties: newer first, then the higher id.
//!
//! Where it lives (`index`): each article's weighted words, names and tags
//! are postings in the database (`related_postings`), with document
//! frequencies beside them (`related_terms`). A change reindexes one
//! article, reads the postings of its terms to score its candidates, and,
//! the signals being symmetric, merges it into the stored lists of the
//! articles it is relevant to; only lists that showed it and may now need
//! another article are recomputed whole. No corpus is loaded.
//!
//! When it runs (`jobs`): a save writes a job row; one worker per instance
//! claims jobs and does them, so a crash loses nothing. `rebuild` recomputes
//! everything (`broadsheet related rebuild`).

mod index;
mod jobs;
mod rebuild;
pub mod score;
mod spill;
pub mod text;

use std::thread::JoinHandle;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::{DbConn, DbPool};
use crate::error::AppError;
use crate::models::article::{Article, ArticleCard};
use crate::models::related::{self as stored, PageList};

pub use index::postings_cap;
pub use jobs::{RefreshQueue, LEASE};
pub use score::{Scored, Weights, MIN_RELEVANCE, RECENCY_HALF_LIFE_DAYS, WEIGHTS};
pub use text::{english_stemmer, terms};

/// Related articles shown by default (the sidebar has room for four cards).
pub const DEFAULT_RELATED_LIMIT: usize = 4;

/// Extra engine rows stored beyond the limit: when an article on a list is
/// deleted or unpublished, the page filters it out at read time and the next
/// stored row takes its place at once, before the background refresh lands.
pub const SPARE_ROWS: usize = 4;

/// The related cards the article page shows: the stored list, read with one
/// indexed query and filtered through the public rule, at most `limit`. A
/// list never computed (an archive imported or upgraded; the worker queues
/// these at start-up) gets stand-in cards from one more indexed query: the
/// newest public articles of the same section.
pub fn for_page(
    conn: &mut DbConn,
    article: &Article,
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<Vec<ArticleCard>> {
    match stored::page_list(conn, article.id, now)? {
        PageList::Computed(mut cards) => {
            cards.truncate(limit);
            Ok(cards)
        }
        PageList::NotComputed => {
            stored::fallback_cards(conn, article.id, article.section_id, now, limit)
        }
    }
}

/// Recomputes, now and in one write transaction, the lists an edit of
/// `article_id` may change (see `index::refresh_in`). Returns how many lists
/// were written.
pub fn refresh(
    conn: &mut DbConn,
    article_id: i32,
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<usize> {
    crate::db::write_transaction(conn, |conn| {
        crate::models::related_index::lock_index(conn)?;
        index::refresh_in(conn, article_id, now, limit)
    })
}

/// [`refresh`] for several changed articles, one after another.
pub fn refresh_many(
    conn: &mut DbConn,
    article_ids: &[i32],
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<usize> {
    let mut lists = 0;
    for &id in article_ids {
        lists += refresh(conn, id, now, limit)?;
    }
    Ok(lists)
}

/// The engine's list for one indexed article, best first, at most `limit`
/// (empty for an article outside the pool), read from the postings.
pub fn related_to(
    conn: &mut DbConn,
    article_id: i32,
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<Vec<Scored>> {
    let mut found = index::candidates(conn, article_id, now, &WEIGHTS)?.unwrap_or_default();
    found.truncate(limit);
    Ok(found)
}

/// Every candidate the postings nominate for an indexed article, with its
/// signals, whatever its relevance (for the weight search over labelled sets,
/// which re-ranks them with other weights).
pub fn signals(conn: &mut DbConn, article_id: i32, now: NaiveDateTime) -> QueryResult<Vec<Scored>> {
    Ok(
        index::candidates_above(conn, article_id, now, &WEIGHTS, f64::NEG_INFINITY)?
            .unwrap_or_default(),
    )
}

/// Refreshes the lists an edit of `article_id` may change on a thread of its
/// own and returns at once; the handle lets tests wait. The app itself
/// queues a job instead (`RefreshQueue`), so a crash loses nothing.
pub fn refresh_for_change(
    pool: DbPool,
    article_id: i32,
    now: NaiveDateTime,
) -> JoinHandle<Result<usize, AppError>> {
    refresh_for_change_with_limit(pool, article_id, now, DEFAULT_RELATED_LIMIT)
}

/// `refresh_for_change` with a configured list length.
pub fn refresh_for_change_with_limit(
    pool: DbPool,
    article_id: i32,
    now: NaiveDateTime,
    limit: usize,
) -> JoinHandle<Result<usize, AppError>> {
    std::thread::spawn(move || {
        let result = pool
            .get()
            .map_err(AppError::from)
            .and_then(|mut conn| Ok(refresh(&mut conn, article_id, now, limit)?));
        match &result {
            Ok(n) => tracing::debug!("related lists refreshed after article {article_id}: {n}"),
            Err(e) => {
                tracing::error!(
                    "refreshing related lists after article {article_id}: {}",
                    e.chain()
                )
            }
        }
        result
    })
}

/// Rebuilds the index and every list with the default length. Returns how
/// many lists were computed.
pub fn rebuild_all(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    rebuild_all_with_limit(conn, now, DEFAULT_RELATED_LIMIT)
}

/// Rebuilds the index and every list (`broadsheet related rebuild`, the end
/// of demo loading) with `limit` cards (plus spares) per list.
pub fn rebuild_all_with_limit(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<usize> {
    // Every id the rebuild writes was just read from `articles`, and articles
    // are never deleted, only marked deleted: the per-row checks (a random
    // article row read each, millions of them) can go.
    crate::db::without_foreign_keys(conn, |conn| rebuild::rebuild(conn, now, limit))
}
