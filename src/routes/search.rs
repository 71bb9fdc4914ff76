//! Site search: `GET /search?q=…&page=…`. Any query string gets a page (or a
//! 400 for a bad page number), never an error from the database: the words
//! are cleaned by `models::search::SearchTerms` before they reach it.

use actix_web::{web, HttpRequest, HttpResponse};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::db;
use crate::error::AppError;
use crate::models::search::{search_public, SearchTerms, MAX_RANKED};
use crate::routes::pages::{html_page, page_number, PER_PAGE};
use crate::seo::PageMeta;
use crate::views::load_chrome;
use crate::views::{CardView, Pager, SearchPage, SearchResultView};
use crate::AppState;

/// Longer queries are cut to this many characters before they are read:
/// more says nothing a search can use, and it bounds the work per request.
const MAX_QUERY_CHARS: usize = 500;

/// Characters left as they are in the `q=` value of the page's own links.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The reader's query: the first `q=` value, decoded (bytes that are not
/// UTF-8 become U+FFFD, which is not a word), without control characters,
/// capped and trimmed.
fn reader_query(req: &HttpRequest) -> Result<String, AppError> {
    let params = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|_| AppError::BadRequest("The address has a malformed query string.".into()))?;
    let raw = params
        .iter()
        .find(|(k, _)| k == "q")
        .map_or("", |(_, v)| v.as_str());
    let query: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_QUERY_CHARS)
        .collect();
    Ok(query.trim().to_string())
}

/// The address of a page of results for `query` (`?page=` past the first).
fn search_path(query: &str, page: i64) -> String {
    let q = utf8_percent_encode(query, QUERY_VALUE);
    match page {
        1 => format!("/search?q={q}"),
        p => format!("/search?q={q}&page={p}"),
    }
}

/// The pager for a page of results: like a listing's, but its links keep `q`.
fn search_pager(query: &str, page: i64, total: i64) -> Pager {
    let total_pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    Pager {
        page,
        total_pages,
        prev: (page > 1).then(|| search_path(query, page - 1)),
        next: (page < total_pages).then(|| search_path(query, page + 1)),
    }
}

/// `GET /search`: the search form, and one page of matching public articles,
/// best match first. Past the last page of results is a 404, as for listings.
pub async fn search(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let page = page_number(&req)?;
    let query = reader_query(&req)?;
    let terms = SearchTerms::parse(&query);
    let searched = terms.is_some();
    let now = state.clock.now();
    let site = state.site.clone();
    let (chrome, found) = db::run(&state.pool, move |conn| {
        let chrome = load_chrome(conn, &site, None)?;
        let found = match terms {
            Some(terms) => Some(search_public(
                conn,
                &terms,
                now,
                (page - 1) * PER_PAGE,
                PER_PAGE,
            )?),
            None => None,
        };
        Ok((chrome, found))
    })
    .await?;
    let (total, more, hits) = match found {
        Some(found) => (found.total, found.more, found.hits),
        None => (0, false, Vec::new()),
    };
    if page > 1 && (page - 1) * PER_PAGE >= total {
        return Err(AppError::NotFound);
    }
    let site = &state.site;
    let pager = search_pager(&query, page, total);
    let canonical = if searched {
        site.url(&search_path(&query, page))
    } else {
        site.url("/search")
    };
    let title = match (searched, page) {
        (false, _) => format!("Search | {}", site.name),
        (true, 1) => format!("“{query}” — search | {}", site.name),
        (true, n) => format!("“{query}” — search, page {n} | {}", site.name),
    };
    let meta = PageMeta {
        title,
        social_title: "Search".into(),
        description: format!("Search every article published by {}.", site.name),
        canonical,
        og_type: "website",
        image: Some(site.share_card()),
        // Result pages are endless and thin: crawlers should not index them.
        indexable: false,
        prev: pager.prev.as_deref().map(|p| site.url(p)),
        next: pager.next.as_deref().map(|p| site.url(p)),
        ..PageMeta::default()
    };
    let results = hits
        .iter()
        .map(|hit| SearchResultView {
            card: CardView::new(&hit.card, &[], site.timezone),
            snippet_html: hit.snippet_html(),
        })
        .collect();
    html_page(&SearchPage {
        chrome,
        meta,
        query,
        searched,
        total,
        more,
        ranked_at_most: crate::views::thousands(MAX_RANKED),
        results,
        pager,
    })
}
