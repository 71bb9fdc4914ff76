//! RSS and Atom feeds through real HTTP: the fields each standard requires,
//! absolute URLs, date formats, content types, self links, the 50-entry
//! limit, escaping, and the public rule (no drafts, scheduled or deleted).

mod common;

use broadsheet::models::article::Article;
use chrono::{DateTime, Duration};
use common::xml::{kid, kids, text};
use common::*;
use roxmltree::{Document, Node};

const ATOM: &str = "http://www.w3.org/2005/Atom";
const CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";
const DC: &str = "http://purl.org/dc/elements/1.1/";

fn channel<'a, 'i>(doc: &'a Document<'i>) -> Node<'a, 'i> {
    assert_eq!(doc.root_element().attribute("version"), Some("2.0"));
    kid(doc.root_element(), None, "channel")
}

fn items<'a, 'i>(doc: &'a Document<'i>) -> Vec<Node<'a, 'i>> {
    kids(channel(doc), None, "item")
}

fn entries<'a, 'i>(doc: &'a Document<'i>) -> Vec<Node<'a, 'i>> {
    assert!(doc.root_element().has_tag_name((ATOM, "feed")));
    kids(doc.root_element(), Some(ATOM), "entry")
}

/// Headlines in a feed of either format, in order.
fn titles(body: &str) -> Vec<String> {
    let doc = Document::parse(body).expect("feeds are well-formed XML");
    if doc.root_element().has_tag_name("rss") {
        items(&doc)
            .iter()
            .map(|i| text(*i, None, "title"))
            .collect()
    } else {
        entries(&doc)
            .iter()
            .map(|e| text(*e, Some(ATOM), "title"))
            .collect()
    }
}

/// `published` and `updated` an hour apart, so tests see which is which.
fn full_article() -> ArticleSpec {
    ArticleSpec {
        tags: vec!["Harbour", "Transport"],
        image: Some((sample_png(), "image/png")),
        published_at: Some(test_now() - Duration::hours(3)),
        updated_at: Some(test_now() - Duration::hours(2)),
        body: "The ferry plan.\n\n![Map](/media/99)\n\nSee [the budget](/articles/budget).".into(),
        ..ArticleSpec::new("ferry-plan", "Ferry plan signed")
    }
}

#[actix_web::test]
async fn rss_feed_has_every_field_rss_requires_with_absolute_urls() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &full_article()));
    let page = app.get("/feed.xml").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("application/rss+xml; charset=utf-8")
    );
    assert_eq!(
        page.header("cache-control").as_deref(),
        Some("max-age=300, stale-while-revalidate=600")
    );
    let doc = Document::parse(&page.body).unwrap();
    let ch = channel(&doc);
    assert_eq!(text(ch, None, "title"), "The Broadsheet");
    assert_eq!(text(ch, None, "link"), format!("{BASE_URL}/"));
    assert!(!text(ch, None, "description").is_empty());
    let own = kid(ch, Some(ATOM), "link");
    assert_eq!(own.attribute("rel"), Some("self"));
    assert_eq!(
        own.attribute("href"),
        Some(format!("{BASE_URL}/feed.xml").as_str())
    );
    assert_eq!(own.attribute("type"), Some("application/rss+xml"));

    let all = items(&doc);
    assert_eq!(all.len(), 1);
    let item = all[0];
    assert_eq!(text(item, None, "title"), "Ferry plan signed");
    assert_eq!(
        text(item, None, "link"),
        format!("{BASE_URL}/articles/ferry-plan")
    );
    let guid = kid(item, None, "guid");
    assert_eq!(guid.attribute("isPermaLink"), Some("false"));
    assert!(
        guid.text().unwrap().starts_with("tag:news.example,"),
        "{guid:?}"
    );
    // RFC 822 / 2822, and the publish time rather than the update time.
    let published = DateTime::parse_from_rfc2822(&text(item, None, "pubDate")).unwrap();
    assert_eq!(published.naive_utc(), test_now() - Duration::hours(3));
    DateTime::parse_from_rfc2822(&text(ch, None, "lastBuildDate")).unwrap();
    assert_eq!(text(item, Some(DC), "creator"), "Ada Reed");
    let categories: Vec<String> = kids(item, None, "category")
        .iter()
        .map(|c| c.text().unwrap().to_string())
        .collect();
    assert_eq!(categories, ["City", "Harbour", "Transport"]);
    assert_eq!(
        text(item, None, "description"),
        "A standfirst for the test article."
    );
    let content = text(item, Some(CONTENT), "encoded");
    assert!(content.contains("<p>The ferry plan.</p>"), "{content}");

    let enclosure = kid(item, None, "enclosure");
    let image_url = enclosure.attribute("url").unwrap();
    assert!(
        image_url.starts_with(&format!("{BASE_URL}/media/")),
        "{image_url}"
    );
    assert_eq!(enclosure.attribute("type"), Some("image/png"));
    assert_eq!(
        enclosure.attribute("length"),
        Some(sample_png().len().to_string().as_str())
    );
    // The enclosure is the real image, and as long as it says.
    let path = image_url.strip_prefix(BASE_URL).unwrap();
    let image = app.get(path).await;
    assert_eq!(image.status, 200);
    assert_eq!(
        image.header("content-length"),
        Some(sample_png().len().to_string())
    );
}

