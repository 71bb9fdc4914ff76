//! The article page: every element of the anatomy, in order, with the stored
//! content; related articles and their fallback; sharing; escaping; sanitising.

mod common;

use common::*;
use percent_encoding::percent_decode_str;
use serde_json::Value;

const FALLBACK: &str = "📰 No related articles found";

fn full_article() -> ArticleSpec {
    ArticleSpec {
        slug: "harbour-night-ferry".into(),
        headline: "Harbour Authority Approves Night Ferry Trial".into(),
        standfirst: "A six-month trial will test whether late services ease the evening crush.".into(),
        body: "The trial was approved on **Tuesday**.\n\n## Timetable\n\nBoats leave every *forty* minutes.".into(),
        kicker: "Transport Insight".into(),
        section: Some(("city", "City")),
        author: Some(("mara-quist", "Mara Quist")),
        tags: vec!["Transport", "Harbour"],
        takeaways: vec![
            "The trial starts in March.".into(),
            "It runs for six months.".into(),
            "Fares match the day service.".into(),
        ],
        desk: Some((
            "Strategic Analysis".into(),
            "The trial matters beyond the harbour.\n\nIt tests the council's appetite for night services.".into(),
        )),
        image: Some((sample_png(), "image/png")),
        caption: "The ferry at dusk beside the old customs house.".into(),
        credit: "Illustration: Broadsheet".into(),
        updated_at: Some(test_now() - chrono::Duration::minutes(10)),
        ..Default::default()
    }
}

/// Index of the first element matching `css` in document order.
fn position_of(html: &scraper::Html, css: &str) -> usize {
    let target = select_one(html, css)
        .unwrap_or_else(|| panic!("{css} is missing"))
        .id();
    html.tree.nodes().position(|n| n.id() == target).unwrap()
}

