//! Rich story bodies saved through the admin form: footnotes, figures with
//! caption and credit, pull quotes and embed facades, as readers and feed
//! readers get them, and the page's frame policy.

mod common;

use broadsheet::markdown::embed::content_security_policy;
use broadsheet::models::user::Role;
use common::admin::{article_form, borrowed};
use common::*;

const PAGE: &str = "/articles/night-ferry-trial-begins";

const RICH_BODY: &str = "\
The trial ran for six weeks[^trial] and carried 4,100 passengers[^count].

![A ferry at the Westquay pier at night](/static/img/share-card.png)
*The 23:00 crossing leaves Westquay.* — Photo: Ada Lind

> [!pull] Nobody expected the last boat to be the busiest.

Crews counted every passenger again[^count] on the final night.

> An ordinary quote stays a quote.

[^trial]: From 1 March to 12 April.

[^count]: Counted by the crew at the gangway.
";

const EMBED_BODY: &str = "\
Watch the crossing:

https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=90

https://vimeo.com/76979871

https://x.com/portcalder/status/1790000000000000000

https://bsky.app/profile/calder.bsky.social/post/3kq2abcxyz

https://mastodon.social/@harbour/112233445566

https://www.instagram.com/p/C1a2b3c4d5/

<https://evil.example/watch?v=dQw4w9WgXcQ>

javascript:alert(1)

See https://youtu.be/dQw4w9WgXcQ in a sentence.

<iframe src=\"https://www.youtube.com/embed/dQw4w9WgXcQ\"></iframe>

<div class=\"embed\" data-embed-provider=\"youtube\" data-embed-id=\"AAAAAAAAAAA\" id=\"fn-1\">typed card</div>
";

/// Publishes an article with `body` as an editor and returns the public page.
async fn publish(app: &TestApp, body: &str) -> Page {
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let fields = article_form(
        app,
        &[("body", body.to_string()), ("action", "publish".into())],
    );
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get(PAGE).await;
    assert_eq!(page.status, 200);
    page
}

async fn footnotes_figures_and_pull_quotes_show_on(app: TestApp) {
    let page = publish(&app, RICH_BODY).await;
    let html = page.html();

    // Footnotes: numbered by first reference, linked both ways.
    let refs: Vec<(String, String, String)> = html
        .select(&sel(".article__body sup.footnote-ref a"))
        .map(|a| {
            let v = a.value();
            (
                v.attr("href").unwrap().to_string(),
                v.attr("id").unwrap().to_string(),
                a.text().collect(),
            )
        })
        .collect();
    let expect = [("#fn-1", "fnref-1", "1"), ("#fn-2", "fnref-2", "2")];
    let expect: Vec<(String, String, String)> = expect
        .iter()
        .chain(&[("#fn-2", "fnref-2-2", "2")])
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(refs, expect);
    assert_eq!(
        attr_of(&html, "sup.footnote-ref a", "role").as_deref(),
        Some("doc-noteref")
    );
    assert_eq!(
        text_of(&html, ".footnotes[role=doc-endnotes] h2#fn-label").as_deref(),
        Some("Notes")
    );
    let notes = texts_of(&html, ".footnotes ol > li");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with("From 1 March to 12 April."),
        "{notes:?}"
    );
    assert!(notes[1].starts_with("Counted by the crew"), "{notes:?}");
    let backs: Vec<&str> = html
        .select(&sel("li#fn-2 a.footnote-back"))
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert_eq!(backs, ["#fnref-2", "#fnref-2-2"]);
    assert_eq!(
        attr_of(&html, "li#fn-1 a.footnote-back", "aria-label").as_deref(),
        Some("Back to reference 1")
    );

    // The figure: image, caption and credit.
    assert_eq!(
        attr_of(&html, ".article__body figure.figure img", "alt").as_deref(),
        Some("A ferry at the Westquay pier at night")
    );
    assert_eq!(
        text_of(&html, "figure.figure figcaption .figure__caption").as_deref(),
        Some("The 23:00 crossing leaves Westquay.")
    );
    assert_eq!(
        text_of(&html, "figure.figure figcaption small.credit").as_deref(),
        Some("Photo: Ada Lind")
    );

    // The pull quote is an aside that screen readers skip; other quotes stay.
    assert_eq!(
        text_of(&html, ".article__body aside.pull-quote[aria-hidden=true]").as_deref(),
        Some("Nobody expected the last boat to be the busiest.")
    );
    assert!(!page.body.contains("[!pull]"));
    assert_eq!(
        text_of(&html, ".article__body blockquote").as_deref(),
        Some("An ordinary quote stays a quote.")
    );

    // Every id on the page is unique: the body's cannot collide with the page's.
    let ids: Vec<&str> = html
        .select(&sel("[id]"))
        .map(|e| e.value().attr("id").unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    assert!(
        ids.iter()
            .filter(|id| html
                .select(&sel(&format!(".article__body #{id}")))
                .next()
                .is_some())
            .all(|id| id.starts_with("fn")),
        "{ids:?}"
    );

    // No video card, so no embed script.
    assert!(!page.body.contains("js/embed.js"));

    // A feed has no stylesheet to set a pull quote apart, so it leaves it
    // out rather than print the same words twice; other quotes stay.
    let feed = app.get("/feed.xml").await;
    let doc = roxmltree::Document::parse(&feed.body).unwrap();
    let content = doc
        .descendants()
        .find(|n| n.tag_name().name() == "encoded")
        .and_then(|n| n.text())
        .unwrap();
    assert!(
        content.contains("Crews counted every passenger"),
        "{content}"
    );
    assert!(
        content.contains("An ordinary quote stays a quote."),
        "{content}"
    );
    assert!(!content.contains("Nobody expected"), "{content}");
}

