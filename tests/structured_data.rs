//! The structured data of corrections and live stories, read by extruct (the
//! parser SEO tools and the page audit kit use), not by our own JSON code: it
//! must come out with the types Google reads.

mod common;

use common::*;
use serde_json::Value;

/// Every object with an `@type` in `items`, at any depth.
fn typed(items: &Value) -> Vec<&Value> {
    let mut found = Vec::new();
    let mut stack = vec![items];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(list) => stack.extend(list),
            Value::Object(map) => {
                if map.contains_key("@type") {
                    found.push(v);
                }
                stack.extend(map.values());
            }
            _ => {}
        }
    }
    found
}

fn of_type<'a>(items: &'a Value, kind: &str) -> Vec<&'a Value> {
    typed(items)
        .into_iter()
        .filter(|v| {
            v["@type"] == kind
                || v["@type"]
                    .as_array()
                    .is_some_and(|t| t.contains(&kind.into()))
        })
        .collect()
}

async fn json_ld_of(app: &TestApp, path: &str) -> Option<Value> {
    let page = app.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    extruct_json_ld(&page.body, &app.url(path))
}

#[actix_web::test]
async fn corrections_and_live_stories_parse_with_the_right_types() {
    let app = TestApp::with_demo().await;

    // A live story is a LiveBlogPosting with its coverage start and its
    // posts as BlogPosting updates, each with its time and anchored URL.
    let Some(live) = json_ld_of(
        &app,
        "/articles/storm-orla-ferries-suspended-mole-parade-closed",
    )
    .await
    else {
        return;
    };
    let blog = of_type(&live, "LiveBlogPosting");
    assert_eq!(blog.len(), 1, "{live:#}");
    let blog = blog[0];
    assert!(
        blog["coverageStartTime"]
            .as_str()
            .is_some_and(|t| t.len() >= 19),
        "{blog:#}"
    );
    assert!(
        blog["coverageEndTime"].is_null(),
        "a running story has no end: {blog:#}"
    );
    let updates = blog["liveBlogUpdate"].as_array().expect("liveBlogUpdate");
    assert!(updates.len() >= 3, "{blog:#}");
    for update in updates {
        assert_eq!(update["@type"], "BlogPosting", "{update:#}");
        assert!(update["datePublished"].is_string(), "{update:#}");
        assert!(
            update["headline"].as_str().is_some_and(|h| !h.is_empty()),
            "{update:#}"
        );
        assert!(
            update["url"].as_str().is_some_and(|u| u.contains("#post-")),
            "{update:#}"
        );
    }
    assert!(of_type(&live, "NewsArticle").is_empty(), "{live:#}");

    // A corrected article is a NewsArticle whose correction is a
    // CorrectionComment with its text and date.
    let Some(corrected) =
        json_ld_of(&app, "/articles/northfield-empty-terraces-council-homes").await
    else {
        return;
    };
    let article = of_type(&corrected, "NewsArticle");
    assert_eq!(article.len(), 1, "{corrected:#}");
    let correction = &article[0]["correction"];
    let comments = of_type(correction, "CorrectionComment");
    assert_eq!(comments.len(), 1, "{corrected:#}");
    assert!(
        comments[0]["text"].as_str().is_some_and(|t| t.len() > 10),
        "{corrected:#}"
    );
    assert!(comments[0]["datePublished"].is_string(), "{corrected:#}");

    // An update note is not a correction.
    let Some(updated) = json_ld_of(&app, "/articles/council-port-blue-corridor-ferry-pact").await
    else {
        return;
    };
    assert_eq!(of_type(&updated, "NewsArticle").len(), 1, "{updated:#}");
    assert!(
        of_type(&updated, "CorrectionComment").is_empty(),
        "{updated:#}"
    );
}
