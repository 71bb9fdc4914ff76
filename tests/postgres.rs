//! The same app on PostgreSQL: migrations, demo content, the article page,
//! the public rule and pagination, through real HTTP on a fresh database.
//! Needs the PostgreSQL server named by `BROADSHEET_TEST_POSTGRES`
//! (default `postgres://postgres@127.0.0.1:5432/test`).

mod common;

use broadsheet::models::article::Article;
use chrono::Duration;
use common::*;

#[actix_web::test]
async fn demo_site_runs_on_postgres() {
    let Some(app) = TestApp::on_postgres(true).await else {
        return;
    };
    let front = app.get("/").await;
    assert_eq!(front.status, 200);
    let slugs = listed_slugs(&front.html());
    assert!(slugs.len() >= 10, "{slugs:?}");
    let article = app.get(&format!("/articles/{}", slugs[0])).await;
    assert_eq!(article.status, 200);
    let html = article.html();
    assert!(select_one(&html, ".takeaways__item").is_some());
    let src = attr_of(&html, ".lead-image img", "src").unwrap();
    let image = app.get(&src).await;
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type").unwrap(), "image/png");
    assert_eq!(app.get("/healthz").await.status, 200);
    assert_eq!(app.get("/sections/city").await.status, 200);
}

/// `/healthz` is what a load balancer asks: it must say 503 when this
/// instance cannot reach its database, and 200 again once it can.
#[actix_web::test]
async fn healthz_answers_503_while_the_database_refuses_connections() {
    let Some(pg) = PgDatabase::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = TestApp::config(&dir, false);
    config.database_url = pg.url.clone();
    // A request waits a second for a connection, not the default five.
    config.db_timeout = 1;
    let mut app = TestApp::start_with(config, dir).await;
    app.postgres = Some(pg);
    assert_eq!(app.get("/healthz").await.status, 200);
    let pg = app.postgres.as_ref().unwrap();
    // The database goes away: new connections are refused and the pool's
    // open ones are cut.
    pg.admin("ALTER DATABASE {db} WITH ALLOW_CONNECTIONS false");
    pg.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'");
    let page = app.get("/healthz").await;
    assert_eq!(page.status, 503);
    assert_eq!(page.body, "database unavailable");
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    pg.admin("ALTER DATABASE {db} WITH ALLOW_CONNECTIONS true");
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[actix_web::test]
async fn public_rule_related_and_pagination_behave_the_same_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    app.db(|c| {
        for i in 0..22 {
            insert_article(
                c,
                &ArticleSpec {
                    tags: vec!["Harbour"],
                    takeaways: vec![format!("Point {i}")],
                    published_at: Some(test_now() - Duration::hours(30 - i)),
                    ..ArticleSpec::new(&format!("pg-{i:02}"), &format!("PG {i:02}"))
                },
            );
        }
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                ..ArticleSpec::new("pg-draft", "PG Draft")
            },
        );
        let deleted = insert_article(c, &ArticleSpec::new("pg-deleted", "PG Deleted"));
        Article::soft_delete(c, deleted, test_now()).unwrap();
    });
    assert_eq!(app.get("/articles/pg-draft").await.status, 404);
    assert_eq!(app.get("/articles/pg-deleted").await.status, 404);
    let first = listed_slugs(&app.get("/").await.html());
    assert_eq!(first.len(), 20);
    assert_eq!(first[0], "pg-21");
    let older = attr_of(&app.get("/").await.html(), "a[rel=next]", "href").unwrap();
    let second = app.get(&older).await.html();
    assert_eq!(listed_slugs(&second), ["pg-01", "pg-00"]);
    assert!(select_one(&second, "a[rel=next]").is_none());
    assert_eq!(app.get("/?page=3").await.status, 404);
    let html = app.get("/articles/pg-05").await.html();
    assert_eq!(
        texts_of(&html, ".related .card__headline"),
        ["PG 21", "PG 20", "PG 19", "PG 18"]
    );
    assert_eq!(texts_of(&html, ".takeaways__text"), ["Point 5"]);
}

