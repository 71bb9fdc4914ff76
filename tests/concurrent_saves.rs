//! Many editors saving at once: no save fails with "database is locked", every
//! acknowledged save is stored, and a conflict always gives the conflict page.
//! (The write lock is taken up front, see `db::write_transaction`; background
//! related refreshes run beside the saves.)

mod common;

use broadsheet::models::user::Role;
use common::admin::{article_id, borrowed, Editor};
use common::*;
use futures_util::future::join_all;

const EDITORS: usize = 12;

fn form(headline: &str, version: &str, action: &str) -> Vec<(&'static str, String)> {
    vec![
        ("headline", headline.to_string()),
        ("slug", String::new()),
        ("standfirst", format!("What happened: {headline}.")),
        ("takeaways", "One.\nTwo.".into()),
        ("tags", "Harbour, Council".into()),
        (
            "body",
            format!("The harbour board met about {headline}.\n\n- one\n- two"),
        ),
        ("status", "draft".into()),
        ("publish_at", String::new()),
        ("version", version.to_string()),
        ("action", action.to_string()),
    ]
}

async fn editors(app: &TestApp) -> Vec<Editor<'_>> {
    let mut all = Vec::new();
    for n in 0..EDITORS {
        all.push(
            app.signed_in(&format!("ed{n}@news.example"), Role::Editor)
                .await,
        );
    }
    all
}

fn count_articles(app: &TestApp) -> i64 {
    use broadsheet::schema::articles::dsl;
    use diesel::prelude::*;
    app.db(|c| dsl::articles.count().get_result(c).unwrap())
}

async fn saves_run_in_parallel_and_all_land(app: &TestApp) {
    let mut editors = editors(app).await;
    // Round 1: every editor publishes a new article at the same moment; each
    // publish also starts a background related refresh that writes.
    let created = join_all(
        editors
            .iter_mut()
            .enumerate()
            .map(|(n, editor)| async move {
                let fields = form(&format!("Ferry route {n} reopens"), "", "publish");
                editor
                    .post_multipart("/admin/articles", &borrowed(&fields), None)
                    .await
            }),
    )
    .await;
    for (n, page) in created.iter().enumerate() {
        assert_eq!(page.status, 303, "save {n}: {}", page.body);
    }
    assert_eq!(count_articles(app), EDITORS as i64);

    // Round 2: every editor edits their own article, and unpublishes it, at once.
    let ids: Vec<i32> = (0..EDITORS)
        .map(|n| article_id(app, &format!("ferry-route-{n}-reopens")))
        .collect();
    let ids = &ids;
    let edited = join_all(
        editors
            .iter_mut()
            .enumerate()
            .map(|(n, editor)| async move {
                let id = ids[n];
                let fields = form(&format!("Ferry route {n} reopens"), "1", "unpublish");
                editor
                    .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
                    .await
            }),
    )
    .await;
    for (n, page) in edited.iter().enumerate() {
        assert_eq!(page.status, 303, "edit {n}: {}", page.body);
    }
    for n in 0..EDITORS {
        let slug = format!("/articles/ferry-route-{n}-reopens");
        assert_eq!(app.get(&slug).await.status, 404, "{slug} is still public");
    }

    // Round 3: every editor saves over the same version of one article: exactly
    // one save wins, every other editor gets the conflict page with their text.
    let raced = join_all(
        editors
            .iter_mut()
            .enumerate()
            .map(|(n, editor)| async move {
                let fields = form(&format!("Ferry route 0 by editor {n}"), "2", "save");
                editor
                    .post_multipart(
                        &format!("/admin/articles/{}", ids[0]),
                        &borrowed(&fields),
                        None,
                    )
                    .await
            }),
    )
    .await;
    let wins = raced.iter().filter(|p| p.status == 303).count();
    assert_eq!(wins, 1, "one save wins the race");
    for (n, page) in raced.iter().enumerate() {
        assert!(matches!(page.status, 303 | 409), "race {n}: {}", page.body);
        if page.status == 409 {
            assert!(
                page.body.contains(&format!("Ferry route 0 by editor {n}")),
                "the conflict page keeps editor {n}'s text"
            );
        }
    }
}

#[actix_web::test]
async fn parallel_saves_never_fail_and_conflicts_always_get_the_conflict_page() {
    let app = TestApp::empty().await;
    saves_run_in_parallel_and_all_land(&app).await;
}

#[actix_web::test]
async fn parallel_saves_never_fail_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    saves_run_in_parallel_and_all_land(&app).await;
}