#[actix_web::test]
async fn atom_feed_has_every_field_rfc_4287_requires() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &full_article()));
    let page = app.get("/atom.xml").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("application/atom+xml; charset=utf-8")
    );
    assert_eq!(
        page.header("cache-control").as_deref(),
        Some("max-age=300, stale-while-revalidate=600")
    );
    let doc = Document::parse(&page.body).unwrap();
    let feed = doc.root_element();
    let a = Some(ATOM);
    assert_eq!(text(feed, a, "id"), format!("{BASE_URL}/atom.xml"));
    assert_eq!(text(feed, a, "title"), "The Broadsheet");
    let feed_updated = DateTime::parse_from_rfc3339(&text(feed, a, "updated")).unwrap();
    assert_eq!(feed_updated.naive_utc(), test_now() - Duration::hours(2));
    let links = kids(feed, a, "link");
    let rel = |rel: &str| {
        links
            .iter()
            .find(|l| l.attribute("rel") == Some(rel))
            .and_then(|l| l.attribute("href"))
            .map(str::to_string)
    };
    assert_eq!(rel("self"), Some(format!("{BASE_URL}/atom.xml")));
    assert_eq!(rel("alternate"), Some(format!("{BASE_URL}/")));

    let all = entries(&doc);
    assert_eq!(all.len(), 1);
    let e = all[0];
    assert!(text(e, a, "id").starts_with("tag:news.example,"));
    assert_eq!(text(e, a, "title"), "Ferry plan signed");
    let link = kids(e, a, "link")
        .into_iter()
        .find(|l| l.attribute("rel") == Some("alternate"))
        .unwrap();
    assert_eq!(
        link.attribute("href"),
        Some(format!("{BASE_URL}/articles/ferry-plan").as_str())
    );
    // RFC 3339 with an offset.
    let published = text(e, a, "published");
    let updated = text(e, a, "updated");
    assert!(published.ends_with("+00:00"), "{published}");
    assert_eq!(
        DateTime::parse_from_rfc3339(&published)
            .unwrap()
            .naive_utc(),
        test_now() - Duration::hours(3)
    );
    assert_eq!(
        DateTime::parse_from_rfc3339(&updated).unwrap().naive_utc(),
        test_now() - Duration::hours(2)
    );
    let author = kid(e, a, "author");
    assert_eq!(text(author, a, "name"), "Ada Reed");
    assert_eq!(
        text(author, a, "uri"),
        format!("{BASE_URL}/authors/ada-reed")
    );
    let terms: Vec<(&str, &str)> = kids(e, a, "category")
        .iter()
        .map(|c| (c.attribute("term").unwrap(), c.attribute("label").unwrap()))
        .collect();
    assert_eq!(
        terms,
        [
            ("city", "City"),
            ("harbour", "Harbour"),
            ("transport", "Transport")
        ]
    );
    assert_eq!(text(e, a, "summary"), "A standfirst for the test article.");
    let content = kid(e, a, "content");
    assert_eq!(content.attribute("type"), Some("html"));
    assert!(content.text().unwrap().contains("<p>The ferry plan.</p>"));
    let enclosure = kids(e, a, "link")
        .into_iter()
        .find(|l| l.attribute("rel") == Some("enclosure"))
        .unwrap();
    assert!(enclosure
        .attribute("href")
        .unwrap()
        .starts_with(&format!("{BASE_URL}/media/")));
    assert_eq!(
        enclosure.attribute("length"),
        Some(sample_png().len().to_string().as_str())
    );
}

