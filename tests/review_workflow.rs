//! Issue 11, Workflow: Review. A contributor submits a draft for review;
//! editors see the queue (a filter on the article list and a count in the
//! admin bar), return it with a note the writer reads, or publish it. An
//! article in review is a draft: never public anywhere. Who created and who
//! last changed each article is shown on the list and the edit page.

mod common;

use broadsheet::models::user::Role;
use common::admin::{article_form, article_id, borrowed, version_of, Editor};
use common::*;

const SLUG: &str = "night-ferry-trial-begins";
const HEADLINE: &str = "Night Ferry Trial Begins";

/// The review-queue count in the admin bar of `/admin`.
async fn queue_count(editor: &mut Editor<'_>) -> String {
    let page = editor.get("/admin").await;
    assert_eq!(page.status, 200);
    text_of(&page.html(), ".admin-bar__queue .count").expect("the queue count in the admin bar")
}

/// Headlines on an admin list page.
fn listed(page: &Page) -> Vec<String> {
    texts_of(&page.html(), ".article-table__headline a")
        .into_iter()
        .chain(texts_of(&page.html(), ".article-table__headline"))
        .map(|t| normalise(&t))
        .collect()
}

/// The contributor saves the form with the "Submit for review" button.
async fn submit(contributor: &mut Editor<'_>, app: &TestApp, id: Option<i32>) -> Page {
    let mut changes = vec![("action", "submit".to_string())];
    let path = match id {
        Some(id) => {
            changes.push(("version", version_of(app, id)));
            format!("/admin/articles/{id}")
        }
        None => "/admin/articles".to_string(),
    };
    let form = article_form(app, &changes);
    contributor
        .post_multipart(&path, &borrowed(&form), None)
        .await
}

/// The whole round: submit -> queue -> return with a note -> the writer
/// reads it -> resubmit -> an editor publishes.
async fn review_round_trip(app: &TestApp) {
    let mut contributor = app
        .signed_in("writer@news.example", Role::Contributor)
        .await;
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    assert_eq!(queue_count(&mut editor).await, "0");

    let submitted = submit(&mut contributor, app, None).await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    assert_eq!(submitted.header("location").as_deref(), Some("/admin"));
    let mine = contributor.get("/admin").await;
    assert!(text_of(&mine.html(), ".flash")
        .unwrap()
        .starts_with("Submitted for review"));
    assert_eq!(
        text_of(&mine.html(), ".status--in-review").as_deref(),
        Some("In review")
    );
    let id = article_id(app, SLUG);
    assert_eq!(app.get(&format!("/articles/{SLUG}")).await.status, 404);
    // The writer can read what they sent, but while it waits it is the
    // editors' to change.
    assert_eq!(
        attr_of(&mine.html(), ".article-table__headline a", "href"),
        Some(format!("/admin/articles/{id}/preview"))
    );
    assert_eq!(
        contributor
            .get(&format!("/admin/articles/{id}/preview"))
            .await
            .status,
        200
    );
    assert_eq!(
        contributor
            .get(&format!("/admin/articles/{id}/edit"))
            .await
            .status,
        403
    );

    assert_eq!(queue_count(&mut editor).await, "1");
    let queue = editor.get("/admin?status=review").await;
    assert_eq!(listed(&queue)[0], HEADLINE);
    let everything_else = editor.get("/admin?status=draft").await;
    assert!(!listed(&everything_else).contains(&HEADLINE.to_string()));

    let note = "Please name the harbour master and add when the trial ends.";
    let returned = editor
        .post(&format!("/admin/articles/{id}/return"), &[("note", note)])
        .await;
    assert_eq!(returned.status, 303, "{}", returned.body);
    assert_eq!(
        returned.header("location").unwrap(),
        format!("/admin/articles/{id}/edit")
    );
    let after = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert!(text_of(&after.html(), ".flash")
        .unwrap()
        .starts_with("Returned to the writer"));
    assert_eq!(queue_count(&mut editor).await, "0");

    let edit = contributor.get(&format!("/admin/articles/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    assert_eq!(
        text_of(&edit.html(), "#review-heading").as_deref(),
        Some("Returned by an editor")
    );
    assert_eq!(text_of(&edit.html(), ".review-note").as_deref(), Some(note));
    assert!(select_one(&edit.html(), "button[value=submit]").is_some());

    let again = submit(&mut contributor, app, Some(id)).await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(queue_count(&mut editor).await, "1");
    let editor_view = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert_eq!(
        text_of(&editor_view.html(), "#review-heading").as_deref(),
        Some("Waiting for review")
    );

    let publish = article_form(
        app,
        &[
            ("action", "publish".to_string()),
            ("version", version_of(app, id)),
        ],
    );
    let published = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&publish), None)
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    assert_eq!(app.get(&format!("/articles/{SLUG}")).await.status, 200);
    assert_eq!(queue_count(&mut editor).await, "0");
    let live = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert!(
        select_one(&live.html(), "#review").is_none(),
        "publishing clears the review and its note"
    );
}

