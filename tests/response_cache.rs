//! Issue 8: public pages are rendered once and served from memory, and the
//! cache never serves a stale, private or wrongly encoded page. Every check
//! reads the page first (so it is cached), changes something through the
//! admin like an editor, and reads again.

mod common;

use std::io::Read;
use std::time::{Duration as StdDuration, Instant};

use broadsheet::models::user::Role;
use chrono::Duration;
use common::admin::{article_form, article_id, borrowed, version_of, Editor};
use common::*;

const PATH: &str = "/articles/night-ferry-trial-begins";

/// Creates the form's article through the admin and publishes it; returns its id.
async fn publish(app: &TestApp, editor: &mut Editor<'_>) -> i32 {
    let fields = article_form(app, &[("action", "publish".into())]);
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    article_id(app, "night-ferry-trial-begins")
}

/// Saves the article with `changes` on top of its current fields.
async fn edit(app: &TestApp, editor: &mut Editor<'_>, id: i32, changes: &[(&'static str, String)]) {
    let mut all = vec![
        ("slug", "night-ferry-trial-begins".to_string()),
        ("version", version_of(app, id)),
        ("action", "publish".to_string()),
    ];
    all.extend_from_slice(changes);
    let fields = article_form(app, &all);
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
}

fn stats(app: &TestApp) -> broadsheet::cache::Stats {
    app.state.cache.stats()
}

#[actix_web::test]
async fn a_public_page_is_rendered_once_then_served_from_memory() {
    let app = TestApp::with_demo().await;
    let first = app.get("/").await;
    assert_eq!(first.status, 200);
    let before = stats(&app);
    let again = app.get("/").await;
    // A shared link's tracking parameters do not make a reader a miss.
    let shared = app.get("/?fbclid=IwAR0abc&utm_source=social").await;
    let after = stats(&app);
    assert_eq!(after.hits, before.hits + 2, "{before:?} -> {after:?}");
    assert_eq!(after.misses, before.misses);
    assert_eq!(again.body, first.body);
    assert_eq!(shared.body, first.body);
    assert_eq!(again.header("etag"), first.header("etag"));
    // A different page of the list is a different page.
    let page_two = app.get("/?before=20270301120000-1").await;
    assert_ne!(page_two.body, first.body);
    assert_eq!(stats(&app).misses, after.misses + 1);
}

#[actix_web::test]
async fn every_public_change_is_visible_at_the_very_next_request() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let id = publish(&app, &mut editor).await;
    let section = app.read(|c| broadsheet::models::Section::all_in_order(c).unwrap()[0].clone());
    let section_path = format!("/sections/{}", section.slug);
    let pages = [
        "/",
        PATH,
        section_path.as_str(),
        "/feed.xml",
        "/sitemap.xml",
    ];
    for path in pages {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
    }
    assert!(app
        .get(PATH)
        .await
        .body
        .contains("Night Ferry Trial Begins"));

    // An edit.
    edit(
        &app,
        &mut editor,
        id,
        &[("headline", "Night Ferry Trial Extended".into())],
    )
    .await;
    for path in ["/", PATH, section_path.as_str(), "/feed.xml"] {
        let page = app.get(path).await;
        assert!(
            page.body.contains("Night Ferry Trial Extended"),
            "{path} shows the edit at once"
        );
    }

    // A slug change: the new URL serves, the old one redirects.
    edit(
        &app,
        &mut editor,
        id,
        &[
            ("headline", "Night Ferry Trial Extended".into()),
            ("slug", "night-ferry-extended".into()),
        ],
    )
    .await;
    assert_eq!(app.get("/articles/night-ferry-extended").await.status, 200);
    let old = app.get(PATH).await;
    assert_eq!(old.status, 301);
    assert!(app
        .get("/")
        .await
        .body
        .contains("/articles/night-ferry-extended"));

    // Unpublish, then publish again.
    let fields = article_form(
        &app,
        &[
            ("headline", "Night Ferry Trial Extended".into()),
            ("slug", "night-ferry-extended".into()),
            ("version", version_of(&app, id)),
            ("action", "unpublish".into()),
        ],
    );
    let unpublished = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    assert_eq!(unpublished.status, 303, "{}", unpublished.body);
    assert_eq!(app.get("/articles/night-ferry-extended").await.status, 404);
    assert!(!app.get("/").await.body.contains("Night Ferry"));
    assert!(!app.get("/feed.xml").await.body.contains("Night Ferry"));
    edit(
        &app,
        &mut editor,
        id,
        &[
            ("headline", "Night Ferry Trial Extended".into()),
            ("slug", "night-ferry-extended".into()),
        ],
    )
    .await;
    assert_eq!(app.get("/articles/night-ferry-extended").await.status, 200);

    // Trash and restore.
    let trashed = editor
        .post(&format!("/admin/articles/{id}/delete"), &[])
        .await;
    assert_eq!(trashed.status, 303);
    assert_eq!(app.get("/articles/night-ferry-extended").await.status, 404);
    assert!(!app.get(&section_path).await.body.contains("Night Ferry"));
    let restored = editor
        .post(&format!("/admin/articles/{id}/restore"), &[])
        .await;
    assert_eq!(restored.status, 303);
    assert_eq!(app.get("/articles/night-ferry-extended").await.status, 200);
    assert!(app.get(&section_path).await.body.contains("Night Ferry"));

    // A section renamed: every page's navigation says so.
    let renamed = editor
        .post(
            &format!("/admin/sections/{}", section.id),
            &[
                ("name", "Harbour & Coast"),
                ("slug", section.slug.as_str()),
                ("description", "Ships and shores."),
                ("position", "0"),
            ],
        )
        .await;
    assert_eq!(renamed.status, 303, "{}", renamed.body);
    for path in ["/", "/articles/night-ferry-extended"] {
        let nav = texts_of(&app.get(path).await.html(), ".sections-nav a");
        assert!(
            nav.iter().any(|n| n == "Harbour & Coast"),
            "{path}: {nav:?}"
        );
    }
}

