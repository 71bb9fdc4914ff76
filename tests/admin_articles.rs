//! Writing, previewing, scheduling, publishing, revising and trashing
//! articles through the admin form, checked on the public site.

mod common;

use broadsheet::models::user::Role;
use chrono::Duration;
use common::admin::{article_id, borrowed, section_and_author_ids, FilePart};
use common::*;

fn png_bytes(width: u32, height: u32) -> Vec<u8> {
    let img = image::DynamicImage::new_rgb8(width, height);
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn full_form<'a>(section: &'a str, author: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("headline", "Tide Gauge Network Goes Live"),
        ("slug", ""),
        ("standfirst", "Forty sensors now report harbour levels every minute."),
        ("alt", "A tide gauge on a pier at dawn"),
        ("caption", "The first gauge at the north pier."),
        ("credit", "Photo: Broadsheet"),
        ("takeaways", "Forty sensors are online.\nData is public.\nAlerts start in May."),
        ("desk_heading", "Strategic Analysis"),
        ("desk_text", "The network matters for flood planning.\n\nIt also feeds the ferry timetable."),
        ("kicker", "Science Insight"),
        ("author_id", author),
        ("section_id", section),
        ("tags", "Harbour, Sensors"),
        ("body", "The network went live on **Monday**.\n\n## How it works\n\nEach gauge reports by radio."),
        ("status", "draft"),
        ("publish_at", ""),
        ("version", ""),
        ("action", "publish"),
    ]
}

