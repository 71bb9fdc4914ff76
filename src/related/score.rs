//! How the engine weighs terms and scores a candidate against an article;
//! shared by the incremental path (postings read from the database) and the
//! full rebuild (postings in memory), so both rank alike.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::models::related::NewRelatedRow;

/// The weights of the four signals (they sum to 1, so relevance is 0..=1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Cosine similarity of the stemmed words (BM25-weighted).
    pub text: f64,
    /// Cosine similarity of the names (people, places, organisations).
    pub names: f64,
    /// Shared tags, rarer ones counting more.
    pub tags: f64,
    /// Both in the same section.
    pub section: f64,
}

/// The weights in use, chosen by the grid search over the training split of
/// the labelled sets (`cargo test --test related_quality -- --ignored
/// --nocapture` prints it); see the README's related section for the figures.
pub const WEIGHTS: Weights = Weights {
    text: 0.65,
    names: 0.15,
    tags: 0.15,
    section: 0.05,
};

/// Relevance a candidate needs to be listed at all (chosen by the same
/// search); above the section weight, so the same section alone is never
/// enough, and reached by one rare shared tag alone.
pub const MIN_RELEVANCE: f64 = 0.08;

// The same section alone must never be enough (checked when compiling).
const _: () = assert!(WEIGHTS.section < MIN_RELEVANCE);

/// Age at which a story's score is halved relative to a fresh one of the
/// same relevance: a year, so a much more relevant older story still beats a
/// loosely related new one.
pub const RECENCY_HALF_LIFE_DAYS: f64 = 365.0;

/// BM25 term-frequency saturation. Length normalisation is left to the
/// cosine (each vector has unit length), so a stored weight never depends
/// on the corpus's average length.
const BM25_K1: f32 = 1.2;

/// Heaviest words and names kept per article (after normalising the full
/// vector): the tail adds little to the cosine and would swell the index.
pub const WORDS_PER_ARTICLE: usize = 48;
pub const NAMES_PER_ARTICLE: usize = 16;

/// What a term of the index stands for, from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Word,
    Name,
    Tag,
    /// The document-count row, or anything unknown: ignored.
    Other,
}

impl Kind {
    pub fn of(term: &str) -> Kind {
        match term.get(..2) {
            Some("w:") => Kind::Word,
            Some("e:") => Kind::Name,
            Some("t:") => Kind::Tag,
            _ => Kind::Other,
        }
    }
}

/// The tag id of a tag term ("t:17").
pub fn tag_id(term: &str) -> Option<i32> {
    term.strip_prefix("t:")?.parse().ok()
}

/// `idf = ln(1 + (N − df + ½) / (df + ½))` (BM25's, never negative).
fn idf(df: i32, n: i32) -> f32 {
    let (d, n) = (df.max(1) as f32, n.max(1) as f32);
    (1.0 + (n - d + 0.5) / (d + 0.5)).ln()
}

/// The stored weights of one article's terms, given (term key, kind, tf, df)
/// and the number of indexed articles: words and names each a unit vector of
/// saturated tf × idf, pruned to their heaviest; tags weigh 1.
pub fn weigh<K: Copy + Ord>(terms: &[(K, Kind, f32, i32)], n: i32) -> Vec<(K, f32)> {
    let mut kept = Vec::new();
    for (kind, cap) in [
        (Kind::Word, WORDS_PER_ARTICLE),
        (Kind::Name, NAMES_PER_ARTICLE),
    ] {
        let mut weights: Vec<(K, f32)> = terms
            .iter()
            .filter(|t| t.1 == kind)
            .map(|&(key, _, f, df)| (key, idf(df, n) * f * (BM25_K1 + 1.0) / (f + BM25_K1)))
            .collect();
        let norm = weights.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, w) in &mut weights {
                *w /= norm;
            }
        }
        // Heaviest first, ties by key so pruning is deterministic.
        weights.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        weights.truncate(cap);
        kept.extend(weights);
    }
    kept.extend(
        terms
            .iter()
            .filter(|t| t.1 == Kind::Tag)
            .map(|&(key, ..)| (key, 1.0)),
    );
    kept
}

/// `rarity(t) = ln((N+1)/df) / ln(N+1)`: 1 for a tag on one article, near 0
/// for a tag on all of them.
pub fn rarity(df: i32, n: i32) -> f64 {
    let n = f64::from(n.max(0)) + 1.0;
    if n <= 1.0 {
        return 0.0;
    }
    (n / f64::from(df.max(1))).ln().max(0.0) / n.ln()
}

/// Recency factor of a candidate published at `published_at`: halves every
/// `RECENCY_HALF_LIFE_DAYS`; a scheduled (future) story counts as fresh.
pub fn recency(now: NaiveDateTime, published_at: NaiveDateTime) -> f64 {
    let age_days = (now - published_at).num_seconds().max(0) as f64 / 86_400.0;
    0.5_f64.powf(age_days / RECENCY_HALF_LIFE_DAYS)
}

/// What two articles have in common, summed along the postings.
#[derive(Debug, Clone, Default)]
pub struct Overlap {
    pub text: f32,
    pub names: f32,
    /// (rarity, tag id) of the shared tags.
    pub tags: Vec<(f64, i32)>,
}

impl Overlap {
    /// Adds one shared term.
    pub fn add(&mut self, kind: Kind, product: f32, tag: Option<(f64, i32)>) {
        match kind {
            Kind::Word => self.text += product,
            Kind::Name => self.names += product,
            Kind::Tag => self.tags.extend(tag),
            Kind::Other => {}
        }
    }

