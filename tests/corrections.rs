//! Issue 11, Trust: editors add dated corrections and updates to published
//! articles; readers see them on the article (newest first), in its JSON-LD,
//! and corrections on `/corrections` and its feeds. A silent fix adds none.

mod common;

use broadsheet::models::article_note::{self, NewNote};
use broadsheet::models::user::Role;
use chrono::Duration;
use common::admin::{article_form, article_id, borrowed, version_of, Editor};
use common::*;
use serde_json::Value;

const SLUG: &str = "harbour-vote";
const PATH: &str = "/articles/harbour-vote";

/// A published article (an hour old) and its id.
fn published(app: &TestApp, slug: &str, headline: &str) -> i32 {
    app.db(|c| insert_article(c, &ArticleSpec::new(slug, headline)))
}

/// Adds a note through the admin form as `editor`; returns the response.
async fn add_note(editor: &mut Editor<'_>, id: i32, kind: &str, text: &str, date: &str) -> Page {
    editor
        .post(
            &format!("/admin/articles/{id}/notes"),
            &[("kind", kind), ("text", text), ("noted_at", date)],
        )
        .await
}

/// Adds a note and insists it was accepted.
async fn noted(editor: &mut Editor<'_>, id: i32, kind: &str, text: &str, date: &str) {
    let page = add_note(editor, id, kind, text, date).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        page.header("location").unwrap(),
        format!("/admin/articles/{id}/edit#notes")
    );
}

fn note_count(app: &TestApp, id: i32) -> usize {
    app.read(|c| article_note::for_article(c, id).unwrap().len())
}

/// The page's JSON-LD object of this `@type`.
fn json_ld(page: &Page, kind: &str) -> Value {
    page.html()
        .select(&sel("script[type='application/ld+json']"))
        .map(|s| serde_json::from_str::<Value>(&s.text().collect::<String>()).unwrap())
        .find(|v| v["@type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} JSON-LD"))
}

/// The headlines the corrections page lists, in order.
fn listed_headlines(page: &Page) -> Vec<String> {
    texts_of(&page.html(), ".correction__headline")
}

/// Titles of a feed's entries (RSS items or Atom entries).
fn feed_titles(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).expect("the feed is well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("item") || n.has_tag_name("entry"))
        .filter_map(|n| {
            n.children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .map(str::to_string)
        })
        .collect()
}

#[actix_web::test]
async fn a_correction_shows_on_the_article_newest_first_and_moves_date_modified() {
    let app = TestApp::empty().await;
    let id = published(&app, SLUG, "Harbour Vote Passes");
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    noted(
        &mut editor,
        id,
        "update",
        "Adds the harbour master's reply.",
        "2027-03-01T11:30",
    )
    .await;
    app.clock.set(test_now() + Duration::minutes(10));
    noted(
        &mut editor,
        id,
        "correction",
        "An earlier version gave the vote as 12–4. It was 14–2.",
        "",
    )
    .await;

    let page = app.get(PATH).await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert_eq!(
        attr_of(&html, "aside.article-notes", "aria-labelledby").as_deref(),
        Some("article-notes-heading")
    );
    assert_eq!(
        text_of(&html, "#article-notes-heading").unwrap(),
        "Corrections and updates"
    );
    assert_eq!(
        texts_of(&html, ".article-note__label"),
        ["Correction", "Update"],
        "newest first"
    );
    let dates: Vec<String> = html
        .select(&sel(".article-note time"))
        .map(|t| t.value().attr("datetime").unwrap().to_string())
        .collect();
    assert_eq!(
        dates,
        ["2027-03-01T12:10:00+00:00", "2027-03-01T11:30:00+00:00"]
    );
    assert!(texts_of(&html, ".article-note__text")[0].contains("It was 14–2."));
    // Below the body by default.
    let notes_at = page.body.find("class=\"article-notes\"").unwrap();
    assert!(page.body.find("class=\"article__body\"").unwrap() < notes_at);

    let article = json_ld(&page, "NewsArticle");
    assert_eq!(article["dateModified"], "2027-03-01T12:10:00+00:00");
    assert_eq!(
        attr_of(&html, "meta[property='article:modified_time']", "content").unwrap(),
        "2027-03-01T12:10:00+00:00"
    );
    assert_eq!(
        page.header("last-modified").unwrap(),
        "Mon, 01 Mar 2027 12:10:00 GMT"
    );
    let feed = app.get("/atom.xml").await.body;
    assert!(
        feed.contains("<updated>2027-03-01T12:10:00+00:00</updated>"),
        "the feed entry's updated follows the note: {feed}"
    );
}

