//! The operator's view, through the real binary run from an empty folder:
//! it serves its own static files, stops gracefully on SIGTERM without losing
//! an acknowledged save, refuses a database migrated by a newer version,
//! migrates PostgreSQL once when instances start together, logs JSON lines
//! with request ids, and backs up a SQLite file while it is written.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use broadsheet::models::user::{Role, User};
use common::*;
use diesel::prelude::*;

// --- The binary ---------------------------------------------------------------

/// `broadsheet` with no inherited settings, run in `dir`.
fn broadsheet(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_broadsheet"));
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

/// A running `broadsheet serve` and the lines it logs.
struct Server {
    child: Child,
    addr: String,
    lines: mpsc::Receiver<String>,
    /// Every line read so far.
    log: Vec<String>,
}

impl Server {
    /// Starts the built binary in `dir` on a free port and waits until it listens.
    fn start(dir: &Path, args: &[&str]) -> Server {
        Self::start_binary(Path::new(env!("CARGO_BIN_EXE_broadsheet")), dir, args)
    }

    /// Starts `binary` (the built one or a copy) the same way.
    fn start_binary(binary: &Path, dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(binary)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            addr: String::new(),
            lines,
            log: Vec::new(),
        };
        let line = server.wait_for_line(|l| l.contains("is serving"));
        let start = line.find("http://").expect("an address") + "http://".len();
        server.addr = line[start..]
            .split(|c: char| c.is_whitespace() || c == ',' || c == '"' || c == ')')
            .next()
            .unwrap()
            .to_string();
        server
    }

    /// Reads log lines until one matches; panics if the process ends first.
    fn wait_for_line(&mut self, matches: impl Fn(&str) -> bool) -> String {
        if let Some(line) = self.log.iter().find(|l| matches(l)) {
            return line.clone();
        }
        loop {
            match self.lines.recv_timeout(Duration::from_secs(300)) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if matches(&line) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "the server ended or went quiet before the line; it logged:\n{}",
                    self.log.join("\n")
                ),
            }
        }
    }

    /// Sends a signal to the process.
    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit; returns its status and every line it logged.
    fn wait(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = self.child.wait().unwrap();
        while let Ok(line) = self.lines.recv() {
            self.log.push(line);
        }
        (status, std::mem::take(&mut self.log))
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        http(&self.addr, "GET", path, headers, b"")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response read to the end, body as sent (not decompressed).
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request on its own connection.
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(&request_head(method, path, headers, body.len()))
        .unwrap();
    stream.write_all(body).unwrap();
    read_response(stream, method == "HEAD")
}

fn request_head(method: &str, path: &str, headers: &[(&str, &str)], length: usize) -> Vec<u8> {
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: news.example\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST" {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn read_response(mut stream: TcpStream, head_only: bool) -> Response {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked && !head_only {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..end]).unwrap().trim(), 16)
                .unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[end + 2..end + 2 + size]);
            rest = &rest[end + 2 + size + 2..];
        }
        body = out;
    }
    Response {
        status,
        headers,
        body,
    }
}

/// The session cookie a response sets.
fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap().to_string())
        .find(|c| c.starts_with(broadsheet::auth::COOKIE_NAME) && !c.ends_with('='))
}

fn csrf_token(body: &str) -> String {
    let html = scraper::Html::parse_document(body);
    attr_of(&html, "input[name=csrf_token]", "value").expect("a CSRF token")
}

fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    serde_urlencoded::to_string(fields).unwrap().into_bytes()
}

// --- 1. One self-contained binary ---------------------------------------------

/// Every `/static` URL a page names: stylesheets, icons, scripts, and the
/// logo and share card in its metadata and JSON-LD.
fn static_urls(body: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    let body = body.replace(BASE_URL, "");
    for (at, _) in body.match_indices("/static/") {
        let url: String = body[at..]
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | ' ' | ')' | '<' | '>' | '\\'))
            .collect();
        let url = url.replace("&amp;", "&");
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    urls
}

