//! Issue 11, Workflow: Co-authors. An article has one or more authors in
//! order: the byline, the JSON-LD (`author` as a list, a desk as an
//! `Organization`), the feeds and every author's page follow the order saved
//! on the form. An account can be linked to its author profile, which new
//! articles default to and "My articles" filters by.

mod common;

use broadsheet::models::author::AuthorKind;
use broadsheet::models::user::Role;
use broadsheet::models::{Author, NewAuthor};
use chrono::Duration;
use common::admin::{article_form, article_id, borrowed, section_and_author_ids, version_of};
use common::*;
use roxmltree::Document;
use serde_json::Value;

const SLUG: &str = "night-ferry-trial-begins";

/// The ids (as form values) of Ada Reed (a person, the form helper's
/// author), Ben Okafor (a person) and the City Desk (an organization).
fn authors(app: &TestApp) -> (String, String, String) {
    let (_, ada) = section_and_author_ids(app);
    app.db(|c| {
        let mut make = |slug: &str, name: &str, kind: AuthorKind| {
            let id = Author::create(
                c,
                &NewAuthor {
                    slug: slug.into(),
                    name: name.into(),
                    bio: String::new(),
                },
            )
            .unwrap();
            Author::set_kind(c, id, kind).unwrap();
            id.to_string()
        };
        let ben = make("ben-okafor", "Ben Okafor", AuthorKind::Person);
        let desk = make("city-desk", "City Desk", AuthorKind::Organization);
        (ada, ben, desk)
    })
}

/// The article's JSON-LD object of `@type` `kind`.
fn json_ld(page: &Page, kind: &str) -> Value {
    page.html()
        .select(&sel("script[type='application/ld+json']"))
        .map(|s| serde_json::from_str::<Value>(&s.text().collect::<String>()).unwrap())
        .find(|v| v["@type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} JSON-LD"))
}

