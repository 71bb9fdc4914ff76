//! Signing in and out, roles on every admin route, CSRF, throttling, sessions.

mod common;

use broadsheet::models::user::Role;
use broadsheet::routes::admin::ROUTES;
use common::admin::{csrf_in, PASSWORD};
use common::*;

fn sample_path(template: &str) -> String {
    template.replace("{id}", "1").replace("{rev}", "1")
}

#[actix_web::test]
async fn editor_signs_in_and_out() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let list = editor.get("/admin").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Editor ed@news.example"));
    let token = csrf_in(&list);
    let out = editor
        .post_raw("/admin/logout", &[("csrf_token", &token)], &[])
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location").unwrap(), "/admin/login?signed_out=1");
    let after = editor.get("/admin").await;
    assert_eq!(
        after.status, 303,
        "signed out: the admin must ask to sign in again"
    );
}

#[actix_web::test]
async fn anonymous_visitors_are_sent_to_sign_in_and_back() {
    let app = TestApp::empty().await;
    app.create_user("ed@news.example", Role::Editor);
    let mut visitor = app.anonymous();
    let page = visitor.get("/admin/taxonomy?x=1").await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.header("location").unwrap(),
        "/admin/login?next=%2Fadmin%2Ftaxonomy%3Fx%3D1"
    );
    let form = visitor.get(&page.header("location").unwrap()).await;
    assert_eq!(
        attr_of(&form.html(), "input[name=next]", "value").unwrap(),
        "/admin/taxonomy?x=1"
    );
    let token = csrf_in(&form);
    let signed = visitor
        .post_raw(
            "/admin/login",
            &[
                ("email", "ED@news.example"),
                ("password", PASSWORD),
                ("next", "/admin/taxonomy?x=1"),
                ("csrf_token", &token),
            ],
            &[],
        )
        .await;
    assert_eq!(signed.status, 303);
    assert_eq!(signed.header("location").unwrap(), "/admin/taxonomy?x=1");
    // An outside `next` never becomes a redirect target.
    let mut other = app.anonymous();
    let form = other.get("/admin/login").await;
    let token = csrf_in(&form);
    let signed = other
        .post_raw(
            "/admin/login",
            &[
                ("email", "ed@news.example"),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
                ("csrf_token", &token),
            ],
            &[],
        )
        .await;
    assert_eq!(signed.header("location").unwrap(), "/admin");
}

#[actix_web::test]
async fn every_admin_route_refuses_anonymous_users_and_wrong_roles() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("a", "A")));
    let mut contributor = app.signed_in("c@news.example", Role::Contributor).await;
    let mut editor = app.signed_in("e@news.example", Role::Editor).await;
    let mut anonymous = app.anonymous();
    for (method, template, needed) in ROUTES {
        let path = sample_path(template);
        let page = match *method {
            "GET" => anonymous.get(&path).await,
            _ => anonymous.post_raw(&path, &[("csrf_token", "x")], &[]).await,
        };
        assert_eq!(
            page.status, 303,
            "{method} {path} must ask anonymous visitors to sign in"
        );
        assert!(
            page.header("location")
                .unwrap()
                .starts_with("/admin/login?next="),
            "{method} {path}"
        );
        for (user, role) in [
            (&mut contributor, Role::Contributor),
            (&mut editor, Role::Editor),
        ] {
            if role >= *needed {
                continue;
            }
            let page = match *method {
                "GET" => user.get(&path).await,
                _ => user.post(&path, &[("name", "x")]).await,
            };
            assert_eq!(page.status, 403, "{method} {path} must refuse a {role:?}");
        }
    }
}

