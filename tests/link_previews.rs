//! Issue 15: what link previews, feed readers and crawlers get. Each test
//! parses the output (HTML with scraper, XML with roxmltree) or checks headers.

mod common;

use broadsheet::models::user::Role;
use common::*;
use serde_json::Value;

fn meta(html: &scraper::Html, property: &str) -> Option<String> {
    attr_of(html, &format!("meta[property='{property}']"), "content")
}

fn json_ld(html: &scraper::Html, kind: &str) -> Option<Value> {
    html.select(&sel("script[type='application/ld+json']"))
        .map(|s| serde_json::from_str::<Value>(&s.text().collect::<String>()).unwrap())
        .find(|v| v["@type"] == kind)
}

fn with_image(slug: &str, headline: &str) -> ArticleSpec {
    let mut spec = ArticleSpec::new(slug, headline);
    spec.image = Some((sample_png(), "image/png"));
    spec
}

#[actix_web::test]
async fn og_locale_is_language_and_territory_and_no_alternate_is_claimed() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("a", "A")));
    for path in ["/", "/articles/a", "/sections/city", "/search"] {
        let html = app.get(path).await.html();
        assert_eq!(meta(&html, "og:locale").as_deref(), Some("en_GB"), "{path}");
        assert!(meta(&html, "og:locale:alternate").is_none(), "{path}");
    }
    let us = TestApp::with_config(|c| c.territory = Some("US".into())).await;
    let html = us.get("/").await.html();
    assert_eq!(meta(&html, "og:locale").as_deref(), Some("en_US"));
    let german = TestApp::with_config(|c| c.language = "de".into()).await;
    let html = german.get("/").await.html();
    assert_eq!(meta(&html, "og:locale").as_deref(), Some("de_DE"));
}