#[actix_web::test]
async fn editor_creates_an_article_with_every_field_and_the_public_page_shows_each() {
    let app = TestApp::empty().await;
    let (section, author) = section_and_author_ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let image = png_bytes(2000, 1125);
    let saved = editor
        .post_multipart(
            "/admin/articles",
            &full_form(&section, &author),
            Some(FilePart {
                name: "image",
                filename: "gauge.png",
                content_type: "image/png",
                bytes: &image,
            }),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let edit = editor.get(&saved.header("location").unwrap()).await;
    assert_eq!(
        text_of(&edit.html(), ".flash").unwrap(),
        "Published: live now."
    );

    let page = app.get("/articles/tide-gauge-network-goes-live").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert_eq!(
        text_of(&html, "h1").unwrap(),
        "Tide Gauge Network Goes Live"
    );
    assert_eq!(
        text_of(&html, ".article__standfirst").unwrap(),
        "Forty sensors now report harbour levels every minute."
    );
    let img = select_one(&html, ".lead-image img").unwrap();
    assert_eq!(
        img.value().attr("alt"),
        Some("A tide gauge on a pier at dawn")
    );
    assert_eq!(img.value().attr("width"), Some("1600"));
    assert_eq!(img.value().attr("height"), Some("900"));
    let srcset = img.value().attr("srcset").unwrap();
    assert!(
        srcset.contains(" 480w") && srcset.contains(" 960w") && srcset.contains(" 1600w"),
        "{srcset}"
    );
    assert_eq!(
        text_of(&html, ".lead-image__caption").unwrap(),
        "The first gauge at the north pier."
    );
    assert_eq!(
        text_of(&html, ".lead-image__credit").unwrap(),
        "Photo: Broadsheet"
    );
    assert_eq!(
        texts_of(&html, ".takeaways__text"),
        [
            "Forty sensors are online.",
            "Data is public.",
            "Alerts start in May."
        ]
    );
    assert_eq!(
        text_of(&html, ".editors-desk h2").unwrap(),
        "Strategic Analysis"
    );
    assert_eq!(
        html.select(&sel(".editors-desk p:not(.editors-desk__label)"))
            .count(),
        2
    );
    assert_eq!(text_of(&html, ".byline__author").unwrap(), "Ada Reed");
    assert_eq!(
        text_of(&html, ".byline__kicker").unwrap(),
        "Science Insight"
    );
    assert!(select_one(&html, ".byline__dates time").is_some());
    assert!(
        select_one(&html, ".byline__updated").is_none(),
        "a first publication is not an update"
    );
    assert!(select_one(&html, ".article__body strong").is_some());
    assert_eq!(texts_of(&html, ".article__tags a"), ["Harbour", "Sensors"]);
    assert_eq!(text_of(&html, ".article__section a").unwrap(), "City");
    // The stored image has no metadata and serves from the database.
    let served = app.get(img.value().attr("src").unwrap()).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type").unwrap(), "image/jpeg");
    // And the reader finds it on the front page.
    assert!(listed_slugs(&app.get("/").await.html())
        .contains(&"tide-gauge-network-goes-live".to_string()));
}

#[actix_web::test]
async fn validation_errors_keep_everything_typed_and_store_nothing() {
    let app = TestApp::empty().await;
    let (section, author) = section_and_author_ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let mut form = full_form(&section, &author);
    form.retain(|(k, _)| *k != "headline" && *k != "takeaways" && *k != "status" && *k != "slug");
    let long_takeaway = "x".repeat(301);
    let takeaways = format!("Fine.\n{long_takeaway}");
    form.extend([
        ("headline", ""),
        ("takeaways", takeaways.as_str()),
        ("status", "scheduled"),
        ("slug", "Bad Slug!"),
    ]);
    let image = png_bytes(800, 600);
    let page = editor
        .post_multipart(
            "/admin/articles",
            &form,
            Some(FilePart {
                name: "image",
                filename: "a.png",
                content_type: "image/png",
                bytes: &image,
            }),
        )
        .await;
    assert_eq!(page.status, 422);
    let html = page.html();
    assert_eq!(
        text_of(&html, "#headline-error").unwrap(),
        "Enter a headline."
    );
    assert!(text_of(&html, "#takeaways-error")
        .unwrap()
        .contains("Takeaway 2"));
    assert!(text_of(&html, "#slug-error").unwrap().contains("lowercase"));
    assert!(text_of(&html, "#publish_at-error")
        .unwrap()
        .contains("Scheduled"));
    assert!(text_of(&html, "#image-notice")
        .unwrap()
        .contains("choose the image file again"));
    // Everything typed is back in its field.
    assert_eq!(attr_of(&html, "#slug", "value").unwrap(), "Bad Slug!");
    assert_eq!(
        attr_of(&html, "#alt", "value").unwrap(),
        "A tide gauge on a pier at dawn"
    );
    assert_eq!(
        text_of(&html, "#standfirst").unwrap(),
        "Forty sensors now report harbour levels every minute."
    );
    assert!(select_one(&html, "#takeaways")
        .unwrap()
        .inner_html()
        .contains(&long_takeaway));
    assert!(select_one(&html, "#body")
        .unwrap()
        .inner_html()
        .contains("## How it works"));
    assert_eq!(
        attr_of(&html, "#tags", "value").unwrap(),
        "Harbour, Sensors"
    );
    assert_eq!(
        attr_of(&html, "#section_id option[selected]", "value").unwrap(),
        section
    );
    assert_eq!(
        attr_of(&html, "#status option[selected]", "value").unwrap(),
        "scheduled"
    );
    // Every field has a visible label that names it.
    for (id, label) in [
        ("headline", "Headline"),
        ("slug", "Slug"),
        ("standfirst", "Standfirst"),
        ("image", "Lead image"),
        ("alt", "Alt text"),
        ("caption", "Caption"),
        ("credit", "Credit"),
        ("takeaways", "Key takeaways"),
        ("desk_heading", "Editor's Desk heading"),
        ("desk_text", "Editor's Desk text"),
        ("kicker", "Kicker"),
        ("author_id", "Author"),
        ("section_id", "Section"),
        ("tags", "Tags"),
        ("body", "Body"),
        ("status", "Status"),
        ("publish_at", "Publish at"),
    ] {
        assert_eq!(text_of(&html, &format!("label[for={id}]")).unwrap(), label);
    }
    let count = app.db(|c| {
        use broadsheet::schema::{articles, media};
        use diesel::prelude::*;
        (
            articles::table.count().get_result::<i64>(c).unwrap(),
            media::table.count().get_result::<i64>(c).unwrap(),
        )
    });
    assert_eq!(count, (1, 0), "only the seed article; no image stored");
}

#[actix_web::test]
async fn alt_text_is_required_with_an_image() {
    let app = TestApp::empty().await;
    let (section, author) = section_and_author_ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let mut form = full_form(&section, &author);
    form.retain(|(k, _)| *k != "alt");
    let image = png_bytes(800, 600);
    let page = editor
        .post_multipart(
            "/admin/articles",
            &form,
            Some(FilePart {
                name: "image",
                filename: "a.png",
                content_type: "image/png",
                bytes: &image,
            }),
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(text_of(&page.html(), "#alt-error")
        .unwrap()
        .contains("Describe the image"));
}

#[actix_web::test]
async fn non_images_and_oversized_files_are_refused_with_the_form_intact() {
    let app = TestApp::empty().await;
    let (section, author) = section_and_author_ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let form = full_form(&section, &author);
    let pdf = b"%PDF-1.7 this is not an image".to_vec();
    let page = editor
        .post_multipart(
            "/admin/articles",
            &form,
            Some(FilePart {
                name: "image",
                filename: "photo.jpg",
                content_type: "image/jpeg",
                bytes: &pdf,
            }),
        )
        .await;
    assert_eq!(page.status, 422);
    let html = page.html();
    assert!(text_of(&html, "#image-error")
        .unwrap()
        .contains("not an image"));
    assert_eq!(
        attr_of(&html, "#headline", "value").unwrap(),
        "Tide Gauge Network Goes Live"
    );

    let mut huge = png_bytes(64, 64);
    huge.resize(10 * 1024 * 1024 + 10, 0);
    let page = editor
        .post_multipart(
            "/admin/articles",
            &form,
            Some(FilePart {
                name: "image",
                filename: "big.png",
                content_type: "image/png",
                bytes: &huge,
            }),
        )
        .await;
    assert_eq!(page.status, 422);
    let html = page.html();
    assert!(text_of(&html, "#image-error")
        .unwrap()
        .contains("limit is 10 MB"));
    assert!(select_one(&html, "#body")
        .unwrap()
        .inner_html()
        .contains("How it works"));
    assert_eq!(
        app.get("/articles/tide-gauge-network-goes-live")
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn a_contributor_writes_drafts_but_cannot_publish() {
    let app = TestApp::empty().await;
    let (section, author) = section_and_author_ids(&app);
    let mut contributor = app.signed_in("c@news.example", Role::Contributor).await;
    let form = full_form(&section, &author);
    let refused = contributor
        .post_multipart("/admin/articles", &form, None)
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        app.get("/articles/tide-gauge-network-goes-live")
            .await
            .status,
        404
    );

    let mut draft = form.clone();
    draft.retain(|(k, _)| *k != "action");
    draft.push(("action", "save"));
    let saved = contributor
        .post_multipart("/admin/articles", &draft, None)
        .await;
    assert_eq!(saved.status, 303);
    let id = article_id(&app, "tide-gauge-network-goes-live");
    let edit = contributor.get(&format!("/admin/articles/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    assert!(
        select_one(&edit.html(), "button[value=publish]").is_none(),
        "no Publish button for contributors"
    );
    let mut sneaky = draft.clone();
    sneaky.retain(|(k, _)| *k != "status" && *k != "version");
    sneaky.extend([("status", "published"), ("version", "1")]);
    let refused = contributor
        .post_multipart(&format!("/admin/articles/{id}"), &sneaky, None)
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        app.get("/articles/tide-gauge-network-goes-live")
            .await
            .status,
        404
    );
    // Someone else's article is not theirs to edit.
    let seed = article_id(&app, "seed");
    assert_eq!(
        contributor
            .get(&format!("/admin/articles/{seed}/edit"))
            .await
            .status,
        403
    );
}

#[actix_web::test]
async fn scheduled_articles_go_live_at_their_time_by_themselves() {
    let app = TestApp::empty().await;
    let (section, author) = section_and_author_ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let mut form = full_form(&section, &author);
    form.retain(|(k, _)| !matches!(*k, "status" | "publish_at" | "action"));
    // test_now() is 12:00 UTC; the site's time zone is UTC.
    form.extend([
        ("status", "scheduled"),
        ("publish_at", "2027-03-01T15:30"),
        ("action", "save"),
    ]);
    let saved = editor.post_multipart("/admin/articles", &form, None).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let path = "/articles/tide-gauge-network-goes-live";
    assert_eq!(app.get(path).await.status, 404);
    let list = editor.get("/admin?status=scheduled").await;
    assert!(list.body.contains("Tide Gauge Network Goes Live"));
    app.clock.set(test_now() + Duration::minutes(209));
    assert_eq!(app.get(path).await.status, 404, "a minute early");
    app.clock.set(test_now() + Duration::minutes(210));
    let live = app.get(path).await;
    assert_eq!(live.status, 200);
    assert_eq!(
        attr_of(&live.html(), ".byline__dates time", "datetime").unwrap(),
        "2027-03-01T15:30:00+00:00"
    );
    assert!(listed_slugs(&app.get("/").await.html())[0] == "tide-gauge-network-goes-live");
}

async fn publish_simple(app: &TestApp, editor: &mut common::admin::Editor<'_>) -> i32 {
    let (section, author) = section_and_author_ids(app);
    let form = full_form(&section, &author);
    let saved = editor.post_multipart("/admin/articles", &form, None).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    article_id(app, "tide-gauge-network-goes-live")
}

fn edit_fields(
    app: &TestApp,
    id: i32,
    changes: &[(&'static str, &'static str)],
) -> Vec<(&'static str, String)> {
    let version = app.db(|c| {
        use broadsheet::schema::articles::dsl;
        use diesel::prelude::*;
        dsl::articles
            .find(id)
            .select(dsl::version)
            .first::<i32>(c)
            .unwrap()
    });
    let (section, author) = app.db(|c| {
        (
            broadsheet::models::Section::find_by_slug(c, "city")
                .unwrap()
                .id
                .to_string(),
            broadsheet::models::Author::find_by_slug(c, "ada-reed")
                .unwrap()
                .id
                .to_string(),
        )
    });
    let mut fields: Vec<(&'static str, String)> = full_form("", "")
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    for (k, v) in fields.iter_mut() {
        match *k {
            "section_id" => *v = section.clone(),
            "author_id" => *v = author.clone(),
            "version" => *v = version.to_string(),
            "action" => *v = "save".into(),
            "status" => *v = "published".into(),
            _ => {}
        }
        if let Some((_, new)) = changes.iter().find(|(name, _)| name == k) {
            *v = new.to_string();
        }
    }
    fields
}

#[actix_web::test]
async fn editing_a_published_article_shows_updated_and_a_new_slug_redirects() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let id = publish_simple(&app, &mut editor).await;
    app.clock.set(test_now() + Duration::hours(2));
    let fields = edit_fields(
        &app,
        id,
        &[
            ("slug", "tide-gauges-live"),
            ("headline", "Tide Gauges Live"),
        ],
    );
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get("/articles/tide-gauges-live").await;
    assert_eq!(page.status, 200);
    assert!(text_of(&page.html(), ".byline__updated")
        .unwrap()
        .starts_with("Updated"));
    let old = app.get("/articles/tide-gauge-network-goes-live").await;
    assert_eq!(old.status, 301);
    assert_eq!(
        old.header("location").unwrap(),
        "/articles/tide-gauges-live"
    );
    // A second rename keeps every old slug working.
    let fields = edit_fields(&app, id, &[("slug", "gauges"), ("headline", "Gauges")]);
    editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    for old in ["tide-gauge-network-goes-live", "tide-gauges-live"] {
        let page = app.get(&format!("/articles/{old}")).await;
        assert_eq!(page.status, 301, "{old}");
        assert_eq!(page.header("location").unwrap(), "/articles/gauges");
    }
    // Nobody else can take an old slug.
    let (section, author) = section_and_author_ids(&app);
    let mut form = full_form(&section, &author);
    form.retain(|(k, _)| *k != "slug" && *k != "headline");
    form.extend([("slug", "tide-gauges-live"), ("headline", "Another")]);
    let taken = editor.post_multipart("/admin/articles", &form, None).await;
    assert_eq!(taken.status, 422);
    assert!(text_of(&taken.html(), "#slug-error")
        .unwrap()
        .contains("already uses"));
}

#[actix_web::test]
async fn conflicting_saves_keep_both_versions_and_overwrite_nothing() {
    let app = TestApp::empty().await;
    let mut first = app.signed_in("one@news.example", Role::Editor).await;
    let mut second = app.signed_in("two@news.example", Role::Editor).await;
    let id = publish_simple(&app, &mut first).await;
    let started = edit_fields(&app, id, &[("standfirst", "First editor's standfirst.")]);
    let other = edit_fields(&app, id, &[("standfirst", "Second editor's standfirst.")]);
    assert_eq!(
        second
            .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&other), None)
            .await
            .status,
        303
    );
    let conflict = first
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&started), None)
        .await;
    assert_eq!(conflict.status, 409);
    assert!(
        conflict.body.contains("First editor&#39;s standfirst.")
            || conflict.body.contains("First editor&#x27;s standfirst.")
    );
    assert!(conflict.body.contains("Second editor"));
    let page = app.get("/articles/tide-gauge-network-goes-live").await;
    assert_eq!(
        text_of(&page.html(), ".article__standfirst").unwrap(),
        "Second editor's standfirst."
    );
}