/// (type, name, url) of each `author` in the article's `NewsArticle`.
fn credited(page: &Page) -> Vec<(String, String, String)> {
    json_ld(page, "NewsArticle")["author"]
        .as_array()
        .expect("author is a list")
        .iter()
        .map(|a| {
            (
                a["@type"].as_str().unwrap().to_string(),
                a["name"].as_str().unwrap().to_string(),
                a["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The byline's author names, in order.
fn byline(page: &Page) -> Vec<String> {
    texts_of(&page.html(), ".byline__author")
}

/// Saves the form (new article, or article `id`) with `authors` in the
/// author selects, in order, and any other `changes`.
async fn save_with_authors(
    editor: &mut common::admin::Editor<'_>,
    app: &TestApp,
    id: Option<i32>,
    authors: &[&str],
    changes: &[(&'static str, String)],
) -> Page {
    let mut all: Vec<(&'static str, String)> = changes.to_vec();
    for (field, value) in ["author_id", "author_2", "author_3", "author_4", "author_5"]
        .into_iter()
        .zip(
            authors
                .iter()
                .map(|a| a.to_string())
                .chain(std::iter::repeat(String::new())),
        )
    {
        all.push((field, value));
    }
    let path = match id {
        Some(id) => {
            all.push(("version", version_of(app, id)));
            format!("/admin/articles/{id}")
        }
        None => "/admin/articles".into(),
    };
    let form = article_form(app, &all);
    editor.post_multipart(&path, &borrowed(&form), None).await
}

/// Every page of a listing from `path`, following "Older" links, then back
/// from the last page following "Newer" links: the slugs of each page.
async fn walk(app: &TestApp, path: &str) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let mut older = Vec::new();
    let mut next = Some(path.to_string());
    let mut last = path.to_string();
    while let Some(path) = next {
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        let html = page.html();
        older.push(listed_slugs(&html));
        next = attr_of(&html, "a[rel=next]", "href");
        last = path;
    }
    let mut newer = Vec::new();
    let mut back = Some(last);
    while let Some(path) = back {
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        let html = page.html();
        newer.push(listed_slugs(&html));
        back = attr_of(&html, "a[rel=prev]", "href");
    }
    newer.reverse();
    (older, newer)
}

/// Saved with three authors in order: the byline, the JSON-LD, the Open
/// Graph tags, RSS and Atom credit each of them in that order, and each
/// author's page (walked with Older and Newer) and feed lists the article.
async fn three_authors_are_credited_in_order(app: &TestApp) {
    let (ada, ben, desk) = authors(app);
    // Ada's page has more than one page: 25 articles of her own, an hour apart.
    app.db(|c| {
        for i in 1..=25 {
            let mut spec = ArticleSpec::new(&format!("ada-story-{i}"), &format!("Ada Story {i}"));
            spec.published_at = Some(test_now() - Duration::hours(i));
            insert_article(c, &spec);
        }
    });
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    // Published between Ada's 22nd and 23rd newest: on her second page.
    let when = (test_now() - Duration::minutes(22 * 60 + 30))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let saved = save_with_authors(
        &mut editor,
        app,
        None,
        &[&ada, &desk, &ben],
        &[
            ("action", "publish".into()),
            ("publish_at", when),
            ("backdate", "1".into()),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let page = app.get(&format!("/articles/{SLUG}")).await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert_eq!(byline(&page), ["Ada Reed", "City Desk", "Ben Okafor"]);
    assert_eq!(
        normalise(&text_of(&html, ".byline__authors").unwrap()),
        "By Ada Reed, City Desk and Ben Okafor"
    );
    let hrefs: Vec<String> = html
        .select(&sel("a.byline__author"))
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert_eq!(
        hrefs,
        [
            "/authors/ada-reed",
            "/authors/city-desk",
            "/authors/ben-okafor"
        ]
    );
    assert_eq!(
        credited(&page),
        [
            ("Person", "Ada Reed", "/authors/ada-reed"),
            ("Organization", "City Desk", "/authors/city-desk"),
            ("Person", "Ben Okafor", "/authors/ben-okafor"),
        ]
        .map(|(t, n, p)| (t.to_string(), n.to_string(), format!("{BASE_URL}{p}")))
    );
    let og_authors: Vec<String> = html
        .select(&sel("meta[property='article:author']"))
        .filter_map(|m| m.value().attr("content").map(str::to_string))
        .collect();
    assert_eq!(og_authors.len(), 3, "{og_authors:?}");
    assert!(og_authors[1].ends_with("/authors/city-desk"));

    // RSS: one dc:creator each; Atom: one <author> each, with its page.
    let rss = app.get("/feed.xml").await;
    let doc = Document::parse(&rss.body).unwrap();
    let item = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("item")
                && n.children()
                    .any(|c| c.has_tag_name("link") && c.text().unwrap_or("").ends_with(SLUG))
        })
        .expect("the article in the RSS feed");
    let creators: Vec<&str> = item
        .children()
        .filter(|c| c.has_tag_name(("http://purl.org/dc/elements/1.1/", "creator")))
        .filter_map(|c| c.text())
        .collect();
    assert_eq!(creators, ["Ada Reed", "City Desk", "Ben Okafor"]);
    let atom = app.get("/atom.xml").await;
    let doc = Document::parse(&atom.body).unwrap();
    let entry = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("entry")
                && n.children().any(|c| {
                    c.has_tag_name("link") && c.attribute("href").unwrap_or("").ends_with(SLUG)
                })
        })
        .expect("the article in the Atom feed");
    let names: Vec<(String, String)> = entry
        .children()
        .filter(|c| c.has_tag_name("author"))
        .map(|a| {
            let part = |name: &str| {
                a.children()
                    .find(|c| c.has_tag_name(name))
                    .and_then(|c| c.text())
                    .unwrap_or("")
                    .to_string()
            };
            (part("name"), part("uri"))
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Ada Reed", "/authors/ada-reed"),
            ("City Desk", "/authors/city-desk"),
            ("Ben Okafor", "/authors/ben-okafor"),
        ]
        .map(|(n, p)| (n.to_string(), format!("{BASE_URL}{p}")))
    );

    // Each author's page and feed lists it.
    for author in ["ben-okafor", "city-desk"] {
        let listing = app.get(&format!("/authors/{author}")).await;
        assert_eq!(listing.status, 200);
        assert_eq!(listed_slugs(&listing.html()), [SLUG], "{author}");
        let feed = app.get(&format!("/authors/{author}/feed.xml")).await;
        assert!(feed.body.contains(SLUG), "{author}'s feed");
    }
    // The desk's page says it is an organization.
    let desk_page = app.get("/authors/city-desk").await;
    assert_eq!(
        json_ld(&desk_page, "ProfilePage")["mainEntity"]["@type"],
        "Organization"
    );
    // Ada's: her 25 stories, the seed article and the co-authored one over
    // two pages, the co-authored one on the second in its place by time, the
    // same pages walking back with Newer.
    let (older, newer) = walk(app, "/authors/ada-reed").await;
    assert_eq!(older.len(), 2, "{older:?}");
    assert_eq!(older, newer);
    assert!(older[1].contains(&SLUG.to_string()), "{older:?}");
    let all: Vec<&String> = older.iter().flatten().collect();
    assert_eq!(all.len(), 27);
    let at = all.iter().position(|s| *s == SLUG).unwrap();
    assert_eq!(all[at - 1], "ada-story-22");
    assert_eq!(all[at + 1], "ada-story-23");
}

#[actix_web::test]
async fn three_authors_are_credited_in_order_everywhere() {
    let app = TestApp::empty().await;
    three_authors_are_credited_in_order(&app).await;
}

#[actix_web::test]
async fn three_authors_are_credited_in_order_everywhere_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    three_authors_are_credited_in_order(&app).await;
}

/// Removing an author takes the article off their page at once (the cached
/// page is dropped by the save); reordering changes the lead author.
async fn reorder_and_remove(app: &TestApp) {
    let (ada, ben, _) = authors(app);
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    let saved = save_with_authors(
        &mut editor,
        app,
        None,
        &[&ada, &ben],
        &[("action", "publish".into())],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = article_id(app, SLUG);
    // Both pages are served (and cached) listing it.
    for author in ["ada-reed", "ben-okafor"] {
        let page = app.get(&format!("/authors/{author}")).await;
        assert!(listed_slugs(&page.html()).contains(&SLUG.to_string()));
    }
    let edit = editor.get(&format!("/admin/articles/{id}/edit")).await;
    let html = edit.html();
    assert_eq!(
        attr_of(&html, "#author_id option[selected]", "value").as_deref(),
        Some(ada.as_str())
    );
    assert_eq!(
        attr_of(&html, "#author_2 option[selected]", "value").as_deref(),
        Some(ben.as_str())
    );

    // Reordered: Ben leads.
    let live = [("status", "published".to_string())];
    let saved = save_with_authors(&mut editor, app, Some(id), &[&ben, &ada], &live).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get(&format!("/articles/{SLUG}")).await;
    assert_eq!(byline(&page), ["Ben Okafor", "Ada Reed"]);
    assert_eq!(credited(&page)[0].1, "Ben Okafor");
    let lead: Option<i32> = app.read(|c| {
        use broadsheet::schema::articles;
        use diesel::prelude::*;
        articles::table
            .find(id)
            .select(articles::author_id)
            .first(c)
            .unwrap()
    });
    assert_eq!(lead.map(|l| l.to_string()), Some(ben.clone()));

    // Ada removed: her page no longer lists it, Ben's still does.
    let saved = save_with_authors(&mut editor, app, Some(id), &[&ben], &live).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get(&format!("/articles/{SLUG}")).await;
    assert_eq!(byline(&page), ["Ben Okafor"]);
    assert_eq!(
        normalise(&text_of(&page.html(), ".byline__authors").unwrap()),
        "By Ben Okafor"
    );
    let ada_page = app.get("/authors/ada-reed").await;
    assert!(!listed_slugs(&ada_page.html()).contains(&SLUG.to_string()));
    let ada_feed = app.get("/authors/ada-reed/feed.xml").await;
    assert!(!ada_feed.body.contains(SLUG));
    let ben_page = app.get("/authors/ben-okafor").await;
    assert_eq!(listed_slugs(&ben_page.html()), [SLUG]);

    // Revisions keep the authors: restoring the first brings Ada back, second.
    let first_revision: i32 = app.read(|c| {
        use broadsheet::schema::article_revisions as r;
        use diesel::prelude::*;
        r::table
            .filter(r::article_id.eq(id))
            .order(r::id.asc())
            .select(r::id)
            .first(c)
            .unwrap()
    });
    let restored = editor
        .post(
            &format!("/admin/articles/{id}/revisions/{first_revision}/restore"),
            &[],
        )
        .await;
    assert_eq!(restored.status, 303, "{}", restored.body);
    let page = app.get(&format!("/articles/{SLUG}")).await;
    assert_eq!(byline(&page), ["Ada Reed", "Ben Okafor"]);
}

#[actix_web::test]
async fn reordering_and_removing_authors_updates_every_page() {
    let app = TestApp::empty().await;
    reorder_and_remove(&app).await;
}

#[actix_web::test]
async fn reordering_and_removing_authors_updates_every_page_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    reorder_and_remove(&app).await;
}

/// The same author twice is refused with a message; nothing is saved and
/// everything typed comes back.
async fn duplicate_refused(app: &TestApp) {
    let (ada, ben, _) = authors(app);
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    let page = save_with_authors(
        &mut editor,
        app,
        None,
        &[&ada, &ben, &ada],
        &[
            ("headline", "A Carefully Typed Headline".into()),
            ("body", "Paragraphs the editor must not lose.".into()),
        ],
    )
    .await;
    assert_eq!(page.status, 422);
    let html = page.html();
    let message = text_of(&html, "#authors-error").expect("a message for the authors");
    assert!(message.contains("Ada Reed is chosen twice"), "{message}");
    assert_eq!(
        attr_of(&html, "#headline", "value").as_deref(),
        Some("A Carefully Typed Headline")
    );
    assert_eq!(
        text_of(&html, "#body").as_deref(),
        Some("Paragraphs the editor must not lose.")
    );
    for (select, chosen) in [("author_id", &ada), ("author_2", &ben), ("author_3", &ada)] {
        assert_eq!(
            attr_of(&html, &format!("#{select} option[selected]"), "value").as_ref(),
            Some(chosen),
            "{select}"
        );
    }
    let saved: i64 = app.read(|c| {
        use broadsheet::schema::articles;
        use diesel::prelude::*;
        articles::table
            .filter(articles::headline.eq("A Carefully Typed Headline"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(saved, 0);
    // An id that names no author is refused too.
    let page = save_with_authors(&mut editor, app, None, &[&ada, "99999"], &[]).await;
    assert_eq!(page.status, 422);
    assert!(text_of(&page.html(), "#authors-error")
        .unwrap()
        .contains("from the list"));
}

#[actix_web::test]
async fn a_duplicate_author_is_refused_keeping_the_form() {
    let app = TestApp::empty().await;
    duplicate_refused(&app).await;
}

#[actix_web::test]
async fn a_duplicate_author_is_refused_keeping_the_form_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    duplicate_refused(&app).await;
}

/// An admin links a writer's account to Ben's profile: the writer's new
/// article is Ben's, and "My articles" lists exactly what Ben is credited
/// with. A contributor cannot change any account's link.
async fn my_articles(app: &TestApp) {
    let (ada, ben, _) = authors(app);
    app.db(|c| {
        insert_article(
            c,
            &ArticleSpec::new("adas-public-story", "Ada's Public Story"),
        );
    });
    let mut admin = app.signed_in("admin@news.example", Role::Admin).await;
    let writer_id = app.create_user("writer@news.example", Role::Contributor);
    let before = admin.get("/admin").await;
    assert!(
        select_one(&before.html(), "#filter-mine").is_none(),
        "no profile, no \"My articles\""
    );
    let linked = admin
        .post(
            &format!("/admin/users/{writer_id}"),
            &[("role", "contributor"), ("author_id", &ben)],
        )
        .await;
    assert_eq!(linked.status, 303, "{}", linked.body);
    let users = admin.get("/admin/users").await;
    assert_eq!(
        attr_of(
            &users.html(),
            &format!("#profile-{writer_id} option[selected]"),
            "value"
        )
        .as_ref(),
        Some(&ben)
    );

    let mut writer = app.anonymous();
    assert_eq!(
        writer
            .sign_in("writer@news.example", common::admin::PASSWORD)
            .await
            .status,
        303
    );
    // The new article form is Ben's already.
    let new = writer.get("/admin/articles/new").await;
    assert_eq!(
        attr_of(&new.html(), "#author_id option[selected]", "value").as_ref(),
        Some(&ben)
    );
    let saved = save_with_authors(&mut writer, app, None, &[&ben], &[]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let all = writer.get("/admin").await;
    let headlines = texts_of(&all.html(), ".article-table__headline");
    assert!(headlines.len() > 1, "{headlines:?}");
    assert!(select_one(&all.html(), "#filter-mine").is_some());
    let mine = writer.get("/admin?mine=1").await;
    let html = mine.html();
    let headlines: Vec<String> = texts_of(&html, ".article-table__headline")
        .iter()
        .map(|h| normalise(h))
        .collect();
    assert_eq!(headlines, ["Night Ferry Trial Begins"]);
    assert!(select_one(&html, "#filter-mine[checked]").is_some());

    // A contributor cannot link anyone, themselves included.
    for target in [writer_id, admin_id(app)] {
        let refused = writer
            .post(
                &format!("/admin/users/{target}"),
                &[("role", "contributor"), ("author_id", &ada)],
            )
            .await;
        assert_eq!(refused.status, 403);
    }
    let link: Option<i32> = app.read(|c| {
        broadsheet::models::user::User::find(c, writer_id)
            .unwrap()
            .author_id
    });
    assert_eq!(link.map(|l| l.to_string()), Some(ben.clone()));
    // Unlinking hides the filter again.
    let unlinked = admin
        .post(
            &format!("/admin/users/{writer_id}"),
            &[("role", "contributor"), ("author_id", "")],
        )
        .await;
    assert_eq!(unlinked.status, 303);
    let after = writer.get("/admin").await;
    assert!(select_one(&after.html(), "#filter-mine").is_none());
}

fn admin_id(app: &TestApp) -> i32 {
    app.read(|c| {
        broadsheet::models::user::User::find_by_email(c, "admin@news.example")
            .unwrap()
            .unwrap()
            .id
    })
}

#[actix_web::test]
async fn my_articles_follows_the_linked_author_profile() {
    let app = TestApp::empty().await;
    my_articles(&app).await;
}

#[actix_web::test]
async fn my_articles_follows_the_linked_author_profile_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    my_articles(&app).await;
}

/// The author form sets whether an author is a desk; the article then
/// credits it as an `Organization` and shows its name without "By".
async fn desk_kind(app: &TestApp) {
    let (_, _, _) = authors(app);
    let ben_id: i32 = app.read(|c| Author::find_by_slug(c, "ben-okafor").unwrap().id);
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    let saved = editor
        .post_multipart(
            &format!("/admin/authors/{ben_id}"),
            &[
                ("name", "Harbour Desk"),
                ("slug", "harbour-desk"),
                ("bio", ""),
                ("kind", "organization"),
            ],
            None,
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let refused = editor
        .post_multipart(
            &format!("/admin/authors/{ben_id}"),
            &[
                ("name", "Harbour Desk"),
                ("slug", "harbour-desk"),
                ("kind", "robot"),
            ],
            None,
        )
        .await;
    assert_eq!(refused.status, 422);
    let saved = save_with_authors(
        &mut editor,
        app,
        None,
        &[&ben_id.to_string()],
        &[("action", "publish".into())],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get(&format!("/articles/{SLUG}")).await;
    assert_eq!(
        normalise(&text_of(&page.html(), ".byline__authors").unwrap()),
        "Harbour Desk"
    );
    assert_eq!(
        credited(&page),
        [(
            "Organization".to_string(),
            "Harbour Desk".to_string(),
            format!("{BASE_URL}/authors/harbour-desk")
        )]
    );
}

#[actix_web::test]
async fn a_desk_is_credited_as_an_organization() {
    let app = TestApp::empty().await;
    desk_kind(&app).await;
}

#[actix_web::test]
async fn a_desk_is_credited_as_an_organization_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    desk_kind(&app).await;
}

/// The demo site has a co-authored article and a desk byline.
#[actix_web::test]
async fn the_demo_has_a_coauthored_article_and_a_desk_byline() {
    let app = TestApp::with_demo().await;
    let page = app
        .get("/articles/council-port-blue-corridor-ferry-pact")
        .await;
    assert_eq!(byline(&page), ["Mara Quist", "Tobias Renn"]);
    let desk = app
        .get("/articles/harbour-street-library-sunday-opening")
        .await;
    assert_eq!(
        normalise(&text_of(&desk.html(), ".byline__authors").unwrap()),
        "City Desk"
    );
    assert_eq!(credited(&desk)[0].0, "Organization");
    let tobias = app.get("/authors/tobias-renn").await;
    assert!(
        listed_slugs(&tobias.html()).contains(&"council-port-blue-corridor-ferry-pact".to_string())
    );
}

/// Export and import carry the authors in order, the desk's kind and the
/// account's profile; a file from before co-authors (no `author_ids`,
/// `kind` or profile) still imports, crediting each article's `author_id`.
async fn export_round_trip(target: &TestApp, older_target: &TestApp) {
    use broadsheet::models::user::User;
    let source = TestApp::empty().await;
    let (ada, ben, desk) = authors(&source);
    let (ada, ben, desk): (i32, i32, i32) = (
        ada.parse().unwrap(),
        ben.parse().unwrap(),
        desk.parse().unwrap(),
    );
    let writer = source.create_user("writer@news.example", Role::Contributor);
    let article = source.db(|c| {
        let id = insert_article(c, &ArticleSpec::new("shared-story", "Shared Story"));
        Author::set_for_article(c, id, &[ben, desk, ada]).unwrap();
        User::set_author(c, writer, Some(ben)).unwrap();
        id
    });
    let mut file = Vec::new();
    source.read(|c| broadsheet::export::export(c, &mut file, false, test_now()).unwrap());

    target.read(|c| {
        broadsheet::export::import(c, file.as_slice(), BASE_URL, test_now()).unwrap();
        assert_eq!(
            Author::ids_for_article(c, article).unwrap(),
            [ben, desk, ada]
        );
        assert_eq!(
            Author::find(c, desk).unwrap().kind(),
            AuthorKind::Organization
        );
        assert_eq!(User::find(c, writer).unwrap().author_id, Some(ben));
    });
    target.notice_changes();
    let page = target.get("/articles/shared-story").await;
    assert_eq!(byline(&page), ["Ben Okafor", "City Desk", "Ada Reed"]);

    // The same file as an older Broadsheet wrote it: no `author_ids` on
    // articles, no `kind` on authors, no `author_id` at the end of accounts.
    let mut old = String::from_utf8(file.clone()).unwrap();
    while let Some(at) = old.find(",\"author_ids\":[") {
        let end = at + old[at..].find(']').unwrap() + 1;
        old.replace_range(at..end, "");
    }
    old = old
        .replace(",\"kind\":\"person\"", "")
        .replace(",\"kind\":\"organization\"", "");
    for linked in [
        ",\"author_id\":null}".to_string(),
        format!(",\"author_id\":{ben}}}"),
    ] {
        old = old.replace(&linked, "}");
    }
    let old = old.into_bytes();
    assert!(!String::from_utf8_lossy(&old).contains("author_ids"));
    older_target.read(|c| {
        broadsheet::export::import(c, old.as_slice(), BASE_URL, test_now()).unwrap();
        // The lead author (`author_id`) is the one author; kinds are people.
        assert_eq!(Author::ids_for_article(c, article).unwrap(), [ben]);
        assert_eq!(Author::find(c, desk).unwrap().kind(), AuthorKind::Person);
        assert_eq!(User::find(c, writer).unwrap().author_id, None);
    });
}

#[actix_web::test]
async fn export_and_import_carry_the_authors() {
    let (target, older) = (TestApp::empty().await, TestApp::empty().await);
    export_round_trip(&target, &older).await;
}

#[actix_web::test]
async fn export_and_import_carry_the_authors_on_postgres() {
    let Some(target) = TestApp::on_postgres(false).await else {
        return;
    };
    let Some(older) = TestApp::on_postgres(false).await else {
        return;
    };
    export_round_trip(&target, &older).await;
}

/// Deleting an author credits their articles to the one chosen: in the
/// deleted author's place, once (an article already crediting both keeps
/// one credit, at the earlier place), and a linked account follows.
async fn deleting_a_coauthor(app: &TestApp) {
    use broadsheet::models::user::User;
    let (ada, ben, desk) = authors(app);
    let (ada, ben, desk): (i32, i32, i32) = (
        ada.parse().unwrap(),
        ben.parse().unwrap(),
        desk.parse().unwrap(),
    );
    let writer = app.create_user("writer@news.example", Role::Contributor);
    let (both, ben_leads) = app.db(|c| {
        let both = insert_article(c, &ArticleSpec::new("both-credited", "Both Credited"));
        Author::set_for_article(c, both, &[desk, ada, ben]).unwrap();
        let ben_leads = insert_article(c, &ArticleSpec::new("ben-leads", "Ben Leads"));
        Author::set_for_article(c, ben_leads, &[ben, desk]).unwrap();
        User::set_author(c, writer, Some(ben)).unwrap();
        (both, ben_leads)
    });
    let mut editor = app.signed_in("desk@news.example", Role::Editor).await;
    let deleted = editor
        .post(
            &format!("/admin/authors/{ben}/delete"),
            &[("into", &ada.to_string())],
        )
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    app.read(|c| {
        assert_eq!(Author::ids_for_article(c, both).unwrap(), [desk, ada]);
        assert_eq!(Author::ids_for_article(c, ben_leads).unwrap(), [ada, desk]);
        assert_eq!(User::find(c, writer).unwrap().author_id, Some(ada));
    });
    let page = app.get("/articles/ben-leads").await;
    assert_eq!(byline(&page), ["Ada Reed", "City Desk"]);
    let ada_page = app.get("/authors/ada-reed").await;
    let listed = listed_slugs(&ada_page.html());
    for slug in ["both-credited", "ben-leads"] {
        assert_eq!(
            listed.iter().filter(|s| *s == slug).count(),
            1,
            "{listed:?}"
        );
    }
    assert_eq!(app.get("/authors/ben-okafor").await.status, 301);
}

#[actix_web::test]
async fn deleting_a_coauthor_credits_the_replacement_once() {
    let app = TestApp::empty().await;
    deleting_a_coauthor(&app).await;
}

#[actix_web::test]
async fn deleting_a_coauthor_credits_the_replacement_once_on_postgres() {
    let Some(app) = TestApp::on_postgres(false).await else {
        return;
    };
    deleting_a_coauthor(&app).await;
}
