//! `broadsheet generate`: the real binary fills a fresh SQLite file with
//! complete articles (tags, takeaways, rendered bodies) that the site serves,
//! and refuses a database that already has articles unless told to append.

mod common;

use std::process::Command;

use broadsheet::models::article::ArticleStatus;
use broadsheet::schema::{article_tags, article_takeaways, articles, authors, sections, tags};
use common::*;
use diesel::prelude::*;

fn generate(url: &str, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(["generate", "--articles", "300", "--database-url", url])
        .args(extra)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

#[actix_web::test]
async fn generate_fills_a_database_the_site_serves() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("gen.db").display());
    let output = generate(&url, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("generated 300 articles in"), "{stdout}");
    assert!(stdout.contains("broadsheet related rebuild"), "{stdout}");

    let app = TestApp::with_config(|c| c.database_url = url.clone()).await;
    let (count, without_html, zero_words, sections, authors, tags, tagged, takeaways) =
        app.db(|c| {
            let count: i64 = articles::table.count().get_result(c).unwrap();
            let without_html: i64 = articles::table
                .filter(articles::body_html.is_null())
                .count()
                .get_result(c)
                .unwrap();
            let zero_words: i64 = articles::table
                .filter(articles::word_count.lt(400))
                .count()
                .get_result(c)
                .unwrap();
            (
                count,
                without_html,
                zero_words,
                sections::table.count().get_result::<i64>(c).unwrap(),
                authors::table.count().get_result::<i64>(c).unwrap(),
                tags::table.count().get_result::<i64>(c).unwrap(),
                article_tags::table
                    .select(diesel::dsl::count(article_tags::article_id).aggregate_distinct())
                    .first::<i64>(c)
                    .unwrap(),
                article_takeaways::table
                    .count()
                    .get_result::<i64>(c)
                    .unwrap(),
            )
        });
    assert_eq!(count, 300);
    assert_eq!(without_html, 0);
    assert_eq!(zero_words, 0, "bodies are about 700 words");
    assert_eq!(sections, 8);
    assert_eq!(authors, 5);
    assert_eq!(tags, 10);
    assert_eq!(tagged, 300, "every article has a tag");
    assert!(takeaways > 300, "0–5 takeaways each, {takeaways}");
    let found = app.get("/search?q=harbour").await;
    assert_eq!(found.status, 200);
    assert!(
        !texts_of(&found.html(), ".search-result").is_empty(),
        "generated articles are searchable"
    );

    // A published one renders, with its takeaways and tags.
    let slug: String = app.db(|c| {
        articles::table
            .inner_join(article_takeaways::table)
            .filter(articles::status.eq(ArticleStatus::Published.as_str()))
            .filter(articles::published_at.le(test_now()))
            .select(articles::slug)
            .first(c)
            .unwrap()
    });
    let page = app.get(&format!("/articles/{slug}")).await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert!(!texts_of(&html, ".takeaways__item").is_empty());
    assert_eq!(app.get("/").await.status, 200);

    // Run again: refused without --append, adds 300 more with it.
    let again = generate(&url, &[]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--append"));
    let appended = generate(&url, &["--append"]);
    assert!(
        appended.status.success(),
        "{}",
        String::from_utf8_lossy(&appended.stderr)
    );
    let count: i64 = app.db(|c| articles::table.count().get_result(c).unwrap());
    assert_eq!(count, 600);
}
