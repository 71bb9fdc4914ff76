//! What the engine reads in an article's text: stemmed words, and names
//! (people, places, organisations: runs of capitalised words), each with a
//! term frequency weighted by the field it came from.

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashMap;

use crate::models::related_index::PoolArticle;

/// Term-frequency weights of the fields: a word in the headline says more
/// about the story than one in the body.
const HEADLINE_WEIGHT: f32 = 3.0;
const STANDFIRST_WEIGHT: f32 = 2.0;
const TAKEAWAY_WEIGHT: f32 = 1.5;
const BODY_WEIGHT: f32 = 1.0;

/// Weight of each word of a multi-word name on its own, relative to the
/// whole name ("Lena Okafor" counts 1, "okafor" alone 0.5), so a later
/// "Okafor said" still meets the full name.
const NAME_PART_WEIGHT: f32 = 0.5;

/// Words too common to say what a story is about (English, plus newsroom
/// filler such as "said"). Sorted, for binary search.
#[rustfmt::skip]
pub(crate) const STOP_WORDS: &[&str] = &[
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

/// The English stemmer the engine uses.
pub fn english_stemmer() -> Stemmer {
    Stemmer::create(Algorithm::English)
}

/// Splits text into stemmed index terms: lowercase words of two or more
/// letters, stop words and bare numbers removed, Snowball-English stemmed
/// (so "harbours", "harbour's" and "harboured" meet at "harbour").
pub fn terms(text: &str, stemmer: &Stemmer) -> Vec<String> {
    words(text)
        .filter_map(|raw| word_term(raw, stemmer))
        .collect()
}

/// The raw words of a text (runs of letters and digits).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
}

/// One word's index term (see [`terms`]), or `None` when it is not one.
fn word_term(raw: &str, stemmer: &Stemmer) -> Option<String> {
    if raw.chars().nth(1).is_none() || raw.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let word = raw.to_lowercase();
    if is_stop_word(&word) {
        return None;
    }
    let stem = stemmer.stem(&word);
    stem.chars().nth(1).is_some().then(|| stem.into_owned())
}

/// Words remembered by a [`Tokeniser`] before it starts afresh (a few tens of
/// megabytes at most).
const TOKENISER_MEMORY: usize = 1 << 19;

/// Turns words into index terms and remembers each word's term: most words
/// of an archive recur, so stemming each once instead of at every use (and
/// hashing with Fx rather than SipHash, the keys being our own text) makes a
/// full rebuild's tokenising several times faster. One per thread.
pub struct Tokeniser {
    stemmer: Stemmer,
    /// A word as written -> its term ("w:harbour"), or `None`.
    known: FxHashMap<Box<str>, Option<Box<str>>>,
}

impl Default for Tokeniser {
    fn default() -> Self {
        Tokeniser {
            stemmer: english_stemmer(),
            known: FxHashMap::default(),
        }
    }
}

impl Tokeniser {
    /// The word's term in the index ("w:harbour"), or `None` when it is not one.
    fn term(&mut self, raw: &str) -> Option<&str> {
        if !self.known.contains_key(raw) {
            if self.known.len() >= TOKENISER_MEMORY {
                self.known.clear();
            }
            let term = word_term(raw, &self.stemmer).map(|stem| format!("w:{stem}").into());
            self.known.insert(raw.into(), term);
        }
        self.known.get(raw).and_then(|term| term.as_deref())
    }
}

/// The names in a text, lowercased, with their weights: runs of capitalised
/// words that are not stop words ("Mayor Lena Okafor", "Gull Island Ferry
/// Company"), each whole run and, for runs of two or more, each of its words
/// at `NAME_PART_WEIGHT`. A single capitalised word opening a sentence is
/// only a capital letter, not a name, and is skipped.
pub fn names(text: &str) -> Vec<(String, f32)> {
    let mut out = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let mut run_opens_sentence = false;
    let mut sentence_start = true;
    let flush = |run: &mut Vec<&str>, opens: bool, out: &mut Vec<(String, f32)>| {
        match run.len() {
            0 => {}
            1 if opens => {}
            1 => out.push((run[0].to_lowercase(), 1.0)),
            _ => {
                out.push((run.join(" ").to_lowercase(), 1.0));
                for word in run.iter() {
                    out.push((word.to_lowercase(), NAME_PART_WEIGHT));
                }
            }
        }
        run.clear();
    };
    let mut rest = text;
    while !rest.is_empty() {
        let gap_len = rest
            .find(|c: char| c.is_alphanumeric())
            .unwrap_or(rest.len());
        let (gap, after) = rest.split_at(gap_len);
        if !gap.is_empty() {
            let ends_sentence = gap.contains(['.', '!', '?', ':', ';', '\n', '"', '“', '”']);
            let breaks_run = ends_sentence || gap.chars().any(|c| !c.is_whitespace());
            if breaks_run {
                flush(&mut run, run_opens_sentence, &mut out);
            }
            if ends_sentence {
                sentence_start = true;
            }
        }
        let word_len = after
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(after.len());
        let (word, tail) = after.split_at(word_len);
        rest = tail;
        if word.is_empty() {
            continue;
        }
        let capitalised = word.chars().next().is_some_and(char::is_uppercase)
            && word.chars().nth(1).is_some()
            && !is_stop_word(&word.to_lowercase());
        if capitalised {
            if run.is_empty() {
                run_opens_sentence = sentence_start;
            }
            run.push(word);
        } else {
            flush(&mut run, run_opens_sentence, &mut out);
        }
        sentence_start = false;
    }
    flush(&mut run, run_opens_sentence, &mut out);
    out
}

/// An article's weighted term frequencies: words and names, keyed by their
/// term in the index ("w:harbour", "e:gull island").
pub fn frequencies(article: &PoolArticle, tokeniser: &mut Tokeniser) -> FxHashMap<String, f32> {
    let mut tf: FxHashMap<String, f32> = FxHashMap::default();
    let mut add = |term: &str, weight: f32| match tf.get_mut(term) {
        Some(f) => *f += weight,
        None => {
            tf.insert(term.to_owned(), weight);
        }
    };
    for (text, weight) in [
        (article.headline.as_str(), HEADLINE_WEIGHT),
        (article.standfirst.as_str(), STANDFIRST_WEIGHT),
        (article.takeaways.as_str(), TAKEAWAY_WEIGHT),
        (article.body.as_str(), BODY_WEIGHT),
    ] {
        for raw in words(text) {
            if let Some(term) = tokeniser.term(raw) {
                add(term, weight);
            }
        }
        for (name, w) in names(text) {
            add(&format!("e:{name}"), weight * w);
        }
    }
    tf
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
    fn names_are_runs_of_capitalised_words_not_sentence_openers() {
        let found = names(
            "Islanders met Mayor Lena Okafor at Gull Island. The Calder Ferry Company said \
             nothing. Okafor, however, spoke to Reuters.",
        );
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"mayor lena okafor"), "{names:?}");
        assert!(names.contains(&"okafor"), "{names:?}");
        assert!(names.contains(&"gull island"), "{names:?}");
        assert!(names.contains(&"calder ferry company"), "{names:?}");
        assert!(names.contains(&"reuters"), "{names:?}");
        assert!(
            !names.contains(&"islanders"),
            "a sentence opener: {names:?}"
        );
        assert!(!names.iter().any(|n| n.starts_with("the")), "{names:?}");
    }
}
