//! Issue 13, moving data in and out: `broadsheet export` writes the whole
//! site as one versioned JSON document and `broadsheet import` loads it into
//! an empty database of either kind, all or nothing. Run through the real
//! binary; the sites before and after are served by the test app and
//! compared page by page, byte for byte.

mod common;

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use broadsheet::models::user::Role;
use chrono::Duration;
use common::admin::{article_form, article_id, borrowed, version_of, Editor, FilePart, PASSWORD};
use common::*;

// --- The binary and the databases ------------------------------------------------

/// `broadsheet export` of the database at `url` into `file`.
fn export(url: &str, file: &Path, with_secrets: bool) -> String {
    let mut args = vec!["export", "--database-url", url];
    if with_secrets {
        args.push("--with-secrets");
    }
    let run = run_binary(&args, b"");
    assert!(run.ok, "export failed: {}", run.stderr);
    std::fs::write(file, &run.stdout).unwrap();
    String::from_utf8(run.stdout).unwrap()
}

/// `broadsheet import FILE` into the database at `url`, as the test site's origin.
fn import(url: &str, file: &Path) -> Run {
    run_binary(
        &[
            "import",
            file.to_str().unwrap(),
            "--database-url",
            url,
            "--base-url",
            BASE_URL,
        ],
        b"",
    )
}

/// The site of the database at `url`, served as the test apps are (same
/// clock, origin and settings), once its related lists are rebuilt.
async fn serve(url: &str) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TestApp::config(&dir, false);
    config.database_url = url.into();
    let app = TestApp::start_with(config, dir).await;
    settle(&app).await;
    app
}

