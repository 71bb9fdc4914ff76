//! Related-articles quality, measured: labelled sets of original articles go
//! into a real SQLite app, the engine rebuilds every list, and each article
//! page's sidebar is compared with what an editor would link:
//! - tests/fixtures/related_eval.json (issue 5): 62 articles, 12 story threads
//!   in 6 sections sharing vocabulary and tags, plus unrelated singletons;
//! - tests/fixtures/related_hard.json (issue 9): 126 articles, 14 threads with
//!   overlapping words, tags and sections, 6 single stories joined only by a
//!   person, place or organisation, and 12 distractors; split into a training
//!   part (the weights were chosen on it: `weight_search_over_the_training_split`
//!   prints the search) and a held-out part never used for tuning.
//!
//! precision@4 (hits among the 4 cards shown / 4) and recall@4 must stay above
//! the floors measured when the engine was tuned.

mod common;

use broadsheet::related;
use chrono::Duration;
use common::*;
use serde::Deserialize;

/// Floors set a little under the figures measured when the weights were
/// chosen (printed by this test: 0.879 and 0.879; 0.829 before issue 9), so a
/// regression fails but a small change of wording in the set does not.
const PRECISION_FLOOR: f64 = 0.85;
const RECALL_FLOOR: f64 = 0.85;
const K: usize = related::DEFAULT_RELATED_LIMIT;

#[derive(Deserialize)]
struct EvalSet {
    articles: Vec<EvalArticle>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct EvalArticle {
    #[serde(default)]
    split: String,
    slug: String,
    section: String,
    tags: Vec<String>,
    published_days_ago: i64,
    headline: String,
    standfirst: String,
    takeaways: Vec<String>,
    body: String,
    related: Vec<String>,
}

fn eval_set() -> EvalSet {
    serde_json::from_str(include_str!("fixtures/related_eval.json")).unwrap()
}

fn hard_set() -> EvalSet {
    serde_json::from_str(include_str!("fixtures/related_hard.json")).unwrap()
}

/// Test builders take `'static` names; the set lives for the whole test.
fn leak(s: &str) -> &'static str {
    String::leak(s.to_string())
}

fn section_name(slug: &str) -> String {
    let mut chars = slug.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The article slugs in a page's related sidebar, in order.
fn related_slugs(page: &Page) -> Vec<String> {
    page.html()
        .select(&sel(".related .card__headline a"))
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|h| h.strip_prefix("/articles/"))
        .map(str::to_string)
        .collect()
}

/// Loads a set into an empty app and rebuilds every list; returns the ids by slug.
fn load(app: &TestApp, set: &EvalSet) -> std::collections::HashMap<String, i32> {
    app.db(|c| {
        let mut ids = std::collections::HashMap::new();
        for a in &set.articles {
            let id = insert_article(
                c,
                &ArticleSpec {
                    slug: a.slug.clone(),
                    headline: a.headline.clone(),
                    standfirst: a.standfirst.clone(),
                    body: a.body.clone(),
                    takeaways: a.takeaways.clone(),
                    section: Some((leak(&a.section), leak(&section_name(&a.section)))),
                    tags: a.tags.iter().map(|t| leak(t)).collect(),
                    published_at: Some(test_now() - Duration::days(a.published_days_ago)),
                    ..ArticleSpec::default()
                },
            );
            ids.insert(a.slug.clone(), id);
        }
        related::rebuild_all(c, test_now()).unwrap();
        ids
    })
}

