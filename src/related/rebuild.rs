//! `broadsheet related rebuild`: the whole index and every list from scratch.
//! Articles are read a batch at a time and tokenised on two threads; the
//! postings are then held in memory (compact: a term id and an f32 per
//! posting) to score every article, and written to the database in bulk.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::index::{postings_cap, MAX_CANDIDATES};
use super::score::{self, rank, rarity, Kind, Overlap, Scored, Weights};
use super::{text, SPARE_ROWS};
use crate::db::DbConn;
use crate::models::related::{self as stored, NewRelatedRow};
use crate::models::related_index::{self as index, NewDoc, NewPosting, NewTerm, DOCS_TERM_ID};

/// Articles read (and lists written) per batch.
const BATCH: i64 = 2_000;

/// One indexed article, in memory.
struct Doc {
    id: i32,
    section_id: Option<i32>,
    published_at: NaiveDateTime,
    /// Kept (term, weight), sorted by term.
    terms: Vec<(u32, f32)>,
    /// Tag terms, sorted.
    tags: Vec<u32>,
}

/// The in-memory index a rebuild scores with.
struct Memory {
    docs: Vec<Doc>,
    kinds: Vec<Kind>,
    /// Tag id of each tag term.
    tag_of: Vec<i32>,
    df: Vec<i32>,
    postings: Vec<Vec<(u32, f32)>>,
    n: i32,
}

/// Per-thread buffers for scoring one article after another.
struct Scratch {
    text: Vec<f32>,
    names: Vec<f32>,
    seen: Vec<bool>,
    touched: Vec<u32>,
}

impl Memory {
    fn scratch(&self) -> Scratch {
        Scratch {
            text: vec![0.0; self.docs.len()],
            names: vec![0.0; self.docs.len()],
            seen: vec![false; self.docs.len()],
            touched: Vec::new(),
        }
    }

    /// The same ranking as `index::candidates`, from memory.
    fn candidates(
        &self,
        at: usize,
        s: &mut Scratch,
        w: &Weights,
        now: NaiveDateTime,
    ) -> Vec<Scored> {
        let a = &self.docs[at];
        let cap = postings_cap(self.n);
        for &(t, weight) in &a.terms {
            if self.df[t as usize] > cap {
                continue;
            }
            let kind = self.kinds[t as usize];
            for &(d, w2) in &self.postings[t as usize] {
                let di = d as usize;
                if !s.seen[di] {
                    s.seen[di] = true;
                    s.touched.push(d);
                }
                match kind {
                    Kind::Word => s.text[di] += weight * w2,
                    Kind::Name => s.names[di] += weight * w2,
                    _ => {}
                }
            }
        }
        let mut overlaps: Vec<(f64, u32, Overlap)> = Vec::with_capacity(s.touched.len());
        for d in s.touched.drain(..) {
            let di = d as usize;
            let overlap = Overlap {
                text: s.text[di],
                names: s.names[di],
                tags: Vec::new(),
            };
            s.text[di] = 0.0;
            s.names[di] = 0.0;
            s.seen[di] = false;
            if di == at {
                continue;
            }
            let mut overlap = overlap;
            for t in &a.tags {
                if self.docs[di].tags.binary_search(t).is_ok() {
                    let tag = (
                        rarity(self.df[*t as usize], self.n),
                        self.tag_of[*t as usize],
                    );
                    overlap.tags.push(tag);
                }
            }
            overlaps.push((overlap.partial(w), d, overlap));
        }
        if overlaps.len() > MAX_CANDIDATES {
            let id = |d: u32| self.docs[d as usize].id;
            // The same candidates as `index::candidates` keeps, found by a
            // selection: their order does not matter before ranking.
            overlaps.select_nth_unstable_by(MAX_CANDIDATES - 1, |x, y| {
                y.0.total_cmp(&x.0).then(id(x.1).cmp(&id(y.1)))
            });
            overlaps.truncate(MAX_CANDIDATES);
        }
        let mut found: Vec<Scored> = overlaps
            .into_iter()
            .filter_map(|(_, d, overlap)| {
                let b = &self.docs[d as usize];
                let same_section = a.section_id.is_some() && a.section_id == b.section_id;
                let scored = Scored::new(w, b.id, overlap, same_section, b.published_at, now);
                (scored.relevance >= score::MIN_RELEVANCE).then_some(scored)
            })
            .collect();
        rank(&mut found);
        found
    }
}

