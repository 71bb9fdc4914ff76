//! The related-articles engine's promises, through the real article page:
//! who may be a candidate, how the signals rank them, the minimum score and
//! its fallback text, pins, the stored list and its refresh, the rebuild
//! command, and PostgreSQL.

mod common;

use broadsheet::models::article::Article;
use broadsheet::models::related as stored;
use broadsheet::models::related_index as jobs;
use broadsheet::related;
use chrono::Duration;
use common::*;

const FALLBACK: &str = "📰 No related articles found";

/// Unrelated stories in another section, so that the test corpus is not so
/// tiny that every shared word and tag looks common.
fn fillers(c: &mut broadsheet::db::DbConn) {
    for (i, text) in [
        "The bus depot will charge electric buses overnight from a new substation.",
        "Hospital managers opened a second ward for children with breathing problems.",
        "The museum restored a Victorian steam engine found in a scrapyard.",
        "Police closed the coast road after a lorry shed its load of timber.",
        "A chess club for pensioners meets every Tuesday in the church hall.",
        "The cinema will show silent films with a live organist this winter.",
    ]
    .iter()
    .enumerate()
    {
        insert_article(
            c,
            &ArticleSpec {
                section: Some(("sport", "Sport")),
                published_at: Some(test_now() - Duration::days(10)),
                ..story(&format!("filler-{i}"), &format!("Filler {i}"), text)
            },
        );
    }
}

/// The article slugs in a page's related sidebar, in order.
async fn related_on_page(app: &TestApp, slug: &str) -> Vec<String> {
    let page = app.get(&format!("/articles/{slug}")).await;
    assert_eq!(page.status, 200, "{slug}");
    page.html()
        .select(&sel(".related .card__headline a"))
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|h| h.strip_prefix("/articles/"))
        .map(str::to_string)
        .collect()
}

/// A published article about `topic`, with its own words so that stories
/// only look alike when a test means them to.
fn story(slug: &str, headline: &str, text: &str) -> ArticleSpec {
    ArticleSpec {
        standfirst: text.into(),
        body: format!("{text}\n\nReporting by the city desk."),
        section: Some(("city", "City")),
        ..ArticleSpec::new(slug, headline)
    }
}

const SEAGRASS: &str = "Divers planted seagrass seeds across the bay to restore the underwater \
                        meadow that shelters young fish and stores carbon in the seabed.";
const SEAGRASS_TOO: &str = "Marine biologists counted seagrass shoots and found the underwater \
                            meadow recovering, sheltering young fish above the seabed.";
const FOOTBALL: &str = "The football club unveiled plans for a new stadium beside the bypass \
                        with seats for eight thousand supporters.";
const BAKERY: &str = "A bakery on the high street won a national award for its sourdough loaves \
                      and cinnamon buns.";
const CHOIR: &str = "The community choir rehearsed carols in the old chapel ahead of its winter \
                     concert for charity.";

#[actix_web::test]
async fn candidates_are_published_articles_never_drafts_scheduled_deleted_or_itself() {
    let app = TestApp::empty().await;
    app.db(|c| {
        let tags = vec!["Seagrass"];
        insert_article(
            c,
            &ArticleSpec {
                tags: tags.clone(),
                ..story("main", "Seagrass returns to the bay", SEAGRASS)
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                tags: tags.clone(),
                ..story("twin", "Seagrass meadow recovering", SEAGRASS_TOO)
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                tags: tags.clone(),
                status: "draft",
                published_at: None,
                ..story("draft-twin", "Draft seagrass", SEAGRASS)
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                tags: tags.clone(),
                status: "scheduled",
                published_at: Some(test_now() + Duration::days(2)),
                ..story("scheduled-twin", "Scheduled seagrass", SEAGRASS)
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                tags: tags.clone(),
                published_at: Some(test_now() + Duration::hours(3)),
                ..story("future-twin", "Future seagrass", SEAGRASS)
            },
        );
        let deleted = insert_article(
            c,
            &ArticleSpec {
                tags: tags.clone(),
                ..story("deleted-twin", "Deleted seagrass", SEAGRASS)
            },
        );
        Article::soft_delete(c, deleted, test_now()).unwrap();
        related::rebuild_all(c, test_now()).unwrap();
    });
    assert_eq!(related_on_page(&app, "main").await, ["twin"]);

    // A future article's place is kept for it: it shows once its time comes.
    app.clock.set(test_now() + Duration::hours(4));
    assert_eq!(related_on_page(&app, "main").await, ["future-twin", "twin"]);
}