#[actix_web::test]
async fn every_save_keeps_a_revision_that_can_be_restored() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let id = publish_simple(&app, &mut editor).await;
    let fields = edit_fields(&app, id, &[("headline", "A Worse Headline")]);
    editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    let list = editor.get(&format!("/admin/articles/{id}/revisions")).await;
    assert_eq!(list.status, 200);
    let links: Vec<String> = list
        .html()
        .select(&sel("td a"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert_eq!(links.len(), 2, "one revision per save");
    let first = links.last().unwrap();
    let shown = editor.get(first).await;
    assert!(shown.body.contains("Tide Gauge Network Goes Live"));
    assert!(shown.body.contains("Editor ed@news.example"));
    let restored = editor.post(&format!("{first}/restore"), &[]).await;
    assert_eq!(restored.status, 303);
    let page = app.get("/articles/tide-gauge-network-goes-live").await;
    assert_eq!(
        text_of(&page.html(), "h1").unwrap(),
        "Tide Gauge Network Goes Live"
    );
    let list = editor.get(&format!("/admin/articles/{id}/revisions")).await;
    assert_eq!(
        list.html().select(&sel("td a")).count(),
        3,
        "restoring is a new save"
    );
}

#[actix_web::test]
async fn trash_hides_an_article_everywhere_and_restore_brings_it_back() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let id = publish_simple(&app, &mut editor).await;
    let path = "/articles/tide-gauge-network-goes-live";
    assert_eq!(
        editor
            .post(&format!("/admin/articles/{id}/delete"), &[])
            .await
            .status,
        303
    );
    assert_eq!(app.get(path).await.status, 404);
    assert!(!app.get("/").await.body.contains("Tide Gauge"));
    let trash = editor.get("/admin/trash").await;
    assert!(trash.body.contains("Tide Gauge Network Goes Live"));
    assert!(!editor
        .get("/admin")
        .await
        .body
        .contains("Tide Gauge Network Goes Live"));
    assert_eq!(
        editor
            .post(&format!("/admin/articles/{id}/restore"), &[])
            .await
            .status,
        303
    );
    assert_eq!(app.get(path).await.status, 200);
}

