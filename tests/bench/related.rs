//! Related-articles benchmark (not a test): loads generated articles into a
//! fresh SQLite file and prints the time to compute one article's list, to
//! rebuild every list, and the article page's throughput over real HTTP.
//!
//! `cargo bench --bench related` (release build) for 100,000 articles;
//! `BENCH_ARTICLES=10000 cargo bench --bench related` for a quick run.

use std::time::{Duration, Instant};

use broadsheet::models::article::Article;
use broadsheet::models::{NewArticle, NewSection, Section, Tag};
use broadsheet::{db, related, AppState, Clock, Config};
use chrono::NaiveDate;
use diesel::Connection;

const SECTIONS: usize = 8;
const TOPICS: usize = 400;
const TAGS: usize = 3_000;
const WORDS_PER_TOPIC: usize = 40;
const GENERAL_WORDS: usize = 3_000;

/// A small deterministic generator (xorshift), so every run loads the same site.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Skewed towards small values, like tag and word popularity.
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

/// A pronounceable made-up word for an index.
fn word(mut i: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "du", "fe", "go", "hu", "ji", "pa",
        "ze",
    ];
    let mut w = String::new();
    for _ in 0..4 {
        w.push_str(SYLLABLES[i % 16]);
        i /= 16;
    }
    w
}

fn sentence(rng: &mut Rng, topic: usize, words: usize) -> String {
    (0..words)
        .map(|_| {
            if rng.below(3) == 0 {
                word(GENERAL_WORDS + topic * WORDS_PER_TOPIC + rng.skewed(WORDS_PER_TOPIC))
            } else {
                word(rng.skewed(GENERAL_WORDS))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn load_site(conn: &mut db::DbConn, n: usize, now: chrono::NaiveDateTime) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let sections: Vec<i32> = (0..SECTIONS)
        .map(|i| {
            Section::create(
                conn,
                &NewSection {
                    slug: format!("section-{i}"),
                    name: format!("Section {i}"),
                    description: String::new(),
                    position: i as i32,
                },
            )
            .unwrap()
        })
        .collect();
    let tags: Vec<i32> = (0..TAGS)
        .map(|i| {
            Tag::find_or_create(conn, &format!("tag-{i}"), &format!("Tag {i}"))
                .unwrap()
                .id
        })
        .collect();
    for chunk in (0..n).collect::<Vec<_>>().chunks(2_000) {
        conn.transaction(|conn| {
            for &i in chunk {
                let topic = rng.below(TOPICS);
                let published = now - chrono::Duration::minutes((n - i) as i64 * 7);
                let id = Article::create(
                    conn,
                    &NewArticle {
                        slug: format!("article-{i}"),
                        headline: sentence(&mut rng, topic, 8),
                        standfirst: sentence(&mut rng, topic, 20),
                        body: (0..6)
                            .map(|_| sentence(&mut rng, topic, 40))
                            .collect::<Vec<_>>()
                            .join("\n\n"),
                        kicker: String::new(),
                        section_id: Some(sections[topic % SECTIONS]),
                        author_id: None,
                        lead_image_id: None,
                        lead_image_alt: String::new(),
                        lead_image_caption: String::new(),
                        lead_image_credit: String::new(),
                        desk_heading: String::new(),
                        desk_text: String::new(),
                        status: "published".into(),
                        published_at: Some(published),
                        created_at: published,
                        updated_at: published,
                    },
                )?;
                Article::set_takeaways(conn, id, &[sentence(&mut rng, topic, 12)])?;
                // One tag of the story's topic, one or two popular ones.
                let mut chosen = vec![topic % TAGS, TOPICS + rng.skewed(TAGS - TOPICS)];
                if rng.below(2) == 0 {
                    chosen.push(TOPICS + rng.skewed(TAGS - TOPICS));
                }
                chosen.sort_unstable();
                chosen.dedup();
                for t in chosen {
                    Tag::attach(conn, id, tags[t])?;
                }
            }
            diesel::QueryResult::Ok(())
        })
        .unwrap();
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn main() {
    let n: usize = std::env::var("BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let now = NaiveDate::from_ymd_opt(2027, 3, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let pool = db::connect(&url).unwrap();
    let mut conn = pool.get().unwrap();

    let started = Instant::now();
    load_site(&mut conn, n, now);
    println!(
        "related bench: {n} articles loaded in {}",
        seconds(started.elapsed())
    );

    let started = Instant::now();
    let corpus = related::Corpus::load(&mut conn, now).unwrap();
    let load_time = started.elapsed();
    let probe = corpus.article_ids()[n / 2];
    let started = Instant::now();
    let list = corpus.related_to(probe, related::DEFAULT_RELATED_LIMIT);
    let score_time = started.elapsed();
    println!(
        "  corpus load and index: {}; scoring one article: {:.2} ms ({} found)",
        seconds(load_time),
        score_time.as_secs_f64() * 1000.0,
        list.len()
    );
    drop(corpus);
    let started = Instant::now();
    let refreshed =
        related::refresh(&mut conn, probe, now, related::DEFAULT_RELATED_LIMIT).unwrap();
    println!(
        "  one article's related list, as refresh_for_change does it (load, score, store it and the {} lists it affects): {}",
        refreshed - 1,
        seconds(started.elapsed())
    );

    let started = Instant::now();
    let lists = related::rebuild_all(&mut conn, now).unwrap();
    println!(
        "  rebuild all: {lists} lists in {}",
        seconds(started.elapsed())
    );

    let started = Instant::now();
    let reads = 2_000;
    for i in 0..reads {
        let article =
            Article::find_public_by_slug(&mut conn, &format!("article-{}", (i * 7919) % n), now)
                .unwrap();
        related::for_page(&mut conn, &article, now, related::DEFAULT_RELATED_LIMIT).unwrap();
    }
    println!(
        "  stored-list read (for_page): {:.1} µs per page",
        started.elapsed().as_secs_f64() * 1e6 / reads as f64
    );
    drop(conn);
    drop(pool);

    // The article page over real HTTP, sidebar included.
    let mut config = Config::for_database(&url);
    config.no_demo = true;
    config.base_url = Some("https://news.example".into());
    actix_web::rt::System::new().block_on(async move {
        let state = actix_web::web::block(move || AppState::init(&config, Clock::manual(now)))
            .await
            .unwrap()
            .unwrap();
        let state = actix_web::web::Data::new(state);
        let server = actix_test::start(move || broadsheet::app(state.clone()));
        let client = awc::Client::default();
        let pages = 2_000;
        let in_flight = 8;
        let started = Instant::now();
        let mut done = 0;
        while done < pages {
            let batch: Vec<_> = (0..in_flight)
                .map(|k| {
                    let url =
                        server.url(&format!("/articles/article-{}", ((done + k) * 104_729) % n));
                    let client = client.clone();
                    actix_web::rt::spawn(async move {
                        let mut response = client.get(url).send().await.unwrap();
                        assert_eq!(response.status(), 200);
                        let body = response.body().limit(1 << 20).await.unwrap();
                        assert!(!body.is_empty());
                    })
                })
                .collect();
            for request in batch {
                request.await.unwrap();
            }
            done += in_flight;
        }
        let elapsed = started.elapsed();
        println!(
            "  article page over HTTP ({in_flight} in flight): {:.0} pages/s ({pages} pages in {})",
            pages as f64 / elapsed.as_secs_f64(),
            seconds(elapsed)
        );
    });
}
