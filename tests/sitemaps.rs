//! Sitemaps, the Google News sitemap and robots.txt through real HTTP: the
//! index and its files, absolute URLs, W3C dates, the per-file split, the
//! 48-hour news window, and the public rule (no drafts, scheduled or deleted).

mod common;

use askama::Template;
use broadsheet::models::article::Article;
use broadsheet::models::feed;
use broadsheet::routes::sitemaps::{load_article_sitemap, load_index};
use broadsheet::AppError;
use chrono::{DateTime, Duration};
use common::xml::{kids, text};
use common::*;
use roxmltree::Document;

const SM: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
const FEED_CACHE: &str = "max-age=300, stale-while-revalidate=600";

/// `(loc, lastmod)` of every `<url>` or `<sitemap>` in a sitemap file, checking
/// the root element, the namespace and that every date is a W3C datetime with an offset.
fn entries(body: &str, root: &str) -> Vec<(String, Option<String>)> {
    let doc = Document::parse(body).expect("sitemaps are well-formed XML");
    assert!(doc.root_element().has_tag_name((SM, root)), "{body}");
    let child = if root == "urlset" { "url" } else { "sitemap" };
    kids(doc.root_element(), SM, child)
        .into_iter()
        .map(|u| {
            let lastmod = kids(u, SM, "lastmod").first().map(|l| {
                let t = l.text().unwrap().to_string();
                DateTime::parse_from_rfc3339(&t).unwrap_or_else(|e| panic!("{t}: {e}"));
                t
            });
            (text(u, SM, "loc"), lastmod)
        })
        .collect()
}

fn locs(body: &str, root: &str) -> Vec<String> {
    entries(body, root)
        .into_iter()
        .map(|(loc, _)| loc)
        .collect()
}

/// Fetches a sitemap named by its absolute URL; checks status, type and caching.
async fn fetch(app: &TestApp, url: &str) -> String {
    let path = url
        .strip_prefix(BASE_URL)
        .expect("absolute URL on the site");
    let page = app.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("application/xml; charset=utf-8"),
        "{path}"
    );
    assert_eq!(
        page.header("cache-control").as_deref(),
        Some(FEED_CACHE),
        "{path}"
    );
    page.body
}

fn url(path: &str) -> String {
    format!("{BASE_URL}{path}")
}

#[actix_web::test]
async fn sitemap_index_points_to_sitemaps_of_every_public_page() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour"],
                published_at: Some(test_now() - Duration::hours(5)),
                updated_at: Some(test_now() - Duration::hours(4)),
                ..ArticleSpec::new("ferry", "Ferry")
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                section: Some(("business", "Business")),
                published_at: Some(test_now() - Duration::hours(3)),
                ..ArticleSpec::new("markets", "Markets")
            },
        );
    });
    let index = fetch(&app, &url("/sitemap.xml")).await;
    let sitemaps = entries(&index, "sitemapindex");
    let listed: Vec<&str> = sitemaps.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        listed,
        [
            url("/sitemaps/sections.xml"),
            url("/sitemaps/tags.xml"),
            url("/sitemaps/authors.xml"),
            url("/sitemaps/articles-1.xml"),
        ]
    );
    assert!(sitemaps.iter().all(|(_, lastmod)| lastmod.is_some()));

    let sections = entries(&fetch(&app, &url("/sitemaps/sections.xml")).await, "urlset");
    // The front page carries the site's last change (the articles were
    // written at the test clock's noon); a section, its newest article's
    // publish time (Ferry's later edit is not counted: finding edits would
    // read every article of the section).
    assert_eq!(
        sections,
        [
            (url("/"), Some("2027-03-01T12:00:00+00:00".into())),
            // Navigation order: both at position 1, so by name.
            (
                url("/sections/business"),
                Some("2027-03-01T09:00:00+00:00".into())
            ),
            (
                url("/sections/city"),
                Some("2027-03-01T07:00:00+00:00".into())
            ),
        ]
    );
    assert_eq!(
        locs(&fetch(&app, &url("/sitemaps/tags.xml")).await, "urlset"),
        [url("/tags/harbour")]
    );
    assert_eq!(
        locs(&fetch(&app, &url("/sitemaps/authors.xml")).await, "urlset"),
        [url("/authors/ada-reed")]
    );
    // Articles in id order, each with its last change as lastmod.
    assert_eq!(
        entries(
            &fetch(&app, &url("/sitemaps/articles-1.xml")).await,
            "urlset"
        ),
        [
            (
                url("/articles/ferry"),
                Some("2027-03-01T08:00:00+00:00".into())
            ),
            (
                url("/articles/markets"),
                Some("2027-03-01T09:00:00+00:00".into())
            ),
        ]
    );
    assert_eq!(app.get("/sitemaps/articles-2.xml").await.status, 404);
    assert_eq!(app.get("/sitemaps/articles-0.xml").await.status, 404);
    assert_eq!(app.get("/sitemaps/articles-01.xml").await.status, 404);
}

