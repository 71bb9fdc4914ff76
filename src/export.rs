//! `broadsheet export` and `broadsheet import`: the whole site as one
//! versioned JSON document, and back into an empty database of either kind.
//! This is also how a site moves from SQLite to PostgreSQL.
//!
//! The document is one object whose first members are
//! `"format": "broadsheet-export"` and `"version": 1`, then one array per
//! part, in an order where every row comes after the rows it points at
//! (accounts and images before articles, articles before pins). Both
//! directions stream: the export writes a batch of articles (or images) at a
//! time, and the import inserts each row as it is parsed, so neither holds
//! the archive in memory. What each part holds, and which tables are left out
//! and why, is listed in `models::export`.
//!
//! An import runs in one write transaction: it refuses a database that
//! already has content, and any error (a malformed file, an unknown version,
//! a row the database refuses) leaves the database as it was.

use std::io::{Read, Write};

use chrono::NaiveDateTime;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::models::export::{self as rows, ArticleExport};

/// Refuses an import (`what`: the thing done, for the message) into a
/// database that holds content, saying what it holds; an import only ever
/// fills a new, empty database, so it never has to merge or overwrite.
pub fn refuse_unless_empty(conn: &mut DbConn, what: &str) -> Result<(), AppError> {
    let found = rows::content_counts(conn)?;
    if found.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = found.iter().map(|(t, n)| format!("{n} {t}")).collect();
    Err(AppError::Config(format!(
        "the database is not empty ({}): {what} only into a new, empty database; \
         nothing was changed",
        listed.join(", ")
    )))
}

/// The value of the document's `format` member.
pub const FORMAT: &str = "broadsheet-export";

/// The document version this binary writes and reads.
pub const VERSION: u64 = 1;

/// Articles read per query while exporting: small enough that 100,000
/// articles with their revisions never sit in memory at once.
const ARTICLE_BATCH: i64 = 500;

/// Image copies read per query (each can be a few hundred kilobytes).
const MEDIA_BATCH: i64 = 20;

/// What an export or import moved, for the command's last line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Articles, whatever their status (the trash included).
    pub articles: usize,
    /// Stored image copies (each upload is kept at several widths).
    pub media: usize,
    /// Newsroom accounts.
    pub users: usize,
}

/// Writes the document's members one by one, each array row on its own line.
struct DocWriter<W: Write> {
    out: W,
    /// Whether the array being written has no row yet.
    first_row: bool,
}

impl<W: Write> DocWriter<W> {
    fn begin(mut out: W, with_secrets: bool, now: NaiveDateTime) -> Result<Self, AppError> {
        write!(
            out,
            "{{\"format\":{},\"version\":{VERSION},\"exported_at\":{},\"with_secrets\":{with_secrets}",
            json(&FORMAT)?,
            json(&now)?
        )
        .map_err(write_error)?;
        Ok(DocWriter {
            out,
            first_row: true,
        })
    }

    fn open(&mut self, part: &str) -> Result<(), AppError> {
        self.first_row = true;
        write!(self.out, ",\n{}:[", json(&part)?).map_err(write_error)
    }

    fn row<T: Serialize>(&mut self, row: &T) -> Result<(), AppError> {
        self.out
            .write_all(if self.first_row { b"\n" } else { b",\n" })
            .map_err(write_error)?;
        self.first_row = false;
        serde_json::to_writer(&mut self.out, row)
            .map_err(|e| AppError::internal_from("cannot write the export", e))
    }

    fn close(&mut self) -> Result<(), AppError> {
        self.out.write_all(b"]").map_err(write_error)
    }

    fn part<T: Serialize>(&mut self, name: &str, all: &[T]) -> Result<(), AppError> {
        self.open(name)?;
        for row in all {
            self.row(row)?;
        }
        self.close()
    }

    fn finish(mut self) -> Result<(), AppError> {
        self.out.write_all(b"\n}\n").map_err(write_error)?;
        self.out.flush().map_err(write_error)
    }
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::internal_from("cannot write", e))
}

fn write_error(e: std::io::Error) -> AppError {
    AppError::Config(format!("cannot write the export: {e}"))
}

