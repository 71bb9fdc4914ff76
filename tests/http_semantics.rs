//! HTTP done right on every public URL: HEAD answers like GET without a body,
//! a wrong method on a known path is a 405 naming the right ones, near-miss
//! addresses redirect to the canonical one, images honour byte ranges, and
//! the health check says what it sends.

mod common;

use actix_web::http::Method;
use common::*;

/// Sends `method` to `path` with request headers, without following redirects.
async fn request(app: &TestApp, method: Method, path: &str, headers: &[(&str, &str)]) -> Page {
    let client = awc::Client::builder().disable_redirects().finish();
    let mut request = client.request(method, app.url(path));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request.send().await.unwrap();
    let body = response.body().limit(10 << 20).await.unwrap();
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// A site with one published article (section, author, tag, lead image);
/// returns the app and the image's public path.
async fn site_with_an_article() -> (TestApp, String) {
    let app = TestApp::empty().await;
    let id = app.db(|c| {
        insert_article(
            c,
            &ArticleSpec {
                tags: vec!["Harbour Works"],
                image: Some((sample_png(), "image/png")),
                ..ArticleSpec::new("harbour-ferry", "Harbour Ferry Returns")
            },
        )
    });
    let token: String = app.db(|c| {
        use broadsheet::schema::{articles, media};
        use diesel::prelude::*;
        articles::table
            .inner_join(media::table)
            .filter(articles::id.eq(id))
            .select(media::token)
            .first(c)
            .unwrap()
    });
    (app, format!("/media/{token}"))
}

/// Headers that may differ between two responses to the same request.
const VARYING: &[&str] = &["date", "x-request-id"];

fn comparable(page: &Page) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = page
        .headers
        .iter()
        .filter(|(name, _)| !VARYING.contains(&name.as_str()))
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_string()))
        .collect();
    headers.sort();
    headers
}

#[actix_web::test]
async fn head_answers_like_get_without_a_body_on_every_kind_of_page() {
    let (app, image) = site_with_an_article().await;
    let css = format!("/static/css/site.css?v={}", app.state.site.assets_version);
    for path in [
        "/",
        "/articles/harbour-ferry",
        "/sections/city",
        "/authors/ada-reed",
        "/tags/harbour-works",
        "/feed.xml",
        "/atom.xml",
        "/sections/city/feed.xml",
        "/sitemap.xml",
        "/sitemaps/articles-1.xml",
        "/news-sitemap.xml",
        "/robots.txt",
        "/search?q=ferry",
        "/healthz",
        "/favicon.ico",
        css.as_str(),
        image.as_str(),
    ] {
        let get = request(&app, Method::GET, path, &[]).await;
        let head = request(&app, Method::HEAD, path, &[]).await;
        assert!(get.status < 400, "{path}: GET {}", get.status);
        assert_eq!(head.status, get.status, "{path}");
        assert_eq!(comparable(&head), comparable(&get), "{path}");
        assert!(head.body.is_empty(), "{path}: HEAD sent a body");
        for name in ["content-type", "cache-control"] {
            if get.status == 200 {
                assert!(head.header(name).is_some(), "{path}: HEAD without {name}");
            }
        }
    }
    // Pages keep their validators on HEAD.
    let head = request(&app, Method::HEAD, "/articles/harbour-ferry", &[]).await;
    assert!(head.header("etag").is_some());
    assert!(head.header("last-modified").is_some());
    // A missing page is a 404 to HEAD as to GET.
    let head = request(&app, Method::HEAD, "/articles/no-such-story", &[]).await;
    assert_eq!(head.status, 404);
}

#[actix_web::test]
async fn wrong_methods_on_known_paths_are_405_with_allow() {
    let (app, image) = site_with_an_article().await;
    for (method, path) in [
        (Method::POST, "/"),
        (Method::PUT, "/articles/harbour-ferry"),
        (Method::DELETE, "/feed.xml"),
        (Method::PATCH, "/sections/city"),
        (Method::POST, "/search"),
        (Method::DELETE, image.as_str()),
        (Method::POST, "/healthz"),
    ] {
        let page = request(&app, method.clone(), path, &[]).await;
        assert_eq!(page.status, 405, "{method} {path}");
        let allow = page.header("allow").unwrap_or_default();
        let allowed: Vec<&str> = allow.split(',').map(str::trim).collect();
        assert!(
            allowed.contains(&"GET") && allowed.contains(&"HEAD"),
            "{method} {path}: Allow {allow:?}"
        );
    }
    // Unknown paths stay 404 whatever the method.
    for method in [Method::POST, Method::GET, Method::HEAD] {
        let page = request(&app, method.clone(), "/no/such/page", &[]).await;
        assert_eq!(page.status, 404, "{method}");
    }
}

