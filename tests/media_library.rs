//! The media library: each image's own alt text, caption and credit (edited,
//! searched, adopted from the article form), reusing an image as a lead image
//! or in a body, and the public rule for body images.

mod common;

use broadsheet::models::user::Role;
use common::admin::{article_form, article_id, borrowed, version_of, Editor, FilePart};
use common::*;
use diesel::prelude::*;

/// A photo of `width` × `height` with some detail, as JPEG bytes.
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

fn image_file(bytes: &[u8]) -> Option<FilePart<'_>> {
    Some(FilePart {
        name: "image",
        filename: "photo.jpg",
        content_type: "image/jpeg",
        bytes,
    })
}

/// The image (original) an article leads with, and its token.
fn lead_image(app: &TestApp, article: i32) -> (i32, String) {
    use broadsheet::schema::{articles, media};
    app.db(|c| {
        articles::table
            .inner_join(media::table)
            .filter(articles::id.eq(article))
            .select((media::id, media::token))
            .first(c)
            .unwrap()
    })
}

/// Saves a new draft with an uploaded lead image and the given image fields;
/// returns the article's id and its image's id and token.
async fn draft_with_upload(
    app: &TestApp,
    editor: &mut Editor<'_>,
    slug: &str,
    alt: &str,
    caption: &str,
    credit: &str,
) -> (i32, i32, String) {
    upload_draft(app, editor, slug, (alt, caption, credit), &jpeg(1000, 700)).await
}

/// [`draft_with_upload`] with the image file given.
async fn upload_draft(
    app: &TestApp,
    editor: &mut Editor<'_>,
    slug: &str,
    (alt, caption, credit): (&str, &str, &str),
    photo: &[u8],
) -> (i32, i32, String) {
    let fields = article_form(
        app,
        &[
            ("headline", format!("Story {slug}")),
            ("slug", slug.to_string()),
            ("alt", alt.to_string()),
            ("caption", caption.to_string()),
            ("credit", credit.to_string()),
        ],
    );
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), image_file(photo))
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = article_id(app, slug);
    let (image, token) = lead_image(app, id);
    (id, image, token)
}