/// Files of one block (100 ids) each, so a test can fill several.
const PER_FILE: i64 = feed::SITEMAP_BLOCK;

#[actix_web::test]
async fn article_sitemaps_hold_fixed_id_ranges_so_articles_never_move_between_files() {
    let app = TestApp::empty().await;
    // a1, a2 take ids 1-2 (file 1); drafts fill up to id 101, a3 takes 102
    // (file 2); more drafts fill up to 200, a4 and a5 take 201-202 (file 3).
    // Publish order is the reverse of id order: files follow ids.
    let ids = app.db(|c| {
        let mut ids = Vec::new();
        let mut drafts = 0;
        for i in 1..=5 {
            let filled_to = match i {
                3 => 101,
                4 => 200,
                _ => 0,
            };
            while ids.len() + drafts < filled_to {
                drafts += 1;
                insert_article(
                    c,
                    &ArticleSpec {
                        status: "draft",
                        published_at: None,
                        ..ArticleSpec::new(&format!("draft-{drafts}"), "Draft")
                    },
                );
            }
            ids.push(insert_article(
                c,
                &ArticleSpec {
                    published_at: Some(test_now() - Duration::hours(i)),
                    ..ArticleSpec::new(&format!("a{i}"), &format!("A{i}"))
                },
            ));
        }
        ids
    });
    assert_eq!(ids, [1, 2, 102, 201, 202]);
    let site = app.state.site.clone();
    let now = test_now();
    let index_at = |now| {
        let index = app.db(|c| {
            load_index(c, &site, now, PER_FILE)
                .unwrap()
                .render()
                .unwrap()
        });
        entries(&index, "sitemapindex")
            .into_iter()
            .filter(|(l, _)| l.contains("/articles-"))
            .collect::<Vec<_>>()
    };
    let file_entry = |n: i64, lastmod: &str| {
        (
            url(&format!("/sitemaps/articles-{n}.xml")),
            Some(lastmod.to_string()),
        )
    };
    // Each file's lastmod is the newest change among its own live articles;
    // drafts do not count.
    assert_eq!(
        index_at(now),
        [
            file_entry(1, "2027-03-01T11:00:00+00:00"),
            file_entry(2, "2027-03-01T09:00:00+00:00"),
            file_entry(3, "2027-03-01T08:00:00+00:00"),
        ]
    );
    let file = |n: i64| {
        app.db(|c| match load_article_sitemap(c, &site, now, n, PER_FILE) {
            Ok(set) => Some(locs(&set.render().unwrap(), "urlset")),
            Err(AppError::NotFound) => None,
            Err(e) => panic!("{e}"),
        })
    };
    assert_eq!(
        file(1),
        Some(vec![url("/articles/a1"), url("/articles/a2")])
    );
    // The drafts are not listed: file 2 holds only a3.
    assert_eq!(file(2), Some(vec![url("/articles/a3")]));
    assert_eq!(
        file(3),
        Some(vec![url("/articles/a4"), url("/articles/a5")])
    );
    assert_eq!(file(4), None);
    let files_of = |per_file| app.db(|c| feed::article_files(c, now, per_file).unwrap().len());
    assert_eq!(files_of(2 * PER_FILE), 2);
    assert_eq!(files_of(3 * PER_FILE), 1);

    // Deleting a3 empties file 2: the index leaves it out and it is 404, while
    // a4 and a5 stay in file 3 (a crawler's copy of file 3 stays true).
    // Deleting a5 changes file 3 at that moment: its lastmod moves forward,
    // never back to a4's older time.
    let later = now + Duration::minutes(5);
    app.db(|c| {
        Article::soft_delete(c, ids[2], now).unwrap();
        Article::soft_delete(c, ids[4], later).unwrap();
    });
    let deleted_at = "2027-03-01T12:05:00+00:00";
    assert_eq!(
        index_at(later),
        [
            file_entry(1, "2027-03-01T11:00:00+00:00"),
            file_entry(3, deleted_at),
        ]
    );
    assert_eq!(file(2), None);
    assert_eq!(file(3), Some(vec![url("/articles/a4")]));

    // A story scheduled into file 3 (id 203) changes it when it goes live,
    // not before: until then file 3 keeps the time a5 was deleted.
    let live_at = later + Duration::hours(1);
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                status: "scheduled",
                published_at: Some(live_at),
                updated_at: Some(later),
                ..ArticleSpec::new("scheduled", "Scheduled")
            },
        )
    });
    assert_eq!(index_at(later)[1], file_entry(3, deleted_at));
    assert_eq!(
        index_at(live_at + Duration::minutes(1))[1],
        file_entry(3, "2027-03-01T13:05:00+00:00")
    );

    // At the real limit, every article left fits in the first file.
    assert_eq!(
        locs(
            &fetch(&app, &url("/sitemaps/articles-1.xml")).await,
            "urlset"
        )
        .len(),
        3
    );
}