/// precision@K and recall@K over the labelled articles of `split` (all
/// labelled ones for ""), read from the real article pages.
async fn measure(app: &TestApp, set: &EvalSet, split: &str) -> (f64, f64) {
    let (mut precision_sum, mut recall_sum, mut labelled) = (0.0, 0.0, 0);
    for a in &set.articles {
        if a.related.is_empty() || (!split.is_empty() && a.split != split) {
            continue;
        }
        let page = app.get(&format!("/articles/{}", a.slug)).await;
        assert_eq!(page.status, 200, "{}", a.slug);
        let shown = related_slugs(&page);
        assert!(shown.len() <= K);
        labelled += 1;
        let hits = shown.iter().filter(|s| a.related.contains(s)).count();
        precision_sum += hits as f64 / K as f64;
        recall_sum += hits as f64 / a.related.len().min(K) as f64;
        if hits < K.min(a.related.len()) {
            eprintln!("{}: shown {shown:?}, expected {:?}", a.slug, a.related);
        }
    }
    (
        precision_sum / labelled as f64,
        recall_sum / labelled as f64,
    )
}

#[actix_web::test]
async fn related_lists_meet_the_measured_precision_and_recall() {
    let set = eval_set();
    assert!(set.articles.len() >= 60);
    let app = TestApp::empty().await;
    load(&app, &set);
    let (precision, recall) = measure(&app, &set, "").await;
    println!("related quality, issue 5 set: precision@{K} {precision:.3}, recall@{K} {recall:.3}");
    assert!(
        precision >= PRECISION_FLOOR,
        "precision@{K} {precision:.3} < {PRECISION_FLOOR}"
    );
    assert!(
        recall >= RECALL_FLOOR,
        "recall@{K} {recall:.3} < {RECALL_FLOOR}"
    );
}

/// Floors for the hard set: the issue's target, 0.90, under the figures
/// measured when the weights were chosen (printed by this test: 0.941 on the
/// training split, 0.941 held out).
const HARD_TRAIN_FLOOR: f64 = 0.90;
const HARD_HELDOUT_FLOOR: f64 = 0.90;

#[actix_web::test]
async fn the_hard_set_meets_its_floors_on_the_training_and_held_out_splits() {
    let set = hard_set();
    assert!(set.articles.len() >= 120);
    let app = TestApp::empty().await;
    load(&app, &set);
    let (train, train_recall) = measure(&app, &set, "train").await;
    let (heldout, heldout_recall) = measure(&app, &set, "heldout").await;
    println!(
        "related quality, hard set: precision@{K} train {train:.3} (recall {train_recall:.3}), \
         held-out {heldout:.3} (recall {heldout_recall:.3})"
    );
    assert!(train >= HARD_TRAIN_FLOOR, "train precision@{K} {train:.3}");
    assert!(
        heldout >= HARD_HELDOUT_FLOOR,
        "held-out precision@{K} {heldout:.3}"
    );
}

/// The weight search (not a test: `cargo test --test related_quality --
/// --ignored --nocapture`). Every candidate's signals come from the real
/// engine (postings in the database); each combination of weights (steps of
/// 0.05, summing to 1, the section below the minimum) and minimum relevance
/// re-ranks them, and precision@4 is measured on the TRAINING split of the
/// hard set only. The held-out split is printed for the winner, never used to
/// choose.
/// Every candidate's signals from the real engine (postings in the
/// database) for the labelled articles of a set, with their labels.
type Signals = Vec<(Vec<String>, String, Vec<(related::Scored, String)>)>;

fn signals_of(app: &TestApp, set: &EvalSet) -> Signals {
    let ids = load(app, set);
    let slug_of: std::collections::HashMap<i32, String> =
        ids.iter().map(|(s, &id)| (id, s.clone())).collect();
    app.db(|c| {
        set.articles
            .iter()
            .filter(|a| !a.related.is_empty())
            .map(|a| {
                let found = related::signals(c, ids[&a.slug], test_now())
                    .unwrap()
                    .into_iter()
                    .map(|s| {
                        let slug = slug_of[&s.article_id].clone();
                        (s, slug)
                    })
                    .collect();
                (a.related.clone(), a.split.clone(), found)
            })
            .collect()
    })
}

