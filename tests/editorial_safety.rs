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

// ---- Old section, tag and author slugs keep working (issue 10) ----

fn id_of(app: &TestApp, table: &str, slug: &str) -> String {
    use broadsheet::schema::{authors, sections, tags};
    use diesel::prelude::*;
    app.db(|c| {
        match table {
            "sections" => sections::table
                .filter(sections::slug.eq(slug))
                .select(sections::id)
                .first::<i32>(c),
            "tags" => tags::table
                .filter(tags::slug.eq(slug))
                .select(tags::id)
                .first::<i32>(c),
            _ => authors::table
                .filter(authors::slug.eq(slug))
                .select(authors::id)
                .first::<i32>(c),
        }
        .unwrap()
        .to_string()
    })
}

async fn assert_moved(app: &TestApp, from: &str, to: &str) {
    let page = app.get(from).await;
    assert_eq!(page.status, 301, "{from}: {}", page.body);
    assert_eq!(page.header("location").as_deref(), Some(to), "{from}");
}

/// Renames each kind over HTTP and checks every old URL (page, feeds, paged).
async fn renamed_slugs_redirect(app: &TestApp) {
    app.db(|c| {
        for i in 0..25 {
            let mut spec = ArticleSpec::new(&format!("harbour-{i}"), &format!("Harbour story {i}"));
            spec.tags = vec!["Harbour"];
            insert_article(c, &spec);
        }
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let section = id_of(app, "sections", "city");
    let renamed = editor
        .post(
            &format!("/admin/sections/{section}"),
            &[
                ("name", "City News"),
                ("slug", "city-news"),
                ("description", "The city."),
                ("position", "1"),
            ],
        )
        .await;
    assert_eq!(renamed.status, 303, "{}", renamed.body);
    let tag = id_of(app, "tags", "harbour");
    let renamed = editor
        .post(
            &format!("/admin/tags/{tag}"),
            &[("name", "Harbour"), ("slug", "port")],
        )
        .await;
    assert_eq!(renamed.status, 303, "{}", renamed.body);
    let author = id_of(app, "authors", "ada-reed");
    let renamed = editor
        .post_multipart(
            &format!("/admin/authors/{author}"),
            &[("name", "Ada Reed"), ("slug", "ada"), ("bio", "Writes.")],
            None,
        )
        .await;
    assert_eq!(renamed.status, 303, "{}", renamed.body);

    for (old, new) in [
        ("/sections/city", "/sections/city-news"),
        ("/tags/harbour", "/tags/port"),
        ("/authors/ada-reed", "/authors/ada"),
    ] {
        assert_moved(app, old, new).await;
        let deeper = "?before=20270301120000-1";
        assert_moved(app, &format!("{old}{deeper}"), &format!("{new}{deeper}")).await;
        assert_moved(app, &format!("{old}/feed.xml"), &format!("{new}/feed.xml")).await;
        assert_moved(app, &format!("{old}/atom.xml"), &format!("{new}/atom.xml")).await;
        // Where they lead is the live page.
        assert_eq!(app.get(new).await.status, 200, "{new}");
        assert_eq!(app.get(&format!("{new}{deeper}")).await.status, 200);
    }

    // Renamed again: both old slugs lead straight to the newest.
    let again = editor
        .post(
            &format!("/admin/sections/{section}"),
            &[("name", "Metro"), ("slug", "metro"), ("position", "1")],
        )
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_moved(app, "/sections/city", "/sections/metro").await;
    assert_moved(app, "/sections/city-news", "/sections/metro").await;
    // A slug nothing ever had is still a plain 404.
    assert_eq!(app.get("/sections/nowhere").await.status, 404);
}

#[actix_web::test]
async fn renamed_sections_tags_and_authors_keep_their_old_urls_with_a_301() {
    renamed_slugs_redirect(&TestApp::empty().await).await;
}

#[actix_web::test]
async fn renamed_slugs_redirect_on_postgres_too() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    renamed_slugs_redirect(&app).await;
}

#[actix_web::test]
async fn a_slug_taken_by_a_new_section_wins_over_the_old_redirect() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("a", "A")));
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let old = id_of(&app, "sections", "city");
    editor
        .post(
            &format!("/admin/sections/{old}"),
            &[("name", "City News"), ("slug", "city-news")],
        )
        .await;
    assert_moved(&app, "/sections/city", "/sections/city-news").await;
    let created = editor
        .post(
            "/admin/sections",
            &[("name", "City Guide"), ("slug", "city"), ("position", "2")],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let page = app.get("/sections/city").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        text_of(&page.html(), "h1").as_deref(),
        Some("City Guide"),
        "the new owner of the slug is shown"
    );
    // When the new owner moves on, the slug follows the latest owner.
    let new = id_of(&app, "sections", "city");
    editor
        .post(
            &format!("/admin/sections/{new}"),
            &[("name", "Town Guide"), ("slug", "town")],
        )
        .await;
    assert_moved(&app, "/sections/city", "/sections/town").await;
}