fn content_type_for(path: &str) -> &'static str {
    let path = path.split('?').next().unwrap();
    match path.rsplit_once('.').unwrap().1 {
        "css" => "text/css",
        "js" => "text/javascript",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        other => panic!("unexpected asset type {other}"),
    }
}

#[test]
fn a_copied_binary_serves_the_styled_site_from_an_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("broadsheet");
    std::fs::copy(env!("CARGO_BIN_EXE_broadsheet"), &binary).unwrap();
    let run_dir = dir.path().join("site");
    std::fs::create_dir(&run_dir).unwrap();
    // The copy runs, from a folder with nothing in it, with no settings but
    // the public origin: demo content goes into a new ./broadsheet.db.
    let server = Server::start_binary(&binary, &run_dir, &["--base-url", BASE_URL]);
    assert_eq!(
        std::fs::read_dir(&run_dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().to_string_lossy().starts_with("broadsheet.db"))
            .count(),
        0,
        "nothing but the database is made in the folder"
    );

    let front = server.get("/", &[]);
    assert_eq!(front.status, 200);
    let front_html = front.text();
    let article = attr_of(
        &scraper::Html::parse_document(&front_html),
        "a[href^='/articles/']",
        "href",
    )
    .expect("the demo front page links an article");
    let article_page = server.get(&article, &[]);
    assert_eq!(article_page.status, 200);

    let not_found = server.get("/no-such-page", &[]);
    assert_eq!(not_found.status, 404);
    let mut urls = static_urls(&front_html);
    for url in static_urls(&article_page.text())
        .into_iter()
        .chain(static_urls(&not_found.text()))
    {
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    for wanted in [
        "/static/css/site.css",
        "/static/img/logo.png",
        "/static/img/favicon",
        "/static/img/share-card.png",
        "/static/js/share.js",
    ] {
        assert!(
            urls.iter().any(|u| u.starts_with(wanted)),
            "the pages link {wanted}: {urls:?}"
        );
    }
    for url in &urls {
        let plain = server.get(url, &[]);
        assert_eq!(plain.status, 200, "{url}");
        let content_type = plain.header("content-type").unwrap();
        assert!(
            content_type.starts_with(content_type_for(url)),
            "{url}: {content_type}"
        );
        assert!(plain.header("content-encoding").is_none(), "{url}");
        assert!(!plain.body.is_empty(), "{url}");
        if url.contains("?v=") {
            assert_eq!(
                plain.header("cache-control"),
                Some("public, max-age=31536000, immutable"),
                "{url}"
            );
        }
        let etag = plain.header("etag").expect("an ETag").to_string();
        let again = server.get(url, &[("If-None-Match", &etag)]);
        assert_eq!(again.status, 304, "{url}");
        assert!(again.body.is_empty());
        let head = http(&server.addr, "HEAD", url, &[], b"");
        assert_eq!(head.status, 200, "{url}");
        assert!(head.body.is_empty(), "{url}");
        assert_eq!(head.header("content-type"), Some(content_type), "{url}");
        assert_eq!(
            head.header("content-length"),
            Some(plain.body.len().to_string().as_str()),
            "{url}"
        );

        // Text is sent compressed to clients that take it, and varies by it.
        let text = !content_type.starts_with("image/png");
        for (accept, coding) in [
            ("br, gzip", "br"),
            ("gzip, deflate", "gzip"),
            ("br;q=0, gzip", "gzip"),
        ] {
            let packed = server.get(url, &[("Accept-Encoding", accept)]);
            assert_eq!(packed.status, 200);
            if !text {
                assert!(packed.header("content-encoding").is_none(), "{url}");
                assert_eq!(packed.body, plain.body);
                continue;
            }
            assert_eq!(
                packed.header("content-encoding"),
                Some(coding),
                "{url} {accept}"
            );
            assert_eq!(packed.header("vary"), Some("Accept-Encoding"), "{url}");
            assert_ne!(
                packed.header("etag"),
                Some(etag.as_str()),
                "each form has its own ETag"
            );
            let mut unpacked = Vec::new();
            if coding == "br" {
                brotli::BrotliDecompress(&mut &packed.body[..], &mut unpacked).unwrap();
            } else {
                flate2::read::GzDecoder::new(&packed.body[..])
                    .read_to_end(&mut unpacked)
                    .unwrap();
            }
            assert_eq!(unpacked, plain.body, "{url} {accept}");
            assert!(packed.body.len() < plain.body.len(), "{url}");
        }
    }
    let missing = server.get("/static/css/nothing.css", &[]);
    assert_eq!(missing.status, 404);
}