#[actix_web::test]
async fn drafts_scheduled_and_deleted_articles_never_appear_in_sitemaps() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(c, &ArticleSpec::new("visible", "Visible"));
        // Each hidden article has a tag and author of its own: their pages
        // would reveal it, so they stay out of the sitemaps too.
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                tags: vec!["Secret Draft"],
                author: Some(("draft-writer", "Draft Writer")),
                ..ArticleSpec::new("draft", "Draft")
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                status: "scheduled",
                published_at: Some(test_now() + Duration::hours(1)),
                tags: vec!["Secret Scheduled"],
                author: Some(("future-writer", "Future Writer")),
                ..ArticleSpec::new("scheduled", "Scheduled")
            },
        );
        let deleted = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Secret Deleted"],
                author: Some(("gone-writer", "Gone Writer")),
                ..ArticleSpec::new("deleted", "Deleted")
            },
        );
        Article::soft_delete(c, deleted, test_now()).unwrap();
    });
    let index = app.get("/sitemap.xml").await.body;
    let mut everything = index.clone();
    for loc in locs(&index, "sitemapindex") {
        everything.push_str(&fetch(&app, &loc).await);
    }
    everything.push_str(&app.get("/news-sitemap.xml").await.body);
    assert!(everything.contains(&url("/articles/visible")));
    for hidden in [
        "/articles/draft",
        "/articles/scheduled",
        "/articles/deleted",
        "secret",
        "writer",
    ] {
        assert!(!everything.contains(hidden), "{hidden} leaked");
    }
    // No tags with public articles: the index leaves the tag sitemap out, and it is absent.
    assert!(!index.contains("/sitemaps/tags.xml"));
    assert_eq!(app.get("/sitemaps/tags.xml").await.status, 404);
}

