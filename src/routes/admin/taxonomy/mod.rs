//! Sections (with their order in the navigation), tags and authors, for
//! editors: the taxonomy page and what its forms share. Creating and editing
//! each is in `edit`, deleting and merging in `removal`.

pub mod edit;
pub mod removal;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::db::{self};
use crate::error::AppError;
use crate::models::media::{self, MediaUrl};
use crate::models::user::Role;
use crate::models::{Author, Section, Tag};
use crate::routes::admin::{self};
use crate::routes::pages;
use crate::views::admin::{TaxonomyItemPage, TaxonomyPage, TypedAuthor};
use crate::views::Pager;
use crate::AppState;

/// Tags and authors listed per page of the taxonomy page.
const PER_PAGE: i64 = 50;

/// The taxonomy page's query: a search and a page for tags, and for authors.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    page: String,
    author_q: String,
    author_page: String,
}

impl ListQuery {
    /// The page numbers asked for, or a 400 for one that is not a number.
    fn pages(&self) -> Result<(i64, i64), AppError> {
        let number = |text: &str| match text.trim() {
            "" => Ok(1),
            p => p
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .ok_or_else(|| AppError::BadRequest("Pages are numbered from 1.".into())),
        };
        Ok((number(&self.page)?, number(&self.author_page)?))
    }

    /// The taxonomy page's URL with this query, tags on page `tag_page` and
    /// authors on `author_page`.
    fn url(&self, tag_page: i64, author_page: i64) -> String {
        let mut url = "/admin/taxonomy".to_string();
        let page = |n: i64| if n > 1 { n.to_string() } else { String::new() };
        let pairs = [
            ("q", self.q.clone()),
            ("page", page(tag_page)),
            ("author_q", self.author_q.clone()),
            ("author_page", page(author_page)),
        ];
        let mut first = true;
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            url.push(if first { '?' } else { '&' });
            first = false;
            url.push_str(&format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            ));
        }
        url
    }
}

/// The pager of one list on the taxonomy page.
fn pager(page: i64, total: i64, link: impl Fn(i64) -> String) -> Pager {
    let total_pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    Pager {
        page,
        total_pages,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < total_pages).then(|| link(page + 1)),
    }
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
    status: actix_web::http::StatusCode,
    typed_author: Option<TypedAuthor>,
) -> Result<HttpResponse, AppError> {
    render_list(
        state,
        signed_in,
        ListQuery::default(),
        error,
        status,
        typed_author,
    )
    .await
}

async fn render_list(
    state: &AppState,
    signed_in: &SignedIn,
    query: ListQuery,
    error: Option<String>,
    status: actix_web::http::StatusCode,
    typed_author: Option<TypedAuthor>,
) -> Result<HttpResponse, AppError> {
    let (tag_page, author_page) = query.pages()?;
    // Searches are bounded like every input.
    let mut query = query;
    query.q = query.q.trim().chars().take(200).collect();
    query.author_q = query.author_q.trim().chars().take(200).collect();
    // A refused author form shows that author, wherever the list has them.
    let only_author = typed_author.as_ref().and_then(|t| t.id);
    let q = query.clone();
    let (all_sections, counts, tags, author_list, photo_paths) =
        db::run(&state.pool, move |conn| {
            let tags = Tag::page(conn, &q.q, tag_page, PER_PAGE)?;
            let author_list = match only_author {
                Some(id) => (1, vec![Author::find(conn, id)?]),
                None => Author::page(conn, &q.author_q, author_page, PER_PAGE)?,
            };
            let photo_ids: Vec<i32> = author_list.1.iter().filter_map(|a| a.photo_id).collect();
            Ok((
                Section::all_in_order(conn)?,
                Section::article_counts(conn)?,
                tags,
                author_list,
                media::paths(conn, &photo_ids, MediaUrl::Newsroom)?,
            ))
        })
        .await?;
    let (tag_total, tags) = tags;
    let (author_total, authors) = author_list;
    let tag_pager = pager(tag_page, tag_total, |p| query.url(p, author_page));
    let author_pager = pager(author_page, author_total, |p| query.url(tag_page, p));
    if tag_page > tag_pager.total_pages || author_page > author_pager.total_pages {
        return Err(AppError::NotFound);
    }
    let page = TaxonomyPage {
        chrome: admin::chrome(state, signed_in),
        sections: all_sections
            .into_iter()
            .map(|s| {
                let n = counts
                    .iter()
                    .find(|(id, _)| *id == Some(s.id))
                    .map_or(0, |(_, n)| *n);
                (s, n)
            })
            .collect(),
        tags,
        tag_total,
        tag_pager,
        authors,
        author_total,
        author_pager,
        q: query.q,
        author_q: query.author_q,
        photo_paths,
        error,
        typed_author,
    };
    pages::render(&page, status)
}

/// `GET /admin/taxonomy`: every section, then tags and authors a page at a
/// time, each list searchable by name or slug.
pub async fn page(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    signed_in.require(Role::Editor)?;
    let query = web::Query::<ListQuery>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .map_err(|_| AppError::BadRequest("The address has a malformed query string.".into()))?;
    render_list(
        &state,
        &signed_in,
        query,
        None,
        actix_web::http::StatusCode::OK,
        None,
    )
    .await
}

fn count_of(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

fn back_to_taxonomy() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/admin/taxonomy"))
        .finish()
}

fn item_page(page: &TaxonomyItemPage) -> Result<HttpResponse, AppError> {
    pages::render(page, actix_web::http::StatusCode::OK)
}

/// Wakes the related worker for the `moved` articles: their job rows were
/// written in the change's own transaction.
fn refresh_related(state: &AppState, moved: &[i32]) {
    if !moved.is_empty() {
        state.related_refresh.poke();
    }
}