#[actix_web::test]
async fn relative_links_in_the_body_become_absolute_in_feeds() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &full_article()));
    for path in ["/feed.xml", "/atom.xml"] {
        let page = app.get(path).await;
        let doc = Document::parse(&page.body).unwrap();
        let html = if path == "/feed.xml" {
            text(items(&doc)[0], Some(CONTENT), "encoded")
        } else {
            text(entries(&doc)[0], Some(ATOM), "content")
        };
        assert!(
            html.contains(&format!("src=\"{BASE_URL}/media/99\"")),
            "{html}"
        );
        assert!(
            html.contains(&format!("href=\"{BASE_URL}/articles/budget\"")),
            "{html}"
        );
        assert!(!html.contains("=\"/"), "relative URL left in {html}");
    }
}

#[actix_web::test]
async fn feeds_carry_the_latest_fifty_articles_newest_first() {
    let app = TestApp::empty().await;
    app.db(|c| {
        for i in 0..55 {
            insert_article(
                c,
                &ArticleSpec {
                    published_at: Some(test_now() - Duration::hours(60 - i)),
                    ..ArticleSpec::new(&format!("story-{i:02}"), &format!("Story {i:02}"))
                },
            );
        }
    });
    for path in ["/feed.xml", "/atom.xml"] {
        let listed = titles(&app.get(path).await.body);
        assert_eq!(listed.len(), 50, "{path}");
        assert_eq!(listed[0], "Story 54");
        assert_eq!(listed[49], "Story 05");
        assert!(!listed.contains(&"Story 04".to_string()));
    }
}

#[actix_web::test]
async fn section_tag_and_author_feeds_list_only_their_own_articles() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour"],
                ..ArticleSpec::new("in-city", "In the city")
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                section: Some(("business", "Business")),
                author: Some(("bo-lind", "Bo Lind")),
                ..ArticleSpec::new("in-business", "In business")
            },
        );
    });
    for (base, expected) in [
        ("/sections/city", "In the city"),
        ("/sections/business", "In business"),
        ("/tags/harbour", "In the city"),
        ("/authors/ada-reed", "In the city"),
        ("/authors/bo-lind", "In business"),
    ] {
        for (file, mime) in [
            ("feed.xml", "application/rss+xml; charset=utf-8"),
            ("atom.xml", "application/atom+xml; charset=utf-8"),
        ] {
            let path = format!("{base}/{file}");
            let page = app.get(&path).await;
            assert_eq!(page.status, 200, "{path}");
            assert_eq!(page.header("content-type").as_deref(), Some(mime), "{path}");
            assert_eq!(titles(&page.body), [expected], "{path}");
            assert!(
                page.body.contains(&format!("href=\"{BASE_URL}{path}\"")),
                "{path} names itself as the self link"
            );
        }
    }
    // The listing pages themselves still answer beside their feeds.
    assert_eq!(app.get("/sections/city").await.status, 200);
    assert_eq!(app.get("/tags/harbour").await.status, 200);
    for kind in ["sections", "tags", "authors"] {
        for file in ["feed.xml", "atom.xml"] {
            let path = format!("/{kind}/no-such-slug/{file}");
            assert_eq!(app.get(&path).await.status, 404, "{path}");
        }
    }
}

#[actix_web::test]
async fn drafts_scheduled_and_deleted_articles_never_appear_in_feeds() {
    let app = TestApp::empty().await;
    let in_an_hour = test_now() + Duration::hours(1);
    app.db(|c| {
        let hidden = |slug: &str, headline: &str| ArticleSpec {
            tags: vec!["Harbour"],
            ..ArticleSpec::new(slug, headline)
        };
        insert_article(c, &hidden("visible", "Visible story"));
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                ..hidden("draft", "Draft story")
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                status: "scheduled",
                published_at: Some(in_an_hour),
                ..hidden("scheduled", "Scheduled story")
            },
        );
        // Published with a publish time still to come: hidden just the same.
        insert_article(
            c,
            &ArticleSpec {
                published_at: Some(in_an_hour),
                ..hidden("embargoed", "Embargoed story")
            },
        );
        let deleted = insert_article(c, &hidden("deleted", "Deleted story"));
        Article::soft_delete(c, deleted, test_now()).unwrap();
    });
    let feeds = [
        "/feed.xml",
        "/atom.xml",
        "/sections/city/feed.xml",
        "/sections/city/atom.xml",
        "/tags/harbour/feed.xml",
        "/tags/harbour/atom.xml",
        "/authors/ada-reed/feed.xml",
        "/authors/ada-reed/atom.xml",
    ];
    for path in feeds {
        let page = app.get(path).await;
        assert_eq!(titles(&page.body), ["Visible story"], "{path}");
        for slug in ["draft", "scheduled", "embargoed", "deleted"] {
            assert!(
                !page.body.contains(&format!("/articles/{slug}<")),
                "{slug} in {path}"
            );
        }
    }
    // Once its time has come, the embargoed article goes out with no other change.
    app.clock.set(in_an_hour);
    for path in feeds {
        let listed = titles(&app.get(path).await.body);
        assert!(listed.contains(&"Embargoed story".to_string()), "{path}");
        assert!(!listed.contains(&"Draft story".to_string()), "{path}");
    }
}

