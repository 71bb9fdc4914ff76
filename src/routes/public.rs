//! Reader pages: the front page, article pages and listings (section, author, tag).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;

use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::http_cache::CachePolicy;
use crate::models::article::{ListKey, ListPage, Listing, PageStart};
use crate::models::author::AuthorKind;
use crate::models::media::{self, SrcsetCopy};
use crate::models::taxonomy_redirect::TaxonomyKind;
use crate::models::{Article, Author, Section, Tag};
use crate::routes::canonical;
use crate::routes::pages::{cached_page, page_of, query_params, PER_PAGE};
use crate::seo;
use crate::views::article::{article_page, load_article_page};
use crate::views::{
    chrome, listing_meta, CardView, FrontPage, ImageView, ListMeta, ListPager, ListingPage,
};
use crate::AppState;

/// Which page of a listing a request asks for.
#[derive(Debug, Clone, Copy)]
enum ListRequest {
    /// The first page, or a page by key (`?before=` / `?after=`).
    At(PageStart),
    /// An old numbered link (`?page=N`, N > 1), answered with a redirect.
    Numbered(i64),
}

/// Old `?page=N` links are followed this deep and are 404 past it: finding
/// page N means skipping rows, which costs more the deeper it is.
const MAX_NUMBERED_PAGE: i64 = 250;

/// The page a listing request asks for; a clear 400 for a malformed one.
fn list_request(req: &HttpRequest) -> Result<ListRequest, AppError> {
    let params = query_params(req)?;
    let page = page_of(&params)?;
    let key = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| {
                ListKey::parse(v).ok_or_else(|| {
                    AppError::BadRequest(
                        "This address does not name a page of the list. Start from its first page."
                            .into(),
                    )
                })
            })
            .transpose()
    };
    Ok(match (key("before")?, key("after")?) {
        (Some(_), Some(_)) => {
            return Err(AppError::BadRequest(
                "A page of a list is either before or after an article, not both.".into(),
            ))
        }
        (Some(key), None) => ListRequest::At(PageStart::Before(key)),
        (None, Some(key)) => ListRequest::At(PageStart::After(key)),
        (None, None) if page > 1 => ListRequest::Numbered(page),
        (None, None) => ListRequest::At(PageStart::Newest),
    })
}

/// A page of a listing, or the page to send the reader to instead.
enum Loaded {
    /// A page of cards, with its images' copies (`srcset`, WebP).
    Page(PageStart, ListPage, Vec<SrcsetCopy>),
    MovedTo(PageStart),
}

/// One page of a listing; 404 past its end.
fn load_page(
    conn: &mut DbConn,
    listing: &Listing,
    now: NaiveDateTime,
    request: ListRequest,
) -> Result<Loaded, AppError> {
    match request {
        ListRequest::Numbered(n) if n > MAX_NUMBERED_PAGE => Err(AppError::NotFound),
        ListRequest::Numbered(n) => {
            match Article::key_before_page(conn, listing, now, n, PER_PAGE)? {
                Some(key) => Ok(Loaded::MovedTo(PageStart::Before(key))),
                None => Err(AppError::NotFound),
            }
        }
        ListRequest::At(start) => {
            let page = Article::list_public_page(conn, listing, now, start, PER_PAGE)?;
            if start != PageStart::Newest {
                if page.is_newest {
                    return Ok(Loaded::MovedTo(PageStart::Newest));
                }
                if page.cards.is_empty() {
                    return Err(AppError::NotFound);
                }
            }
            let copies = media::srcset_candidates(conn, &CardView::image_ids(&page.cards))?;
            Ok(Loaded::Page(start, page, copies))
        }
    }
}

/// A temporary redirect to another page of the list at `path`: where a page
/// starts changes as articles are published, so it is never permanent.
fn moved_to(path: &str, start: PageStart) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", ListPager::address(path, start)))
        .insert_header(CachePolicy::NoStore.header())
        .finish()
}