#[actix_web::test]
async fn article_page_shows_every_element_with_the_stored_content_in_order() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &full_article()));
    let page = app.get("/articles/harbour-night-ferry").await;
    assert_eq!(page.status, 200);
    let html = page.html();

    // 1 Headline: the only h1.
    assert_eq!(
        texts_of(&html, "h1"),
        ["Harbour Authority Approves Night Ferry Trial"]
    );
    // 2 Standfirst.
    assert_eq!(
        text_of(&html, ".article__standfirst").unwrap(),
        "A six-month trial will test whether late services ease the evening crush."
    );
    // 3 Lead image with alt, size, caption and credit.
    let img = select_one(&html, ".lead-image img").unwrap();
    assert_eq!(img.value().attr("alt"), Some("Alt text for the lead image"));
    assert_eq!(img.value().attr("width"), Some("1200"));
    assert_eq!(img.value().attr("height"), Some("675"));
    let src = img.value().attr("src").unwrap().to_string();
    assert_eq!(
        text_of(&html, ".lead-image__caption").unwrap(),
        "The ferry at dusk beside the old customs house."
    );
    assert_eq!(
        text_of(&html, ".lead-image__credit").unwrap(),
        "Illustration: Broadsheet"
    );
    // 4 Key Takeaways: heading and numbered items in order.
    assert_eq!(text_of(&html, ".takeaways h2").unwrap(), "Key Takeaways");
    assert_eq!(texts_of(&html, ".takeaways__badge"), ["1", "2", "3"]);
    assert_eq!(
        texts_of(&html, ".takeaways__text"),
        [
            "The trial starts in March.",
            "It runs for six months.",
            "Fares match the day service."
        ]
    );
    // 5 Editor's Desk: an aside with its label, own heading and paragraphs.
    assert_eq!(
        text_of(&html, "aside.editors-desk .editors-desk__label").unwrap(),
        "Editor's Desk"
    );
    assert_eq!(
        text_of(&html, "aside.editors-desk h2").unwrap(),
        "Strategic Analysis"
    );
    assert_eq!(
        texts_of(&html, "aside.editors-desk p:not(.editors-desk__label)").len(),
        2
    );
    // 6 Byline: author linking to their page, kicker, publication.
    assert_eq!(text_of(&html, ".byline__author").unwrap(), "Mara Quist");
    assert_eq!(
        attr_of(&html, "a.byline__author", "href").unwrap(),
        "/authors/mara-quist"
    );
    assert_eq!(
        text_of(&html, ".byline__kicker").unwrap(),
        "Transport Insight"
    );
    assert_eq!(
        text_of(&html, ".byline__publication").unwrap(),
        "The Broadsheet"
    );
    // 7 Dates: published and updated, machine-readable with offsets.
    let times: Vec<String> = html
        .select(&sel(".byline__dates time"))
        .map(|t| t.value().attr("datetime").unwrap().to_string())
        .collect();
    assert_eq!(
        times,
        ["2027-03-01T11:00:00+00:00", "2027-03-01T11:50:00+00:00"]
    );
    assert!(text_of(&html, ".byline__updated")
        .unwrap()
        .starts_with("Updated"));
    // 8 Body, rendered from Markdown (headings demoted under the h1).
    let body = select_one(&html, ".article__body").unwrap().inner_html();
    assert!(body.contains("<strong>Tuesday</strong>"), "{body}");
    assert!(body.contains("<h3>Timetable</h3>"), "{body}");
    // 9 Share Article.
    assert_eq!(text_of(&html, "nav.share h2").unwrap(), "Share Article");
    assert_eq!(html.select(&sel("nav.share a.share__link")).count(), 10);
    // 10 Related Articles in an aside.
    assert_eq!(
        text_of(&html, "aside.related h2").unwrap(),
        "Related Articles"
    );

    let order = [
        "h1",
        ".article__standfirst",
        ".lead-image",
        ".takeaways",
        ".editors-desk",
        ".byline__line",
        ".byline__dates",
        ".article__body",
        "nav.share",
        "aside.related",
    ];
    let positions: Vec<usize> = order.iter().map(|css| position_of(&html, css)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "out of order: {positions:?}"
    );

    // The image URL serves the stored bytes, cacheable briefly (it stops
    // being public if the article is withdrawn), never as immutable.
    let image = app.get(&src).await;
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type").unwrap(), "image/png");
    assert_eq!(image.header("cache-control").unwrap(), "max-age=300");
    assert!(image.header("etag").is_some());
}

#[actix_web::test]
async fn optional_panels_are_absent_not_empty() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("bare", "A Bare Article")));
    let html = app.get("/articles/bare").await.html();
    for css in [
        ".lead-image",
        ".takeaways",
        ".editors-desk",
        "figure",
        "img",
    ] {
        assert!(select_one(&html, css).is_none(), "{css} should not render");
    }
    assert!(select_one(&html, ".byline__updated").is_none());
    assert!(!html.html().contains("Key Takeaways"));
}

