//! Models: one file per table, each with its struct, its insert form and its queries.

pub mod admin_session;
pub mod article;
pub mod article_bulk;
pub mod article_form;
pub mod article_newsroom;
pub mod article_note;
pub mod article_review;
pub mod author;
pub mod bulk;
pub mod export;
pub mod feed;
pub mod live_post;
pub mod media;
pub mod media_library;
pub mod permalink;
pub mod public_change;
pub mod related;
pub mod related_index;
pub mod revision;
pub mod search;
pub mod section;
pub mod setting;
pub mod tag;
pub mod taxonomy_redirect;
pub mod user;
pub mod wordpress;

pub use article::{Article, ArticleCard, ArticleStatus, NewArticle};
pub use author::{Author, NewAuthor};
pub use media::{MediaInfo, NewMedia};
pub use section::{NewSection, Section};
pub use tag::Tag;

/// `text` made safe inside a `LIKE` pattern that declares `\` its escape:
/// `%`, `_` and `\` match only themselves.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
