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
    let older = attr_of(&html, "a[rel=next]", "href").unwrap();
    assert!(older.starts_with("/?before="), "{older}");

    let second = app.get(&older).await;
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
        ("/?before=", 400),
        ("/?before=yesterday", 400),
        ("/?after=20270301120000", 400),
        ("/?before=20270301120000-1&after=20270301120000-1", 400),
        ("/?before=19990101000000-1", 404),
        ("/sections/city?before=20271301120000-1", 400),
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

/// Follows every "Older" link from `path`, returning each page's slugs and address.
async fn walk_older(app: &TestApp, path: &str) -> Vec<(String, Vec<String>)> {
    let mut pages = Vec::new();
    let mut next = Some(path.to_string());
    while let Some(path) = next {
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        let html = page.html();
        next = attr_of(&html, "a[rel=next]", "href");
        pages.push((path, listed_slugs(&html)));
    }
    pages
}

#[actix_web::test]
async fn older_and_newer_links_visit_every_article_once_in_order() {
    let app = TestApp::empty().await;
    many_articles(&app, 95);
    let pages = walk_older(&app, "/").await;
    assert_eq!(pages.len(), 5);
    let listed: Vec<String> = pages.iter().flat_map(|(_, s)| s.clone()).collect();
    let expected: Vec<String> = (0..95).rev().map(|i| format!("story-{i:02}")).collect();
    assert_eq!(listed, expected);

    // Back from the last page by "Newer": the same pages, then the front page.
    let mut path = pages.last().unwrap().0.clone();
    for (address, slugs) in pages.iter().rev().skip(1) {
        let html = app.get(&path).await.html();
        let newer = attr_of(&html, "a[rel=prev]", "href").unwrap();
        let page = app.get(&newer).await;
        assert_eq!(page.status, 200, "{newer}");
        assert_eq!(
            &listed_slugs(&page.html()),
            slugs,
            "{newer} should list what {address} did"
        );
        path = newer;
    }
    assert_eq!(path, "/");

    // A deep page offers the way back to the first page.
    let deep = app.get(&pages[3].0).await.html();
    assert_eq!(
        attr_of(&deep, "a.pager__latest", "href").as_deref(),
        Some("/")
    );
    assert_eq!(
        attr_of(&deep, "link[rel=canonical]", "href").unwrap(),
        format!("https://news.example{}", pages[3].0)
    );
}

#[actix_web::test]
async fn a_deeper_page_keeps_its_articles_when_new_ones_are_published() {
    let app = TestApp::empty().await;
    many_articles(&app, 45);
    let pages = walk_older(&app, "/sections/city").await;
    let (second, slugs) = pages[1].clone();
    app.db(|c| {
        for i in 0..3 {
            insert_article(
                c,
                &ArticleSpec {
                    section: Some(("city", "City")),
                    published_at: Some(test_now() - Duration::minutes(10 - i)),
                    ..ArticleSpec::new(&format!("late-{i}"), &format!("Late {i}"))
                },
            );
        }
    });
    assert_eq!(listed_slugs(&app.get(&second).await.html()), slugs);
    assert_eq!(
        listed_slugs(&app.get("/sections/city").await.html())[0],
        "late-2"
    );
}

#[actix_web::test]
async fn old_numbered_page_links_lead_to_the_same_articles() {
    let app = TestApp::empty().await;
    many_articles(&app, 65);
    let pages = walk_older(&app, "/").await;
    let old = app.get("/?page=3").await;
    assert_eq!(old.status, 302);
    assert_eq!(old.header("location").unwrap(), pages[2].0);
    assert_eq!(old.header("cache-control").as_deref(), Some("no-store"));
    // A "Newer" link from the second page that would reach the newest article is the front page.
    let newer_than_second = pages[1].0.replace("before=", "after=");
    let top = app.get(&newer_than_second).await;
    assert_eq!(top.status, 302, "{newer_than_second}");
    assert_eq!(top.header("location").as_deref(), Some("/"));
    assert_eq!(app.get("/?page=251").await.status, 404);
}

#[actix_web::test]
async fn tag_pages_walk_in_publish_order_and_follow_a_changed_publish_time() {
    use broadsheet::schema::articles;
    use diesel::prelude::*;

    let app = TestApp::empty().await;
    app.db(|c| {
        for i in 0..70 {
            let tagged = i % 3 != 1;
            insert_article(
                c,
                &ArticleSpec {
                    tags: if tagged { vec!["Harbour"] } else { vec![] },
                    // Pairs share a publish time: ties are broken by id.
                    published_at: Some(test_now() - Duration::hours(70 - i / 2)),
                    ..ArticleSpec::new(&format!("story-{i:02}"), &format!("Story {i:02}"))
                },
            );
        }
        // Tagged but never public: a draft and a deleted story.
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour"],
                status: "draft",
                published_at: None,
                ..ArticleSpec::new("harbour-draft", "Draft")
            },
        );
        let gone = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour"],
                ..ArticleSpec::new("harbour-gone", "Gone")
            },
        );
        broadsheet::models::Article::soft_delete(c, gone, test_now()).unwrap();
    });
    let tagged: Vec<String> = (0..70)
        .rev()
        .filter(|i| i % 3 != 1)
        .map(|i| format!("story-{i:02}"))
        .collect();
    let pages = walk_older(&app, "/tags/harbour").await;
    assert_eq!(pages.len(), 3);
    let listed: Vec<String> = pages.iter().flat_map(|(_, s)| s.clone()).collect();
    assert_eq!(listed, tagged);
    // "Newer" from the last page lists what the middle page did.
    let last = app.get(&pages[2].0).await.html();
    let newer = attr_of(&last, "a[rel=prev]", "href").unwrap();
    assert_eq!(listed_slugs(&app.get(&newer).await.html()), pages[1].1);

    // Moving the oldest tagged story's publish time to now brings it to the
    // top of the tag page: the tag's copy of the time follows the article.
    app.db(|c| {
        diesel::update(articles::table.filter(articles::slug.eq("story-00")))
            .set(articles::published_at.eq(Some(test_now() - Duration::minutes(1))))
            .execute(c)
            .unwrap();
    });
    let first = listed_slugs(&app.get("/tags/harbour").await.html());
    assert_eq!(first[0], "story-00");
    // A tag added after publishing takes the article's time too.
    app.db(|c| {
        let id: i32 = articles::table
            .filter(articles::slug.eq("story-67"))
            .select(articles::id)
            .first(c)
            .unwrap();
        let tag = broadsheet::models::Tag::find_or_create(c, "harbour", "Harbour").unwrap();
        broadsheet::models::Tag::attach(c, id, tag.id).unwrap();
    });
    let first = listed_slugs(&app.get("/tags/harbour").await.html());
    assert_eq!(&first[..3], ["story-00", "story-69", "story-68"]);
    assert_eq!(first[3], "story-67");
}