#[actix_web::test]
async fn head_carries_title_description_canonical_open_graph_and_news_article() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &full_article()));
    let html = app.get("/articles/harbour-night-ferry").await.html();
    let canonical = "https://news.example/articles/harbour-night-ferry";
    assert!(text_of(&html, "title")
        .unwrap()
        .starts_with("Harbour Authority Approves Night Ferry Trial"));
    assert_eq!(
        attr_of(&html, "meta[name=description]", "content").unwrap(),
        "A six-month trial will test whether late services ease the evening crush."
    );
    assert_eq!(
        attr_of(&html, "link[rel=canonical]", "href").unwrap(),
        canonical
    );
    assert_eq!(
        attr_of(&html, "meta[property='og:type']", "content").unwrap(),
        "article"
    );
    assert_eq!(
        attr_of(&html, "meta[property='og:url']", "content").unwrap(),
        canonical
    );
    assert_eq!(
        attr_of(&html, "meta[property='og:title']", "content").unwrap(),
        "Harbour Authority Approves Night Ferry Trial"
    );
    let og_image = attr_of(&html, "meta[property='og:image']", "content").unwrap();
    assert!(
        og_image.starts_with("https://news.example/media/"),
        "{og_image}"
    );
    assert_eq!(
        attr_of(&html, "meta[name='twitter:card']", "content").unwrap(),
        "summary_large_image"
    );
    assert_eq!(
        attr_of(&html, "meta[property='article:section']", "content").unwrap(),
        "City"
    );
    let tags: Vec<_> = html
        .select(&sel("meta[property='article:tag']"))
        .map(|m| m.value().attr("content").unwrap().to_string())
        .collect();
    assert_eq!(tags, ["Harbour", "Transport"]);

    let ld: Value =
        serde_json::from_str(&text_of(&html, "script[type='application/ld+json']").unwrap())
            .unwrap();
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(
        ld["headline"],
        "Harbour Authority Approves Night Ferry Trial"
    );
    assert_eq!(ld["mainEntityOfPage"]["@id"], canonical);
    assert_eq!(ld["datePublished"], "2027-03-01T11:00:00+00:00");
    assert_eq!(ld["dateModified"], "2027-03-01T11:50:00+00:00");
    assert_eq!(ld["author"][0]["name"], "Mara Quist");
    assert_eq!(
        ld["author"][0]["url"],
        "https://news.example/authors/mara-quist"
    );
    assert_eq!(ld["publisher"]["name"], "The Broadsheet");
    assert!(ld["publisher"]["logo"]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://news.example/"));
    assert_eq!(ld["image"][0], og_image);
    assert_eq!(ld["articleSection"], "City");
    assert_eq!(ld["keywords"], serde_json::json!(["Harbour", "Transport"]));
}

#[actix_web::test]
async fn share_links_carry_the_canonical_url_and_headline() {
    let app = TestApp::empty().await;
    let headline = "Council & Port Sign \"Blue Corridor\" Pact: 100% done?";
    app.db(|c| insert_article(c, &ArticleSpec::new("blue-corridor", headline)));
    let html = app.get("/articles/blue-corridor").await.html();
    let canonical = "https://news.example/articles/blue-corridor";
    let links: Vec<_> = html.select(&sel("nav.share a.share__link")).collect();
    let hosts: Vec<_> = links
        .iter()
        .map(|a| {
            let href = a.value().attr("href").unwrap();
            href.split('?').next().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        hosts,
        [
            "https://twitter.com/intent/tweet",
            "https://www.facebook.com/sharer/sharer.php",
            "https://www.linkedin.com/sharing/share-offsite/",
            "https://wa.me/",
            "https://t.me/share/url",
            "https://www.reddit.com/submit",
            "https://bsky.app/intent/compose",
            "https://www.threads.net/intent/post",
            "/share/mastodon",
            "mailto:",
        ]
    );
    for a in &links {
        let href = a.value().attr("href").unwrap();
        assert_eq!(a.value().attr("target"), Some("_blank"), "{href}");
        assert_eq!(a.value().attr("rel"), Some("noopener noreferrer"), "{href}");
        assert!(
            a.value().attr("aria-label").unwrap().starts_with("Share"),
            "{href}"
        );
        let query = href.split_once('?').unwrap().1;
        let decoded: Vec<String> = query
            .split('&')
            .map(|pair| {
                percent_decode_str(pair.split_once('=').unwrap().1)
                    .decode_utf8()
                    .unwrap()
                    .into_owned()
            })
            .collect();
        assert!(
            decoded.iter().any(|v| v.contains(canonical)),
            "{href} lacks the canonical URL"
        );
        let needs_headline = !href.contains("facebook.com") && !href.contains("linkedin.com");
        if needs_headline {
            assert!(
                decoded.iter().any(|v| v.contains(headline)),
                "{href} lacks the headline"
            );
        }
    }
}

#[actix_web::test]
async fn related_falls_back_to_message_when_nothing_matches() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour"],
                section: Some(("culture", "Culture")),
                standfirst: "A lonely story about the harbour wall.".into(),
                ..ArticleSpec::new("lonely", "A Lonely Story")
            },
        );
        // Unpublished articles that would match never count.
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour"],
                section: Some(("culture", "Culture")),
                status: "draft",
                published_at: None,
                ..ArticleSpec::new("draft-twin", "Draft Twin")
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour"],
                status: "published",
                published_at: Some(test_now() + chrono::Duration::hours(3)),
                ..ArticleSpec::new("future-twin", "Future Twin")
            },
        );
        broadsheet::related::rebuild_all(c, test_now()).unwrap();
    });
    let html = app.get("/articles/lonely").await.html();
    assert_eq!(text_of(&html, ".related__empty").unwrap(), FALLBACK);
    assert!(select_one(&html, ".related .card").is_none());

    // A published article with a shared tag replaces the fallback.
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour"],
                section: Some(("city", "City")),
                standfirst: "A lonely story about the harbour wall.".into(),
                ..ArticleSpec::new("harbour-news", "Harbour News")
            },
        );
        broadsheet::related::rebuild_all(c, test_now()).unwrap();
    });
    let html = app.get("/articles/lonely").await.html();
    assert!(select_one(&html, ".related__empty").is_none());
    assert!(!html.html().contains(FALLBACK));
    assert_eq!(
        texts_of(&html, ".related .card__headline"),
        ["Harbour News"]
    );
}