#[actix_web::test]
async fn a_rare_shared_tag_outweighs_a_common_one() {
    let app = TestApp::empty().await;
    let (main, rare) = app.db(|c| {
        // "Port Calder" is on every article; "Tidal Energy" on two.
        let main = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Tidal Energy", "Port Calder"],
                section: Some(("science", "Science")),
                ..story("main", "Turbine trial begins", BAKERY)
            },
        );
        let rare = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Tidal Energy"],
                section: Some(("business", "Business")),
                published_at: Some(test_now() - Duration::days(30)),
                ..story("rare", "Investors circle", CHOIR)
            },
        );
        for i in 0..8 {
            insert_article(
                c,
                &ArticleSpec {
                    tags: vec!["Port Calder"],
                    section: Some(("business", "Business")),
                    ..story(
                        &format!("common-{i}"),
                        &format!("Town news {i}"),
                        &format!(
                            "{FOOTBALL} Item {}",
                            [
                                "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta",
                                "theta"
                            ][i]
                        ),
                    )
                },
            );
        }
        related::rebuild_all(c, test_now()).unwrap();
        (main, rare)
    });
    let shown = related_on_page(&app, "main").await;
    assert_eq!(shown.first().map(String::as_str), Some("rare"), "{shown:?}");

    // The admin page can say why: the shared tag, its weight, no text in common.
    let reasons = app.db(|c| stored::related_with_reasons(c, main).unwrap());
    let first = &reasons[0];
    assert_eq!(first.related_id, rare);
    assert_eq!(first.shared_tag_names(), ["Tidal Energy"]);
    assert!(!first.same_section && !first.pinned);
    for other in &reasons[1..] {
        assert!(other.tag_score < first.tag_score, "{reasons:?}");
    }
}

#[actix_web::test]
async fn the_same_section_counts() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                section: Some(("environment", "Environment")),
                ..story("main", "Seagrass returns", SEAGRASS)
            },
        );
        // Alike in every way but the section; the same-section one is older.
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                section: Some(("environment", "Environment")),
                published_at: Some(test_now() - Duration::days(20)),
                ..story("same-section", "Meadow survey", SEAGRASS_TOO)
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                section: Some(("science", "Science")),
                published_at: Some(test_now() - Duration::days(1)),
                ..story("other-section", "Meadow survey", SEAGRASS_TOO)
            },
        );
        fillers(c);
        related::rebuild_all(c, test_now()).unwrap();
    });
    assert_eq!(
        related_on_page(&app, "main").await,
        ["same-section", "other-section"]
    );
}

#[actix_web::test]
async fn text_similarity_finds_a_related_story_with_no_shared_tag() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Environment"],
                section: Some(("environment", "Environment")),
                ..story("main", "Seagrass returns to the bay", SEAGRASS)
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                tags: vec![],
                section: Some(("science", "Science")),
                ..story("untagged-seagrass", "Meadow shoots counted", SEAGRASS_TOO)
            },
        );
        for (slug, text) in [("football", FOOTBALL), ("bakery", BAKERY), ("choir", CHOIR)] {
            insert_article(
                c,
                &ArticleSpec {
                    section: Some(("science", "Science")),
                    ..story(slug, slug, text)
                },
            );
        }
        related::rebuild_all(c, test_now()).unwrap();
    });
    assert_eq!(related_on_page(&app, "main").await, ["untagged-seagrass"]);
}