// --- 2. Graceful shutdown -------------------------------------------------------

/// A database with an editor account and the section and author a new
/// article needs; returns their ids.
fn newsroom(dir: &Path) -> (String, String) {
    newsroom_at(&format!("sqlite://{}", dir.join("site.db").display()))
}

/// [`newsroom`] in the database at `url`.
fn newsroom_at(url: &str) -> (String, String) {
    let pool = broadsheet::db::connect(url).unwrap();
    let mut conn = pool.get().unwrap();
    User::create(
        &mut conn,
        "ed@news.example",
        "Ed",
        Role::Editor,
        common::admin::PASSWORD,
        test_now(),
    )
    .unwrap();
    insert_article(&mut conn, &ArticleSpec::new("seed", "Seed"));
    let section = broadsheet::models::Section::find_by_slug(&mut conn, "city")
        .unwrap()
        .id;
    let author = broadsheet::models::Author::find_by_slug(&mut conn, "ada-reed")
        .unwrap()
        .id;
    (section.to_string(), author.to_string())
}

/// Signs in over HTTP; returns the session cookie and a CSRF token.
fn sign_in(server: &Server) -> (String, String) {
    let login = server.get("/admin/login", &[]);
    let cookie = session_cookie(&login).expect("a session cookie");
    let token = csrf_token(&login.text());
    let body = form(&[
        ("email", "ed@news.example"),
        ("password", common::admin::PASSWORD),
        ("csrf_token", &token),
    ]);
    let signed_in = http(
        &server.addr,
        "POST",
        "/admin/login",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &body,
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.text());
    let cookie = session_cookie(&signed_in).unwrap_or(cookie);
    let new = server.get("/admin/articles/new", &[("Cookie", &cookie)]);
    assert_eq!(new.status, 200);
    let cookie = session_cookie(&new).unwrap_or(cookie);
    (cookie, csrf_token(&new.text()))
}

fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----broadsheet-ops-boundary-51c9";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn sigterm_finishes_a_save_in_flight_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (section, author) = newsroom(dir.path());
    let server = Server::start(
        dir.path(),
        &[
            "--database-url",
            "sqlite://site.db",
            "--no-demo",
            "--shutdown-timeout",
            "60",
        ],
    );
    let (cookie, token) = sign_in(&server);
    let (content_type, body) = multipart(&[
        ("headline", "Saved While Stopping"),
        ("slug", ""),
        (
            "standfirst",
            "The save was in flight when the server was told to stop.",
        ),
        ("alt", ""),
        ("caption", ""),
        ("credit", ""),
        ("takeaways", ""),
        ("desk_heading", ""),
        ("desk_text", ""),
        ("kicker", ""),
        ("author_id", &author),
        ("section_id", &section),
        ("tags", "Harbour"),
        (
            "body",
            "Every word of this was **acknowledged**, so none of it may be lost.",
        ),
        ("status", "draft"),
        ("publish_at", ""),
        ("version", ""),
        ("action", "publish"),
        ("csrf_token", &token),
    ]);

    // The request head goes first; `100 Continue` says the server has it and
    // the request is being handled, waiting for its body.
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    let head = request_head(
        "POST",
        "/admin/articles",
        &[
            ("Cookie", &cookie),
            ("Content-Type", &content_type),
            ("Expect", "100-continue"),
        ],
        body.len(),
    );
    stream.write_all(&head).unwrap();
    let mut interim = Vec::new();
    let mut byte = [0u8];
    while !interim.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        interim.push(byte[0]);
    }
    assert!(
        interim.starts_with(b"HTTP/1.1 100"),
        "{}",
        String::from_utf8_lossy(&interim)
    );
    let half = body.len() / 2;
    stream.write_all(&body[..half]).unwrap();
    stream.flush().unwrap();

    let mut server = server;
    let signalled = Instant::now();
    server.signal("TERM");
    server.wait_for_line(|l| l.contains("SIGTERM"));
    // It no longer accepts connections: the listening socket is closed.
    let mut refused = false;
    for _ in 0..200 {
        if TcpStream::connect(&server.addr).is_err() {
            refused = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(refused, "new connections are refused once stopping");

    // The rest of the body; the save completes and is acknowledged.
    stream.write_all(&body[half..]).unwrap();
    let response = read_response(stream, false);
    assert_eq!(response.status, 303, "{}", response.text());
    let (status, log) = server.wait();
    let took = signalled.elapsed();
    assert!(
        status.success(),
        "exit {status:?}; log:\n{}",
        log.join("\n")
    );
    assert!(
        log.iter().any(|l| l.contains("stopped")),
        "{}",
        log.join("\n")
    );
    println!(
        "SIGTERM to exit with a save in flight: {:.2}s",
        took.as_secs_f64()
    );

    // After a restart the article is there, published.
    let server = Server::start(
        dir.path(),
        &["--database-url", "sqlite://site.db", "--no-demo"],
    );
    let page = server.get("/articles/saved-while-stopping", &[]);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("acknowledged"));
}

