//! Site search through real HTTP: ranking, what can be found, what never is,
//! highlighted snippets, hostile queries, the empty states and pagination,
//! on SQLite and on PostgreSQL.

mod common;

use broadsheet::models::article::Article;
use chrono::Duration;
use common::*;

/// The slugs a search page lists, best match first.
async fn search_slugs(app: &TestApp, query: &str) -> Vec<String> {
    let page = app.get(&format!("/search?q={query}")).await;
    assert_eq!(page.status, 200, "{query}: {}", page.body);
    listed_slugs(&page.html())
}

/// Several articles mention the words in their body; one is about them.
fn insert_ranking_articles(c: &mut broadsheet::db::DbConn) {
    for (i, slug) in ["mention-a", "mention-b", "mention-c"].iter().enumerate() {
        insert_article(
            c,
            &ArticleSpec {
                body: format!(
                    "Council notes.\n\nThe seagrass meadow was mentioned at the meeting, \
                     and the seagrass meadow survey too. Item {i}."
                ),
                // Newer than the headline article, so date order would put them first.
                published_at: Some(test_now() - Duration::minutes(10 + i as i64)),
                ..ArticleSpec::new(slug, &format!("Council meeting {i}"))
            },
        );
    }
    insert_article(
        c,
        &ArticleSpec {
            body: "Divers mapped the bay.".into(),
            published_at: Some(test_now() - Duration::days(3)),
            ..ArticleSpec::new("meadow-returns", "Seagrass meadow returns to the bay")
        },
    );
    insert_article(c, &ArticleSpec::new("unrelated", "Ferry timetable changes"));
}

/// Articles readers must never find, each with the word "lantern".
fn insert_hidden_articles(c: &mut broadsheet::db::DbConn) {
    insert_article(
        c,
        &ArticleSpec {
            status: "draft",
            published_at: None,
            ..ArticleSpec::new("draft-lantern", "Lantern draft")
        },
    );
    insert_article(
        c,
        &ArticleSpec {
            status: "scheduled",
            published_at: Some(test_now() + Duration::hours(2)),
            ..ArticleSpec::new("scheduled-lantern", "Lantern scheduled")
        },
    );
    insert_article(
        c,
        &ArticleSpec {
            published_at: Some(test_now() + Duration::minutes(1)),
            ..ArticleSpec::new("future-lantern", "Lantern not yet")
        },
    );
    let deleted = insert_article(c, &ArticleSpec::new("deleted-lantern", "Lantern deleted"));
    Article::soft_delete(c, deleted, test_now()).unwrap();
    insert_article(c, &ArticleSpec::new("public-lantern", "Lantern festival"));
}

#[actix_web::test]
async fn an_exact_headline_match_ranks_first() {
    let app = TestApp::empty().await;
    app.db(insert_ranking_articles);
    let slugs = search_slugs(&app, "seagrass+meadow").await;
    assert_eq!(slugs.len(), 4, "{slugs:?}");
    assert_eq!(slugs[0], "meadow-returns");
    assert!(!slugs.contains(&"unrelated".to_string()));
    // Stemming: the plural finds the singular.
    assert_eq!(search_slugs(&app, "meadows").await.len(), 4);
}

#[actix_web::test]
async fn takeaways_standfirsts_and_bodies_are_searchable() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                takeaways: vec!["Tidewire hires sixty engineers.".into()],
                ..ArticleSpec::new("with-takeaway", "Funding round closes")
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                standfirst: "The yard wins a contract for survey vessels.".into(),
                ..ArticleSpec::new("with-standfirst", "Dry dock news")
            },
        );
    });
    assert_eq!(search_slugs(&app, "engineers").await, ["with-takeaway"]);
    assert_eq!(
        search_slugs(&app, "survey+vessels").await,
        ["with-standfirst"]
    );
    // Takeaways replaced later are searched by their new text only.
    app.db(|c| {
        let id = Article::find_public_by_slug(c, "with-takeaway", test_now())
            .unwrap()
            .id;
        Article::set_takeaways(c, id, &["Harbour cranes get sensors.".into()]).unwrap();
    });
    assert!(search_slugs(&app, "engineers").await.is_empty());
    assert_eq!(search_slugs(&app, "cranes").await, ["with-takeaway"]);
}

#[actix_web::test]
async fn drafts_scheduled_and_deleted_articles_are_never_found() {
    let app = TestApp::empty().await;
    app.db(insert_hidden_articles);
    let page = app.get("/search?q=lantern").await;
    assert_eq!(listed_slugs(&page.html()), ["public-lantern"]);
    for hidden in ["draft", "scheduled", "not yet", "deleted"] {
        assert!(
            !page.body.contains(&format!("Lantern {hidden}")),
            "{hidden}"
        );
    }
    // As time passes, search finds exactly the articles whose pages are
    // public (the one rule, `public_at`): never drafts or deleted ones.
    app.clock.set(test_now() + Duration::hours(3));
    let mut slugs = search_slugs(&app, "lantern").await;
    slugs.sort();
    let mut public = Vec::new();
    for slug in [
        "deleted-lantern",
        "draft-lantern",
        "future-lantern",
        "public-lantern",
        "scheduled-lantern",
    ] {
        if app.get(&format!("/articles/{slug}")).await.status == 200 {
            public.push(slug);
        }
    }
    assert_eq!(slugs, public);
    assert!(public.contains(&"future-lantern"));
    assert!(!public.contains(&"draft-lantern") && !public.contains(&"deleted-lantern"));
}

