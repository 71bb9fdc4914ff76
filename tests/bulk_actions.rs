//! Issue 10: the article list is a working tool: bulk trash, restore, publish
//! and move to a section under the same roles and rules as the single
//! actions, a search of headline and body, and who last changed each article.

mod common;

use broadsheet::models::user::Role;
use broadsheet::schema::articles;
use common::admin::{csrf_in, Editor};
use common::*;
use diesel::prelude::*;

fn flash(page: &Page) -> String {
    text_of(&page.html(), ".flash").unwrap_or_default()
}

fn draft(conn: &mut broadsheet::db::DbConn, slug: &str, headline: &str) -> i32 {
    insert_article(
        conn,
        &ArticleSpec {
            status: "draft",
            published_at: None,
            ..ArticleSpec::new(slug, headline)
        },
    )
}

fn status_of(app: &TestApp, id: i32) -> (String, bool) {
    app.db(|c| {
        let (status, deleted): (String, Option<chrono::NaiveDateTime>) = articles::table
            .find(id)
            .select((articles::status, articles::deleted_at))
            .first(c)
            .unwrap();
        (status, deleted.is_some())
    })
}

/// Posts a bulk action from the list page's own form, ticking `ids`.
async fn bulk(editor: &mut Editor<'_>, action: &str, ids: &[i32], extra: &[(&str, &str)]) -> Page {
    let ids: Vec<String> = ids.iter().map(i32::to_string).collect();
    let mut fields: Vec<(&str, &str)> = vec![("action", action), ("back", "/admin")];
    fields.extend(ids.iter().map(|id| ("ids", id.as_str())));
    fields.extend_from_slice(extra);
    editor.post("/admin/articles/bulk", &fields).await
}

#[actix_web::test]
async fn bulk_publish_publishes_only_what_the_role_allows() {
    let app = TestApp::empty().await;
    let contributor_id = app.create_user("c@news.example", Role::Contributor);
    let (fine, also_fine, broken, live, theirs) = app.db(|c| {
        let fine = draft(c, "tram-fares", "Tram fares frozen");
        let also_fine = draft(c, "bridge-opens", "Bridge opens");
        // Stored before the rules it now breaks (an imported slug).
        let broken = draft(c, "broken", "Imported story");
        diesel::update(articles::table.find(broken))
            .set(articles::slug.eq("Not A Slug"))
            .execute(c)
            .unwrap();
        let live = insert_article(c, &ArticleSpec::new("live", "Already live"));
        let theirs = draft(c, "contributors-draft", "Contributor's own draft");
        diesel::update(articles::table.find(theirs))
            .set(articles::created_by.eq(Some(contributor_id)))
            .execute(c)
            .unwrap();
        (fine, also_fine, broken, live, theirs)
    });

    // A contributor cannot publish, not even their own draft: a 403, nothing changes.
    let mut contributor = app.anonymous();
    contributor
        .sign_in("c@news.example", common::admin::PASSWORD)
        .await;
    let refused = bulk(&mut contributor, "publish", &[theirs, fine], &[]).await;
    assert_eq!(refused.status, 403);
    let refused = bulk(&mut contributor, "trash", &[theirs], &[]).await;
    assert_eq!(refused.status, 403);
    assert_eq!(status_of(&app, theirs), ("draft".into(), false));
    assert_eq!(status_of(&app, fine), ("draft".into(), false));

    // An editor publishes what the single Publish would, and is told about the rest.
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let done = bulk(
        &mut editor,
        "publish",
        &[fine, also_fine, broken, live],
        &[],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.header("location").as_deref(), Some("/admin"));
    let message = flash(&editor.get("/admin").await);
    assert!(
        message.starts_with("Published or scheduled: 2 articles. Not changed (2): "),
        "{message}"
    );
    assert!(
        message.contains("“Imported story” (open it to fix: Use lowercase letters"),
        "{message}"
    );
    assert!(
        message.contains("“Already live” (already published)"),
        "{message}"
    );
    assert_eq!(status_of(&app, fine).0, "published");
    assert_eq!(status_of(&app, also_fine).0, "published");
    assert_eq!(status_of(&app, broken).0, "draft", "refused, not changed");
    app.notice_changes();
    assert_eq!(app.get("/articles/tram-fares").await.status, 200);
    assert_eq!(app.get("/articles/bridge-opens").await.status, 200);
    // The single publish keeps a revision; so does the bulk one.
    let revisions = editor
        .get(&format!("/admin/articles/{fine}/revisions"))
        .await;
    assert_eq!(revisions.status, 200);
    assert_eq!(revisions.html().select(&sel("td a")).count(), 1);
}

#[actix_web::test]
async fn a_contributor_moves_only_their_own_drafts_and_never_sees_others_headlines() {
    let app = TestApp::empty().await;
    let contributor_id = app.create_user("c@news.example", Role::Contributor);
    let (mine, others) = app.db(|c| {
        let mine = draft(c, "mine", "My draft");
        diesel::update(articles::table.find(mine))
            .set(articles::created_by.eq(Some(contributor_id)))
            .execute(c)
            .unwrap();
        let others = draft(c, "secret", "Secret merger plan");
        (mine, others)
    });
    let business = app.db(|c| {
        broadsheet::models::Section::create(
            c,
            &broadsheet::models::NewSection {
                slug: "business".into(),
                name: "Business".into(),
                description: String::new(),
                position: 2,
            },
        )
        .unwrap()
    });
    let mut contributor = app.anonymous();
    contributor
        .sign_in("c@news.example", common::admin::PASSWORD)
        .await;
    let moved = bulk(
        &mut contributor,
        "move",
        &[mine, others],
        &[("section", &business.to_string())],
    )
    .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let message = flash(&contributor.get("/admin").await);
    assert_eq!(
        message,
        format!(
            "Moved 1 article to Business. Not changed (1): article {others} (contributors can change only their own drafts)."
        )
    );
    let section_of = |id: i32| {
        app.db(|c| {
            articles::table
                .find(id)
                .select(articles::section_id)
                .first::<Option<i32>>(c)
                .unwrap()
        })
    };
    assert_eq!(section_of(mine), Some(business));
    assert_ne!(section_of(others), Some(business));
}