#[actix_web::test]
async fn a_scheduled_article_appears_at_its_time_on_cached_pages() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let fields = article_form(
        &app,
        &[
            ("status", "published".into()),
            ("publish_at", "2027-03-01T14:00".into()),
        ],
    );
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(!app.get("/").await.body.contains("Night Ferry"));
    assert!(!app.get("/feed.xml").await.body.contains("Night Ferry"));
    assert_eq!(app.get(PATH).await.status, 404);
    // Cached now; no write happens before the publish time arrives.
    assert!(!app.get("/").await.body.contains("Night Ferry"));

    app.clock
        .set(test_now() + Duration::hours(2) + Duration::minutes(1));
    assert!(app.get("/").await.body.contains("Night Ferry Trial Begins"));
    assert!(app
        .get("/feed.xml")
        .await
        .body
        .contains("Night Ferry Trial Begins"));
    assert_eq!(app.get(PATH).await.status, 200);
}

#[actix_web::test]
async fn the_newsroom_is_never_cached_and_cached_pages_hold_no_session() {
    let app = TestApp::with_demo().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let before = stats(&app);
    let list = editor.get("/admin").await;
    let again = editor.get("/admin").await;
    assert_eq!(list.status, 200);
    assert!(again.body.contains("csrf_token"));
    assert_eq!(
        stats(&app).entries,
        before.entries,
        "admin pages are not kept"
    );
    assert_eq!(
        stats(&app).hits + stats(&app).misses,
        before.hits + before.misses,
        "admin requests never reach the cache"
    );

    // A signed-in editor reads the public site like anyone, and what is
    // cached from their visit carries nothing of theirs.
    let read = editor.get("/").await;
    assert_eq!(read.status, 200);
    let anonymous = app.get("/").await;
    for page in [&read, &anonymous] {
        assert!(page.headers.get("set-cookie").is_none());
        assert!(!page.body.contains("csrf_token"));
        assert!(!page.body.contains(&editor.cookie.clone().unwrap()));
    }
    assert_eq!(read.body, anonymous.body);
}

/// A GET without awc's own decompression, returning the raw bytes.
async fn raw_get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, awc::http::header::HeaderMap, Vec<u8>) {
    let client = awc::Client::builder().disable_redirects().finish();
    let mut request = client.get(app.url(path)).no_decompress();
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request.send().await.unwrap();
    let body = response.body().limit(10 << 20).await.unwrap();
    (
        response.status().as_u16(),
        response.headers().clone(),
        body.to_vec(),
    )
}

#[actix_web::test]
async fn head_answers_like_get_and_compressed_bodies_decode_to_the_plain_one() {
    let app = TestApp::with_demo().await;
    for path in ["/", "/feed.xml", "/sitemap.xml", "/robots.txt"] {
        let (status, plain_headers, plain) =
            raw_get(&app, path, &[("accept-encoding", "identity")]).await;
        assert_eq!(status, 200, "{path}");
        assert!(plain_headers.get("content-encoding").is_none());
        assert_eq!(plain_headers.get("vary").unwrap(), "Accept-Encoding");

        let head = awc::Client::new()
            .head(app.url(path))
            .insert_header(("accept-encoding", "identity"))
            .send()
            .await
            .unwrap();
        assert_eq!(head.status().as_u16(), 200);
        for name in [
            "etag",
            "content-type",
            "cache-control",
            "last-modified",
            "vary",
        ] {
            assert_eq!(
                head.headers().get(name),
                plain_headers.get(name),
                "{path}: HEAD's {name} is GET's"
            );
        }
        assert_eq!(
            head.headers()
                .get("content-length")
                .unwrap()
                .to_str()
                .unwrap(),
            plain.len().to_string()
        );

        if plain.len() < 1000 {
            continue; // too small to be worth compressing
        }
        let (_, gz_headers, gz) = raw_get(&app, path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(
            gz_headers.get("content-encoding").unwrap(),
            "gzip",
            "{path}"
        );
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, plain, "{path}: gzip decodes to the plain body");
        assert!(gz.len() < plain.len() / 2);

        let (_, br_headers, br) =
            raw_get(&app, path, &[("accept-encoding", "gzip, deflate, br")]).await;
        assert_eq!(br_headers.get("content-encoding").unwrap(), "br", "{path}");
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, plain, "{path}: brotli decodes to the plain body");

        // Each encoding has its own validator, and each revalidates.
        let etags: Vec<&str> = [&plain_headers, &gz_headers, &br_headers]
            .iter()
            .map(|h| h.get("etag").unwrap().to_str().unwrap())
            .collect();
        assert!(etags[0] != etags[1] && etags[1] != etags[2], "{etags:?}");
        for (etag, encoding) in etags.iter().zip(["identity", "gzip", "br"]) {
            let (status, _, body) = raw_get(
                &app,
                path,
                &[("accept-encoding", encoding), ("if-none-match", etag)],
            )
            .await;
            assert_eq!(status, 304, "{path} {encoding}");
            assert!(body.is_empty());
        }
    }
}

