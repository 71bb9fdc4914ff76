//! Issue 10: editors never lose work and never publish, unpublish or backdate
//! by accident. Each test is one promise, checked over HTTP on the real app.

mod common;

use broadsheet::models::user::Role;
use chrono::Duration;
use common::admin::{
    article_form as form, article_id, borrowed, section_and_author_ids, version_of,
};
use common::*;

fn flash(page: &Page) -> String {
    text_of(&page.html(), ".flash").unwrap_or_default()
}

const PATH: &str = "/articles/night-ferry-trial-begins";

#[actix_web::test]
async fn restoring_a_revision_restores_the_text_and_keeps_the_article_live() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&form(&app, &[])), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = article_id(&app, "night-ferry-trial-begins");
    app.clock.set(test_now() + Duration::hours(1));
    let publish = form(
        &app,
        &[
            ("headline", "Night Ferry Trial Begins Tonight".into()),
            ("slug", "night-ferry-trial-begins".into()),
            ("version", version_of(&app, id)),
            ("action", "publish".into()),
        ],
    );
    let published = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&publish), None)
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let live = app.get(PATH).await;
    assert_eq!(live.status, 200);
    let published_at = attr_of(&live.html(), ".byline__dates time", "datetime").unwrap();

    app.clock.set(test_now() + Duration::hours(2));
    let list = editor.get(&format!("/admin/articles/{id}/revisions")).await;
    let links: Vec<String> = list
        .html()
        .select(&sel("td a"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    let first = links.last().unwrap();
    let restored = editor.post(&format!("{first}/restore"), &[]).await;
    assert_eq!(restored.status, 303, "{}", restored.body);
    let edit = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert_eq!(
        flash(&edit),
        "Restored the text of version 1 as version 3; the article stays published."
    );
    let page = app.get(PATH).await;
    assert_eq!(page.status, 200, "a restore never takes an article down");
    assert_eq!(
        text_of(&page.html(), "h1").unwrap(),
        "Night Ferry Trial Begins"
    );
    assert_eq!(
        attr_of(&page.html(), ".byline__dates time", "datetime").unwrap(),
        published_at,
        "the publish time is kept"
    );
}

#[actix_web::test]
async fn a_future_publish_time_schedules_the_article_and_is_never_dropped() {
    let app = TestApp::with_config(|c| c.timezone = chrono_tz::Europe::London).await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let fields = form(
        &app,
        &[
            ("status", "published".into()),
            ("publish_at", "2027-06-01T09:00".into()),
        ],
    );
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = article_id(&app, "night-ferry-trial-begins");
    let edit = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert_eq!(
        flash(&edit),
        "Scheduled: goes live 1 June 2027, 09:00 (Europe/London)."
    );
    assert_eq!(app.get(PATH).await.status, 404, "the embargo holds");
    assert_eq!(
        attr_of(&edit.html(), "#publish_at", "value").unwrap(),
        "2027-06-01T09:00"
    );
    // The Publish button with a future time schedules too.
    let fields = form(
        &app,
        &[
            ("headline", "Harbour Lights Return".into()),
            ("publish_at", "2027-07-01T09:00".into()),
            ("action", "publish".into()),
        ],
    );
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(app.get("/articles/harbour-lights-return").await.status, 404);
    // 09:00 in London in June is 08:00 UTC.
    app.clock.set(
        chrono::NaiveDate::from_ymd_opt(2027, 6, 1)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap(),
    );
    assert_eq!(app.get(PATH).await.status, 200);
}

#[actix_web::test]
async fn a_past_publish_time_needs_an_explicit_backdate() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let fields = form(
        &app,
        &[
            ("status", "scheduled".into()),
            ("publish_at", "2020-01-01T00:00".into()),
            ("standfirst", "Typed with care.".into()),
        ],
    );
    let refused = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let html = refused.html();
    assert!(text_of(&html, "#publish_at-error")
        .unwrap()
        .contains("Publish with this past date"));
    assert_eq!(
        attr_of(&html, "#publish_at", "value").unwrap(),
        "2020-01-01T00:00"
    );
    assert_eq!(text_of(&html, "#standfirst").unwrap(), "Typed with care.");
    assert_eq!(app.get(PATH).await.status, 404, "nothing was saved");

    let mut confirmed = fields.clone();
    confirmed.push(("backdate", "1".into()));
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&confirmed), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = article_id(&app, "night-ferry-trial-begins");
    let edit = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert_eq!(
        flash(&edit),
        "Published: live now, dated 1 January 2020, 00:00 (UTC)."
    );
    let page = app.get(PATH).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        attr_of(&page.html(), ".byline__dates time", "datetime").unwrap(),
        "2020-01-01T00:00:00+00:00"
    );
}