#[actix_web::test]
async fn recency_breaks_equal_scores_and_a_fresh_story_beats_an_old_one() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("main", "Seagrass returns", SEAGRASS)
            },
        );
        for (slug, days) in [("years-old", 3 * 365), ("fresh", 2), ("months-old", 90)] {
            insert_article(
                c,
                &ArticleSpec {
                    tags: vec!["Seagrass"],
                    published_at: Some(test_now() - Duration::days(days)),
                    ..story(slug, "Meadow survey", SEAGRASS_TOO)
                },
            );
        }
        related::rebuild_all(c, test_now()).unwrap();
    });
    assert_eq!(
        related_on_page(&app, "main").await,
        ["fresh", "months-old", "years-old"]
    );
}

#[actix_web::test]
async fn below_the_minimum_score_the_sidebar_shows_the_fallback_text() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(c, &story("main", "Seagrass returns", SEAGRASS));
        // Same section, newer, but about something else: not related.
        for (slug, text) in [("football", FOOTBALL), ("bakery", BAKERY), ("choir", CHOIR)] {
            insert_article(
                c,
                &ArticleSpec {
                    published_at: Some(test_now() - Duration::minutes(5)),
                    ..story(slug, slug, text)
                },
            );
        }
        related::rebuild_all(c, test_now()).unwrap();
    });
    let html = app.get("/articles/main").await.html();
    assert_eq!(text_of(&html, ".related__empty").unwrap(), FALLBACK);
    assert!(select_one(&html, ".related .card").is_none());
}

#[actix_web::test]
async fn pinned_articles_come_first_then_the_engine_fills_the_rest() {
    let app = TestApp::empty().await;
    let (main, pinned, twin) = app.db(|c| {
        let main = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("main", "Seagrass returns", SEAGRASS)
            },
        );
        let twin = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("twin", "Meadow survey", SEAGRASS_TOO)
            },
        );
        for i in 0..4 {
            insert_article(
                c,
                &ArticleSpec {
                    tags: vec!["Seagrass"],
                    published_at: Some(test_now() - Duration::days(i + 2)),
                    ..story(&format!("more-{i}"), "Meadow survey", SEAGRASS_TOO)
                },
            );
        }
        let pinned = insert_article(c, &story("bakery", "Bakery award", BAKERY));
        related::rebuild_all(c, test_now()).unwrap();
        (main, pinned, twin)
    });
    assert_eq!(
        related_on_page(&app, "main").await,
        ["twin", "more-0", "more-1", "more-2"]
    );

    // Pins show at once, in the editor's order; an article the engine chose
    // too appears once, in its pinned place.
    app.db(|c| stored::set_pins(c, main, &[pinned, twin, main]).unwrap());
    assert_eq!(
        related_on_page(&app, "main").await,
        ["bakery", "twin", "more-0", "more-1"]
    );
    // A recomputation keeps them, now with their reasons.
    app.db(|c| related::rebuild_all(c, test_now()).unwrap());
    assert_eq!(
        related_on_page(&app, "main").await,
        ["bakery", "twin", "more-0", "more-1"]
    );
    let reasons = app.db(|c| stored::related_with_reasons(c, main).unwrap());
    assert!(reasons[0].pinned && reasons[1].pinned && !reasons[2].pinned);
    assert!(reasons[1].text_score > 0 && reasons[1].shared_tag_names() == ["Seagrass"]);
    assert_eq!(reasons.len(), 2 + 4, "the engine's rows exclude the pins");
}