#[test]
fn an_idle_server_stops_at_once_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &["--database-url", "sqlite://site.db"]);
    assert_eq!(server.get("/", &[]).status, 200);
    let signalled = Instant::now();
    server.signal("TERM");
    server.wait_for_line(|l| l.contains("SIGTERM"));
    let (status, log) = server.wait();
    assert!(
        status.success(),
        "exit {status:?}; log:\n{}",
        log.join("\n")
    );
    println!(
        "SIGTERM to exit, idle: {:.2}s",
        signalled.elapsed().as_secs_f64()
    );
}

// --- 3. Migrations ----------------------------------------------------------------

#[test]
fn a_database_migrated_by_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    broadsheet::db::migrate(&url).unwrap();
    let mut conn =
        diesel::SqliteConnection::establish(dir.path().join("site.db").to_str().unwrap()).unwrap();
    diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000001')")
        .execute(&mut conn)
        .unwrap();
    let err = broadsheet::db::migrate(&url).unwrap_err().to_string();
    assert!(err.contains("newer Broadsheet"), "{err}");
    assert!(err.contains("29991231000001"), "{err}");

    // The binary refuses to serve, saying why.
    let out = broadsheet(dir.path())
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            "sqlite://site.db",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("newer Broadsheet"), "{stderr}");
    assert!(stderr.contains("restore a backup"), "{stderr}");
    assert!(!stderr.contains("is serving"), "{stderr}");
}

#[test]
fn instances_started_together_on_an_empty_postgres_migrate_it_once() {
    let Some(pg) = PgDatabase::create() else {
        return;
    };
    let known = broadsheet::db::known_migrations(&pg.url).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..3)
        .map(|_| {
            broadsheet(dir.path())
                .args(["migrate", "--database-url", &pg.url])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let count: usize = stderr
            .lines()
            .find_map(|l| {
                let (before, _) = l.split_once(" migration(s) applied")?;
                before.rsplit(' ').next()?.parse().ok()
            })
            .unwrap_or_else(|| panic!("no count in {stderr}"));
        applied += count;
    }
    assert_eq!(applied, known.len(), "each migration ran once in all");
    let mut conn = diesel::PgConnection::establish(&pg.url).unwrap();
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let mut versions: Vec<String> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
            .load::<Version>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|v| v.version)
            .collect();
    versions.sort();
    assert_eq!(versions, known);
}

// --- 4. Request ids and JSON logs ----------------------------------------------------

