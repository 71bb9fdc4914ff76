//! Issue 10: sections, tags and authors can be deleted and merged without
//! breaking an article or an old URL, and the taxonomy page stays usable with
//! thousands of tags. Each test is one promise, over HTTP on the real app.

mod common;

use broadsheet::models::user::Role;
use broadsheet::models::{NewSection, Section};
use broadsheet::schema::{article_tags, articles, authors, related_docs, sections, tags};
use common::*;
use diesel::prelude::*;

fn flash(page: &Page) -> String {
    text_of(&page.html(), ".flash").unwrap_or_default()
}

fn id_of(app: &TestApp, table: &str, slug: &str) -> i32 {
    app.db(|c| {
        match table {
            "sections" => sections::table
                .filter(sections::slug.eq(slug))
                .select(sections::id)
                .first::<i32>(c),
            "tags" => tags::table
                .filter(tags::slug.eq(slug))
                .select(tags::id)
                .first::<i32>(c),
            _ => authors::table
                .filter(authors::slug.eq(slug))
                .select(authors::id)
                .first::<i32>(c),
        }
        .unwrap()
    })
}

fn add_section(app: &TestApp, slug: &str, name: &str) -> i32 {
    app.db(|c| {
        Section::create(
            c,
            &NewSection {
                slug: slug.into(),
                name: name.into(),
                description: String::new(),
                position: 5,
            },
        )
        .unwrap()
    })
}

async fn assert_moved(app: &TestApp, from: &str, to: &str) {
    let page = app.get(from).await;
    assert_eq!(page.status, 301, "{from}: {}", page.body);
    assert_eq!(page.header("location").as_deref(), Some(to), "{from}");
}