#[actix_web::test]
async fn the_page_shows_the_stored_list_and_a_deleted_article_leaves_it_at_once() {
    let app = TestApp::empty().await;
    let twin = app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("main", "Seagrass returns", SEAGRASS)
            },
        );
        let twin = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("twin", "Meadow survey", SEAGRASS_TOO)
            },
        );
        for i in 0..4 {
            insert_article(
                c,
                &ArticleSpec {
                    tags: vec!["Seagrass"],
                    published_at: Some(test_now() - Duration::days(i + 2)),
                    ..story(&format!("more-{i}"), "Meadow survey", SEAGRASS_TOO)
                },
            );
        }
        // Unrelated stories too: in a corpus of seagrass stories alone, every
        // seagrass word is on every article and says nothing.
        fillers(c);
        related::rebuild_all(c, test_now()).unwrap();
        twin
    });
    assert_eq!(
        related_on_page(&app, "main").await,
        ["twin", "more-0", "more-1", "more-2"]
    );

    // A new story written behind the engine's back is not on the page: the
    // page reads the stored list, it does not compute one.
    let newest = app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                published_at: Some(test_now() - Duration::minutes(1)),
                ..story("newest", "Meadow survey", SEAGRASS_TOO)
            },
        )
    });
    assert_eq!(
        related_on_page(&app, "main").await,
        ["twin", "more-0", "more-1", "more-2"]
    );

    // Deleting an article takes it off every list at once, before any
    // refresh: the next stored row fills its place.
    app.db(|c| Article::soft_delete(c, twin, test_now()).unwrap());
    assert_eq!(
        related_on_page(&app, "main").await,
        ["more-0", "more-1", "more-2", "more-3"]
    );

    // The background refresh after a change reaches the neighbours' lists.
    let refreshed = related::refresh_for_change(app.state.pool.clone(), newest, test_now())
        .join()
        .unwrap()
        .unwrap();
    assert!(refreshed >= 2, "{refreshed}");
    // (Where it ranks among the equally relevant "more-" stories depends on
    // document frequencies that moved when it was indexed: a corpus of eight.)
    let main = common::admin::article_id(&app, "main");
    let main_list = app.db(|c| stored::related_with_reasons(c, main).unwrap());
    assert!(
        main_list.iter().any(|r| r.slug == "newest"),
        "{main_list:?}"
    );
    let refreshed = related::refresh_for_change(app.state.pool.clone(), twin, test_now())
        .join()
        .unwrap()
        .unwrap();
    assert!(refreshed >= 1);
    let lists_showing_twin = app.db(|c| stored::listing(c, twin).unwrap());
    assert!(lists_showing_twin.is_empty(), "{lists_showing_twin:?}");
}

#[actix_web::test]
async fn the_rebuild_command_recomputes_every_list() {
    let app = TestApp::empty().await;
    let ids = app.db(|c| {
        let main = insert_article(c, &story("main", "Seagrass returns", SEAGRASS));
        let twin = insert_article(
            c,
            &ArticleSpec {
                section: Some(("science", "Science")),
                ..story("twin", "Seagrass meadow survey", SEAGRASS_TOO)
            },
        );
        let bakery = insert_article(c, &story("bakery", "Bakery award", BAKERY));
        fillers(c);
        [main, twin, bakery]
    });
    // Never computed: the simple rule (same section) stands in.
    assert_eq!(related_on_page(&app, "main").await, ["bakery"]);

    let database_url = app.database_url();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(["related", "rebuild", "--database-url", &database_url])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for id in ids {
        assert!(app.db(|c| stored::is_computed(c, id).unwrap()), "{id}");
    }
    assert_eq!(related_on_page(&app, "main").await, ["twin"]);
    assert_eq!(related_on_page(&app, "bakery").await, Vec::<String>::new());
}

#[actix_web::test]
async fn stored_lists_pins_and_deletion_work_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    let (main, pinned, twin) = app.db(|c| {
        let main = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("main", "Seagrass returns", SEAGRASS)
            },
        );
        let twin = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("twin", "Meadow survey", SEAGRASS_TOO)
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                published_at: Some(test_now() - Duration::days(3)),
                ..story("older", "Older survey", SEAGRASS_TOO)
            },
        );
        let pinned = insert_article(c, &story("bakery", "Bakery award", BAKERY));
        insert_article(c, &story("choir", "Choir concert", CHOIR));
        assert_eq!(related::rebuild_all(c, test_now()).unwrap(), 5);
        (main, pinned, twin)
    });
    assert_eq!(related_on_page(&app, "main").await, ["twin", "older"]);
    app.db(|c| stored::set_pins(c, main, &[pinned]).unwrap());
    assert_eq!(
        related_on_page(&app, "main").await,
        ["bakery", "twin", "older"]
    );
    app.db(|c| Article::soft_delete(c, twin, test_now()).unwrap());
    assert_eq!(related_on_page(&app, "main").await, ["bakery", "older"]);
    related::refresh_for_change(app.state.pool.clone(), twin, test_now())
        .join()
        .unwrap()
        .unwrap();
    let reasons = app.db(|c| stored::related_with_reasons(c, main).unwrap());
    assert_eq!(
        reasons.iter().map(|r| r.slug.as_str()).collect::<Vec<_>>(),
        ["bakery", "older"]
    );
    assert_eq!(related_on_page(&app, "choir").await, Vec::<String>::new());
}