#[actix_web::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::empty().await;
    for path in ["/", "/no-such-page", "/static/css/site.css", "/admin/login"] {
        let kept = app
            .get_with(path, &[("X-Request-Id", "edge-7f3a.91:c2")])
            .await;
        assert_eq!(
            kept.header("x-request-id").as_deref(),
            Some("edge-7f3a.91:c2"),
            "{path}"
        );
        let made = app.get(path).await.header("x-request-id").unwrap();
        assert_eq!(made.len(), 16, "{made}");
        let other = app.get(path).await.header("x-request-id").unwrap();
        assert_ne!(made, other, "a new id each time");
        let replaced = app
            .get_with(path, &[("X-Request-Id", "<script>alert(1)</script>")])
            .await
            .header("x-request-id")
            .unwrap();
        assert!(
            replaced.chars().all(|c| c.is_ascii_hexdigit()),
            "{replaced}"
        );
    }
}

#[test]
fn json_logs_carry_the_request_id_and_a_500_names_method_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    {
        let pool = broadsheet::db::connect(&url).unwrap();
        let mut conn = pool.get().unwrap();
        let mut spec = ArticleSpec::new("doomed", "Doomed");
        spec.published_at = Some(chrono::Utc::now().naive_utc() - chrono::Duration::hours(1));
        insert_article(&mut conn, &spec);
    }
    let mut server = Server::start(
        dir.path(),
        &[
            "--database-url",
            "sqlite://site.db",
            "--no-demo",
            "--log-format",
            "json",
            // The page must be rendered again after the table goes, not served from memory.
            "--cache-bytes",
            "0",
        ],
    );
    let page = server.get(
        "/articles/doomed?from=feed",
        &[("X-Request-Id", "ops-test-1")],
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.header("x-request-id"), Some("ops-test-1"));
    let mut conn =
        diesel::SqliteConnection::establish(dir.path().join("site.db").to_str().unwrap()).unwrap();
    diesel::sql_query("DROP TABLE article_takeaways")
        .execute(&mut conn)
        .unwrap();
    let failed = server.get("/articles/doomed", &[("X-Request-Id", "ops-test-2")]);
    assert_eq!(failed.status, 500);
    server.signal("TERM");
    server.wait_for_line(|l| l.contains("SIGTERM"));
    let (status, log) = server.wait();
    assert!(status.success());

    let lines: Vec<serde_json::Value> = log
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let in_request = |id: &str| -> Vec<&serde_json::Value> {
        lines.iter().filter(|l| l["span"]["id"] == id).collect()
    };
    let first = in_request("ops-test-1");
    let access = first
        .iter()
        .find(|l| l["target"] == "broadsheet::access")
        .unwrap_or_else(|| panic!("no access line for ops-test-1 in {log:#?}"));
    assert_eq!(access["span"]["method"], "GET");
    assert_eq!(access["span"]["path"], "/articles/doomed");
    assert_eq!(access["fields"]["status"], 200);
    assert_eq!(access["fields"]["query"], "from=feed");

    let second = in_request("ops-test-2");
    let error = second
        .iter()
        .find(|l| l["level"] == "ERROR")
        .unwrap_or_else(|| panic!("no error line for ops-test-2 in {log:#?}"));
    assert_eq!(error["span"]["method"], "GET");
    assert_eq!(error["span"]["path"], "/articles/doomed");
    assert!(error["fields"]["error"]
        .as_str()
        .unwrap()
        .contains("article_takeaways"));
}

// --- 5. Backups -------------------------------------------------------------------------