#[actix_web::test]
async fn admin_forms_still_take_post() {
    let app = TestApp::empty().await;
    // The sign-in form is a POST route; without a CSRF token it is refused,
    // but by the form's checks, not by routing.
    let page = app
        .post_with(
            "/admin/login",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            b"email=a%40b.c&password=x".to_vec(),
        )
        .await;
    assert_ne!(page.status, 404);
    assert_ne!(page.status, 405);
}

#[actix_web::test]
async fn near_miss_addresses_redirect_to_the_canonical_one() {
    let (app, _) = site_with_an_article().await;
    for (from, to) in [
        ("/articles/harbour-ferry/", "/articles/harbour-ferry"),
        ("/articles/Harbour-Ferry", "/articles/harbour-ferry"),
        ("/articles/Harbour-Ferry/", "/articles/harbour-ferry"),
        ("/sections/city/", "/sections/city"),
        ("/sections/City", "/sections/city"),
        ("/sections/CITY?page=2", "/sections/city?page=2"),
        ("/tags/harbour-works/", "/tags/harbour-works"),
        ("/tags/Harbour-Works", "/tags/harbour-works"),
        ("/authors/ada-reed/", "/authors/ada-reed"),
        ("/authors/Ada-Reed", "/authors/ada-reed"),
        ("/feed", "/feed.xml"),
        ("/rss", "/feed.xml"),
        ("/rss.xml", "/feed.xml"),
        ("/atom", "/atom.xml"),
    ] {
        for method in [Method::GET, Method::HEAD] {
            let page = request(&app, method.clone(), from, &[]).await;
            assert_eq!(page.status, 301, "{method} {from}");
            assert_eq!(page.header("location").as_deref(), Some(to), "{from}");
        }
        let path = to.split('?').next().unwrap();
        assert_eq!(app.get(path).await.status, 200, "{to}");
    }
    // The redirect does not vouch for a page: the canonical URL may still be a 404.
    let page = app.get("/articles/No-Such-Story").await;
    assert_eq!(page.status, 301);
    assert_eq!(app.get("/articles/no-such-story").await.status, 404);
}

#[actix_web::test]
async fn images_honour_a_single_byte_range() {
    let (app, image) = site_with_an_article().await;
    let whole = request(&app, Method::GET, &image, &[]).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.header("accept-ranges").as_deref(), Some("bytes"));
    let len = sample_png().len();

    let first = app.get_with(&image, &[("Range", "bytes=0-7")]).await;
    assert_eq!(first.status, 206);
    assert_eq!(
        first.header("content-range"),
        Some(format!("bytes 0-7/{len}"))
    );
    assert_eq!(first.header("content-length").as_deref(), Some("8"));
    assert_eq!(first.header("content-type").as_deref(), Some("image/png"));
    assert_eq!(first.header("accept-ranges").as_deref(), Some("bytes"));
    assert!(first.header("etag").is_some());

    let client = awc::Client::builder().disable_redirects().finish();
    let mut tail = client
        .get(app.url(&image))
        .insert_header(("Range", "bytes=-10"))
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status().as_u16(), 206);
    let bytes = tail.body().await.unwrap();
    assert_eq!(&bytes[..], &sample_png()[len - 10..]);

    let past = app
        .get_with(&image, &[("Range", &format!("bytes={len}-"))])
        .await;
    assert_eq!(past.status, 416);
    assert_eq!(past.header("content-range"), Some(format!("bytes */{len}")));
    assert_eq!(past.header("accept-ranges").as_deref(), Some("bytes"));

    // Malformed or multiple ranges, and a stale If-Range, get the whole image.
    for headers in [
        vec![("Range", "bytes=abc")],
        vec![("Range", "bytes=0-1,4-5")],
        vec![("Range", "bytes=0-7"), ("If-Range", "\"another-copy\"")],
    ] {
        let page = app.get_with(&image, &headers).await;
        assert_eq!(page.status, 200, "{headers:?}");
        assert_eq!(
            page.header("content-length"),
            Some(len.to_string()),
            "{headers:?}"
        );
    }
    let etag = whole.header("etag").unwrap();
    let current = app
        .get_with(&image, &[("Range", "bytes=0-7"), ("If-Range", &etag)])
        .await;
    assert_eq!(current.status, 206);
}

#[actix_web::test]
async fn healthz_says_it_is_plain_text() {
    let app = TestApp::empty().await;
    let page = app.get("/healthz").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(page.body, "ok");
}
