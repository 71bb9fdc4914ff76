//! Issue 11, Rich stories: per-article search and social fields. An SEO
//! title and description, a social image other than the lead image, a
//! canonical URL for syndicated pieces and noindex: each set in the form,
//! each with a default (headline, standfirst, lead image, own URL), used in
//! `<title>`, the meta description, Open Graph / X cards, JSON-LD and the
//! canonical link; noindex also leaves the sitemaps.

mod common;

use broadsheet::models::user::Role;
use common::admin::{article_form, article_id, borrowed, version_of, Editor, FilePart};
use common::*;
use serde_json::Value;

const SLUG: &str = "night-ferry-trial-begins";
const PATH: &str = "/articles/night-ferry-trial-begins";

fn meta(html: &scraper::Html, attr: &str, name: &str) -> Option<String> {
    attr_of(html, &format!("meta[{attr}='{name}']"), "content")
}

fn news_article(page: &Page) -> Value {
    page.html()
        .select(&sel("script[type='application/ld+json']"))
        .map(|s| serde_json::from_str::<Value>(&s.text().collect::<String>()).unwrap())
        .find(|v| v["@type"] == "NewsArticle")
        .expect("NewsArticle JSON-LD")
}

fn png_part(name: &'static str, bytes: &'static [u8]) -> FilePart<'static> {
    FilePart {
        name,
        filename: "picture.png",
        content_type: "image/png",
        bytes,
    }
}

fn sample() -> &'static [u8] {
    Box::leak(sample_png().into_boxed_slice())
}