#[actix_web::test]
async fn snippets_mark_matched_words_and_escape_the_text() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                standfirst: "A short standfirst.".into(),
                body: "Fish & chips <script>alert(1)</script> cost < £5 at the \
                       *harbour* kiosk, said \"Mo\"."
                    .into(),
                ..ArticleSpec::new("kiosk", "Prices on the quay")
            },
        );
    });
    let page = app.get("/search?q=harbour").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    let snippet = select_one(&html, ".search-result__snippet").expect("a snippet");
    let inner = snippet.inner_html();
    assert!(inner.contains("<mark>harbour</mark>"), "{inner}");
    assert!(inner.contains("Fish &amp; chips"), "{inner}");
    assert!(inner.contains("&lt; £5"), "{inner}");
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert_eq!(texts_of(&html, ".search-result__snippet mark"), ["harbour"]);
}

#[actix_web::test]
async fn hostile_queries_get_a_page_never_a_server_error() {
    let app = TestApp::empty().await;
    app.db(insert_ranking_articles);
    let long = "seagrass+".repeat(1_200);
    let hostile = [
        "%22",
        "*",
        "seagrass*",
        "NEAR(",
        "NEAR(seagrass+meadow)",
        "headline:x",
        "headline:seagrass",
        "%27%3B+DROP+TABLE+articles%3B+--",
        ")(",
        "-seagrass",
        "seagrass+AND+OR+NOT",
        "%FF",
        "%FFseagrass%FE",
        "%00",
        "seagrass%00meadow",
        "%E2%80%AE%EE%80%80mark%EE%80%81",
        "&q=x",
        "%",
        "%%%",
        &long,
    ];
    for q in hostile {
        let page = app.get(&format!("/search?q={q}")).await;
        assert!(
            page.status == 200 || page.status == 400,
            "{q}: {} {}",
            page.status,
            page.body
        );
    }
    let page = app.get("/search?q=seagrass&page=abc").await;
    assert_eq!(page.status, 400);
    // The articles are all still there.
    assert_eq!(listed_slugs(&app.get("/").await.html()).len(), 5);
    assert_eq!(search_slugs(&app, "seagrass").await.len(), 4);
}

#[actix_web::test]
async fn empty_and_wordless_queries_get_a_friendly_page() {
    let app = TestApp::empty().await;
    app.db(insert_ranking_articles);
    for path in ["/search", "/search?q=", "/search?q=+++"] {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        let html = page.html();
        assert!(select_one(&html, "form[role=search] label[for=search-q]").is_some());
        assert_eq!(
            attr_of(&html, "#search-q", "name").as_deref(),
            Some("q"),
            "{path}"
        );
        assert!(text_of(&html, ".search-empty")
            .unwrap()
            .contains("Type a word"));
        assert!(listed_slugs(&html).is_empty());
    }
    let page = app.get("/search?q=%22*%22").await;
    assert_eq!(page.status, 200);
    assert!(text_of(&page.html(), ".search-empty")
        .unwrap()
        .contains("no words to search for"));
    let page = app.get("/search?q=zeppelin").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert!(text_of(&html, ".search-empty")
        .unwrap()
        .contains("No articles match “zeppelin”"));
    assert_eq!(
        attr_of(&html, "#search-q", "value").as_deref(),
        Some("zeppelin")
    );
}

#[actix_web::test]
async fn search_pages_are_not_indexed_and_paginate_with_the_query() {
    let app = TestApp::empty().await;
    app.db(|c| {
        for i in 0..23 {
            insert_article(
                c,
                &ArticleSpec {
                    published_at: Some(test_now() - Duration::hours(30 - i)),
                    ..ArticleSpec::new(&format!("quay-{i:02}"), &format!("Quay works {i:02}"))
                },
            );
        }
    });
    let first = app.get("/search?q=quay+works").await;
    let html = first.html();
    assert_eq!(
        attr_of(&html, "meta[name=robots]", "content").as_deref(),
        Some("noindex")
    );
    let slugs = listed_slugs(&html);
    assert_eq!(slugs.len(), 20);
    assert!(text_of(&html, ".search-summary")
        .unwrap()
        .starts_with("23 articles match"));
    assert_eq!(
        attr_of(&html, "link[rel=next]", "href").as_deref(),
        Some("https://news.example/search?q=quay%20works&page=2")
    );
    assert_eq!(
        attr_of(&html, ".pager a[rel=next]", "href").as_deref(),
        Some("/search?q=quay%20works&page=2")
    );
    assert!(select_one(&html, "link[rel=prev]").is_none());
    let second = app.get("/search?q=quay%20works&page=2").await;
    assert_eq!(second.status, 200);
    let html = second.html();
    let rest = listed_slugs(&html);
    assert_eq!(rest.len(), 3);
    assert!(rest.iter().all(|s| !slugs.contains(s)), "{rest:?}");
    assert_eq!(
        attr_of(&html, "link[rel=prev]", "href").as_deref(),
        Some("https://news.example/search?q=quay%20works")
    );
    assert!(select_one(&html, "link[rel=next]").is_none());
    assert_eq!(app.get("/search?q=quay+works&page=3").await.status, 404);
}

