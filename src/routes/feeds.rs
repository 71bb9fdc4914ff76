//! RSS 2.0 and Atom feeds of the latest articles, for the whole site and for
//! each section, tag and author. Feeds are askama XML templates
//! (`templates/feeds/`), which escape `&`, `<`, `>`, `"` and `'` in every value;
//! the article body goes in escaped (not as CDATA), so no content can end it early.

use actix_web::{web, HttpRequest, HttpResponse};
use ammonia::{Url, UrlRelative};
use askama::Template;
use chrono::{NaiveDateTime, TimeZone};

use crate::db;
use crate::error::AppError;
use crate::http_cache::CachePolicy;
use crate::models::article::Listing;
use crate::models::feed::{self, FeedEntry};
use crate::models::taxonomy_redirect::TaxonomyKind;
use crate::models::{Author, Section, Tag};
use crate::routes::canonical;
use crate::seo::stamp;
use crate::views::Site;
use crate::AppState;

/// Articles in every feed.
pub const FEED_LENGTH: i64 = 50;
/// The site icon feed readers show next to a feed: 48×48, within RSS's
/// 144×400 limit for `<image>`.
pub(crate) const FEED_ICON: &str = "/static/img/favicon.png";
/// `Content-Type` of RSS feeds.
pub const RSS_CONTENT_TYPE: &str = "application/rss+xml; charset=utf-8";
/// `Content-Type` of Atom feeds.
pub const ATOM_CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// An XML response that CDNs and feed readers may cache for a few minutes,
/// with `ETag` / `Last-Modified` so pollers get a 304 when nothing changed.
pub fn xml_response(
    req: &HttpRequest,
    content_type: &'static str,
    body: String,
    last_modified: Option<NaiveDateTime>,
) -> HttpResponse {
    crate::http_cache::respond(req, content_type, body, last_modified, CachePolicy::Feed)
}

/// Drops the characters XML 1.0 cannot carry at all, not even escaped (most
/// C0 controls, U+FFFE, U+FFFF): one stray control character pasted into a
/// headline would otherwise make the whole feed unreadable.
pub fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// The article body as feed HTML: the stored sanitised HTML of the article
/// page with every relative link and image made absolute against the
/// article's URL, because feed readers show it away from our site.
pub fn body_html(stored_html: &str, article_url: &str) -> String {
    let Ok(base) = Url::parse(article_url) else {
        return xml_safe(stored_html);
    };
    // Pull quotes repeat the body's words and only a stylesheet sets them
    // apart, so a feed's copy leaves them out. A second ammonia pass only rewrites URLs: the HTML is already clean
    // (and nested no deeper than the renderer allows, so this pass is
    // cheap). Then, as on the article page, only links that leave the site
    // get `nofollow`; links to our own pages stay followable.
    let absolute = ammonia::Builder::default()
        .link_rel(None)
        .url_relative(UrlRelative::RewriteWithBase(base.clone()))
        .clean(&crate::markdown::without_pull_quotes(stored_html))
        .to_string();
    let own_origin = base.origin().ascii_serialization();
    xml_safe(&crate::markdown::add_link_rel(&absolute, &own_origin))
}

/// Which articles a feed carries.
enum Scope {
    Site,
    Section(String),
    Tag(String),
    Author(String),
}

/// A feed's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Rss,
    Atom,
}

impl Format {
    fn file(self) -> &'static str {
        match self {
            Format::Rss => "feed.xml",
            Format::Atom => "atom.xml",
        }
    }
}

/// A category (section or tag) of an entry.
#[derive(Debug, Clone)]
pub struct CategoryView {
    /// The slug: Atom's `term`.
    pub term: String,
    /// The name readers see.
    pub label: String,
    /// Absolute URL naming the taxonomy (`…/sections/` or `…/tags/`): RSS
    /// `domain`, Atom `scheme`.
    pub scheme: String,
}