#[actix_web::test]
async fn an_old_tag_slug_does_not_reveal_a_tag_only_drafts_carry() {
    let app = TestApp::empty().await;
    app.db(|c| {
        let mut spec = ArticleSpec::new("secret", "Secret plan");
        spec.status = "draft";
        spec.published_at = None;
        spec.tags = vec!["Merger"];
        insert_article(c, &spec)
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let tag = id_of(&app, "tags", "merger");
    editor
        .post(
            &format!("/admin/tags/{tag}"),
            &[("name", "Merger Talks"), ("slug", "merger-talks")],
        )
        .await;
    let page = app.get("/tags/merger").await;
    assert_eq!(page.status, 404);
    assert!(page.header("location").is_none());
}

// ---- Deleting images (issue 10) ----

fn image_of(app: &TestApp, article: i32) -> (i32, String) {
    use broadsheet::schema::{articles, media};
    use diesel::prelude::*;
    app.db(|c| {
        articles::table
            .inner_join(media::table)
            .filter(articles::id.eq(article))
            .select((media::id, media::token))
            .first(c)
            .unwrap()
    })
}

#[actix_web::test]
async fn an_image_nothing_live_uses_can_be_deleted_and_its_url_then_says_410_gone() {
    let app = TestApp::empty().await;
    let article = app.db(|c| {
        let mut spec = ArticleSpec::new("ferry", "Ferry");
        spec.image = Some((sample_png(), "image/png"));
        insert_article(c, &spec)
    });
    let (image, token) = image_of(&app, article);
    let public = format!("/media/{token}");
    assert_eq!(app.get(&public).await.status, 200);

    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let library = editor.get("/admin/media").await;
    assert_eq!(library.status, 200);
    let html = library.html();
    assert!(select_one(&html, &format!("#image-{image}")).is_some());
    assert!(
        select_one(
            &html,
            &format!("form[action='/admin/media/{image}/delete']")
        )
        .is_none(),
        "no delete button for an image a published article shows"
    );

    // Refused while the published article shows it; nothing changes.
    let refused = editor
        .post(&format!("/admin/media/{image}/delete"), &[])
        .await;
    assert_eq!(refused.status, 303);
    let flash = text_of(&editor.get("/admin/media").await.html(), ".flash").unwrap();
    assert!(
        flash.contains("not deleted") && flash.contains("Ferry"),
        "{flash}"
    );
    assert_eq!(app.get(&public).await.status, 200);

    // In the trash, the article no longer holds it.
    let trashed = editor
        .post(&format!("/admin/articles/{article}/delete"), &[])
        .await;
    assert_eq!(trashed.status, 303);
    let changed_before = app.db(|c| broadsheet::models::public_change::last(c).unwrap());
    app.clock.set(test_now() + Duration::minutes(5));
    let deleted = editor
        .post(&format!("/admin/media/{image}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    let flash = text_of(&editor.get("/admin/media").await.html(), ".flash").unwrap();
    assert!(flash.starts_with("Deleted"), "{flash}");
    assert!(
        app.db(|c| broadsheet::models::public_change::last(c).unwrap()) > changed_before,
        "a delete is recorded as a public change"
    );

    let gone = app.get(&public).await;
    assert_eq!(gone.status, 410, "{}", gone.body);
    let cache = gone.header("cache-control").unwrap_or_default();
    assert!(!cache.contains("max-age"), "not cached for long: {cache}");
    assert_eq!(
        editor.get(&format!("/admin/media/{token}")).await.status,
        404
    );
    // A token that never existed stays a 404.
    assert_eq!(
        app.get("/media/0123456789abcdef0123456789abcdef")
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn an_image_a_draft_or_an_author_uses_is_not_deleted() {
    let app = TestApp::empty().await;
    let draft = app.db(|c| {
        let mut spec = ArticleSpec::new("draft", "Draft story");
        spec.image = Some((sample_png(), "image/png"));
        spec.status = "draft";
        spec.published_at = None;
        insert_article(c, &spec)
    });
    let (image, _) = image_of(&app, draft);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    editor
        .post(&format!("/admin/media/{image}/delete"), &[])
        .await;
    assert_eq!(image_of(&app, draft).0, image, "the draft keeps its image");

    // An author's photo.
    let author = id_of(&app, "authors", "ada-reed");
    let png = sample_png();
    let saved = editor
        .post_multipart(
            &format!("/admin/authors/{author}"),
            &[("name", "Ada Reed"), ("slug", "ada-reed")],
            Some(common::admin::FilePart {
                name: "photo",
                filename: "ada.png",
                content_type: "image/png",
                bytes: &png,
            }),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let photo = app
        .db(|c| broadsheet::models::Author::find(c, author.parse().unwrap()))
        .unwrap()
        .photo_id
        .unwrap();
    editor
        .post(&format!("/admin/media/{photo}/delete"), &[])
        .await;
    let still = app.db(|c| broadsheet::models::Author::find(c, author.parse().unwrap()));
    assert_eq!(still.unwrap().photo_id, Some(photo));
    // Contributors cannot delete images at all.
    let mut contributor = app.signed_in("c@news.example", Role::Contributor).await;
    let refused = contributor
        .post(&format!("/admin/media/{photo}/delete"), &[])
        .await;
    assert_eq!(refused.status, 403);
}

// ---- A save after the session expired (issue 10) ----

fn expire_every_session(app: &TestApp) {
    use diesel::prelude::*;
    app.db(|c| {
        diesel::delete(broadsheet::schema::admin_sessions::table)
            .execute(c)
            .unwrap()
    });
}

#[actix_web::test]
async fn a_save_after_the_session_expired_leads_back_to_the_form_after_signing_in() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&form(&app, &[])), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = article_id(&app, "night-ferry-trial-begins");
    let token = editor.csrf().await;
    expire_every_session(&app);

    // The save of an existing article, from its form (the Referer names it).
    let referer = app.url(&format!("/admin/articles/{id}/edit"));
    let lost = editor
        .post_raw(
            &format!("/admin/articles/{id}"),
            &[("headline", "Typed"), ("csrf_token", &token)],
            &[("Referer", &referer)],
        )
        .await;
    assert_eq!(lost.status, 303);
    let edit_next = format!("/admin/login?next=%2Fadmin%2Farticles%2F{id}%2Fedit");
    assert_eq!(lost.header("location"), Some(edit_next.clone()));
    // Without a Referer the form is still the way back.
    let lost = editor
        .post_raw(
            &format!("/admin/articles/{id}"),
            &[("headline", "Typed")],
            &[],
        )
        .await;
    assert_eq!(lost.header("location"), Some(edit_next.clone()));
    let lost = editor
        .post_raw("/admin/articles", &[("headline", "Typed")], &[])
        .await;
    assert_eq!(
        lost.header("location").as_deref(),
        Some("/admin/login?next=%2Fadmin%2Farticles%2Fnew")
    );
    // A Referer from another site is not followed.
    let lost = editor
        .post_raw(
            &format!("/admin/articles/{id}"),
            &[("headline", "Typed")],
            &[("Referer", "https://evil.example/admin/users")],
        )
        .await;
    assert_eq!(lost.header("location"), Some(edit_next.clone()));

    // Signing in again lands on the form (never a 404), which offers the
    // browser's draft back (static/js/draft.js; see tests/browser.rs).
    let login = editor.get(&edit_next).await;
    let csrf = common::admin::csrf_in(&login);
    let next = attr_of(&login.html(), "input[name=next]", "value").unwrap();
    let signed_in = editor
        .post_raw(
            "/admin/login",
            &[
                ("email", "ed@news.example"),
                ("password", common::admin::PASSWORD),
                ("next", &next),
                ("csrf_token", &csrf),
            ],
            &[],
        )
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let back = signed_in.header("location").unwrap();
    assert_eq!(back, format!("/admin/articles/{id}/edit"));
    let form_page = editor.get(&back).await;
    assert_eq!(form_page.status, 200);
    let html = form_page.html();
    assert!(select_one(&html, "form[data-draft-owner]").is_some());
    assert!(select_one(&html, "script[src^='/static/js/draft.js']").is_some());
}

// ---- Unsaved preview (issue 10) ----

#[actix_web::test]
async fn an_unsaved_preview_shows_a_newly_chosen_image_and_honours_remove_image() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let png = sample_png();
    let file = || common::admin::FilePart {
        name: "image",
        filename: "ferry.png",
        content_type: "image/png",
        bytes: &png,
    };
    let with_alt = [("alt", "A ferry".to_string())];
    // A new article: the chosen file shows, inline, though nothing is stored.
    let preview_fields = form(&app, &[("action", "preview".into()), with_alt[0].clone()]);
    let preview = editor
        .post_multipart("/admin/articles", &borrowed(&preview_fields), Some(file()))
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let src = attr_of(&preview.html(), ".lead-image img", "src").unwrap();
    assert!(
        src.starts_with("data:image/"),
        "{}",
        &src[..40.min(src.len())]
    );

    // Saved with the image; a preview with "Remove image" ticked shows none.
    let saved = editor
        .post_multipart(
            "/admin/articles",
            &borrowed(&form(&app, &with_alt)),
            Some(file()),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = article_id(&app, "night-ferry-trial-begins");
    let fields = form(
        &app,
        &[
            ("action", "preview".into()),
            ("slug", "night-ferry-trial-begins".into()),
            ("version", version_of(&app, id)),
            ("remove_image", "1".into()),
        ],
    );
    let preview = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(select_one(&preview.html(), ".lead-image").is_none());
    // Without the box ticked the stored image shows, by its newsroom URL.
    let fields = form(
        &app,
        &[
            ("action", "preview".into()),
            ("slug", "night-ferry-trial-begins".into()),
            ("version", version_of(&app, id)),
            with_alt[0].clone(),
        ],
    );
    let preview = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    let src = attr_of(&preview.html(), ".lead-image img", "src").unwrap();
    assert!(src.starts_with("/admin/media/"), "{src}");
}

// ---- The article list (issue 10) ----

#[actix_web::test]
async fn the_article_list_filters_by_author_and_sorts_by_headline_or_last_update() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(c, &ArticleSpec::new("zebra", "Zebra crossing repainted"));
        insert_article(
            c,
            &ArticleSpec {
                author: Some(("bo-lind", "Bo Lind")),
                updated_at: Some(test_now()),
                ..ArticleSpec::new("apple", "Apple harvest early")
            },
        );
        insert_article(c, &ArticleSpec::new("mango", "Mango stall opens"));
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let headlines = |page: &Page| {
        texts_of(
            &page.html(),
            ".article-table tbody td.article-table__headline a:first-child",
        )
    };
    let bo = id_of(&app, "authors", "bo-lind");
    let by_bo = editor.get(&format!("/admin?author={bo}")).await;
    assert_eq!(headlines(&by_bo), ["Apple harvest early"]);
    assert_eq!(
        attr_of(&by_bo.html(), "#filter-author option[selected]", "value"),
        Some(bo.clone())
    );
    let by_headline = editor.get("/admin?sort=headline").await;
    assert_eq!(
        headlines(&by_headline),
        [
            "Apple harvest early",
            "Mango stall opens",
            "Zebra crossing repainted"
        ]
    );
    let by_update = editor.get("/admin?sort=updated").await;
    assert_eq!(headlines(&by_update)[0], "Apple harvest early");
    let ada = id_of(&app, "authors", "ada-reed");
    let by_ada = editor
        .get(&format!("/admin?author={ada}&sort=headline"))
        .await;
    assert_eq!(
        headlines(&by_ada),
        ["Mango stall opens", "Zebra crossing repainted"]
    );
}
