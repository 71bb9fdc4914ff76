//! Signing in over HTTP like a browser: a cookie jar of one session cookie,
//! the CSRF token read from the page, form and multipart posts.

use broadsheet::models::user::{Role, User};

use super::{test_now, Page, TestApp};

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A file field for a multipart post.
pub struct FilePart<'a> {
    pub name: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// A signed-in (or anonymous) visitor of the admin area.
pub struct Editor<'a> {
    pub app: &'a TestApp,
    pub cookie: Option<String>,
}

impl TestApp {
    /// Creates an account with [`PASSWORD`] and returns its id.
    pub fn create_user(&self, email: &str, role: Role) -> i32 {
        self.db(|c| {
            User::create(
                c,
                email,
                &format!("{role:?} {email}"),
                role,
                PASSWORD,
                test_now(),
            )
            .unwrap()
        })
    }

    /// A visitor with no session yet.
    pub fn anonymous(&self) -> Editor<'_> {
        Editor {
            app: self,
            cookie: None,
        }
    }

    /// Creates an account with `role` and signs it in.
    pub async fn signed_in(&self, email: &str, role: Role) -> Editor<'_> {
        self.create_user(email, role);
        let mut editor = self.anonymous();
        let page = editor.sign_in(email, PASSWORD).await;
        assert_eq!(page.status, 303, "sign-in failed: {}", page.body);
        editor
    }
}

fn session_cookie(page: &Page) -> Option<String> {
    page.headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(broadsheet::auth::COOKIE_NAME))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// The CSRF token in a page's forms.
pub fn csrf_in(page: &Page) -> String {
    super::attr_of(&page.html(), "input[name=csrf_token]", "value")
        .expect("a form with a CSRF token")
}

impl Editor<'_> {
    fn keep_cookie(&mut self, page: &Page) {
        if let Some(cookie) = session_cookie(page) {
            // An expired cookie (value removed) ends the session.
            if cookie.ends_with('=') {
                self.cookie = None;
            } else {
                self.cookie = Some(cookie);
            }
        }
    }

    fn headers(&self) -> Vec<(&str, &str)> {
        self.cookie
            .as_deref()
            .map(|c| ("Cookie", c))
            .into_iter()
            .collect()
    }

    /// GETs a path with the session cookie.
    pub async fn get(&mut self, path: &str) -> Page {
        let page = self.app.get_with(path, &self.headers()).await;
        self.keep_cookie(&page);
        page
    }

    /// POSTs a url-encoded form (add `csrf_token` yourself, or use [`Editor::post`]).
    pub async fn post_raw(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Page {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut headers = self.headers();
        headers.push(("Content-Type", "application/x-www-form-urlencoded"));
        headers.extend_from_slice(extra);
        let page = self.app.post_with(path, &headers, body.into_bytes()).await;
        self.keep_cookie(&page);
        page
    }

    /// POSTs a form with the session's CSRF token (read from `/admin`).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all, &[]).await
    }

    /// The CSRF token of the current session.
    pub async fn csrf(&mut self) -> String {
        let page = self.get("/admin/articles/new").await;
        csrf_in(&page)
    }

    /// POSTs `multipart/form-data` with the CSRF token added.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<FilePart<'_>>,
    ) -> Page {
        let token = self.csrf().await;
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_multipart_raw(path, &all, file).await
    }

    /// POSTs `multipart/form-data` exactly as given.
    pub async fn post_multipart_raw(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<FilePart<'_>>,
    ) -> Page {
        let boundary = "----broadsheet-test-boundary-7d3f";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        }
        if let Some(f) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                    f.name, f.filename, f.content_type
                )
                .as_bytes(),
            );
            body.extend_from_slice(f.bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let mut headers = self.headers();
        headers.push(("Content-Type", &content_type));
        let page = self.app.post_with(path, &headers, body).await;
        self.keep_cookie(&page);
        page
    }

    /// Signs in through the login form.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/admin/login").await;
        let token = csrf_in(&form);
        self.post_raw(
            "/admin/login",
            &[
                ("email", email),
                ("password", password),
                ("csrf_token", &token),
            ],
            &[],
        )
        .await
    }
}

fn enc(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The ids of the "city" section and the "ada-reed" author as form values,
/// inserting a seed article (which creates both) when they do not exist yet.
pub fn section_and_author_ids(app: &TestApp) -> (String, String) {
    app.db(|c| {
        if broadsheet::models::Section::find_by_slug(c, "city").is_err() {
            super::insert_article(c, &super::ArticleSpec::new("seed", "Seed"));
        }
        let section = broadsheet::models::Section::find_by_slug(c, "city")
            .unwrap()
            .id;
        let author = broadsheet::models::Author::find_by_slug(c, "ada-reed")
            .unwrap()
            .id;
        (section.to_string(), author.to_string())
    })
}

/// The id of the article with this slug.
pub fn article_id(app: &TestApp, slug: &str) -> i32 {
    use broadsheet::schema::articles::dsl;
    use diesel::prelude::*;
    app.read(|c| {
        dsl::articles
            .filter(dsl::slug.eq(slug))
            .select(dsl::id)
            .first(c)
            .unwrap()
    })
}

/// Owned form fields as the `&str` pairs the form helpers take.
pub fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The article's current version number, as the edit form sends it.
pub fn version_of(app: &TestApp, id: i32) -> String {
    use broadsheet::schema::articles::dsl;
    use diesel::prelude::*;
    app.read(|c| {
        dsl::articles
            .find(id)
            .select(dsl::version)
            .first::<i32>(c)
            .unwrap()
            .to_string()
    })
}

/// A complete article form (a draft headlined "Night Ferry Trial Begins");
/// `changes` replace fields by name or add them.
pub fn article_form(
    app: &TestApp,
    changes: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let (section, author) = section_and_author_ids(app);
    let mut fields: Vec<(&'static str, String)> = [
        ("headline", "Night Ferry Trial Begins"),
        ("slug", ""),
        ("standfirst", "The harbour tries a late crossing."),
        ("alt", ""),
        ("caption", ""),
        ("credit", ""),
        ("takeaways", "Ferries run until midnight."),
        ("desk_heading", ""),
        ("desk_text", ""),
        ("kicker", ""),
        ("tags", "Harbour"),
        ("body", "The first night ferry left at **23:00**."),
        ("status", "draft"),
        ("publish_at", ""),
        ("version", ""),
        ("action", "save"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    fields.push(("section_id", section));
    fields.push(("author_id", author));
    for (k, v) in changes {
        match fields.iter_mut().find(|(name, _)| name == k) {
            Some(field) => field.1 = v.clone(),
            None => fields.push((k, v.clone())),
        }
    }
    fields
}
