//! The incremental path: index one article into the postings in the
//! database, score one article's candidates from the postings, and refresh
//! the lists one change affects. Nothing here loads the corpus: each step
//! reads the postings of the terms involved, through the primary key.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::score::{self, rank, rarity, recency, Kind, Overlap, Scored, Weights};
use super::{text, SPARE_ROWS};
use crate::db::DbConn;
use crate::models::related::{self as stored, NewRelatedRow};
use crate::models::related_index::{self as index, NewDoc, NewPosting, DOCS_TERM_ID};

/// Postings longer than this neither nominate candidates nor add to the
/// text and name similarity: a term on 1 % of the archive (or 500 articles
/// in a small one) barely discriminates, and reading its postings would make
/// every refresh cost O(N). Tags still count for the candidates found.
pub fn postings_cap(docs: i32) -> i32 {
    (docs / 100).max(500)
}

/// One of the article's own terms: its kind, weight, and (rarity, tag id)
/// when it is a tag.
type OwnTerm = (Kind, f32, Option<(f64, i32)>);

/// Candidates scored fully per article: the best by their partial score.
pub const MAX_CANDIDATES: usize = 1_000;

/// (Re)indexes one article: takes its old terms out of the index and, if it
/// is in the pool, puts its current ones in. Returns its publish time when
/// it is in the pool. Call inside a write transaction.
pub fn index_article(conn: &mut DbConn, article_id: i32) -> QueryResult<Option<NaiveDateTime>> {
    index::remove_doc(conn, article_id)?;
    let Some(article) = index::pool_article(conn, article_id)? else {
        return Ok(None);
    };
    let mut tf = text::frequencies(&article, &mut text::Tokeniser::default());
    for tag in &article.tag_ids {
        tf.insert(format!("t:{tag}"), 1.0);
    }
    let mut terms: Vec<String> = tf.keys().cloned().collect();
    terms.sort_unstable();
    let known = index::ensure_terms(conn, &terms)?;
    let mut ids: Vec<i32> = known.iter().map(|(id, ..)| *id).collect();
    ids.push(DOCS_TERM_ID);
    index::add_df(conn, &ids, 1)?;
    let n = index::docs_count(conn)?;
    let weighted: Vec<(i32, Kind, f32, i32)> = known
        .iter()
        .map(|(id, term, df)| (*id, Kind::of(term), tf[term], df + 1))
        .collect();
    let postings: Vec<NewPosting> = score::weigh(&weighted, n)
        .into_iter()
        .map(|(term_id, weight)| NewPosting {
            term_id,
            article_id,
            weight,
        })
        .collect();
    ids.pop();
    ids.sort_unstable();
    let doc = NewDoc {
        article_id,
        section_id: article.section_id,
        published_at: article.published_at,
        term_ids: ids.iter().map(i32::to_string).collect::<Vec<_>>().join(" "),
    };
    index::insert_doc(conn, &doc, &postings)?;
    Ok(Some(article.published_at))
}

/// Every candidate at or above `MIN_RELEVANCE` for an indexed article, best
/// first, read from the postings; `None` when the article is not indexed.
pub fn candidates(
    conn: &mut DbConn,
    article_id: i32,
    now: NaiveDateTime,
    w: &Weights,
) -> QueryResult<Option<Vec<Scored>>> {
    candidates_above(conn, article_id, now, w, score::MIN_RELEVANCE)
}