/// Publishes the form's article with a lead image, then saves it again with
/// `changes` and a social image when `social` is set. Returns the id.
async fn publish_with(
    app: &TestApp,
    editor: &mut Editor<'_>,
    changes: &[(&'static str, String)],
    social: bool,
) -> i32 {
    let first = article_form(
        app,
        &[
            ("action", "publish".to_string()),
            ("alt", "The ferry at dusk".to_string()),
        ],
    );
    let page = editor
        .post_multipart(
            "/admin/articles",
            &borrowed(&first),
            Some(png_part("image", sample())),
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let id = article_id(app, SLUG);
    let mut all = vec![
        ("alt", "The ferry at dusk".to_string()),
        ("status", "published".to_string()),
        ("version", version_of(app, id)),
    ];
    all.extend(changes.iter().cloned());
    let second = article_form(app, &all);
    let page = editor
        .post_multipart(
            &format!("/admin/articles/{id}"),
            &borrowed(&second),
            social.then(|| png_part("social_image", sample())),
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    id
}

async fn seo_fields_are_used_everywhere(app: &TestApp) {
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    publish_with(
        app,
        &mut editor,
        &[
            (
                "seo_title",
                "Late ferries: what changes for commuters".to_string(),
            ),
            (
                "seo_description",
                "Six months of sailings until midnight, from March.".to_string(),
            ),
            ("social_alt", "A ferry timetable board".to_string()),
            (
                "canonical_url",
                "https://harbour-gazette.example/news/night-ferry".to_string(),
            ),
        ],
        true,
    )
    .await;
    let page = app.get(PATH).await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("Late ferries: what changes for commuters")
    );
    // The page itself still shows the headline.
    assert_eq!(
        text_of(&html, "h1").as_deref(),
        Some("Night Ferry Trial Begins")
    );
    let description = "Six months of sailings until midnight, from March.";
    for (attr, name, want) in [
        ("name", "description", description),
        ("property", "og:description", description),
        ("name", "twitter:description", description),
        (
            "property",
            "og:title",
            "Late ferries: what changes for commuters",
        ),
        (
            "name",
            "twitter:title",
            "Late ferries: what changes for commuters",
        ),
        ("property", "og:image:alt", "A ferry timetable board"),
        (
            "property",
            "og:url",
            "https://harbour-gazette.example/news/night-ferry",
        ),
    ] {
        assert_eq!(meta(&html, attr, name).as_deref(), Some(want), "{name}");
    }
    assert_eq!(
        attr_of(&html, "link[rel=canonical]", "href").as_deref(),
        Some("https://harbour-gazette.example/news/night-ferry")
    );
    let og_image = meta(&html, "property", "og:image").unwrap();
    assert_eq!(meta(&html, "name", "twitter:image"), Some(og_image.clone()));
    let lead_src = attr_of(&html, ".lead-image img", "src").unwrap();
    assert!(og_image.starts_with(BASE_URL) && og_image.contains("/media/"));
    assert!(
        !og_image.ends_with(&lead_src),
        "the card shows the social image, not the lead image ({lead_src})"
    );
    // Readers' browsers and platforms can fetch it while the article is public.
    let image_path = og_image.strip_prefix(BASE_URL).unwrap();
    assert_eq!(app.get(image_path).await.status, 200);

    let ld = news_article(&page);
    assert_eq!(ld["headline"], "Night Ferry Trial Begins");
    assert_eq!(
        ld["alternativeHeadline"],
        "Late ferries: what changes for commuters"
    );
    assert_eq!(ld["description"], description);
    assert_eq!(
        ld["url"],
        "https://harbour-gazette.example/news/night-ferry"
    );
    let images: Vec<&str> = ld["image"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(images.contains(&og_image.as_str()), "{images:?}");
    assert!(images.iter().any(|i| i.ends_with(&lead_src)), "{images:?}");
    // Share links keep pointing at this site's page.
    assert!(page
        .body
        .contains(&format!("data-share-url=\"{BASE_URL}/articles/{SLUG}\"")));
    // A syndicated piece is not listed in the sitemaps (its original is).
    let sitemap = app.get("/sitemaps/articles-1.xml").await;
    assert!(!sitemap.body.contains(SLUG));
}

#[actix_web::test]
async fn seo_fields_fill_the_title_description_cards_json_ld_and_canonical_link() {
    let app = TestApp::empty().await;
    seo_fields_are_used_everywhere(&app).await;
}

#[actix_web::test]
async fn seo_fields_work_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    seo_fields_are_used_everywhere(&app).await;
    let id = article_id(&app, SLUG);
    noindex_leaves_the_sitemaps(&app, id).await;
}

#[actix_web::test]
async fn empty_seo_fields_fall_back_to_headline_standfirst_lead_image_and_own_url() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    publish_with(&app, &mut editor, &[], false).await;
    let page = app.get(PATH).await;
    let html = page.html();
    let site_name = text_of(&app.get("/").await.html(), ".masthead__name").unwrap();
    assert_eq!(
        text_of(&html, "title").unwrap(),
        format!("Night Ferry Trial Begins | {site_name}")
    );
    let standfirst = "The harbour tries a late crossing.";
    assert_eq!(
        meta(&html, "name", "description").as_deref(),
        Some(standfirst)
    );
    assert_eq!(
        meta(&html, "property", "og:title").as_deref(),
        Some("Night Ferry Trial Begins")
    );
    let own = format!("{BASE_URL}{PATH}");
    assert_eq!(
        attr_of(&html, "link[rel=canonical]", "href").as_deref(),
        Some(own.as_str())
    );
    let lead_src = attr_of(&html, ".lead-image img", "src").unwrap();
    assert_eq!(
        meta(&html, "property", "og:image"),
        Some(format!("{BASE_URL}{lead_src}"))
    );
    assert_eq!(
        meta(&html, "property", "og:image:alt").as_deref(),
        Some("The ferry at dusk")
    );
    assert_eq!(
        meta(&html, "name", "robots").as_deref(),
        Some("index, follow, max-image-preview:large")
    );
    let ld = news_article(&page);
    assert_eq!(ld["description"], standfirst);
    assert_eq!(ld["url"], own.as_str());
    assert!(ld.get("alternativeHeadline").is_none());
    assert!(app
        .get("/sitemaps/articles-1.xml")
        .await
        .body
        .contains(&own));
    // Typing the article's own address is the default, not a syndication.
    let id = article_id(&app, SLUG);
    let same = article_form(
        &app,
        &[
            ("alt", "The ferry at dusk".to_string()),
            ("status", "published".to_string()),
            ("canonical_url", own.clone()),
            ("version", version_of(&app, id)),
        ],
    );
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&same), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(app
        .get("/sitemaps/articles-1.xml")
        .await
        .body
        .contains(&own));
}

/// Ticks noindex on article `id` (published): the page asks robots to stay
/// away and it leaves both sitemaps, while readers still find it.
async fn noindex_leaves_the_sitemaps(app: &TestApp, id: i32) {
    app.db(|c| insert_article(c, &ArticleSpec::new("kept-story", "Kept Story")));
    let mut editor = app.signed_in("noindex@news.example", Role::Editor).await;
    let own = format!("{BASE_URL}{PATH}");
    let form = article_form(
        app,
        &[
            ("alt", "The ferry at dusk".to_string()),
            ("status", "published".to_string()),
            ("noindex", "1".to_string()),
            ("canonical_url", String::new()),
            ("version", version_of(app, id)),
        ],
    );
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&form), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get(PATH).await;
    assert_eq!(page.status, 200);
    let robots: Vec<String> = page
        .html()
        .select(&sel("meta[name=robots]"))
        .map(|m| m.value().attr("content").unwrap().to_string())
        .collect();
    assert_eq!(robots, ["noindex"]);
    let edit = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert!(select_one(&edit.html(), "input[name=noindex][checked]").is_some());
    for path in ["/sitemaps/articles-1.xml", "/news-sitemap.xml"] {
        let sitemap = app.get(path).await;
        assert_eq!(sitemap.status, 200, "{path}");
        assert!(
            !sitemap.body.contains(&own),
            "{path} lists a noindex article"
        );
        assert!(sitemap.body.contains("/articles/kept-story"), "{path}");
    }
    assert!(
        app.get("/").await.body.contains(PATH),
        "readers still find it"
    );
}

