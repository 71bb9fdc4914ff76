//! Issue 13, moving data in: `broadsheet import-wordpress export.xml` loads a
//! WordPress WXR export into an empty database of either kind, all or
//! nothing. The fixture (`tests/fixtures/wordpress/courier.xml`) has a real
//! export's structure with original text: three authors, nested categories,
//! tags, posts in every status, a page, attachments with and without their
//! bytes, block comments, a `[caption]`, a hostile body and non-ASCII titles.
//! The real binary imports it; the test app then serves the result.

mod common;

use std::path::{Path, PathBuf};

use broadsheet::models::user::Role;
use broadsheet::models::{Article, Section};
use chrono::Duration;
use common::admin::{article_form, article_id, borrowed, version_of};
use common::*;

/// `broadsheet import-wordpress FILE` into the database at `url`.
fn import_wordpress(url: &str, file: &Path) -> Run {
    run_binary(
        &[
            "import-wordpress",
            file.to_str().unwrap(),
            "--database-url",
            url,
            "--base-url",
            BASE_URL,
        ],
        b"",
    )
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wordpress/courier.xml")
}

/// The site of the database at `url`, served as the test apps are.
async fn serve(url: &str) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TestApp::config(&dir, false);
    config.database_url = url.into();
    TestApp::start_with(config, dir).await
}

/// Status and `Location` of a GET, redirects not followed.
async fn head_of(app: &TestApp, path: &str) -> (u16, Option<String>) {
    let client = awc::Client::builder().disable_redirects().finish();
    let response = client.get(app.url(path)).send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    (response.status().as_u16(), location)
}