/// [`candidates`] down to relevance `min` (0 for every candidate the
/// postings nominate: the weight search re-ranks those).
pub fn candidates_above(
    conn: &mut DbConn,
    article_id: i32,
    now: NaiveDateTime,
    w: &Weights,
    min: f64,
) -> QueryResult<Option<Vec<Scored>>> {
    let Some(&(_, section_id, _)) = index::docs_of(conn, &[article_id])?.first() else {
        return Ok(None);
    };
    let own = index::postings_of(conn, article_id)?;
    let n = index::docs_count(conn)?;
    let cap = postings_cap(n);
    let mut mine: HashMap<i32, OwnTerm> = HashMap::new();
    let (mut light, mut heavy_tags) = (Vec::new(), Vec::new());
    for (term_id, term, df, weight) in &own {
        let kind = Kind::of(term);
        let tag = (kind == Kind::Tag)
            .then(|| score::tag_id(term).map(|t| (rarity(*df, n), t)))
            .flatten();
        mine.insert(*term_id, (kind, *weight, tag));
        if *df <= cap {
            light.push(*term_id);
        } else if kind == Kind::Tag {
            heavy_tags.push(*term_id);
        }
    }
    let mut overlaps: HashMap<i32, Overlap> = HashMap::new();
    for (term_id, other, weight) in index::postings_for(conn, &light)? {
        if other == article_id {
            continue;
        }
        let (kind, mine_weight, tag) = mine[&term_id];
        overlaps
            .entry(other)
            .or_default()
            .add(kind, mine_weight * weight, tag);
    }
    let mut best: Vec<(f64, i32)> = overlaps.iter().map(|(&id, o)| (o.partial(w), id)).collect();
    if best.len() > MAX_CANDIDATES {
        // Only which candidates are best matters here (they are ranked
        // later): a selection, not a sort.
        best.select_nth_unstable_by(MAX_CANDIDATES - 1, |a, b| {
            b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
        });
        best.truncate(MAX_CANDIDATES);
    }
    let ids: Vec<i32> = best.iter().map(|(_, id)| *id).collect();
    for (term_id, other, weight) in index::postings_among(conn, &heavy_tags, &ids)? {
        let (kind, mine_weight, tag) = mine[&term_id];
        if let Some(o) = overlaps.get_mut(&other) {
            o.add(kind, mine_weight * weight, tag);
        }
    }
    let mut found = Vec::new();
    for (id, section, published_at) in index::docs_of(conn, &ids)? {
        let overlap = overlaps.remove(&id).unwrap_or_default();
        let same_section = section_id.is_some() && section == section_id;
        let scored = Scored::new(w, id, overlap, same_section, published_at, now);
        if scored.relevance >= min {
            found.push(scored);
        }
    }
    rank(&mut found);
    Ok(Some(found))
}

/// What merging one changed article into a stored list gives.
enum Merge {
    Unchanged,
    Rows(Vec<NewRelatedRow>),
    /// The article fell to the end of a full list: a candidate that was not
    /// stored may now rank above it, so the list is recomputed.
    Recompute,
}

/// Puts `mine` (the changed article, scored from the list owner's side) in
/// its place on a stored list computed at `computed_at`. Stored scores are
/// brought to `now` first: recency is a common factor for a whole list, so
/// `score × 0.5^((now − computed_at) / half-life)` is the score now.
fn merge(
    rows: Vec<NewRelatedRow>,
    mine: &Scored,
    owner: i32,
    computed_at: NaiveDateTime,
    now: NaiveDateTime,
    keep: usize,
    tag_names: &HashMap<i32, String>,
) -> Merge {
    let (pinned, engine): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.pinned);
    if pinned.iter().any(|r| r.related_id == mine.article_id) {
        return Merge::Unchanged;
    }
    let factor = recency(now, computed_at);
    let full = engine.len() >= keep;
    let old = engine
        .iter()
        .find(|r| r.related_id == mine.article_id)
        .map(|r| f64::from(r.score) / 1000.0 * factor);
    let mut entries: Vec<(f64, NewRelatedRow)> = engine
        .into_iter()
        .filter(|r| r.related_id != mine.article_id)
        .map(|r| (f64::from(r.score) / 1000.0 * factor, r))
        .collect();
    let position = entries
        .iter()
        .position(|(s, _)| mine.score > *s)
        .unwrap_or(entries.len());
    if position >= keep {
        return if old.is_some() {
            Merge::Recompute
        } else {
            Merge::Unchanged
        };
    }
    if full && position == entries.len() && old.is_some_and(|o| o > mine.score) {
        return Merge::Recompute;
    }
    entries.insert(
        position,
        (
            mine.score,
            score::row(owner, false, 0, mine.article_id, Some(mine), tag_names),
        ),
    );
    entries.truncate(keep);
    let mut out = pinned;
    for (position, (s, mut row)) in (1..).zip(entries) {
        row.position = position;
        row.score = (s * 1000.0).round() as i32;
        out.push(row);
    }
    Merge::Rows(out)
}

/// Tag names for the shared tags of these candidates.
fn names_of_tags<'a>(
    conn: &mut DbConn,
    found: impl IntoIterator<Item = &'a Scored>,
    names: &mut HashMap<i32, String>,
) -> QueryResult<()> {
    let mut wanted: Vec<i32> = found
        .into_iter()
        .flat_map(|s| s.shared_tags.iter().copied())
        .filter(|t| !names.contains_key(t))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    if !wanted.is_empty() {
        names.extend(index::tag_names(conn, &wanted)?);
    }
    Ok(())
}

