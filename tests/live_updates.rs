//! Issue 11, live updates: editors start an article's live coverage and post
//! timestamped updates from the edit page; readers see them newest first
//! with anchors, in a `LiveBlogPosting`, and (with JavaScript) through a
//! small cached poll endpoint; ending the coverage turns the page back into
//! an ordinary article that keeps its timeline.

mod common;

use broadsheet::models::live_post::{self, MAX_BODY_CHARS};
use broadsheet::models::user::Role;
use chrono::Duration;
use common::admin::Editor;
use common::*;
use serde_json::Value;

const SLUG: &str = "storm-live";
const PATH: &str = "/articles/storm-live";
const POLL: &str = "/articles/storm-live/live";

/// A published article (an hour old) and its id.
fn published(app: &TestApp) -> i32 {
    app.db(|c| insert_article(c, &ArticleSpec::new(SLUG, "Storm Orla Live")))
}

/// POSTs an admin form and insists on the redirect back to the live panel.
async fn done(editor: &mut Editor<'_>, path: &str, fields: &[(&str, &str)], id: i32) {
    let page = editor.post(path, fields).await;
    assert_eq!(page.status, 303, "{path}: {}", page.body);
    assert_eq!(
        page.header("location").unwrap(),
        format!("/admin/articles/{id}/edit#live")
    );
}

async fn start(editor: &mut Editor<'_>, id: i32) {
    done(editor, &format!("/admin/articles/{id}/live/start"), &[], id).await;
}

async fn end(editor: &mut Editor<'_>, id: i32) {
    done(editor, &format!("/admin/articles/{id}/live/end"), &[], id).await;
}

/// Adds a post through the panel's form; `time` empty means now.
async fn add_post(editor: &mut Editor<'_>, id: i32, body: &str, time: &str) -> Page {
    editor
        .post(
            &format!("/admin/articles/{id}/live/posts"),
            &[("body", body), ("posted_at", time)],
        )
        .await
}

/// Adds a post and insists it was accepted.
async fn posted(editor: &mut Editor<'_>, id: i32, body: &str, time: &str) {
    let page = add_post(editor, id, body, time).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        page.header("location").unwrap(),
        format!("/admin/articles/{id}/edit#live")
    );
}

fn post_ids(app: &TestApp, id: i32) -> Vec<i32> {
    app.read(|c| {
        live_post::for_article(c, id)
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect()
    })
}

/// The ids of the posts a page shows, in order.
fn shown_posts(page: &Page) -> Vec<String> {
    page.html()
        .select(&sel(".live-post"))
        .map(|p| p.value().attr("id").unwrap().to_string())
        .collect()
}

/// The poll endpoint's answer after post `after`.
async fn poll(app: &TestApp, after: i32) -> (Page, Value) {
    let page = app.get(&format!("{POLL}?after={after}")).await;
    let json = if page.status == 200 {
        serde_json::from_str(&page.body).expect("the poll answers JSON")
    } else {
        Value::Null
    };
    (page, json)
}

