//! Small leaks of unpublished work: other contributors' draft headlines, tags
//! that only drafts use, a Last-Modified that moves on a draft save, and feed
//! text an editor typed that a reader could run as HTML.

mod common;

use broadsheet::models::user::Role;
use chrono::Duration;
use common::admin::{article_id, borrowed};
use common::*;

fn draft_form(headline: &str, tags: &str) -> Vec<(&'static str, String)> {
    vec![
        ("headline", headline.to_string()),
        ("slug", String::new()),
        ("standfirst", "Not ready yet.".into()),
        ("takeaways", String::new()),
        ("tags", tags.to_string()),
        ("body", "Draft text.".into()),
        ("status", "draft".into()),
        ("publish_at", String::new()),
        ("version", String::new()),
        ("action", "save".into()),
    ]
}

#[actix_web::test]
async fn contributors_never_see_other_contributors_drafts() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("public-story", "Public Harbour Story")));
    let mut alice = app.signed_in("alice@news.example", Role::Contributor).await;
    let mut bob = app.signed_in("bob@news.example", Role::Contributor).await;
    let fields = draft_form("Secret Merger Talks", "");
    let saved = alice
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let own = alice.get("/admin").await;
    assert!(
        own.body.contains("Secret Merger Talks"),
        "Alice lists her own draft"
    );
    for path in ["/admin", "/admin?q=secret", "/admin/articles/new"] {
        let page = bob.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            !page.body.contains("Secret Merger"),
            "{path} shows Alice's draft to Bob"
        );
        assert!(
            !page.body.contains("secret-merger-talks"),
            "{path} names the draft's slug"
        );
    }
    let picker = bob.get("/admin/articles/new").await;
    assert!(
        picker.body.contains("public-story"),
        "public articles can be pinned"
    );

    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    assert!(editor
        .get("/admin")
        .await
        .body
        .contains("Secret Merger Talks"));
}

#[actix_web::test]
async fn a_tag_used_only_by_unpublished_articles_has_no_public_page_or_feed() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                status: "draft",
                tags: vec!["Embargoed Merger"],
                ..ArticleSpec::new("merger", "Merger Agreed")
            },
        );
        insert_article(
            c,
            &ArticleSpec {
                published_at: Some(test_now() + Duration::hours(3)),
                tags: vec!["Embargoed Merger"],
                ..ArticleSpec::new("merger-later", "Merger Later")
            },
        );
    });
    for path in [
        "/tags/embargoed-merger",
        "/tags/embargoed-merger/feed.xml",
        "/tags/embargoed-merger/atom.xml",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(
            !page.body.contains("Embargoed Merger"),
            "{path} names the tag"
        );
    }
    // At the scheduled time the tag comes to life with its article.
    app.clock.set(test_now() + Duration::hours(4));
    assert_eq!(app.get("/tags/embargoed-merger").await.status, 200);
    assert_eq!(app.get("/tags/embargoed-merger/feed.xml").await.status, 200);
}

#[actix_web::test]
async fn saving_a_draft_does_not_move_the_public_last_modified() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("live", "Live Story")));
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    // Something public changes now (a new published article)...
    let publish = draft_form("First Public Story", "");
    let mut publish = publish;
    publish.retain(|(k, _)| *k != "action");
    publish.push(("action", "publish".into()));
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&publish), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let before = app.get("/").await.header("last-modified").unwrap();

    // ...then, later, a draft is saved: the front page's Last-Modified stays.
    app.clock.set(test_now() + Duration::hours(1));
    let draft = draft_form("Quiet Draft", "");
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&draft), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    for path in ["/", "/feed.xml", "/sitemap.xml"] {
        assert_eq!(
            app.get(path).await.header("last-modified").unwrap(),
            app.get("/").await.header("last-modified").unwrap(),
            "{path}"
        );
    }
    assert_eq!(app.get("/").await.header("last-modified").unwrap(), before);

    // Publishing it moves Last-Modified.
    app.clock.set(test_now() + Duration::hours(2));
    let id = article_id(&app, "quiet-draft");
    let mut fields = draft_form("Quiet Draft", "");
    for (k, v) in fields.iter_mut() {
        match *k {
            "version" => *v = "1".into(),
            "action" => *v = "publish".into(),
            _ => {}
        }
    }
    let published = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    assert_ne!(app.get("/").await.header("last-modified").unwrap(), before);
}

#[actix_web::test]
async fn rss_channel_descriptions_are_escaped_as_html_like_items() {
    let app = TestApp::empty().await;
    app.db(|c| {
        insert_article(c, &ArticleSpec::new("story", "Story"));
        use broadsheet::schema::sections::dsl;
        use diesel::prelude::*;
        diesel::update(dsl::sections.filter(dsl::slug.eq("city")))
            .set(dsl::description.eq("<script>alert(1)</script> & co"))
            .execute(c)
            .unwrap();
    });
    let rss = app.get("/sections/city/feed.xml").await;
    let doc = roxmltree::Document::parse(&rss.body).unwrap();
    let channel = doc
        .descendants()
        .find(|n| n.has_tag_name("channel"))
        .unwrap();
    let description = channel
        .children()
        .find(|n| n.has_tag_name("description"))
        .and_then(|n| n.text())
        .unwrap();
    // A reader that treats it as HTML shows the text; it never runs it.
    assert_eq!(
        description,
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
    );
    let atom = app.get("/sections/city/atom.xml").await;
    let doc = roxmltree::Document::parse(&atom.body).unwrap();
    let subtitle = doc
        .descendants()
        .find(|n| n.has_tag_name("subtitle"))
        .and_then(|n| n.text())
        .unwrap();
    assert_eq!(
        subtitle, "<script>alert(1)</script> & co",
        "Atom says type=text"
    );
}