#[actix_web::test]
async fn preview_is_the_real_page_with_a_banner_for_signed_in_users_only() {
    let app = TestApp::empty().await;
    let (section, author) = section_and_author_ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let mut form = full_form(&section, &author);
    form.retain(|(k, _)| *k != "action");
    form.push(("action", "save"));
    editor.post_multipart("/admin/articles", &form, None).await;
    let id = article_id(&app, "tide-gauge-network-goes-live");
    let preview = editor.get(&format!("/admin/articles/{id}/preview")).await;
    assert_eq!(preview.status, 200);
    let html = preview.html();
    assert_eq!(
        text_of(&html, ".preview-banner").unwrap(),
        "Preview — not published"
    );
    assert_eq!(
        text_of(&html, "h1").unwrap(),
        "Tide Gauge Network Goes Live"
    );
    assert_eq!(texts_of(&html, ".takeaways__text").len(), 3);
    assert_eq!(
        attr_of(&html, "meta[name=robots]", "content").unwrap(),
        "noindex"
    );
    // Previewing unsaved changes shows them without storing them.
    let mut changed = form.clone();
    changed.retain(|(k, _)| !matches!(*k, "headline" | "action" | "version"));
    changed.extend([
        ("headline", "Unsaved Headline"),
        ("action", "preview"),
        ("version", "1"),
    ]);
    let unsaved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &changed, None)
        .await;
    assert_eq!(unsaved.status, 200);
    assert_eq!(text_of(&unsaved.html(), "h1").unwrap(), "Unsaved Headline");
    assert!(!editor.get("/admin").await.body.contains("Unsaved Headline"));
    // Readers and anonymous visitors never see it.
    assert_eq!(
        app.anonymous()
            .get(&format!("/admin/articles/{id}/preview"))
            .await
            .status,
        303
    );
    assert_eq!(
        app.get("/articles/tide-gauge-network-goes-live")
            .await
            .status,
        404
    );
    assert!(!app.get("/").await.body.contains("Tide Gauge"));
}