/// The lead image, as an enclosure.
#[derive(Debug, Clone)]
pub struct EnclosureView {
    pub url: String,
    pub mime: String,
    /// Size in bytes.
    pub length: i32,
    pub width: i32,
    pub height: i32,
}

/// An author of a feed entry.
#[derive(Debug, Clone)]
pub struct FeedAuthor {
    pub name: String,
    /// Absolute URL of their author page (none for the publication).
    pub url: Option<String>,
}

/// One article in a feed, every value formatted for both standards.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub title: String,
    /// Absolute URL of the article page.
    pub url: String,
    /// A `tag:` URI from the article's id and creation date: unlike the URL,
    /// it survives a slug change, so readers never show the article twice.
    pub id: String,
    pub published_rfc2822: String,
    pub published_rfc3339: String,
    pub updated_rfc3339: String,
    /// The authors in byline order, or the publication for unsigned articles:
    /// one RSS `dc:creator` and one Atom `<author>` each.
    pub authors: Vec<FeedAuthor>,
    pub categories: Vec<CategoryView>,
    /// The standfirst as plain text (Atom `summary type="text"`).
    pub summary: String,
    /// The standfirst escaped as HTML (RSS `description`, which readers treat as HTML).
    pub summary_html: String,
    /// The sanitised body with absolute URLs.
    pub content_html: String,
    pub enclosure: Option<EnclosureView>,
}

/// A feed's channel and its entries.
#[derive(Debug, Clone)]
pub struct FeedView {
    pub title: String,
    pub description: String,
    pub language: String,
    /// Absolute URL of the page the feed follows.
    pub home_url: String,
    /// Absolute URL of this feed; also the Atom feed's id.
    pub self_url: String,
    pub updated_rfc2822: String,
    pub updated_rfc3339: String,
    /// Absolute URL of the site's square icon (48×48 PNG): RSS `<image>`, Atom `<icon>`.
    pub icon_url: String,
    /// Absolute URL of the publisher logo: Atom `<logo>`.
    pub logo_url: String,
    pub entries: Vec<EntryView>,
}

/// `templates/feeds/rss.xml`.
#[derive(Template)]
#[template(path = "feeds/rss.xml")]
pub struct RssFeed {
    pub feed: FeedView,
}

/// `templates/feeds/atom.xml`.
#[derive(Template)]
#[template(path = "feeds/atom.xml")]
pub struct AtomFeed {
    pub feed: FeedView,
}

/// The host of an absolute URL, for `tag:` URIs.
pub(crate) fn host_of(base_url: &str) -> String {
    Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "localhost".into())
}

pub(crate) fn rfc2822(t: NaiveDateTime, site: &Site) -> String {
    site.timezone.from_utc_datetime(&t).to_rfc2822()
}

impl EntryView {
    /// Formats one feed entry.
    pub fn new(site: &Site, e: &FeedEntry) -> Self {
        let a = &e.card.article;
        let url = site.url(&format!("/articles/{}", a.slug));
        let published = a.published_at.unwrap_or(e.created_at);
        let updated = a.updated_at.max(published);
        let mut categories: Vec<CategoryView> = e
            .card
            .section
            .iter()
            .map(|s| CategoryView {
                term: s.slug.clone(),
                label: xml_safe(&s.name),
                scheme: site.url("/sections/"),
            })
            .collect();
        categories.extend(e.tags.iter().map(|t| CategoryView {
            term: t.slug.clone(),
            label: xml_safe(&t.name),
            scheme: site.url("/tags/"),
        }));
        EntryView {
            title: xml_safe(&a.headline),
            id: format!(
                "tag:{},{}:article-{}",
                host_of(&site.base_url),
                e.created_at.format("%Y-%m-%d"),
                a.id
            ),
            published_rfc2822: rfc2822(published, site),
            published_rfc3339: stamp(published, site.timezone).iso,
            updated_rfc3339: stamp(updated, site.timezone).iso,
            authors: if e.authors.is_empty() {
                vec![FeedAuthor {
                    name: xml_safe(&site.name),
                    url: None,
                }]
            } else {
                e.authors
                    .iter()
                    .map(|au| FeedAuthor {
                        name: xml_safe(&au.name),
                        url: Some(site.url(&format!("/authors/{}", au.slug))),
                    })
                    .collect()
            },
            categories,
            summary: xml_safe(&a.standfirst),
            summary_html: crate::markdown::escape_html(&xml_safe(&a.standfirst)),
            content_html: body_html(&e.body_html, &url),
            enclosure: e
                .card
                .image
                .as_ref()
                .zip(e.image_bytes)
                .map(|(m, length)| EnclosureView {
                    url: site.url(&m.path()),
                    mime: m.content_type.clone(),
                    length,
                    width: m.width,
                    height: m.height,
                }),
            url,
        }
    }
}

