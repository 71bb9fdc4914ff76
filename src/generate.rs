//! `broadsheet generate --articles N`: fills a database with N realistic
//! articles for measuring the site at size (sections, thousands of tags,
//! authors, takeaways, desk panels, ~700-word Markdown bodies). The text
//! comes from a fixed vocabulary and a seeded generator, so the same N always
//! gives the same articles (dates follow the clock).
//!
//! Speed: one thread writes and another makes and renders the next batch
//! meanwhile (the two cores are then both busy), and each batch of articles
//! is one transaction (see `models::bulk`).
//!
//! Longer than most files: most of it is the vocabulary and the shapes of
//! the generated text, kept with the code that draws from them.

use std::sync::mpsc;
use std::time::Instant;

use chrono::{Duration, NaiveDateTime};

use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::models::bulk::{self, CompleteArticle};
use crate::models::{article, Article, Author, NewArticle, NewAuthor, NewSection, Section, Tag};

/// Articles per transaction: large enough that commits cost nothing, small
/// enough that progress shows and other writers get a turn.
const BATCH: usize = 1_000;

const SECTIONS: [&str; 8] = [
    "World", "Politics", "Business", "City", "Science", "Culture", "Sport", "Opinion",
];

const WORDS: &[&str] = &[
    "harbour",
    "council",
    "ferry",
    "budget",
    "minister",
    "market",
    "river",
    "school",
    "hospital",
    "festival",
    "station",
    "bridge",
    "museum",
    "library",
    "tram",
    "port",
    "housing",
    "rent",
    "wages",
    "workers",
    "union",
    "strike",
    "election",
    "mayor",
    "court",
    "judge",
    "police",
    "storm",
    "flood",
    "drought",
    "harvest",
    "farmers",
    "fishing",
    "fleet",
    "shipyard",
    "crane",
    "timber",
    "steel",
    "energy",
    "wind",
    "solar",
    "grid",
    "water",
    "sewer",
    "road",
    "tunnel",
    "airport",
    "rail",
    "timetable",
    "bus",
    "cyclists",
    "pavement",
    "park",
    "garden",
    "trees",
    "residents",
    "neighbours",
    "families",
    "children",
    "teachers",
    "nurses",
    "doctors",
    "patients",
    "students",
    "scientists",
    "researchers",
    "engineers",
    "architects",
    "planners",
    "builders",
    "shops",
    "traders",
    "bakery",
    "cafe",
    "restaurant",
    "theatre",
    "orchestra",
    "choir",
    "gallery",
    "painters",
    "writers",
    "novel",
    "poetry",
    "film",
    "stadium",
    "league",
    "season",
    "match",
    "coach",
    "players",
    "record",
    "medal",
    "race",
    "marathon",
    "swimmers",
    "sailors",
    "regatta",
    "island",
    "coast",
    "lighthouse",
    "tide",
    "estuary",
    "wetlands",
    "birds",
    "seals",
    "salmon",
    "forest",
    "hills",
    "valley",
    "quarter",
    "district",
    "suburb",
    "square",
    "avenue",
    "plan",
    "proposal",
    "vote",
    "debate",
    "inquiry",
    "report",
    "survey",
    "study",
    "data",
    "figures",
    "prices",
    "costs",
    "taxes",
    "grants",
    "funding",
    "loan",
    "deficit",
    "surplus",
    "growth",
    "jobs",
    "factory",
    "warehouse",
    "exports",
    "imports",
    "trade",
    "cargo",
    "containers",
    "licence",
    "permit",
    "rules",
    "law",
    "reform",
    "policy",
    "pledge",
    "promise",
    "delay",
    "repairs",
    "works",
    "opening",
    "closure",
    "protest",
    "petition",
    "meeting",
    "hearing",
    "evidence",
    "witness",
    "verdict",
    "appeal",
    "deal",
    "agreement",
    "talks",
    "offer",
    "carefully",
    "quietly",
    "finally",
    "again",
    "still",
    "already",
    "soon",
    "later",
    "today",
    "yesterday",
    "this",
    "week",
    "month",
    "year",
    "morning",
    "evening",
    "night",
    "summer",
    "winter",
    "spring",
    "autumn",
    "new",
    "old",
    "small",
    "large",
    "local",
    "public",
    "private",
    "early",
    "late",
    "long",
    "short",
    "busy",
    "quiet",
    "open",
    "closed",
    "cheaper",
    "dearer",
    "safer",
    "faster",
    "slower",
    "better",
    "worse",
    "first",
    "last",
    "second",
    "third",
    "says",
    "said",
    "plans",
    "wants",
    "needs",
    "opens",
    "closes",
    "starts",
    "ends",
    "raises",
    "cuts",
    "builds",
    "repairs",
    "moves",
    "returns",
    "wins",
    "loses",
    "agrees",
    "rejects",
    "warns",
    "hopes",
    "expects",
    "asks",
    "answers",
    "shows",
    "finds",
    "reports",
    "announces",
    "the",
    "the",
    "the",
    "a",
    "a",
    "of",
    "of",
    "to",
    "to",
    "in",
    "in",
    "and",
    "and",
    "for",
    "on",
    "with",
    "at",
    "by",
    "from",
    "after",
    "before",
    "over",
    "under",
    "near",
    "about",
    "while",
    "because",
    "but",
    "as",
    "more",
    "less",
    "most",
    "many",
    "few",
    "every",
    "each",
];

