//! Images: hostile uploads are refused from their headers, fast and with a
//! message; stored images have unguessable URLs and readers get one only
//! while a public article (or an author) uses it; the newsroom sees all.

mod common;

use std::time::{Duration as Elapsed, Instant};

use broadsheet::models::article::Article;
use broadsheet::models::user::Role;
use chrono::Duration;
use common::admin::{Editor, FilePart};
use common::*;

/// A GIF of a few dozen bytes declaring a `screen` and one `frame` of the given sizes.
fn gif_bomb(screen: (u16, u16), frame: (u16, u16)) -> Vec<u8> {
    let mut gif = b"GIF89a".to_vec();
    gif.extend(screen.0.to_le_bytes());
    gif.extend(screen.1.to_le_bytes());
    gif.extend([0x80, 0, 0, 0, 0, 0, 255, 255, 255]); // two-colour global table
    gif.extend([0x2C, 0, 0, 0, 0]);
    gif.extend(frame.0.to_le_bytes());
    gif.extend(frame.1.to_le_bytes());
    gif.extend([0, 2, 2, 0x4C, 0x01, 0, 0x3B]); // LZW data, trailer
    gif
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG that declares `side` x `side` RGB pixels, with valid chunks and checksums.
fn png_bomb(side: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend((data.len() as u32).to_be_bytes());
        let typed: Vec<u8> = kind.iter().chain(data).copied().collect();
        png.extend(&typed);
        png.extend(crc32(&typed).to_be_bytes());
    };
    let mut header = side.to_be_bytes().to_vec();
    header.extend(side.to_be_bytes());
    header.extend([8, 2, 0, 0, 0]);
    chunk(b"IHDR", &header);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    png
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::DynamicImage::new_rgb8(width, height);
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// Section and author ids for the article form.
fn ids(app: &TestApp) -> (String, String) {
    app.db(|c| {
        insert_article(c, &ArticleSpec::new("seed", "Seed"));
        let section = broadsheet::models::Section::find_by_slug(c, "city").unwrap();
        let author = broadsheet::models::Author::find_by_slug(c, "ada-reed").unwrap();
        (section.id.to_string(), author.id.to_string())
    })
}

fn form<'a>(section: &'a str, author: &'a str, action: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("headline", "Harbour Crane Photographed at Dawn"),
        ("slug", "harbour-crane"),
        ("standfirst", "The new crane arrives on Friday."),
        ("alt", "A crane against the morning sky"),
        ("caption", ""),
        ("credit", ""),
        ("takeaways", ""),
        ("desk_heading", ""),
        ("desk_text", ""),
        ("kicker", ""),
        ("author_id", author),
        ("section_id", section),
        ("tags", ""),
        ("body", "The crane is the largest on the coast."),
        ("status", "draft"),
        ("publish_at", ""),
        ("version", ""),
        ("action", action),
    ]
}

fn image_file(bytes: &[u8]) -> Option<FilePart<'_>> {
    Some(FilePart {
        name: "image",
        filename: "photo",
        content_type: "application/octet-stream",
        bytes,
    })
}