/// Waits until an app's background refreshes are done.
async fn settle(state: &broadsheet::AppState) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !state.related_refresh.is_idle() {
        assert!(
            std::time::Instant::now() < deadline,
            "the background refresh did not finish"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A second instance of the app on the same database (as after a restart).
async fn restart(app: &TestApp) -> actix_web::web::Data<broadsheet::AppState> {
    let mut config = TestApp::config(&app.dir, false);
    config.database_url = app.database_url();
    let clock = app.clock.clone();
    let state = actix_web::web::block(move || broadsheet::AppState::init(&config, clock))
        .await
        .unwrap()
        .unwrap();
    actix_web::web::Data::new(state)
}

#[actix_web::test]
async fn a_refresh_abandoned_midway_is_completed_after_a_restart() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("main", "Seagrass returns", SEAGRASS)
            },
        );
        fillers(c);
        related::rebuild_all(c, test_now()).unwrap();
    });
    assert_eq!(related_on_page(&app, "main").await, Vec::<String>::new());

    // A related story is saved; the instance that claimed its job dies
    // before storing anything: the job row stays, claimed an hour ago.
    let (twin, claimed) = app.db(|c| {
        let twin = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("twin", "Meadow survey", SEAGRASS_TOO)
            },
        );
        jobs::request_job(c, twin, test_now()).unwrap();
        let claimed =
            jobs::claim_jobs(c, test_now() - Duration::hours(1), related::LEASE, 16).unwrap();
        (twin, claimed)
    });
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].0, twin);
    // Claimed, so nobody else takes it while its lease runs...
    let again = app.db(|c| {
        jobs::claim_jobs(c, test_now() - Duration::minutes(59), related::LEASE, 16).unwrap()
    });
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(related_on_page(&app, "main").await, Vec::<String>::new());

    // ...but after a restart the abandoned job is taken up and completed.
    let state = restart(&app).await;
    settle(&state).await;
    app.notice_changes();
    assert_eq!(app.db(|c| jobs::jobs_pending(c).unwrap()), 0);
    assert_eq!(related_on_page(&app, "main").await, ["twin"]);
    assert_eq!(related_on_page(&app, "twin").await, ["main"]);
}

#[actix_web::test]
async fn a_job_another_instance_is_doing_is_left_to_it() {
    let app = TestApp::empty().await;
    let main = app.db(|c| {
        let main = insert_article(c, &story("main", "Seagrass returns", SEAGRASS));
        related::rebuild_all(c, test_now()).unwrap();
        jobs::request_job(c, main, test_now()).unwrap();
        // Claimed a minute ago by a live instance.
        jobs::claim_jobs(c, test_now() - Duration::minutes(1), related::LEASE, 16).unwrap();
        main
    });
    let state = restart(&app).await;
    settle(&state).await;
    assert_eq!(app.db(|c| jobs::jobs_pending(c).unwrap()), 1, "{main}");
}

