//! `broadsheet related rebuild`: the whole index and every list from scratch.
//! Articles are read a batch at a time and tokenised on two threads. Memory
//! holds only what scoring reads: each article's tags, and its terms rare
//! enough to nominate candidates (see `postings_cap`) with their postings.
//! Everything else streams through two spill files: each article's raw term
//! frequencies (weights need the final document frequencies) and its kept
//! terms (written to the database in key order, a range of terms at a time).

use std::collections::HashMap;
use std::io::Write;

use rustc_hash::FxHashMap;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::index::{postings_cap, MAX_CANDIDATES};
use super::score::{self, rank, rarity, Kind, Overlap, Scored, Weights};
use super::spill::{read_head, read_terms, spill_error, write_head, write_terms, Head, Spill};
use super::{text, SPARE_ROWS};
use crate::db::DbConn;
use crate::models::related::{self as stored, NewRelatedRow};
use crate::models::related_index::{self as index, NewDoc, NewPosting, NewTerm, DOCS_TERM_ID};

/// Articles read (and lists written) per batch.
const BATCH: i64 = 2_000;

/// One indexed article, in memory (its terms are in [`Memory`]'s arrays).
struct Doc {
    id: i32,
    section_id: Option<i32>,
    published_at: NaiveDateTime,
}

/// The in-memory index a rebuild scores with.
struct Memory {
    docs: Vec<Doc>,
    /// Article `d`'s nominating terms (see [`Memory::nominates`]) with their
    /// weights, sorted by term: `doc_terms[doc_starts[d]..doc_starts[d + 1]]`.
    doc_starts: Vec<usize>,
    doc_terms: Vec<(u32, f32)>,
    /// Article `d`'s tag terms, sorted (shared tags count whatever their
    /// frequency): `doc_tags[tag_starts[d]..tag_starts[d + 1]]`.
    tag_starts: Vec<usize>,
    doc_tags: Vec<u32>,
    /// A nominating term `t`'s postings (article index, weight), in article
    /// order: `postings[term_starts[t]..term_starts[t + 1]]`.
    term_starts: Vec<usize>,
    postings: Vec<(u32, f32)>,
    kinds: Vec<Kind>,
    /// Tag id of each tag term.
    tag_of: Vec<i32>,
    df: Vec<i32>,
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

    fn terms_of(&self, doc: usize) -> &[(u32, f32)] {
        &self.doc_terms[self.doc_starts[doc]..self.doc_starts[doc + 1]]
    }

    fn tags_of(&self, doc: usize) -> &[u32] {
        &self.doc_tags[self.tag_starts[doc]..self.tag_starts[doc + 1]]
    }

    fn postings_of(&self, term: u32) -> &[(u32, f32)] {
        let t = term as usize;
        &self.postings[self.term_starts[t]..self.term_starts[t + 1]]
    }

    /// Whether the term's postings nominate candidates (and add to the text
    /// and name similarity): the same rule as `index::candidates`.
    fn nominates(&self, term: u32) -> bool {
        self.df[term as usize] <= postings_cap(self.n)
    }