fn polled_ids(json: &Value) -> Vec<i64> {
    json["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

/// The page's JSON-LD object of this `@type`.
fn json_ld(page: &Page, kind: &str) -> Option<Value> {
    page.html()
        .select(&sel("script[type='application/ld+json']"))
        .map(|s| serde_json::from_str::<Value>(&s.text().collect::<String>()).unwrap())
        .find(|v| v["@type"] == kind)
}

#[actix_web::test]
async fn an_editor_starts_coverage_and_readers_see_posts_newest_first_with_anchors() {
    let app = TestApp::empty().await;
    let id = published(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let form = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert!(
        select_one(&form.html(), "#live button")
            .is_some_and(|b| b.text().collect::<String>().contains("Start live coverage")),
        "the edit page offers live coverage"
    );
    start(&mut editor, id).await;
    posted(
        &mut editor,
        id,
        "Ferries are **suspended**.",
        "2027-03-01T11:30",
    )
    .await;
    app.clock.set(test_now() + Duration::minutes(5));
    posted(&mut editor, id, "Mole Parade is closed.", "").await;
    let ids = post_ids(&app, id);
    let (newest, oldest) = (ids[0], ids[1]);

    let edit = editor.get(&format!("/admin/articles/{id}/edit")).await;
    let html = edit.html();
    assert_eq!(text_of(&html, ".flash").as_deref(), Some("Update posted."));
    assert_eq!(
        texts_of(&html, ".live-panel__posts .notes-list__text").len(),
        2
    );

    let page = app.get(PATH).await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert_eq!(
        text_of(&html, ".article__header .live-badge").as_deref(),
        Some("Live")
    );
    assert_eq!(
        shown_posts(&page),
        [format!("post-{newest}"), format!("post-{oldest}")],
        "newest first"
    );
    assert_eq!(
        attr_of(&html, &format!("#post-{oldest} a.live-post__link"), "href").unwrap(),
        format!("#post-{oldest}")
    );
    assert_eq!(
        attr_of(&html, &format!("#post-{oldest} time"), "datetime").unwrap(),
        "2027-03-01T11:30:00+00:00"
    );
    assert_eq!(
        attr_of(&html, &format!("#post-{newest} time"), "datetime").unwrap(),
        "2027-03-01T12:05:00+00:00"
    );
    assert!(select_one(&html, &format!("#post-{oldest} .live-post__body strong")).is_some());
    // The feed polls while the coverage runs, announcing new posts politely.
    let feed = select_one(&html, "section.live-feed").unwrap();
    assert_eq!(feed.value().attr("data-live-poll"), Some(POLL));
    assert_eq!(
        feed.value().attr("data-live-after"),
        Some(newest.to_string().as_str())
    );
    assert_eq!(
        attr_of(&html, ".live-feed__status", "aria-live").as_deref(),
        Some("polite")
    );
    assert!(select_one(&html, "script[src^='/static/js/live.js']").is_some());
    // Its card in listings says so too.
    let front = app.get("/").await.html();
    assert_eq!(
        text_of(&front, ".lead-story__headline .live-badge").as_deref(),
        Some("Live:")
    );
}

#[actix_web::test]
async fn the_poll_returns_only_newer_posts_is_cached_and_a_new_post_shows_at_the_next_request() {
    let app = TestApp::empty().await;
    let id = published(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    start(&mut editor, id).await;
    posted(&mut editor, id, "First.", "").await;
    let first = post_ids(&app, id)[0];

    let (page, all) = poll(&app, 0).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("application/json")
    );
    assert!(page
        .header("cache-control")
        .unwrap()
        .starts_with("max-age=10"));
    assert_eq!(all["live"], true);
    assert_eq!(polled_ids(&all), [i64::from(first)]);
    assert_eq!(all["last_id"], first);
    assert!(all["posts"][0]["html"]
        .as_str()
        .unwrap()
        .contains(&format!("id=\"post-{first}\"")));

    let (_, none) = poll(&app, first).await;
    assert!(polled_ids(&none).is_empty());
    assert_eq!(none["last_id"], first);
    let hits = app.state.cache.stats().hits;
    let (again, _) = poll(&app, first).await;
    assert_eq!(again.status, 200);
    assert_eq!(
        app.state.cache.stats().hits,
        hits + 1,
        "the poll is answered from the response cache"
    );
    let head = app
        .get_with(&format!("{POLL}?after={first}"), &[])
        .await
        .header("etag");
    assert!(head.is_some());

    posted(&mut editor, id, "Second.", "").await;
    let second = post_ids(&app, id)[0];
    let (_, newer) = poll(&app, first).await;
    assert_eq!(
        polled_ids(&newer),
        [i64::from(second)],
        "the new post at the very next request"
    );
    assert_eq!(newer["last_id"], second);
    assert_eq!(
        shown_posts(&app.get(PATH).await)[0],
        format!("post-{second}")
    );

    // Editing and deleting drop the cached answers too.
    done(
        &mut editor,
        &format!("/admin/live-posts/{second}"),
        &[("body", "Second, corrected."), ("posted_at", "")],
        id,
    )
    .await;
    let (_, edited) = poll(&app, first).await;
    assert!(edited["posts"][0]["html"]
        .as_str()
        .unwrap()
        .contains("Second, corrected."));
    done(
        &mut editor,
        &format!("/admin/live-posts/{second}/delete"),
        &[],
        id,
    )
    .await;
    let (_, deleted) = poll(&app, first).await;
    assert!(polled_ids(&deleted).is_empty());
    assert_eq!(shown_posts(&app.get(PATH).await), [format!("post-{first}")]);

    let bad = app.get(&format!("{POLL}?after=latest")).await;
    assert_eq!(bad.status, 400);
}

#[actix_web::test]
async fn the_poll_answers_head_like_get() {
    let app = TestApp::empty().await;
    let id = published(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    start(&mut editor, id).await;
    let client = awc::Client::default();
    let response = client.head(app.url(POLL)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/json"
    );
}

#[actix_web::test]
async fn a_contributor_can_neither_run_coverage_nor_post() {
    let app = TestApp::empty().await;
    let id = published(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    start(&mut editor, id).await;
    posted(&mut editor, id, "From the desk.", "").await;
    let post = post_ids(&app, id)[0];
    let mut writer = app
        .signed_in("writer@news.example", Role::Contributor)
        .await;
    for path in [
        format!("/admin/articles/{id}/live/start"),
        format!("/admin/articles/{id}/live/end"),
        format!("/admin/articles/{id}/live/posts"),
        format!("/admin/live-posts/{post}"),
        format!("/admin/live-posts/{post}/delete"),
    ] {
        let page = writer
            .post(&path, &[("body", "Not mine to post."), ("posted_at", "")])
            .await;
        assert_eq!(page.status, 403, "{path}");
    }
    assert_eq!(
        writer
            .get(&format!("/admin/live-posts/{post}/edit"))
            .await
            .status,
        403
    );
    assert_eq!(post_ids(&app, id), [post]);
    let page = app.get(PATH).await;
    assert!(!page.body.contains("Not mine to post."));
    assert!(select_one(&page.html(), ".article__header .live-badge").is_some());
    // And without the CSRF token, not even an editor.
    let forged = editor
        .post_raw(
            &format!("/admin/articles/{id}/live/posts"),
            &[("body", "Forged.")],
            &[],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(post_ids(&app, id), [post]);
}

#[actix_web::test]
async fn live_posts_of_drafts_and_scheduled_stories_never_leak() {
    let app = TestApp::empty().await;
    let draft = app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                ..ArticleSpec::new("draft-live", "Draft Live")
            },
        )
    });
    let scheduled = app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                status: "scheduled",
                published_at: Some(test_now() + Duration::days(1)),
                ..ArticleSpec::new("scheduled-live", "Scheduled Live")
            },
        )
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    for (id, slug) in [(draft, "draft-live"), (scheduled, "scheduled-live")] {
        start(&mut editor, id).await;
        posted(&mut editor, id, "Embargoed detail.", "").await;
        assert_eq!(app.get(&format!("/articles/{slug}")).await.status, 404);
        let polled = app.get(&format!("/articles/{slug}/live?after=0")).await;
        assert_eq!(polled.status, 404, "{slug}");
        assert!(!polled.body.contains("Embargoed detail."));
    }
    for path in ["/", "/feed.xml", "/atom.xml", "/sitemap.xml"] {
        let page = app.get(path).await;
        assert!(!page.body.contains("Embargoed detail."), "{path}");
        assert!(!page.body.contains("live-badge"), "{path}");
    }
    // An article that was never live has no poll endpoint either.
    published(&app);
    assert_eq!(app.get(&format!("{POLL}?after=0")).await.status, 404);
}

