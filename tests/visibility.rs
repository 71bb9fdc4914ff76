//! What readers never see: drafts, scheduled articles before their time and
//! deleted articles are 404 and appear in no list.

mod common;

use broadsheet::models::article::Article;
use chrono::Duration;
use common::*;

fn hidden_articles() -> Vec<ArticleSpec> {
    vec![
        ArticleSpec {
            status: "draft",
            published_at: None,
            ..ArticleSpec::new("a-draft", "A Draft")
        },
        ArticleSpec {
            status: "scheduled",
            published_at: Some(test_now() + Duration::hours(2)),
            ..ArticleSpec::new("a-scheduled", "A Scheduled Story")
        },
        // Published status but a publish time still ahead: not public either.
        ArticleSpec {
            status: "published",
            published_at: Some(test_now() + Duration::minutes(1)),
            ..ArticleSpec::new("a-future", "A Future Story")
        },
    ]
}

#[actix_web::test]
async fn drafts_scheduled_and_deleted_articles_are_404_and_never_listed() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(c, &ArticleSpec::new("visible", "Visible Story"));
        for spec in hidden_articles() {
            insert_article(c, &spec);
        }
        let deleted = insert_article(c, &ArticleSpec::new("a-deleted", "A Deleted Story"));
        Article::soft_delete(c, deleted, test_now()).unwrap();
    });
    for slug in ["a-draft", "a-scheduled", "a-future", "a-deleted"] {
        let page = app.get(&format!("/articles/{slug}")).await;
        assert_eq!(page.status, 404, "{slug}");
        assert!(
            page.body.contains("Page not found"),
            "{slug}: styled 404 expected"
        );
    }
    assert_eq!(app.get("/articles/visible").await.status, 200);
    for list in ["/", "/sections/city", "/authors/ada-reed"] {
        let page = app.get(list).await;
        assert_eq!(page.status, 200, "{list}");
        assert_eq!(listed_slugs(&page.html()), ["visible"], "{list}");
        for hidden in [
            "A Draft",
            "A Scheduled Story",
            "A Future Story",
            "A Deleted Story",
        ] {
            assert!(!page.body.contains(hidden), "{hidden} leaked on {list}");
        }
    }
}

#[actix_web::test]
async fn scheduled_article_goes_live_by_itself_at_its_time() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                status: "published",
                published_at: Some(test_now() + Duration::hours(2)),
                ..ArticleSpec::new("at-two", "Goes Live At Two")
            },
        )
    });
    assert_eq!(app.get("/articles/at-two").await.status, 404);
    app.clock.set(test_now() + Duration::hours(2));
    assert_eq!(app.get("/articles/at-two").await.status, 200);
    assert_eq!(listed_slugs(&app.get("/").await.html()), ["at-two"]);
}

#[actix_web::test]
async fn public_rule_is_one_query_filter_tested_against_the_database() {
    let app = TestApp::empty().await;
    let now = test_now();
    app.db(|c| {
        insert_article(c, &ArticleSpec::new("pub", "Pub"));
        for spec in hidden_articles() {
            insert_article(c, &spec);
        }
        let cases = [
            ("pub", true),
            ("a-draft", false),
            ("a-scheduled", false),
            ("a-future", false),
        ];
        for (slug, public) in cases {
            assert_eq!(
                Article::find_public_by_slug(c, slug, now).is_ok(),
                public,
                "{slug}"
            );
        }
        // The in-memory rule for a loaded row agrees with the SQL filter.
        for slug in ["pub", "a-draft", "a-scheduled", "a-future"] {
            use broadsheet::schema::articles::dsl;
            use diesel::prelude::*;
            let row: Article = dsl::articles
                .filter(dsl::slug.eq(slug))
                .select(Article::as_select())
                .first(c)
                .unwrap();
            for at in [now, now + Duration::hours(3), now + Duration::days(999)] {
                assert_eq!(
                    row.is_public(at),
                    Article::find_public_by_slug(c, slug, at).is_ok(),
                    "{slug} at {at}"
                );
            }
        }
        // Exactly at its publish time an article is public.
        assert!(Article::find_public_by_slug(c, "a-future", now + Duration::minutes(1)).is_ok());
        // A draft stays hidden however late it gets.
        assert!(Article::find_public_by_slug(c, "a-draft", now + Duration::days(999)).is_err());
    });
}