#[actix_web::test]
async fn footnotes_figures_and_pull_quotes_render_for_readers() {
    footnotes_figures_and_pull_quotes_show_on(TestApp::empty().await).await;
}

#[actix_web::test]
async fn footnotes_figures_and_pull_quotes_render_for_readers_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    footnotes_figures_and_pull_quotes_show_on(app).await;
}

async fn embeds_show_as_facades_on(app: TestApp) {
    let page = publish(&app, EMBED_BODY).await;
    let html = page.html();
    let cards: Vec<(String, String, String)> = html
        .select(&sel(".article__body .embed"))
        .map(|card| {
            let inner = scraper::Html::parse_fragment(&card.html());
            (
                card.value()
                    .attr("data-embed-provider")
                    .unwrap()
                    .to_string(),
                text_of(&inner, ".embed__provider").unwrap(),
                attr_of(&inner, ".embed__link a", "href").unwrap(),
            )
        })
        .collect();
    let expect = [
        (
            "youtube",
            "YouTube video",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=90",
        ),
        ("vimeo", "Vimeo video", "https://vimeo.com/76979871"),
        (
            "x",
            "Post on X",
            "https://x.com/portcalder/status/1790000000000000000",
        ),
        (
            "bluesky",
            "Bluesky post",
            "https://bsky.app/profile/calder.bsky.social/post/3kq2abcxyz",
        ),
        (
            "mastodon",
            "Mastodon post on mastodon.social",
            "https://mastodon.social/@harbour/112233445566",
        ),
        (
            "instagram",
            "Instagram post",
            "https://www.instagram.com/p/C1a2b3c4d5/",
        ),
    ];
    let expect: Vec<(String, String, String)> = expect
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(cards, expect);

    // Only the two players carry a validated id for embed.js; the typed card lost its.
    let ids: Vec<(&str, &str)> = html
        .select(&sel("[data-embed-id]"))
        .map(|e| {
            (
                e.value().attr("data-embed-provider").unwrap(),
                e.value().attr("data-embed-id").unwrap(),
            )
        })
        .collect();
    assert_eq!(ids, [("youtube", "dQw4w9WgXcQ"), ("vimeo", "76979871")]);
    assert_eq!(
        attr_of(&html, ".embed--youtube", "data-embed-start").as_deref(),
        Some("90")
    );
    assert!(page.body.contains("typed card"));
    assert!(
        !page.body.contains("AAAAAAAAAAA"),
        "typed data attributes are stripped"
    );

    // Nothing is framed or loaded from a provider until the reader asks.
    assert!(!page.body.contains("<iframe"), "typed iframes are stripped");
    assert!(!page.body.contains("youtube-nocookie"));
    assert!(!page.body.contains("<button"));
    let evil = select_one(&html, ".article__body a[href^='https://evil.example']").unwrap();
    assert!(
        !evil.html().contains("embed"),
        "a URL off the list stays a plain link"
    );
    assert!(page.body.contains("javascript:alert(1)"), "kept as text");
    assert!(!page.body.contains("href=\"javascript:"));
    assert_eq!(
        html.select(&sel(".embed")).count(),
        6,
        "a URL inside a sentence is no embed"
    );
    assert!(
        page.body.contains("/static/js/embed.js"),
        "the embed script is loaded on a page with a video card"
    );
    let script = app.get("/static/js/embed.js").await;
    assert_eq!(script.status, 200);
    assert!(script.body.contains("youtube-nocookie.com/embed/"));

    // The frame policy: the two players and nothing else, on every response.
    assert_eq!(
        page.header("content-security-policy").as_deref(),
        Some(content_security_policy().as_str())
    );
    assert!(content_security_policy()
        .contains("frame-src https://www.youtube-nocookie.com https://player.vimeo.com;"));
    let again = app.get(PAGE).await;
    assert_eq!(
        again.header("content-security-policy"),
        page.header("content-security-policy"),
        "the cached copy carries it too"
    );
    let missing = app.get("/articles/no-such-story").await;
    assert_eq!(missing.status, 404);
    assert!(missing.header("content-security-policy").is_some());

    // Feeds get the cards as plain links, without scripts, buttons or frames.
    let feed = app.get("/feed.xml").await;
    assert_eq!(feed.status, 200);
    let doc = roxmltree::Document::parse(&feed.body).unwrap();
    let content = doc
        .descendants()
        .find(|n| n.tag_name().name() == "encoded")
        .and_then(|n| n.text())
        .unwrap();
    assert!(
        content.contains("<a href=\"https://vimeo.com/76979871\""),
        "{content}"
    );
    assert!(content.contains("YouTube video"), "{content}");
    for absent in ["<button", "<script", "<iframe", "data-embed", "class="] {
        assert!(!content.contains(absent), "{absent} in {content}");
    }
}