/// Waits until the app's related worker has nothing left to do, then makes
/// the response cache notice what it wrote.
async fn settle(app: &TestApp) {
    for _ in 0..600 {
        if app.state.related_refresh.is_idle() {
            app.notice_changes();
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the related worker never finished");
}

// --- Crawling a site ------------------------------------------------------------------

/// One response as sent: status, where it redirects, its type and its bytes.
#[derive(Debug, PartialEq, Eq)]
struct Fetched {
    status: u16,
    location: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

async fn fetch(app: &TestApp, path: &str) -> Fetched {
    let client = awc::Client::builder().disable_redirects().finish();
    let mut response = client.get(app.url(path)).send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (location, content_type) = (header("location"), header("content-type"));
    let body = response.body().limit(20 << 20).await.unwrap().to_vec();
    Fetched {
        status: response.status().as_u16(),
        location,
        content_type,
        body,
    }
}

/// The site's own paths a page links to (HTML links and images, `srcset`
/// candidates, feed and sitemap URLs), without the newsroom and static files.
fn links_in(body: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (open, close) in [
        ("href=\"", '"'),
        ("src=\"", '"'),
        ("srcset=\"", '"'),
        ("<loc>", '<'),
        ("<link>", '<'),
        ("<id>", '<'),
    ] {
        for (start, _) in body.match_indices(open) {
            let rest = &body[start + open.len()..];
            let value = &rest[..rest.find(close).unwrap_or(rest.len())];
            for candidate in value.split(", ") {
                let url = candidate
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .replace("&amp;", "&");
                let path = url.strip_prefix(BASE_URL).unwrap_or(&url);
                let path = path.split('#').next().unwrap();
                if path.starts_with('/')
                    && !path.starts_with("//")
                    && !path.starts_with("/admin")
                    && !path.starts_with("/static")
                {
                    found.push(path.to_string());
                }
            }
        }
    }
    found
}

/// Every page reachable from `seeds` on `app` (up to a bound), in the order found.
async fn crawl(app: &TestApp, seeds: &[String]) -> Vec<String> {
    let mut seen: BTreeSet<String> = seeds.iter().cloned().collect();
    let mut queue: VecDeque<String> = seeds.iter().cloned().collect();
    let mut order = Vec::new();
    while let Some(path) = queue.pop_front() {
        assert!(order.len() < 2_000, "the crawl does not end");
        let page = fetch(app, &path).await;
        let is_text = page
            .content_type
            .as_deref()
            .is_some_and(|t| t.contains("html") || t.contains("xml"));
        if is_text && page.status == 200 {
            for link in links_in(&String::from_utf8_lossy(&page.body)) {
                if seen.insert(link.clone()) {
                    queue.push_back(link);
                }
            }
        }
        order.push(path);
    }
    order
}

// --- 1. The round trip ----------------------------------------------------------------

/// A PNG of this size (the upload path re-encodes and resizes it).
fn png_bytes(width: u32, height: u32) -> Vec<u8> {
    let img = image::DynamicImage::new_rgb8(width, height);
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// What the round trip adds to the demo site, and where to look for it.
struct Added {
    draft_slug: &'static str,
    scheduled_slug: &'static str,
    old_paths: Vec<String>,
}

/// The demo site plus a newsroom's day: an article saved with an uploaded
/// image and a link to the site itself, then renamed (a revision and an old
/// slug), a correction, a tag merged into another, a pinned related article,
/// a draft and a scheduled story.
async fn newsroom_day(app: &TestApp) -> Added {
    // The form helper files articles under the test author, who is not in the demo.
    app.db(|c| insert_article(c, &ArticleSpec::new("seed", "Seed")));
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let image = png_bytes(1200, 800);
    let form = article_form(
        app,
        &[
            ("headline", "Harbour Lights Return".into()),
            ("status", "published".into()),
            ("action", "publish".into()),
            ("alt", "Lights along the harbour wall".into()),
            ("caption", "The wall at dusk.".into()),
            ("credit", "Photo: Broadsheet".into()),
            (
                "body",
                "The lights are back. See [the city desk](https://news.example/sections/city) \
                 and [the council](https://council.example/lights)."
                    .into(),
            ),
        ],
    );
    let saved = editor
        .post_multipart(
            "/admin/articles",
            &borrowed(&form),
            Some(FilePart {
                name: "image",
                filename: "lights.png",
                content_type: "image/png",
                bytes: &image,
            }),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = article_id(app, "harbour-lights-return");
    let mut renamed = form.clone();
    for (name, value) in renamed.iter_mut() {
        match *name {
            "slug" => *value = "harbour-lights-are-back".into(),
            "version" => *value = version_of(app, id),
            "standfirst" => *value = "Every lamp on the wall works again.".into(),
            _ => {}
        }
    }
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&renamed), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let noted = editor
        .post(
            &format!("/admin/articles/{id}/notes"),
            &[
                ("kind", "correction"),
                ("text", "An earlier version gave the wrong number of lamps."),
                ("noted_at", ""),
            ],
        )
        .await;
    assert_eq!(noted.status, 303, "{}", noted.body);

    let (merged_slug, old_tag_path) = app.db(|c| {
        use broadsheet::models::Tag;
        let mut tags: Vec<Tag> = ["Harbour", "Ferries"]
            .iter()
            .map(|name| Tag::find_or_create(c, &broadsheet::slug::slugify(name), name).unwrap())
            .collect();
        let into = tags.pop().unwrap();
        let from = tags.pop().unwrap();
        Tag::merge_into(c, from.id, into.id, test_now()).unwrap();
        (into.slug, format!("/tags/{}", from.slug))
    });
    assert_ne!(merged_slug, "");
    app.db(|c| {
        let others: Vec<i32> = {
            use broadsheet::schema::articles::dsl;
            use diesel::prelude::*;
            dsl::articles
                .filter(dsl::id.ne(id))
                .filter(dsl::status.eq("published"))
                .order(dsl::id)
                .select(dsl::id)
                .limit(1)
                .load(c)
                .unwrap()
        };
        broadsheet::models::related::set_pins(c, id, &others).unwrap();
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                body: "Secret budget figures.".into(),
                ..ArticleSpec::new("unpublished-budget", "Unpublished Budget Draft")
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                status: "scheduled",
                published_at: Some(test_now() + Duration::days(2)),
                ..ArticleSpec::new("embargoed-report", "Embargoed Report")
            },
        );
    });
    Added {
        draft_slug: "unpublished-budget",
        scheduled_slug: "embargoed-report",
        old_paths: vec![
            "/articles/harbour-lights-return".into(),
            old_tag_path.clone(),
            format!("{old_tag_path}/feed.xml"),
        ],
    }
}

/// Moves `from`'s site into `to` through an export file; returns the document.
fn copy_site(from: &str, to: &str, dir: &Path, name: &str) -> String {
    let file: PathBuf = dir.join(name);
    let document = export(from, &file, false);
    let run = import(to, &file);
    assert!(
        run.ok,
        "import into {to} failed: {}{}",
        String::from_utf8_lossy(&run.stdout),
        run.stderr
    );
    document
}

#[actix_web::test]
async fn a_site_moved_sqlite_to_postgres_to_sqlite_serves_every_page_byte_for_byte() {
    let Some(postgres) = postgres_target() else {
        return;
    };
    let original = TestApp::on_sqlite(true).await;
    let added = newsroom_day(&original).await;
    settle(&original).await;
    // The copies' lists come from a full rebuild (the index starts empty);
    // the original's from the demo's rebuild plus refreshes after each
    // change. Rebuilt here too, both are the same computation over the same
    // articles, so their pages can be compared exactly.
    original.db(|c| {
        broadsheet::related::rebuild_all_with_limit(
            c,
            test_now(),
            original.state.site.related_limit,
        )
        .unwrap()
    });
    original.notice_changes();

    let files = tempfile::tempdir().unwrap();
    let final_copy = sqlite_target();
    let sqlite_url = original.database_url();
    let first = copy_site(&sqlite_url, &postgres.url, files.path(), "from-sqlite.json");
    let second = copy_site(
        &postgres.url,
        &final_copy.url,
        files.path(),
        "from-postgres.json",
    );
    // The document itself survives PostgreSQL unchanged, after its first line
    // (which says when it was written).
    let body = |doc: &str| doc.split_once('\n').unwrap().1.to_string();
    assert_eq!(
        body(&first),
        body(&second),
        "the export changed on PostgreSQL"
    );
    assert!(first.starts_with("{\"format\":\"broadsheet-export\",\"version\":1,"));

    let copy = serve(&final_copy.url).await;
    let mut seeds: Vec<String> = [
        "/",
        "/sitemap.xml",
        "/feed.xml",
        "/atom.xml",
        "/corrections",
        "/news-sitemap.xml",
        "/search?q=harbour",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    seeds.extend(added.old_paths.iter().cloned());
    let paths = crawl(&original, &seeds).await;
    for kind in [
        "/articles/",
        "/sections/",
        "/tags/",
        "/authors/",
        "/media/",
        "sitemap",
        "feed",
    ] {
        assert!(
            paths.iter().any(|p| p.contains(kind)),
            "the crawl found no {kind} page: {paths:?}"
        );
    }
    let mut differ = Vec::new();
    for path in &paths {
        let (before, after) = (fetch(&original, path).await, fetch(&copy, path).await);
        if before != after {
            differ.push(format!(
                "{path}: {} {:?} -> {} {:?}",
                before.status, before.location, after.status, after.location
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "pages differ after the round trip:\n{}",
        differ.join("\n")
    );
    for old in &added.old_paths {
        assert_eq!(fetch(&copy, old).await.status, 301, "{old}");
    }
    let article =
        String::from_utf8(fetch(&copy, "/articles/harbour-lights-are-back").await.body).unwrap();
    assert!(article.contains("An earlier version gave the wrong number of lamps."));

    // The draft and the scheduled story are still what they were, and not public.
    for slug in [added.draft_slug, added.scheduled_slug] {
        assert_eq!(fetch(&copy, &format!("/articles/{slug}")).await.status, 404);
        assert!(!paths.iter().any(|p| p.contains(slug)), "{slug} was linked");
    }
    let statuses = copy.read(|c| {
        use broadsheet::schema::articles::dsl;
        use diesel::prelude::*;
        dsl::articles
            .filter(dsl::slug.eq_any([added.draft_slug, added.scheduled_slug]))
            .order(dsl::slug)
            .select(dsl::status)
            .load::<String>(c)
            .unwrap()
    });
    assert_eq!(statuses, ["scheduled", "draft"]);
    // When the embargo lifts, the copy publishes it as the original would.
    copy.clock.set(test_now() + Duration::days(3));
    let path = format!("/articles/{}", added.scheduled_slug);
    assert_eq!(fetch(&copy, &path).await.status, 200);

    // New rows get new ids: PostgreSQL's sequences moved past the imported ones.
    let pg_site = serve(&postgres.url).await;
    let mut editor = pg_site.signed_in("new@news.example", Role::Editor).await;
    let form = article_form(&pg_site, &[("headline", "After The Move".into())]);
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&form), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
}

// --- 2. Secrets --------------------------------------------------------------------------

/// A small site with an editor who signed in (a session) and an article.
async fn site_with_an_editor() -> (TestApp, Option<String>) {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("council-meets", "Council Meets")));
    let editor = app.signed_in("ed@news.example", Role::Editor).await;
    let cookie = editor.cookie.clone();
    (app, cookie)
}

fn url_of(app: &TestApp) -> String {
    app.database_url()
}

async fn can_sign_in(app: &TestApp, password: &str) -> bool {
    app.anonymous()
        .sign_in("ed@news.example", password)
        .await
        .status
        == 303
}

#[actix_web::test]
async fn an_export_without_secrets_has_no_password_and_its_accounts_need_a_new_one() {
    let (original, _) = site_with_an_editor().await;
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("site.json");
    let document = export(&url_of(&original), &file, false);
    assert!(
        !document.contains("$argon2"),
        "a password hash was exported"
    );
    assert!(!document.contains("password_hash"));
    assert!(!document.contains("admin_sessions"));
    assert!(!document.contains("\"session_key\""));
    assert!(
        !document.contains("public_generation"),
        "an internal counter was exported"
    );
    assert!(document.contains("ed@news.example"));

    // Read from standard input this time (`import -`).
    let target = sqlite_target();
    let run = run_binary(
        &["import", "-", "--database-url", &target.url],
        document.as_bytes(),
    );
    assert!(run.ok, "{}", run.stderr);
    let copy = serve(&target.url).await;
    assert!(!can_sign_in(&copy, PASSWORD).await);
    assert!(!can_sign_in(&copy, "").await);
    let run = run_binary(
        &[
            "user",
            "passwd",
            "--email",
            "ed@news.example",
            "--password-stdin",
            "--database-url",
            &target.url,
        ],
        b"a brand new passphrase\n",
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(can_sign_in(&copy, "a brand new passphrase").await);
}

/// With `--with-secrets`, accounts keep their passwords and signed-in
/// editors stay signed in (the session key and sessions travel).
async fn secrets_travel_when_asked(target: Target) {
    let (original, cookie) = site_with_an_editor().await;
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("site.json");
    let document = export(&url_of(&original), &file, true);
    assert!(document.contains("$argon2"));
    let run = import(&target.url, &file);
    assert!(run.ok, "{}", run.stderr);
    let copy = serve(&target.url).await;
    assert!(can_sign_in(&copy, PASSWORD).await);
    let mut still_signed_in = Editor { app: &copy, cookie };
    assert_eq!(still_signed_in.get("/admin").await.status, 200);
}

#[actix_web::test]
async fn an_export_with_secrets_keeps_passwords_and_sessions() {
    secrets_travel_when_asked(sqlite_target()).await;
}

#[actix_web::test]
async fn an_export_with_secrets_keeps_passwords_and_sessions_on_postgres() {
    if let Some(target) = postgres_target() {
        secrets_travel_when_asked(target).await;
    }
}

// --- 3. Refusals ---------------------------------------------------------------------------

/// An import into a database with content, and of files that are not a
/// version 1 export (or are cut short), fails with a clear message and
/// leaves the database as it was.
async fn bad_imports_change_nothing(target: Target) {
    let original = TestApp::with_demo().await;
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("site.json");
    let document = export(&url_of(&original), &good, false);

    // A database with content is refused, and keeps exactly what it had.
    let busy = sqlite_target();
    assert!(import(&busy.url, &good).ok);
    let before = export(&busy.url, &files.path().join("before.json"), true);
    let run = import(&busy.url, &good);
    assert!(!run.ok);
    assert!(
        run.stderr.contains("the database is not empty"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("articles"), "{}", run.stderr);
    let after = export(&busy.url, &files.path().join("after.json"), true);
    let body = |doc: &str| doc.split_once('\n').unwrap().1.to_string();
    assert_eq!(body(&before), body(&after));

    // Broken files: each refused with a message saying why, nothing kept.
    let cut = &document[..document.len() * 2 / 3];
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "cut short",
            cut.to_string(),
            "not a readable Broadsheet export",
        ),
        (
            "a newer version",
            document.replacen("\"version\":1", "\"version\":2", 1),
            "version 2 export",
        ),
        (
            "another format",
            document.replacen("broadsheet-export", "wordpress", 1),
            "not a Broadsheet export",
        ),
        (
            "not JSON",
            "<rss></rss>".into(),
            "not a readable Broadsheet export",
        ),
        ("an empty object", "{}".into(), "not a Broadsheet export"),
        (
            "rows before the header",
            format!("{{\"sections\":[],{}", &document[1..]),
            "must begin with",
        ),
        (
            "a row the database refuses",
            document.replacen("\"status\":\"published\"", "\"status\":\"archived\"", 1),
            "cannot import article",
        ),
        (
            "an unknown column",
            document.replacen("\"kicker\":", "\"kicker_colour\":\"red\",\"kicker\":", 1),
            "kicker_colour",
        ),
    ];
    for (what, text, says) in cases {
        let file = files.path().join("bad.json");
        std::fs::write(&file, text).unwrap();
        let run = import(&target.url, &file);
        assert!(!run.ok, "{what} was imported");
        assert!(run.stderr.contains(says), "{what}: {}", run.stderr);
        assert!(
            run.stderr.contains("nothing was imported"),
            "{what}: {}",
            run.stderr
        );
        let left = content(&target.url);
        assert!(left.is_empty(), "{what} left rows behind: {left:?}");
    }
    // And the same database then takes the good file.
    assert!(import(&target.url, &good).ok);
    assert!(!content(&target.url).is_empty());
}

#[actix_web::test]
async fn bad_imports_are_refused_and_change_nothing() {
    bad_imports_change_nothing(sqlite_target()).await;
}

#[actix_web::test]
async fn bad_imports_are_refused_and_change_nothing_on_postgres() {
    if let Some(target) = postgres_target() {
        bad_imports_change_nothing(target).await;
    }
}