/// Unrelated text of its own for each test article (no word in common).
const OWN_TEXTS: [&str; 10] = [
    "Volunteers repainted the lighthouse railings before the gales arrived.",
    "A violinist from the conservatoire premiered a sonata about migrating geese.",
    "Orchard growers reported an early harvest of russet apples and quinces.",
    "The rowing crew capsized twice while practising for the regatta.",
    "Astronomers photographed a comet passing close to Jupiter's moons.",
    "Beekeepers warned that damp weather kept colonies hungry through spring.",
    "A cobbler retired after mending boots in the arcade for fifty summers.",
    "Cyclists petitioned for smoother tarmac on the hill towards the quarry.",
    "Puppeteers staged a marionette opera inside the converted chapel.",
    "Glassblowers demonstrated lanterns shaped like jellyfish at the fair.",
];

#[actix_web::test]
async fn related_lists_come_from_the_engine_shared_tags_newest_first_never_the_section_alone() {
    let app = TestApp::empty().await;
    app.db(|c| {
        let own = |i: usize| ArticleSpec {
            standfirst: OWN_TEXTS[i].into(),
            body: OWN_TEXTS[i].into(),
            ..ArticleSpec::default()
        };
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Budget"],
                ..ArticleSpec::new("main", "Main")
            },
        );
        for (i, slug) in ["tag-old", "tag-new"].iter().enumerate() {
            insert_article(
                c,
                &ArticleSpec {
                    tags: vec!["Budget"],
                    section: Some(("business", "Business")),
                    published_at: Some(test_now() - chrono::Duration::hours(10 - i as i64)),
                    ..ArticleSpec {
                        slug: slug.to_string(),
                        headline: slug.to_string(),
                        ..own(i)
                    }
                },
            );
        }
        // Same section, newer, nothing else in common: not related.
        for i in 0..4 {
            insert_article(
                c,
                &ArticleSpec {
                    slug: format!("same-section-{i}"),
                    headline: format!("same-section-{i}"),
                    published_at: Some(test_now() - chrono::Duration::hours(5 - i as i64)),
                    ..own(i + 2)
                },
            );
        }
        for i in 0..4 {
            insert_article(
                c,
                &ArticleSpec {
                    slug: format!("elsewhere-{i}"),
                    headline: format!("elsewhere-{i}"),
                    section: Some(("sport", "Sport")),
                    ..own(i + 6)
                },
            );
        }
        broadsheet::related::rebuild_all(c, test_now()).unwrap();
    });
    let html = app.get("/articles/main").await.html();
    assert_eq!(
        texts_of(&html, ".related .card__headline"),
        ["tag-new", "tag-old"]
    );
}