impl FeedView {
    /// The feed of `entries` for the list at `path` (`""` for the whole site).
    fn new(
        site: &Site,
        label: Option<&str>,
        description: String,
        path: &str,
        format: Format,
        entries: &[FeedEntry],
        now: NaiveDateTime,
    ) -> Self {
        // The feed changed when its newest entry did; an empty feed is as new as now.
        let updated = entries
            .iter()
            .map(|e| {
                let a = &e.card.article;
                a.updated_at.max(a.published_at.unwrap_or(e.created_at))
            })
            .max()
            .unwrap_or(now);
        let entries: Vec<EntryView> = entries.iter().map(|e| EntryView::new(site, e)).collect();
        FeedView {
            title: xml_safe(&match label {
                Some(label) => format!("{}: {label}", site.name),
                None => site.name.clone(),
            }),
            // RSS readers treat the channel description as HTML, as they do
            // item descriptions; Atom's subtitle is declared plain text.
            description: match format {
                Format::Rss => crate::markdown::escape_html(&xml_safe(&description)),
                Format::Atom => xml_safe(&description),
            },
            language: site.language.clone(),
            home_url: site.url(if path.is_empty() { "/" } else { path }),
            self_url: site.url(&format!("{path}/{}", format.file())),
            updated_rfc2822: rfc2822(updated, site),
            updated_rfc3339: stamp(updated, site.timezone).iso,
            icon_url: site.url(FEED_ICON),
            logo_url: site.logo_url.clone(),
            entries,
        }
    }
}