#[actix_web::test]
async fn admin_pages_are_never_cached_or_indexed() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("e@news.example", Role::Admin).await;
    for path in [
        "/admin",
        "/admin/articles/new",
        "/admin/taxonomy",
        "/admin/users",
        "/admin/login",
    ] {
        let page = editor.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(
            page.header("cache-control").unwrap(),
            "no-store, private",
            "{path}"
        );
        assert!(
            page.header("x-robots-tag").unwrap().contains("noindex"),
            "{path}"
        );
        assert!(
            page.body
                .contains(r#"<meta name="robots" content="noindex, nofollow">"#),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn csrf_failures_are_refused_and_change_nothing() {
    let app = TestApp::empty().await;
    let mut admin = app.signed_in("a@news.example", Role::Admin).await;
    let count =
        |app: &TestApp| app.db(|c| broadsheet::models::Section::all_in_order(c).unwrap().len());
    let before = count(&app);
    for token in [None, Some("wrong-token")] {
        let mut fields = vec![("name", "Sport")];
        if let Some(t) = token {
            fields.push(("csrf_token", t));
        }
        let page = admin.post_raw("/admin/sections", &fields, &[]).await;
        assert_eq!(page.status, 403, "token {token:?}");
    }
    let token = admin.csrf().await;
    // A token as long as the right one, differing only in its last character.
    let mut near = token.clone();
    let last = near.pop().unwrap();
    near.push(if last == '0' { '1' } else { '0' });
    let page = admin
        .post_raw(
            "/admin/sections",
            &[("name", "Sport"), ("csrf_token", &near)],
            &[],
        )
        .await;
    assert_eq!(page.status, 403);
    // The right token from another site's page is refused too.
    let page = admin
        .post_raw(
            "/admin/sections",
            &[("name", "Sport"), ("csrf_token", &token)],
            &[("Origin", "https://evil.example")],
        )
        .await;
    assert_eq!(page.status, 403);
    // A multipart article form without a token stores nothing.
    let page = admin
        .post_multipart_raw(
            "/admin/articles",
            &[("headline", "Sneaky"), ("action", "publish")],
            None,
        )
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(count(&app), before);
    assert!(app.db(|c| !broadsheet::models::Article::any_exist(c).unwrap()));
    // With the token (and our own origin) the same change goes through.
    let ok = admin
        .post_raw(
            "/admin/sections",
            &[("name", "Sport"), ("csrf_token", &token)],
            &[("Origin", "https://news.example")],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(count(&app), before + 1);
}

#[actix_web::test]
async fn login_errors_do_not_reveal_whether_the_email_exists() {
    let app = TestApp::empty().await;
    app.create_user("ed@news.example", Role::Editor);
    let mut v = app.anonymous();
    let wrong_password = v.sign_in("ed@news.example", "not the password").await;
    let unknown_email = v.sign_in("nobody@news.example", "not the password").await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!(unknown_email.status, 401);
    let message = |p: &Page| text_of(&p.html(), "#login-error").unwrap();
    assert_eq!(message(&wrong_password), message(&unknown_email));
    // The typed email comes back in the form.
    assert_eq!(
        attr_of(&wrong_password.html(), "#email", "value").unwrap(),
        "ed@news.example"
    );
}

#[actix_web::test]
async fn repeated_failed_logins_are_throttled_per_account_with_a_clear_message() {
    let app = TestApp::empty().await;
    app.create_user("ed@news.example", Role::Editor);
    let mut v = app.anonymous();
    for _ in 0..5 {
        assert_eq!(v.sign_in("ed@news.example", "guess").await.status, 401);
    }
    let blocked = v.sign_in("ed@news.example", PASSWORD).await;
    assert_eq!(
        blocked.status, 429,
        "even the right password waits out the pause"
    );
    assert!(text_of(&blocked.html(), "#login-error")
        .unwrap()
        .contains("Too many failed sign-in attempts"));
    // After the window, the right password works again.
    app.clock.set(test_now() + chrono::Duration::minutes(16));
    assert_eq!(v.sign_in("ed@news.example", PASSWORD).await.status, 303);
}

#[actix_web::test]
async fn repeated_failed_logins_are_throttled_per_client_address() {
    let app = TestApp::empty().await;
    app.create_user("ed@news.example", Role::Editor);
    let mut v = app.anonymous();
    for i in 0..20 {
        v.sign_in(&format!("nobody{i}@news.example"), "guess").await;
    }
    assert_eq!(v.sign_in("ed@news.example", PASSWORD).await.status, 429);
}

#[actix_web::test]
async fn session_cookie_is_http_only_same_site_scoped_and_secure_for_https() {
    let app = TestApp::empty().await;
    app.create_user("ed@news.example", Role::Editor);
    let mut v = app.anonymous();
    let page = v.sign_in("ed@news.example", PASSWORD).await;
    let cookie = page
        .headers
        .get_all("set-cookie")
        .map(|c| c.to_str().unwrap().to_string())
        .find(|c| c.starts_with("broadsheet_admin="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/admin", "Secure"] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    assert!(!cookie.contains(&PASSWORD.replace(' ', "")));
    // Public pages never set cookies, so CDNs can cache them.
    assert!(app.get("/").await.headers.get("set-cookie").is_none());
}

#[actix_web::test]
async fn sessions_expire_after_inactivity() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    assert_eq!(editor.get("/admin").await.status, 200);
    app.clock.set(test_now() + chrono::Duration::minutes(100));
    assert_eq!(
        editor.get("/admin").await.status,
        200,
        "activity keeps the session alive"
    );
    app.clock
        .set(test_now() + chrono::Duration::minutes(100 + 121));
    assert_eq!(
        editor.get("/admin").await.status,
        303,
        "idle too long: sign in again"
    );
}

#[actix_web::test]
async fn disabled_accounts_cannot_sign_in_or_keep_their_session() {
    let app = TestApp::empty().await;
    let mut admin = app.signed_in("admin@news.example", Role::Admin).await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let ed_id = app.db(|c| {
        broadsheet::models::user::User::find_by_email(c, "ed@news.example")
            .unwrap()
            .unwrap()
            .id
    });
    let page = admin
        .post(
            &format!("/admin/users/{ed_id}"),
            &[("role", "editor"), ("disabled", "1")],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(editor.get("/admin").await.status, 303);
    assert_eq!(
        app.anonymous()
            .sign_in("ed@news.example", PASSWORD)
            .await
            .status,
        401
    );
}

#[actix_web::test]
async fn admins_add_users_and_change_roles() {
    let app = TestApp::empty().await;
    let mut admin = app.signed_in("admin@news.example", Role::Admin).await;
    let short = admin
        .post(
            "/admin/users",
            &[
                ("email", "new@news.example"),
                ("name", "New Person"),
                ("role", "contributor"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, 422);
    assert_eq!(
        attr_of(&short.html(), "#new-user-email", "value").unwrap(),
        "new@news.example"
    );
    let made = admin
        .post(
            "/admin/users",
            &[
                ("email", "new@news.example"),
                ("name", "New Person"),
                ("role", "contributor"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(made.status, 303);
    let id = app.db(|c| {
        broadsheet::models::user::User::find_by_email(c, "new@news.example")
            .unwrap()
            .unwrap()
            .id
    });
    admin
        .post(&format!("/admin/users/{id}"), &[("role", "editor")])
        .await;
    let mut new = app.anonymous();
    assert_eq!(new.sign_in("new@news.example", PASSWORD).await.status, 303);
    assert_eq!(
        new.get("/admin/taxonomy").await.status,
        200,
        "now an editor"
    );
}

#[test]
fn the_command_line_creates_the_first_admin_and_resets_passwords() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str], password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
            .args(args)
            .env("DATABASE_URL", &url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let add = [
        "user",
        "add",
        "--email",
        "Chief@News.example",
        "--name",
        "Chief",
        "--role",
        "admin",
        "--password-stdin",
    ];
    let out = run(&add, "first password 123");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = run(&add, "first password 123");
    assert!(
        !again.status.success(),
        "a second account with the same email is refused"
    );
    let short = run(
        &[
            "user",
            "passwd",
            "--email",
            "chief@news.example",
            "--password-stdin",
        ],
        "short",
    );
    assert!(!short.status.success());
    let out = run(
        &[
            "user",
            "passwd",
            "--email",
            "chief@news.example",
            "--password-stdin",
        ],
        "second password 456",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pool = broadsheet::db::connect(&url).unwrap();
    let mut conn = pool.get().unwrap();
    let user = broadsheet::models::user::User::find_by_email(&mut conn, "chief@news.example")
        .unwrap()
        .unwrap();
    assert_eq!(user.role(), Role::Admin);
    assert!(broadsheet::models::user::verify_password(
        "second password 456",
        &user.password_hash
    ));
    assert!(!broadsheet::models::user::verify_password(
        "first password 123",
        &user.password_hash
    ));
    let bad_role = run(
        &[
            "user",
            "add",
            "--email",
            "x@news.example",
            "--name",
            "X",
            "--role",
            "root",
            "--password-stdin",
        ],
        "whatever password",
    );
    assert!(!bad_role.status.success());
}

#[actix_web::test]
async fn the_generated_session_key_survives_restarts() {
    let app = TestApp::empty().await;
    let again = app.db(|c| broadsheet::auth::session_key(c, None).unwrap());
    assert_eq!(again.master(), app.state.session_key.master());
}

#[actix_web::test]
async fn behind_a_proxy_failures_count_per_reported_client_and_not_otherwise() {
    async fn fail_twenty_from(app: &TestApp, forwarded_for: &str) {
        for i in 0..20 {
            let mut v = app.anonymous();
            let form = v.get("/admin/login").await;
            let token = csrf_in(&form);
            let email = format!("nobody{i}@news.example");
            v.post_raw(
                "/admin/login",
                &[
                    ("email", &email),
                    ("password", "guess"),
                    ("csrf_token", &token),
                ],
                &[("X-Forwarded-For", forwarded_for)],
            )
            .await;
        }
    }
    async fn sign_in_from(app: &TestApp, forwarded_for: &str) -> u16 {
        let mut v = app.anonymous();
        let form = v.get("/admin/login").await;
        let token = csrf_in(&form);
        v.post_raw(
            "/admin/login",
            &[
                ("email", "ed@news.example"),
                ("password", PASSWORD),
                ("csrf_token", &token),
            ],
            &[("X-Forwarded-For", forwarded_for)],
        )
        .await
        .status
    }
    let proxied = TestApp::with_config(|c| c.behind_proxy = true).await;
    proxied.create_user("ed@news.example", Role::Editor);
    fail_twenty_from(&proxied, "203.0.113.7").await;
    assert_eq!(
        sign_in_from(&proxied, "203.0.113.7").await,
        429,
        "the noisy client waits"
    );
    assert_eq!(
        sign_in_from(&proxied, "198.51.100.2").await,
        303,
        "another client behind the proxy does not"
    );

    // Without the setting the header is ignored: it could be forged.
    let direct = TestApp::empty().await;
    direct.create_user("ed@news.example", Role::Editor);
    fail_twenty_from(&direct, "203.0.113.7").await;
    assert_eq!(sign_in_from(&direct, "198.51.100.2").await, 429);
}
