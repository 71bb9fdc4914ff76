//! A reader in a real browser: headless Chromium (Debian's `chromium`),
//! driven through `chromedriver` over WebDriver, against the real app.
//! Needs the `chromium` and `chromium-driver` packages (`./test` installs them);
//! without them the tests skip, except in CI.

mod common;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// A chromedriver process on a free port, stopped when dropped.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    /// Starts chromedriver, or returns `None` (after saying so) when it or
    /// Chromium is not installed, outside CI.
    fn start() -> Option<Self> {
        let chrome = chrome_path();
        if chrome.contains('/') && !std::path::Path::new(&chrome).exists() {
            unavailable("Chromium", &format!("{chrome} is not installed"));
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let child = match Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                unavailable("ChromeDriver", &format!("cannot start {binary}: {e}"));
                return None;
            }
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(ChromeDriver { child, port })
    }

    async fn browser(&self, width: u32, height: u32) -> Client {
        let mut caps = serde_json::Map::new();
        let chrome = chrome_path();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chrome,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic", format!("--window-size={width},{height}"),
                    // Only the app under test is reachable: an embed's player
                    // or any other outside URL fails at once, offline or not.
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"
                ]
            }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a WebDriver session with headless Chromium")
    }
}

/// The Chromium binary: `CHROME_PATH`, or Debian's.
fn chrome_path() -> String {
    std::env::var("CHROME_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// ChromeDriver's browser console log (`POST /session/{id}/se/log`).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// Console entries at error level since the last read.
async fn console_errors(client: &Client) -> Vec<String> {
    let log = client.issue_cmd(BrowserLog).await.expect("browser log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["level"] == "SEVERE")
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn rect(client: &Client, css: &str) -> (f64, f64, f64) {
    let r: Value = client
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
             return [r.top + window.scrollY, r.left, r.bottom + window.scrollY];",
            vec![json!(css)],
        )
        .await
        .unwrap();
    (
        r[0].as_f64().unwrap(),
        r[1].as_f64().unwrap(),
        r[2].as_f64().unwrap(),
    )
}

#[actix_web::test]
async fn reader_opens_the_front_page_and_follows_a_story_to_its_article() {
    let app = TestApp::with_demo().await;
    let Some(driver) = ChromeDriver::start() else {
        return;
    };
    let client = driver.browser(1280, 900).await;

    client.goto(&app.url("/")).await.unwrap();
    let link = client
        .find(Locator::Css(".lead-story__headline a"))
        .await
        .unwrap();
    let headline = link.text().await.unwrap();
    link.click().await.unwrap();
    let h1 = client
        .wait()
        .for_element(Locator::Css("h1.article__headline"))
        .await
        .unwrap();
    assert_eq!(h1.text().await.unwrap(), headline);
    assert!(client
        .current_url()
        .await
        .unwrap()
        .path()
        .starts_with("/articles/"));

    let takeaways = client
        .find_all(Locator::Css(".takeaways__item"))
        .await
        .unwrap();
    assert!(!takeaways.is_empty());
    for item in &takeaways {
        assert!(item.is_displayed().await.unwrap());
    }
    let first = takeaways[0].text().await.unwrap();
    assert!(
        first.starts_with('1'),
        "the first takeaway shows its number: {first}"
    );
    let desk = client
        .find(Locator::Css("aside.editors-desk"))
        .await
        .unwrap();
    assert!(desk.is_displayed().await.unwrap());
    // The label may be styled in capitals; the text is what matters.
    assert!(desk
        .text()
        .await
        .unwrap()
        .to_lowercase()
        .contains("editor's desk"));

    let share_links = client
        .find_all(Locator::Css("nav.share a.share__link"))
        .await
        .unwrap();
    assert_eq!(share_links.len(), 10);
    for l in &share_links {
        assert!(l.is_displayed().await.unwrap());
    }
    // The enhancement script ran: "Copy link" exists only with JavaScript.
    let copy = client
        .find(Locator::XPath(
            "//nav[contains(@class,'share')]//button[normalize-space()='Copy link']",
        ))
        .await;
    assert!(
        copy.is_ok(),
        "the Copy link button was not added by share.js"
    );

    // On a wide screen the related list is a sidebar beside the body.
    let body = rect(&client, ".article__body").await;
    let related = rect(&client, "aside.related").await;
    assert!(
        related.1 > body.1 + 300.0,
        "related should sit beside the body: {body:?} {related:?}"
    );

    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    client.close().await.unwrap();
}

#[actix_web::test]
async fn on_a_phone_the_sidebar_comes_below_the_body_without_sideways_scrolling() {
    let app = TestApp::with_demo().await;
    let Some(driver) = ChromeDriver::start() else {
        return;
    };
    let client = driver.browser(390, 844).await;
    client.goto(&app.url("/")).await.unwrap();
    let href = client
        .find(Locator::Css(".lead-story__headline a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    client.goto(&app.url(&href)).await.unwrap();
    let body = rect(&client, ".article__body").await;
    let related = rect(&client, "aside.related").await;
    assert!(
        related.0 >= body.2,
        "related should follow the body on a phone: {body:?} {related:?}"
    );
    let overflow: Value = client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_f64().unwrap() <= 0.0,
        "page scrolls sideways by {overflow}px"
    );
    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    client.close().await.unwrap();
}

#[actix_web::test]
async fn a_reader_presses_load_and_only_then_the_privacy_friendly_player_appears() {
    let app = TestApp::with_demo().await;
    let Some(driver) = ChromeDriver::start() else {
        return;
    };
    let client = driver.browser(390, 844).await;
    client
        .goto(&app.url("/articles/lantern-night-returns-inner-harbour"))
        .await
        .unwrap();
    let card = client.find(Locator::Css(".embed--youtube")).await.unwrap();
    // The label is styled in capitals; the text is what matters.
    assert!(card
        .text()
        .await
        .unwrap()
        .to_lowercase()
        .contains("youtube video"));
    assert!(
        client
            .find_all(Locator::Css("iframe"))
            .await
            .unwrap()
            .is_empty(),
        "nothing is framed before the reader asks"
    );
    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");

    let load = client
        .wait()
        .for_element(Locator::Css(".embed--youtube button.embed__load"))
        .await
        .expect("embed.js adds the Load button");
    assert_eq!(load.text().await.unwrap(), "Load");
    // The site scrolls smoothly; bring the button into view at once first.
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
            vec![serde_json::to_value(&load).unwrap()],
        )
        .await
        .unwrap();
    load.click().await.unwrap();
    let frame = client
        .wait()
        .for_element(Locator::Css(".embed--youtube .embed__frame iframe"))
        .await
        .unwrap();
    // Offline the player cannot load; what matters is where it would come from.
    let src = frame.attr("src").await.unwrap().unwrap();
    assert!(
        src.starts_with("https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?"),
        "{src}"
    );
    assert!(client
        .find_all(Locator::Css(".embed__load"))
        .await
        .unwrap()
        .is_empty());
    client.close().await.unwrap();
}

/// The form control named by its visible label.
async fn field_labelled(client: &Client, label: &str) -> fantoccini::elements::Element {
    let label_el = client
        .find(Locator::XPath(&format!(
            "//label[normalize-space()=\"{label}\"]"
        )))
        .await
        .unwrap_or_else(|_| panic!("no label {label:?}"));
    let id = label_el
        .attr("for")
        .await
        .unwrap()
        .expect("label has a for");
    client.find(Locator::Id(&id)).await.unwrap()
}

#[actix_web::test]
async fn an_editor_writes_and_publishes_and_a_reader_sees_it() {
    // Plain http here, so the session cookie is not marked Secure.
    let app = TestApp::with_config(|c| c.base_url = None).await;
    app.db(|c| insert_article(c, &ArticleSpec::new("older-story", "An Older Story")));
    app.create_user(
        "editor@news.example",
        broadsheet::models::user::Role::Editor,
    );
    let image_path = app.dir.path().join("harbour.png");
    std::fs::write(&image_path, sample_png()).unwrap();

    let Some(driver) = ChromeDriver::start() else {
        return;
    };
    let client = driver.browser(1280, 1000).await;
    client.goto(&app.url("/admin")).await.unwrap();
    field_labelled(&client, "Email")
        .await
        .send_keys("editor@news.example")
        .await
        .unwrap();
    field_labelled(&client, "Password")
        .await
        .send_keys(common::admin::PASSWORD)
        .await
        .unwrap();
    client
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("a[href='/admin/articles/new']"))
        .await
        .unwrap();
    client.goto(&app.url("/admin/articles/new")).await.unwrap();

    for (label, text) in [
        ("Headline", "Night Ferry Trial Approved"),
        (
            "Standfirst",
            "A six-month trial of late sailings starts in March.",
        ),
        ("Alt text", "Ferry crossing the harbour at dusk"),
        ("Caption", "The ferry at dusk."),
        ("Credit", "Illustration: Broadsheet"),
        (
            "Key takeaways",
            "Trial starts in March.\nIt runs six months.",
        ),
        ("Editor's Desk heading", "Strategic Analysis"),
        (
            "Editor's Desk text",
            "The trial tests demand for night services.",
        ),
        ("Kicker", "Transport Insight"),
        ("Tags", "Transport, Harbour"),
        (
            "Body",
            "The harbour authority approved the trial on **Tuesday**.",
        ),
    ] {
        field_labelled(&client, label)
            .await
            .send_keys(text)
            .await
            .unwrap();
    }
    field_labelled(&client, "Lead image")
        .await
        .send_keys(image_path.to_str().unwrap())
        .await
        .unwrap();
    field_labelled(&client, "Section")
        .await
        .select_by_label("City")
        .await
        .unwrap();
    field_labelled(&client, "Author")
        .await
        .select_by_label("Ada Reed")
        .await
        .unwrap();
    client
        .find(Locator::Css("button[value=publish]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let flash = client
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    assert_eq!(flash.text().await.unwrap(), "Published: live now.");

    // A reader finds it at the top of the front page and opens it.
    client.goto(&app.url("/")).await.unwrap();
    let lead = client
        .find(Locator::Css(".lead-story__headline a"))
        .await
        .unwrap();
    assert_eq!(lead.text().await.unwrap(), "Night Ferry Trial Approved");
    lead.click().await.unwrap();
    let h1 = client
        .wait()
        .for_element(Locator::Css("h1.article__headline"))
        .await
        .unwrap();
    assert_eq!(h1.text().await.unwrap(), "Night Ferry Trial Approved");
    let img = client.find(Locator::Css(".lead-image img")).await.unwrap();
    assert_eq!(
        img.attr("alt").await.unwrap().as_deref(),
        Some("Ferry crossing the harbour at dusk")
    );
    let loaded: Value = client
        .execute(
            "return document.querySelector('.lead-image img').naturalWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(loaded.as_f64().unwrap() > 0.0, "the uploaded image loads");
    let items = client
        .find_all(Locator::Css(".takeaways__item"))
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    client.close().await.unwrap();
}

/// Signs in through the sign-in page the browser is on.
async fn sign_in_here(client: &Client, email: &str) {
    field_labelled(client, "Email")
        .await
        .send_keys(email)
        .await
        .unwrap();
    field_labelled(client, "Password")
        .await
        .send_keys(common::admin::PASSWORD)
        .await
        .unwrap();
    client
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn value_of(client: &Client, label: &str) -> String {
    field_labelled(client, label)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn kept_drafts(client: &Client) -> usize {
    let kept: Value = client
        .execute(
            "return Object.keys(localStorage).filter(function (k) { \
               return k.indexOf('broadsheet:draft:') === 0; }).length;",
            vec![],
        )
        .await
        .unwrap();
    kept.as_u64().unwrap() as usize
}

#[actix_web::test]
async fn text_typed_before_the_session_expired_is_offered_back_after_signing_in() {
    use fantoccini::key::Key;
    let app = TestApp::with_config(|c| c.base_url = None).await;
    app.db(|c| insert_article(c, &ArticleSpec::new("older-story", "An Older Story")));
    app.create_user(
        "editor@news.example",
        broadsheet::models::user::Role::Editor,
    );
    let Some(driver) = ChromeDriver::start() else {
        return;
    };
    let client = driver.browser(390, 900).await;
    client.goto(&app.url("/admin/articles/new")).await.unwrap();
    sign_in_here(&client, "editor@news.example").await;
    client
        .wait()
        .for_element(Locator::Css("form[data-draft-owner]"))
        .await
        .unwrap();

    let headline = "Harbour Lights Return";
    let body = "Typed while the session ran out.\n\nA second paragraph.";
    field_labelled(&client, "Headline")
        .await
        .send_keys(headline)
        .await
        .unwrap();
    field_labelled(&client, "Body")
        .await
        .send_keys(body)
        .await
        .unwrap();
    // Leaving now would ask first.
    let asks: Value = client
        .execute(
            "var e = new Event('beforeunload', { cancelable: true }); \
             window.dispatchEvent(e); return e.defaultPrevented;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(asks, Value::Bool(true), "unsaved changes guard the page");

    // The session ends (expired, or signed out elsewhere); the save goes to sign-in.
    {
        use diesel::prelude::*;
        app.db(|c| {
            diesel::delete(broadsheet::schema::admin_sessions::table)
                .execute(c)
                .unwrap()
        });
    }
    client
        .find(Locator::Css("button[value=save]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("input[name=password]"))
        .await
        .unwrap();
    sign_in_here(&client, "editor@news.example").await;

    // Back on the form, with the typed text offered back.
    let notice = client
        .wait()
        .for_element(Locator::Css(".draft-notice"))
        .await
        .unwrap();
    assert!(notice.text().await.unwrap().contains("not saved"));
    assert_eq!(value_of(&client, "Headline").await, "");
    client
        .find(Locator::Css(".draft-notice__restore"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(value_of(&client, "Headline").await, headline);
    assert_eq!(value_of(&client, "Body").await, body);

    // Ctrl+S saves; the saved text clears the browser's copy.
    field_labelled(&client, "Standfirst")
        .await
        .send_keys(&format!(
            "Now saved.{}s{}",
            char::from(Key::Control),
            char::from(Key::Null)
        ))
        .await
        .unwrap();
    let flash = client
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    assert!(
        flash.text().await.unwrap().contains("draft"),
        "{:?}",
        flash.text().await
    );
    assert_eq!(value_of(&client, "Headline").await, headline);
    assert!(client
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/edit"));
    assert_eq!(
        kept_drafts(&client).await,
        0,
        "a saved draft is not offered again"
    );
    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    client.close().await.unwrap();
}

#[actix_web::test]
async fn an_editor_adds_a_correction_and_a_reader_on_a_phone_sees_it() {
    // Plain http here, so the session cookie is not marked Secure.
    let app = TestApp::with_config(|c| c.base_url = None).await;
    let id = app.db(|c| insert_article(c, &ArticleSpec::new("harbour-vote", "Harbour Vote")));
    app.create_user(
        "editor@news.example",
        broadsheet::models::user::Role::Editor,
    );
    let Some(driver) = ChromeDriver::start() else {
        return;
    };
    let client = driver.browser(1280, 1000).await;
    client
        .goto(&app.url(&format!("/admin/articles/{id}/edit")))
        .await
        .unwrap();
    sign_in_here(&client, "editor@news.example").await;
    client
        .wait()
        .for_element(Locator::Id("notes"))
        .await
        .unwrap();
    field_labelled(&client, "Public text")
        .await
        .send_keys("The vote was 14–2, not 12–4.")
        .await
        .unwrap();
    client
        .find(Locator::XPath("//button[normalize-space()='Add note']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css(".notes-list .row-form"))
        .await
        .unwrap();
    client.close().await.unwrap();

    let phone = driver.browser(390, 844).await;
    phone
        .goto(&app.url("/articles/harbour-vote"))
        .await
        .unwrap();
    let label = phone
        .find(Locator::Css(".article-note__label"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(label.to_lowercase(), "correction");
    let body = rect(&phone, ".article__body").await;
    let notes = rect(&phone, ".article-notes").await;
    assert!(
        notes.0 >= body.2,
        "notes below the body: {body:?} {notes:?}"
    );
    let overflow: Value = phone
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_f64().unwrap() <= 0.0,
        "page scrolls sideways by {overflow}px"
    );
    let errors = console_errors(&phone).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    phone.close().await.unwrap();
}

#[actix_web::test]
async fn an_editor_counts_the_seo_title_live_and_returns_a_submitted_article() {
    // Plain http here, so the session cookie is not marked Secure.
    let app = TestApp::with_config(|c| c.base_url = None).await;
    {
        let mut writer = app
            .signed_in(
                "writer@news.example",
                broadsheet::models::user::Role::Contributor,
            )
            .await;
        let form = common::admin::article_form(&app, &[("action", "submit".to_string())]);
        let page = writer
            .post_multipart("/admin/articles", &common::admin::borrowed(&form), None)
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    app.create_user(
        "editor@news.example",
        broadsheet::models::user::Role::Editor,
    );
    let Some(driver) = ChromeDriver::start() else {
        return;
    };
    let client = driver.browser(1280, 1000).await;
    client.goto(&app.url("/admin")).await.unwrap();
    sign_in_here(&client, "editor@news.example").await;
    let queue = client
        .wait()
        .for_element(Locator::Css(".admin-bar__queue"))
        .await
        .unwrap();
    assert_eq!(queue.text().await.unwrap(), "Review queue 1");
    queue.click().await.unwrap();
    client
        .wait()
        .for_element(Locator::LinkText("Night Ferry Trial Begins"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("review-note"))
        .await
        .unwrap();
    field_labelled(&client, "Note to the writer")
        .await
        .send_keys("Please add when the trial ends.")
        .await
        .unwrap();
    client
        .find(Locator::XPath(
            "//button[normalize-space()='Return to writer']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let flash = client
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();
    assert!(flash
        .text()
        .await
        .unwrap()
        .starts_with("Returned to the writer with your note."));
    assert_eq!(
        client
            .find(Locator::Css(".admin-bar__queue"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Review queue 0"
    );
    assert_eq!(
        client
            .find(Locator::Css(".review-note"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Please add when the trial ends."
    );
    // On the page the return led back to, the live count follows typing in
    // the SEO title (its default is named while it is empty).
    let count = client
        .wait()
        .for_element(Locator::Id("seo_title-count"))
        .await
        .unwrap();
    let before = count.text().await.unwrap();
    assert!(
        before.contains("empty: uses “Night Ferry Trial Begins”"),
        "{before}"
    );
    field_labelled(&client, "SEO title")
        .await
        .send_keys("Late ferries")
        .await
        .unwrap();
    let after = count.text().await.unwrap();
    assert!(
        after.starts_with("12 characters · search results show about 60"),
        "{after}"
    );

    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    client.close().await.unwrap();
}

#[actix_web::test]
async fn a_reader_with_a_live_story_open_sees_a_new_update_appear_without_reloading() {
    // Plain http here, so the session cookie is not marked Secure; pages poll every second.
    let app = TestApp::with_config(|c| {
        c.base_url = None;
        c.live_poll_seconds = 1;
    })
    .await;
    let id = app.db(|c| insert_article(c, &ArticleSpec::new("storm-live", "Storm Live")));
    let mut editor = app
        .signed_in(
            "editor@news.example",
            broadsheet::models::user::Role::Editor,
        )
        .await;
    for (path, fields) in [
        (format!("/admin/articles/{id}/live/start"), vec![]),
        (
            format!("/admin/articles/{id}/live/posts"),
            vec![("body", "Ferries are suspended.")],
        ),
    ] {
        let page = editor.post(&path, &fields).await;
        assert_eq!(page.status, 303, "{path}: {}", page.body);
    }
    let Some(driver) = ChromeDriver::start() else {
        return;
    };
    let reader = driver.browser(390, 844).await;
    reader.goto(&app.url("/articles/storm-live")).await.unwrap();
    assert_eq!(
        reader
            .find(Locator::Css(".live-post__body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "Ferries are suspended."
    );

    // Added over HTTP while the page stays open.
    let page = editor
        .post(
            &format!("/admin/articles/{id}/live/posts"),
            &[("body", "Mole Parade is **closed**.")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let newest = app.read(|c| broadsheet::models::live_post::for_article(c, id).unwrap()[0].id);
    let arrived = reader
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Id(&format!("post-{newest}")))
        .await
        .expect("the new update appears without a reload");
    assert!(arrived
        .text()
        .await
        .unwrap()
        .contains("Mole Parade is closed."));
    let order: Value = reader
        .execute(
            "return [...document.querySelectorAll('.live-post')].map(p => p.id);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(order[0], format!("post-{newest}"), "newest first: {order}");
    assert_eq!(order.as_array().unwrap().len(), 2);
    let status = reader
        .find(Locator::Css(".live-feed__status[aria-live=polite]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "1 new update");

    // Ending the coverage stops the page's polling and takes its label off.
    let page = editor
        .post(&format!("/admin/articles/{id}/live/end"), &[])
        .await;
    assert_eq!(page.status, 303);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let polling: Value = reader
            .execute(
                "return document.querySelector('[data-live-poll]') !== null \
                 || document.querySelector('.article__header .live-badge') !== null;",
                vec![],
            )
            .await
            .unwrap();
        if polling == json!(false) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the page still polls after the end"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    let errors = console_errors(&reader).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    reader.close().await.unwrap();
}

#[actix_web::test]
async fn an_editor_picks_a_library_image_as_lead_image_and_clicks_its_focal_point() {
    // Plain http here, so the session cookie is not marked Secure.
    let app = TestApp::with_config(|c| c.base_url = None).await;
    let image = app.db(|c| {
        let mut spec = ArticleSpec::new("old-pier", "Old Pier");
        spec.image = Some((sample_png(), "image/png"));
        let id = insert_article(c, &spec);
        let image = broadsheet::models::Article::find(c, id)
            .unwrap()
            .lead_image_id
            .unwrap();
        let details = broadsheet::models::media_library::ImageDetails {
            alt: "The old pier at low tide".into(),
            caption: "The pier in 1998.".into(),
            credit: "City Archive".into(),
        };
        broadsheet::models::media_library::set_details(c, image, &details).unwrap();
        image
    });
    app.create_user(
        "editor@news.example",
        broadsheet::models::user::Role::Editor,
    );
    let Some(driver) = ChromeDriver::start() else {
        return;
    };
    let client = driver.browser(1280, 1000).await;
    client.goto(&app.url("/admin/media")).await.unwrap();
    sign_in_here(&client, "editor@news.example").await;
    client
        .wait()
        .for_element(Locator::Css(&format!(
            "#image-{image} a[href='/admin/articles/new?image={image}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("library_image"))
        .await
        .unwrap();
    assert_eq!(
        value_of(&client, "Alt text").await,
        "The old pier at low tide"
    );
    assert_eq!(value_of(&client, "Credit").await, "City Archive");
    field_labelled(&client, "Headline")
        .await
        .send_keys("The Old Pier Reopens")
        .await
        .unwrap();
    client
        .find(Locator::Css("button[value=publish]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap();

    // The focal point: a click on the image fills in the two numbers.
    client
        .goto(&app.url(&format!("/admin/media/{image}/edit")))
        .await
        .unwrap();
    client
        .execute(
            "const img = document.getElementById('media-edit-image'); \
             const r = img.getBoundingClientRect(); \
             img.dispatchEvent(new MouseEvent('click', {bubbles: true, \
               clientX: r.left + r.width * 0.1, clientY: r.top + r.height * 0.8}));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(value_of(&client, "Across (% from the left)").await, "10");
    assert_eq!(value_of(&client, "Down (% from the top)").await, "80");
    client
        .find(Locator::XPath(
            "//button[normalize-space()='Save the focal point']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let flash = client
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(flash.contains("focal point"), "{flash}");
    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    client.close().await.unwrap();

    // A reader sees the picked image with its defaults.
    let page = app.get("/articles/the-old-pier-reopens").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert_eq!(
        attr_of(&html, ".lead-image img", "alt").unwrap(),
        "The old pier at low tide"
    );
    assert!(text_of(&html, ".lead-image figcaption")
        .unwrap()
        .contains("City Archive"));
}