async fn serve_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    scope: Scope,
    format: Format,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let site_description = state.site.description.clone();
    let site_name = state.site.name.clone();
    let shared = state.clone();
    let asked = match &scope {
        Scope::Site => None,
        Scope::Section(slug) => Some((TaxonomyKind::Section, slug.clone())),
        Scope::Tag(slug) => Some((TaxonomyKind::Tag, slug.clone())),
        Scope::Author(slug) => Some((TaxonomyKind::Author, slug.clone())),
    };
    let loaded = db::run(&state.pool, move |conn| {
        let (label, description, path, listing) = match scope {
            Scope::Site => (None, site_description, String::new(), Listing::All),
            Scope::Section(slug) => {
                let s = Section::find_by_slug(conn, &slug)?;
                let description = if s.description.is_empty() {
                    format!("The latest {} articles from {site_name}.", s.name)
                } else {
                    s.description
                };
                let path = format!("/sections/{}", s.slug);
                (Some(s.name), description, path, Listing::Section(s.id))
            }
            Scope::Tag(slug) => {
                let t = Tag::find_public_by_slug(conn, &slug, now)?;
                let description = format!("The latest articles about {} from {site_name}.", t.name);
                let path = format!("/tags/{}", t.slug);
                (Some(t.name), description, path, Listing::Tag(t.id))
            }
            Scope::Author(slug) => {
                let a = Author::find_by_slug(conn, &slug)?;
                let description = if a.bio.is_empty() {
                    format!("The latest articles by {} in {site_name}.", a.name)
                } else {
                    a.bio
                };
                let path = format!("/authors/{}", a.slug);
                (Some(a.name), description, path, Listing::Author(a.id))
            }
        };
        let entries = feed::latest_entries(conn, &listing, now, FEED_LENGTH)?;
        let last_change = shared.cache.site_facts(conn, now)?.last_change;
        Ok((label, description, path, entries, last_change))
    })
    .await;
    let (label, description, path, entries, last_change) = match (loaded, asked) {
        (Ok(loaded), _) => loaded,
        // A renamed section, tag or author: its old feed URLs move with it.
        (Err(miss), Some((kind, slug))) => {
            let suffix = format!("/{}", format.file());
            return canonical::renamed_or(&state, &req, kind, slug, &suffix, miss).await;
        }
        (Err(e), None) => return Err(e),
    };
    // Rewriting 50 bodies' links and rendering the XML is CPU work: keep it
    // off the async workers.
    let site = state.site.clone();
    let body = web::block(move || {
        let feed = FeedView::new(
            &site,
            label.as_deref(),
            description,
            &path,
            format,
            &entries,
            now,
        );
        match format {
            Format::Rss => RssFeed { feed }.render(),
            Format::Atom => AtomFeed { feed }.render(),
        }
    })
    .await??;
    let content_type = match format {
        Format::Rss => RSS_CONTENT_TYPE,
        Format::Atom => ATOM_CONTENT_TYPE,
    };
    Ok(xml_response(&req, content_type, body, last_change))
}

/// `GET /feed.xml`: the whole site as RSS.
pub async fn site_rss(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    serve_feed(state, req, Scope::Site, Format::Rss).await
}

/// `GET /atom.xml`: the whole site as Atom.
pub async fn site_atom(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    serve_feed(state, req, Scope::Site, Format::Atom).await
}

/// `GET /sections/{slug}/feed.xml`.
pub async fn section_rss(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    serve_feed(state, req, Scope::Section(slug.into_inner()), Format::Rss).await
}

/// `GET /sections/{slug}/atom.xml`.
pub async fn section_atom(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    serve_feed(state, req, Scope::Section(slug.into_inner()), Format::Atom).await
}

/// `GET /tags/{slug}/feed.xml`.
pub async fn tag_rss(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    serve_feed(state, req, Scope::Tag(slug.into_inner()), Format::Rss).await
}

/// `GET /tags/{slug}/atom.xml`.
pub async fn tag_atom(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    serve_feed(state, req, Scope::Tag(slug.into_inner()), Format::Atom).await
}

/// `GET /authors/{slug}/feed.xml`.
pub async fn author_rss(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    serve_feed(state, req, Scope::Author(slug.into_inner()), Format::Rss).await
}

/// `GET /authors/{slug}/atom.xml`.
pub async fn author_atom(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    serve_feed(state, req, Scope::Author(slug.into_inner()), Format::Atom).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_in_the_body_become_absolute() {
        let stored = crate::markdown::render(
            "See ![map](/media/3) and [the plan](/articles/plan), [notes](notes) or [x](https://other.example/a).",
        )
        .unwrap();
        let html = body_html(&stored, "https://news.example/articles/harbour");
        assert!(
            html.contains("src=\"https://news.example/media/3\""),
            "{html}"
        );
        assert!(
            html.contains("href=\"https://news.example/articles/plan\""),
            "{html}"
        );
        assert!(
            html.contains("href=\"https://news.example/articles/notes\""),
            "{html}"
        );
        assert!(html.contains("href=\"https://other.example/a\""), "{html}");
    }

    #[test]
    fn characters_xml_cannot_carry_are_dropped() {
        assert_eq!(xml_safe("a\u{1}b\tc\u{FFFF}d é"), "ab\tcd é");
    }
}