#[actix_web::test]
async fn two_instances_on_one_postgres_database_agree_within_a_second() {
    let Some(first) = TestApp::on_postgres(false).await else {
        return;
    };
    let second = first.another_instance().await;
    let mut editor = first.signed_in("ed@news.example", Role::Editor).await;
    // Both instances have read (and cached) the front page before the change.
    assert!(!first.get("/").await.body.contains("Night Ferry"));
    assert!(!second.get("/").await.body.contains("Night Ferry"));
    publish(&first, &mut editor).await;
    assert!(first.get("/").await.body.contains("Night Ferry"));

    let started = Instant::now();
    loop {
        if second.get("/").await.body.contains("Night Ferry") {
            break;
        }
        assert!(
            started.elapsed() < StdDuration::from_secs(1),
            "the second instance still serves the old front page after a second"
        );
        actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert_eq!(second.get(PATH).await.status, 200);

    // The session signed in on the first instance works on the second.
    let mut on_second = Editor {
        app: &second,
        cookie: editor.cookie.clone(),
    };
    let list = on_second.get("/admin").await;
    assert_eq!(list.status, 200, "the session is shared");
    assert!(list.body.contains("Night Ferry"));
}

#[actix_web::test]
async fn an_uncached_article_page_costs_at_most_five_statements() {
    use diesel::connection::{Connection, InstrumentationEvent};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let app = TestApp::with_demo().await;
    let front = app.get("/").await.html();
    let slugs: Vec<String> = listed_slugs(&front);
    let (mut plain, mut noted) = (0, 0);
    for slug in slugs {
        let statements = Arc::new(AtomicUsize::new(0));
        let bundle = app.read(|conn| {
            let counted = statements.clone();
            conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
                if let InstrumentationEvent::StartQuery { .. } = event {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
            });
            let page = broadsheet::views::article::load_article_page(
                conn,
                &app.state,
                &slug,
                app.clock.now(),
            );
            conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
            page.unwrap().unwrap().0
        });
        let count = statements.load(Ordering::SeqCst);
        // The article's own rows (and whether it has notes or co-authors),
        // takeaways, tags, related and the lead image's copies: one indexed
        // query each; its corrections and updates are one more, only when it
        // has some, and so are its authors in order, only when it has several;
        // a live story's coverage and posts are two more.
        let extra =
            usize::from(bundle.authors.len() > 1) + if bundle.coverage.is_some() { 2 } else { 0 };
        if bundle.notes.is_empty() {
            plain += 1;
            assert!(count <= 5 + extra, "{count} statements for {slug}");
        } else {
            noted += 1;
            assert!(
                count <= 6 + extra,
                "{count} statements for {slug}, which has notes"
            );
        }
        if bundle.image.is_some() && !bundle.takeaways.is_empty() && !bundle.related.is_empty() {
            assert!(
                count >= 4,
                "{slug}: the count must see the queries ({count})"
            );
        }
    }
    assert!(
        plain > 0 && noted > 0,
        "{plain} without notes, {noted} with"
    );
}

#[actix_web::test]
async fn readers_asking_for_a_missing_page_at_once_wait_for_one_render() {
    let app = TestApp::with_demo().await;
    let before = stats(&app);
    let requests = (0..16).map(|_| app.get("/sitemap.xml"));
    let pages = futures_util::future::join_all(requests).await;
    assert!(pages.iter().all(|p| p.status == 200));
    assert!(pages.iter().all(|p| p.body == pages[0].body));
    let after = stats(&app);
    assert_eq!(after.misses, before.misses + 1, "{before:?} -> {after:?}");
    assert_eq!(after.hits, before.hits + 15, "{before:?} -> {after:?}");
}
