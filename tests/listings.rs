//! The front page and section pages: order, lead story, pagination bounds.

mod common;

use chrono::Duration;
use common::*;

fn many_articles(app: &TestApp, count: i64) {
    app.db(|c| {
        for i in 0..count {
            let section = if i % 2 == 0 {
                ("city", "City")
            } else {
                ("business", "Business")
            };
            insert_article(
                c,
                &ArticleSpec {
                    section: Some(section),
                    image: (i == count - 1).then(|| (sample_png(), "image/png")),
                    published_at: Some(test_now() - Duration::hours(count - i)),
                    ..ArticleSpec::new(&format!("story-{i:02}"), &format!("Story {i:02}"))
                },
            );
        }
    });
}

#[actix_web::test]
async fn front_page_leads_with_the_newest_story_and_paginates_by_twenty() {
    let app = TestApp::empty().await;
    many_articles(&app, 25);
    let first = app.get("/").await;
    assert_eq!(first.status, 200);
    let html = first.html();
    let slugs = listed_slugs(&html);
    assert_eq!(slugs.len(), 20);
    assert_eq!(slugs[0], "story-24");
    assert_eq!(slugs[19], "story-05");
    assert_eq!(text_of(&html, ".lead-story__headline").unwrap(), "Story 24");
    assert!(select_one(&html, ".lead-story img[width][height]").is_some());
    assert_eq!(texts_of(&html, ".card__section")[0], "City");
    assert_eq!(attr_of(&html, "a[rel=next]", "href").unwrap(), "/?page=2");

    let second = app.get("/?page=2").await;
    assert_eq!(second.status, 200);
    let html = second.html();
    assert_eq!(
        listed_slugs(&html),
        ["story-04", "story-03", "story-02", "story-01", "story-00"]
    );
    assert!(select_one(&html, ".lead-story").is_none());
    assert_eq!(attr_of(&html, "a[rel=prev]", "href").unwrap(), "/");
    assert!(select_one(&html, "a[rel=next]").is_none());
}

#[actix_web::test]
async fn bad_page_numbers_get_a_clean_answer_never_a_500() {
    let app = TestApp::empty().await;
    many_articles(&app, 3);
    for (path, status) in [
        ("/?page=0", 400),
        ("/?page=-1", 400),
        ("/?page=abc", 400),
        ("/?page=1.5", 400),
        ("/?page=99999999999999999999", 400),
        ("/?page=%FF", 400),
        ("/?page=2", 404),
        ("/?page=4000000000", 404),
        ("/?page=5000000000", 400),
        ("/?page=400000", 404),
        ("/sections/city?page=0", 400),
        ("/sections/city?page=2", 404),
        ("/sections/city?page=1", 200),
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, status, "{path}");
        assert!(
            page.header("content-type")
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert!(
            page.body.contains("</html>"),
            "{path}: a full page is expected"
        );
    }
    let message = app.get("/?page=abc").await;
    assert!(message.body.contains("not a page number"));
}

#[actix_web::test]
async fn section_page_lists_only_its_own_articles_newest_first() {
    let app = TestApp::empty().await;
    many_articles(&app, 6);
    let page = app.get("/sections/business").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert_eq!(text_of(&html, "h1").unwrap(), "Business");
    assert_eq!(listed_slugs(&html), ["story-05", "story-03", "story-01"]);
    assert_eq!(
        attr_of(&html, ".sections-nav a[aria-current=page]", "href").unwrap(),
        "/sections/business"
    );
    assert_eq!(app.get("/sections/no-such-section").await.status, 404);
}

#[actix_web::test]
async fn empty_site_shows_a_friendly_front_page() {
    let app = TestApp::empty().await;
    let page = app.get("/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("No articles yet"));
}