/// Writes the whole site to `out` as one document, read from one snapshot
/// of the database (a read transaction; on PostgreSQL repeatable read), so
/// a site that is being edited exports consistently. Password hashes,
/// sessions and the session key go only `with_secrets`.
pub fn export<W: Write>(
    conn: &mut DbConn,
    out: W,
    with_secrets: bool,
    now: NaiveDateTime,
) -> Result<Summary, AppError> {
    use diesel::Connection;
    conn.transaction(|conn| {
        if let DbConn::Postgres(pg) = conn {
            use diesel::RunQueryDsl;
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(pg)?;
        }
        write_document(conn, out, with_secrets, now)
    })
}

fn write_document<W: Write>(
    conn: &mut DbConn,
    out: W,
    with_secrets: bool,
    now: NaiveDateTime,
) -> Result<Summary, AppError> {
    let mut summary = Summary::default();
    let mut doc = DocWriter::begin(out, with_secrets, now)?;

    let settings: Vec<rows::SettingRow> = rows::settings(conn)?
        .into_iter()
        .filter(|s| !rows::DERIVED_SETTINGS.contains(&s.key.as_str()))
        .filter(|s| with_secrets || !rows::SECRET_SETTINGS.contains(&s.key.as_str()))
        .collect();
    doc.part("settings", &settings)?;

    let mut users = rows::users(conn)?;
    if !with_secrets {
        for user in &mut users {
            user.password_hash.clear();
        }
    }
    summary.users = users.len();
    doc.part("users", &users)?;

    doc.open("media")?;
    let mut after = 0;
    loop {
        let batch = rows::media_batch(conn, after, MEDIA_BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for row in &batch {
            doc.row(row)?;
        }
        summary.media += batch.len();
    }
    doc.close()?;

    doc.part("sections", &rows::sections(conn)?)?;
    doc.part("authors", &rows::authors(conn)?)?;
    doc.part("tags", &rows::tags(conn)?)?;

    doc.open("articles")?;
    let mut after = 0;
    loop {
        let batch = rows::article_batch(conn, after, ARTICLE_BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.article.id;
        for row in &batch {
            doc.row(row)?;
        }
        summary.articles += batch.len();
    }
    doc.close()?;

    doc.part("related_pins", &rows::pins(conn)?)?;
    doc.part("taxonomy_redirects", &rows::taxonomy_redirects(conn)?)?;
    doc.part("deleted_media", &rows::deleted_media(conn)?)?;
    if with_secrets {
        doc.part("admin_sessions", &rows::sessions(conn)?)?;
    }
    doc.finish()?;
    Ok(summary)
}

/// Loads a document into an empty database in one write transaction, then
/// refreshes what is derived: bodies are rendered here as a save renders them
/// (links to `own_origin`, the site's base URL, stay followable), the search
/// index fills itself through the migrations' triggers, PostgreSQL's id
/// sequences move past the imported ids, and the import counts as a public
/// change (so any running instance drops what it cached). Related lists are
/// left to the next start, which finds the related index empty and rebuilds
/// it whole in the background (`broadsheet related rebuild` does it at once).
pub fn import<R: Read>(
    conn: &mut DbConn,
    input: R,
    own_origin: &str,
    now: NaiveDateTime,
) -> Result<Summary, AppError> {
    crate::db::write_transaction(conn, |conn| {
        refuse_unless_empty(conn, "import")?;
        let mut importer = Importer {
            conn,
            own_origin,
            summary: Summary::default(),
            failure: None,
            format_seen: false,
            version_seen: false,
        };
        let mut reader = serde_json::Deserializer::from_reader(std::io::BufReader::new(input));
        let parsed = DocumentSeed(&mut importer)
            .deserialize(&mut reader)
            .and_then(|()| reader.end());
        if let Some(failure) = importer.failure.take() {
            return Err(failure);
        }
        parsed.map_err(|e| {
            AppError::Config(format!(
                "the file is not a readable Broadsheet export: {e}; nothing was imported"
            ))
        })?;
        if !importer.format_seen || !importer.version_seen {
            return Err(not_an_export());
        }
        let summary = importer.summary;
        rows::reset_sequences(conn)?;
        crate::models::public_change::record(conn, now)?;
        Ok(summary)
    })
}

fn not_an_export() -> AppError {
    AppError::Config(format!(
        "the file is not a Broadsheet export (it must begin with \"format\": \"{FORMAT}\" and \
         \"version\": {VERSION}); nothing was imported"
    ))
}

/// The import's state while the document streams through.
struct Importer<'c> {
    conn: &'c mut DbConn,
    own_origin: &'c str,
    summary: Summary,
    /// The error that stopped the import, kept whole (the parser only
    /// carries text).
    failure: Option<AppError>,
    format_seen: bool,
    version_seen: bool,
}

impl Importer<'_> {
    /// Runs one insert; a failure is kept and stops the parse.
    fn insert<E: de::Error>(
        &mut self,
        what: impl FnOnce() -> String,
        work: impl FnOnce(&mut DbConn, &str) -> diesel::QueryResult<()>,
    ) -> Result<(), E> {
        match work(self.conn, self.own_origin) {
            Ok(()) => Ok(()),
            Err(e) => {
                let message = format!("cannot import {}: {e}; nothing was imported", what());
                self.failure = Some(AppError::Config(message.clone()));
                Err(E::custom(message))
            }
        }
    }

    fn import_row<E: de::Error>(&mut self, value: RowValue) -> Result<(), E> {
        match value {
            RowValue::Setting(s) => self.insert(
                || format!("setting {:?}", s.key),
                |c, _| crate::models::setting::set(c, &s.key, &s.value),
            ),
            RowValue::User(u) => {
                self.summary.users += 1;
                self.insert(
                    || format!("user {} ({})", u.id, u.email),
                    |c, _| rows::insert_user(c, &u),
                )
            }
            RowValue::Media(m) => {
                self.summary.media += 1;
                self.insert(
                    || format!("image copy {}", m.id),
                    |c, _| rows::insert_media(c, &m),
                )
            }
            RowValue::Section(s) => self.insert(
                || format!("section {} ({})", s.id, s.slug),
                |c, _| rows::insert_section(c, &s),
            ),
            RowValue::Author(a) => self.insert(
                || format!("author {} ({})", a.id, a.slug),
                |c, _| rows::insert_author(c, &a),
            ),
            RowValue::Tag(t) => self.insert(
                || format!("tag {} ({})", t.id, t.slug),
                |c, _| rows::insert_tag(c, &t),
            ),
            RowValue::Article(a) => {
                self.summary.articles += 1;
                self.insert(
                    || format!("article {} ({})", a.article.id, a.article.slug),
                    |c, origin| {
                        let html = render_body(&a.article.body, origin);
                        let posts: Vec<String> = a
                            .live_posts
                            .iter()
                            .map(|p| render_body(&p.body, origin))
                            .collect();
                        rows::insert_article(c, &a, &html, &posts)
                    },
                )
            }
            RowValue::Pin(p) => self.insert(
                || format!("the related pin {} of article {}", p.position, p.article_id),
                |c, _| rows::insert_pin(c, &p),
            ),
            RowValue::TaxonomyRedirect(r) => self.insert(
                || format!("the {} redirect {:?}", r.kind, r.old_slug),
                |c, _| rows::insert_taxonomy_redirect(c, &r),
            ),
            RowValue::DeletedMedia(d) => self.insert(
                || format!("deleted image {}", d.token),
                |c, _| rows::insert_deleted_media(c, &d),
            ),
            RowValue::Session(s) => self.insert(
                || format!("a session of user {}", s.user_id),
                |c, _| rows::insert_session(c, &s),
            ),
        }
    }
}

