//! Test harness: a `TestApp` is the real app on a real HTTP port, over a fresh
//! database of its own, with a clock the test controls. Builders insert
//! content through the same model functions the app uses.
//!
//! The database is a SQLite file, or with `BROADSHEET_TEST_BACKEND=postgres`
//! a fresh PostgreSQL database on the test server (see [`postgres_admin_url`]),
//! so the whole suite runs on either backend. Tests about one backend say so:
//! [`TestApp::on_sqlite`] and [`TestApp::on_postgres`].

#![allow(dead_code)] // each test file uses a different part of the harness

pub mod admin;
pub mod xml;

use actix_web::web;
use broadsheet::db::DbConn;
use broadsheet::models::{
    article::Article, Author, NewArticle, NewAuthor, NewSection, Section, Tag,
};
use broadsheet::{AppState, Clock, Config};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use scraper::{ElementRef, Html, Selector};
use tempfile::TempDir;

/// The public origin every test app is configured with.
pub const BASE_URL: &str = "https://news.example";

/// A fixed "now" for tests: 1 March 2027, 12:00 UTC.
pub fn test_now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2027, 3, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
}

/// The real app on a real port over its own database.
pub struct TestApp {
    pub server: actix_test::TestServer,
    pub state: web::Data<AppState>,
    pub clock: Clock,
    pub dir: TempDir,
    /// The PostgreSQL database of a `TestApp::on_postgres` app, dropped with it.
    pub postgres: Option<PgDatabase>,
}

/// Whether `BROADSHEET_TEST_BACKEND=postgres` asks for every test app on PostgreSQL.
pub fn suite_on_postgres() -> bool {
    match std::env::var("BROADSHEET_TEST_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("BROADSHEET_TEST_BACKEND is `sqlite` or `postgres`, not `{other}`"),
    }
}

/// The PostgreSQL server tests use; a database of its own is made per test.
pub fn postgres_admin_url() -> String {
    std::env::var("BROADSHEET_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Says that a component the tests need cannot be had. Outside CI the test
/// skips, after one loud line per test binary and component (written past
/// the test harness's output capture, so `cargo test` shows it); with
/// `CI=true` it is a failure.
pub fn unavailable(component: &str, why: &str) {
    use std::collections::HashSet;
    use std::io::Write;
    use std::sync::Mutex;
    static SAID: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{component} is needed in CI: {why}");
    }
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if said
        .get_or_insert_with(HashSet::new)
        .insert(component.into())
    {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPING the tests that need {component}: {why}. ./test sets it up. ***"
        );
    }
}

/// A fresh PostgreSQL database, dropped when this value is.
pub struct PgDatabase {
    pub url: String,
    name: String,
}

impl PgDatabase {
    /// Creates a new, empty database on the test server, or `None` (after
    /// saying so) when there is no server to be had outside CI.
    pub fn create() -> Option<Self> {
        use diesel::{Connection, RunQueryDsl};
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let admin = postgres_admin_url();
        let name = format!(
            "broadsheet_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = match diesel::PgConnection::establish(&admin) {
            Ok(conn) => conn,
            Err(e) => {
                let e = e
                    .to_string()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                let why = format!("cannot connect to {admin} ({e})");
                unavailable("PostgreSQL", &why);
                return None;
            }
        };
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&mut conn)
            .unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .unwrap();
        let base = admin.rsplit_once('/').unwrap().0;
        Some(PgDatabase {
            url: format!("{base}/{name}"),
            name,
        })
    }
}

