//! Reader pages: the front page, article pages and listings (section, author, tag).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;

use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::models::article::Listing;
use crate::models::{Article, ArticleCard, Author, MediaInfo, Section, Tag};
use crate::seo::{self, MetaImage, NewsArticleFacts, PageMeta};
use crate::share::share_links;
use crate::views::{
    paragraphs, ArticlePage, BylineView, CardView, Chrome, DeskView, FrontPage, ImageView,
    ListingPage, Pager, Site,
};
use crate::{markdown, AppState};

/// Articles per page on every list.
pub const PER_PAGE: i64 = 20;
/// Related articles shown in the sidebar.
const RELATED_LIMIT: i64 = 4;
/// The publisher logo, for JSON-LD.
const LOGO_PATH: &str = "/static/img/logo.png";

/// Renders a page as an HTML response. Pages may be cached briefly by CDNs.
pub fn html_page(page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=60"))
        .body(page.render()?))
}

/// The `?page=` number: 1 when absent; a clear 400 for anything but a positive integer.
fn page_number(req: &HttpRequest) -> Result<i64, AppError> {
    let params = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|_| AppError::BadRequest("The address has a malformed query string.".into()))?;
    match params.iter().find(|(k, _)| k == "page") {
        None => Ok(1),
        Some((_, v)) => match v.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(i64::from(n)),
            _ => Err(AppError::BadRequest(format!(
                "“{}” is not a page number. Pages are numbered from 1.",
                v.chars().take(40).collect::<String>()
            ))),
        },
    }
}

fn load_chrome(
    conn: &mut DbConn,
    site: &Site,
    current_section: Option<String>,
) -> Result<Chrome, AppError> {
    Ok(Chrome {
        site: site.clone(),
        sections: Section::all_in_order(conn)?,
        is_front: false,
        current_section,
    })
}

/// The page's own absolute URL, with `?page=` past the first page.
fn page_url(site: &Site, path: &str, page: i64) -> String {
    if page > 1 {
        site.url(&format!("{path}?page={page}"))
    } else {
        site.url(path)
    }
}

fn listing_meta(title: String, description: String, canonical: String) -> PageMeta {
    PageMeta {
        social_title: title.clone(),
        title,
        description,
        canonical,
        og_type: "website",
        image: None,
        json_ld: None,
        indexable: true,
    }
}

/// One page of a listing, or 404 past its last page.
fn load_page(
    conn: &mut DbConn,
    listing: &Listing,
    now: NaiveDateTime,
    page: i64,
) -> Result<(i64, Vec<ArticleCard>), AppError> {
    let total = Article::count_public(conn, listing, now)?;
    if page > 1 && (page - 1) * PER_PAGE >= total {
        return Err(AppError::NotFound);
    }
    let cards = Article::list_public(conn, listing, now, (page - 1) * PER_PAGE, PER_PAGE)?;
    Ok((total, cards))
}

/// `GET /`: the lead story and the latest articles.
pub async fn front_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let page = page_number(&req)?;
    let now = state.clock.now();
    let site = state.site.clone();
    let (chrome, total, cards) = db::run(&state.pool, move |conn| {
        let chrome = load_chrome(conn, &site, None)?;
        let (total, cards) = load_page(conn, &Listing::All, now, page)?;
        Ok((chrome, total, cards))
    })
    .await?;
    let mut chrome = chrome;
    chrome.is_front = true;
    let site = &state.site;
    let mut cards = CardView::list(&cards, site.timezone);
    let lead = (page == 1 && !cards.is_empty()).then(|| cards.remove(0));
    let title = if page > 1 {
        format!("{} — page {page}", site.name)
    } else {
        format!("{} — {}", site.name, site.description)
    };
    let mut meta = listing_meta(title, site.description.clone(), page_url(site, "/", page));
    meta.image = lead
        .as_ref()
        .and_then(|l| l.image.as_ref())
        .map(|i| MetaImage {
            url: site.url(&i.src),
            width: i.width,
            height: i.height,
            alt: i.alt.clone(),
        });
    html_page(&FrontPage {
        chrome,
        meta,
        lead,
        cards,
        pager: Pager::new("/", page, total, PER_PAGE),
    })
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
    let page = page_number(&req)?;
    let now = state.clock.now();
    let site = state.site.clone();
    let (chrome, kind, heading, description, path, total, cards) =
        db::run(&state.pool, move |conn| {
            let (kind, heading, description, path, listing, current) = match of {
                ListingOf::Section => {
                    let s = Section::find_by_slug(conn, &slug).map_err(AppError::from_lookup)?;
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
                    let a = Author::find_by_slug(conn, &slug).map_err(AppError::from_lookup)?;
                    let path = format!("/authors/{}", a.slug);
                    ("Author", a.name, a.bio, path, Listing::Author(a.id), None)
                }
                ListingOf::Tag => {
                    let t = Tag::find_by_slug(conn, &slug).map_err(AppError::from_lookup)?;
                    let path = format!("/tags/{}", t.slug);
                    ("Tag", t.name, String::new(), path, Listing::Tag(t.id), None)
                }
            };
            let chrome = load_chrome(conn, &site, current)?;
            let (total, cards) = load_page(conn, &listing, now, page)?;
            Ok((chrome, kind, heading, description, path, total, cards))
        })
        .await?;
    let site = &state.site;
    let title = match page {
        1 => format!("{heading} | {}", site.name),
        n => format!("{heading} — page {n} | {}", site.name),
    };
    let meta_description = if description.is_empty() {
        format!("The latest {heading} articles from {}.", site.name)
    } else {
        description.clone()
    };
    html_page(&ListingPage {
        meta: listing_meta(title, meta_description, page_url(site, &path, page)),
        chrome,
        kind,
        heading,
        description,
        cards: CardView::list(&cards, site.timezone),
        pager: Pager::new(&path, page, total, PER_PAGE),
    })
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

