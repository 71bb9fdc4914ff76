//! Related-articles benchmark (not a test): loads generated articles into a
//! fresh SQLite file and prints the time to compute one article's list, to
//! rebuild every list, and the article page's throughput over real HTTP.
//!
//! `cargo bench --bench related` (release build) for 10,000 then 100,000
//! articles; `BENCH_ARTICLES=2000 cargo bench --bench related` for a quick run.

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

/// A figure of this process from /proc/self/status (Linux), in MiB.
fn memory_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn main() {
    // The rebuild logs its phases (read and tokenised, index written, lists written).
    tracing_subscriber::fmt()
        .with_env_filter("broadsheet::related=info")
        .init();
    // `BENCH_ARTICLES=10000` for one size; both by default.
    let sizes: Vec<usize> = std::env::var("BENCH_ARTICLES")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    for n in sizes {
        bench(n);
    }
}

fn bench(n: usize) {
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

    // The peak from here on is the rebuild's, not the loading's ("5" resets
    // the process's high-water mark to its current RSS).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = memory_mib("VmRSS:");
    let started = Instant::now();
    let lists = related::rebuild_all(&mut conn, now).unwrap();
    println!(
        "  rebuild all (index + every list): {lists} lists in {}; RSS {:.0} MiB before, peak during the rebuild {:.0} MiB",
        seconds(started.elapsed()),
        rss_before,
        memory_mib("VmHWM:")
    );

    // One save: the article is reindexed and the lists it affects are
    // recomputed from the postings in the database (no corpus load).
    let rss_before = memory_mib("VmRSS:");
    let mut times = Vec::new();
    let mut written = Vec::new();
    for k in 0..20 {
        let probe = Article::find_public_by_slug(
            &mut conn,
            &format!("article-{}", (k * 4_999 + n / 2) % n),
            now,
        )
        .unwrap()
        .id;
        let started = Instant::now();
        written
            .push(related::refresh(&mut conn, probe, now, related::DEFAULT_RELATED_LIMIT).unwrap());
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    written.sort_unstable();
    println!(
        "  refresh after one save (reindex, score, store the lists it affects), 20 articles: median {:.1} ms, max {:.1} ms; lists written median {}, max {}; RSS {:.0} -> {:.0} MiB",
        times[times.len() / 2],
        times[times.len() - 1],
        written[written.len() / 2],
        written[written.len() - 1],
        rss_before,
        memory_mib("VmRSS:")
    );

    let probe = Article::find_public_by_slug(&mut conn, &format!("article-{}", n / 3), now)
        .unwrap()
        .id;
    let started = Instant::now();
    let list = related::related_to(&mut conn, probe, now, related::DEFAULT_RELATED_LIMIT).unwrap();
    println!(
        "  scoring one article from the postings: {:.2} ms ({} found)",
        started.elapsed().as_secs_f64() * 1000.0,
        list.len()
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
        "  stored-list read (for_page, one query): {:.1} µs per page",
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