const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Cora", "Dev", "Elin", "Farid", "Greta", "Hugo", "Iris", "Jonah", "Kemi", "Lars",
    "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tess", "Umar", "Vera", "Wyn",
    "Xena", "Yusuf", "Zoe",
];
const LAST_NAMES: &[&str] = &[
    "Reed",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Patel",
    "Nakamura",
    "Castillo",
    "Brennan",
    "Haddad",
    "Kowalski",
    "Achterberg",
    "Silva",
    "Novak",
    "Osei",
    "Fischer",
    "Duarte",
    "Ito",
    "Maguire",
    "Rahman",
    "Jansen",
    "Petrov",
    "Walsh",
    "Abara",
    "Lund",
    "Costa",
    "Byrne",
];

/// A tiny deterministic generator (xorshift64); good enough for filler text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// A number in `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    /// Skewed towards small values, like the popularity of tags.
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn words(rng: &mut Rng, count: usize) -> Vec<&'static str> {
    (0..count).map(|_| WORDS[rng.below(WORDS.len())]).collect()
}

/// A sentence of `lo..=hi` words, capitalised, with a full stop.
fn sentence(rng: &mut Rng, lo: usize, hi: usize) -> String {
    let count = rng.between(lo, hi);
    let mut text = capitalised(&words(rng, count).join(" "));
    if count > 12 && rng.below(3) == 0 {
        // A comma somewhere in the middle, as people write.
        if let Some(space) = text[text.len() / 2..].find(' ') {
            text.insert(text.len() / 2 + space, ',');
        }
    }
    text.push('.');
    text
}