/// The body's HTML as a save stores it; a body the renderer refuses (nested
/// too deep) shows as escaped paragraphs, as for any stored body.
fn render_body(body: &str, own_origin: &str) -> String {
    crate::markdown::render_for_site(body, own_origin)
        .unwrap_or_else(|_| crate::markdown::render_or_escape(body))
}

/// The arrays a document may hold, by member name.
#[derive(Debug, Clone, Copy)]
enum Part {
    Settings,
    Users,
    Media,
    Sections,
    Authors,
    Tags,
    Articles,
    Pins,
    TaxonomyRedirects,
    DeletedMedia,
    Sessions,
}

impl Part {
    fn named(name: &str) -> Option<Part> {
        Some(match name {
            "settings" => Part::Settings,
            "users" => Part::Users,
            "media" => Part::Media,
            "sections" => Part::Sections,
            "authors" => Part::Authors,
            "tags" => Part::Tags,
            "articles" => Part::Articles,
            "related_pins" => Part::Pins,
            "taxonomy_redirects" => Part::TaxonomyRedirects,
            "deleted_media" => Part::DeletedMedia,
            "admin_sessions" => Part::Sessions,
            _ => return None,
        })
    }
}

/// One parsed row of any part.
enum RowValue {
    Setting(rows::SettingRow),
    User(rows::UserRow),
    Media(rows::MediaRow),
    Section(rows::SectionRow),
    Author(rows::AuthorRow),
    Tag(rows::TagRow),
    Article(Box<ArticleExport>),
    Pin(rows::PinRow),
    TaxonomyRedirect(rows::TaxonomyRedirectRow),
    DeletedMedia(rows::DeletedMediaRow),
    Session(rows::SessionRow),
}