/// Everything the article page shows, loaded in one trip to the database.
struct ArticleBundle {
    chrome: Chrome,
    article: Article,
    section: Option<Section>,
    author: Option<Author>,
    image: Option<MediaInfo>,
    takeaways: Vec<String>,
    tags: Vec<Tag>,
    related: Vec<ArticleCard>,
}

fn load_article(
    conn: &mut DbConn,
    site: &Site,
    slug: &str,
    now: NaiveDateTime,
) -> Result<ArticleBundle, AppError> {
    use crate::schema::media;
    use diesel::prelude::*;

    let article = Article::find_public_by_slug(conn, slug, now).map_err(AppError::from_lookup)?;
    let section = match article.section_id {
        Some(id) => Some(
            crate::schema::sections::table
                .find(id)
                .select(Section::as_select())
                .first(conn)?,
        ),
        None => None,
    };
    let author = article
        .author_id
        .map(|id| Author::find(conn, id))
        .transpose()?;
    let image = match article.lead_image_id {
        Some(id) => Some(
            media::table
                .find(id)
                .select(MediaInfo::as_select())
                .first(conn)?,
        ),
        None => None,
    };
    Ok(ArticleBundle {
        chrome: load_chrome(conn, site, section.as_ref().map(|s| s.slug.clone()))?,
        takeaways: article.takeaways(conn)?,
        tags: Tag::for_article(conn, article.id)?,
        related: article.related(conn, now, RELATED_LIMIT)?,
        article,
        section,
        author,
        image,
    })
}

/// `GET /articles/{slug}`: the article page.
pub async fn show_article(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let site = state.site.clone();
    let slug = slug.into_inner();
    let bundle = db::run(&state.pool, move |conn| {
        load_article(conn, &site, &slug, now)
    })
    .await?;
    html_page(&article_page(&state.site, bundle))
}

fn article_page(site: &Site, b: ArticleBundle) -> ArticlePage {
    let a = &b.article;
    let tz = site.timezone;
    let canonical = site.url(&format!("/articles/{}", a.slug));
    // Public articles always have a publish time; fall back to creation for safety.
    let published_utc = a.published_at.unwrap_or(a.created_at);
    let published = seo::stamp(published_utc, tz);
    let updated = (a.updated_at > published_utc).then(|| seo::stamp(a.updated_at, tz));
    let modified_iso = updated
        .as_ref()
        .map_or(published.iso.clone(), |u| u.iso.clone());
    let image = b
        .image
        .as_ref()
        .map(|m| ImageView::new(m, &a.lead_image_alt));
    let author_href = b.author.as_ref().map(|au| format!("/authors/{}", au.slug));
    let json_ld = seo::news_article(&NewsArticleFacts {
        headline: &a.headline,
        description: &a.standfirst,
        url: &canonical,
        image_urls: image.iter().map(|i| site.url(&i.src)).collect(),
        published: &published.iso,
        modified: &modified_iso,
        author_name: b.author.as_ref().map(|au| au.name.as_str()),
        author_url: author_href.as_ref().map(|h| site.url(h)),
        section: b.section.as_ref().map(|s| s.name.as_str()),
        keywords: b.tags.iter().map(|t| t.name.as_str()).collect(),
        publisher_name: &site.name,
        publisher_url: &site.url("/"),
        logo_url: site.url(LOGO_PATH),
    });
    let meta = PageMeta {
        title: format!("{} | {}", a.headline, site.name),
        social_title: a.headline.clone(),
        description: a.standfirst.clone(),
        canonical: canonical.clone(),
        og_type: "article",
        image: image.as_ref().map(|i| MetaImage {
            url: site.url(&i.src),
            width: i.width,
            height: i.height,
            alt: i.alt.clone(),
        }),
        json_ld: Some(seo::script_safe_json(&json_ld)),
        indexable: true,
    };
    let desk =
        (!a.desk_heading.trim().is_empty() || !a.desk_text.trim().is_empty()).then(|| DeskView {
            heading: a.desk_heading.clone(),
            paragraphs: paragraphs(&a.desk_text),
        });
    ArticlePage {
        meta,
        headline: a.headline.clone(),
        standfirst: a.standfirst.clone(),
        caption: a.lead_image_caption.clone(),
        credit: a.lead_image_credit.clone(),
        image,
        takeaways: b.takeaways,
        desk,
        byline: BylineView {
            author_name: b.author.as_ref().map(|au| au.name.clone()),
            author_href,
            kicker: a.kicker.clone(),
            publication: site.name.clone(),
        },
        og_published: published.iso.clone(),
        og_modified: modified_iso,
        published,
        updated,
        body_html: markdown::render(&a.body),
        section_name: b.section.as_ref().map(|s| s.name.clone()),
        section_href: b.section.as_ref().map(|s| format!("/sections/{}", s.slug)),
        tags: b
            .tags
            .iter()
            .map(|t| (t.name.clone(), format!("/tags/{}", t.slug)))
            .collect(),
        share_links: share_links(&canonical, &a.headline),
        canonical,
        related: CardView::list(&b.related, tz),
        chrome: b.chrome,
    }
}