/// Recomputes the lists one change of `article_id` affects, inside the
/// caller's write transaction: the article is reindexed; its own list is
/// computed; it is merged into the stored list of every article it is now
/// relevant to (the signals are symmetric); and the lists that showed it but
/// no longer should are recomputed. Records a public change when any list's
/// order changed. Returns how many lists were written or cleared.
pub fn refresh_in(
    conn: &mut DbConn,
    article_id: i32,
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<usize> {
    let w = &score::WEIGHTS;
    let keep = limit + SPARE_ROWS;
    let showed: BTreeSet<i32> = stored::listing(conn, article_id)?
        .into_iter()
        .filter(|&b| b != article_id)
        .collect();
    let mut lists: BTreeMap<i32, Vec<NewRelatedRow>> = BTreeMap::new();
    let mut recompute: BTreeSet<i32> = BTreeSet::new();
    let mut tag_names: HashMap<i32, String> = HashMap::new();
    let mut cleared = false;
    match index_article(conn, article_id)? {
        Some(published_at) => {
            let found = candidates(conn, article_id, now, w)?.unwrap_or_default();
            names_of_tags(conn, &found, &mut tag_names)?;
            let pins = stored::pins(conn, article_id)?;
            lists.insert(
                article_id,
                score::rows_for(article_id, &pins, &found, keep, &tag_names),
            );
            let targets: Vec<i32> = found.iter().map(|s| s.article_id).collect();
            let mut rows_by_list: HashMap<i32, Vec<NewRelatedRow>> = HashMap::new();
            for row in stored::rows_of(conn, &targets)? {
                rows_by_list.entry(row.article_id).or_default().push(row);
            }
            let computed: HashMap<i32, NaiveDateTime> = stored::computed_at_of(conn, &targets)?
                .into_iter()
                .collect();
            for s in &found {
                let owner = s.article_id;
                // A list never computed is computed whole by its own job.
                let Some(&computed_at) = computed.get(&owner) else {
                    continue;
                };
                let rows = rows_by_list.remove(&owner).unwrap_or_default();
                let mine = s.mirrored(article_id, published_at, now);
                match merge(rows, &mine, owner, computed_at, now, keep, &tag_names) {
                    Merge::Unchanged => {}
                    Merge::Rows(rows) => {
                        lists.insert(owner, rows);
                    }
                    Merge::Recompute => {
                        recompute.insert(owner);
                    }
                }
            }
            let relevant: BTreeSet<i32> = targets.into_iter().collect();
            recompute.extend(showed.difference(&relevant));
        }
        None => {
            cleared = !stored::order_of(conn, article_id)?.is_empty();
            stored::clear_list(conn, article_id)?;
            recompute.extend(showed);
        }
    }
    for owner in recompute {
        match candidates(conn, owner, now, w)? {
            Some(found) => {
                names_of_tags(conn, &found, &mut tag_names)?;
                let pins = stored::pins(conn, owner)?;
                lists.insert(
                    owner,
                    score::rows_for(owner, &pins, &found, keep, &tag_names),
                );
            }
            None => {
                cleared |= !stored::order_of(conn, owner)?.is_empty();
                stored::clear_list(conn, owner)?;
            }
        }
    }
    let ids: Vec<i32> = lists.keys().copied().collect();
    let mut before: HashMap<i32, Vec<(bool, i32)>> = HashMap::new();
    for row in stored::rows_of(conn, &ids)? {
        before
            .entry(row.article_id)
            .or_default()
            .push((row.pinned, row.related_id));
    }
    let reordered = lists.iter().any(|(id, rows)| {
        let after: Vec<(bool, i32)> = rows.iter().map(|r| (r.pinned, r.related_id)).collect();
        before.get(id).map_or(!after.is_empty(), |b| *b != after)
    });
    let lists: Vec<(i32, Vec<NewRelatedRow>)> = lists.into_iter().collect();
    stored::replace_lists(conn, &lists, now)?;
    if reordered || cleared {
        // Related lists show on public article pages; a list whose order did
        // not change (only its scores did) changes nothing readers see.
        crate::models::public_change::record(conn, now)?;
    }
    Ok(lists.len() + usize::from(cleared))
}
