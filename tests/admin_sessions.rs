//! Server-side admin sessions: ending a session (signing out, a new password,
//! a role change, disabling, "sign out everywhere") refuses every copy of its
//! cookie at once; sessions have an idle and an absolute limit; parallel
//! sign-in guesses cannot get past the throttle; `next` never breaks sign-in.
//! The revocation and throttle scenarios run on SQLite and on PostgreSQL.

mod common;

use broadsheet::models::admin_session;
use broadsheet::models::user::{throttle, Role, User};
use broadsheet::models::Article;
use chrono::Duration;
use common::admin::{csrf_in, Editor, PASSWORD};
use common::*;
use diesel::prelude::*;

/// What a thief who copied a browser's cookie holds: the cookie and the
/// CSRF token its pages carried.
struct Copy {
    cookie: Option<String>,
    csrf: String,
}

/// Copies the cookie (and CSRF token) of a signed-in browser.
async fn copy_of(browser: &mut Editor<'_>) -> Copy {
    let page = browser.get("/admin").await;
    assert_eq!(page.status, 200, "the browser must be signed in");
    Copy {
        cookie: browser.cookie.clone(),
        csrf: csrf_in(&page),
    }
}

async fn sign_in<'a>(app: &'a TestApp, email: &str, password: &str) -> Editor<'a> {
    let mut browser = app.anonymous();
    let page = browser.sign_in(email, password).await;
    assert_eq!(page.status, 303, "sign-in failed: {}", page.body);
    browser
}

fn user_id(app: &TestApp, email: &str) -> i32 {
    app.db(|c| User::find_by_email(c, email).unwrap().unwrap().id)
}

/// The copied cookie still opens the admin area.
async fn assert_works(app: &TestApp, copy: &Copy, when: &str) {
    let mut thief = Editor {
        app,
        cookie: copy.cookie.clone(),
    };
    assert_eq!(thief.get("/admin").await.status, 200, "{when}");
}

/// The copied cookie gets nothing: neither a page nor a change.
async fn assert_refused(app: &TestApp, copy: &Copy, when: &str) {
    let is_sign_in = |page: &Page| {
        page.status == 303
            && page
                .header("location")
                .is_some_and(|l| l.starts_with("/admin/login?next="))
    };
    let mut thief = Editor {
        app,
        cookie: copy.cookie.clone(),
    };
    let read = thief.get("/admin").await;
    assert!(
        is_sign_in(&read),
        "{when}: GET /admin answered {}",
        read.status
    );
    let mut thief = Editor {
        app,
        cookie: copy.cookie.clone(),
    };
    let write = thief
        .post_multipart_raw(
            "/admin/articles",
            &[
                ("headline", "Written With A Copied Cookie"),
                ("standfirst", "Should never be stored."),
                ("body", "Body."),
                ("status", "draft"),
                ("action", "publish"),
                ("csrf_token", &copy.csrf),
            ],
            None,
        )
        .await;
    assert!(
        is_sign_in(&write),
        "{when}: creating an article answered {}",
        write.status
    );
    assert!(
        app.db(|c| !Article::any_exist(c).unwrap()),
        "{when}: an article was stored"
    );
}