#[actix_web::test]
async fn unpublish_takes_an_article_off_the_site() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let id = publish_simple(&app, &mut editor).await;
    let fields = edit_fields(&app, id, &[("action", "unpublish")]);
    let done = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(
        app.get("/articles/tide-gauge-network-goes-live")
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn the_article_list_filters_by_status_and_section_and_searches_headlines() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(c, &ArticleSpec::new("pub-city", "Harbour Budget Approved"));
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                section: Some(("business", "Business")),
                ..ArticleSpec::new("draft-biz", "Startup Draft")
            },
        );
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let all = editor.get("/admin").await;
    assert!(all.body.contains("Harbour Budget Approved") && all.body.contains("Startup Draft"));
    let drafts = editor.get("/admin?status=draft").await;
    assert!(
        !drafts.body.contains("Harbour Budget Approved") && drafts.body.contains("Startup Draft")
    );
    let search = editor.get("/admin?q=budget").await;
    assert!(
        search.body.contains("Harbour Budget Approved") && !search.body.contains("Startup Draft")
    );
    let weird = editor.get("/admin?q=%25_%27%22").await;
    assert_eq!(weird.status, 200);
    assert!(!weird.body.contains("Harbour Budget Approved"));
    let business = app.db(|c| {
        broadsheet::models::Section::find_by_slug(c, "business")
            .unwrap()
            .id
    });
    let by_section = editor.get(&format!("/admin?section={business}")).await;
    assert!(
        !by_section.body.contains("Harbour Budget Approved")
            && by_section.body.contains("Startup Draft")
    );
}