#[actix_web::test]
async fn user_content_is_escaped_in_html_meta_tags_and_json_ld() {
    let app = TestApp::empty().await;
    let hostile = "Bad </script><script>alert(\"x\")</script> 'quoted' & <b>bold</b>";
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                standfirst: hostile.into(),
                takeaways: vec![hostile.into()],
                desk: Some((hostile.into(), hostile.into())),
                kicker: hostile.into(),
                tags: vec!["<script>tag</script>"],
                ..ArticleSpec::new("hostile", hostile)
            },
        )
    });
    let page = app.get("/articles/hostile").await;
    assert_eq!(page.status, 200);
    // The only <script> elements are ours: JSON-LD data and the share script.
    assert!(!page.body.contains("<script>alert"));
    assert!(!page.body.contains("<b>bold</b>"));
    let html = page.html();
    let code: Vec<_> = html
        .select(&sel("script:not([type='application/ld+json'])"))
        .collect();
    assert_eq!(code.len(), 1, "unexpected script elements");
    assert!(code[0]
        .value()
        .attr("src")
        .unwrap()
        .starts_with("/static/js/share.js?v="));
    // Parsed back, every text shows the content exactly as typed.
    assert_eq!(text_of(&html, "h1").unwrap(), normalise(hostile));
    assert_eq!(
        text_of(&html, ".takeaways__text").unwrap(),
        normalise(hostile)
    );
    assert_eq!(
        attr_of(&html, "meta[property='og:title']", "content").unwrap(),
        hostile
    );
    assert_eq!(
        attr_of(&html, "meta[name=description]", "content").unwrap(),
        hostile
    );
    let raw_ld = select_one(&html, "script[type='application/ld+json']")
        .unwrap()
        .inner_html();
    assert!(!raw_ld.contains('<'), "raw < inside JSON-LD: {raw_ld}");
    let ld: Value = serde_json::from_str(&raw_ld).unwrap();
    assert_eq!(ld["headline"], hostile);
    assert_eq!(ld["description"], hostile);
}

#[actix_web::test]
async fn markdown_body_is_sanitised() {
    let app = TestApp::empty().await;
    let body = "Safe *text*.\n\n<script>alert('body')</script>\n\n<img src=x onerror=\"alert('img')\">\n\n\
                [click me](javascript:alert('link'))\n\n<a href=\"javascript:alert('a')\" onclick=\"alert('c')\">a</a>\n\n\
                <iframe src=\"https://evil.example/\"></iframe><style>body{display:none}</style>";
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                body: body.into(),
                ..ArticleSpec::new("md", "Markdown")
            },
        )
    });
    let html = app.get("/articles/md").await.html();
    let rendered = select_one(&html, ".article__body").unwrap().inner_html();
    assert!(rendered.contains("<em>text</em>"));
    for bad in [
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "<style",
        "alert(",
    ] {
        assert!(!rendered.contains(bad), "{bad} survived: {rendered}");
    }
}

#[actix_web::test]
async fn the_number_of_related_articles_is_configurable() {
    let app = TestApp::with_config(|c| c.related_limit = 2).await;
    app.db(|c| {
        for i in 0..5 {
            insert_article(
                c,
                &ArticleSpec {
                    tags: vec!["Harbour"],
                    ..ArticleSpec::new(&format!("h{i}"), &format!("Harbour story {i}"))
                },
            );
        }
        broadsheet::related::rebuild_all(c, test_now()).unwrap();
    });
    let html = app.get("/articles/h0").await.html();
    assert_eq!(html.select(&sel(".related .card")).count(), 2);
}