#[actix_web::test]
async fn an_author_page_is_a_profile_with_a_person_and_their_links() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("a", "A")));
    let author = app.db(|c| {
        broadsheet::models::Author::find_by_slug(c, "ada-reed")
            .unwrap()
            .id
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let png = sample_png();
    let path = format!("/admin/authors/{author}");
    let base = [
        ("name", "Ada Reed"),
        ("slug", "ada-reed"),
        ("bio", "Ada covers the harbour."),
    ];

    // Only https addresses of a profile are stored; a refusal keeps what was typed.
    let mut typed = base.to_vec();
    typed.extend([
        ("link_x", "https://x.com/adareed"),
        ("link_mastodon", "http://mastodon.social/@ada"),
    ]);
    let refused = editor.post_multipart(&path, &typed, None).await;
    assert_eq!(refused.status, 422);
    let html = refused.html();
    assert!(text_of(&html, ".form-error").unwrap().contains("Mastodon"));
    assert_eq!(
        attr_of(&html, &format!("#author-link_mastodon-{author}"), "value").as_deref(),
        Some("http://mastodon.social/@ada")
    );
    for bad in [
        "javascript:alert(1)",
        "https://user:pw@x.com/a",
        "x.com/ada",
    ] {
        let mut typed = base.to_vec();
        typed.push(("link_website", bad));
        assert_eq!(
            editor.post_multipart(&path, &typed, None).await.status,
            422,
            "{bad}"
        );
    }

    let mut fields = base.to_vec();
    fields.extend([
        ("link_x", "https://x.com/adareed"),
        ("link_mastodon", "https://mastodon.social/@ada"),
        ("link_bluesky", ""),
        ("link_linkedin", " https://www.linkedin.com/in/adareed "),
        ("link_website", "https://ada.example/"),
    ]);
    let saved = editor
        .post_multipart(
            &path,
            &fields,
            Some(common::admin::FilePart {
                name: "photo",
                filename: "ada.png",
                content_type: "image/png",
                bytes: &png,
            }),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let page = app.get("/authors/ada-reed").await;
    let html = page.html();
    assert_eq!(meta(&html, "og:type").as_deref(), Some("profile"));
    let profile = json_ld(&html, "ProfilePage").expect("ProfilePage JSON-LD");
    assert_eq!(profile["url"], "https://news.example/authors/ada-reed");
    let person = &profile["mainEntity"];
    assert_eq!(person["@type"], "Person");
    assert_eq!(person["name"], "Ada Reed");
    assert_eq!(person["description"], "Ada covers the harbour.");
    assert!(person["image"]
        .as_str()
        .unwrap()
        .starts_with("https://news.example/media/"));
    let same_as: Vec<&str> = person["sameAs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        same_as,
        [
            "https://x.com/adareed",
            "https://mastodon.social/@ada",
            "https://www.linkedin.com/in/adareed",
            "https://ada.example/",
        ]
    );
    // The same links, visible on the page.
    let shown: Vec<(String, String)> = html
        .select(&sel(".listing-header__links a"))
        .map(|a| {
            (
                a.text().collect::<String>(),
                a.value().attr("href").unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(shown.len(), 4);
    assert_eq!(
        shown[1],
        ("Mastodon".into(), "https://mastodon.social/@ada".into())
    );
    // Sections stay plain websites.
    let section = app.get("/sections/city").await.html();
    assert_eq!(meta(&section, "og:type").as_deref(), Some("website"));
    assert!(json_ld(&section, "ProfilePage").is_none());
}

#[actix_web::test]
async fn an_article_without_a_lead_image_claims_no_image_in_its_news_article() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("plain", "Plain")));
    let html = app.get("/articles/plain").await.html();
    let news = json_ld(&html, "NewsArticle").unwrap();
    assert!(news.get("image").is_none(), "{news}");
    // The share card still makes the link preview.
    assert_eq!(
        meta(&html, "og:image").as_deref(),
        Some("https://news.example/static/img/share-card.png")
    );
}

#[actix_web::test]
async fn the_front_page_and_listings_preview_with_the_site_card_not_a_story_photo() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &with_image("lead", "Lead story")));
    for path in ["/", "/sections/city", "/authors/ada-reed"] {
        let html = app.get(path).await.html();
        assert_eq!(
            meta(&html, "og:image").as_deref(),
            Some("https://news.example/static/img/share-card.png"),
            "{path}"
        );
        assert_eq!(
            meta(&html, "og:image:alt").as_deref(),
            Some("The Broadsheet")
        );
        assert_eq!(
            attr_of(&html, "meta[name='twitter:image:alt']", "content").as_deref(),
            Some("The Broadsheet")
        );
    }
}

#[actix_web::test]
async fn preview_images_say_their_type_and_secure_url_over_https() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &with_image("photo", "Photo")));
    let html = app.get("/articles/photo").await.html();
    let image = meta(&html, "og:image").unwrap();
    assert!(image.starts_with("https://news.example/media/"));
    assert_eq!(meta(&html, "og:image:type").as_deref(), Some("image/png"));
    assert_eq!(meta(&html, "og:image:secure_url"), Some(image));
    let front = app.get("/").await.html();
    assert_eq!(meta(&front, "og:image:type").as_deref(), Some("image/png"));

    let plain = TestApp::with_config(|c| c.base_url = Some("http://news.example".into())).await;
    let html = plain.get("/").await.html();
    assert!(meta(&html, "og:image").is_some());
    assert!(meta(&html, "og:image:secure_url").is_none());
}