async fn every_way_of_ending_a_session_refuses_copies_of_its_cookie(app: &TestApp) {
    let mut admin = app.signed_in("admin@news.example", Role::Admin).await;
    let admin_copy = copy_of(&mut admin).await;
    app.create_user("ed@news.example", Role::Editor);
    let ed = user_id(app, "ed@news.example");

    // Signing out.
    let mut browser = sign_in(app, "ed@news.example", PASSWORD).await;
    let copy = copy_of(&mut browser).await;
    assert_works(app, &copy, "before signing out").await;
    let out = browser
        .post_raw("/admin/logout", &[("csrf_token", &copy.csrf)], &[])
        .await;
    assert_eq!(out.status, 303);
    assert_refused(app, &copy, "after signing out").await;

    // `broadsheet user passwd` (the function main.rs calls).
    let mut browser = sign_in(app, "ed@news.example", PASSWORD).await;
    let copy = copy_of(&mut browser).await;
    let new_password = "a brand new passphrase";
    app.db(|c| User::set_password(c, ed, new_password).unwrap());
    assert_refused(app, &copy, "after a password change").await;
    assert_works(app, &admin_copy, "other accounts keep their sessions").await;

    // A role change; saving the same role again ends nothing.
    let mut browser = sign_in(app, "ed@news.example", new_password).await;
    let copy = copy_of(&mut browser).await;
    let changed = admin
        .post(&format!("/admin/users/{ed}"), &[("role", "contributor")])
        .await;
    assert_eq!(changed.status, 303);
    assert_refused(app, &copy, "after a role change").await;
    let mut browser = sign_in(app, "ed@news.example", new_password).await;
    let copy = copy_of(&mut browser).await;
    admin
        .post(&format!("/admin/users/{ed}"), &[("role", "contributor")])
        .await;
    assert_works(app, &copy, "after saving the account unchanged").await;

    // Disabling.
    admin
        .post(
            &format!("/admin/users/{ed}"),
            &[("role", "contributor"), ("disabled", "1")],
        )
        .await;
    assert_refused(app, &copy, "after disabling the account").await;
    admin
        .post(&format!("/admin/users/{ed}"), &[("role", "contributor")])
        .await;

    // An admin signs someone out everywhere from /admin/users.
    let mut laptop = sign_in(app, "ed@news.example", new_password).await;
    let mut phone = sign_in(app, "ed@news.example", new_password).await;
    let (laptop_copy, phone_copy) = (copy_of(&mut laptop).await, copy_of(&mut phone).await);
    let users = admin.get("/admin/users").await;
    assert_eq!(
        texts_of(&users.html(), ".user-sessions"),
        ["1 active", "2 active"],
        "the users page counts live sessions (admin, then ed)"
    );
    let ended = admin
        .post(&format!("/admin/users/{ed}/sign-out"), &[])
        .await;
    assert_eq!(ended.status, 303);
    assert_eq!(ended.header("location").unwrap(), "/admin/users");
    assert!(admin
        .get("/admin/users")
        .await
        .body
        .contains("signed out everywhere (2 sessions ended)"));
    assert_refused(app, &laptop_copy, "after an admin signed ed out (laptop)").await;
    assert_refused(app, &phone_copy, "after an admin signed ed out (phone)").await;
    assert_works(app, &admin_copy, "the admin stays signed in").await;

    // Signing oneself out everywhere ends this session and every other.
    let mut laptop = sign_in(app, "ed@news.example", new_password).await;
    let mut phone = sign_in(app, "ed@news.example", new_password).await;
    let (laptop_copy, phone_copy) = (copy_of(&mut laptop).await, copy_of(&mut phone).await);
    let out = laptop
        .post_raw(
            "/admin/logout/everywhere",
            &[("csrf_token", &laptop_copy.csrf)],
            &[],
        )
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(
        out.header("location").unwrap(),
        "/admin/login?signed_out=everywhere"
    );
    assert_refused(app, &laptop_copy, "after signing out everywhere (this one)").await;
    assert_refused(app, &phone_copy, "after signing out everywhere (another)").await;
    assert_works(app, &admin_copy, "other accounts keep their sessions").await;
}

#[actix_web::test]
async fn every_way_of_ending_a_session_refuses_copies_of_its_cookie_on_sqlite() {
    let app = TestApp::empty().await;
    every_way_of_ending_a_session_refuses_copies_of_its_cookie(&app).await;
}

#[actix_web::test]
async fn every_way_of_ending_a_session_refuses_copies_of_its_cookie_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    every_way_of_ending_a_session_refuses_copies_of_its_cookie(&app).await;
}