impl PgDatabase {
    /// Runs one statement on the test server's maintenance database (for
    /// what a test does to this database from outside, e.g. cutting it off).
    pub fn admin(&self, sql: &str) {
        use diesel::{Connection, RunQueryDsl};
        let mut conn = diesel::PgConnection::establish(&postgres_admin_url()).unwrap();
        diesel::sql_query(sql.replace("{db}", &self.name))
            .execute(&mut conn)
            .unwrap();
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        if let Ok(mut conn) = diesel::PgConnection::establish(&postgres_admin_url()) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

/// A test ends only when its app's background work has: related-list
/// refreshes and the stored-HTML fill stop (or finish their step) before the
/// database file or PostgreSQL database is removed under them.
impl Drop for TestApp {
    fn drop(&mut self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let finished = self
            .state
            .background
            .finish(&self.state.related_refresh, deadline);
        if !finished && !std::thread::panicking() {
            panic!("the app's background jobs did not finish within 30 s of the test's end");
        }
    }
}

/// A response read to the end.
pub struct Page {
    pub status: u16,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The body parsed as HTML.
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

impl TestApp {
    /// An app over an empty database (no demo content).
    pub async fn empty() -> Self {
        Self::start(false).await
    }

    /// An app whose empty database got the demo content, as `broadsheet serve` does.
    pub async fn with_demo() -> Self {
        Self::start(true).await
    }

    /// An app over an empty database with settings changed by `change`.
    pub async fn with_config(change: impl FnOnce(&mut Config)) -> Self {
        Self::start_changed(false, change).await
    }

    /// An app over a SQLite file whatever the suite's backend, for what is
    /// about SQLite itself (its file, its command-line tools).
    pub async fn on_sqlite(demo: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = Self::config(&dir, demo);
        Self::start_with(config, dir).await
    }

    /// The database URL this app runs on, for the `broadsheet` command line.
    pub fn database_url(&self) -> String {
        match &self.postgres {
            Some(pg) => pg.url.clone(),
            None => format!("sqlite://{}", self.dir.path().join("site.db").display()),
        }
    }

    /// POSTs a body with request headers. Redirects are not followed.
    pub async fn post_with(&self, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Page {
        let client = awc::Client::builder()
            .disable_redirects()
            .timeout(std::time::Duration::from_secs(60))
            .finish();
        let mut request = client.post(self.server.url(path));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request.send_body(body).await.unwrap();
        let body = response.body().limit(10 << 20).await.unwrap();
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// GETs a path with extra request headers. Redirects are not followed.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let client = awc::Client::builder().disable_redirects().finish();
        let mut request = client.get(self.server.url(path));
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

    /// An app over a fresh PostgreSQL database, or `None` when the tests
    /// cannot have PostgreSQL (see [`unavailable`]).
    pub async fn on_postgres(demo: bool) -> Option<Self> {
        let pg = PgDatabase::create()?;
        let dir = tempfile::tempdir().unwrap();
        let mut config = Self::config(&dir, demo);
        config.database_url = pg.url.clone();
        let mut app = Self::start_with(config, dir).await;
        app.postgres = Some(pg);
        Some(app)
    }

    /// Another app instance on this app's PostgreSQL database, with its own
    /// pool, clock and response cache, as a second server behind a load
    /// balancer would be.
    pub async fn another_instance(&self) -> Self {
        let url = self
            .postgres
            .as_ref()
            .expect("a second instance shares a PostgreSQL database")
            .url
            .clone();
        let dir = tempfile::tempdir().unwrap();
        let mut config = Self::config(&dir, false);
        config.database_url = url;
        Self::start_with(config, dir).await
    }

    async fn start(demo: bool) -> Self {
        Self::start_changed(demo, |_| {}).await
    }

    /// An app on the suite's backend (see the module's doc comment).
    async fn start_changed(demo: bool, change: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Self::config(&dir, demo);
        let pg = suite_on_postgres().then(|| {
            PgDatabase::create()
                .expect("BROADSHEET_TEST_BACKEND=postgres needs the PostgreSQL test server")
        });
        if let Some(pg) = &pg {
            config.database_url = pg.url.clone();
        }
        change(&mut config);
        let mut app = Self::start_with(config, dir).await;
        app.postgres = pg;
        app
    }

    /// The app over `config` (its database kept as it is), with `dir` kept alive as long as it.
    pub async fn start_with(config: Config, dir: TempDir) -> Self {
        let clock = Clock::manual(test_now());
        let state = {
            let clock = clock.clone();
            web::block(move || AppState::init(&config, clock))
                .await
                .unwrap()
                .unwrap()
        };
        let state = web::Data::new(state);
        let server = {
            let state = state.clone();
            actix_test::start(move || broadsheet::app(state.clone()))
        };
        TestApp {
            server,
            state,
            clock,
            dir,
            postgres: None,
        }
    }

    /// The configuration a test app uses for the SQLite file in `dir`.
    pub fn config(dir: &TempDir, demo: bool) -> Config {
        let mut config = Config::for_database(&format!(
            "sqlite://{}",
            dir.path().join("site.db").display()
        ));
        config.base_url = Some(BASE_URL.into());
        config.no_demo = !demo;
        config
    }

    /// GETs a path over HTTP and reads the whole response.
    pub async fn get(&self, path: &str) -> Page {
        self.get_with(path, &[]).await
    }

    /// The absolute URL of a path on the running server.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Reads the database with a pooled connection, changing nothing (so,
    /// unlike [`TestApp::db`], telling the response cache nothing either).
    pub fn read<T>(&self, work: impl FnOnce(&mut DbConn) -> T) -> T {
        let mut conn = self.state.pool.get().unwrap();
        work(&mut conn)
    }

    /// Makes the app notice, now, changes written behind its back (a
    /// background job the test ran or waited for), which a running server
    /// notices within `cache::SYNC_INTERVAL`.
    pub fn notice_changes(&self) {
        let mut conn = self.state.pool.get().unwrap();
        self.state
            .cache
            .sync(&mut conn, self.state.clock.now())
            .unwrap();
    }

    /// Runs database work with a pooled connection (for arranging a test).
    /// The work writes past the app's own write paths, so it is recorded as a
    /// public change and the response cache told at once, as a save would.
    pub fn db<T>(&self, work: impl FnOnce(&mut DbConn) -> T) -> T {
        let mut conn = self.state.pool.get().unwrap();
        let result = work(&mut conn);
        let now = self.state.clock.now();
        broadsheet::models::public_change::record(&mut conn, now).unwrap();
        self.state.cache.sync(&mut conn, now).unwrap();
        result
    }
}

/// What a test article looks like; `Default` is a published article an hour old.
#[derive(Debug, Clone)]
pub struct ArticleSpec {
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body: String,
    pub kicker: String,
    pub section: Option<(&'static str, &'static str)>,
    pub author: Option<(&'static str, &'static str)>,
    pub tags: Vec<&'static str>,
    pub takeaways: Vec<String>,
    pub desk: Option<(String, String)>,
    pub image: Option<(Vec<u8>, &'static str)>,
    pub caption: String,
    pub credit: String,
    pub status: &'static str,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

impl Default for ArticleSpec {
    fn default() -> Self {
        ArticleSpec {
            slug: "test-article".into(),
            headline: "Test Article Headline".into(),
            standfirst: "A standfirst for the test article.".into(),
            body: "First paragraph of the body.\n\nSecond paragraph.".into(),
            kicker: "Analysis".into(),
            section: Some(("city", "City")),
            author: Some(("ada-reed", "Ada Reed")),
            tags: vec![],
            takeaways: vec![],
            desk: None,
            image: None,
            caption: String::new(),
            credit: String::new(),
            status: "published",
            published_at: Some(test_now() - Duration::hours(1)),
            updated_at: None,
        }
    }
}

impl ArticleSpec {
    /// A published article with this slug and headline.
    pub fn new(slug: &str, headline: &str) -> Self {
        ArticleSpec {
            slug: slug.into(),
            headline: headline.into(),
            ..Default::default()
        }
    }
}

fn section_id(conn: &mut DbConn, (slug, name): (&str, &str)) -> i32 {
    match Section::find_by_slug(conn, slug) {
        Ok(s) => s.id,
        Err(_) => Section::create(
            conn,
            &NewSection {
                slug: slug.into(),
                name: name.into(),
                description: format!("All about {name}."),
                position: 1,
            },
        )
        .unwrap(),
    }
}

fn author_id(conn: &mut DbConn, (slug, name): (&str, &str)) -> i32 {
    match Author::find_by_slug(conn, slug) {
        Ok(a) => a.id,
        Err(_) => Author::create(
            conn,
            &NewAuthor {
                slug: slug.into(),
                name: name.into(),
                bio: format!("{name} writes for the paper."),
            },
        )
        .unwrap(),
    }
}

/// A real PNG image (one of the demo illustrations, 1200×675).
pub fn sample_png() -> Vec<u8> {
    include_bytes!("../../src/demo/images/harbour-ferry.png").to_vec()
}

/// Inserts an article as described and returns its id.
pub fn insert_article(conn: &mut DbConn, spec: &ArticleSpec) -> i32 {
    let section_id = spec.section.map(|s| section_id(conn, s));
    let author_id = spec.author.map(|a| author_id(conn, a));
    let lead_image_id = spec.image.as_ref().map(|(bytes, content_type)| {
        let size = imagesize::blob_size(bytes).unwrap();
        broadsheet::models::media::create(
            conn,
            &broadsheet::models::NewMedia {
                content_type: content_type.to_string(),
                width: size.width as i32,
                height: size.height as i32,
                data: bytes.clone(),
                created_at: test_now(),
            },
        )
        .unwrap()
    });
    let created = spec.published_at.unwrap_or(test_now()) - Duration::hours(2);
    let id = Article::create(
        conn,
        &NewArticle {
            slug: spec.slug.clone(),
            headline: spec.headline.clone(),
            standfirst: spec.standfirst.clone(),
            body: spec.body.clone(),
            kicker: spec.kicker.clone(),
            section_id,
            author_id,
            lead_image_id,
            lead_image_alt: if spec.image.is_some() {
                "Alt text for the lead image".into()
            } else {
                String::new()
            },
            lead_image_caption: spec.caption.clone(),
            lead_image_credit: spec.credit.clone(),
            desk_heading: spec.desk.as_ref().map(|d| d.0.clone()).unwrap_or_default(),
            desk_text: spec.desk.as_ref().map(|d| d.1.clone()).unwrap_or_default(),
            status: spec.status.into(),
            published_at: spec.published_at,
            created_at: created,
            updated_at: spec.updated_at.or(spec.published_at).unwrap_or(created),
        },
    )
    .unwrap();
    Article::set_takeaways(conn, id, &spec.takeaways).unwrap();
    for name in &spec.tags {
        let tag = Tag::find_or_create(conn, &broadsheet::slug::slugify(name), name).unwrap();
        Tag::attach(conn, id, tag.id).unwrap();
    }
    id
}

/// Parses a CSS selector (panics on a typo, which is a test bug).
pub fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

/// The first element matching `css`.
pub fn select_one<'a>(html: &'a Html, css: &str) -> Option<ElementRef<'a>> {
    html.select(&sel(css)).next()
}

/// Text of the first element matching `css`, whitespace-normalised.
pub fn text_of(html: &Html, css: &str) -> Option<String> {
    select_one(html, css).map(|e| normalise(&e.text().collect::<String>()))
}

/// Texts of all elements matching `css`.
pub fn texts_of(html: &Html, css: &str) -> Vec<String> {
    html.select(&sel(css))
        .map(|e| normalise(&e.text().collect::<String>()))
        .collect()
}

/// An attribute of the first element matching `css`.
pub fn attr_of(html: &Html, css: &str, attr: &str) -> Option<String> {
    select_one(html, css).and_then(|e| e.value().attr(attr).map(str::to_string))
}

/// Collapses runs of whitespace.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The article paths a listing page links to, in order.
pub fn listed_slugs(html: &Html) -> Vec<String> {
    html.select(&sel(".lead-story__headline a, .card__headline a"))
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|h| h.strip_prefix("/articles/"))
        .map(str::to_string)
        .collect()
}

/// An empty database for a command-line import to fill: a new SQLite file
/// or a new PostgreSQL database, removed when this value is dropped.
pub struct Target {
    pub url: String,
    _dir: TempDir,
    _pg: Option<PgDatabase>,
}

/// A new, empty SQLite file.
pub fn sqlite_target() -> Target {
    let dir = tempfile::tempdir().unwrap();
    Target {
        url: format!("sqlite://{}", dir.path().join("target.db").display()),
        _dir: dir,
        _pg: None,
    }
}

/// A new, empty PostgreSQL database, or `None` (after saying so) when the
/// tests cannot have PostgreSQL.
pub fn postgres_target() -> Option<Target> {
    let pg = PgDatabase::create()?;
    Some(Target {
        url: pg.url.clone(),
        _dir: tempfile::tempdir().unwrap(),
        _pg: Some(pg),
    })
}

/// The content rows the database at `url` holds, by table (empty: nothing
/// an import would overwrite).
pub fn content(url: &str) -> Vec<(&'static str, i64)> {
    let pool = broadsheet::db::connect(url).unwrap();
    let mut conn = pool.get().unwrap();
    broadsheet::models::export::content_counts(&mut conn).unwrap()
}

/// What a run of the built `broadsheet` binary printed.
pub struct Run {
    pub ok: bool,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// Standard output as text (lossy).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs the built binary with `args` and no inherited settings, feeding `stdin`.
pub fn run_binary(args: &[&str], stdin: &[u8]) -> Run {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        ok: out.status.success(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A page's JSON-LD as extruct reads it (`tests/tools/structured_data.py`,
/// Debian's python3-extruct): the top-level items. `None` (after
/// [`unavailable`]) when extruct cannot be had outside CI.
pub fn extruct_json_ld(html: &str, base_url: &str) -> Option<serde_json::Value> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    // Debian's Python, which has Debian's python3-extruct (a pyenv or venv
    // `python3` first on PATH would not).
    let python = ["/usr/bin/python3", "python3"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists() || !p.starts_with('/'))
        .unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/tools/structured_data.py"
    );
    let mut child = match Command::new(python)
        .arg(script)
        .arg(base_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            unavailable("extruct", &format!("{python} cannot be run: {e}"));
            return None;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(html.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.code() == Some(3) {
        unavailable("extruct", "python3-extruct is not installed");
        return None;
    }
    assert!(
        out.status.success(),
        "extruct could not read the page: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("extruct's JSON"))
}