#[actix_web::test]
async fn a_live_story_is_a_live_blog_posting_with_its_updates() {
    let app = TestApp::empty().await;
    let id = published(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    start(&mut editor, id).await;
    posted(
        &mut editor,
        id,
        "The harbour authority has suspended every ferry crossing to Brack Island until the gale warning is lifted, it said in a statement.",
        "2027-03-01T11:40",
    )
    .await;
    app.clock.set(test_now() + Duration::minutes(7));
    posted(&mut editor, id, "Mole Parade is *closed*.", "").await;
    let ids = post_ids(&app, id);

    let page = app.get(PATH).await;
    assert!(json_ld(&page, "NewsArticle").is_none());
    let blog = json_ld(&page, "LiveBlogPosting").expect("a LiveBlogPosting");
    assert_eq!(blog["headline"], "Storm Orla Live");
    assert_eq!(blog["coverageStartTime"], "2027-03-01T12:00:00+00:00");
    assert!(blog.get("coverageEndTime").is_none());
    assert_eq!(
        blog["dateModified"], "2027-03-01T12:07:00+00:00",
        "dateModified moves with the latest post"
    );
    assert_eq!(blog["publisher"]["@type"], "Organization");
    assert_eq!(blog["mainEntityOfPage"]["@type"], "WebPage");
    let updates = blog["liveBlogUpdate"].as_array().unwrap();
    assert_eq!(updates.len(), 2);
    assert!(updates.iter().all(|u| u["@type"] == "BlogPosting"));
    assert_eq!(updates[0]["headline"], "Mole Parade is closed.");
    assert_eq!(updates[0]["articleBody"], "Mole Parade is closed.");
    assert_eq!(
        updates[0]["url"],
        format!("{BASE_URL}{PATH}#post-{}", ids[0])
    );
    assert_eq!(updates[1]["datePublished"], "2027-03-01T11:40:00+00:00");
    let long = updates[1]["headline"].as_str().unwrap();
    assert!(
        long.starts_with("The harbour authority")
            && long.ends_with('…')
            && long.chars().count() <= 110,
        "{long}"
    );
    assert_eq!(
        attr_of(
            &page.html(),
            "meta[property='article:modified_time']",
            "content"
        )
        .unwrap(),
        "2027-03-01T12:07:00+00:00"
    );
    let feed = app.get("/atom.xml").await.body;
    assert!(
        feed.contains("<updated>2027-03-01T12:07:00+00:00</updated>"),
        "the feed's updated follows the latest post: {feed}"
    );
}

#[actix_web::test]
async fn ending_coverage_removes_the_label_and_polling_and_keeps_the_timeline() {
    let app = TestApp::empty().await;
    let id = published(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    start(&mut editor, id).await;
    posted(&mut editor, id, "Gates closed.", "").await;
    app.clock.set(test_now() + Duration::hours(2));
    end(&mut editor, id).await;

    let page = app.get(PATH).await;
    let html = page.html();
    assert!(select_one(&html, ".live-badge").is_none());
    assert!(select_one(&html, "[data-live-poll]").is_none());
    assert!(select_one(&html, ".live-feed__status").is_none());
    assert!(select_one(&html, "script[src^='/static/js/live.js']").is_none());
    assert_eq!(
        text_of(&html, "#live-heading").as_deref(),
        Some("How the story unfolded")
    );
    assert_eq!(
        shown_posts(&page).len(),
        1,
        "the posts stay as the timeline"
    );
    let blog = json_ld(&page, "LiveBlogPosting").expect("still a LiveBlogPosting");
    assert_eq!(blog["coverageEndTime"], "2027-03-01T14:00:00+00:00");
    assert_eq!(blog["liveBlogUpdate"].as_array().unwrap().len(), 1);
    assert!(!app.get("/").await.body.contains("live-badge"));
    let (_, polled) = poll(&app, 0).await;
    assert_eq!(polled["live"], false, "open pages stop polling");
    // Posting needs the coverage running; the text comes back as typed.
    let refused = add_post(&mut editor, id, "Too late.", "").await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Start or resume it first"));
    assert_eq!(
        text_of(&refused.html(), "textarea[name=body]").as_deref(),
        Some("Too late.")
    );

    start(&mut editor, id).await;
    let resumed = app.get(PATH).await.html();
    assert!(select_one(&resumed, ".article__header .live-badge").is_some());
    let blog = json_ld(&app.get(PATH).await, "LiveBlogPosting").unwrap();
    assert_eq!(
        blog["coverageStartTime"], "2027-03-01T12:00:00+00:00",
        "resuming keeps the first start"
    );
    assert!(blog.get("coverageEndTime").is_none());
}

#[actix_web::test]
async fn hostile_post_markdown_is_sanitised() {
    let app = TestApp::empty().await;
    let id = published(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    start(&mut editor, id).await;
    posted(
        &mut editor,
        id,
        "<script>alert('x')</script>\n\n<img src=x onerror=alert(1)> [click](javascript:alert(2)) <iframe src=\"https://evil.example\"></iframe> <b>bold</b>",
        "",
    )
    .await;
    let page = app.get(PATH).await;
    let html = page.html();
    let body = select_one(&html, ".live-post__body").unwrap().inner_html();
    for bad in ["<script", "onerror", "javascript:", "<iframe"] {
        assert!(!body.contains(bad), "{bad} in {body}");
    }
    assert!(body.contains("<b>bold</b>"), "{body}");
    let (_, polled) = poll(&app, 0).await;
    let fragment = polled["posts"][0]["html"].as_str().unwrap();
    for bad in ["<script", "onerror", "javascript:", "<iframe"] {
        assert!(!fragment.contains(bad), "{bad} in {fragment}");
    }
}

#[actix_web::test]
async fn an_oversized_or_empty_post_is_refused_with_the_text_kept() {
    let app = TestApp::empty().await;
    let id = published(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    start(&mut editor, id).await;
    let long = format!("Storm {}", "é".repeat(MAX_BODY_CHARS));
    let page = add_post(&mut editor, id, &long, "2027-03-01T11:15").await;
    assert_eq!(page.status, 422);
    let html = page.html();
    assert!(text_of(&html, ".form-error")
        .unwrap()
        .contains(&format!("at most {MAX_BODY_CHARS}")));
    assert_eq!(text_of(&html, "textarea[name=body]").unwrap(), long);
    assert_eq!(
        attr_of(&html, "input[name=posted_at]", "value").as_deref(),
        Some("2027-03-01T11:15")
    );
    assert_eq!(
        attr_of(&html, "form.live-panel__form", "action").unwrap(),
        format!("/admin/articles/{id}/live/posts")
    );
    let future = add_post(&mut editor, id, "Tomorrow's news.", "2027-03-02T09:00").await;
    assert_eq!(future.status, 422);
    assert_eq!(
        text_of(&future.html(), "textarea[name=body]").as_deref(),
        Some("Tomorrow's news.")
    );
    let empty = add_post(&mut editor, id, "   ", "").await;
    assert_eq!(empty.status, 422);
    assert!(post_ids(&app, id).is_empty());
}
