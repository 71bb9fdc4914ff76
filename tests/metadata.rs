//! What platforms and crawlers read on every page: titles, descriptions,
//! canonical URLs, Open Graph and X cards, JSON-LD, feeds, pagination links;
//! conditional requests; static assets; reading time; Mastodon sharing.

mod common;

use std::collections::HashSet;

use chrono::Duration;
use common::*;
use serde_json::Value;

fn site_with_content(app: &TestApp) {
    app.db(|c| {
        for i in 0..23 {
            insert_article(
                c,
                &ArticleSpec {
                    tags: vec!["Harbour"],
                    takeaways: vec![format!("Point one of {i}"), format!("Point two of {i}")],
                    body: "word ".repeat(700),
                    image: (i % 2 == 0).then(|| (sample_png(), "image/png")),
                    published_at: Some(test_now() - Duration::hours(40 - i)),
                    ..ArticleSpec::new(
                        &format!("story-{i:02}"),
                        &format!("Story {i:02} <&> \"quoted\""),
                    )
                },
            );
        }
    });
}

fn json_ld(html: &scraper::Html) -> Vec<Value> {
    html.select(&sel("script[type='application/ld+json']"))
        .map(|s| serde_json::from_str(&s.inner_html()).expect("JSON-LD must be strict JSON"))
        .collect()
}

fn of_type<'a>(lds: &'a [Value], kind: &str) -> Option<&'a Value> {
    lds.iter().find(|v| v["@type"] == kind)
}

const PUBLIC_PAGES: [&str; 6] = [
    "/",
    "/?before=20270228000000-1",
    "/articles/story-10",
    "/sections/city",
    "/tags/harbour",
    "/authors/ada-reed",
];

#[actix_web::test]
async fn every_public_page_has_a_unique_title_and_complete_card_metadata() {
    let app = TestApp::with_config(|c| c.twitter_site = Some("broadsheet".into())).await;
    site_with_content(&app);
    let mut titles = HashSet::new();
    for path in PUBLIC_PAGES {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        let html = page.html();
        let title = text_of(&html, "title").unwrap();
        assert!(
            titles.insert(title.clone()),
            "{path}: title {title} is not unique"
        );
        assert!(
            !attr_of(&html, "meta[name=description]", "content")
                .unwrap()
                .is_empty(),
            "{path}"
        );
        let canonical = attr_of(&html, "link[rel=canonical]", "href").unwrap();
        assert!(
            canonical.starts_with("https://news.example/"),
            "{path}: {canonical}"
        );
        for property in [
            "og:site_name",
            "og:type",
            "og:title",
            "og:description",
            "og:url",
            "og:locale",
            "og:image:alt",
        ] {
            let value = attr_of(&html, &format!("meta[property='{property}']"), "content");
            assert!(
                value.is_some_and(|v| !v.is_empty()),
                "{path}: {property} missing"
            );
        }
        assert_eq!(
            attr_of(&html, "meta[property='og:url']", "content").unwrap(),
            canonical
        );
        let image = attr_of(&html, "meta[property='og:image']", "content").unwrap();
        assert!(
            image.starts_with("https://news.example/"),
            "{path}: {image}"
        );
        for size in ["og:image:width", "og:image:height"] {
            let v = attr_of(&html, &format!("meta[property='{size}']"), "content").unwrap();
            assert!(v.parse::<u32>().unwrap() > 0, "{path}: {size}");
        }
        for name in [
            "twitter:title",
            "twitter:description",
            "twitter:image",
            "twitter:image:alt",
        ] {
            assert!(
                attr_of(&html, &format!("meta[name='{name}']"), "content").is_some(),
                "{path}: {name}"
            );
        }
        assert_eq!(
            attr_of(&html, "meta[name='twitter:card']", "content").unwrap(),
            "summary_large_image"
        );
        assert_eq!(
            attr_of(&html, "meta[name='twitter:site']", "content").unwrap(),
            "@broadsheet"
        );
        assert_eq!(
            attr_of(&html, "meta[name=robots]", "content").unwrap(),
            "index, follow, max-image-preview:large"
        );
        // Feeds are advertised on every page.
        let rss = "link[rel=alternate][type='application/rss+xml'][href='/feed.xml']";
        let atom = "link[rel=alternate][type='application/atom+xml'][href='/atom.xml']";
        assert!(
            select_one(&html, rss).is_some(),
            "{path}: site RSS not advertised"
        );
        assert!(
            select_one(&html, atom).is_some(),
            "{path}: site Atom not advertised"
        );
        // All JSON-LD parses as strict JSON, whatever the headlines hold.
        assert!(!json_ld(&html).is_empty(), "{path}: no JSON-LD");
    }
}