#[actix_web::test]
async fn lists_never_computed_show_the_section_meanwhile_and_are_computed_in_the_background() {
    let app = TestApp::empty().await;
    app.db(|c| {
        // Written behind the engine's back (an import): no list computed.
        insert_article(c, &story("main", "Seagrass returns", SEAGRASS));
        insert_article(
            c,
            &ArticleSpec {
                section: Some(("science", "Science")),
                ..story("twin", "Seagrass meadow survey", SEAGRASS_TOO)
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                published_at: Some(test_now() - Duration::minutes(5)),
                ..story("bakery", "Bakery award", BAKERY)
            },
        );
        fillers(c);
    });
    // Meanwhile: the newest public stories of the same section (one indexed query).
    assert_eq!(related_on_page(&app, "main").await, ["bakery"]);
    // The worker queues never-computed lists when an instance starts.
    let state = restart(&app).await;
    settle(&state).await;
    app.notice_changes();
    assert_eq!(related_on_page(&app, "main").await, ["twin"]);
    assert_eq!(related_on_page(&app, "bakery").await, Vec::<String>::new());
}

#[actix_web::test]
async fn the_rebuild_command_stores_lists_as_long_as_the_configured_limit() {
    let app = TestApp::empty().await;
    let main = app.db(|c| {
        let main = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("main", "Seagrass returns", SEAGRASS)
            },
        );
        for i in 0..14 {
            insert_article(
                c,
                &ArticleSpec {
                    tags: vec!["Seagrass"],
                    published_at: Some(test_now() - Duration::days(i + 1)),
                    ..story(&format!("more-{i}"), "Meadow survey", SEAGRASS_TOO)
                },
            );
        }
        fillers(c);
        main
    });
    let database_url = app.database_url();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(["related", "rebuild", "--database-url", &database_url])
        .env("BROADSHEET_RELATED_LIMIT", "7")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = app.db(|c| stored::related_with_reasons(c, main).unwrap());
    assert_eq!(rows.len(), 7 + related::SPARE_ROWS);
}

#[actix_web::test]
async fn the_edit_page_lists_only_what_the_public_page_shows() {
    let app = TestApp::empty().await;
    let (main, draft) = app.db(|c| {
        let main = insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("main", "Seagrass returns", SEAGRASS)
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Seagrass"],
                ..story("twin", "Meadow survey", SEAGRASS_TOO)
            },
        );
        let draft = insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                published_at: None,
                ..story("draft-story", "Unfinished draft", BAKERY)
            },
        );
        fillers(c);
        related::rebuild_all(c, test_now()).unwrap();
        (main, draft)
    });
    app.db(|c| stored::set_pins(c, main, &[draft]).unwrap());
    // The public page replaces the pinned draft...
    assert_eq!(related_on_page(&app, "main").await, ["twin"]);
    // ...so the edit page does not list it as shown.
    let mut editor = app
        .signed_in("ed@news.example", broadsheet::models::user::Role::Editor)
        .await;
    let edit = editor
        .get(&format!("/admin/articles/{main}/edit"))
        .await
        .html();
    let shown = texts_of(&edit, ".reasons li");
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].contains("Meadow survey"), "{shown:?}");
}

#[actix_web::test]
async fn stories_about_the_same_people_and_places_are_related_without_shared_words_or_tags() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &story(
                "okafor-resigns",
                "Councillor quits over harbour contract",
                "Councillor Lena Okafor stepped down after questions about the Gull Island \
                 Ferry Company contract she approved.",
            ),
        );
        insert_article(
            c,
            &ArticleSpec {
                section: Some(("business", "Business")),
                ..story(
                    "ferry-audit",
                    "Auditors open the books",
                    "Auditors began examining payments by the Gull Island Ferry Company, \
                     including those signed off by Lena Okafor.",
                )
            },
        );
        insert_article(c, &story("bakery", "Bakery award", BAKERY));
        insert_article(c, &story("choir", "Choir concert", CHOIR));
        fillers(c);
        related::rebuild_all(c, test_now()).unwrap();
    });
    assert_eq!(
        related_on_page(&app, "okafor-resigns").await,
        ["ferry-audit"]
    );
    let id = common::admin::article_id(&app, "okafor-resigns");
    let reasons = app.db(|c| stored::related_with_reasons(c, id).unwrap());
    assert!(reasons[0].name_score > reasons[0].text_score, "{reasons:?}");
}

