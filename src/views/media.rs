//! The newsroom's media library pages: the list (with search) and one
//! image's edit page.

use askama::Template;

use crate::models::media_library::{DetailErrors, ImageDetails, ImageUse};
use crate::views::admin::AdminChrome;

/// One image in the library.
pub struct LibraryRow {
    pub id: i32,
    /// Its newsroom URL (shown whatever its visibility).
    pub src: String,
    /// Its public URL, named so editors can tell which image a link is.
    pub public_path: String,
    pub width: i32,
    pub height: i32,
    pub content_type: String,
    pub uploaded: String,
    pub details: ImageDetails,
    /// The Markdown that shows it in a body.
    pub snippet: String,
    /// Articles using it, and how.
    pub articles: Vec<ImageUse>,
    pub authors: Vec<String>,
    pub deletable: bool,
}

/// The image library (editors).
#[derive(Template)]
#[template(path = "admin/media.html")]
pub struct MediaPage {
    pub chrome: AdminChrome,
    pub rows: Vec<LibraryRow>,
    /// The search as typed (empty: the whole library, paged).
    pub query: String,
    /// The most matches a search shows.
    pub search_limit: i64,
    pub page: i64,
    pub total_pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// One image's page: its defaults to edit, its focal point, what uses it.
#[derive(Template)]
#[template(path = "admin/media_edit.html")]
pub struct MediaEditPage {
    pub chrome: AdminChrome,
    pub row: LibraryRow,
    /// The form as typed (the stored defaults on first view).
    pub form: ImageDetails,
    pub errors: DetailErrors,
    /// The crops' focal point, in percent of width and height (as typed
    /// after a refused change).
    pub focal_x: String,
    pub focal_y: String,
    /// Its crops, as stored.
    pub crops: Vec<CropView>,
}

/// One crop of an image, on its edit page.
pub struct CropView {
    /// `4:3` or `1:1`.
    pub aspect: String,
    pub src: String,
    pub width: i32,
    pub height: i32,
}

impl MediaEditPage {
    /// The message for a field, if any.
    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}