/// A title-cased phrase: headlines and subheadings.
fn title(rng: &mut Rng, lo: usize, hi: usize) -> String {
    let count = rng.between(lo, hi);
    let words = words(rng, count);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| match (i, w.len()) {
            (0, _) | (_, 4..) => capitalised(w),
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// About 700 words of Markdown: paragraphs, now and then a subheading or a list.
fn body(rng: &mut Rng) -> String {
    let target = rng.between(550, 850);
    let mut parts: Vec<String> = Vec::new();
    let mut written = 0;
    let mut list_done = false;
    while written < target {
        if parts.len() >= 4 && rng.below(8) == 0 {
            parts.push(format!("## {}", title(rng, 2, 5)));
        }
        if parts.len() >= 3 && !list_done && rng.below(10) == 0 {
            list_done = true;
            let items: Vec<String> = (0..rng.between(3, 5))
                .map(|_| format!("- {}", sentence(rng, 4, 10)))
                .collect();
            written += items.len() * 7;
            parts.push(items.join("\n"));
        }
        let paragraph: Vec<String> = (0..rng.between(2, 4))
            .map(|_| sentence(rng, 10, 24))
            .collect();
        written += paragraph
            .iter()
            .map(|s| s.split(' ').count())
            .sum::<usize>();
        parts.push(paragraph.join(" "));
    }
    parts.join("\n\n")
}

/// What the articles point at: ids of sections, authors and tags.
struct Taxonomy {
    sections: Vec<i32>,
    authors: Vec<i32>,
    tags: Vec<i32>,
}

/// Tags: about one for every 30 articles (at least 10, at most 3,000).
fn tag_count(n: usize) -> usize {
    (n / 30).clamp(10, 3_000)
}

/// Authors: about one for every 500 articles (at least 5, at most 200).
fn author_count(n: usize) -> usize {
    (n / 500).clamp(5, 200)
}

fn tag_name(i: usize) -> String {
    // Two nouns from the first part of the vocabulary; the index decides
    // both, so names never repeat (160 × 160 > 3,000).
    let (a, b) = (i % 160, (i / 160 + i % 160 + 1) % 160);
    format!("{} {}", capitalised(WORDS[a]), capitalised(WORDS[b]))
}

fn slug_of(name: &str) -> String {
    crate::slug::slugify(name)
}

/// Creates (or, when appending, finds) the sections, authors and tags.
fn taxonomy(conn: &mut DbConn, n: usize) -> Result<Taxonomy, AppError> {
    db::write_transaction(conn, |conn| {
        let mut sections = Vec::new();
        for (position, name) in (1..).zip(SECTIONS) {
            let slug = slug_of(name);
            let id = match Section::find_by_slug(conn, &slug) {
                Ok(s) => s.id,
                Err(diesel::result::Error::NotFound) => Section::create(
                    conn,
                    &NewSection {
                        slug,
                        name: name.into(),
                        description: format!("The latest {name} news."),
                        position,
                    },
                )?,
                Err(e) => return Err(e.into()),
            };
            sections.push(id);
        }
        let mut authors = Vec::new();
        for i in 0..author_count(n) {
            let name = format!(
                "{} {}",
                FIRST_NAMES[i % FIRST_NAMES.len()],
                LAST_NAMES[(i / FIRST_NAMES.len() + i) % LAST_NAMES.len()]
            );
            let slug = slug_of(&name);
            let id = match Author::find_by_slug(conn, &slug) {
                Ok(a) => a.id,
                Err(diesel::result::Error::NotFound) => Author::create(
                    conn,
                    &NewAuthor {
                        bio: format!("{name} reports for the paper."),
                        slug,
                        name,
                    },
                )?,
                Err(e) => return Err(e.into()),
            };
            authors.push(id);
        }
        let mut tags = Vec::new();
        for i in 0..tag_count(n) {
            let name = tag_name(i);
            tags.push(Tag::find_or_create(conn, &slug_of(&name), &name)?.id);
        }
        Ok(Taxonomy {
            sections,
            authors,
            tags,
        })
    })
}

/// Article number `i` (of the run), rendered and ready to insert.
fn make_article(
    rng: &mut Rng,
    i: usize,
    first_number: usize,
    tax: &Taxonomy,
    now: NaiveDateTime,
) -> CompleteArticle {
    let headline = title(rng, 5, 10);
    let slug = format!("{}-{}", slug_of(&headline), first_number + i);
    let body = body(rng);
    let body_html = crate::markdown::render_or_escape(&body);
    let word_count = article::count_words(&body);
    let five_years = 5 * 365 * 24 * 3600;
    let (status, published_at) = match rng.below(100) {
        0..=1 => (article::ArticleStatus::Draft, None),
        2 => (
            article::ArticleStatus::Scheduled,
            Some(now + Duration::seconds(rng.between(3600, 30 * 24 * 3600) as i64)),
        ),
        _ => (
            article::ArticleStatus::Published,
            Some(now - Duration::seconds(rng.below(five_years) as i64)),
        ),
    };
    let created_at = published_at.unwrap_or(now) - Duration::hours(rng.between(1, 48) as i64);
    let (desk_heading, desk_text) = if rng.below(3) == 0 {
        ("Why this matters".to_string(), sentence(rng, 20, 40))
    } else {
        (String::new(), String::new())
    };
    let takeaways = (0..rng.below(6)).map(|_| sentence(rng, 8, 16)).collect();
    let mut tag_ids: Vec<i32> = (0..rng.between(1, 5))
        .map(|_| tax.tags[rng.skewed(tax.tags.len())])
        .collect();
    tag_ids.sort_unstable();
    tag_ids.dedup();
    let lead = tax.authors[rng.skewed(tax.authors.len())];
    // About one article in eight has a second author, so author pages list
    // co-authored articles at size too.
    let co_author_ids = match rng.below(8) {
        0 => {
            let second = tax.authors[rng.below(tax.authors.len())];
            (second != lead).then_some(second).into_iter().collect()
        }
        _ => Vec::new(),
    };
    CompleteArticle {
        new: NewArticle {
            slug,
            headline,
            body,
            standfirst: sentence(rng, 14, 28),
            kicker: capitalised(WORDS[rng.below(160)]),
            section_id: Some(tax.sections[rng.below(tax.sections.len())]),
            author_id: Some(lead),
            lead_image_id: None,
            lead_image_alt: String::new(),
            lead_image_caption: String::new(),
            lead_image_credit: String::new(),
            desk_heading,
            desk_text,
            status: status.as_str().into(),
            published_at,
            created_at,
            updated_at: published_at.unwrap_or(created_at),
        },
        body_html,
        word_count,
        takeaways,
        tag_ids,
        co_author_ids,
    }
}

/// What a run made.
#[derive(Debug)]
pub struct Generated {
    pub articles: usize,
    pub seconds: f64,
}

/// Migrates the database at `database_url` and fills it with `n` articles,
/// printing progress. Refuses a database that has articles unless `append`.
pub fn run(
    database_url: &str,
    n: usize,
    append: bool,
    now: NaiveDateTime,
) -> Result<Generated, AppError> {
    let started = Instant::now();
    let pool = db::connect(database_url)?;
    let mut conn = pool.get()?;
    if !append && Article::any_exist(&mut conn)? {
        return Err(AppError::Config(
            "the database already has articles: pass --append to add more, or use an empty one"
                .into(),
        ));
    }
    // Articles, tags and their indexes are filled in no useful order.
    db::bulk_cache(&mut conn, 128)?;
    if let DbConn::Sqlite(_) = &*conn {
        // A benchmark archive, written once: no fsync at each commit (a crash
        // loses a half-made archive, nothing else). This connection only.
        diesel::connection::SimpleConnection::batch_execute(
            &mut *conn,
            "PRAGMA synchronous = OFF",
        )?;
    }
    let first_number = bulk::last_article_id(&mut conn)?.unwrap_or(0) as usize + 1;
    let tax = taxonomy(&mut conn, n)?;
    println!(
        "{} sections, {} authors, {} tags ready; generating {n} articles",
        tax.sections.len(),
        tax.authors.len(),
        tax.tags.len()
    );
    // Making and rendering runs on its own thread, a batch ahead of the
    // writer; the bounded channel keeps at most two batches in memory.
    let (sender, batches) = mpsc::sync_channel::<Vec<CompleteArticle>>(1);
    let maker = std::thread::spawn(move || {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ n as u64);
        let mut i = 0;
        while i < n {
            let end = (i + BATCH).min(n);
            let batch = (i..end)
                .map(|k| make_article(&mut rng, k, first_number, &tax, now))
                .collect();
            if sender.send(batch).is_err() {
                break;
            }
            i = end;
        }
    });
    let mut written = 0;
    for batch in batches {
        bulk::insert_articles(&mut conn, &batch)?;
        written += batch.len();
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "{written} / {n} articles ({:.0} a second)",
            written as f64 / elapsed.max(0.001)
        );
    }
    maker
        .join()
        .map_err(|_| AppError::internal("the article maker stopped"))?;
    db::write_transaction(&mut conn, |conn| {
        crate::models::public_change::record(conn, now)
    })?;
    db::analyze(&mut conn)?;
    Ok(Generated {
        articles: written,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_text_and_bodies_are_about_700_words() {
        let (mut a, mut b) = (Rng(42), Rng(42));
        assert_eq!(body(&mut a), body(&mut b));
        let mut rng = Rng(7);
        let counts: Vec<i32> = (0..50)
            .map(|_| article::count_words(&body(&mut rng)))
            .collect();
        let mean = counts.iter().sum::<i32>() / 50;
        assert!((600..=800).contains(&mean), "mean {mean}");
    }

    #[test]
    fn taxonomy_sizes_follow_the_archive() {
        assert_eq!(tag_count(300), 10);
        assert_eq!(tag_count(100_000), 3_000);
        assert_eq!(author_count(300), 5);
        assert_eq!(author_count(100_000), 200);
        let names: std::collections::HashSet<String> = (0..3_000).map(tag_name).collect();
        assert_eq!(names.len(), 3_000);
    }
}