#[actix_web::test]
async fn json_ld_describes_the_site_the_article_and_the_lists() {
    let app = TestApp::empty().await;
    site_with_content(&app);

    let front = json_ld(&app.get("/").await.html());
    let website = of_type(&front, "WebSite").expect("WebSite on the front page");
    assert_eq!(website["url"], "https://news.example/");
    assert_eq!(
        website["potentialAction"]["target"]["urlTemplate"],
        "https://news.example/search?q={search_term_string}"
    );
    assert!(of_type(&front, "CollectionPage").is_some());

    let article = json_ld(&app.get("/articles/story-10").await.html());
    let news = of_type(&article, "NewsArticle").unwrap();
    assert_eq!(news["headline"], "Story 10 <&> \"quoted\"");
    assert_eq!(news["hasPart"]["@type"], "ItemList");
    assert_eq!(news["hasPart"]["itemListElement"][1]["position"], 2);
    assert_eq!(
        news["hasPart"]["itemListElement"][1]["name"],
        "Point two of 10"
    );
    assert!(news["image"].as_array().unwrap()[0]
        .as_str()
        .unwrap()
        .starts_with("https://news.example/media/"));
    assert_eq!(news["author"][0]["@type"], "Person");
    let crumbs = of_type(&article, "BreadcrumbList").unwrap();
    let names: Vec<_> = crumbs["itemListElement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].clone())
        .collect();
    assert_eq!(names, ["The Broadsheet", "City", "Story 10 <&> \"quoted\""]);

    let section = json_ld(&app.get("/sections/city").await.html());
    let collection = of_type(&section, "CollectionPage").unwrap();
    assert_eq!(collection["url"], "https://news.example/sections/city");
    assert_eq!(
        collection["mainEntity"]["itemListElement"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
    assert!(of_type(&section, "BreadcrumbList").is_some());
}

#[actix_web::test]
async fn article_pages_carry_open_graph_article_tags() {
    let app = TestApp::empty().await;
    site_with_content(&app);
    let html = app.get("/articles/story-10").await.html();
    assert_eq!(
        attr_of(&html, "meta[property='article:published_time']", "content").unwrap(),
        "2027-02-28T06:00:00+00:00"
    );
    assert!(attr_of(&html, "meta[property='article:modified_time']", "content").is_some());
    assert_eq!(
        attr_of(&html, "meta[property='article:section']", "content").unwrap(),
        "City"
    );
    assert_eq!(
        attr_of(&html, "meta[property='article:author']", "content").unwrap(),
        "https://news.example/authors/ada-reed"
    );
    assert_eq!(
        attr_of(&html, "meta[property='article:tag']", "content").unwrap(),
        "Harbour"
    );
}

#[actix_web::test]
async fn lists_link_their_neighbour_pages_in_the_head() {
    let app = TestApp::empty().await;
    site_with_content(&app);
    let first = app.get("/tags/harbour").await.html();
    let older = attr_of(&first, "link[rel=next]", "href").unwrap();
    assert_eq!(
        Some(older.as_str()),
        attr_of(&first, "a[rel=next]", "href")
            .map(|a| format!("https://news.example{a}"))
            .as_deref()
    );
    assert!(older.starts_with("https://news.example/tags/harbour?before="));
    assert!(select_one(&first, "link[rel=prev]").is_none());
    let second = app
        .get(older.trim_start_matches("https://news.example"))
        .await
        .html();
    assert_eq!(
        attr_of(&second, "link[rel=prev]", "href").unwrap(),
        "https://news.example/tags/harbour"
    );
    assert_eq!(
        attr_of(&second, "link[rel=canonical]", "href").unwrap(),
        older
    );
    assert!(select_one(&second, "link[rel=next]").is_none());
    assert_eq!(app.get("/authors/nobody").await.status, 404);
}

#[actix_web::test]
async fn reading_time_shows_on_cards_and_article_pages() {
    let app = TestApp::empty().await;
    site_with_content(&app);
    // 700 words at 230 a minute: 3 minutes.
    let html = app.get("/articles/story-10").await.html();
    assert_eq!(
        text_of(&html, ".byline__reading-time").unwrap(),
        "3 min read"
    );
    let front = app.get("/").await.html();
    assert!(texts_of(&front, ".card__reading-time")
        .iter()
        .all(|t| t == "3 min read"));
}

#[actix_web::test]
async fn etag_round_trip_gives_304_and_a_change_gives_200() {
    let app = TestApp::empty().await;
    site_with_content(&app);
    for path in ["/articles/story-10", "/", "/sections/city"] {
        let first = app.get(path).await;
        let etag = first
            .header("etag")
            .unwrap_or_else(|| panic!("{path}: no ETag"));
        let last_modified = first
            .header("last-modified")
            .unwrap_or_else(|| panic!("{path}: no Last-Modified"));
        let cache = first.header("cache-control").unwrap();
        assert!(
            cache.contains("max-age=") && cache.contains("stale-while-revalidate"),
            "{path}: {cache}"
        );

        let again = app.get_with(path, &[("If-None-Match", &etag)]).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
        let since = app
            .get_with(path, &[("If-Modified-Since", &last_modified)])
            .await;
        assert_eq!(since.status, 304, "{path}");
    }
    let etag = app.get("/articles/story-10").await.header("etag").unwrap();
    app.db(|c| {
        use broadsheet::schema::articles::dsl::*;
        use diesel::prelude::*;
        diesel::update(articles.filter(slug.eq("story-10")))
            .set((
                headline.eq("Story 10, corrected"),
                updated_at.eq(test_now()),
            ))
            .execute(c)
            .unwrap();
    });
    let changed = app
        .get_with("/articles/story-10", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(changed.status, 200);
    assert!(changed.body.contains("Story 10, corrected"));
}

#[actix_web::test]
async fn no_page_loads_anything_from_another_site() {
    let app = TestApp::with_demo().await;
    let slugs = listed_slugs(&app.get("/").await.html());
    let mut paths: Vec<String> = vec!["/".into(), "/sections/city".into(), "/no-such-page".into()];
    paths.extend(slugs.iter().map(|s| format!("/articles/{s}")));
    for path in paths {
        let html = app.get(&path).await.html();
        for (css, attr) in [
            ("script[src]", "src"),
            ("link[rel=stylesheet]", "href"),
            ("link[rel=preload]", "href"),
            ("img", "src"),
        ] {
            for el in html.select(&sel(css)) {
                let url = el.value().attr(attr).unwrap();
                assert!(
                    url.starts_with('/') && !url.starts_with("//"),
                    "{path}: {css} loads {url}"
                );
            }
        }
        let css = app.get("/static/css/site.css").await.body;
        assert!(!css.contains("@import") && !css.contains("url(http") && !css.contains("url(//"));
    }
}

#[actix_web::test]
async fn static_assets_are_fingerprinted_and_immutable() {
    let app = TestApp::empty().await;
    let html = app.get("/").await.html();
    let href = attr_of(&html, "link[rel=stylesheet]", "href").unwrap();
    assert!(href.starts_with("/static/css/site.css?v="), "{href}");
    let css = app.get(&href).await;
    assert_eq!(css.status, 200);
    assert_eq!(
        css.header("cache-control").unwrap(),
        "public, max-age=31536000, immutable"
    );
    let plain = app.get("/static/img/logo.png").await;
    assert_eq!(
        plain.header("cache-control").unwrap(),
        "public, max-age=3600"
    );
}

#[actix_web::test]
async fn mastodon_share_asks_for_the_instance_and_redirects_there() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("ferry", "Ferry & Co")));
    let html = app.get("/articles/ferry").await.html();
    let href = attr_of(&html, "a.share__link--mastodon", "href").unwrap();
    assert!(href.starts_with("/share/mastodon?"));
    let form = app.get(&href).await;
    assert_eq!(form.status, 200);
    let form_html = form.html();
    assert_eq!(
        attr_of(&form_html, "label[for=mastodon-instance]", "for").unwrap(),
        "mastodon-instance"
    );
    assert_eq!(
        attr_of(&form_html, "meta[name=robots]", "content").unwrap(),
        "noindex"
    );

    let go = app
        .get(&format!("{href}&instance=%40me%40mastodon.social"))
        .await;
    assert_eq!(go.status, 303);
    assert_eq!(
        go.header("location").unwrap(),
        "https://mastodon.social/share?text=Ferry%20%26%20Co%20https%3A%2F%2Fnews.example%2Farticles%2Fferry"
    );
    let bad = app.get(&format!("{href}&instance=not%20a%20server")).await;
    assert_eq!(bad.status, 200);
    let bad_html = bad.html();
    assert!(text_of(&bad_html, ".form-error")
        .unwrap()
        .contains("Mastodon server"));
    assert_eq!(
        attr_of(&bad_html, "#mastodon-instance", "value").unwrap(),
        "not a server"
    );
    let foreign = app
        .get("/share/mastodon?url=https%3A%2F%2Fevil.example%2F&title=x&instance=mastodon.social")
        .await;
    assert_eq!(foreign.status, 400);
}

#[actix_web::test]
async fn deleting_an_article_invalidates_if_modified_since_on_lists() {
    let app = TestApp::empty().await;
    site_with_content(&app);
    let first = app.get("/").await;
    let since = first.header("last-modified").unwrap();
    assert_eq!(
        app.get_with("/", &[("If-Modified-Since", &since)])
            .await
            .status,
        304
    );
    app.clock.set(test_now() + Duration::minutes(5));
    app.db(|c| {
        let id = {
            use broadsheet::schema::articles::dsl::*;
            use diesel::prelude::*;
            articles
                .filter(slug.eq("story-22"))
                .select(id)
                .first::<i32>(c)
                .unwrap()
        };
        broadsheet::models::Article::soft_delete(c, id, test_now() + Duration::minutes(5)).unwrap();
    });
    let after = app.get_with("/", &[("If-Modified-Since", &since)]).await;
    assert_eq!(after.status, 200, "a removal must not be answered with 304");
    assert!(!after.body.contains("Story 22"));
}

#[actix_web::test]
async fn feeds_and_sitemaps_answer_conditional_requests() {
    let app = TestApp::empty().await;
    site_with_content(&app);
    for path in [
        "/feed.xml",
        "/atom.xml",
        "/sitemap.xml",
        "/news-sitemap.xml",
        "/sections/city/feed.xml",
    ] {
        let first = app.get(path).await;
        assert_eq!(first.status, 200, "{path}");
        let etag = first
            .header("etag")
            .unwrap_or_else(|| panic!("{path}: no ETag"));
        assert!(
            first.header("last-modified").is_some(),
            "{path}: no Last-Modified"
        );
        assert!(
            first
                .header("cache-control")
                .unwrap()
                .contains("stale-while-revalidate"),
            "{path}"
        );
        assert_eq!(
            app.get_with(path, &[("If-None-Match", &etag)]).await.status,
            304,
            "{path}"
        );
    }
}