#[actix_web::test]
async fn notes_show_above_the_body_when_the_newsroom_chooses() {
    let app = TestApp::with_config(|c| {
        c.notes_position = broadsheet::config::NotesPosition::Above;
    })
    .await;
    let id = published(&app, SLUG, "Harbour Vote Passes");
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    noted(&mut editor, id, "update", "Adds a reply.", "").await;
    let page = app.get(PATH).await;
    let notes_at = page.body.find("class=\"article-notes\"").unwrap();
    assert!(notes_at < page.body.find("class=\"article__body\"").unwrap());
    assert_eq!(
        text_of(&page.html(), "#article-notes-heading").unwrap(),
        "Updates"
    );
}

#[actix_web::test]
async fn corrections_page_and_feed_list_only_public_corrections() {
    let app = TestApp::empty().await;
    let public = published(&app, "public-story", "Public Story");
    let trashed = published(&app, "trashed-story", "Trashed Story");
    let draft = app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                ..ArticleSpec::new("draft-story", "Draft Story")
            },
        )
    });
    let scheduled = app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                status: "scheduled",
                published_at: Some(test_now() + Duration::days(1)),
                ..ArticleSpec::new("scheduled-story", "Scheduled Story")
            },
        )
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    noted(
        &mut editor,
        public,
        "correction",
        "The mayor's name was misspelt.",
        "",
    )
    .await;
    noted(&mut editor, trashed, "correction", "A wrong date.", "").await;
    let gone = editor
        .post(&format!("/admin/articles/{trashed}/delete"), &[])
        .await;
    assert_eq!(gone.status, 303);
    // The admin refuses notes on unpublished articles; rows that got there
    // anyway (from before a retraction, say) must still never show.
    for id in [draft, scheduled] {
        let refused = add_note(&mut editor, id, "correction", "Hidden.", "").await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.body.contains("only to a published article"));
        app.db(|c| {
            use broadsheet::schema::article_notes::dsl;
            use diesel::prelude::*;
            diesel::insert_into(dsl::article_notes)
                .values((
                    dsl::article_id.eq(id),
                    dsl::kind.eq("correction"),
                    dsl::text.eq("Hidden."),
                    dsl::noted_at.eq(test_now()),
                    dsl::created_at.eq(test_now()),
                ))
                .execute(c)
                .unwrap();
        });
    }

    let page = app.get("/corrections").await;
    assert_eq!(page.status, 200);
    assert_eq!(listed_headlines(&page), ["Public Story"]);
    assert!(!page.body.contains("Hidden."));
    let html = page.html();
    assert_eq!(
        attr_of(&html, ".correction__headline a", "href").unwrap(),
        format!("/articles/public-story#note-{}", {
            app.read(|c| article_note::for_article(c, public).unwrap()[0].id)
        })
    );
    assert!(text_of(&html, ".correction")
        .unwrap()
        .contains("The mayor's name was misspelt."));
    assert!(select_one(
        &html,
        ".correction time[datetime='2027-03-01T12:00:00+00:00']"
    )
    .is_some());
    assert_eq!(
        attr_of(
            &html,
            "link[rel=alternate][type='application/rss+xml']",
            "href"
        )
        .unwrap(),
        "/corrections/feed.xml"
    );
    assert_eq!(
        page.header("cache-control").unwrap(),
        broadsheet::http_cache::CachePolicy::Page.value()
    );

    for (path, mime) in [
        ("/corrections/feed.xml", "application/rss+xml"),
        ("/corrections/atom.xml", "application/atom+xml"),
    ] {
        let feed = app.get(path).await;
        assert_eq!(feed.status, 200, "{path}");
        assert!(feed.header("content-type").unwrap().starts_with(mime));
        assert_eq!(
            feed.header("cache-control").unwrap(),
            broadsheet::http_cache::CachePolicy::Feed.value()
        );
        assert_eq!(
            feed_titles(&feed.body),
            ["Correction: Public Story"],
            "{path}"
        );
        assert!(!feed.body.contains("Hidden."), "{path}");
    }

    let sitemap = app.get("/sitemaps/sections.xml").await.body;
    assert!(
        sitemap.contains("<loc>https://news.example/corrections</loc>"),
        "{sitemap}"
    );
}