#[actix_web::test]
async fn two_instances_on_postgres_do_each_change_once() {
    let Some(first) = TestApp::on_postgres(false).await else {
        return;
    };
    let second = first.another_instance().await;
    let ids = first.db(|c| {
        let main = insert_article(c, &story("main", "Seagrass returns", SEAGRASS));
        let twin = insert_article(c, &story("twin", "Seagrass returns to the bay", SEAGRASS));
        related::rebuild_all(c, test_now()).unwrap();
        vec![main, twin]
    });
    settle(&first.state).await;
    settle(&second.state).await;
    let before = first.state.related_refresh.refreshed() + second.state.related_refresh.refreshed();
    // Two changes, as saves write them; both instances are woken at once and
    // race for the job rows.
    first.db(|c| {
        for &id in &ids {
            jobs::request_job(c, id, test_now()).unwrap();
        }
    });
    first.state.related_refresh.poke();
    second.state.related_refresh.poke();
    settle(&first.state).await;
    settle(&second.state).await;
    let after = first.state.related_refresh.refreshed() + second.state.related_refresh.refreshed();
    assert_eq!(after - before, 2, "each change is refreshed exactly once");
    assert_eq!(first.read(|c| jobs::jobs_pending(c).unwrap()), 0);
}

/// The rebuild scores from memory and loads the postings in bulk; a refresh
/// scores from the postings in the database. On a generated archive large
/// enough to have terms too common to nominate candidates (the rebuild keeps
/// only the others in memory), both must give the same lists and postings.
#[test]
fn the_rebuild_and_a_refresh_agree_on_a_generated_archive() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("generated.db").display());
    for args in [
        &["generate", "--articles", "1200", "--database-url", &url][..],
        &["related", "rebuild", "--database-url", &url][..],
    ] {
        let run = run_binary(args, b"");
        assert!(run.ok, "{args:?}: {}", run.stderr);
    }
    let pool = broadsheet::db::connect(&url).unwrap();
    let c = &mut pool.get().unwrap();
    let now = chrono::Utc::now().naive_utc();
    let mut ids = stored::computed_ids(c).unwrap();
    ids.sort_unstable();
    assert!(ids.len() > 1000, "{} lists", ids.len());
    let sample: Vec<i32> = ids.iter().step_by(40).copied().collect();

    let keep = related::DEFAULT_RELATED_LIMIT + related::SPARE_ROWS;
    let mut listed = 0;
    for &id in &sample {
        let rebuilt: Vec<i32> = stored::order_of(c, id)
            .unwrap()
            .into_iter()
            .filter(|(pinned, _)| !pinned)
            .map(|(_, related_id)| related_id)
            .collect();
        let scored: Vec<i32> = related::related_to(c, id, now, keep)
            .unwrap()
            .iter()
            .map(|s| s.article_id)
            .collect();
        assert_eq!(rebuilt, scored, "the list of article {id}");
        listed += rebuilt.len();
    }
    assert!(listed > sample.len(), "lists are mostly empty: {listed}");

    let cap = related::postings_cap(i32::try_from(ids.len()).unwrap());
    let mut common_terms = 0;
    for &id in &sample {
        let rebuilt = jobs::postings_of(c, id).unwrap();
        related::refresh(c, id, now, related::DEFAULT_RELATED_LIMIT).unwrap();
        let reindexed = jobs::postings_of(c, id).unwrap();
        let terms = |p: &[(i32, String, i32, f32)]| {
            let mut t: Vec<String> = p.iter().map(|(_, term, ..)| term.clone()).collect();
            t.sort();
            t
        };
        assert_eq!(
            terms(&rebuilt),
            terms(&reindexed),
            "the terms of article {id}"
        );
        for (term_id, term, df, weight) in &rebuilt {
            let again = reindexed.iter().find(|p| &p.1 == term).unwrap();
            assert_eq!(
                (term_id, df),
                (&again.0, &again.2),
                "{term} of article {id}"
            );
            assert!((weight - again.3).abs() < 1e-5, "{term} of article {id}");
            common_terms += usize::from(*df > cap);
        }
    }
    assert!(common_terms > 0, "no term above the cap of {cap}");
}