#[actix_web::test]
async fn allow_listed_embeds_become_link_cards_and_nothing_else_does() {
    embeds_show_as_facades_on(TestApp::empty().await).await;
}

#[actix_web::test]
async fn allow_listed_embeds_become_link_cards_and_nothing_else_does_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    embeds_show_as_facades_on(app).await;
}

#[actix_web::test]
async fn the_form_help_lists_the_rich_syntax() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let form = editor.get("/admin/articles/new").await;
    let help = text_of(&form.html(), "#body-hint").unwrap();
    for syntax in [
        "[^1]",
        "*Caption.* — Photo: Name",
        "[!pull]",
        "YouTube",
        "Load",
    ] {
        assert!(help.contains(syntax), "{syntax} in {help}");
    }
}

#[actix_web::test]
async fn demo_site_shows_footnotes_a_figure_a_pull_quote_and_a_video_embed() {
    let app = TestApp::with_demo().await;
    let storms = app
        .get("/articles/winter-storms-south-mole-overtopping-report")
        .await;
    assert_eq!(storms.status, 200);
    let html = storms.html();
    assert_eq!(html.select(&sel(".footnotes li")).count(), 2);
    assert!(text_of(&html, ".pull-quote").is_some());
    let src = attr_of(&html, ".article__body figure img", "src").unwrap();
    assert_eq!(
        text_of(&html, ".article__body figcaption small").as_deref(),
        Some("Illustration: Broadsheet")
    );
    let image = app.get(&src).await;
    assert_eq!(image.status, 200, "readers can see the figure's image");

    let lanterns = app
        .get("/articles/lantern-night-returns-inner-harbour")
        .await;
    assert_eq!(
        attr_of(&lanterns.html(), ".embed--youtube", "data-embed-id").as_deref(),
        Some("aqz-KE-bpKQ")
    );
}