    /// Indexes the nominating terms' postings by term: a counting sort.
    fn invert(&mut self) {
        let mut starts = vec![0usize; self.df.len() + 1];
        for &(t, _) in &self.doc_terms {
            starts[t as usize + 1] += 1;
        }
        for t in 1..starts.len() {
            starts[t] += starts[t - 1];
        }
        let mut next = starts.clone();
        let mut postings = vec![(0u32, 0f32); starts[starts.len() - 1]];
        for d in 0..self.docs.len() {
            for &(t, weight) in self.terms_of(d) {
                postings[next[t as usize]] = (d as u32, weight);
                next[t as usize] += 1;
            }
        }
        self.term_starts = starts;
        self.postings = postings;
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
        for &(t, weight) in self.terms_of(at) {
            let kind = self.kinds[t as usize];
            for &(d, w2) in self.postings_of(t) {
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
        let own_tags = self.tags_of(at);
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
            let theirs = self.tags_of(di);
            for &t in own_tags {
                if theirs.binary_search(&t).is_ok() {
                    let tag = (rarity(self.df[t as usize], self.n), self.tag_of[t as usize]);
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

/// The postings of every kept term, in the primary key's order (term, then
/// article), read back from the kept-terms spill once per range of terms
/// holding at most `POSTINGS_PER_BATCH` postings.
fn postings_in_key_order<'a>(
    kept: &'a mut Spill,
    per_term: &'a [u32],
    ids: &'a [i32],
) -> impl Iterator<Item = QueryResult<Vec<NewPosting>>> + 'a {
    const POSTINGS_PER_BATCH: usize = 500_000;
    let mut from = 0;
    let mut terms = Vec::new();
    std::iter::from_fn(move || {
        if from >= per_term.len() {
            return None;
        }
        // Terms `from..to`; postings of term t go at starts[t - from].
        let mut starts = vec![0usize];
        let mut to = from;
        while to < per_term.len()
            && (to == from
                || starts[starts.len() - 1] + per_term[to] as usize <= POSTINGS_PER_BATCH)
        {
            starts.push(starts[starts.len() - 1] + per_term[to] as usize);
            to += 1;
        }
        let range = (from as u32)..(to as u32);
        from = to;
        let batch = (|| {
            let total = starts[starts.len() - 1];
            let mut batch: Vec<NewPosting> = Vec::with_capacity(total);
            // Filled out of order, so placeholders first.
            batch.resize_with(total, || NewPosting {
                term_id: 0,
                article_id: 0,
                weight: 0.0,
            });
            let mut input = kept.reader()?;
            for &article_id in ids {
                read_terms(&mut input, &mut terms).map_err(spill_error)?;
                for &(t, weight) in terms.iter().filter(|(t, _)| range.contains(t)) {
                    let slot = &mut starts[(t - range.start) as usize];
                    batch[*slot] = NewPosting {
                        // Database ids are the vocabulary's plus one (0 is the count row).
                        term_id: t as i32 + 1,
                        article_id,
                        weight,
                    };
                    *slot += 1;
                }
            }
            Ok(batch)
        })();
        Some(batch)
    })
}

/// What reading the pool leaves in memory: the vocabulary (by id), each
/// term's document frequency and the number of articles spilled.
struct Pool {
    terms: Vec<String>,
    df: Vec<i32>,
    articles: usize,
}

/// Reads and tokenises the pool a batch at a time, spilling each article's
/// raw term frequencies (sorted by term id).
fn read_pool(conn: &mut DbConn, spill: &mut Spill) -> QueryResult<Pool> {
    let mut vocabulary: HashMap<String, u32> = HashMap::new();
    let mut df: Vec<i32> = Vec::new();
    let mut articles = 0;
    let mut after = 0;
    let mut tokenisers = [text::Tokeniser::default(), text::Tokeniser::default()];
    let mut out = spill.writer();
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
        for (article, tf) in batch.iter().zip(tokenised) {
            let mut ids: Vec<(u32, f32)> = tf
                .into_iter()
                .map(|(term, f)| {
                    let next = df.len() as u32;
                    let id = *vocabulary.entry(term).or_insert_with(|| {
                        df.push(0);
                        next
                    });
                    df[id as usize] += 1;
                    (id, f)
                })
                .collect();
            ids.sort_unstable_by_key(|&(t, _)| t);
            write_head(&mut out, article)
                .and_then(|()| write_terms(&mut out, &ids))
                .map_err(spill_error)?;
            articles += 1;
        }
    }
    out.flush().map_err(spill_error)?;
    let mut terms = vec![String::new(); df.len()];
    for (term, id) in vocabulary {
        terms[id as usize] = term;
    }
    Ok(Pool {
        terms,
        df,
        articles,
    })
}

/// Rebuilds the index and every list with `limit` cards (+ spares) each.
/// Returns how many lists were computed.
pub fn rebuild(conn: &mut DbConn, now: NaiveDateTime, limit: usize) -> QueryResult<usize> {
    let w = &score::WEIGHTS;
    let keep = limit + SPARE_ROWS;
    let started = std::time::Instant::now();
    let mut raw_spill = Spill::new()?;
    let Pool {
        terms,
        df,
        articles,
    } = read_pool(conn, &mut raw_spill)?;
    tracing::info!(
        "related rebuild: {articles} articles read and tokenised in {:.1}s ({} terms)",
        started.elapsed().as_secs_f64(),
        terms.len()
    );
    let n = i32::try_from(articles).unwrap_or(i32::MAX);
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
    drop(new_terms);

    // Weights and pruning, article by article from the raw spill: what
    // scoring reads stays in memory, every kept term goes to the kept spill,
    // each article's full term list is stored a batch at a time.
    let mut memory = Memory {
        docs: Vec::with_capacity(articles),
        doc_starts: Vec::with_capacity(articles + 1),
        doc_terms: Vec::new(),
        tag_starts: Vec::with_capacity(articles + 1),
        doc_tags: Vec::new(),
        term_starts: Vec::new(),
        postings: Vec::new(),
        kinds,
        tag_of,
        df,
        n,
    };
    memory.doc_starts.push(0);
    memory.tag_starts.push(0);
    let mut kept_spill = Spill::new()?;
    let mut kept_out = kept_spill.writer();
    // Kept postings per term: the sizes of the key-ordered load's ranges.
    let mut per_term = vec![0u32; memory.df.len()];
    let mut input = raw_spill.reader()?;
    let mut new_docs = Vec::with_capacity(BATCH as usize);
    let mut tf = Vec::new();
    for doc_index in 0..articles {
        let Head {
            id,
            section_id,
            published_at,
        } = read_head(&mut input)
            .and_then(|head| read_terms(&mut input, &mut tf).map(|()| head))
            .map_err(spill_error)?;
        let weighted: Vec<(u32, Kind, f32, i32)> = tf
            .iter()
            .map(|&(t, f)| (t, memory.kinds[t as usize], f, memory.df[t as usize]))
            .collect();
        let mut kept = score::weigh(&weighted, n);
        kept.sort_unstable_by_key(|&(t, _)| t);
        write_terms(&mut kept_out, &kept).map_err(spill_error)?;
        for &(t, weight) in &kept {
            per_term[t as usize] += 1;
            if memory.kinds[t as usize] == Kind::Tag {
                memory.doc_tags.push(t);
            }
            if memory.nominates(t) {
                memory.doc_terms.push((t, weight));
            }
        }
        memory.doc_starts.push(memory.doc_terms.len());
        memory.tag_starts.push(memory.doc_tags.len());
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
        if new_docs.len() == BATCH as usize || doc_index + 1 == articles {
            crate::db::write_transaction(conn, |conn| index::insert_docs(conn, &new_docs, &[]))?;
            new_docs.clear();
        }
        memory.docs.push(Doc {
            id,
            section_id,
            published_at,
        });
    }
    kept_out.flush().map_err(spill_error)?;
    drop((kept_out, input, new_docs, tf));
    drop(raw_spill);
    memory.doc_terms.shrink_to_fit();
    memory.doc_tags.shrink_to_fit();
    memory.invert();

    let ids: Vec<i32> = memory.docs.iter().map(|d| d.id).collect();
    index::load_postings(
        conn,
        postings_in_key_order(&mut kept_spill, &per_term, &ids),
    )?;
    drop((ids, per_term, kept_spill));
    tracing::info!(
        "related rebuild: index written at {:.1}s",
        started.elapsed().as_secs_f64()
    );

    // Every list, scored on two threads, written a batch at a time.
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