#[actix_web::test]
async fn a_noindex_article_gets_the_robots_meta_and_is_missing_from_sitemaps() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    let id = publish_with(&app, &mut editor, &[], false).await;
    noindex_leaves_the_sitemaps(&app, id).await;
}

#[actix_web::test]
async fn an_invalid_canonical_url_is_refused_with_everything_typed_kept() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    for bad in [
        "javascript:alert(1)",
        "/articles/relative",
        "ftp://files.example/story",
        "harbour-gazette.example/story",
        "https://user:secret@harbour-gazette.example/story",
        "https:// spaced.example/story",
    ] {
        let form = article_form(
            &app,
            &[
                ("canonical_url", bad.to_string()),
                ("seo_title", "Kept title".to_string()),
            ],
        );
        let page = editor
            .post_multipart("/admin/articles", &borrowed(&form), None)
            .await;
        assert_eq!(page.status, 422, "{bad}");
        let html = page.html();
        assert!(
            text_of(&html, "#canonical_url-error").is_some(),
            "{bad}: no message"
        );
        assert_eq!(
            attr_of(&html, "#canonical_url", "value").as_deref(),
            Some(bad)
        );
        assert_eq!(
            attr_of(&html, "#seo_title", "value").as_deref(),
            Some("Kept title")
        );
        assert_eq!(
            attr_of(&html, "#headline", "value").as_deref(),
            Some("Night Ferry Trial Begins")
        );
    }
    assert_eq!(app.get(PATH).await.status, 404, "nothing was saved");
}

#[actix_web::test]
async fn seo_fields_over_their_limits_are_refused_with_the_input_kept() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    let title = "t".repeat(121);
    let description = "d".repeat(321);
    let form = article_form(
        &app,
        &[
            ("seo_title", title.clone()),
            ("seo_description", description.clone()),
        ],
    );
    let page = editor
        .post_multipart("/admin/articles", &borrowed(&form), None)
        .await;
    assert_eq!(page.status, 422);
    let html = page.html();
    assert_eq!(
        text_of(&html, "#seo_title-error").as_deref(),
        Some("Keep the SEO title to 120 characters.")
    );
    assert_eq!(
        text_of(&html, "#seo_description-error").as_deref(),
        Some("Keep the SEO description to 320 characters.")
    );
    assert_eq!(attr_of(&html, "#seo_title", "value"), Some(title));
    assert_eq!(text_of(&html, "#seo_description"), Some(description));
    // The count is there without JavaScript too.
    assert_eq!(
        text_of(&html, "#seo_title-count").as_deref(),
        Some("121 characters")
    );
}