#[actix_web::test]
async fn a_submitted_draft_is_returned_with_a_note_resubmitted_and_published() {
    let app = TestApp::empty().await;
    review_round_trip(&app).await;
}

#[actix_web::test]
async fn the_review_round_trip_works_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    review_round_trip(&app).await;
    articles_in_review_stay_hidden(&app).await;
}

#[actix_web::test]
async fn a_contributor_cannot_publish_schedule_or_return_even_with_a_forged_post() {
    let app = TestApp::empty().await;
    let mut contributor = app
        .signed_in("writer@news.example", Role::Contributor)
        .await;
    assert_eq!(submit(&mut contributor, &app, None).await.status, 303);
    let id = article_id(&app, SLUG);
    let version = version_of(&app, id);

    for (field, value) in [
        ("action", "publish"),
        ("action", "unpublish"),
        ("status", "published"),
        ("status", "scheduled"),
    ] {
        let mut changes = vec![(field, value.to_string()), ("version", version.clone())];
        if field == "status" {
            changes.push(("publish_at", "2027-03-01T09:00".into()));
        }
        let forged = article_form(&app, &changes);
        for path in [
            "/admin/articles".to_string(),
            format!("/admin/articles/{id}"),
        ] {
            let refused = contributor
                .post_multipart(&path, &borrowed(&forged), None)
                .await;
            assert_eq!(refused.status, 403, "{field}={value} on {path}");
        }
    }
    // Nor may they change it while it waits (the editors have it).
    let edit = article_form(
        &app,
        &[
            ("headline", "Changed While Waiting".to_string()),
            ("version", version.clone()),
        ],
    );
    let refused = contributor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&edit), None)
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(version_of(&app, id), version, "nothing was saved");
    let returned = contributor
        .post(&format!("/admin/articles/{id}/return"), &[("note", "ok")])
        .await;
    assert_eq!(returned.status, 403);
    // The editors' queue is for editors: a contributor's bar has no count.
    let bar = contributor.get("/admin").await;
    assert!(select_one(&bar.html(), ".admin-bar__queue").is_none());

    assert_eq!(app.get(&format!("/articles/{SLUG}")).await.status, 404);
    let (status, submitted): (String, bool) = app.read(|c| {
        use broadsheet::schema::articles::dsl;
        use diesel::prelude::*;
        dsl::articles
            .find(id)
            .select((dsl::status, dsl::submitted_at.is_not_null()))
            .first(c)
            .unwrap()
    });
    assert_eq!((status.as_str(), submitted), ("draft", true));
}