async fn wait_for_related(app: &TestApp) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !app.state.related_refresh.is_idle() {
        assert!(
            std::time::Instant::now() < deadline,
            "the background refresh did not finish"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn section_of(app: &TestApp, article: i32) -> Option<i32> {
    app.db(|c| {
        articles::table
            .find(article)
            .select(articles::section_id)
            .first(c)
            .unwrap()
    })
}

async fn delete_section_and_check(app: &TestApp) {
    let (a, b, trashed) = app.db(|c| {
        let a = insert_article(c, &ArticleSpec::new("ferry", "Ferry story"));
        let b = insert_article(c, &ArticleSpec::new("tram", "Tram story"));
        let trashed = insert_article(c, &ArticleSpec::new("old", "Old story"));
        broadsheet::models::Article::soft_delete(c, trashed, test_now()).unwrap();
        broadsheet::related::rebuild_all(c, test_now()).unwrap();
        (a, b, trashed)
    });
    let news = add_section(app, "news", "News");
    let city = id_of(app, "sections", "city");
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;

    // The confirmation page asks where the articles go, and offers only other sections.
    let confirm = editor.get(&format!("/admin/sections/{city}/delete")).await;
    assert_eq!(confirm.status, 200);
    let html = confirm.html();
    let options: Vec<String> = html
        .select(&sel("select[name=into] option"))
        .filter_map(|o| o.value().attr("value").map(str::to_string))
        .filter(|v| !v.is_empty())
        .collect();
    assert_eq!(options, [news.to_string()]);

    // Required, and must differ.
    let none = editor
        .post(&format!("/admin/sections/{city}/delete"), &[("into", "")])
        .await;
    assert_eq!(none.status, 400);
    let same = editor
        .post(
            &format!("/admin/sections/{city}/delete"),
            &[("into", &city.to_string())],
        )
        .await;
    assert_eq!(same.status, 400);
    assert_eq!(
        section_of(app, a),
        Some(city),
        "a refused delete changes nothing"
    );

    let deleted = editor
        .post(
            &format!("/admin/sections/{city}/delete"),
            &[("into", &news.to_string())],
        )
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    let list = editor.get("/admin/taxonomy").await;
    assert_eq!(
        flash(&list),
        "Deleted the section “City”: 3 articles moved to “News”, where its old address now leads."
    );
    for article in [a, b, trashed] {
        assert_eq!(section_of(app, article), Some(news));
    }
    app.notice_changes();
    assert_eq!(app.get("/articles/ferry").await.status, 200);
    assert_moved(app, "/sections/city", "/sections/news").await;
    assert_moved(app, "/sections/city?page=1", "/sections/news?page=1").await;
    assert_moved(app, "/sections/city/feed.xml", "/sections/news/feed.xml").await;
    assert_moved(app, "/sections/city/atom.xml", "/sections/news/atom.xml").await;
    let listing = app.get("/sections/news").await;
    assert!(listing.body.contains("Ferry story"));

    // The related index learns the new section (it is one of the signals).
    wait_for_related(app).await;
    let indexed: Option<i32> = app.db(|c| {
        related_docs::table
            .find(a)
            .select(related_docs::section_id)
            .first(c)
            .unwrap()
    });
    assert_eq!(indexed, Some(news));
}

#[actix_web::test]
async fn deleting_a_section_moves_its_articles_and_redirects_its_old_url() {
    delete_section_and_check(&TestApp::empty().await).await;
}

#[actix_web::test]
async fn deleting_a_section_moves_its_articles_and_redirects_its_old_url_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    delete_section_and_check(&app).await;
}

fn tag_slugs(app: &TestApp, article: i32) -> Vec<String> {
    app.db(|c| {
        tags::table
            .inner_join(article_tags::table)
            .filter(article_tags::article_id.eq(article))
            .order(tags::slug.asc())
            .select(tags::slug)
            .load(c)
            .unwrap()
    })
}

async fn merge_tags_and_check(app: &TestApp) {
    let (both, only_old, only_new) = app.db(|c| {
        let mut spec = ArticleSpec::new("both", "Both tags");
        spec.tags = vec!["Ferries", "Ferry"];
        let both = insert_article(c, &spec);
        let mut spec = ArticleSpec::new("old-only", "Old tag only");
        spec.tags = vec!["Ferry", "Harbour"];
        let only_old = insert_article(c, &spec);
        let mut spec = ArticleSpec::new("new-only", "New tag only");
        spec.tags = vec!["Ferries"];
        let only_new = insert_article(c, &spec);
        (both, only_old, only_new)
    });
    let ferry = id_of(app, "tags", "ferry");
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let tag_page = editor.get(&format!("/admin/tags/{ferry}")).await;
    assert_eq!(tag_page.status, 200);
    assert!(tag_page.body.contains("2 articles"), "{}", tag_page.body);

    let itself = editor
        .post(&format!("/admin/tags/{ferry}/merge"), &[("into", "ferry")])
        .await;
    assert_eq!(itself.status, 400, "a tag cannot be merged into itself");
    let merged = editor
        .post(
            &format!("/admin/tags/{ferry}/merge"),
            &[("into", "ferries")],
        )
        .await;
    assert_eq!(merged.status, 303, "{}", merged.body);
    assert_eq!(
        flash(&editor.get("/admin/taxonomy").await),
        "Merged the tag “Ferry” into “Ferries”: 2 articles now carry “Ferries”, and the old tag's address leads there."
    );
    assert_eq!(tag_slugs(app, both), ["ferries"], "no duplicate tag");
    assert_eq!(tag_slugs(app, only_old), ["ferries", "harbour"]);
    assert_eq!(tag_slugs(app, only_new), ["ferries"]);
    let gone: i64 = app.db(|c| {
        tags::table
            .filter(tags::slug.eq("ferry"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(gone, 0, "the merged tag is deleted");
    app.notice_changes();
    assert_moved(app, "/tags/ferry", "/tags/ferries").await;
    assert_moved(app, "/tags/ferry/feed.xml", "/tags/ferries/feed.xml").await;
    let page = app.get("/tags/ferries").await;
    assert_eq!(listed_slugs(&page.html()).len(), 3, "{}", page.body);
}

#[actix_web::test]
async fn merging_tags_keeps_every_article_and_redirects_the_old_tag() {
    merge_tags_and_check(&TestApp::empty().await).await;
}

#[actix_web::test]
async fn merging_tags_keeps_every_article_and_redirects_the_old_tag_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    merge_tags_and_check(&app).await;
}

#[actix_web::test]
async fn deleting_a_tag_takes_it_off_its_articles_and_keeps_the_articles() {
    let app = TestApp::empty().await;
    let article = app.db(|c| {
        let mut spec = ArticleSpec::new("tram", "Tram story");
        spec.tags = vec!["Trams", "Harbour"];
        insert_article(c, &spec)
    });
    let trams = id_of(&app, "tags", "trams");
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let deleted = editor
        .post(&format!("/admin/tags/{trams}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    assert_eq!(
        flash(&editor.get("/admin/taxonomy").await),
        "Deleted the tag “Trams” and took it off 1 article."
    );
    assert_eq!(tag_slugs(&app, article), ["harbour"]);
    app.notice_changes();
    assert_eq!(app.get("/articles/tram").await.status, 200);
    assert_eq!(app.get("/tags/trams").await.status, 404);
}

#[actix_web::test]
async fn deleting_an_author_credits_the_replacement_and_redirects() {
    let app = TestApp::empty().await;
    let article = app.db(|c| insert_article(c, &ArticleSpec::new("tram", "Tram story")));
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let created = editor
        .post_multipart(
            "/admin/authors",
            &[("name", "Ben Ode"), ("slug", "ben-ode")],
            None,
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let ada = id_of(&app, "authors", "ada-reed");
    let ben = id_of(&app, "authors", "ben-ode");
    let confirm = editor.get(&format!("/admin/authors/{ada}/delete")).await;
    assert!(confirm.body.contains("Ben Ode"));
    let deleted = editor
        .post(
            &format!("/admin/authors/{ada}/delete"),
            &[("into", &ben.to_string())],
        )
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    let author: Option<i32> = app.db(|c| {
        articles::table
            .find(article)
            .select(articles::author_id)
            .first(c)
            .unwrap()
    });
    assert_eq!(author, Some(ben));
    app.notice_changes();
    assert_moved(&app, "/authors/ada-reed", "/authors/ben-ode").await;
    assert_moved(
        &app,
        "/authors/ada-reed/atom.xml",
        "/authors/ben-ode/atom.xml",
    )
    .await;
}

#[actix_web::test]
async fn old_urls_lead_to_the_final_item_in_one_hop_after_renames_and_deletions() {
    let app = TestApp::empty().await;
    app.db(|c| insert_article(c, &ArticleSpec::new("tram", "Tram story")));
    let b = add_section(&app, "bay", "Bay");
    let c = add_section(&app, "coast", "Coast");
    let city = id_of(&app, "sections", "city");
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    // city is renamed to town, deleted into bay, and bay into coast.
    editor
        .post(
            &format!("/admin/sections/{city}"),
            &[("name", "Town"), ("slug", "town")],
        )
        .await;
    for (from, into) in [(city, b), (b, c)] {
        let deleted = editor
            .post(
                &format!("/admin/sections/{from}/delete"),
                &[("into", &into.to_string())],
            )
            .await;
        assert_eq!(deleted.status, 303, "{}", deleted.body);
    }
    app.notice_changes();
    for old in ["/sections/city", "/sections/town", "/sections/bay"] {
        assert_moved(&app, old, "/sections/coast").await;
    }
    assert_eq!(app.get("/sections/coast").await.status, 200);
    // A new section taking an old slug wins over the redirect: no loop, no shadow.
    let created = editor
        .post(
            "/admin/sections",
            &[("name", "Bay Again"), ("slug", "bay"), ("position", "3")],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    app.notice_changes();
    assert_eq!(app.get("/sections/bay").await.status, 200);
}

#[actix_web::test]
async fn deleting_and_merging_need_an_editor_and_a_csrf_token() {
    let app = TestApp::empty().await;
    app.db(|c| {
        let mut spec = ArticleSpec::new("tram", "Tram story");
        spec.tags = vec!["Trams", "Rail"];
        insert_article(c, &spec)
    });
    let news = add_section(&app, "news", "News");
    let mut contributor = app.signed_in("c@news.example", Role::Contributor).await;
    let city = id_of(&app, "sections", "city");
    let page = contributor
        .post(
            &format!("/admin/sections/{city}/delete"),
            &[("into", &news.to_string())],
        )
        .await;
    assert_eq!(page.status, 403);
    let trams = id_of(&app, "tags", "trams");
    assert_eq!(
        contributor
            .post(&format!("/admin/tags/{trams}/merge"), &[("into", "rail")])
            .await
            .status,
        403
    );
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    for token in [None, Some("wrong")] {
        let mut fields = vec![("into", news.to_string())];
        if let Some(t) = token {
            fields.push(("csrf_token", t.to_string()));
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = editor
            .post_raw(&format!("/admin/sections/{city}/delete"), &fields, &[])
            .await;
        assert_eq!(page.status, 403);
        let page = editor
            .post_raw(&format!("/admin/tags/{trams}/delete"), &fields, &[])
            .await;
        assert_eq!(page.status, 403);
    }
    assert_eq!(
        app.get("/sections/city").await.status,
        200,
        "nothing deleted"
    );
    assert_eq!(app.get("/tags/trams").await.status, 200, "nothing deleted");
}

#[actix_web::test]
async fn taxonomy_page_pages_and_searches_three_thousand_tags() {
    let app = TestApp::empty().await;
    app.db(|c| {
        c.transaction::<_, diesel::result::Error, _>(|c| {
            for i in 0..3000 {
                diesel::insert_into(tags::table)
                    .values((
                        tags::slug.eq(format!("topic-{i:04}")),
                        tags::name.eq(format!("Topic {i:04}")),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
        .unwrap();
        let mut spec = ArticleSpec::new("tram", "Tram story");
        spec.tags = vec!["Topic 0042"];
        insert_article(c, &spec);
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let started = std::time::Instant::now();
    let first = editor.get("/admin/taxonomy").await;
    let took = started.elapsed();
    assert_eq!(first.status, 200);
    let html = first.html();
    let rows = texts_of(&html, ".tag-table tbody tr td:first-child");
    assert_eq!(rows.len(), 50, "50 tags a page");
    assert_eq!(rows[0], "Topic 0000");
    assert_eq!(
        html.select(&sel("form[action^='/admin/tags/']")).count(),
        0,
        "no form per tag on the list"
    );
    assert!(first.body.contains("Tags page 1 of 60"), "{}", first.body);
    assert!(
        first.body.len() < 200_000,
        "the page stays small: {} bytes",
        first.body.len()
    );
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");

    let next = attr_of(&html, "a[rel=next]", "href").unwrap();
    let second = editor.get(&next).await;
    assert_eq!(
        texts_of(&second.html(), ".tag-table tbody tr td:first-child")[0],
        "Topic 0050"
    );

    let found = editor.get("/admin/taxonomy?q=topic+0042").await;
    let html = found.html();
    let rows: Vec<Vec<String>> = html
        .select(&sel(".tag-table tbody tr"))
        .map(|tr| {
            tr.select(&sel("td"))
                .map(|td| normalise(&td.text().collect::<String>()))
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        [["Topic 0042", "topic-0042", "1"]],
        "name, slug, article count"
    );
    let by_slug = editor.get("/admin/taxonomy?q=topic-299").await;
    assert_eq!(
        texts_of(&by_slug.html(), ".tag-table tbody tr td:first-child").len(),
        10
    );
    // Search characters are matched literally.
    let literal = editor.get("/admin/taxonomy?q=%25").await;
    assert_eq!(
        texts_of(&literal.html(), ".tag-table tbody tr td:first-child").len(),
        0
    );
    assert_eq!(editor.get("/admin/taxonomy?page=61").await.status, 404);
    assert_eq!(editor.get("/admin/taxonomy?page=x").await.status, 400);
    // One tag's own page edits it.
    let tag = id_of(&app, "tags", "topic-0042");
    let one = editor.get(&format!("/admin/tags/{tag}")).await;
    assert_eq!(
        attr_of(&one.html(), "#tag-name", "value").as_deref(),
        Some("Topic 0042")
    );
}