#[actix_web::test]
async fn updates_are_not_listed_on_the_corrections_page() {
    let app = TestApp::empty().await;
    let id = published(&app, SLUG, "Harbour Vote Passes");
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    noted(
        &mut editor,
        id,
        "update",
        "Adds the council's statement.",
        "",
    )
    .await;

    let article = app.get(PATH).await;
    assert_eq!(
        texts_of(&article.html(), ".article-note__label"),
        ["Update"]
    );
    assert!(
        json_ld(&article, "NewsArticle").get("correction").is_none(),
        "an update is not a correction"
    );
    let page = app.get("/corrections").await;
    assert!(listed_headlines(&page).is_empty());
    assert_eq!(
        text_of(&page.html(), ".empty-state").unwrap(),
        "No corrections yet."
    );
    assert!(feed_titles(&app.get("/corrections/feed.xml").await.body).is_empty());
    assert!(!app
        .get("/sitemaps/sections.xml")
        .await
        .body
        .contains("/corrections"));
}

#[actix_web::test]
async fn contributors_cannot_add_corrections() {
    let app = TestApp::empty().await;
    let id = published(&app, SLUG, "Harbour Vote Passes");
    let mut contributor = app.signed_in("c@news.example", Role::Contributor).await;
    let page = add_note(&mut contributor, id, "correction", "Sneaky.", "").await;
    assert_eq!(page.status, 403);
    assert_eq!(note_count(&app, id), 0);
    // Nor delete one an editor added.
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    noted(&mut editor, id, "correction", "Real.", "").await;
    let note = app.read(|c| article_note::for_article(c, id).unwrap()[0].id);
    let page = contributor
        .post(&format!("/admin/notes/{note}/delete"), &[])
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(note_count(&app, id), 1);
}

#[actix_web::test]
async fn adding_a_note_needs_csrf() {
    let app = TestApp::empty().await;
    let id = published(&app, SLUG, "Harbour Vote Passes");
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let fields = [
        ("kind", "correction"),
        ("text", "Forged."),
        ("noted_at", ""),
    ];
    let path = format!("/admin/articles/{id}/notes");
    let missing = editor.post_raw(&path, &fields, &[]).await;
    assert_eq!(missing.status, 403);
    let mut wrong = fields.to_vec();
    wrong.push(("csrf_token", "not-the-token"));
    assert_eq!(editor.post_raw(&path, &wrong, &[]).await.status, 403);
    let token = editor.csrf().await;
    let mut other_site = fields.to_vec();
    other_site.push(("csrf_token", &token));
    let page = editor
        .post_raw(&path, &other_site, &[("Origin", "https://evil.example")])
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(note_count(&app, id), 0);

    noted(&mut editor, id, "correction", "Real.", "").await;
    let note = app.read(|c| article_note::for_article(c, id).unwrap()[0].id);
    let page = editor
        .post_raw(&format!("/admin/notes/{note}/delete"), &[], &[])
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(note_count(&app, id), 1);
}

