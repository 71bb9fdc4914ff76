//! `broadsheet import-wordpress export.xml`: a WordPress site (its WXR
//! export, Tools → Export → All content) into an empty Broadsheet database,
//! in one transaction: any error leaves the database as it was.
//!
//! What becomes what:
//!
//! | WordPress | Broadsheet |
//! |---|---|
//! | `wp:author` | an author (byline): name from the display name, slug from the login; no account, no e-mail |
//! | top-level category | a section, in the export's order |
//! | child category | the article goes to its top-level category's section and gets a tag named after the child |
//! | a post's further categories | tags |
//! | tag (`wp:tag`, `category domain="post_tag"`) | a tag |
//! | post | an article in its first category's section |
//! | page | an article in the section "Pages" (made when the first page comes) |
//! | status `publish` / `future` | published / scheduled at `wp:post_date_gmt` |
//! | status `draft` / `pending` | a draft / a draft submitted for review |
//! | status `private`, or a password-protected post | a draft (never public: Broadsheet has no private reading) |
//! | status `trash` | an article in the trash, with the status it had before |
//! | attachment with its bytes in the file (`<wp:attachment_data encoding="base64">`) | an image in the library; a post's featured image (`_thumbnail_id`) becomes its lead image |
//! | attachment with only `wp:attachment_url` (what WordPress writes) | nothing: nothing is ever downloaded; a post whose featured image it was gets a note |
//! | `<link>` and `?p=ID` (pages also `?page_id=ID`) | old addresses answering 301 to the article (`models::permalink`) |
//! | archives `/category/a/b/`, `/tag/x/`, `/author/login/` | 301 to the section, tag or author they became |
//! | excerpt | standfirst (plain text) |
//! | content | Markdown body (`body`), rendered and sanitised as a save renders |
//! | comments, menus, revisions, reusable blocks, other post types | not imported (counted in the summary) |
//!
//! Bodies are rendered here as a save renders them; the search index fills
//! itself through the migrations' triggers; related lists are left to the
//! next start, as after `broadsheet import`.

pub mod body;
mod importer;
pub mod wxr;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::error::AppError;
use importer::Importer;
use wxr::WxrReader;

/// The largest export read. A WordPress export holds text and addresses,
/// not files: a site with 100,000 posts exports to a few hundred megabytes.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The name of the section pages are filed in (slug `pages`, or `pages-2`
/// when a category took that).
pub const PAGES_SECTION: &str = "Pages";

/// What an import made and what it left out.
#[derive(Debug, Default)]
pub struct Summary {
    pub authors: usize,
    pub sections: usize,
    pub tags: usize,
    /// Articles by the status they were given ("published", "scheduled",
    /// "draft", "in review", "in the trash").
    pub articles: BTreeMap<&'static str, usize>,
    /// How many of the articles were WordPress pages.
    pub pages: usize,
    pub images: usize,
    pub redirects: usize,
    pub comments: usize,
    /// Attachments whose bytes are not in the file (not downloaded).
    pub attachments_without_bytes: usize,
    /// Items of other post types, by type.
    pub skipped_types: BTreeMap<String, usize>,
    /// One line for each item imported differently or left out, and why.
    pub notes: Vec<String>,
    /// Posts imported without their featured image because only its
    /// address is in the file (usual for WordPress's own exports, so they are
    /// listed apart): each post as named in notes, with the image's address.
    pub featured_elsewhere: Vec<String>,
}

impl Summary {
    /// Articles imported, whatever their status.
    pub fn article_count(&self) -> usize {
        self.articles.values().sum()
    }
}

/// Imports the WXR file at `path` into the empty database behind `conn`.
/// `own_origin` is the site's base URL (links to it stay followable, as a
/// save leaves them).
pub fn import_file(
    conn: &mut DbConn,
    path: &Path,
    own_origin: &str,
    now: NaiveDateTime,
) -> Result<Summary, AppError> {
    let cannot_read =
        |e: std::io::Error| AppError::Config(format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    let size = file.metadata().map_err(cannot_read)?.len();
    if size > MAX_FILE_BYTES {
        return Err(AppError::Config(format!(
            "{} is {} MB; exports up to {} MB are read (split it with WordPress's export \
             filters, by date or author); nothing was imported",
            path.display(),
            size >> 20,
            MAX_FILE_BYTES >> 20
        )));
    }
    import(conn, std::io::BufReader::new(file), own_origin, now).map_err(|e| match e {
        AppError::Config(message) => AppError::Config(format!("{}: {message}", path.display())),
        other => other,
    })
}

/// Imports a WXR document, all or nothing (see the module's table).
pub fn import<R: BufRead>(
    conn: &mut DbConn,
    input: R,
    own_origin: &str,
    now: NaiveDateTime,
) -> Result<Summary, AppError> {
    crate::db::write_transaction(conn, |conn| {
        crate::export::refuse_unless_empty(conn, "import a WordPress site")?;
        let mut importer = Importer::new(own_origin, now);
        let mut reader = WxrReader::new(input);
        loop {
            let record = reader
                .next_record()
                .map_err(|e| AppError::Config(format!("{e}; nothing was imported")))?;
            let Some(record) = record else { break };
            importer.take(conn, record)?;
        }
        importer.finish(conn)
    })
}
