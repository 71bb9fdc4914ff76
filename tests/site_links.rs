//! Every link on the demo site leads somewhere: starting from the front page,
//! follow each same-site URL a page, feed or sitemap names (links, images
//! and their `srcset`, stylesheets, scripts, feeds' and sitemaps' URLs, the
//! Open Graph image) and fetch it; none may answer 404 or a 5xx.

mod common;

use std::collections::{BTreeSet, VecDeque};

use common::*;

/// Enough for the demo site many times over; a loop or a runaway link
/// generator shows as this limit reached.
const MAX_URLS: usize = 3_000;

/// The site path of `url` when it points at this site, without its fragment.
fn own_path(url: &str, from: &str) -> Option<String> {
    let url = url.trim();
    let url = url.split('#').next().unwrap_or("");
    if url.is_empty() {
        return None;
    }
    let path = if let Some(rest) = url.strip_prefix(BASE_URL) {
        rest.to_string()
    } else if url.starts_with("//")
        || url.contains("://")
        || url.contains(':') && !url.starts_with('/')
    {
        // Another site, or mailto:, tel:, javascript: and the like.
        return None;
    } else if url.starts_with('/') {
        url.to_string()
    } else {
        // Relative to the page it is on.
        let base = from.split('?').next().unwrap_or("/");
        let dir = &base[..=base.rfind('/').unwrap_or(0)];
        format!("{dir}{url}")
    };
    Some(if path.is_empty() { "/".into() } else { path })
}

/// The URLs a response names, by its type.
fn links_in(page: &Page, from: &str) -> Vec<String> {
    let kind = page.header("content-type").unwrap_or_default();
    let mut found = Vec::new();
    if kind.starts_with("text/html") {
        let html = page.html();
        for (css, attr) in [
            ("a[href]", "href"),
            ("link[href]", "href"),
            ("img[src]", "src"),
            ("script[src]", "src"),
            ("source[src]", "src"),
            ("form[action][method=get]", "action"),
            ("meta[property='og:image']", "content"),
            ("meta[name='twitter:image']", "content"),
        ] {
            for element in html.select(&sel(css)) {
                found.extend(element.value().attr(attr).map(str::to_string));
            }
        }
        for element in html.select(&sel("img[srcset], source[srcset]")) {
            let srcset = element.value().attr("srcset").unwrap_or_default();
            found.extend(
                srcset
                    .split(',')
                    .filter_map(|candidate| candidate.split_whitespace().next())
                    .map(str::to_string),
            );
        }
    } else if kind.contains("xml") {
        let doc = roxmltree::Document::parse(&page.body)
            .unwrap_or_else(|e| panic!("{from} is not well-formed XML: {e}"));
        for node in doc.descendants().filter(|n| n.is_element()) {
            match node.tag_name().name() {
                "loc" | "link" | "id" | "url" => {
                    found.extend(node.text().map(str::to_string));
                    found.extend(node.attribute("href").map(str::to_string));
                }
                "enclosure" | "content" | "thumbnail" => {
                    found.extend(node.attribute("url").map(str::to_string));
                }
                _ => {}
            }
        }
    }
    found.iter().filter_map(|url| own_path(url, from)).collect()
}

#[actix_web::test]
async fn every_link_on_the_demo_site_answers_without_a_404_or_5xx() {
    let app = TestApp::with_demo().await;
    let starts = ["/", "/robots.txt", "/sitemap.xml", "/feed.xml", "/atom.xml"];
    let mut seen: BTreeSet<String> = starts.iter().map(|s| s.to_string()).collect();
    let mut queue: VecDeque<(String, String)> = starts
        .iter()
        .map(|s| (s.to_string(), "(start)".to_string()))
        .collect();
    let mut broken = Vec::new();
    let mut fetched = 0;
    while let Some((path, from)) = queue.pop_front() {
        let page = app.get(&path).await;
        fetched += 1;
        if page.status == 404 || page.status >= 500 {
            broken.push(format!("{path} -> {} (linked from {from})", page.status));
            continue;
        }
        // Redirects were fetched for their status only; the sign-in page is a
        // form, not part of the site to crawl.
        if page.status != 200 || path.starts_with("/admin") {
            continue;
        }
        for link in links_in(&page, &path) {
            if seen.len() >= MAX_URLS {
                break;
            }
            if seen.insert(link.clone()) {
                queue.push_back((link, path.clone()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(
        seen.len() < MAX_URLS,
        "more than {MAX_URLS} URLs: a link loop? {:?}",
        seen.iter().rev().take(20).collect::<Vec<_>>()
    );
    // The crawl reached the whole site, not just the front page: every
    // article, section, tag and author of the demo, its images and feeds.
    let count = |prefix: &str| seen.iter().filter(|p| p.starts_with(prefix)).count();
    assert!(count("/articles/") >= 10, "{seen:?}");
    assert!(count("/sections/") >= 3, "{seen:?}");
    assert!(count("/tags/") >= 3, "{seen:?}");
    assert!(count("/authors/") >= 2, "{seen:?}");
    assert!(count("/media/") >= 10, "{seen:?}");
    assert!(count("/static/") >= 3, "{seen:?}");
    assert!(count("/sitemaps/") >= 3, "{seen:?}");
    assert!(fetched == seen.len(), "{fetched} fetched of {}", seen.len());
}