#[actix_web::test]
async fn correction_appears_in_json_ld_as_correction_comment() {
    let app = TestApp::empty().await;
    let id = published(&app, SLUG, "Harbour Vote Passes");
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    noted(
        &mut editor,
        id,
        "update",
        "Adds a reply.",
        "2027-03-01T11:15",
    )
    .await;
    noted(
        &mut editor,
        id,
        "correction",
        "The vote was 14–2, not 12–4. </script><b>",
        "2027-03-01T11:45",
    )
    .await;
    let page = app.get(PATH).await;
    let article = json_ld(&page, "NewsArticle");
    let corrections = article["correction"].as_array().expect("a correction list");
    assert_eq!(corrections.len(), 1, "updates are not corrections");
    assert_eq!(corrections[0]["@type"], "CorrectionComment");
    assert_eq!(
        corrections[0]["text"],
        "The vote was 14–2, not 12–4. </script><b>"
    );
    assert_eq!(corrections[0]["datePublished"], "2027-03-01T11:45:00+00:00");
    assert_eq!(article["dateModified"], "2027-03-01T11:45:00+00:00");
    // The text is escaped on the page, never markup.
    assert!(!page.body.contains("</script><b>"));
}

#[actix_web::test]
async fn a_cached_article_shows_a_new_correction_at_the_next_request() {
    let app = TestApp::empty().await;
    let id = published(&app, SLUG, "Harbour Vote Passes");
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let first = app.get(PATH).await;
    let before = app.state.cache.stats();
    let again = app.get(PATH).await;
    assert_eq!(
        app.state.cache.stats().hits,
        before.hits + 1,
        "served from memory"
    );
    assert_eq!(again.body, first.body);
    assert!(select_one(&again.html(), ".article-notes").is_none());
    let corrections = app.get("/corrections").await;
    assert!(listed_headlines(&corrections).is_empty());

    noted(&mut editor, id, "correction", "A name was wrong.", "").await;
    let page = app.get(PATH).await;
    assert_eq!(
        texts_of(&page.html(), ".article-note__label"),
        ["Correction"]
    );
    assert_eq!(
        listed_headlines(&app.get("/corrections").await),
        ["Harbour Vote Passes"]
    );

    let note = app.read(|c| article_note::for_article(c, id).unwrap()[0].id);
    let deleted = editor
        .post(&format!("/admin/notes/{note}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    assert!(select_one(&app.get(PATH).await.html(), ".article-notes").is_none());
    assert!(listed_headlines(&app.get("/corrections").await).is_empty());
}

#[actix_web::test]
async fn notes_need_a_published_article_a_text_and_a_past_date() {
    let app = TestApp::empty().await;
    let id = published(&app, SLUG, "Harbour Vote Passes");
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    for (kind, text, date, says) in [
        ("correction", "   ", "", "needs a text"),
        ("retraction", "Text.", "", "correction or an update"),
        ("update", "Text.", "2027-03-02T09:00", "future"),
        (
            "update",
            "Text.",
            "2027-02-01T09:00",
            "before the article was published",
        ),
        ("update", "Text.", "yesterday", "not a date"),
    ] {
        let page = add_note(&mut editor, id, kind, text, date).await;
        assert_eq!(page.status, 400, "{kind} {date}");
        assert!(page.body.contains(says), "{says}: {}", page.body);
    }
    let long = "x".repeat(article_note::MAX_TEXT_CHARS + 1);
    assert_eq!(
        add_note(&mut editor, id, "update", &long, "").await.status,
        400
    );
    assert_eq!(note_count(&app, id), 0);
    // The edit page offers the form on a published article…
    let edit = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert!(select_one(&edit.html(), "#notes form textarea[name=text]").is_some());
    // …and explains instead on a draft.
    let draft = app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                ..ArticleSpec::new("draft-story", "Draft Story")
            },
        )
    });
    let edit = editor.get(&format!("/admin/articles/{draft}/edit")).await;
    let html = edit.html();
    assert!(select_one(&html, "#notes textarea").is_none());
    assert!(text_of(&html, "#notes .notice")
        .unwrap()
        .contains("once the article is published"));
}

