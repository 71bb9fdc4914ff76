//! What pages show: one askama struct per page template, each with every
//! value it shows loaded and formatted before rendering (templates never
//! query). `public` holds the reader's pages and the pieces they share
//! (re-exported here, as `views::ArticlePage`), `article` assembles the
//! article page from its rows, and `admin` and `media` hold the newsroom's pages.

pub mod admin;
pub mod article;
pub mod live;
pub mod media;
pub mod public;

pub use public::*;
