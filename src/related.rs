//! The related-articles engine (issue 5): which published articles a reader of
//! one article is likely to click next, computed when articles change and
//! stored (see `models::related`), so the article page reads its list with
//! one indexed query.
//!
//! How a candidate is scored against an article:
//! - **relevance** = `TEXT_WEIGHT` × text + `TAG_WEIGHT` × tags + `SECTION_WEIGHT` × section,
//!   each signal in 0..=1:
//!   - *text*: cosine similarity of BM25-weighted term vectors over headline,
//!     standfirst, Key Takeaways and body (stop words removed, Snowball English
//!     stemming, the headline counting most);
//!   - *tags*: `1 − Π(1 − rarity(t))` over the shared tags, where
//!     `rarity(t) = ln((N+1)/df(t)) / ln(N+1)`: a tag on 3 of N articles is
//!     worth far more than one on 3,000, and a second shared tag adds less
//!     than the first;
//!   - *section*: 1 when both are in the same section.
//! - A candidate whose relevance is below `MIN_RELEVANCE` does not count, so an
//!   unrelated article never fills a slot just because it is new.
//! - **score** = relevance × `0.5^(age / RECENCY_HALF_LIFE_DAYS)`: of two
//!   equally relevant stories the fresher wins. Because the factor is
//!   exponential, the order of two stored candidates never changes as time
//!   passes, so a list stays right between recomputations.
//! - Ties: newer first, then the higher id.
//!
//! All three signals are symmetric, so the articles whose lists an edit of X
//! can change are exactly those X itself finds relevant, plus those whose
//! stored lists show X now: `refresh` recomputes those and no others.
//!
//! At scale (`rebuild_all` over 100,000 articles) nothing is compared
//! all-pairs: each article keeps its `TERMS_PER_ARTICLE` heaviest terms, an
//! inverted index over those terms and over tags nominates candidates, and
//! the text score is accumulated along the postings.

use std::collections::{BTreeSet, HashMap};
use std::thread::JoinHandle;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rust_stemmers::{Algorithm, Stemmer};

use crate::db::{DbConn, DbPool};
use crate::error::AppError;
use crate::models::article::{Article, ArticleCard, ArticleStatus};
use crate::models::related::{self as stored, NewRelatedRow};
use crate::schema::{article_tags, article_takeaways, articles, tags};

/// Related articles shown by default (the sidebar has room for four cards).
pub const DEFAULT_RELATED_LIMIT: usize = 4;

/// Extra engine rows stored beyond the limit: when an article on a list is
/// deleted or unpublished, the page filters it out at read time and the next
/// stored row takes its place at once, before the background refresh lands.
pub const SPARE_ROWS: usize = 4;

/// Weight of text similarity: the strongest signal, since it sees what the
/// stories are actually about, even with no tag in common.
pub const TEXT_WEIGHT: f64 = 0.55;

/// Weight of shared tags: an editor's deliberate link between stories, but
/// tags are sparse and sometimes broad, so less than text.
pub const TAG_WEIGHT: f64 = 0.35;

/// Weight of the same section: a weak hint (sections are broad). On its own
/// it stays below `MIN_RELEVANCE`, so a same-section story needs some shared
/// text or tag to count.
pub const SECTION_WEIGHT: f64 = 0.10;

// The same section alone must never be enough (checked when compiling).
const _: () = assert!(SECTION_WEIGHT < MIN_RELEVANCE);

/// Relevance a candidate needs to be listed at all. Above `SECTION_WEIGHT`
/// alone; reached by one moderately rare shared tag, or by clear text
/// similarity (cosine ≈ 0.22, or ≈ 0.04 more in the same section).
pub const MIN_RELEVANCE: f64 = 0.12;

/// Age at which a story's score is halved relative to a fresh one of the
/// same relevance: a year, so a much more relevant older story still beats a
/// loosely related new one.
pub const RECENCY_HALF_LIFE_DAYS: f64 = 365.0;

/// Term-frequency weights of the fields: a word in the headline says more
/// about the story than one in the body.
const HEADLINE_WEIGHT: f32 = 3.0;
const STANDFIRST_WEIGHT: f32 = 2.0;
const TAKEAWAY_WEIGHT: f32 = 1.5;
const BODY_WEIGHT: f32 = 1.0;

