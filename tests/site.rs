//! Site-wide behaviour: health check, demo content, error pages, static
//! files, configuration and migrations.

mod common;

use actix_web::web;
use broadsheet::{AppState, Clock};
use common::*;
use diesel::prelude::*;

#[actix_web::test]
async fn healthz_answers_when_the_database_does() {
    let app = TestApp::empty().await;
    let page = app.get("/healthz").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body, "ok");
}

fn article_count(state: &AppState) -> i64 {
    use broadsheet::schema::articles::dsl::*;
    let mut conn = state.pool.get().unwrap();
    articles.count().get_result(&mut conn).unwrap()
}

#[actix_web::test]
async fn demo_content_loads_once_and_not_again_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = TestApp::config(&dir, true);
    let init = |config: broadsheet::Config| async move {
        web::block(move || AppState::init(&config, Clock::manual(test_now())))
            .await
            .unwrap()
            .unwrap()
    };
    let first = init(config.clone()).await;
    let loaded = article_count(&first);
    assert!(
        (10..=14).contains(&loaded),
        "about a dozen demo articles, got {loaded}"
    );
    drop(first);

    let second = init(config.clone()).await;
    assert_eq!(
        article_count(&second),
        loaded,
        "a restart must not load the demo again"
    );
    // Even when editors empty the site, a restart does not bring the demo back.
    {
        use broadsheet::schema::articles::dsl::*;
        let mut conn = second.pool.get().unwrap();
        diesel::delete(articles).execute(&mut conn).unwrap();
    }
    drop(second);
    let third = init(config).await;
    assert_eq!(article_count(&third), 0);
}

#[actix_web::test]
async fn no_demo_starts_an_empty_site() {
    let app = TestApp::empty().await;
    assert_eq!(article_count(&app.state), 0);
}

#[actix_web::test]
async fn demo_site_shows_the_fallback_and_an_article_without_image_or_desk() {
    let app = TestApp::with_demo().await;
    let front = app.get("/").await;
    assert_eq!(front.status, 200);
    let slugs = listed_slugs(&front.html());
    assert!(slugs.len() >= 10);
    let mut fallback_seen = false;
    let mut bare_seen = false;
    for slug in &slugs {
        let page = app.get(&format!("/articles/{slug}")).await;
        assert_eq!(page.status, 200, "{slug}");
        let html = page.html();
        fallback_seen |=
            text_of(&html, ".related__empty").as_deref() == Some("📰 No related articles found");
        bare_seen |= select_one(&html, ".lead-image").is_none()
            && select_one(&html, ".editors-desk").is_none();
        // Every shown image carries its size and alt text.
        for img in html.select(&sel("img")) {
            let v = img.value();
            assert!(
                v.attr("width").is_some() && v.attr("height").is_some(),
                "{slug}: image without size"
            );
            assert!(
                !v.attr("alt").unwrap_or("").is_empty(),
                "{slug}: image without alt"
            );
        }
    }
    assert!(fallback_seen, "no demo article shows the related fallback");
    assert!(
        bare_seen,
        "no demo article shows the page without image and Editor's Desk"
    );
}

#[actix_web::test]
async fn unknown_pages_get_a_styled_404_with_the_site_navigation() {
    let app = TestApp::with_demo().await;
    for path in [
        "/no/such/page",
        "/articles/no-such-article",
        "/media/999999",
        "/media/abc",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        let html = page.html();
        assert_eq!(text_of(&html, "h1").unwrap(), "Page not found", "{path}");
        assert!(select_one(&html, "link[rel=stylesheet]").is_some());
        assert!(
            select_one(&html, ".sections-nav a[href='/sections/city']").is_some(),
            "{path}"
        );
        assert_eq!(
            attr_of(&html, "meta[name=robots]", "content").unwrap(),
            "noindex"
        );
    }
}

#[actix_web::test]
async fn static_assets_are_served() {
    let app = TestApp::empty().await;
    for path in [
        "/static/css/site.css",
        "/static/js/share.js",
        "/static/img/logo.png",
        "/static/img/favicon.svg",
    ] {
        assert_eq!(app.get(path).await.status, 200, "{path}");
    }
}

#[actix_web::test]
async fn a_database_failure_is_a_plain_500_page_that_leaks_nothing() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(c, &ArticleSpec::new("doomed", "Doomed"));
        // Break the schema under the running app.
        diesel::sql_query("DROP TABLE article_takeaways")
            .execute(c)
            .unwrap();
    });
    let page = app.get("/articles/doomed").await;
    assert_eq!(page.status, 500);
    assert!(page.body.contains("Something went wrong"));
    for leak in [
        "article_takeaways",
        "no such table",
        "diesel",
        "sqlite",
        "src/",
    ] {
        assert!(
            !page.body.to_lowercase().contains(leak),
            "500 page leaks {leak}"
        );
    }
}

#[test]
fn unknown_database_scheme_is_a_clear_error_not_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TestApp::config(&dir, false);
    config.database_url = format!("mysql://{}", dir.path().join("x.db").display());
    let err = AppState::init(&config, Clock::System)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("unsupported database URL scheme"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file may be created"
    );
}

#[test]
fn sqlite_and_postgres_migrations_have_the_same_names() {
    let names = |backend: &str| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert!(!names("sqlite").is_empty());
    assert_eq!(names("sqlite"), names("postgres"));
}

#[actix_web::test]
async fn every_pooled_sqlite_connection_has_wal_foreign_keys_and_busy_timeout() {
    let app = TestApp::on_sqlite(false).await;
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = diesel::sql_types::Text)]
        journal_mode: String,
    }
    #[derive(QueryableByName)]
    struct Flag {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        foreign_keys: i32,
    }
    #[derive(QueryableByName)]
    struct Timeout {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        timeout: i32,
    }
    let conns: Vec<_> = (0..3).map(|_| app.state.pool.get().unwrap()).collect();
    for mut conn in conns {
        let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(mode.journal_mode, "wal");
        let fk: Flag = diesel::sql_query("PRAGMA foreign_keys")
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(fk.foreign_keys, 1);
        let t: Timeout = diesel::sql_query("PRAGMA busy_timeout")
            .get_result(&mut *conn)
            .unwrap();
        assert!(t.timeout >= 1000);
    }
}