/// Imports the fixture into `target` and checks the site it makes.
async fn imports_the_fixture(target: &Target) {
    let run = import_wordpress(&target.url, &fixture());
    assert!(
        run.ok,
        "import failed: {}\n{}",
        run.stderr,
        run.stdout_text()
    );
    let out = &run.stdout_text();
    assert!(
        out.contains("imported 10 articles (2 draft, 1 in review, 1 in the trash, 5 published, 1 scheduled; 1 of them pages), 4 sections, 6 tags, 3 authors, 1 images and 30 old addresses"),
        "{out}"
    );
    assert!(out.contains("not imported: 1 nav_menu_item, 1 comments, 1 attachments whose files are not in the export"), "{out}");
    assert!(
        out.contains("1 posts were imported without their featured image: the export has only its address, and nothing is downloaded (set lead images in the newsroom):\n  post 102 “Zürich tram planners ride the harbour line” (https://courier.example/wp-content/uploads/2026/12/tram-depot.jpg)\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "note: post 108 “Newsroom rota for the holidays” is private: imported as a draft"
        ),
        "{out}"
    );

    let app = serve(&target.url).await;

    // A block-editor post: section of its top-level category, child category
    // and tags as tags, byline, date, featured image with its alt text.
    let page = app.get("/articles/night-ferry-returns").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let html = page.html();
    assert_eq!(
        text_of(&html, ".article__headline").unwrap(),
        "Night ferry returns to the harbour after six years"
    );
    assert_eq!(
        attr_of(&html, ".article__section a", "href").unwrap(),
        "/sections/news"
    );
    assert_eq!(
        text_of(&html, ".article__standfirst").unwrap(),
        "The overnight crossing to the islands is back, with two sailings a week."
    );
    assert_eq!(text_of(&html, ".byline__author").unwrap(), "Maja Lindqvist");
    assert_eq!(
        attr_of(&html, ".byline__author", "href").unwrap(),
        "/authors/mlindqvist"
    );
    assert!(attr_of(&html, ".byline__dates time", "datetime")
        .unwrap()
        .starts_with("2026-11-14T08:30"));
    assert_eq!(
        texts_of(&html, ".article__tags a"),
        ["Ferries", "Islands", "Night services"]
    );
    assert!(attr_of(&html, ".lead-image img", "src")
        .unwrap()
        .starts_with("/media/"));
    assert_eq!(
        attr_of(&html, ".lead-image img", "alt").unwrap(),
        "A white ferry moored at a stone quay under street lamps"
    );
    let body = select_one(&html, ".article__body").unwrap().inner_html();
    assert!(body.contains("<strong>Albatross</strong>"), "{body}");
    assert!(body.contains("Timetable</h3>"), "{body}");
    assert!(body.contains("<li>Return at 05:15</li>"), "{body}");
    assert!(body.contains("The Albatross at berth four."), "{body}");
    assert!(
        !body.contains("[caption") && !body.contains("wp:"),
        "{body}"
    );
    assert!(
        body.contains("href=\"https://courier.example/2026/10/02/ferry-consultation/\""),
        "{body}"
    );
    let lead_image = attr_of(&html, ".lead-image img", "src").unwrap();
    assert_eq!(app.get(&lead_image).await.status, 200);

    // Classic-editor text keeps its paragraphs; a non-ASCII slug is transliterated.
    let page = app.get("/articles/zurich-tram-planners").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert_eq!(
        attr_of(&html, ".article__section a", "href").unwrap(),
        "/sections/kultur"
    );
    assert_eq!(
        text_of(&html, ".article__section a").unwrap(),
        "Kultur & Leben"
    );
    assert_eq!(text_of(&html, ".byline__author").unwrap(), "Ana Øberg");
    assert_eq!(select_one(&html, ".lead-image").map(|_| ()), None);
    assert_eq!(html.select(&sel(".article__body p")).count(), 3);
    let greek = broadsheet::slug::slugify("ελληνική-χορωδία");
    let page = app.get(&format!("/articles/{greek}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        text_of(&page.html(), ".article__headline").unwrap(),
        "Ελληνική χορωδία ναυτικών στην προκυμαία"
    );

    // Hostile markup is sanitised as on any save; the rest of the text stays.
    let page = app.get("/articles/port-budget").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert_eq!(
        text_of(&html, ".article__headline").unwrap(),
        "Council publishes the port budget & harbour dues"
    );
    assert_eq!(
        text_of(&html, ".article__standfirst").unwrap(),
        "Dues rise by four per cent; the vote is in February."
    );
    let body = select_one(&html, ".article__body").unwrap().inner_html();
    for hostile in [
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "evil.example",
    ] {
        assert!(!body.contains(hostile), "{hostile} survived: {body}");
    }
    assert!(body.contains("The vote is on 3 February."), "{body}");
    assert!(texts_of(&html, ".article__tags a").contains(&"Harbour & Ferries".to_string()));
    assert_eq!(text_of(&html, ".byline__author").unwrap(), "deskeditor");

    // The page is an article in the Pages section.
    let page = app.get("/articles/about").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        attr_of(&page.html(), ".article__section a", "href").unwrap(),
        "/sections/pages"
    );
    assert!(!page.body.contains("[gallery"));

    // Drafts, the review queue, private, scheduled and trashed posts are not public.
    for hidden in [
        "/articles/market-hall-plans-for-the-old-fish-market",
        "/articles/lighthouse-keeper-retires",
        "/articles/newsroom-rota",
        "/articles/election-night",
        "/articles/night-ferry-returns-2",
    ] {
        assert_eq!(app.get(hidden).await.status, 404, "{hidden}");
    }
    let front = app.get("/").await.body;
    for hidden in ["fish market", "Lighthouse", "rota", "Election", "duplicate"] {
        assert!(!front.contains(hidden), "{hidden} is on the front page");
    }
    assert!(front.contains("Night ferry returns"));
    let find = |slug: &str| {
        let id = article_id(&app, slug);
        app.read(|conn| Article::find(conn, id).unwrap())
    };
    assert!(find("lighthouse-keeper-retires").is_in_review());
    assert!(find("night-ferry-returns-2").deleted_at.is_some());
    assert_eq!(
        find("election-night").published_at.unwrap().to_string(),
        "2027-06-01 18:00:00"
    );

    // Old permalinks and archive pages answer 301 to the new URLs; a draft's stays a 404.
    for (old, new) in [
        (
            "/2026/11/14/night-ferry-returns/",
            "/articles/night-ferry-returns",
        ),
        (
            "/2026/11/14/night-ferry-returns",
            "/articles/night-ferry-returns",
        ),
        ("/?p=101", "/articles/night-ferry-returns"),
        (
            "/2026/12/03/z%C3%BCrich-tram-planners/",
            "/articles/zurich-tram-planners",
        ),
        (
            "/2027/01/20/port-budget/?utm_source=feed",
            "/articles/port-budget",
        ),
        ("/about/", "/articles/about"),
        ("/?page_id=110", "/articles/about"),
        ("/category/kultur/", "/sections/kultur"),
        (
            "/category/news/harbour/night-services/",
            "/tags/night-services",
        ),
        ("/tag/ferries/", "/tags/ferries"),
        ("/author/aoberg/", "/authors/aoberg"),
    ] {
        assert_eq!(
            head_of(&app, old).await,
            (301, Some(new.to_string())),
            "{old}"
        );
    }
    for missing in [
        "/?p=105",
        "/?p=9999",
        "/2027/06/01/election-night/",
        "/no/such/page",
    ] {
        assert_eq!(head_of(&app, missing).await.0, 404, "{missing}");
    }
    let post = app
        .post_with("/2026/11/14/night-ferry-returns/", &[], Vec::new())
        .await;
    assert_eq!(post.status, 404);

    // Lists: sections, tags and authors show what was filed there.
    assert!(app
        .get("/sections/city-hall")
        .await
        .body
        .contains("/articles/port-budget"));
    assert!(app
        .get("/tags/ferries")
        .await
        .body
        .contains("/articles/night-ferry-returns"));
    assert!(app
        .get("/authors/aoberg")
        .await
        .body
        .contains("/articles/zurich-tram-planners"));

    // The newsroom: the pending post waits in the review queue, and an
    // imported article opens in the editor as Markdown and saves as any other.
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    let queue = editor.get("/admin?status=review").await;
    assert!(queue
        .body
        .contains("Lighthouse keeper retires after forty winters"));
    let id = article_id(&app, "zurich-tram-planners");
    let edit = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    assert!(text_of(&edit.html(), "#body")
        .unwrap()
        .starts_with("A delegation of six engineers from Zürich"));
    let section = app.read(|c| Section::find_by_slug(c, "kultur").unwrap().id);
    let fields = article_form(
        &app,
        &[
            (
                "headline",
                "Zürich tram planners ride the harbour line".into(),
            ),
            ("slug", "zurich-tram-planners".into()),
            ("status", "published".into()),
            ("body", "Edited after the *import*.".into()),
            ("tags", "Trams".into()),
            ("section_id", section.to_string()),
            ("version", version_of(&app, id)),
        ],
    );
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get("/articles/zurich-tram-planners").await;
    assert!(
        page.body.contains("Edited after the <em>import</em>."),
        "{}",
        page.body
    );

    // The scheduled post goes live at its time, and its old address with it.
    app.clock.set(test_now() + Duration::days(100));
    app.notice_changes();
    assert_eq!(app.get("/articles/election-night").await.status, 200);
    assert_eq!(
        head_of(&app, "/2027/06/01/election-night/").await,
        (301, Some("/articles/election-night".to_string()))
    );
    drop(app);

    // A second run finds content and changes nothing.
    let before = content(&target.url);
    let again = import_wordpress(&target.url, &fixture());
    assert!(!again.ok);
    assert!(
        again.stderr.contains("the database is not empty"),
        "{}",
        again.stderr
    );
    assert!(
        again.stderr.contains("nothing was changed"),
        "{}",
        again.stderr
    );
    assert_eq!(content(&target.url), before);
}