#[actix_web::test]
async fn feeds_carry_the_site_icon_and_logo() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("a", "A")));
    for path in ["/feed.xml", "/sections/city/feed.xml"] {
        let body = app.get(path).await.body;
        let doc = roxmltree::Document::parse(&body).unwrap();
        let channel = doc
            .descendants()
            .find(|n| n.has_tag_name("channel"))
            .unwrap();
        let child = |node: roxmltree::Node<'_, '_>, name: &str| {
            node.children()
                .find(|n| n.tag_name().name() == name && n.tag_name().namespace().is_none())
                .and_then(|n| n.text().map(str::to_string))
        };
        let image = channel
            .children()
            .find(|n| n.has_tag_name("image"))
            .expect("an RSS <image>");
        assert_eq!(
            child(image, "url").as_deref(),
            Some("https://news.example/static/img/favicon.png")
        );
        // RSS wants the image's title and link to match the channel's.
        assert_eq!(child(image, "title"), child(channel, "title"));
        assert_eq!(child(image, "link"), child(channel, "link"));
        let width: u32 = child(image, "width").unwrap().parse().unwrap();
        assert!(width <= 144);
    }
    let body = app.get("/atom.xml").await.body;
    let doc = roxmltree::Document::parse(&body).unwrap();
    let atom = "http://www.w3.org/2005/Atom";
    let feed = doc.root_element();
    let text = |name: &str| {
        feed.children()
            .find(|n| n.has_tag_name((atom, name)))
            .and_then(|n| n.text())
            .map(str::to_string)
    };
    assert_eq!(
        text("icon").as_deref(),
        Some("https://news.example/static/img/favicon.png")
    );
    assert_eq!(
        text("logo").as_deref(),
        Some("https://news.example/static/img/logo.png")
    );
}

#[actix_web::test]
async fn article_sitemaps_list_lead_images() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(c, &with_image("photo", "Photo"));
        insert_article(c, &ArticleSpec::new("plain", "Plain"));
    });
    let body = app.get("/sitemaps/articles-1.xml").await.body;
    let doc = roxmltree::Document::parse(&body).unwrap();
    let sm = "http://www.sitemaps.org/schemas/sitemap/0.9";
    let image_ns = "http://www.google.com/schemas/sitemap-image/1.1";
    let mut images = std::collections::HashMap::new();
    for url in doc.descendants().filter(|n| n.has_tag_name((sm, "url"))) {
        let loc = url
            .children()
            .find(|n| n.has_tag_name((sm, "loc")))
            .and_then(|n| n.text())
            .unwrap()
            .to_string();
        let image: Vec<String> = url
            .children()
            .filter(|n| n.has_tag_name((image_ns, "image")))
            .filter_map(|i| i.children().find(|n| n.has_tag_name((image_ns, "loc"))))
            .filter_map(|n| n.text().map(str::to_string))
            .collect();
        images.insert(loc, image);
    }
    let with = &images["https://news.example/articles/photo"];
    assert_eq!(with.len(), 1);
    assert!(with[0].starts_with("https://news.example/media/"));
    // The listed image is the one readers get.
    let path = with[0].trim_start_matches("https://news.example");
    assert_eq!(app.get(path).await.status, 200);
    assert!(images["https://news.example/articles/plain"].is_empty());
}

#[actix_web::test]
async fn a_missing_page_names_no_canonical_url() {
    let app = TestApp::empty().await;
    let page = app.get("/articles/does-not-exist").await;
    assert_eq!(page.status, 404);
    let html = page.html();
    assert!(select_one(&html, "link[rel=canonical]").is_none());
    assert!(meta(&html, "og:url").is_none());
    assert!(text_of(&html, "h1").is_some());
}

#[actix_web::test]
async fn cacheable_responses_do_not_say_public_needlessly() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &with_image("photo", "Photo")));
    let html = app.get("/articles/photo").await;
    assert_eq!(
        html.header("cache-control").as_deref(),
        Some("max-age=60, stale-while-revalidate=300")
    );
    for path in ["/", "/sections/city", "/search"] {
        let cache = app.get(path).await.header("cache-control").unwrap();
        assert!(!cache.contains("public"), "{path}: {cache}");
    }
    assert_eq!(
        app.get("/feed.xml")
            .await
            .header("cache-control")
            .as_deref(),
        Some("max-age=300, stale-while-revalidate=600")
    );
    let src = attr_of(&html.html(), ".lead-image img", "src").unwrap();
    assert_eq!(
        app.get(&src).await.header("cache-control").as_deref(),
        Some("max-age=300")
    );
}