/// "articles from 30 Nov 2026 and earlier": what sets a deeper page apart in its title.
fn deeper_page_title(cards: &[CardView]) -> String {
    match cards.first().and_then(|c| c.published.as_ref()) {
        Some(first) => format!("articles from {} and earlier", first.short),
        None => "earlier articles".into(),
    }
}

/// `GET /`: the lead story and the latest articles.
pub async fn front_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    // An imported WordPress site's plain links (`/?p=101`) lead to their article.
    if let Some(key) = crate::models::permalink::query_key(req.query_string()) {
        return crate::routes::permalinks::redirect(&state, key).await;
    }
    let request = list_request(&req)?;
    let now = state.clock.now();
    let shared = state.clone();
    let (mut chrome, loaded, last_change) = db::run(&state.pool, move |conn| {
        let facts = shared.cache.site_facts(conn, now)?;
        let loaded = load_page(conn, &Listing::All, now, request)?;
        Ok((
            chrome(&shared.site, &facts, None),
            loaded,
            facts.last_change,
        ))
    })
    .await?;
    let (start, page, copies) = match loaded {
        Loaded::Page(start, page, copies) => (start, page, copies),
        Loaded::MovedTo(start) => return Ok(moved_to("/", start)),
    };
    chrome.is_front = true;
    let site = &state.site;
    let pager = ListPager::new("/", start, &page);
    let mut cards = CardView::list(&page.cards, &copies, site.timezone);
    let lead = (pager.is_first && !cards.is_empty()).then(|| cards.remove(0));
    let title = if pager.is_first {
        format!("{} — {}", site.name, site.description)
    } else {
        format!("{} — {}", site.name, deeper_page_title(&cards))
    };
    let listed: Vec<CardView> = lead.iter().chain(cards.iter()).cloned().collect();
    let mut meta = listing_meta(
        site,
        ListMeta {
            title,
            description: site.description.clone(),
            pager: &pager,
            cards: &listed,
            // The site's own card: the lead story's photo (and its alt
            // text) would stand for the whole front page in link previews.
            image: None,
            feeds: seo::feed_links(&site.name, None, ""),
            breadcrumb: None,
        },
    );
    if pager.is_first {
        let website = seo::website(
            &site.name,
            &site.description,
            &site.url("/"),
            &site.language,
        );
        meta.json_ld.insert(0, seo::script_safe_json(&website));
    }
    cached_page(
        &req,
        &FrontPage {
            chrome,
            meta,
            lead,
            cards,
            pager,
        },
        last_change,
    )
}

/// What a listing URL names, resolved from its slug.
enum ListingOf {
    Section,
    Author,
    Tag,
}