fn is_token_path(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|token| token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The image paths (`src` and every `srcset` candidate) of the first `img` matching `css`.
fn image_paths(page: &Page, css: &str) -> Vec<String> {
    let html = page.html();
    let img = select_one(&html, css).expect("an image");
    let mut paths = vec![img.value().attr("src").unwrap().to_string()];
    if let Some(srcset) = img.value().attr("srcset") {
        paths.extend(
            srcset
                .split(", ")
                .map(|c| c.split(' ').next().unwrap().to_string()),
        );
    }
    paths
}

async fn status_of_all(visitor: &mut Editor<'_>, paths: &[String]) -> Vec<u16> {
    let mut statuses = Vec::new();
    for path in paths {
        statuses.push(visitor.get(path).await.status);
    }
    statuses
}

#[actix_web::test]
async fn image_bombs_are_refused_at_once_with_their_size_and_the_form_intact() {
    let app = TestApp::empty().await;
    let (section, author) = ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let fields = form(&section, &author, "save");
    for (bytes, expected) in [
        (
            gif_bomb((12_000, 12_000), (12_000, 12_000)),
            "12000 x 12000 pixels",
        ),
        // A small screen does not hide a huge frame.
        (
            gif_bomb((100, 100), (12_000, 12_000)),
            "frame of 12000 x 12000 pixels",
        ),
        (png_bomb(10_200), "10200 x 10200 pixels"),
    ] {
        let started = Instant::now();
        let page = editor
            .post_multipart("/admin/articles", &fields, image_file(&bytes))
            .await;
        let took = started.elapsed();
        assert_eq!(page.status, 422, "{expected}");
        assert!(took < Elapsed::from_secs(1), "{expected}: took {took:?}");
        let html = page.html();
        let message = text_of(&html, "#image-error").unwrap();
        assert!(message.contains(expected), "{message}");
        assert!(
            message.contains("the largest accepted is 40 megapixels"),
            "{message}"
        );
        assert_eq!(
            attr_of(&html, "#headline", "value").unwrap(),
            "Harbour Crane Photographed at Dawn"
        );
        assert!(select_one(&html, "#body")
            .unwrap()
            .inner_html()
            .contains("largest on the coast"));
    }
    let stored = app.db(|c| {
        use diesel::prelude::*;
        broadsheet::schema::media::table
            .count()
            .get_result::<i64>(c)
            .unwrap()
    });
    assert_eq!(stored, 0, "nothing stored");
}

#[actix_web::test]
async fn a_camera_sized_jpeg_still_uploads_and_is_served() {
    let app = TestApp::empty().await;
    let (section, author) = ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let photo = jpeg(6000, 4000);
    let saved = editor
        .post_multipart(
            "/admin/articles",
            &form(&section, &author, "publish"),
            image_file(&photo),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get("/articles/harbour-crane").await;
    let html = page.html();
    let img = select_one(&html, ".lead-image img").unwrap();
    assert_eq!(img.value().attr("width"), Some("1600"));
    assert_eq!(img.value().attr("height"), Some("1067"));
    let mut reader = app.anonymous();
    let paths = image_paths(&page, ".lead-image img");
    assert_eq!(paths.len(), 4, "src and three srcset widths: {paths:?}");
    assert_eq!(status_of_all(&mut reader, &paths).await, [200; 4]);
}

#[actix_web::test]
async fn a_drafts_image_is_hidden_from_readers_until_published_and_after_trashing() {
    let app = TestApp::empty().await;
    let (section, author) = ids(&app);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let photo = jpeg(2000, 1200);
    let saved = editor
        .post_multipart(
            "/admin/articles",
            &form(&section, &author, "save"),
            image_file(&photo),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let edit_path = saved.header("location").unwrap();
    let id: i32 = edit_path
        .trim_start_matches("/admin/articles/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    // The newsroom sees the draft's image, by its session-only URL.
    let edit = editor.get(&edit_path).await;
    let newsroom_src = image_paths(&edit, ".current-image img").remove(0);
    assert!(
        is_token_path(&newsroom_src, "/admin/media/"),
        "{newsroom_src}"
    );
    let served = editor.get(&newsroom_src).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type").unwrap(), "image/jpeg");
    assert!(served.header("cache-control").unwrap().contains("no-store"));
    let preview = editor.get(&format!("/admin/articles/{id}/preview")).await;
    let preview_paths = image_paths(&preview, ".lead-image img");
    assert_eq!(preview_paths.len(), 4, "{preview_paths:?}");
    assert!(preview_paths
        .iter()
        .all(|p| is_token_path(p, "/admin/media/")));
    assert_eq!(status_of_all(&mut editor, &preview_paths).await, [200; 4]);

    // A reader gets nothing: not by the public URL, not by the newsroom's.
    let public_paths: Vec<String> = preview_paths
        .iter()
        .map(|p| p.replacen("/admin/media/", "/media/", 1))
        .collect();
    let mut reader = app.anonymous();
    assert_eq!(status_of_all(&mut reader, &public_paths).await, [404; 4]);
    assert_eq!(reader.get(&newsroom_src).await.status, 303, "sign in first");

    // Published: the same URLs answer, with a validator and a short cache life.
    let mut publish = form(&section, &author, "publish");
    publish.retain(|(k, _)| *k != "version");
    publish.push(("version", "1"));
    let published = editor
        .post_multipart(&format!("/admin/articles/{id}"), &publish, None)
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let page = app.get("/articles/harbour-crane").await;
    let mut on_page = image_paths(&page, ".lead-image img");
    on_page.sort();
    let mut expected = public_paths.clone();
    expected.sort();
    assert_eq!(on_page, expected);
    assert_eq!(status_of_all(&mut reader, &public_paths).await, [200; 4]);
    let served = app.get(&public_paths[0]).await;
    let cache = served.header("cache-control").unwrap();
    assert_eq!(cache, "max-age=300");
    let etag = served.header("etag").unwrap();
    let again = app
        .get_with(&public_paths[0], &[("If-None-Match", etag.as_str())])
        .await;
    assert_eq!(again.status, 304);

    // Trashed: gone again, even for a cache revalidating its copy.
    let trashed = editor
        .post(&format!("/admin/articles/{id}/delete"), &[])
        .await;
    assert_eq!(trashed.status, 303);
    assert_eq!(status_of_all(&mut reader, &public_paths).await, [404; 4]);
    let revalidated = app
        .get_with(&public_paths[0], &[("If-None-Match", etag.as_str())])
        .await;
    assert_eq!(revalidated.status, 404);
    assert_eq!(editor.get(&newsroom_src).await.status, 200);
}

/// The lead image's public path of an article, read from the database.
fn public_path(app: &TestApp, article_id: i32) -> String {
    use broadsheet::schema::{articles, media};
    use diesel::prelude::*;
    let token: String = app.db(|c| {
        articles::table
            .inner_join(media::table)
            .filter(articles::id.eq(article_id))
            .select(media::token)
            .first(c)
            .unwrap()
    });
    format!("/media/{token}")
}

#[actix_web::test]
async fn scheduled_and_trashed_articles_images_follow_the_public_rule() {
    let app = TestApp::empty().await;
    let with_image = |slug: &str, status: &'static str, at| ArticleSpec {
        image: Some((sample_png(), "image/png")),
        status,
        published_at: at,
        ..ArticleSpec::new(slug, slug)
    };
    let (live, scheduled, draft, trashed) = app.db(|c| {
        let live = insert_article(c, &with_image("live", "published", Some(test_now())));
        let scheduled = insert_article(
            c,
            &with_image("later", "scheduled", Some(test_now() + Duration::hours(2))),
        );
        let draft = insert_article(c, &with_image("draft", "draft", None));
        let trashed = insert_article(c, &with_image("trashed", "published", Some(test_now())));
        Article::soft_delete(c, trashed, test_now()).unwrap();
        (live, scheduled, draft, trashed)
    });
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    for (id, public) in [
        (live, true),
        (scheduled, false),
        (draft, false),
        (trashed, false),
    ] {
        let path = public_path(&app, id);
        assert!(is_token_path(&path, "/media/"), "{path}");
        let expected = if public { 200 } else { 404 };
        assert_eq!(app.get(&path).await.status, expected, "article {id}");
        let newsroom = path.replacen("/media/", "/admin/media/", 1);
        assert_eq!(editor.get(&newsroom).await.status, 200, "article {id}");
    }
    app.clock.set(test_now() + Duration::hours(2));
    assert_eq!(app.get(&public_path(&app, scheduled)).await.status, 200);
}

#[actix_web::test]
async fn media_urls_are_not_sequential_numbers() {
    let app = TestApp::empty().await;
    let ids: Vec<i32> = app.db(|c| {
        (0..2)
            .map(|i| {
                insert_article(
                    c,
                    &ArticleSpec {
                        image: Some((sample_png(), "image/png")),
                        ..ArticleSpec::new(&format!("a{i}"), "A")
                    },
                )
            })
            .collect()
    });
    let (first, second) = (public_path(&app, ids[0]), public_path(&app, ids[1]));
    assert_ne!(first, second);
    let page = app.get("/articles/a0").await;
    assert_eq!(image_paths(&page, ".lead-image img")[0], first);
    // The old numeric URLs answer nothing, to readers or to the newsroom.
    assert_eq!(app.get("/media/1").await.status, 404);
    assert_eq!(app.get("/media/2").await.status, 404);
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    assert_eq!(editor.get("/admin/media/1").await.status, 404);
}

#[actix_web::test]
async fn an_authors_photo_is_public() {
    let app = TestApp::empty().await;
    let path = app.db(|c| {
        use broadsheet::schema::{authors, media};
        use diesel::prelude::*;
        insert_article(c, &ArticleSpec::new("by-ada", "By Ada"));
        let png = sample_png();
        let photo = broadsheet::models::media::create(
            c,
            &broadsheet::models::NewMedia {
                content_type: "image/png".into(),
                width: 1200,
                height: 675,
                data: png,
                created_at: test_now(),
            },
        )
        .unwrap();
        diesel::update(authors::table.filter(authors::slug.eq("ada-reed")))
            .set(authors::photo_id.eq(Some(photo)))
            .execute(c)
            .unwrap();
        let token: String = media::table
            .find(photo)
            .select(media::token)
            .first(c)
            .unwrap();
        format!("/media/{token}")
    });
    assert_eq!(app.get(&path).await.status, 200);
}