#[actix_web::test]
async fn every_save_message_says_what_is_public_and_when() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&form(&app, &[])), None)
        .await;
    assert_eq!(saved.status, 303);
    let id = article_id(&app, "night-ferry-trial-begins");
    let edit = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert_eq!(flash(&edit), "Saved as a draft: not public.");
    assert!(edit.body.contains("Publish with this past date"));
    let publish = form(
        &app,
        &[
            ("version", version_of(&app, id)),
            ("action", "publish".into()),
        ],
    );
    editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&publish), None)
        .await;
    let edit = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert_eq!(flash(&edit), "Published: live now.");
    // Saving the live article again with its own time keeps it live, no backdate asked.
    app.clock.set(test_now() + Duration::hours(1));
    let again = form(
        &app,
        &[
            ("version", version_of(&app, id)),
            ("status", "published".into()),
            ("publish_at", "2027-03-01T12:00".into()),
        ],
    );
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&again), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get(PATH).await;
    assert_eq!(
        attr_of(&page.html(), ".byline__dates time", "datetime").unwrap(),
        "2027-03-01T12:00:00+00:00"
    );
}

#[actix_web::test]
async fn links_to_our_own_articles_are_followable_and_others_are_nofollow() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let body = format!(
        "See [the plan](/articles/plan), [the map]({BASE_URL}/articles/map) and [elsewhere](https://other.example/)."
    );
    let fields = form(&app, &[("body", body), ("action", "publish".into())]);
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get(PATH).await;
    let html = page.html();
    let rel = |href: &str| attr_of(&html, &format!("a[href=\"{href}\"]"), "rel");
    assert_eq!(rel("/articles/plan"), None);
    assert_eq!(rel("https://news.example/articles/map"), None);
    assert_eq!(
        rel("https://other.example/").as_deref(),
        Some("noopener noreferrer nofollow")
    );
}

#[actix_web::test]
async fn headlines_in_any_script_get_a_readable_slug() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    for (headline, slug) in [
        ("Zürich Opens Night Ferry", "zurich-opens-night-ferry"),
        ("Ελληνικά νέα", "ellenika-nea"),
    ] {
        let fields = form(
            &app,
            &[("headline", headline.into()), ("action", "publish".into())],
        );
        let saved = editor
            .post_multipart("/admin/articles", &borrowed(&fields), None)
            .await;
        assert_eq!(saved.status, 303, "{headline}: {}", saved.body);
        let page = app.get(&format!("/articles/{slug}")).await;
        assert_eq!(page.status, 200, "{headline}");
    }
}

#[actix_web::test]
async fn every_page_of_the_trash_is_reachable_and_pages_past_the_end_are_not_found() {
    use broadsheet::schema::articles::dsl;
    use diesel::prelude::*;
    let app = TestApp::empty().await;
    app.db(|c| {
        for n in 1..=51 {
            insert_article(
                c,
                &ArticleSpec::new(&format!("gone-{n}"), &format!("Gone {n}")),
            );
        }
        diesel::update(dsl::articles)
            .set(dsl::deleted_at.eq(Some(test_now())))
            .execute(c)
            .unwrap();
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let first = editor.get("/admin/trash").await;
    assert!(normalise(&first.body).contains("Page 1 of 2"));
    let second = editor.get("/admin/trash?page=2").await;
    assert_eq!(second.status, 200);
    assert!(
        normalise(&second.body).contains("Page 2 of 2"),
        "{}",
        second.body
    );
    let on_first = first.body.matches("Gone ").count();
    let on_second = second.body.matches("Gone ").count();
    assert!(on_second >= 1, "the 51st trashed article is reachable");
    assert!(on_first >= 50);
    assert_eq!(editor.get("/admin/trash?page=99").await.status, 404);
    assert_eq!(editor.get("/admin?page=99").await.status, 404);
}

#[actix_web::test]
async fn taxonomy_errors_name_the_derived_slug_and_keep_what_was_typed() {
    let app = TestApp::empty().await;
    section_and_author_ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let city = app.db(|c| broadsheet::models::Section::find_by_slug(c, "city").unwrap());
    let refused = editor
        .post("/admin/sections", &[("name", &city.name), ("slug", "")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("The slug “city” is already in use."),
        "{}",
        refused.body
    );
    let bad_photo = editor
        .post_multipart(
            "/admin/authors",
            &[
                ("name", "Mira Castell"),
                ("slug", ""),
                ("bio", "Harbour reporter."),
            ],
            Some(common::admin::FilePart {
                name: "photo",
                filename: "photo.png",
                content_type: "image/png",
                bytes: b"not an image",
            }),
        )
        .await;
    assert_eq!(bad_photo.status, 422, "{}", bad_photo.body);
    let html = bad_photo.html();
    assert_eq!(
        attr_of(&html, "#new-author-name", "value").unwrap(),
        "Mira Castell"
    );
    assert_eq!(
        attr_of(&html, "#new-author-bio", "value").unwrap(),
        "Harbour reporter."
    );
}