/// Files that must be refused, each with what the message says.
fn broken_files(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let whole = std::fs::read_to_string(fixture()).unwrap();
    // Cut inside a post: rows before it would already be written.
    let cut_at = whole.find("<wp:post_id>103</wp:post_id>").unwrap() + 28;
    let files = [
        ("cut.xml", whole[..cut_at].to_string(), "cut short"),
        (
            "mismatched.xml",
            whole.replacen("</wp:post_name>", "</wp:post_title>", 3),
            "malformed",
        ),
        (
            "laughs.xml",
            whole.replacen(
                "<rss version",
                "<!DOCTYPE rss [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\n<rss version",
                1,
            ).replacen("<title>The Calder Courier</title>", "<title>&lol2;</title>", 1),
            "document type",
        ),
        (
            "atom.xml",
            "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>x</title></feed>".to_string(),
            "not a WordPress export",
        ),
    ];
    files
        .into_iter()
        .map(|(name, text, says)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            (path, says)
        })
        .collect()
}

/// Each broken file is refused with a clear message, and nothing is written.
fn refuses_broken_files(target: &Target) {
    let dir = tempfile::tempdir().unwrap();
    for (file, says) in broken_files(dir.path()) {
        let run = import_wordpress(&target.url, &file);
        assert!(
            !run.ok,
            "{} was imported: {}",
            file.display(),
            run.stdout_text()
        );
        assert!(
            run.stderr.contains(says),
            "{}: {}",
            file.display(),
            run.stderr
        );
        assert!(
            run.stderr.contains("nothing was imported"),
            "{}",
            run.stderr
        );
        assert!(
            content(&target.url).is_empty(),
            "{} left rows",
            file.display()
        );
    }
    let missing = import_wordpress(&target.url, &dir.path().join("none.xml"));
    assert!(
        !missing.ok && missing.stderr.contains("cannot read"),
        "{}",
        missing.stderr
    );
}

#[actix_web::test]
async fn a_wordpress_export_becomes_a_site() {
    imports_the_fixture(&sqlite_target()).await;
}

#[actix_web::test]
async fn a_wordpress_export_becomes_a_site_on_postgres() {
    let Some(target) = postgres_target() else {
        return;
    };
    imports_the_fixture(&target).await;
}

#[test]
fn broken_or_foreign_files_are_refused_and_nothing_is_written() {
    refuses_broken_files(&sqlite_target());
}

#[test]
fn broken_or_foreign_files_are_refused_and_nothing_is_written_on_postgres() {
    let Some(target) = postgres_target() else {
        return;
    };
    refuses_broken_files(&target);
}