/// BM25 term-frequency saturation and length normalisation (the usual values).
const BM25_K1: f32 = 1.2;
const BM25_B: f32 = 0.75;

/// Heaviest terms kept per article (after normalising the full vector): the
/// tail adds little to the cosine and would swell the inverted index.
const TERMS_PER_ARTICLE: usize = 48;

/// Postings longer than this do not nominate candidates (they barely
/// discriminate and would make each article cost O(N)); candidates found
/// another way still get the credit of such a tag. Never reached below
/// tens of thousands of articles.
const MAX_POSTINGS: usize = 5_000;

/// Statuses of articles that are or will become public by themselves once
/// their publish time passes; drafts never are. The page still applies
/// `public_at(now)`, which has the final word.
const POOL_STATUSES: [&str; 2] = [
    ArticleStatus::Published.as_str(),
    ArticleStatus::Scheduled.as_str(),
];

/// Words too common to say what a story is about (English, plus newsroom
/// filler such as "said"). Sorted, for binary search.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "ago", "all", "almost", "also", "am",
    "among", "an", "and", "another", "any", "are", "aren", "around", "as", "at", "be", "became",
    "because", "been", "before", "being", "below", "between", "both", "but", "by", "can",
    "could", "did", "didn", "do", "does", "doesn", "doing", "don", "down", "during", "each",
    "either", "else", "even", "ever", "every", "few", "first", "for", "from", "further", "get",
    "gets", "got", "had", "has", "have", "having", "he", "her", "here", "hers", "herself",
    "him", "himself", "his", "how", "however", "http", "https", "i", "if", "in", "into", "is",
    "isn", "it", "its", "itself", "just", "last", "least", "less", "like", "ll", "made", "make",
    "many", "may", "me", "might", "more", "most", "mr", "mrs", "ms", "much", "must", "my",
    "myself", "neither", "never", "new", "next", "no", "nor", "not", "now", "of", "off", "on",
    "once", "one", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own",
    "per", "rather", "re", "said", "same", "say", "says", "see", "seen", "several", "she",
    "should", "since", "so", "some", "still", "such", "than", "that", "the", "their", "theirs",
    "them", "themselves", "then", "there", "these", "they", "this", "those", "though",
    "through", "to", "told", "too", "two", "under", "until", "up", "upon", "us", "ve", "very",
    "via", "was", "wasn", "we", "week", "were", "what", "when", "where", "whether", "which",
    "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "won", "would",
    "www", "year", "years", "yet", "you", "your", "yours",
];

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// Splits text into stemmed index terms: lowercase words of two or more
/// letters, stop words and bare numbers removed, Snowball-English stemmed
/// (so "harbours", "harbour's" and "harboured" meet at "harbour").
pub fn terms(text: &str, stemmer: &Stemmer) -> Vec<String> {
    let mut out = Vec::new();
    for raw in text.split(|c: char| !c.is_alphanumeric()) {
        if raw.chars().nth(1).is_none() || raw.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let word = raw.to_lowercase();
        if is_stop_word(&word) {
            continue;
        }
        let stem = stemmer.stem(&word);
        if stem.chars().nth(1).is_some() {
            out.push(stem.into_owned());
        }
    }
    out
}

/// The English stemmer the engine uses.
pub fn english_stemmer() -> Stemmer {
    Stemmer::create(Algorithm::English)
}

/// One candidate's score against an article, with its reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The candidate article's id.
    pub article_id: i32,
    /// Final score: relevance × recency factor.
    pub score: f64,
    /// Weighted sum of the signals, before recency (compared with `MIN_RELEVANCE`).
    pub relevance: f64,
    /// Text similarity, 0..=1.
    pub text: f64,
    /// Shared-tag signal, 0..=1.
    pub tags: f64,
    /// The shared tags' ids, rarest first.
    pub shared_tags: Vec<i32>,
    /// Whether both articles are in the same section.
    pub same_section: bool,
}

/// A published article as the engine sees it.
struct Doc {
    id: i32,
    section_id: Option<i32>,
    published_at: NaiveDateTime,
    /// (term, weight), sorted by term; unit length before pruning.
    terms: Vec<(u32, f32)>,
    /// Tag ids, sorted.
    tags: Vec<i32>,
}