#[actix_web::test]
async fn an_upload_gives_the_image_its_defaults_and_editors_edit_and_search_them() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let (_, crane, _) = draft_with_upload(
        &app,
        &mut editor,
        "crane",
        "A crane against the dawn sky",
        "The new crane at berth 4.",
        "Mira Holm",
    )
    .await;
    let (_, ferry, _) =
        draft_with_upload(&app, &mut editor, "ferry", "The night ferry", "", "").await;

    // The library shows each image's defaults, its size and its uses.
    let library = editor.get("/admin/media").await.html();
    let row = format!("#image-{crane}");
    assert_eq!(
        text_of(&library, &format!("{row} .media-table__alt")).unwrap(),
        "A crane against the dawn sky"
    );
    assert_eq!(
        text_of(&library, &format!("{row} .media-table__credit")).unwrap(),
        "Credit: Mira Holm"
    );
    assert!(text_of(&library, &format!("{row} .media-table__size"))
        .unwrap()
        .contains("1000×700"));
    assert!(text_of(&library, &format!("{row} .media-table__uses"))
        .unwrap()
        .contains("Story crane"));

    // Search finds by alt text, caption or credit, whatever the case.
    for (query, expected) in [
        ("MIRA", vec![crane]),
        ("berth 4", vec![crane]),
        ("night ferry", vec![ferry]),
        ("the", vec![ferry, crane]),
        ("100%", vec![]),
    ] {
        let page = editor
            .get(&format!(
                "/admin/media?q={}",
                query.replace(' ', "+").replace('%', "%25")
            ))
            .await;
        assert_eq!(page.status, 200);
        let html = page.html();
        let found: Vec<i32> = html
            .select(&sel(".media-table tbody tr"))
            .map(|tr| tr.value().id().unwrap()["image-".len()..].parse().unwrap())
            .collect();
        assert_eq!(found, expected, "{query}");
        assert_eq!(attr_of(&html, "#media-q", "value").unwrap(), query);
    }

    // The edit form stores new defaults, which search then finds.
    let edit = editor.get(&format!("/admin/media/{ferry}/edit")).await;
    assert_eq!(edit.status, 200);
    assert_eq!(
        attr_of(&edit.html(), "#alt", "value").unwrap(),
        "The night ferry"
    );
    let saved = editor
        .post(
            &format!("/admin/media/{ferry}"),
            &[
                ("alt", "  The night ferry leaving the harbour "),
                ("caption", "The 23:00 crossing."),
                ("credit", "Jon Vik"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let edit = editor
        .get(&format!("/admin/media/{ferry}/edit"))
        .await
        .html();
    assert_eq!(
        attr_of(&edit, "#alt", "value").unwrap(),
        "The night ferry leaving the harbour"
    );
    assert_eq!(text_of(&edit, "#caption").unwrap(), "The 23:00 crossing.");
    let by_credit = editor.get("/admin/media?q=jon+vik").await.html();
    assert!(select_one(&by_credit, &format!("#image-{ferry}")).is_some());
    assert!(select_one(&by_credit, &format!("#image-{crane}")).is_none());

    // Too long: refused with a message, and what was typed comes back.
    let long_alt = "x".repeat(301);
    let refused = editor
        .post(
            &format!("/admin/media/{ferry}"),
            &[
                ("alt", &long_alt),
                ("caption", "Kept caption"),
                ("credit", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    let html = refused.html();
    assert!(text_of(&html, "#alt-error").unwrap().contains("300"));
    assert_eq!(attr_of(&html, "#alt", "value").unwrap(), long_alt);
    assert_eq!(text_of(&html, "#caption").unwrap(), "Kept caption");

    // Editors only, and never without the form's CSRF token.
    let mut contributor = app.signed_in("c@news.example", Role::Contributor).await;
    assert_eq!(
        contributor
            .get(&format!("/admin/media/{ferry}/edit"))
            .await
            .status,
        403
    );
    let forged = editor
        .post_raw(
            &format!("/admin/media/{ferry}"),
            &[("alt", "Forged"), ("csrf_token", "nope")],
            &[],
        )
        .await;
    assert_eq!(forged.status, 403);
    let alt: String = app.db(|c| {
        broadsheet::schema::media::table
            .find(ferry)
            .select(broadsheet::schema::media::alt)
            .first(c)
            .unwrap()
    });
    assert_eq!(alt, "The night ferry leaving the harbour");
}

#[actix_web::test]
async fn reusing_a_library_image_as_lead_image_fills_its_defaults() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let (_, image, token) = draft_with_upload(
        &app,
        &mut editor,
        "first-use",
        "Boats in the harbour at dusk",
        "Evening at the quay.",
        "Ana Berg",
    )
    .await;

    // The library's "Use as lead image" opens the new-article form with it.
    let library = editor.get("/admin/media").await.html();
    let href = attr_of(
        &library,
        &format!("#image-{image} a[href^='/admin/articles/new']"),
        "href",
    )
    .unwrap();
    let form = editor.get(&href).await;
    assert_eq!(form.status, 200);
    let html = form.html();
    assert_eq!(
        attr_of(&html, "#library_image option[selected]", "value").unwrap(),
        image.to_string()
    );
    assert_eq!(
        attr_of(&html, "#alt", "value").unwrap(),
        "Boats in the harbour at dusk"
    );
    assert_eq!(attr_of(&html, "#credit", "value").unwrap(), "Ana Berg");

    // Saved with empty image fields: the image's defaults fill them; a
    // caption the editor typed is kept.
    let fields = article_form(
        &app,
        &[
            ("headline", "Second Use of the Boats".into()),
            ("slug", "second-use".into()),
            ("library_image", image.to_string()),
            ("caption", "A caption of our own.".into()),
            ("action", "publish".into()),
            ("status", "published".into()),
        ],
    );
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = article_id(&app, "second-use");
    assert_eq!(lead_image(&app, id), (image, token.clone()));
    let page = app.get("/articles/second-use").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert_eq!(
        attr_of(&html, ".lead-image img", "alt").unwrap(),
        "Boats in the harbour at dusk"
    );
    let figure = text_of(&html, ".lead-image").unwrap();
    assert!(figure.contains("A caption of our own."), "{figure}");
    assert!(figure.contains("Ana Berg"), "{figure}");
    assert_eq!(app.get(&format!("/media/{token}")).await.status, 200);

    // The library lists both articles as users of the image.
    let uses = text_of(
        &editor.get("/admin/media").await.html(),
        &format!("#image-{image} .media-table__uses"),
    )
    .unwrap();
    assert!(uses.contains("Story first-use") && uses.contains("Second Use of the Boats"));

    // An id that names no image is a field error, and the form is kept.
    let fields = article_form(
        &app,
        &[
            ("headline", "Nothing Here".into()),
            ("library_image", "999999".into()),
        ],
    );
    let refused = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(refused.status, 422);
    let html = refused.html();
    assert!(text_of(&html, "#library_image-error")
        .unwrap()
        .contains("no image 999999"));
    assert_eq!(
        attr_of(&html, "#headline", "value").unwrap(),
        "Nothing Here"
    );

    // The library holds drafts' photos: contributors get no picker, and a
    // forged pick is refused.
    let mut contributor = app.signed_in("c@news.example", Role::Contributor).await;
    let form = contributor.get("/admin/articles/new").await.html();
    assert!(select_one(&form, "#library_image").is_none());
    let fields = article_form(
        &app,
        &[
            ("headline", "Borrowed Photo".into()),
            ("library_image", image.to_string()),
        ],
    );
    let refused = contributor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(refused.status, 422);
    assert!(text_of(&refused.html(), "#library_image-error")
        .unwrap()
        .contains("Only editors"));
}

/// Saves article `id` again with `changes` (the current version included).
async fn resave(
    app: &TestApp,
    editor: &mut Editor<'_>,
    id: i32,
    changes: &[(&'static str, String)],
) {
    let mut all = changes.to_vec();
    all.push(("version", version_of(app, id)));
    let fields = article_form(app, &all);
    let saved = editor
        .post_multipart(&format!("/admin/articles/{id}"), &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
}

#[actix_web::test]
async fn a_body_only_image_is_served_once_its_article_is_public_and_never_before() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    // The image's only lead use is a draft, which is trashed: no lead use left.
    let (first, image, token) =
        draft_with_upload(&app, &mut editor, "holder", "Pier lights", "", "").await;
    let path = format!("/media/{token}");

    // The library's snippet, pasted into another draft's body.
    let library = editor.get("/admin/media").await.html();
    let snippet = text_of(&library, &format!("#snippet-{image}")).unwrap();
    assert!(
        snippet.starts_with(&format!("![Pier lights]({path})")),
        "{snippet}"
    );
    let fields = article_form(
        &app,
        &[
            ("headline", "Lights on the Pier".into()),
            ("slug", "pier-lights".into()),
            (
                "body",
                format!("The pier at night.\n\n{snippet}\n\nMore text."),
            ),
        ],
    );
    let saved = editor
        .post_multipart("/admin/articles", &borrowed(&fields), None)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let body_article = article_id(&app, "pier-lights");
    let trashed = editor
        .post(&format!("/admin/articles/{first}/delete"), &[])
        .await;
    assert_eq!(trashed.status, 303);

    // While the article is a draft, readers get a 404.
    assert_eq!(app.get(&path).await.status, 404);
    let uses = text_of(
        &editor.get("/admin/media").await.html(),
        &format!("#image-{image} .media-table__uses"),
    )
    .unwrap();
    assert!(
        uses.contains("Lights on the Pier") && uses.contains("in the body"),
        "{uses}"
    );

    // Delete is refused while a body uses it, naming the article.
    editor
        .post(&format!("/admin/media/{image}/delete"), &[])
        .await;
    let flash = text_of(&editor.get("/admin/media").await.html(), ".flash").unwrap();
    assert!(
        flash.contains("not deleted") && flash.contains("Lights on the Pier"),
        "{flash}"
    );
    assert_eq!(lead_image(&app, first).0, image, "nothing was deleted");

    // Published: the body shows it and readers get it.
    resave(
        &app,
        &mut editor,
        body_article,
        &[
            ("headline", "Lights on the Pier".into()),
            ("slug", "pier-lights".into()),
            ("body", format!("The pier at night.\n\n{snippet}")),
            ("action", "publish".into()),
            ("status", "published".into()),
        ],
    )
    .await;
    let page = app.get("/articles/pier-lights").await.html();
    assert_eq!(attr_of(&page, ".article__body img", "src").unwrap(), path);
    assert_eq!(app.get(&path).await.status, 200);

    // Taken out of the body: readers lose it again.
    resave(
        &app,
        &mut editor,
        body_article,
        &[
            ("headline", "Lights on the Pier".into()),
            ("slug", "pier-lights".into()),
            ("body", "The pier at night, no picture.".into()),
            ("status", "published".into()),
        ],
    )
    .await;
    assert_eq!(app.get(&path).await.status, 404);
}

/// The article's JSON-LD object of `@type` `kind`.
fn json_ld(page: &Page, kind: &str) -> serde_json::Value {
    page.html()
        .select(&sel("script[type='application/ld+json']"))
        .map(|s| serde_json::from_str::<serde_json::Value>(&s.text().collect::<String>()).unwrap())
        .find(|v| v["@type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} JSON-LD"))
}

/// The `image` URLs of an article's `NewsArticle`, as paths.
fn json_ld_images(page: &Page) -> Vec<String> {
    json_ld(page, "NewsArticle")["image"]
        .as_array()
        .expect("image is a list")
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap()
                .strip_prefix(BASE_URL)
                .unwrap()
                .to_string()
        })
        .collect()
}

/// A 1600 × 900 photo whose left 300 pixels are red and the rest blue.
fn red_left_edge() -> Vec<u8> {
    let img = image::RgbImage::from_fn(1600, 900, |x, _| {
        if x < 300 {
            image::Rgb([230, 20, 20])
        } else {
            image::Rgb([20, 20, 230])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// Checks a reader gets the image at `path`, and decodes its stored bytes
/// (the test harness reads bodies as text).
async fn decoded(app: &TestApp, path: &str) -> image::DynamicImage {
    let served = app.get(path).await;
    assert_eq!(served.status, 200, "{path}");
    let token = path.trim_start_matches("/media/").to_string();
    let bytes: Vec<u8> = app.db(|c| {
        use broadsheet::schema::media;
        media::table
            .filter(media::token.eq(token))
            .select(media::data)
            .first(c)
            .unwrap()
    });
    assert_eq!(
        served
            .header("content-length")
            .map(|l| l.parse::<usize>().unwrap()),
        Some(bytes.len()),
        "{path}: the stored bytes are what is served"
    );
    image::load_from_memory(&bytes).expect("an image")
}

#[actix_web::test]
async fn lead_images_get_4_3_and_square_crops_listed_in_json_ld_and_moved_by_the_focal_point() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let (id, image, token) = upload_draft(
        &app,
        &mut editor,
        "red-edge",
        ("A blue wall with a red edge", "", ""),
        &red_left_edge(),
    )
    .await;
    resave(
        &app,
        &mut editor,
        id,
        &[
            ("headline", "Story red-edge".into()),
            ("slug", "red-edge".into()),
            ("alt", "A blue wall with a red edge".into()),
            ("action", "publish".into()),
            ("status", "published".into()),
        ],
    )
    .await;

    // The image in its own shape, then 4:3, then 1:1.
    let page = app.get("/articles/red-edge").await;
    let images = json_ld_images(&page);
    assert_eq!(images.len(), 3, "{images:?}");
    assert_eq!(images[0], format!("/media/{token}"));
    let shapes: Vec<(u32, u32)> = {
        let mut shapes = Vec::new();
        for path in &images {
            let img = decoded(&app, path).await;
            shapes.push((img.width(), img.height()));
        }
        shapes
    };
    assert_eq!(shapes, [(1600, 900), (1200, 900), (900, 900)]);
    // Centred, the square crop starts at x = 350: no red in it.
    let square = decoded(&app, &images[2]).await.to_rgb8();
    assert!(square.get_pixel(10, 450)[2] > 150, "blue at the left edge");

    // The edit page shows the crops and the point (the middle).
    let edit = editor
        .get(&format!("/admin/media/{image}/edit"))
        .await
        .html();
    assert_eq!(attr_of(&edit, "#focal_x", "value").unwrap(), "50");
    assert_eq!(
        texts_of(&edit, ".media-edit__crop figcaption"),
        ["4:3 · 1200×900", "1:1 · 900×900"]
    );

    // A point outside the image is refused, and what was typed comes back.
    let refused = editor
        .post(
            &format!("/admin/media/{image}/focal"),
            &[("focal_x", "150"), ("focal_y", "50")],
        )
        .await;
    assert_eq!(refused.status, 422);
    let html = refused.html();
    assert!(text_of(&html, "#focal-error").unwrap().contains("0 to 100"));
    assert_eq!(attr_of(&html, "#focal_x", "value").unwrap(), "150");

    // The focal point at the left edge: new crops, with the red edge in them.
    let saved = editor
        .post(
            &format!("/admin/media/{image}/focal"),
            &[("focal_x", "0"), ("focal_y", "50")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get("/articles/red-edge").await;
    let moved = json_ld_images(&page);
    assert_eq!(moved.len(), 3, "{moved:?}");
    assert_eq!(moved[0], images[0], "the image itself is unchanged");
    assert_ne!(moved[1], images[1], "the cached page was dropped");
    assert_ne!(moved[2], images[2]);
    let square = decoded(&app, &moved[2]).await.to_rgb8();
    assert_eq!(square.dimensions(), (900, 900));
    let left = square.get_pixel(10, 450);
    assert!(
        left[0] > 150 && left[2] < 100,
        "red at the left edge: {left:?}"
    );
    // The old crops' addresses say they are gone.
    assert_eq!(app.get(&images[2]).await.status, 410);
    // og:image stays the image itself.
    assert!(
        attr_of(&page.html(), "meta[property='og:image']", "content")
            .unwrap()
            .ends_with(&images[0])
    );
}

/// The `srcset` candidates' paths and widths.
fn candidates(srcset: &str) -> Vec<(String, u32)> {
    srcset
        .split(", ")
        .map(|c| {
            let (path, width) = c.split_once(' ').unwrap();
            (
                path.to_string(),
                width.trim_end_matches('w').parse().unwrap(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn webp_copies_are_offered_in_picture_on_the_article_and_on_listing_cards() {
    let app = TestApp::empty().await;
    let mut editor = app.signed_in("ed@news.example", Role::Editor).await;
    let (id, _, _) = upload_draft(
        &app,
        &mut editor,
        "webp-story",
        ("Gulls over the breakwater", "", ""),
        &jpeg(2000, 1125),
    )
    .await;
    resave(
        &app,
        &mut editor,
        id,
        &[
            ("headline", "Story webp-story".into()),
            ("slug", "webp-story".into()),
            ("alt", "Gulls over the breakwater".into()),
            ("action", "publish".into()),
            ("status", "published".into()),
        ],
    )
    .await;

    // The article's lead image: a WebP source for every width, each served
    // as WebP and decoding to its stated width.
    let page = app.get("/articles/webp-story").await.html();
    let webp = attr_of(
        &page,
        ".lead-image picture source[type='image/webp']",
        "srcset",
    )
    .unwrap();
    let webp = candidates(&webp);
    assert_eq!(
        webp.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
        [480, 960, 1600]
    );
    for (path, width) in &webp {
        let served = app.get(path).await;
        assert_eq!(served.header("content-type").unwrap(), "image/webp");
        let img = decoded(&app, path).await;
        assert_eq!(img.width(), *width, "{path}");
    }
    // The JPEG stays the fallback, with its own srcset.
    let jpeg_srcset = attr_of(&page, ".lead-image picture img", "srcset").unwrap();
    assert_eq!(candidates(&jpeg_srcset).len(), 3);
    assert!(candidates(&jpeg_srcset)
        .iter()
        .all(|(p, _)| webp.iter().all(|(w, _)| w != p)));

    // Listing cards: srcset and sizes on the image, and the WebP source.
    for (path, css) in [
        ("/", ".lead-story__picture"),
        ("/sections/city", ".card__picture"),
    ] {
        let html = app.get(path).await.html();
        let source = attr_of(&html, &format!("{css} source[type='image/webp']"), "srcset")
            .unwrap_or_else(|| panic!("a WebP source on {path}"));
        assert_eq!(candidates(&source).len(), 3, "{path}");
        let img = select_one(&html, &format!("{css} img")).unwrap();
        assert_eq!(
            candidates(img.value().attr("srcset").unwrap()).len(),
            3,
            "{path}"
        );
        assert!(img.value().attr("sizes").is_some(), "{path}");
    }
}