#[test]
fn backup_copies_a_sqlite_database_while_it_is_written() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("site.db").display());
    let pool = broadsheet::db::connect(&url).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    // Each transaction sets two settings to the same number: a consistent
    // copy has them equal.
    let writer = {
        let (pool, stop, written) = (pool.clone(), stop.clone(), written.clone());
        std::thread::spawn(move || {
            let mut conn = pool.get().unwrap();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                broadsheet::db::write_transaction(&mut conn, |c| {
                    broadsheet::models::setting::set(c, "ops.a", &i.to_string())?;
                    broadsheet::models::setting::set(c, "ops.b", &i.to_string())
                })
                .unwrap();
                written.store(i, Ordering::SeqCst);
            }
        })
    };
    while written.load(Ordering::SeqCst) < 20 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = broadsheet(dir.path())
        .args(["backup", "copy.db", "--database-url", "sqlite://site.db"])
        .output()
        .unwrap();
    let during = written.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("backed up to copy.db"));

    let copy = dir.path().join("copy.db");
    let copy_url = format!("sqlite://{}", copy.display());
    {
        let mut conn = diesel::SqliteConnection::establish(copy.to_str().unwrap()).unwrap();
        #[derive(QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let check: Check = diesel::sql_query("PRAGMA integrity_check")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(check.integrity_check, "ok");
    }
    let copy_pool = broadsheet::db::connect(&copy_url).unwrap();
    let mut conn = copy_pool.get().unwrap();
    let a = broadsheet::models::setting::get(&mut conn, "ops.a")
        .unwrap()
        .unwrap();
    let b = broadsheet::models::setting::get(&mut conn, "ops.b")
        .unwrap()
        .unwrap();
    assert_eq!(a, b, "the copy is one consistent moment");
    let a: usize = a.parse().unwrap();
    assert!((20..=during + 1).contains(&a), "{a} of {during}");
    drop(conn);
    let no_leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(no_leftovers.is_empty(), "{no_leftovers:?}");

    // An existing file is never overwritten.
    let before = std::fs::read(&copy).unwrap();
    let again = broadsheet(dir.path())
        .args(["backup", "copy.db", "--database-url", "sqlite://site.db"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&copy).unwrap(), before);

    // PostgreSQL is pg_dump's work.
    let pg = broadsheet(dir.path())
        .args([
            "backup",
            "pg.dump",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .output()
        .unwrap();
    assert!(!pg.status.success());
    assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));
    assert!(!dir.path().join("pg.dump").exists());
}

// --- 5. Two instances on one PostgreSQL -----------------------------------------------

/// The article form's fields for a new article, or an edit at `version`.
fn article_fields<'a>(
    headline: &'a str,
    body: &'a str,
    (section, author): (&'a str, &'a str),
    version: &'a str,
    token: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("headline", headline),
        ("slug", ""),
        ("standfirst", "Written on one instance, read on the other."),
        ("alt", ""),
        ("caption", ""),
        ("credit", ""),
        ("takeaways", ""),
        ("desk_heading", ""),
        ("desk_text", ""),
        ("kicker", ""),
        ("author_id", author),
        ("section_id", section),
        ("tags", ""),
        ("body", body),
        ("status", "draft"),
        ("publish_at", ""),
        ("version", version),
        ("action", "publish"),
        ("csrf_token", token),
    ]
}

