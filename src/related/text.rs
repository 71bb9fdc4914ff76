//! What the engine reads in an article's text: stemmed words, and names
//! (people, places, organisations: runs of capitalised words), each with a
//! term frequency weighted by the field it came from.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};

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
pub fn frequencies(article: &PoolArticle, stemmer: &Stemmer) -> HashMap<String, f32> {
    let mut tf: HashMap<String, f32> = HashMap::new();
    for (text, weight) in [
        (article.headline.as_str(), HEADLINE_WEIGHT),
        (article.standfirst.as_str(), STANDFIRST_WEIGHT),
        (article.takeaways.as_str(), TAKEAWAY_WEIGHT),
        (article.body.as_str(), BODY_WEIGHT),
    ] {
        for term in terms(text, stemmer) {
            *tf.entry(format!("w:{term}")).or_insert(0.0) += weight;
        }
        for (name, w) in names(text) {
            *tf.entry(format!("e:{name}")).or_insert(0.0) += weight * w;
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