#[actix_web::test]
async fn the_newsroom_works_on_postgres() {
    use broadsheet::models::user::Role;
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    app.db(|c| insert_article(c, &ArticleSpec::new("seed", "Seed Story")));
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let fields = [
        ("headline", "Postgres Ferry Story"),
        ("standfirst", "Stored on PostgreSQL."),
        ("takeaways", "One.\nTwo."),
        ("tags", "Harbour, Ferries"),
        ("body", "Body text."),
        ("status", "draft"),
        ("action", "publish"),
    ];
    let saved = editor
        .post_multipart("/admin/articles", &fields, None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get("/articles/postgres-ferry-story").await;
    assert_eq!(page.status, 200);
    assert_eq!(texts_of(&page.html(), ".takeaways__text"), ["One.", "Two."]);
    let list = editor.get("/admin?q=FERRY").await;
    assert!(
        list.body.contains("Postgres Ferry Story"),
        "case-insensitive headline search"
    );
    let id = {
        use broadsheet::schema::articles::dsl;
        use diesel::prelude::*;
        app.db(|c| {
            dsl::articles
                .filter(dsl::slug.eq("postgres-ferry-story"))
                .select(dsl::id)
                .first::<i32>(c)
                .unwrap()
        })
    };
    let revisions = editor.get(&format!("/admin/articles/{id}/revisions")).await;
    assert_eq!(revisions.status, 200);
    assert_eq!(
        editor
            .post(&format!("/admin/articles/{id}/delete"), &[])
            .await
            .status,
        303
    );
    assert_eq!(app.get("/articles/postgres-ferry-story").await.status, 404);
}

#[actix_web::test]
async fn images_follow_the_public_rule_on_postgres() {
    use broadsheet::models::user::Role;
    use broadsheet::schema::{articles, media};
    use diesel::prelude::*;
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    let with_image = |slug: &str, status: &'static str, at| ArticleSpec {
        image: Some((sample_png(), "image/png")),
        status,
        published_at: at,
        ..ArticleSpec::new(slug, slug)
    };
    let paths: Vec<(String, bool)> = app.db(|c| {
        let live = insert_article(c, &with_image("live", "published", Some(test_now())));
        let later = insert_article(
            c,
            &with_image("later", "scheduled", Some(test_now() + Duration::hours(2))),
        );
        let draft = insert_article(c, &with_image("draft", "draft", None));
        let trashed = insert_article(c, &with_image("trashed", "published", Some(test_now())));
        Article::soft_delete(c, trashed, test_now()).unwrap();
        [
            (live, true),
            (later, false),
            (draft, false),
            (trashed, false),
        ]
        .into_iter()
        .map(|(id, public)| {
            let token: String = articles::table
                .inner_join(media::table)
                .filter(articles::id.eq(id))
                .select(media::token)
                .first(c)
                .unwrap();
            (format!("/media/{token}"), public)
        })
        .collect()
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    for (path, public) in &paths {
        let expected = if *public { 200 } else { 404 };
        assert_eq!(app.get(path).await.status, expected, "{path}");
        let newsroom = path.replacen("/media/", "/admin/media/", 1);
        assert_eq!(editor.get(&newsroom).await.status, 200, "{newsroom}");
    }
    app.clock.set(test_now() + Duration::hours(2));
    assert_eq!(
        app.get(&paths[1].0).await.status,
        200,
        "scheduled time came"
    );
}

#[test]
fn instances_starting_at_once_on_a_new_database_share_one_session_key() {
    let Some(database) = PgDatabase::create() else {
        return;
    };
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let mut config = TestApp::config(&dir, false);
            config.database_url = database.url.clone();
            std::thread::spawn(move || {
                let state =
                    broadsheet::AppState::init(&config, broadsheet::Clock::manual(test_now()))
                        .unwrap();
                drop(dir);
                state.session_key.master().to_vec()
            })
        })
        .collect();
    let keys: Vec<Vec<u8>> = starts.into_iter().map(|s| s.join().unwrap()).collect();
    assert!(
        keys.iter().all(|k| k == &keys[0]),
        "every instance signs with the same key"
    );
}

#[test]
fn instances_starting_at_once_on_an_empty_database_load_the_demo_once() {
    let Some(database) = PgDatabase::create() else {
        return;
    };
    let starts: Vec<_> = (0..3)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let mut config = TestApp::config(&dir, true);
            config.database_url = database.url.clone();
            std::thread::spawn(move || {
                let started =
                    broadsheet::AppState::init(&config, broadsheet::Clock::manual(test_now()));
                drop(dir);
                started.map(|_| ())
            })
        })
        .collect();
    for start in starts {
        start.join().unwrap().expect("every instance starts");
    }
    // Loaded once: one set of sections (a second load would have doubled them
    // or failed on their unique slugs).
    use diesel::prelude::*;
    let mut conn = broadsheet::db::connect(&database.url)
        .unwrap()
        .get()
        .unwrap();
    let names: Vec<String> = broadsheet::schema::sections::table
        .select(broadsheet::schema::sections::name)
        .load(&mut conn)
        .unwrap();
    let distinct: std::collections::HashSet<&String> = names.iter().collect();
    assert!(!names.is_empty());
    assert_eq!(distinct.len(), names.len(), "{names:?}");
}