    /// `1 − Π(1 − rarity)` over the shared tags: a second tag adds less than the first.
    pub fn tag_signal(&self) -> f64 {
        1.0 - self.tags.iter().map(|(r, _)| 1.0 - r).product::<f64>()
    }

    /// Relevance without the section (for pre-selecting candidates).
    pub fn partial(&self, w: &Weights) -> f64 {
        w.text * f64::from(self.text).min(1.0)
            + w.names * f64::from(self.names).min(1.0)
            + w.tags * self.tag_signal()
    }
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
    /// Name similarity, 0..=1.
    pub names: f64,
    /// Shared-tag signal, 0..=1.
    pub tags: f64,
    /// The shared tags' ids, rarest first.
    pub shared_tags: Vec<i32>,
    /// Whether both articles are in the same section.
    pub same_section: bool,
    /// The candidate's publish time (ties go to the newer).
    pub published_at: NaiveDateTime,
}

impl Scored {
    /// Scores a candidate from what it shares with the article.
    pub fn new(
        w: &Weights,
        article_id: i32,
        mut overlap: Overlap,
        same_section: bool,
        published_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Scored {
        overlap
            .tags
            .sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        let text = f64::from(overlap.text).min(1.0);
        let names = f64::from(overlap.names).min(1.0);
        let tags = overlap.tag_signal();
        let relevance = w.text * text
            + w.names * names
            + w.tags * tags
            + if same_section { w.section } else { 0.0 };
        Scored {
            article_id,
            score: relevance * recency(now, published_at),
            relevance,
            text,
            names,
            tags,
            shared_tags: overlap.tags.into_iter().map(|(_, t)| t).collect(),
            same_section,
            published_at,
        }
    }

    /// The same pair seen from the other article, whose publish time is
    /// `published_at` (the signals are symmetric; only recency differs).
    pub fn mirrored(
        &self,
        article_id: i32,
        published_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Scored {
        Scored {
            article_id,
            score: self.relevance * recency(now, published_at),
            published_at,
            ..self.clone()
        }
    }
}

/// Best first: score, then the newer, then the higher id.
pub fn rank(found: &mut [Scored]) {
    found.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(y.published_at.cmp(&x.published_at))
            .then(y.article_id.cmp(&x.article_id))
    });
}

/// A stored row for `related_id` on `article_id`'s list.
pub fn row(
    article_id: i32,
    pinned: bool,
    position: i32,
    related_id: i32,
    reasons: Option<&Scored>,
    tag_names: &HashMap<i32, String>,
) -> NewRelatedRow {
    let milli = |x: f64| (x * 1000.0).round() as i32;
    NewRelatedRow {
        article_id,
        pinned,
        position,
        related_id,
        score: reasons.map_or(0, |s| milli(s.score)),
        text_score: reasons.map_or(0, |s| milli(s.text)),
        name_score: reasons.map_or(0, |s| milli(s.names)),
        tag_score: reasons.map_or(0, |s| milli(s.tags)),
        shared_tags: reasons
            .map(|s| {
                s.shared_tags
                    .iter()
                    .filter_map(|t| tag_names.get(t).map(String::as_str))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
        same_section: reasons.is_some_and(|s| s.same_section),
    }
}

/// The rows to store for one article: its pins first (with their reasons
/// when the engine scored them), then the engine's best `keep` not pinned.
pub fn rows_for(
    article_id: i32,
    pins: &[i32],
    ranked: &[Scored],
    keep: usize,
    tag_names: &HashMap<i32, String>,
) -> Vec<NewRelatedRow> {
    let mut rows = Vec::new();
    for (position, &pin) in (1..).zip(pins) {
        let reasons = ranked.iter().find(|s| s.article_id == pin);
        rows.push(row(article_id, true, position, pin, reasons, tag_names));
    }
    let engine = ranked
        .iter()
        .filter(|s| !pins.contains(&s.article_id))
        .take(keep);
    for (position, scored) in (1..).zip(engine) {
        rows.push(row(
            article_id,
            false,
            position,
            scored.article_id,
            Some(scored),
            tag_names,
        ));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_so_relevance_stays_within_0_and_1() {
        let sum = WEIGHTS.text + WEIGHTS.names + WEIGHTS.tags + WEIGHTS.section;
        assert!((sum - 1.0).abs() < 1e-9);
    }

    #[test]
    fn words_and_names_are_unit_vectors_and_tags_weigh_one() {
        let terms = [
            (1, Kind::Word, 3.0, 2),
            (2, Kind::Word, 1.0, 50),
            (3, Kind::Name, 2.0, 3),
            (4, Kind::Tag, 1.0, 9),
        ];
        let kept = weigh(&terms, 100);
        let norm = |kind: Kind| {
            kept.iter()
                .filter(|(k, _)| terms[*k as usize - 1].1 == kind)
                .map(|(_, w)| w * w)
                .sum::<f32>()
        };
        assert!((norm(Kind::Word) - 1.0).abs() < 1e-5);
        assert!((norm(Kind::Name) - 1.0).abs() < 1e-5);
        assert!(kept.contains(&(4, 1.0)));
        let w1 = kept.iter().find(|k| k.0 == 1).unwrap().1;
        let w2 = kept.iter().find(|k| k.0 == 2).unwrap().1;
        assert!(w1 > w2, "a rarer, more frequent word weighs more");
    }

    #[test]
    fn rarer_tags_count_more() {
        assert!(rarity(2, 1000) > rarity(300, 1000));
        assert!((rarity(1, 1000) - 1.0).abs() < 1e-2);
    }
}