/// Sends `n` wrong passwords for one account at once; returns how many got a
/// password check (401 "do not match") and how many were held back (429).
async fn parallel_wrong_passwords(app: &TestApp, n: usize) -> (usize, usize) {
    app.create_user("ed@news.example", Role::Editor);
    let mut ready = Vec::new();
    for _ in 0..n {
        let mut visitor = app.anonymous();
        let token = csrf_in(&visitor.get("/admin/login").await);
        ready.push((visitor, token));
    }
    let attempts = ready.into_iter().map(|(mut visitor, token)| async move {
        visitor
            .post_raw(
                "/admin/login",
                &[
                    ("email", "ed@news.example"),
                    ("password", "not the password"),
                    ("csrf_token", &token),
                ],
                &[],
            )
            .await
            .status
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let held_back = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        checked + held_back,
        n,
        "every attempt is answered: {statuses:?}"
    );
    (checked, held_back)
}

async fn parallel_guesses_get_at_most_five_password_checks(app: &TestApp) {
    let (checked, _) = parallel_wrong_passwords(app, 40).await;
    assert!(
        checked <= throttle::PER_ACCOUNT as usize,
        "{checked} of 40 parallel guesses got a password check"
    );
    assert_eq!(
        app.anonymous()
            .sign_in("ed@news.example", PASSWORD)
            .await
            .status,
        429,
        "afterwards even the right password waits"
    );
}

#[actix_web::test]
async fn parallel_guesses_get_at_most_five_password_checks_on_sqlite() {
    let app = TestApp::empty().await;
    parallel_guesses_get_at_most_five_password_checks(&app).await;
}

#[actix_web::test]
async fn parallel_guesses_get_at_most_five_password_checks_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    parallel_guesses_get_at_most_five_password_checks(&app).await;
}

#[actix_web::test]
async fn a_next_with_line_breaks_signs_in_and_lands_on_admin() {
    let app = TestApp::empty().await;
    app.create_user("ed@news.example", Role::Editor);
    for next in [
        "/admin\r\nSet-Cookie: stolen=1",
        "/admin/articles/new\n",
        "/admin/../articles/x",
    ] {
        let mut visitor = app.anonymous();
        let token = csrf_in(&visitor.get("/admin/login").await);
        let signed = visitor
            .post_raw(
                "/admin/login",
                &[
                    ("email", "ed@news.example"),
                    ("password", PASSWORD),
                    ("next", next),
                    ("csrf_token", &token),
                ],
                &[],
            )
            .await;
        assert_eq!(signed.status, 303, "{next:?}: {}", signed.body);
        assert_eq!(signed.header("location").unwrap(), "/admin", "{next:?}");
        assert!(
            !signed
                .headers
                .get_all("set-cookie")
                .any(|c| c.to_str().unwrap_or_default().contains("stolen")),
            "nothing from `next` reaches the headers"
        );
        assert_eq!(visitor.get("/admin").await.status, 200, "{next:?}");
    }
}

#[actix_web::test]
async fn sessions_end_twelve_hours_after_sign_in_however_busy() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    for minutes in (100..=700).step_by(100) {
        app.clock.set(test_now() + Duration::minutes(minutes));
        assert_eq!(editor.get("/admin").await.status, 200, "{minutes} min");
    }
    app.clock
        .set(test_now() + Duration::hours(admin_session::ABSOLUTE_HOURS));
    assert_eq!(editor.get("/admin").await.status, 303);
}

#[actix_web::test]
async fn expired_sessions_are_deleted_when_someone_signs_in() {
    use broadsheet::schema::admin_sessions::dsl::admin_sessions;
    let app = TestApp::empty().await;
    app.signed_in("a@news.example", Role::Editor).await;
    app.signed_in("b@news.example", Role::Editor).await;
    let rows = |app: &TestApp| app.db(|c| admin_sessions.count().get_result::<i64>(c).unwrap());
    assert_eq!(rows(&app), 2);
    app.clock.set(test_now() + Duration::minutes(121));
    sign_in(&app, "a@news.example", PASSWORD).await;
    assert_eq!(rows(&app), 1, "only the new session is left");
}

#[actix_web::test]
async fn only_a_hash_of_the_session_token_is_stored() {
    use broadsheet::schema::admin_sessions::dsl::{admin_sessions, token_hash};
    let app = TestApp::empty().await;
    let id = app.create_user("ed@news.example", Role::Editor);
    let token = "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed";
    app.db(|c| admin_session::start(c, token, id, test_now()).unwrap());
    let stored: Vec<String> = app.db(|c| admin_sessions.select(token_hash).load(c).unwrap());
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(stored[0].len(), 64, "a SHA-256 in hex");
    let user = app.db(|c| admin_session::signed_in_user(c, token, test_now()).unwrap());
    assert_eq!(user.map(|u| u.id), Some(id));
    let guessed = app.db(|c| admin_session::signed_in_user(c, &stored[0], test_now()).unwrap());
    assert!(guessed.is_none(), "the stored hash is not a token");
}