/// Reads and tokenises the pool a batch at a time; returns the vocabulary,
/// document frequencies and each article's raw term frequencies.
type Raw = (
    Vec<String>,
    Vec<i32>,
    Vec<(i32, Option<i32>, NaiveDateTime, Vec<(u32, f32)>)>,
);

fn read_pool(conn: &mut DbConn) -> QueryResult<Raw> {
    let mut vocabulary: HashMap<String, u32> = HashMap::new();
    let mut terms: Vec<String> = Vec::new();
    let mut df: Vec<i32> = Vec::new();
    let mut docs = Vec::new();
    let mut after = 0;
    let mut tokenisers = [text::Tokeniser::default(), text::Tokeniser::default()];
    loop {
        let batch = index::pool_batch(conn, after, BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let half = batch.len().div_ceil(2);
        let [mine, theirs] = &mut tokenisers;
        let tokenised: Vec<FxHashMap<String, f32>> = std::thread::scope(|scope| {
            let work = |part: &[index::PoolArticle], tokeniser: &mut text::Tokeniser| {
                part.iter()
                    .map(|a| {
                        let mut tf = text::frequencies(a, tokeniser);
                        for tag in &a.tag_ids {
                            tf.insert(format!("t:{tag}"), 1.0);
                        }
                        tf
                    })
                    .collect::<Vec<_>>()
            };
            let (first, second) = batch.split_at(half);
            let other = scope.spawn(move || work(second, theirs));
            let mut out = work(first, mine);
            out.extend(other.join().expect("tokenising thread"));
            out
        });
        for (article, tf) in batch.into_iter().zip(tokenised) {
            let mut ids: Vec<(u32, f32)> = tf
                .into_iter()
                .map(|(term, f)| {
                    let next = terms.len() as u32;
                    let id = *vocabulary.entry(term).or_insert_with_key(|term| {
                        terms.push(term.clone());
                        df.push(0);
                        next
                    });
                    df[id as usize] += 1;
                    (id, f)
                })
                .collect();
            ids.sort_unstable_by_key(|&(t, _)| t);
            docs.push((article.id, article.section_id, article.published_at, ids));
        }
    }
    Ok((terms, df, docs))
}

/// Rebuilds the index and every list with `limit` cards (+ spares) each.
/// Returns how many lists were computed.
pub fn rebuild(conn: &mut DbConn, now: NaiveDateTime, limit: usize) -> QueryResult<usize> {
    let w = &score::WEIGHTS;
    let keep = limit + SPARE_ROWS;
    let started = std::time::Instant::now();
    let (terms, df, raw) = read_pool(conn)?;
    tracing::info!(
        "related rebuild: {} articles read and tokenised in {:.1}s ({} terms)",
        raw.len(),
        started.elapsed().as_secs_f64(),
        terms.len()
    );
    let n = i32::try_from(raw.len()).unwrap_or(i32::MAX);
    let kinds: Vec<Kind> = terms.iter().map(|t| Kind::of(t)).collect();
    let tag_of: Vec<i32> = terms
        .iter()
        .map(|t| score::tag_id(t).unwrap_or(0))
        .collect();

    // The terms, in the database (this empties the index first).
    let mut new_terms: Vec<NewTerm> = Vec::with_capacity(terms.len() + 1);
    new_terms.push(NewTerm {
        id: DOCS_TERM_ID,
        term: String::new(),
        df: n,
    });
    new_terms.extend(
        terms
            .into_iter()
            .zip(&df)
            .enumerate()
            .map(|(i, (term, &df))| NewTerm {
                id: i as i32 + 1,
                term,
                df,
            }),
    );
    crate::db::write_transaction(conn, |conn| index::replace_terms(conn, &new_terms))?;
    let vocabulary = new_terms.len() - 1;
    drop(new_terms);

    // Weights, pruning and the in-memory postings; each article's full term
    // list is stored a batch at a time (held whole, they would double the
    // rebuild's memory).
    let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); vocabulary];
    let mut docs = Vec::with_capacity(raw.len());
    let mut new_docs = Vec::with_capacity(BATCH as usize);
    let total = raw.len();
    for (doc_index, (id, section_id, published_at, tf)) in raw.into_iter().enumerate() {
        let weighted: Vec<(u32, Kind, f32, i32)> = tf
            .iter()
            .map(|&(t, f)| (t, kinds[t as usize], f, df[t as usize]))
            .collect();
        let mut kept = score::weigh(&weighted, n);
        kept.sort_unstable_by_key(|&(t, _)| t);
        for &(t, weight) in &kept {
            postings[t as usize].push((doc_index as u32, weight));
        }
        new_docs.push(NewDoc {
            article_id: id,
            section_id,
            published_at,
            // Database ids are the vocabulary's plus one (0 is the count row).
            term_ids: tf
                .iter()
                .map(|(t, _)| (t + 1).to_string())
                .collect::<Vec<_>>()
                .join(" "),
        });
        if new_docs.len() == BATCH as usize || doc_index + 1 == total {
            crate::db::write_transaction(conn, |conn| index::insert_docs(conn, &new_docs, &[]))?;
            new_docs.clear();
        }
        let tags = kept
            .iter()
            .filter(|(t, _)| kinds[*t as usize] == Kind::Tag)
            .map(|(t, _)| *t)
            .collect();
        docs.push(Doc {
            id,
            section_id,
            published_at,
            terms: kept,
            tags,
        });
    }

    // The postings term by term (each list is in article order): the key's order.
    let ids: Vec<i32> = docs.iter().map(|d| d.id).collect();
    let mut term = 0;
    let batches = std::iter::from_fn(|| {
        let mut batch = Vec::new();
        while term < postings.len() && batch.len() < 100_000 {
            batch.extend(postings[term].iter().map(|&(d, weight)| NewPosting {
                term_id: term as i32 + 1,
                article_id: ids[d as usize],
                weight,
            }));
            term += 1;
        }
        (!batch.is_empty()).then_some(batch)
    });
    index::load_postings(conn, batches)?;
    tracing::info!(
        "related rebuild: index written at {:.1}s",
        started.elapsed().as_secs_f64()
    );

    // Every list, scored on two threads, written a batch at a time.
    let memory = Memory {
        docs,
        kinds,
        tag_of,
        df,
        postings,
        n,
    };
    let tag_names: HashMap<i32, String> = index::all_tag_names(conn)?.into_iter().collect();
    let mut pins: HashMap<i32, Vec<i32>> = HashMap::new();
    for (article_id, related_id) in stored::all_pins(conn)? {
        pins.entry(article_id).or_default().push(related_id);
    }
    let no_pins = Vec::new();
    let in_pool: std::collections::HashSet<i32> = memory.docs.iter().map(|d| d.id).collect();
    let batch = BATCH as usize;
    let mut first = true;
    for start in (0..memory.docs.len()).step_by(batch) {
        let end = (start + batch).min(memory.docs.len());
        let half = start + (end - start).div_ceil(2);
        let score_range = |range: std::ops::Range<usize>| {
            let mut scratch = memory.scratch();
            range
                .map(|at| {
                    let id = memory.docs[at].id;
                    let found = memory.candidates(at, &mut scratch, w, now);
                    let article_pins = pins.get(&id).unwrap_or(&no_pins);
                    (
                        id,
                        score::rows_for(id, article_pins, &found, keep, &tag_names),
                    )
                })
                .collect::<Vec<_>>()
        };
        let lists: Vec<(i32, Vec<NewRelatedRow>)> = std::thread::scope(|scope| {
            let other = scope.spawn(|| score_range(half..end));
            let mut out = score_range(start..half);
            out.extend(other.join().expect("scoring thread"));
            out
        });
        crate::db::write_transaction(conn, |conn| {
            if first {
                // Lists of articles that have left the pool since they were computed.
                let computed: Vec<i32> = stored::computed_ids(conn)?;
                for id in computed.into_iter().filter(|id| !in_pool.contains(id)) {
                    stored::clear_list(conn, id)?;
                }
            }
            stored::replace_lists(conn, &lists, now)
        })?;
        first = false;
    }
    tracing::info!(
        "related rebuild: lists scored and written at {:.1}s",
        started.elapsed().as_secs_f64()
    );
    if memory.docs.is_empty() {
        crate::db::write_transaction(conn, |conn| {
            for id in stored::computed_ids(conn)? {
                stored::clear_list(conn, id)?;
            }
            QueryResult::Ok(())
        })?;
    }
    crate::db::write_transaction(conn, |conn| {
        // The jobs asked for before the rebuild began are done; the lists
        // changed what public pages show.
        index::drop_jobs_until(conn, now)?;
        crate::models::public_change::record(conn, now)
    })?;
    Ok(memory.docs.len())
}