#[actix_web::test]
async fn editors_manage_sections_tags_and_authors() {
    let app = TestApp::empty().await;
    section_and_author_ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let made = editor
        .post(
            "/admin/sections",
            &[
                ("name", "Sport"),
                ("slug", ""),
                ("description", "Games."),
                ("position", "0"),
            ],
        )
        .await;
    assert_eq!(made.status, 303);
    let nav = texts_of(&app.get("/").await.html(), ".sections-nav a");
    assert_eq!(
        nav[1], "Sport",
        "position 0 comes first after Latest: {nav:?}"
    );
    let bad = editor
        .post(
            "/admin/sections",
            &[("name", "Games"), ("slug", "Not A Slug")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let author = app.db(|c| {
        broadsheet::models::Author::find_by_slug(c, "ada-reed")
            .unwrap()
            .id
    });
    let renamed = editor
        .post_multipart(
            &format!("/admin/authors/{author}"),
            &[
                ("name", "Ada Reed-Hart"),
                ("slug", "ada-reed"),
                ("bio", "Transport writer."),
            ],
            None,
        )
        .await;
    assert_eq!(renamed.status, 303);
    let page = app.get("/authors/ada-reed").await;
    assert!(page.body.contains("Ada Reed-Hart") && page.body.contains("Transport writer."));
}

#[actix_web::test]
async fn author_photos_upload_and_show_on_the_author_page() {
    let app = TestApp::empty().await;
    section_and_author_ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let author = app.db(|c| {
        broadsheet::models::Author::find_by_slug(c, "ada-reed")
            .unwrap()
            .id
    });
    let photo = png_bytes(400, 400);
    let saved = editor
        .post_multipart(
            &format!("/admin/authors/{author}"),
            &[
                ("name", "Ada Reed"),
                ("slug", "ada-reed"),
                ("bio", "Transport writer."),
            ],
            Some(FilePart {
                name: "photo",
                filename: "ada.png",
                content_type: "image/png",
                bytes: &photo,
            }),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get("/authors/ada-reed").await.html();
    let img = select_one(&page, ".listing-header__photo").expect("the author's photo");
    assert_eq!(img.value().attr("alt"), Some("Photo of Ada Reed"));
    assert_eq!(app.get(img.value().attr("src").unwrap()).await.status, 200);
    let bad = editor
        .post_multipart(
            &format!("/admin/authors/{author}"),
            &[("name", "Ada Reed"), ("slug", "ada-reed")],
            Some(FilePart {
                name: "photo",
                filename: "x.png",
                content_type: "image/png",
                bytes: b"not an image",
            }),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("not an image"));
}

#[actix_web::test]
async fn editors_pin_related_articles_which_come_first_and_the_edit_page_explains_the_list() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour"],
                ..ArticleSpec::new("main", "Harbour Ferries Expand")
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour"],
                ..ArticleSpec::new("twin", "Harbour Ferries Grow Again")
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                section: Some(("culture", "Culture")),
                ..ArticleSpec::new("unrelated", "Poetry Prize Shortlist Announced")
            },
        );
        broadsheet::related::rebuild_all(c, test_now()).unwrap();
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let id = article_id(&app, "main");
    let mut fields = edit_fields(
        &app,
        id,
        &[("slug", "main"), ("headline", "Harbour Ferries Expand")],
    );
    fields.retain(|(k, _)| *k != "tags");
    fields.push(("tags", "Harbour".into()));
    fields.push(("related_1", "unrelated".into()));
    let bad = {
        let mut f = fields.clone();
        f.push(("related_2", "no-such-article".into()));
        editor
            .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&f), None)
            .await
    };
    assert_eq!(bad.status, 422);
    assert!(text_of(&bad.html(), "#related-error")
        .unwrap()
        .contains("no-such-article"));
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get("/articles/main").await.html();
    let related = texts_of(&page, ".related .card__headline");
    assert_eq!(
        related.first().map(String::as_str),
        Some("Poetry Prize Shortlist Announced"),
        "{related:?}"
    );
    let edit = editor
        .get(&format!("/admin/articles/{id}/edit"))
        .await
        .html();
    assert_eq!(attr_of(&edit, "#related_1", "value").unwrap(), "unrelated");
    let reasons = texts_of(&edit, ".reasons li");
    assert!(reasons[0].contains("pinned by an editor"), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("Harbour Ferries Grow Again") && r.contains("shared tags: Harbour")), "{reasons:?}");
}

#[actix_web::test]
async fn publishing_refreshes_other_articles_related_lists_in_the_background() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Sensors"],
                body: "Tide gauge sensors along the harbour wall report water levels.".into(),
                ..ArticleSpec::new("older", "Harbour Sensors Tested")
            },
        );
        broadsheet::related::rebuild_all(c, test_now()).unwrap();
    });
    assert_eq!(
        text_of(&app.get("/articles/older").await.html(), ".related__empty").as_deref(),
        Some("📰 No related articles found")
    );
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    publish_simple(&app, &mut editor).await; // tagged Harbour, Sensors; about tide gauges
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !app.state.related_refresh.is_idle() {
        assert!(
            std::time::Instant::now() < deadline,
            "the background refresh did not finish"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    app.notice_changes();
    let related = texts_of(
        &app.get("/articles/older").await.html(),
        ".related .card__headline",
    );
    assert_eq!(related, ["Tide Gauge Network Goes Live"]);
}