#[actix_web::test]
async fn returning_needs_a_csrf_token_and_a_note_and_keeps_what_was_typed() {
    let app = TestApp::empty().await;
    let mut contributor = app
        .signed_in("writer@news.example", Role::Contributor)
        .await;
    assert_eq!(submit(&mut contributor, &app, None).await.status, 303);
    let id = article_id(&app, SLUG);
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;

    let no_token = editor
        .post_raw(
            &format!("/admin/articles/{id}/return"),
            &[("note", "Fix it")],
            &[],
        )
        .await;
    assert_eq!(no_token.status, 403);

    let empty = editor
        .post(&format!("/admin/articles/{id}/return"), &[("note", "  ")])
        .await;
    assert_eq!(empty.status, 422);
    assert!(text_of(&empty.html(), "#review-note-error")
        .unwrap()
        .contains("Say what the writer should change"));

    let long = "Too long.".repeat(223);
    let refused = editor
        .post(&format!("/admin/articles/{id}/return"), &[("note", &long)])
        .await;
    assert_eq!(refused.status, 422);
    assert!(text_of(&refused.html(), "#review-note-error")
        .unwrap()
        .contains("2000 characters"));
    assert_eq!(
        text_of(&refused.html(), "#review-note").unwrap(),
        long,
        "the note comes back as typed"
    );
    assert_eq!(queue_count(&mut editor).await, "1", "still waiting");
}

/// A submitted draft is not on its page, the front page, the feeds, the
/// sitemaps or the search results.
async fn articles_in_review_stay_hidden(app: &TestApp) {
    app.db(|c| insert_article(c, &ArticleSpec::new("public-story", "Public Story")));
    let mut contributor = app
        .signed_in("hidden@news.example", Role::Contributor)
        .await;
    let form = article_form(
        app,
        &[
            ("action", "submit".to_string()),
            ("headline", "Secret Lighthouse Sale".to_string()),
            ("body", "The lighthouse quietly changes hands.".to_string()),
        ],
    );
    let page = contributor
        .post_multipart("/admin/articles", &borrowed(&form), None)
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        app.get("/articles/secret-lighthouse-sale").await.status,
        404
    );
    for path in [
        "/",
        "/sections/city",
        "/authors/ada-reed",
        "/feed.xml",
        "/atom.xml",
        "/sections/city/feed.xml",
        "/sitemaps/articles-1.xml",
        "/news-sitemap.xml",
        "/search?q=lighthouse",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            !page.body.contains("secret-lighthouse-sale") && !page.body.contains("Lighthouse Sale"),
            "{path} shows an article in review"
        );
    }
    assert!(app.get("/").await.body.contains("Public Story"));
}

#[actix_web::test]
async fn articles_in_review_are_never_public() {
    let app = TestApp::empty().await;
    articles_in_review_stay_hidden(&app).await;
}

#[actix_web::test]
async fn the_list_and_edit_page_show_who_created_and_who_last_changed_an_article() {
    let app = TestApp::empty().await;
    let mut contributor = app
        .signed_in("writer@news.example", Role::Contributor)
        .await;
    let saved = contributor
        .post_multipart("/admin/articles", &borrowed(&article_form(&app, &[])), None)
        .await;
    assert_eq!(saved.status, 303);
    let id = article_id(&app, SLUG);
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    let change = article_form(
        &app,
        &[
            ("standfirst", "Changed by the desk.".to_string()),
            ("version", version_of(&app, id)),
        ],
    );
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&change), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let list = editor.get("/admin").await;
    let html = list.html();
    let row = html
        .select(&sel(".article-table tbody tr"))
        .find(|r| r.text().any(|t| t.contains(HEADLINE)))
        .expect("the article's row");
    let cell = |css: &str| {
        row.select(&sel(css))
            .next()
            .map(|e| normalise(&e.text().collect::<String>()))
            .unwrap()
    };
    assert_eq!(
        cell(".article-table__created-by"),
        "Contributor writer@news.example"
    );
    assert_eq!(
        cell(".article-table__changed-by"),
        "Editor desk@news.example"
    );

    let edit = editor.get(&format!("/admin/articles/{id}/edit")).await;
    assert!(text_of(&edit.html(), ".provenance__created")
        .unwrap()
        .starts_with("Contributor writer@news.example, "));
    assert!(text_of(&edit.html(), ".provenance__changed")
        .unwrap()
        .starts_with("Editor desk@news.example, "));
}
