//! Hostile article bodies: a body nested deeply enough to cost seconds of CPU
//! is refused with a message that says what to change, and readers are served
//! the HTML stored at save time, never a render per request.

mod common;

use broadsheet::models::user::Role;
use common::admin::borrowed;
use common::*;

fn form(body: &str, action: &str) -> Vec<(&'static str, String)> {
    vec![
        ("headline", "Nesting Test".into()),
        ("slug", String::new()),
        ("standfirst", "A standfirst.".into()),
        ("takeaways", String::new()),
        ("tags", String::new()),
        ("body", body.into()),
        ("status", "draft".into()),
        ("publish_at", String::new()),
        ("version", String::new()),
        ("action", action.into()),
    ]
}

#[actix_web::test]
async fn deeply_nested_bodies_are_refused_with_a_message_and_the_text_kept() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let mut contributor = app
        .signed_in("writer@news.example", Role::Contributor)
        .await;
    let hostile = [
        format!("Intro\n\n{}deep", "- ".repeat(20_000)),
        format!("Intro\n\n{}deep", ">".repeat(100_000)),
        format!("Intro\n\n{}deep", "<ul><li>".repeat(20_000)),
    ];
    for body in &hostile {
        for (who, action) in [(&mut editor, "publish"), (&mut contributor, "preview")] {
            let fields = form(body, action);
            let page = who
                .post_multipart("/admin/articles", &borrowed(&fields), None)
                .await;
            assert_eq!(page.status, 422, "{action}");
            let message = text_of(&page.html(), "#body-error").unwrap();
            assert!(message.contains("levels deep"), "{message}");
            assert!(message.contains("line 3"), "{message}");
            let kept = text_of(&page.html(), "textarea[name=body]").unwrap();
            let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(words(&kept) == words(body), "the typed body comes back");
        }
    }
    let count: i64 = app.db(|c| {
        use broadsheet::schema::articles::dsl;
        use diesel::prelude::*;
        dsl::articles.count().get_result(c).unwrap()
    });
    assert_eq!(count, 0, "nothing was stored");
}

#[actix_web::test]
async fn readers_get_the_body_stored_at_save_time() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let fields = form("The **council** met.\n\n- one\n- two", "publish");
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored: Option<String> = app.db(|c| {
        use broadsheet::schema::articles::dsl;
        use diesel::prelude::*;
        dsl::articles.select(dsl::body_html).first(c).unwrap()
    });
    let stored = stored.expect("the save stored the rendered body");
    assert!(stored.contains("<strong>council</strong>"), "{stored}");

    // The page shows what is stored, not a fresh render of the Markdown.
    app.db(|c| {
        use broadsheet::schema::articles::dsl;
        use diesel::prelude::*;
        diesel::update(dsl::articles)
            .set(dsl::body_html.eq(Some("<p>Stored copy</p>")))
            .execute(c)
            .unwrap()
    });
    let page = app.get("/articles/nesting-test").await;
    assert_eq!(
        text_of(&page.html(), ".article__body").unwrap(),
        "Stored copy"
    );
    let feed = app.get("/feed.xml").await;
    assert!(feed.body.contains("Stored copy"), "{}", feed.body);
}

#[actix_web::test]
async fn articles_saved_before_bodies_were_stored_still_show_and_get_filled() {
    let app = TestApp::empty().await;
    app.db(|c| {
        let mut spec = ArticleSpec::new("old-story", "Old Story");
        spec.body = "An *old* story.".into();
        insert_article(c, &spec);
        // As a row migrated from before the column existed.
        use broadsheet::schema::articles::dsl;
        use diesel::prelude::*;
        diesel::update(dsl::articles)
            .set(dsl::body_html.eq(None::<String>))
            .execute(c)
            .unwrap();
    });
    let page = app.get("/articles/old-story").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<em>old</em>"),
        "rendered on the blocking pool"
    );
    let filled = app.db(|c| broadsheet::models::article::fill_body_html(c, 100).unwrap());
    assert_eq!(filled, 1);
    let again = app.db(|c| broadsheet::models::article::fill_body_html(c, 100).unwrap());
    assert_eq!(again, 0, "nothing left to fill");
}

#[actix_web::test]
async fn hostile_rich_syntax_is_refused_or_rendered_safely() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;

    // Thousands of footnote references count as the links they become.
    let refs = format!("Intro\n\n{}\n\n[^a]: The note.", "x[^a] ".repeat(20_000));
    // Pull quotes nest like any quote.
    let pulls: String = (1..=100)
        .map(|n| format!("{} [!pull] deeper\n", ">".repeat(n)))
        .collect();
    for (body, says) in [(refs, "elements"), (pulls, "levels deep")] {
        let fields = form(&body, "publish");
        let page = editor
            .post_multipart("/admin/articles", &borrowed(&fields), None)
            .await;
        assert_eq!(page.status, 422);
        let message = text_of(&page.html(), "#body-error").unwrap();
        assert!(message.contains(says), "{message}");
    }

    // Scripts in captions, credits, notes and embed URLs are removed as anywhere else.
    let body = format!(
        "Text[^<b>x</b>]\n\n\
         ![x](javascript:alert(1))\n*<script>alert(1)</script>cap* — <img src=x onerror=alert(2)>\n\n\
         > [!pull] <iframe src=\"https://evil.example\"></iframe> pulled\n\n\
         https://www.youtube.com/watch?v=dQw4w9WgXcQ&x=\"><script>alert(3)</script>\n\n\
         https://youtu.be/dQw4w9WgXcQ?t=\"onload=alert(4)\n\n\
         [^<b>x</b>]: <a href=\"javascript:alert(5)\">note</a>\n\n{}",
        "https://youtu.be/dQw4w9WgXcQ\n\n".repeat(5_000)
    );
    let fields = form(&body, "publish");
    let started = std::time::Instant::now();
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "saved in {:?}",
        started.elapsed()
    );
    let page = app.get("/articles/nesting-test").await;
    let html = page.html();
    for bad in [
        "script",
        "iframe",
        "[onerror]",
        "[onload]",
        "[href^='javascript']",
        "[src^='javascript']",
    ] {
        let found = html.select(&sel(&format!(".article__body {bad}"))).count();
        assert_eq!(found, 0, "{bad} survived");
    }
    assert!(select_one(&html, "figure.figure figcaption").is_some());
    assert_eq!(
        text_of(&html, "aside.pull-quote").as_deref(),
        Some("pulled")
    );
    assert_eq!(
        html.select(&sel(".embed")).count(),
        broadsheet::markdown::MAX_EMBEDS,
        "cards stop at the limit; the rest stay text"
    );
    assert_eq!(
        attr_of(&html, ".embed", "data-embed-id").as_deref(),
        Some("dQw4w9WgXcQ")
    );
    assert_eq!(html.select(&sel(".footnotes li")).count(), 1);
}