/// Every published or scheduled, not deleted article (future ones included,
/// so their lists are ready when they go live; the page applies the public rule),
/// indexed for scoring. Built in memory from three queries.
pub struct Corpus {
    now: NaiveDateTime,
    docs: Vec<Doc>,
    index_of: HashMap<i32, usize>,
    /// Per term: (doc, weight) of the docs that kept that term.
    postings: Vec<Vec<(u32, f32)>>,
    /// Per tag: the docs carrying it.
    tag_docs: HashMap<i32, Vec<u32>>,
    tag_names: HashMap<i32, String>,
}

/// What the pool query loads per article: id, section, publish time,
/// headline, standfirst, body.
type PoolRow = (
    i32,
    Option<i32>,
    Option<NaiveDateTime>,
    String,
    String,
    String,
);

/// Reusable buffers for scoring one article after another.
struct Scratch {
    text: Vec<f32>,
    seen: Vec<bool>,
    touched: Vec<u32>,
}

impl Corpus {
    /// Loads and indexes the candidate pool; `now` is the reference time for recency.
    pub fn load(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Corpus> {
        let pool = articles::table
            .filter(articles::status.eq_any(POOL_STATUSES))
            .filter(articles::deleted_at.is_null())
            .filter(articles::published_at.is_not_null());
        let rows: Vec<PoolRow> = pool
            .clone()
            .order(articles::id.asc())
            .select((
                articles::id,
                articles::section_id,
                articles::published_at,
                articles::headline,
                articles::standfirst,
                articles::body,
            ))
            .load(conn)?;
        let takeaway_rows: Vec<(i32, String)> = article_takeaways::table
            .filter(article_takeaways::article_id.eq_any(pool.clone().select(articles::id)))
            .order((
                article_takeaways::article_id.asc(),
                article_takeaways::position.asc(),
            ))
            .select((article_takeaways::article_id, article_takeaways::text))
            .load(conn)?;
        let tag_rows: Vec<(i32, i32)> = article_tags::table
            .filter(article_tags::article_id.eq_any(pool.select(articles::id)))
            .select((article_tags::article_id, article_tags::tag_id))
            .load(conn)?;
        let tag_names: HashMap<i32, String> = tags::table
            .select((tags::id, tags::name))
            .load::<(i32, String)>(conn)?
            .into_iter()
            .collect();

        let mut takeaways: HashMap<i32, String> = HashMap::new();
        for (id, text) in takeaway_rows {
            let joined = takeaways.entry(id).or_default();
            joined.push('\n');
            joined.push_str(&text);
        }
        let mut doc_tags: HashMap<i32, Vec<i32>> = HashMap::new();
        for (article_id, tag_id) in tag_rows {
            doc_tags.entry(article_id).or_default().push(tag_id);
        }

        // First pass: weighted term frequencies, document frequencies, lengths.
        let stemmer = english_stemmer();
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        let mut raw: Vec<(Vec<(u32, f32)>, f32)> = Vec::with_capacity(rows.len());
        let mut docs = Vec::with_capacity(rows.len());
        for (id, section_id, published_at, headline, standfirst, body) in rows {
            let mut tf: HashMap<u32, f32> = HashMap::new();
            let takeaway_text = takeaways.remove(&id).unwrap_or_default();
            for (text, weight) in [
                (headline.as_str(), HEADLINE_WEIGHT),
                (standfirst.as_str(), STANDFIRST_WEIGHT),
                (takeaway_text.as_str(), TAKEAWAY_WEIGHT),
                (body.as_str(), BODY_WEIGHT),
            ] {
                for term in terms(text, &stemmer) {
                    let next = u32::try_from(vocabulary.len()).unwrap_or(u32::MAX);
                    let term_id = *vocabulary.entry(term).or_insert(next);
                    if term_id as usize == df.len() {
                        df.push(0);
                    }
                    *tf.entry(term_id).or_insert(0.0) += weight;
                }
            }
            let length: f32 = tf.values().sum();
            let mut tf: Vec<(u32, f32)> = tf.into_iter().collect();
            tf.sort_unstable_by_key(|&(t, _)| t);
            for &(t, _) in &tf {
                df[t as usize] += 1;
            }
            raw.push((tf, length));
            let mut tags = doc_tags.remove(&id).unwrap_or_default();
            tags.sort_unstable();
            docs.push(Doc {
                id,
                section_id,
                published_at: published_at.unwrap_or(now),
                terms: Vec::new(),
                tags,
            });
        }

        // Second pass: BM25 weights, unit length, pruning, postings.
        let n = docs.len() as f32;
        let average_length = (raw.iter().map(|(_, l)| l).sum::<f32>() / n.max(1.0)).max(1.0);
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); df.len()];
        for (doc_index, (doc, (tf, length))) in docs.iter_mut().zip(raw).enumerate() {
            let mut weights: Vec<(u32, f32)> = tf
                .into_iter()
                .map(|(t, f)| {
                    let d = df[t as usize] as f32;
                    let idf = (1.0 + (n - d + 0.5) / (d + 0.5)).ln();
                    let saturated = f * (BM25_K1 + 1.0)
                        / (f + BM25_K1 * (1.0 - BM25_B + BM25_B * length / average_length));
                    (t, idf * saturated)
                })
                .collect();
            let norm = weights.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                for (_, w) in &mut weights {
                    *w /= norm;
                }
            }
            // Heaviest first, ties by term id so pruning is deterministic.
            weights.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            weights.truncate(TERMS_PER_ARTICLE);
            weights.sort_unstable_by_key(|&(t, _)| t);
            for &(t, w) in &weights {
                postings[t as usize].push((doc_index as u32, w));
            }
            doc.terms = weights;
        }
        let mut tag_docs: HashMap<i32, Vec<u32>> = HashMap::new();
        for (doc_index, doc) in docs.iter().enumerate() {
            for &tag in &doc.tags {
                tag_docs.entry(tag).or_default().push(doc_index as u32);
            }
        }
        let index_of = docs.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
        Ok(Corpus {
            now,
            docs,
            index_of,
            postings,
            tag_docs,
            tag_names,
        })
    }

    /// How many articles are in the pool.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The ids of every article in the pool, oldest id first.
    pub fn article_ids(&self) -> Vec<i32> {
        self.docs.iter().map(|d| d.id).collect()
    }

    /// Whether an article is in the pool (published and not deleted).
    pub fn contains(&self, article_id: i32) -> bool {
        self.index_of.contains_key(&article_id)
    }

    fn scratch(&self) -> Scratch {
        Scratch {
            text: vec![0.0; self.docs.len()],
            seen: vec![false; self.docs.len()],
            touched: Vec::new(),
        }
    }

    /// `rarity(t) = ln((N+1)/df) / ln(N+1)`: 1 for a tag on one article,
    /// near 0 for a tag on all of them.
    fn tag_rarity(&self, tag: i32) -> f64 {
        let n = self.docs.len() as f64 + 1.0;
        let df = self.tag_docs.get(&tag).map_or(1, Vec::len).max(1) as f64;
        if n <= 1.0 {
            return 0.0;
        }
        (n / df).ln() / n.ln()
    }

    /// Recency factor of a candidate: halves every `RECENCY_HALF_LIFE_DAYS`;
    /// a scheduled (future) story counts as fresh.
    fn recency(&self, published_at: NaiveDateTime) -> f64 {
        let age_days = (self.now - published_at).num_seconds().max(0) as f64 / 86_400.0;
        0.5_f64.powf(age_days / RECENCY_HALF_LIFE_DAYS)
    }

    /// Scores candidate `b` against article `a`, given their text similarity.
    fn score_pair(&self, a: &Doc, b: &Doc, text: f64) -> Scored {
        let mut shared: Vec<(f64, i32)> = a
            .tags
            .iter()
            .filter(|t| b.tags.binary_search(t).is_ok())
            .map(|&t| (self.tag_rarity(t), t))
            .collect();
        shared.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        let tags = 1.0 - shared.iter().map(|(r, _)| 1.0 - r).product::<f64>();
        let same_section = a.section_id.is_some() && a.section_id == b.section_id;
        let relevance = TEXT_WEIGHT * text
            + TAG_WEIGHT * tags
            + if same_section { SECTION_WEIGHT } else { 0.0 };
        Scored {
            article_id: b.id,
            score: relevance * self.recency(b.published_at),
            relevance,
            text,
            tags,
            shared_tags: shared.into_iter().map(|(_, t)| t).collect(),
            same_section,
        }
    }

    /// Every candidate at or above `MIN_RELEVANCE` for the article at `index`,
    /// best first.
    fn candidates_at(&self, index: usize, scratch: &mut Scratch) -> Vec<Scored> {
        let a = &self.docs[index];
        for &(term, weight) in &a.terms {
            let list = &self.postings[term as usize];
            if list.len() > MAX_POSTINGS {
                continue;
            }
            for &(doc, w) in list {
                let d = doc as usize;
                if !scratch.seen[d] {
                    scratch.seen[d] = true;
                    scratch.touched.push(doc);
                }
                scratch.text[d] += weight * w;
            }
        }
        for tag in &a.tags {
            let list = &self.tag_docs[tag];
            if list.len() > MAX_POSTINGS {
                continue;
            }
            for &doc in list {
                if !scratch.seen[doc as usize] {
                    scratch.seen[doc as usize] = true;
                    scratch.touched.push(doc);
                }
            }
        }
        let mut found = Vec::new();
        for doc in scratch.touched.drain(..) {
            let d = doc as usize;
            let text = f64::from(scratch.text[d]).min(1.0);
            scratch.text[d] = 0.0;
            scratch.seen[d] = false;
            if d == index {
                continue;
            }
            let scored = self.score_pair(a, &self.docs[d], text);
            if scored.relevance >= MIN_RELEVANCE {
                found.push(scored);
            }
        }
        found.sort_by(|x, y| {
            y.score
                .total_cmp(&x.score)
                .then_with(|| self.published(y).cmp(&self.published(x)))
                .then(y.article_id.cmp(&x.article_id))
        });
        found
    }

    fn published(&self, s: &Scored) -> NaiveDateTime {
        self.docs[self.index_of[&s.article_id]].published_at
    }

    /// Text similarity of two pooled articles (their kept terms' dot product).
    fn text_between(a: &Doc, b: &Doc) -> f64 {
        let (mut i, mut j, mut dot) = (0, 0, 0.0_f32);
        while i < a.terms.len() && j < b.terms.len() {
            match a.terms[i].0.cmp(&b.terms[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += a.terms[i].1 * b.terms[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        f64::from(dot).min(1.0)
    }

    /// The engine's list for one article, best first, at most `limit`
    /// (empty for an article outside the pool).
    pub fn related_to(&self, article_id: i32, limit: usize) -> Vec<Scored> {
        let Some(&index) = self.index_of.get(&article_id) else {
            return Vec::new();
        };
        let mut found = self.candidates_at(index, &mut self.scratch());
        found.truncate(limit);
        found
    }

    /// The rows to store for one article: its pins first (with their reasons
    /// when both are in the pool), then the engine's best `limit + SPARE_ROWS`
    /// not already pinned.
    fn rows_for(
        &self,
        index: usize,
        pins: &[i32],
        limit: usize,
        scratch: &mut Scratch,
    ) -> Vec<NewRelatedRow> {
        let a = &self.docs[index];
        let mut rows = Vec::new();
        for (position, &pin) in (1..).zip(pins) {
            let reasons = self.index_of.get(&pin).map(|&p| {
                let b = &self.docs[p];
                self.score_pair(a, b, Self::text_between(a, b))
            });
            rows.push(self.row(a.id, true, position, pin, reasons.as_ref()));
        }
        let engine = self
            .candidates_at(index, scratch)
            .into_iter()
            .filter(|s| !pins.contains(&s.article_id))
            .take(limit + SPARE_ROWS);
        for (position, scored) in (1..).zip(engine) {
            rows.push(self.row(a.id, false, position, scored.article_id, Some(&scored)));
        }
        rows
    }

    fn row(
        &self,
        article_id: i32,
        pinned: bool,
        position: i32,
        related_id: i32,
        reasons: Option<&Scored>,
    ) -> NewRelatedRow {
        let milli = |x: f64| (x * 1000.0).round() as i32;
        NewRelatedRow {
            article_id,
            pinned,
            position,
            related_id,
            score: reasons.map_or(0, |s| milli(s.score)),
            text_score: reasons.map_or(0, |s| milli(s.text)),
            tag_score: reasons.map_or(0, |s| milli(s.tags)),
            shared_tags: reasons
                .map(|s| {
                    s.shared_tags
                        .iter()
                        .filter_map(|t| self.tag_names.get(t).map(String::as_str))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default(),
            same_section: reasons.is_some_and(|s| s.same_section),
        }
    }

    /// Recomputes and stores the lists of `article_ids`; an article outside
    /// the pool (draft, deleted) has its list cleared instead.
    fn store(
        &self,
        conn: &mut DbConn,
        article_ids: impl IntoIterator<Item = i32>,
        limit: usize,
    ) -> QueryResult<usize> {
        let mut scratch = self.scratch();
        let mut count = 0;
        let mut reordered = false;
        for id in article_ids {
            let before = stored::order_of(conn, id)?;
            match self.index_of.get(&id) {
                Some(&index) => {
                    let pins = stored::pins(conn, id)?;
                    let rows = self.rows_for(index, &pins, limit, &mut scratch);
                    let after: Vec<(bool, i32)> =
                        rows.iter().map(|r| (r.pinned, r.related_id)).collect();
                    reordered |= before != after;
                    stored::replace_list(conn, id, &rows, self.now)?;
                }
                None => {
                    reordered |= !before.is_empty();
                    stored::clear_list(conn, id)?;
                }
            }
            count += 1;
        }
        if reordered {
            // Related lists show on public article pages; a list whose order
            // did not change (only its scores did) changes nothing readers see.
            crate::models::public_change::record(conn, self.now)?;
        }
        Ok(count)
    }
}

/// The related cards the article page shows: the stored list (one indexed
/// query, filtered through the public rule), at most `limit`. An article
/// whose list was never computed (stored before this engine, or written
/// around the save path) gets the simple tag-then-section rule until the
/// next `broadsheet related rebuild`.
pub fn for_page(
    conn: &mut DbConn,
    article: &Article,
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<Vec<ArticleCard>> {
    let mut cards = stored::public_cards(conn, article.id, now)?;
    if cards.is_empty() && !stored::is_computed(conn, article.id)? {
        return article.related(conn, now, i64::try_from(limit).unwrap_or(i64::MAX));
    }
    cards.truncate(limit);
    Ok(cards)
}

/// Recomputes, now, the lists an edit of `article_id` may change: its own,
/// those that show it, and those of every article it is relevant to (the
/// signals are symmetric, so these are the ones that may now include it).
/// Returns how many lists were recomputed.
pub fn refresh(
    conn: &mut DbConn,
    article_id: i32,
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<usize> {
    refresh_many(conn, &[article_id], now, limit)
}

/// [`refresh`] for several changed articles with one corpus load: the lists
/// any of them may change are recomputed once.
pub fn refresh_many(
    conn: &mut DbConn,
    article_ids: &[i32],
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<usize> {
    let corpus = Corpus::load(conn, now)?;
    let mut affected: BTreeSet<i32> = BTreeSet::new();
    let mut scratch = corpus.scratch();
    for &article_id in article_ids {
        affected.extend(stored::listing(conn, article_id)?);
        affected.insert(article_id);
        if let Some(&index) = corpus.index_of.get(&article_id) {
            affected.extend(
                corpus
                    .candidates_at(index, &mut scratch)
                    .iter()
                    .map(|s| s.article_id),
            );
        }
    }
    corpus.store(conn, affected, limit)
}

/// Background refreshes for one app: changes that arrive while a refresh runs
/// are collected and done together in the next one, so a burst of saves
/// costs one or two corpus loads, never one thread per save.
#[derive(Debug, Default)]
pub struct RefreshQueue {
    state: std::sync::Mutex<QueueState>,
}

#[derive(Debug, Default)]
struct QueueState {
    pending: BTreeSet<i32>,
    running: bool,
}

impl RefreshQueue {
    /// Asks for the lists `article_id`'s change may affect to be recomputed
    /// soon, on a background thread; returns at once.
    pub fn request(
        self: &std::sync::Arc<Self>,
        pool: DbPool,
        clock: crate::Clock,
        article_id: i32,
        limit: usize,
    ) {
        let mut state = self.state.lock().expect("refresh queue lock");
        state.pending.insert(article_id);
        if state.running {
            return;
        }
        state.running = true;
        let queue = std::sync::Arc::clone(self);
        std::thread::spawn(move || loop {
            let batch: Vec<i32> = {
                let mut state = queue.state.lock().expect("refresh queue lock");
                if state.pending.is_empty() {
                    state.running = false;
                    return;
                }
                std::mem::take(&mut state.pending).into_iter().collect()
            };
            let now = clock.now();
            let result = pool
                .get()
                .map_err(AppError::from)
                .and_then(|mut conn| Ok(refresh_many(&mut conn, &batch, now, limit)?));
            match result {
                Ok(n) => tracing::debug!("related lists refreshed after {batch:?}: {n}"),
                Err(e) => tracing::error!("refreshing related lists after {batch:?}: {e}"),
            }
        });
    }

    /// Whether nothing is pending or running (for tests that wait for a refresh).
    pub fn is_idle(&self) -> bool {
        let state = self.state.lock().expect("refresh queue lock");
        !state.running && state.pending.is_empty()
    }
}

/// Refreshes the lists an edit of `article_id` may change on a background
/// thread, so saving an article does not wait for it; call after the save
/// has committed. Failures are logged; the handle lets tests wait.
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
            Err(e) => tracing::error!("refreshing related lists after article {article_id}: {e}"),
        }
        result
    })
}

/// Recomputes every article's list (`broadsheet related rebuild`, the end of
/// demo loading). Returns how many lists were computed.
pub fn rebuild_all(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    rebuild_all_with_limit(conn, now, DEFAULT_RELATED_LIMIT)
}

/// Articles written per transaction in a rebuild: few commits, yet other
/// writers never wait long for the database.
const REBUILD_BATCH: usize = 500;

/// `rebuild_all` with a configured list length.
pub fn rebuild_all_with_limit(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<usize> {
    use crate::schema::related_computed;

    let corpus = Corpus::load(conn, now)?;
    let mut pins: HashMap<i32, Vec<i32>> = HashMap::new();
    for (article_id, related_id) in stored::all_pins(conn)? {
        pins.entry(article_id).or_default().push(related_id);
    }
    // Lists of articles that have left the pool since they were computed.
    let computed: Vec<i32> = related_computed::table
        .select(related_computed::article_id)
        .load(conn)?;
    for id in computed.into_iter().filter(|id| !corpus.contains(*id)) {
        stored::clear_list(conn, id)?;
    }
    let mut scratch = corpus.scratch();
    let no_pins = Vec::new();
    for chunk in (0..corpus.docs.len())
        .collect::<Vec<_>>()
        .chunks(REBUILD_BATCH)
    {
        // Score first, then write: the write lock is held only for the inserts.
        let lists: Vec<(i32, Vec<_>)> = chunk
            .iter()
            .map(|&index| {
                let id = corpus.docs[index].id;
                let article_pins = pins.get(&id).unwrap_or(&no_pins);
                (
                    id,
                    corpus.rows_for(index, article_pins, limit, &mut scratch),
                )
            })
            .collect();
        crate::db::write_transaction(conn, |conn| {
            for (id, rows) in &lists {
                stored::replace_list(conn, *id, rows, now)?;
            }
            QueryResult::Ok(())
        })?;
    }
    Ok(corpus.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn terms_drop_stop_words_and_numbers_and_stem_plain_english() {
        let stemmer = english_stemmer();
        assert_eq!(
            terms(
                "The harbour's ferries were delayed in 2027, said officials",
                &stemmer
            ),
            ["harbour", "ferri", "delay", "offici"]
        );
        assert_eq!(
            terms("Harbours HARBOURED harbouring", &stemmer),
            ["harbour", "harbour", "harbour"]
        );
    }

    #[test]
    fn weights_sum_to_one_so_relevance_stays_within_0_and_1() {
        let sum = [TEXT_WEIGHT, TAG_WEIGHT, SECTION_WEIGHT]
            .iter()
            .sum::<f64>();
        assert!((sum - 1.0).abs() < 1e-9);
    }
}