#[actix_web::test]
async fn special_characters_are_escaped_and_round_trip() {
    let app = TestApp::empty().await;
    let headline = "Fish & Chips <Tonight> \"Quoted\" 'single' ]]> end";
    let standfirst = "Tom <3 cats & dogs";
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                standfirst: standfirst.into(),
                // A stray control character would make the XML unreadable: it is dropped.
                body: "Before ]]> after & <b>bold</b>\u{1}.\n\n<script>alert(1)</script>".into(),
                tags: vec!["R&D <lab>"],
                ..ArticleSpec::new("fish", &format!("{headline}\u{1}"))
            },
        );
    });
    let rss = app.get("/feed.xml").await;
    assert!(
        rss.body.contains("Fish &#38; Chips &#60;Tonight&#62;"),
        "{}",
        rss.body
    );
    let doc = Document::parse(&rss.body).expect("special characters keep the RSS well-formed");
    let item = items(&doc)[0];
    assert_eq!(text(item, None, "title"), headline);
    // RSS descriptions are HTML to readers: the text is escaped as HTML inside the XML.
    assert_eq!(text(item, None, "description"), "Tom &lt;3 cats &amp; dogs");
    let categories: Vec<_> = kids(item, None, "category")
        .iter()
        .map(|c| c.text().unwrap().to_string())
        .collect();
    assert!(
        categories.contains(&"R&D <lab>".to_string()),
        "{categories:?}"
    );
    let content = text(item, Some(CONTENT), "encoded");
    assert!(
        content.contains("Before ]]&gt; after &amp; <b>bold</b>."),
        "{content}"
    );
    assert!(!content.contains("<script"), "{content}");

    let atom = app.get("/atom.xml").await;
    let doc = Document::parse(&atom.body).expect("special characters keep the Atom well-formed");
    let entry = entries(&doc)[0];
    assert_eq!(text(entry, Some(ATOM), "title"), headline);
    assert_eq!(text(entry, Some(ATOM), "summary"), standfirst);
    assert!(text(entry, Some(ATOM), "content").contains("Before ]]&gt; after"));
}

#[actix_web::test]
async fn feed_dates_carry_the_site_time_zone_offset() {
    let app = TestApp::with_config(|c| c.timezone = chrono_tz::Europe::Berlin).await;
    app.db(|c| insert_article(c, &ArticleSpec::new("berlin", "Berlin time")));
    let rss = app.get("/feed.xml").await;
    let doc = Document::parse(&rss.body).unwrap();
    let pub_date = text(items(&doc)[0], None, "pubDate");
    assert_eq!(pub_date, "Mon, 1 Mar 2027 12:00:00 +0100");
    let atom = app.get("/atom.xml").await;
    let doc = Document::parse(&atom.body).unwrap();
    assert_eq!(
        text(entries(&doc)[0], Some(ATOM), "published"),
        "2027-03-01T12:00:00+01:00"
    );
}

#[actix_web::test]
async fn an_empty_site_still_serves_valid_feeds() {
    let app = TestApp::empty().await;
    for path in ["/feed.xml", "/atom.xml"] {
        let page = app.get(path).await;
        assert_eq!(page.status, 200);
        assert!(titles(&page.body).is_empty());
    }
}

#[actix_web::test]
async fn feeds_work_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    app.db(|c| {
        insert_article(c, &full_article());
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                ..ArticleSpec::new("pg-draft", "PG draft")
            },
        );
    });
    for path in ["/feed.xml", "/tags/harbour/atom.xml"] {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(titles(&page.body), ["Ferry plan signed"], "{path}");
        // The image size comes from `length(data)` on bytea too.
        assert!(
            page.body
                .contains(&format!("length=\"{}\"", sample_png().len())),
            "{path}"
        );
    }
}