/// Parses the top-level object, checking `format` and `version` before any row.
struct DocumentSeed<'i, 'c>(&'i mut Importer<'c>);

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "a Broadsheet export (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let importer = self.0;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => {
                    let format: String = map.next_value()?;
                    if format != FORMAT {
                        return Err(de::Error::custom(format!(
                            "\"format\" is {format:?}, not {FORMAT:?}: this is not a Broadsheet export"
                        )));
                    }
                    importer.format_seen = true;
                }
                "version" => {
                    if !importer.format_seen {
                        return Err(de::Error::custom(
                            "the document must begin with \"format\": \"broadsheet-export\"",
                        ));
                    }
                    let version: u64 = map.next_value()?;
                    if version != VERSION {
                        return Err(de::Error::custom(format!(
                            "this is a version {version} export; this Broadsheet reads version \
                             {VERSION} (use the Broadsheet that wrote it, or a newer one)"
                        )));
                    }
                    importer.version_seen = true;
                }
                "exported_at" | "with_secrets" => {
                    map.next_value::<de::IgnoredAny>()?;
                }
                name => {
                    let Some(part) = Part::named(name) else {
                        return Err(de::Error::custom(format!(
                            "unknown member {name:?} (not part of a version {VERSION} export)"
                        )));
                    };
                    if !importer.format_seen || !importer.version_seen {
                        return Err(de::Error::custom(
                            "the document must begin with \"format\" and \"version\"",
                        ));
                    }
                    map.next_value_seed(PartSeed {
                        importer: &mut *importer,
                        part,
                    })?;
                }
            }
        }
        Ok(())
    }
}

/// Parses one part's array, inserting each row as soon as it is read.
struct PartSeed<'i, 'c> {
    importer: &'i mut Importer<'c>,
    part: Part,
}

impl<'de> DeserializeSeed<'de> for PartSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PartSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "an array of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        macro_rules! rows_of {
            ($ty:ty, $wrap:expr) => {
                while let Some(row) = seq.next_element::<$ty>()? {
                    self.importer.import_row($wrap(row))?;
                }
            };
        }
        match self.part {
            Part::Settings => rows_of!(rows::SettingRow, RowValue::Setting),
            Part::Users => rows_of!(rows::UserRow, RowValue::User),
            Part::Media => rows_of!(rows::MediaRow, RowValue::Media),
            Part::Sections => rows_of!(rows::SectionRow, RowValue::Section),
            Part::Authors => rows_of!(rows::AuthorRow, RowValue::Author),
            Part::Tags => rows_of!(rows::TagRow, RowValue::Tag),
            Part::Articles => rows_of!(ArticleExport, |a| RowValue::Article(Box::new(a))),
            Part::Pins => rows_of!(rows::PinRow, RowValue::Pin),
            Part::TaxonomyRedirects => {
                rows_of!(rows::TaxonomyRedirectRow, RowValue::TaxonomyRedirect)
            }
            Part::DeletedMedia => rows_of!(rows::DeletedMediaRow, RowValue::DeletedMedia),
            Part::Sessions => rows_of!(rows::SessionRow, RowValue::Session),
        }
        Ok(())
    }
}