#[actix_web::test]
async fn bulk_actions_need_a_csrf_token() {
    let app = TestApp::empty().await;
    let id = app.db(|c| insert_article(c, &ArticleSpec::new("live", "Live story")));
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let id = id.to_string();
    for token in [None, Some("wrong-token")] {
        let mut fields = vec![("action", "trash"), ("ids", id.as_str())];
        if let Some(t) = token {
            fields.push(("csrf_token", t));
        }
        let page = editor.post_raw("/admin/articles/bulk", &fields, &[]).await;
        assert_eq!(page.status, 403, "{token:?}");
    }
    assert_eq!(
        app.get("/articles/live").await.status,
        200,
        "nothing trashed"
    );
}

#[actix_web::test]
async fn all_on_this_page_trashes_and_restores_without_javascript_and_names_who_changed_it() {
    let app = TestApp::empty().await;
    let ids: Vec<i32> = app.db(|c| {
        (0..3)
            .map(|i| {
                insert_article(
                    c,
                    &ArticleSpec::new(&format!("story-{i}"), &format!("Story {i}")),
                )
            })
            .collect()
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    // The list's own form: the page's ids travel as hidden fields, and
    // "All on this page" picks them without any script.
    let list = editor.get("/admin").await;
    let html = list.html();
    let page_ids: Vec<String> = html
        .select(&sel("#bulk input[name=page_ids]"))
        .map(|i| i.value().attr("value").unwrap().to_string())
        .collect();
    assert_eq!(page_ids.len(), 3);
    assert_eq!(html.select(&sel("input[form=bulk][name=ids]")).count(), 3);
    let token = csrf_in(&list);
    let mut fields = vec![
        ("csrf_token", token.as_str()),
        ("action", "trash"),
        ("all_on_page", "1"),
        ("back", "/admin?sort=updated"),
    ];
    fields.extend(page_ids.iter().map(|id| ("page_ids", id.as_str())));
    let trashed = editor.post_raw("/admin/articles/bulk", &fields, &[]).await;
    assert_eq!(trashed.status, 303, "{}", trashed.body);
    assert_eq!(
        trashed.header("location").as_deref(),
        Some("/admin?sort=updated")
    );
    for id in &ids {
        assert!(status_of(&app, *id).1, "in the trash");
    }
    app.notice_changes();
    assert_eq!(app.get("/articles/story-0").await.status, 404);

    let trash = editor.get("/admin/trash").await;
    assert_eq!(flash(&trash), "Moved to the trash: 3 articles.");
    let changed_by = texts_of(
        &trash.html(),
        ".article-table tbody tr td.article-table__changed-by",
    );
    assert_eq!(changed_by, vec!["Editor ed@news.example"; 3]);
    let actions: Vec<String> = trash
        .html()
        .select(&sel("#bulk-action option"))
        .map(|o| o.value().attr("value").unwrap().to_string())
        .collect();
    assert_eq!(actions, ["restore"]);

    let restored = bulk(&mut editor, "restore", &ids[..2], &[]).await;
    assert_eq!(restored.status, 303);
    assert_eq!(flash(&editor.get("/admin").await), "Restored: 2 articles.");
    app.notice_changes();
    assert_eq!(app.get("/articles/story-0").await.status, 200);
    assert_eq!(app.get("/articles/story-2").await.status, 404);
    // An outside `back` is never followed.
    let token = editor.csrf().await;
    let elsewhere = editor
        .post_raw(
            "/admin/articles/bulk",
            &[
                ("csrf_token", token.as_str()),
                ("action", "restore"),
                ("ids", &ids[2].to_string()),
                ("back", "https://evil.example/"),
            ],
            &[],
        )
        .await;
    assert_eq!(elsewhere.header("location").as_deref(), Some("/admin"));
}

#[actix_web::test]
async fn the_article_list_searches_headline_and_body_and_shows_who_last_saved() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                body: "The lighthouse keeper retires after forty years.".into(),
                ..ArticleSpec::new("keeper", "End of an era")
            },
        );
        insert_article(c, &ArticleSpec::new("other", "Harbour budget"));
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let found = editor.get("/admin?q=LIGHTHOUSE").await;
    let headlines = texts_of(
        &found.html(),
        ".article-table tbody td.article-table__headline a:first-child",
    );
    assert_eq!(headlines, ["End of an era"]);
    assert_eq!(
        text_of(&found.html(), "label[for=filter-q]").as_deref(),
        Some("Search headline and body")
    );
    let by_headline = editor.get("/admin?q=budget").await;
    assert!(
        by_headline.body.contains("Harbour budget") && !by_headline.body.contains("End of an era")
    );
    // Nobody has saved these through the newsroom yet.
    assert!(texts_of(
        &found.html(),
        ".article-table tbody td.article-table__changed-by"
    )
    .iter()
    .all(|t| t == "—"));
    let sorted = editor.get("/admin?sort=published").await;
    assert_eq!(sorted.status, 200);
}