/// precision@K of `signals` (the articles of `split`, or all for "")
/// re-ranked with these weights and minimum, as the engine ranks.
fn precision_with(signals: &Signals, w: &related::Weights, min: f64, split: &str) -> f64 {
    let (mut sum, mut n) = (0.0, 0);
    for (labels, _, found) in signals
        .iter()
        .filter(|(_, s, _)| split.is_empty() || s == split)
    {
        let mut ranked: Vec<(f64, &related::Scored, &String)> = found
            .iter()
            .filter_map(|(s, slug)| {
                let relevance = w.text * s.text
                    + w.names * s.names
                    + w.tags * s.tags
                    + if s.same_section { w.section } else { 0.0 };
                (relevance >= min).then(|| {
                    (
                        relevance * related::score::recency(test_now(), s.published_at),
                        s,
                        slug,
                    )
                })
            })
            .collect();
        ranked.sort_by(|x, y| {
            y.0.total_cmp(&x.0)
                .then(y.1.published_at.cmp(&x.1.published_at))
                .then(y.1.article_id.cmp(&x.1.article_id))
        });
        let hits = ranked
            .iter()
            .take(K)
            .filter(|(_, _, slug)| labels.contains(slug))
            .count();
        sum += hits as f64 / K as f64;
        n += 1;
    }
    sum / f64::from(n)
}

/// The weight search (not a test: `cargo test --test related_quality --
/// --ignored --nocapture`). Every candidate's signals come from the real
/// engine; each combination of weights (steps of 0.05, summing to 1, the
/// section below the minimum but not nothing, a rare tag enough alone) and
/// minimum relevance re-ranks them. The
/// objective is the mean precision@4 of the hard set's TRAINING split and of
/// the issue-5 set (which has few names, so words keep their weight); ties go
/// to the larger text weight, then the larger tag weight. The held-out split
/// is printed for the winner, never used to choose.
#[actix_web::test]
#[ignore]
async fn weight_search_over_the_training_split() {
    let hard_app = TestApp::empty().await;
    let hard = signals_of(&hard_app, &hard_set());
    let old_app = TestApp::empty().await;
    let old = signals_of(&old_app, &eval_set());
    let mut results = Vec::new();
    for text in (0..=20).map(|i| f64::from(i) * 0.05) {
        for names in (0..=20).map(|i| f64::from(i) * 0.05) {
            for section in [0.0, 0.05, 0.10] {
                let tags = 1.0 - text - names - section;
                if tags < -1e-9 {
                    continue;
                }
                let w = related::Weights {
                    text,
                    names,
                    tags: tags.max(0.0),
                    section,
                };
                for min in [0.08, 0.10, 0.12, 0.15] {
                    // The engine's promises (tests/related_engine.rs): the
                    // same section counts but never suffices alone, and one
                    // rare shared tag (rarity 0.7) qualifies on its own.
                    if section == 0.0 || section >= min || 0.7 * w.tags < min {
                        continue;
                    }
                    let train = precision_with(&hard, &w, min, "train");
                    let issue5 = precision_with(&old, &w, min, "");
                    results.push(((train + issue5) / 2.0, train, issue5, w, min));
                }
            }
        }
    }
    results.sort_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then(y.3.text.total_cmp(&x.3.text))
            .then(y.3.tags.total_cmp(&x.3.tags))
    });
    println!(
        "weight search over {} combinations (hard set training split + issue-5 set):",
        results.len()
    );
    for (objective, train, issue5, w, min) in results.iter().take(15) {
        println!(
            "  {objective:.3} (hard train {train:.3}, issue 5 {issue5:.3}): text {:.2} names {:.2} tags {:.2} section {:.2}, min {min:.2}",
            w.text, w.names, w.tags, w.section
        );
    }
    let current = related::WEIGHTS;
    println!(
        "in use: text {:.2} names {:.2} tags {:.2} section {:.2}, min {:.2}: hard train {:.3}, issue 5 {:.3}, held-out {:.3}",
        current.text,
        current.names,
        current.tags,
        current.section,
        related::MIN_RELEVANCE,
        precision_with(&hard, &current, related::MIN_RELEVANCE, "train"),
        precision_with(&old, &current, related::MIN_RELEVANCE, ""),
        precision_with(&hard, &current, related::MIN_RELEVANCE, "heldout")
    );
}