#[actix_web::test]
async fn links_inside_the_site_are_never_nofollow() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    publish_with(
        &app,
        &mut editor,
        &[(
            "body",
            format!(
                "See [the timetable](/articles/timetable), [the map]({BASE_URL}/sections/city) \
                 and [the operator](https://ferry-operator.example/)."
            ),
        )],
        false,
    )
    .await;
    let html = app.get(PATH).await.html();
    let rel = |href: &str| {
        attr_of(&html, &format!(".article__body a[href='{href}']"), "rel").unwrap_or_default()
    };
    assert!(!rel("/articles/timetable").contains("nofollow"));
    assert!(!rel(&format!("{BASE_URL}/sections/city")).contains("nofollow"));
    assert!(rel("https://ferry-operator.example/").contains("nofollow"));
    // The feed's copy of the body, its links made absolute, keeps the rule.
    let feed = app.get("/feed.xml").await.body;
    let doc = roxmltree::Document::parse(&feed).unwrap();
    let content = doc
        .descendants()
        .find(|n| n.has_tag_name(("http://purl.org/rss/1.0/modules/content/", "encoded")))
        .and_then(|n| n.text())
        .expect("the feed carries the body");
    let body = scraper::Html::parse_fragment(content);
    let rel = |href: &str| attr_of(&body, &format!("a[href='{href}']"), "rel").unwrap_or_default();
    assert!(
        !rel(&format!("{BASE_URL}/articles/timetable")).contains("nofollow"),
        "{content}"
    );
    assert!(!rel(&format!("{BASE_URL}/sections/city")).contains("nofollow"));
    assert!(rel("https://ferry-operator.example/").contains("nofollow"));
}

#[actix_web::test]
async fn a_social_image_is_public_only_with_its_article_and_cannot_be_deleted_while_used() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    let id = publish_with(&app, &mut editor, &[], true).await;
    let og_image = meta(&app.get(PATH).await.html(), "property", "og:image").unwrap();
    let path = og_image.strip_prefix(BASE_URL).unwrap().to_string();
    assert_eq!(app.get(&path).await.status, 200);
    let social_id: i32 = app.read(|c| {
        use broadsheet::schema::articles::dsl;
        use diesel::prelude::*;
        dsl::articles
            .find(id)
            .select(dsl::social_image_id)
            .first::<Option<i32>>(c)
            .unwrap()
            .expect("a social image")
    });

    let refused = editor
        .post(&format!("/admin/media/{social_id}/delete"), &[])
        .await;
    assert_eq!(refused.status, 303);
    let library = editor.get("/admin/media").await;
    assert!(text_of(&library.html(), ".flash")
        .unwrap()
        .starts_with("The image was not deleted: it is used by the published article"));
    assert_eq!(app.get(&path).await.status, 200, "still there");

    let unpublish = article_form(
        &app,
        &[
            ("alt", "The ferry at dusk".to_string()),
            ("action", "unpublish".to_string()),
            ("version", version_of(&app, id)),
        ],
    );
    let saved = editor
        .post_multipart(
            &format!("/admin/articles/{id}"),
            &borrowed(&unpublish),
            None,
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        app.get(&path).await.status,
        404,
        "a draft's social image is not public"
    );
}

#[actix_web::test]
async fn restoring_a_revision_brings_back_its_search_and_social_fields() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    let id = publish_with(
        &app,
        &mut editor,
        &[("seo_title", "The title worth keeping".to_string())],
        false,
    )
    .await;
    let changed = article_form(
        &app,
        &[
            ("alt", "The ferry at dusk".to_string()),
            ("status", "published".to_string()),
            ("seo_title", "A worse title".to_string()),
            ("noindex", "1".to_string()),
            ("version", version_of(&app, id)),
        ],
    );
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&changed), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        text_of(&app.get(PATH).await.html(), "title").as_deref(),
        Some("A worse title")
    );
    // Revisions newest first: the second link is the save before.
    let list = editor.get(&format!("/admin/articles/{id}/revisions")).await;
    let links: Vec<String> = list
        .html()
        .select(&sel("td a"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    let restored = editor.post(&format!("{}/restore", links[1]), &[]).await;
    assert_eq!(restored.status, 303, "{}", restored.body);
    let page = app.get(PATH).await;
    let html = page.html();
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("The title worth keeping")
    );
    assert_eq!(
        meta(&html, "name", "robots").as_deref(),
        Some("index, follow, max-image-preview:large")
    );
}