#[actix_web::test]
async fn search_ranks_and_filters_the_same_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    app.db(|c| {
        insert_ranking_articles(c);
        insert_hidden_articles(c);
        insert_article(
            c,
            &ArticleSpec {
                takeaways: vec!["Tidewire hires sixty engineers.".into()],
                body: "Costs <b>rose</b> & the harbour board met.".into(),
                ..ArticleSpec::new("with-takeaway", "Funding round closes")
            },
        );
    });
    let slugs = search_slugs(&app, "seagrass+meadow").await;
    assert_eq!(slugs.len(), 4, "{slugs:?}");
    assert_eq!(slugs[0], "meadow-returns");
    assert_eq!(search_slugs(&app, "lantern").await, ["public-lantern"]);
    assert_eq!(search_slugs(&app, "engineers").await, ["with-takeaway"]);
    let page = app.get("/search?q=harbour").await;
    let inner = select_one(&page.html(), ".search-result__snippet")
        .unwrap()
        .inner_html();
    assert!(inner.contains("<mark>harbour</mark>"), "{inner}");
    assert!(inner.contains("&amp;"), "{inner}");
    for q in [
        "%22",
        "NEAR(",
        "headline:x",
        "%27%3B+DROP+TABLE+articles%3B+--",
        "%FF",
        "%00",
        "the",
    ] {
        let page = app.get(&format!("/search?q={q}")).await;
        assert_eq!(page.status, 200, "{q}: {}", page.body);
    }
    assert_eq!(listed_slugs(&app.get("/").await.html()).len(), 7);
}

/// A word in most of the archive costs no more than the newest
/// `MAX_RANKED` of its matches: the oldest matching article, although its
/// headline is the best match, is beyond them, and a narrower query still
/// finds it.
#[actix_web::test]
async fn a_common_word_ranks_only_the_newest_matches_and_says_so() {
    use broadsheet::models::search::MAX_RANKED;
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                body: "The beacon was lit again after a century.".into(),
                published_at: Some(test_now() - Duration::days(400)),
                ..ArticleSpec::new("oldest-lighthouse", "Lighthouse lighthouse lighthouse")
            },
        );
        for i in 0..MAX_RANKED {
            insert_article(
                c,
                &ArticleSpec {
                    body: format!("The lighthouse keeper's log, entry {i}."),
                    published_at: Some(test_now() - Duration::minutes(MAX_RANKED - i)),
                    ..ArticleSpec::new(&format!("log-{i}"), &format!("Harbour log {i}"))
                },
            );
        }
        // The newest matches include drafts: they take places among the
        // ranked, and there are still more matches than are ranked.
        for i in 0..5 {
            insert_article(
                c,
                &ArticleSpec {
                    status: "draft",
                    published_at: None,
                    body: "A lighthouse draft.".into(),
                    ..ArticleSpec::new(&format!("draft-{i}"), "Lighthouse draft")
                },
            );
        }
    });
    let page = app.get("/search?q=lighthouse").await;
    assert_eq!(page.status, 200);
    let summary = text_of(&page.html(), ".search-summary").unwrap();
    assert!(
        summary.starts_with("More than 1,000 articles match “lighthouse”"),
        "{summary}"
    );
    let slugs = listed_slugs(&page.html());
    assert_eq!(slugs.len(), 20);
    assert!(
        !slugs.contains(&"oldest-lighthouse".to_string()),
        "{slugs:?}"
    );
    // Fifty pages of twenty, then no more.
    assert_eq!(app.get("/search?q=lighthouse&page=50").await.status, 200);
    assert_eq!(app.get("/search?q=lighthouse&page=51").await.status, 404);
    // A second word narrows the matches to the one article: found, and no
    // longer "more than".
    let page = app.get("/search?q=lighthouse+beacon").await;
    assert_eq!(listed_slugs(&page.html()), ["oldest-lighthouse"]);
    let summary = text_of(&page.html(), ".search-summary").unwrap();
    assert!(summary.starts_with("1 article matches"), "{summary}");
}