async fn show_listing(
    state: web::Data<AppState>,
    req: HttpRequest,
    of: ListingOf,
    slug: String,
) -> Result<HttpResponse, AppError> {
    let taxonomy = match of {
        ListingOf::Section => TaxonomyKind::Section,
        ListingOf::Author => TaxonomyKind::Author,
        ListingOf::Tag => TaxonomyKind::Tag,
    };
    if let Some(redirect) = canonical::lowercase_slug(&req, taxonomy.prefix(), &slug) {
        return Ok(redirect);
    }
    let request = list_request(&req)?;
    let now = state.clock.now();
    let shared = state.clone();
    let asked = slug.clone();
    let loaded = db::run(&state.pool, move |conn| {
        let mut photo = None;
        let mut links = Vec::new();
        let mut schema_type = AuthorKind::Person.schema_type();
        let (kind, heading, description, path, listing, current) = match of {
            ListingOf::Section => {
                let s = Section::find_by_slug(conn, &slug)?;
                let path = format!("/sections/{}", s.slug);
                (
                    "Section",
                    s.name,
                    s.description,
                    path,
                    Listing::Section(s.id),
                    Some(s.slug),
                )
            }
            ListingOf::Author => {
                let a = Author::find_by_slug(conn, &slug)?;
                let path = format!("/authors/{}", a.slug);
                if let Some(id) = a.photo_id {
                    photo = crate::models::media::info_if_any(conn, id)?
                        .map(|m| ImageView::new(&m, &format!("Photo of {}", a.name)));
                }
                links = a.profile_links();
                schema_type = a.kind().schema_type();
                ("Author", a.name, a.bio, path, Listing::Author(a.id), None)
            }
            ListingOf::Tag => {
                let t = Tag::find_public_by_slug(conn, &slug, now)?;
                let path = format!("/tags/{}", t.slug);
                ("Tag", t.name, String::new(), path, Listing::Tag(t.id), None)
            }
        };
        let facts = shared.cache.site_facts(conn, now)?;
        let loaded = load_page(conn, &listing, now, request)?;
        Ok((
            chrome(&shared.site, &facts, current),
            kind,
            heading,
            description,
            path,
            loaded,
            photo,
            links,
            schema_type,
            facts.last_change,
        ))
    })
    .await;
    let (chrome, kind, heading, description, path, loaded, photo, links, schema_type, last_change) =
        match loaded {
            Ok(loaded) => loaded,
            // A renamed section, tag or author: its old URL moves with it.
            Err(miss) => {
                return canonical::renamed_or(&state, &req, taxonomy, asked, "", miss).await
            }
        };
    let (start, page, copies) = match loaded {
        Loaded::Page(start, page, copies) => (start, page, copies),
        Loaded::MovedTo(start) => return Ok(moved_to(&path, start)),
    };
    let site = &state.site;
    let pager = ListPager::new(&path, start, &page);
    let cards = CardView::list(&page.cards, &copies, site.timezone);
    let title = if pager.is_first {
        format!("{heading} | {}", site.name)
    } else {
        format!("{heading} — {} | {}", deeper_page_title(&cards), site.name)
    };
    let meta_description = if description.is_empty() {
        format!("The latest {heading} articles from {}.", site.name)
    } else {
        description.clone()
    };
    let mut meta = listing_meta(
        site,
        ListMeta {
            title,
            description: meta_description,
            pager: &pager,
            cards: &cards,
            image: None,
            feeds: [
                seo::feed_links(&site.name, Some(&heading), &path),
                seo::feed_links(&site.name, None, ""),
            ]
            .concat(),
            breadcrumb: Some(&heading),
        },
    );
    if matches!(taxonomy, TaxonomyKind::Author) {
        meta.og_type = "profile";
        let person = seo::Person {
            schema_type,
            name: &heading,
            url: &site.url(&path),
            description: &description,
            image_url: photo.as_ref().map(|p| site.url(&p.src)),
            same_as: links.iter().map(|(_, url)| url.as_str()).collect(),
        };
        let profile = seo::profile_page(&meta.canonical, &meta.title, &person);
        meta.json_ld.insert(0, seo::script_safe_json(&profile));
    }
    cached_page(
        &req,
        &ListingPage {
            meta,
            chrome,
            kind,
            heading,
            description,
            cards,
            pager,
            photo,
            profile_links: links,
        },
        last_change,
    )
}

/// `GET /sections/{slug}`.
pub async fn list_section(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_listing(state, req, ListingOf::Section, slug.into_inner()).await
}

/// `GET /authors/{slug}`.
pub async fn list_author(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_listing(state, req, ListingOf::Author, slug.into_inner()).await
}

/// `GET /tags/{slug}`.
pub async fn list_tag(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_listing(state, req, ListingOf::Tag, slug.into_inner()).await
}

/// `GET /articles/{slug}`: the article page.
pub async fn show_article(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let shared = state.clone();
    let slug = slug.into_inner();
    if let Some(redirect) = canonical::lowercase_slug(&req, "/articles", &slug) {
        return Ok(redirect);
    }
    let found = db::run(&state.pool, move |conn| {
        load_article_page(conn, &shared, &slug, now)
    })
    .await?;
    let (bundle, last_change) = match found {
        Ok(found) => found,
        // An old slug of a published article: its URL keeps working.
        Err(current) => return Ok(canonical::moved_to(&format!("/articles/{current}"))),
    };
    cached_page(&req, &article_page(&state.site, bundle, false), last_change)
}