#[actix_web::test]
async fn a_silent_fix_adds_no_note_and_is_not_listed() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let fields = article_form(&app, &[("action", "publish".into())]);
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = article_id(&app, "night-ferry-trial-begins");
    app.clock.set(test_now() + Duration::hours(1));
    let fix = article_form(
        &app,
        &[
            ("slug", "night-ferry-trial-begins".into()),
            ("version", version_of(&app, id)),
            ("action", "publish".into()),
            (
                "body",
                "The first night ferry left at **23:00** sharp.".into(),
            ),
        ],
    );
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fix), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(note_count(&app, id), 0);
    let page = app.get("/articles/night-ferry-trial-begins").await;
    assert!(page.body.contains("23:00</strong> sharp"));
    assert!(select_one(&page.html(), ".article-notes").is_none());
    assert!(listed_headlines(&app.get("/corrections").await).is_empty());
}

#[actix_web::test]
async fn the_demo_shows_a_correction_and_an_update_as_notes() {
    let app = TestApp::with_demo().await;
    let ferry = app
        .get("/articles/council-port-blue-corridor-ferry-pact")
        .await;
    assert_eq!(texts_of(&ferry.html(), ".article-note__label"), ["Update"]);
    assert!(
        !text_of(&ferry.html(), ".article__body")
            .unwrap()
            .contains("This article was updated"),
        "the note is a note, not italic text in the body"
    );
    let housing = app
        .get("/articles/northfield-empty-terraces-council-homes")
        .await;
    assert_eq!(
        texts_of(&housing.html(), ".article-note__label"),
        ["Correction"]
    );
    assert!(!text_of(&housing.html(), ".article__body")
        .unwrap()
        .contains("This article was updated"));
    let page = app.get("/corrections").await;
    assert_eq!(
        listed_headlines(&page).len(),
        1,
        "one demo correction: {:?}",
        listed_headlines(&page)
    );
}

#[actix_web::test]
async fn corrections_work_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    let id = published(&app, SLUG, "Harbour Vote Passes");
    let hidden = app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                ..ArticleSpec::new("draft-story", "Draft Story")
            },
        )
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    noted(
        &mut editor,
        id,
        "update",
        "Adds a reply.",
        "2027-03-01T11:30",
    )
    .await;
    app.clock.set(test_now() + Duration::minutes(5));
    noted(&mut editor, id, "correction", "The vote was 14–2.", "").await;
    assert_eq!(
        add_note(&mut editor, hidden, "correction", "No.", "")
            .await
            .status,
        400
    );
    // A note dated now on PostgreSQL compares equal to what was stored.
    app.db(|c| {
        let note = NewNote::validate(
            id,
            "update",
            "Straight from the model.",
            None,
            None,
            test_now() + Duration::minutes(6),
        )
        .unwrap();
        article_note::add(c, &note, test_now() + Duration::minutes(6)).unwrap();
    });
    app.clock.set(test_now() + Duration::minutes(7));

    let page = app.get(PATH).await;
    assert_eq!(
        texts_of(&page.html(), ".article-note__label"),
        ["Update", "Correction", "Update"]
    );
    let article = json_ld(&page, "NewsArticle");
    assert_eq!(article["dateModified"], "2027-03-01T12:06:00+00:00");
    assert_eq!(article["correction"][0]["@type"], "CorrectionComment");
    assert_eq!(
        listed_headlines(&app.get("/corrections").await),
        ["Harbour Vote Passes"]
    );
    assert_eq!(
        feed_titles(&app.get("/corrections/atom.xml").await.body),
        ["Correction: Harbour Vote Passes"]
    );
    let note = app.read(|c| article_note::for_article(c, id).unwrap()[1].id);
    let deleted = editor
        .post(&format!("/admin/notes/{note}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    assert!(listed_headlines(&app.get("/corrections").await).is_empty());
}
