//! Prometheus metrics: served on their own address only, counting requests by
//! route pattern, with the cache, pool and related-job figures of the moment.

mod common;

use common::*;

/// The metrics app of `app`'s state on a port of its own, and its text.
async fn scrape(app: &TestApp) -> (u16, String, Option<String>) {
    let state = app.state.clone();
    let server = actix_test::start(move || broadsheet::metrics::app(state.clone()));
    let mut response = awc::Client::default()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    let body = response.body().await.unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    (
        response.status().as_u16(),
        String::from_utf8(body.to_vec()).unwrap(),
        content_type,
    )
}

/// The value of the sample line that starts with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_read_the_cache_and_pool() {
    let app = TestApp::with_config(|c| c.metrics_bind = Some("127.0.0.1:0".into())).await;
    for _ in 0..3 {
        assert_eq!(app.get("/").await.status, 200);
    }
    assert_eq!(app.get("/articles/no-such-story").await.status, 404);
    assert_eq!(app.get("/articles/another-missing-one").await.status, 404);
    assert_eq!(app.get("/made/up/path").await.status, 404);

    let (status, text, content_type) = scrape(&app).await;
    assert_eq!(status, 200);
    assert!(content_type
        .unwrap()
        .starts_with("application/openmetrics-text"));
    assert!(text.ends_with("# EOF\n"), "{text}");
    let requests = |route: &str, status: u16| {
        sample(
            &text,
            &format!(
                "broadsheet_http_requests_total{{route=\"{route}\",method=\"GET\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(requests("/", 200), Some(3.0), "{text}");
    // By route pattern: two missing articles are one series, not two.
    assert_eq!(requests("/articles/{slug}", 404), Some(2.0), "{text}");
    assert!(!text.contains("no-such-story"));
    assert!(!text.contains("/made/up/path"));
    assert_eq!(
        sample(
            &text,
            "broadsheet_http_request_duration_seconds_count{route=\"/\"}"
        ),
        Some(3.0)
    );
    // The front page was rendered once and then served from memory twice;
    // the three 404s went to their handlers (and were not kept).
    assert_eq!(
        sample(&text, "broadsheet_cache_misses_total"),
        Some(4.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "broadsheet_cache_hits_total"),
        Some(2.0),
        "{text}"
    );
    assert!(sample(&text, "broadsheet_cache_bytes").unwrap() > 1000.0);
    assert!(sample(&text, "broadsheet_db_pool_connections").unwrap() >= 1.0);
    assert!(sample(&text, "broadsheet_related_jobs").is_some());
}

#[actix_web::test]
async fn metrics_are_never_on_the_public_address() {
    let app = TestApp::with_config(|c| c.metrics_bind = Some("127.0.0.1:0".into())).await;
    assert_eq!(app.get("/metrics").await.status, 404);
    // Without the flag nothing is kept, and the metrics app has nothing to say.
    let off = TestApp::empty().await;
    assert!(off.state.metrics.is_none());
    assert_eq!(scrape(&off).await.0, 404);
}