/// Posts the article form to `path` on `server`.
fn post_article(server_addr: &str, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Response {
    let (content_type, body) = multipart(fields);
    http(
        server_addr,
        "POST",
        path,
        &[("Cookie", cookie), ("Content-Type", &content_type)],
        &body,
    )
}

#[test]
fn two_serve_processes_on_one_postgres_share_sessions_publishes_conflicts_and_schedules() {
    let Some(pg) = PgDatabase::create() else {
        return;
    };
    let (section, author) = newsroom_at(&pg.url);
    let dir = tempfile::tempdir().unwrap();
    let args = ["--database-url", pg.url.as_str(), "--no-demo"];
    let one = Server::start(dir.path(), &args);
    let two = Server::start(dir.path(), &args);

    // Signed in on one, the session works on the other.
    let (cookie, token) = sign_in(&one);
    let on_two = two.get("/admin/articles/new", &[("Cookie", &cookie)]);
    assert_eq!(on_two.status, 200, "{}", on_two.text());
    assert!(on_two.text().contains("New article"));

    // Published on two (with the form token from one), read on one within a second.
    assert_eq!(one.get("/articles/read-across-instances", &[]).status, 404);
    let published = post_article(
        &two.addr,
        "/admin/articles",
        &cookie,
        &article_fields(
            "Read Across Instances",
            "First words.",
            (&section, &author),
            "",
            &token,
        ),
    );
    assert_eq!(published.status, 303, "{}", published.text());
    let saved_at = Instant::now();
    let location = published.header("location").unwrap().to_string();
    loop {
        let page = one.get("/articles/read-across-instances", &[]);
        if page.status == 200 {
            assert!(page.text().contains("First words."));
            break;
        }
        assert!(
            saved_at.elapsed() < Duration::from_secs(1),
            "not served by the other instance within a second"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // Two saves of the same version, one on each instance at once: one is
    // saved, the other gets the conflict page, and the saved text is whole.
    let edit = one.get(&location, &[("Cookie", &cookie)]);
    assert_eq!(edit.status, 200);
    let edit_page = edit.text();
    let version = edit_page
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form's version")
        .to_string();
    let token = csrf_token(&edit_page);
    let path = location.trim_end_matches("/edit").to_string();
    let results: Vec<Response> = std::thread::scope(|scope| {
        let saves: Vec<_> = [(&one.addr, "Edited on one."), (&two.addr, "Edited on two.")]
            .into_iter()
            .map(|(addr, body)| {
                let (cookie, path, version, token) = (&cookie, &path, &version, &token);
                let (section, author) = (&section, &author);
                scope.spawn(move || {
                    post_article(
                        addr,
                        path,
                        cookie,
                        &article_fields(
                            "Read Across Instances",
                            body,
                            (section, author),
                            version,
                            token,
                        ),
                    )
                })
            })
            .collect();
        saves.into_iter().map(|s| s.join().unwrap()).collect()
    });
    let mut statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "one save and one conflict");
    let winner = if results[0].status == 303 {
        "Edited on one."
    } else {
        "Edited on two."
    };
    let loser = results.iter().find(|r| r.status == 409).unwrap().text();
    assert!(
        loser.contains("Edited on"),
        "the conflict page keeps the text"
    );
    let saved_at = Instant::now();
    loop {
        let both: Vec<String> = [&one, &two]
            .iter()
            .map(|s| s.get("/articles/read-across-instances", &[]).text())
            .collect();
        if both.iter().all(|page| page.contains(winner)) {
            break;
        }
        assert!(
            saved_at.elapsed() < Duration::from_secs(1),
            "both instances serve the saved edit within a second"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // A story scheduled two seconds ahead (as a scheduled save stores it: no
    // public change yet) is on neither instance before its time and on both
    // within a second after it, with no request in between to tell them.
    let live_at = chrono::Utc::now().naive_utc() + chrono::Duration::seconds(2);
    let live_instant = Instant::now() + Duration::from_secs(2);
    {
        let pool = broadsheet::db::connect(&pg.url).unwrap();
        let mut conn = pool.get().unwrap();
        insert_article(
            &mut conn,
            &ArticleSpec {
                status: "scheduled",
                published_at: Some(live_at),
                updated_at: Some(live_at - chrono::Duration::seconds(2)),
                ..ArticleSpec::new("scheduled-on-both", "Scheduled On Both")
            },
        );
    }
    for server in [&one, &two] {
        assert_eq!(server.get("/articles/scheduled-on-both", &[]).status, 404);
    }
    let mut live_on = [None, None];
    while live_on.iter().any(Option::is_none) {
        for (i, server) in [&one, &two].into_iter().enumerate() {
            if live_on[i].is_none() && server.get("/articles/scheduled-on-both", &[]).status == 200
            {
                live_on[i] = Some(Instant::now());
            }
        }
        assert!(
            Instant::now() < live_instant + Duration::from_secs(1),
            "a scheduled story is on both instances within a second of its time: {live_on:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Both front pages list it too (their cached copies were dropped).
    for server in [&one, &two] {
        assert!(server.get("/", &[]).text().contains("Scheduled On Both"));
    }
    // Not early: the public rule compares with the database row's time, and
    // this test's clock and the servers' are the same machine's.
    for at in live_on.into_iter().flatten() {
        assert!(
            at + Duration::from_millis(50) >= live_instant,
            "served before its time"
        );
    }
}
