//! `/corrections`: every correction on a public article, newest first, paged,
//! with its own RSS and Atom feeds. Updates (new information) show on their
//! articles only; notes on drafts, scheduled or trashed articles never show.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;

use crate::db;
use crate::error::AppError;
use crate::models::article_note::{self, ListedCorrection};
use crate::routes::feeds::{
    self, xml_response, xml_safe, AtomFeed, EntryView, FeedView, RssFeed, ATOM_CONTENT_TYPE,
    FEED_LENGTH, RSS_CONTENT_TYPE,
};
use crate::routes::pages::{cached_page, page_number, PER_PAGE};
use crate::seo::{self, stamp};
use crate::views::{chrome, listing_meta, ListMeta};
use crate::views::{paragraphs, CorrectionView, CorrectionsPage, ListPager, Site};
use crate::AppState;

/// The page's path, and its feeds' base path.
const PATH: &str = "/corrections";
const TITLE: &str = "Corrections";

fn description(site: &Site) -> String {
    format!(
        "Every correction {} has published, newest first.",
        site.name
    )
}

/// The article's path with the note's anchor.
fn note_href(c: &ListedCorrection) -> String {
    format!("/articles/{}#note-{}", c.slug, c.note.id)
}

/// `GET /corrections`.
pub async fn list_corrections(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let page = page_number(&req)?;
    let now = state.clock.now();
    let shared = state.clone();
    let (chrome, total, listed, last_change) = db::run(&state.pool, move |conn| {
        let facts = shared.cache.site_facts(conn, now)?;
        let total = article_note::count_public_corrections(conn, now)?;
        if page > 1 && (page - 1) * PER_PAGE >= total {
            return Err(AppError::NotFound);
        }
        let listed = article_note::public_corrections(conn, now, (page - 1) * PER_PAGE, PER_PAGE)?;
        Ok((
            chrome(&shared.site, &facts, None),
            total,
            listed,
            facts.last_change,
        ))
    })
    .await?;
    let site = &state.site;
    let tz = site.timezone;
    let corrections: Vec<CorrectionView> = listed
        .iter()
        .map(|c| CorrectionView {
            headline: c.headline.clone(),
            href: note_href(c),
            when: stamp(c.note.noted_at, tz),
            paragraphs: paragraphs(&c.note.text),
        })
        .collect();
    let pager = ListPager::numbered(PATH, page, total, PER_PAGE);
    let title = match page {
        1 => format!("{TITLE} | {}", site.name),
        n => format!("{TITLE} — page {n} | {}", site.name),
    };
    let mut meta = listing_meta(
        site,
        ListMeta {
            title: title.clone(),
            description: description(site),
            pager: &pager,
            cards: &[],
            image: None,
            feeds: [
                seo::feed_links(&site.name, Some(TITLE), PATH),
                seo::feed_links(&site.name, None, ""),
            ]
            .concat(),
            breadcrumb: Some(TITLE),
        },
    );
    // The collection names the corrected articles (each once, in order).
    let mut article_urls: Vec<String> = Vec::new();
    for c in &listed {
        let url = site.url(&format!("/articles/{}", c.slug));
        if !article_urls.contains(&url) {
            article_urls.push(url);
        }
    }
    meta.json_ld[0] = seo::script_safe_json(&seo::collection_page(
        &title,
        &description(site),
        &meta.canonical,
        &article_urls,
    ));
    cached_page(
        &req,
        &CorrectionsPage {
            chrome,
            meta,
            corrections,
            pager,
        },
        last_change,
    )
}

/// A feed's format.
#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
}

/// The corrections feed: one entry per correction, linking to its note on the article.
fn feed_view(
    site: &Site,
    listed: &[ListedCorrection],
    format: Format,
    now: NaiveDateTime,
) -> FeedView {
    let updated = listed.iter().map(|c| c.note.noted_at).max().unwrap_or(now);
    let host = feeds::host_of(&site.base_url);
    let entries = listed
        .iter()
        .map(|c| {
            let when = stamp(c.note.noted_at, site.timezone);
            let text = xml_safe(&c.note.text);
            let html: String = paragraphs(&text)
                .iter()
                .map(|p| format!("<p>{}</p>", crate::markdown::escape_html(p)))
                .collect();
            EntryView {
                title: xml_safe(&format!("Correction: {}", c.headline)),
                url: site.url(&note_href(c)),
                id: format!(
                    "tag:{host},{}:correction-{}",
                    c.note.created_at.format("%Y-%m-%d"),
                    c.note.id
                ),
                published_rfc2822: feeds::rfc2822(c.note.noted_at, site),
                published_rfc3339: when.iso.clone(),
                updated_rfc3339: when.iso,
                authors: vec![feeds::FeedAuthor {
                    name: xml_safe(&site.name),
                    url: None,
                }],
                categories: Vec::new(),
                summary: text.clone(),
                summary_html: crate::markdown::escape_html(&text),
                content_html: html,
                enclosure: None,
            }
        })
        .collect();
    let description = description(site);
    let file = match format {
        Format::Rss => "feed.xml",
        Format::Atom => "atom.xml",
    };
    FeedView {
        title: xml_safe(&format!("{}: {TITLE}", site.name)),
        description: match format {
            Format::Rss => crate::markdown::escape_html(&xml_safe(&description)),
            Format::Atom => xml_safe(&description),
        },
        language: site.language.clone(),
        home_url: site.url(PATH),
        self_url: site.url(&format!("{PATH}/{file}")),
        updated_rfc2822: feeds::rfc2822(updated, site),
        updated_rfc3339: stamp(updated, site.timezone).iso,
        icon_url: site.url(feeds::FEED_ICON),
        logo_url: site.logo_url.clone(),
        entries,
    }
}

async fn serve_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    format: Format,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let shared = state.clone();
    let (listed, last_change) = db::run(&state.pool, move |conn| {
        let listed = article_note::public_corrections(conn, now, 0, FEED_LENGTH)?;
        Ok((listed, shared.cache.site_facts(conn, now)?.last_change))
    })
    .await?;
    let feed = feed_view(&state.site, &listed, format, now);
    let (body, content_type) = match format {
        Format::Rss => (RssFeed { feed }.render()?, RSS_CONTENT_TYPE),
        Format::Atom => (AtomFeed { feed }.render()?, ATOM_CONTENT_TYPE),
    };
    Ok(xml_response(&req, content_type, body, last_change))
}

/// `GET /corrections/feed.xml`: corrections as RSS.
pub async fn corrections_rss(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    serve_feed(state, req, Format::Rss).await
}

/// `GET /corrections/atom.xml`: corrections as Atom.
pub async fn corrections_atom(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    serve_feed(state, req, Format::Atom).await
}