#[actix_web::test]
async fn news_sitemap_lists_only_the_last_48_hours() {
    let app = TestApp::with_config(|c| {
        c.site_name = "Port & Harbour <Times>".into();
        c.language = "en-GB".into();
    })
    .await;
    app.db(|c| {
        for (slug, hours) in [
            ("fresh", 1),
            ("day-old", 30),
            ("nearly-two-days", 47),
            ("stale", 49),
        ] {
            insert_article(
                c,
                &ArticleSpec {
                    updated_at: Some(test_now()),
                    published_at: Some(test_now() - Duration::hours(hours)),
                    ..ArticleSpec::new(slug, &format!("Story \"{slug}\" & more"))
                },
            );
        }
    });
    let news_urls = |body: &str| -> Vec<String> {
        let doc = Document::parse(body).unwrap();
        assert!(doc.root_element().has_tag_name((SM, "urlset")));
        kids(doc.root_element(), SM, "url")
            .into_iter()
            .map(|u| text(u, SM, "loc"))
            .collect()
    };
    let body = fetch(&app, &url("/news-sitemap.xml")).await;
    assert_eq!(
        news_urls(&body),
        [
            url("/articles/fresh"),
            url("/articles/day-old"),
            url("/articles/nearly-two-days")
        ]
    );
    let doc = Document::parse(&body).unwrap();
    let first = kids(doc.root_element(), SM, "url")[0];
    let news = kids(first, NEWS, "news")[0];
    let publication = kids(news, NEWS, "publication")[0];
    assert_eq!(text(publication, NEWS, "name"), "Port & Harbour <Times>");
    assert_eq!(text(publication, NEWS, "language"), "en");
    assert_eq!(text(news, NEWS, "title"), "Story \"fresh\" & more");
    // The original publish time, not the later edit, in W3C format with an offset.
    let published = text(news, NEWS, "publication_date");
    assert_eq!(published, "2027-03-01T11:00:00+00:00");

    // Two hours later the 47-hour-old story has aged out.
    app.clock.set(test_now() + Duration::hours(2));
    let body = fetch(&app, &url("/news-sitemap.xml")).await;
    assert_eq!(
        news_urls(&body),
        [url("/articles/fresh"), url("/articles/day-old")]
    );
    // Much later nothing is news: an empty news sitemap is still served.
    app.clock.set(test_now() + Duration::days(5));
    let body = fetch(&app, &url("/news-sitemap.xml")).await;
    assert!(news_urls(&body).is_empty());
}

#[actix_web::test]
async fn news_sitemap_keeps_the_newest_up_to_its_limit() {
    let app = TestApp::empty().await;
    app.db(|c| {
        for i in 1..=4 {
            insert_article(
                c,
                &ArticleSpec {
                    published_at: Some(test_now() - Duration::hours(i)),
                    ..ArticleSpec::new(&format!("n{i}"), &format!("N{i}"))
                },
            );
        }
    });
    let rows = app.db(|c| feed::news_rows(c, test_now(), Duration::hours(48), 3).unwrap());
    let slugs: Vec<&str> = rows.iter().map(|r| r.slug.as_str()).collect();
    assert_eq!(slugs, ["n1", "n2", "n3"]);
    assert_eq!(broadsheet::routes::sitemaps::NEWS_LIMIT, 1_000);
}

#[actix_web::test]
async fn robots_txt_names_both_sitemaps_and_keeps_crawlers_out_of_admin() {
    let app = TestApp::empty().await;
    let page = app.get("/robots.txt").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        page.header("cache-control").as_deref(),
        Some("max-age=3600")
    );
    let lines: Vec<&str> = page.body.lines().collect();
    for line in [
        "User-agent: *",
        "Disallow: /admin",
        &format!("Sitemap: {BASE_URL}/sitemap.xml"),
        &format!("Sitemap: {BASE_URL}/news-sitemap.xml"),
    ] {
        assert!(lines.contains(&line), "{line} missing from {}", page.body);
    }
    // Every disallowed path is a real place: previews live under /admin.
    let disallowed: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("Disallow: "))
        .collect();
    assert_eq!(disallowed, ["/admin"], "{}", page.body);
    assert!("/admin/articles/1/preview".starts_with(disallowed[0]));
}

#[actix_web::test]
async fn sitemaps_work_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour"],
                ..ArticleSpec::new("pg-one", "PG one")
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                tags: vec!["Hidden"],
                ..ArticleSpec::new("pg-draft", "PG draft")
            },
        );
    });
    let index = fetch(&app, &url("/sitemap.xml")).await;
    let mut all = Vec::new();
    for loc in locs(&index, "sitemapindex") {
        all.extend(locs(&fetch(&app, &loc).await, "urlset"));
    }
    assert_eq!(
        all,
        [
            url("/"),
            url("/sections/city"),
            url("/tags/harbour"),
            url("/authors/ada-reed"),
            url("/articles/pg-one"),
        ]
    );
    let news = fetch(&app, &url("/news-sitemap.xml")).await;
    assert!(news.contains(&url("/articles/pg-one")) && !news.contains("pg-draft"));
}
