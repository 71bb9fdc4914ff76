//! Reader pages: the front page, article pages and listings (section, author, tag).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;

use crate::cache::SiteFacts;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::http_cache::{self, CachePolicy};
use crate::models::article::{ArticleParts, ListKey, ListPage, Listing, PageStart};
use crate::models::article_note::{self, ArticleNote, NoteKind};
use crate::models::author::AuthorKind;
use crate::models::media::{srcset_for, MediaUrl, SrcsetCopy};
use crate::models::taxonomy_redirect::TaxonomyKind;
use crate::models::{Article, ArticleCard, Author, MediaInfo, Section, Tag};
use crate::routes::canonical;
use crate::seo::{self, MetaImage, NewsArticleFacts, PageMeta};
use crate::share::share_links;
use crate::views::{
    paragraphs, ArticlePage, BylineAuthor, BylineView, CardView, Chrome, DeskView, FrontPage,
    ImageView, ListPager, ListingPage, NoteView, Site,
};
use crate::{markdown, AppState};

/// Articles per page on every list.
pub const PER_PAGE: i64 = 20;
/// Renders a page as an HTML response that CDNs may cache briefly.
pub fn html_page(page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(CachePolicy::Page.header())
        .body(page.render()?))
}

/// Renders a page with `ETag` and `Last-Modified` (the site's last change,
/// see [`Article::last_change`], loaded in the handler's own database trip),
/// answering conditional requests with 304.
pub fn cached_page(
    req: &HttpRequest,
    page: &impl Template,
    last_change: Option<NaiveDateTime>,
) -> Result<HttpResponse, AppError> {
    Ok(http_cache::respond(
        req,
        "text/html; charset=utf-8",
        page.render()?,
        last_change,
        CachePolicy::Page,
    ))
}

/// The `?page=` number: 1 when absent; a clear 400 for anything but a positive integer.
pub fn page_number(req: &HttpRequest) -> Result<i64, AppError> {
    page_of(&query_params(req)?)
}

/// The request's query parameters, decoded; a clear 400 for a malformed query.
fn query_params(req: &HttpRequest) -> Result<Vec<(String, String)>, AppError> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|_| AppError::BadRequest("The address has a malformed query string.".into()))
}

/// The `page` parameter among `params` (see [`page_number`]).
fn page_of(params: &[(String, String)]) -> Result<i64, AppError> {
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

/// The masthead and navigation of a public page, from the site facts the
/// response cache keeps (see [`crate::cache::SiteFacts`]).
pub fn chrome(site: &Site, facts: &SiteFacts, current_section: Option<String>) -> Chrome {
    Chrome {
        site: site.clone(),
        sections: facts.sections.clone(),
        is_front: false,
        current_section,
    }
}

/// The masthead and navigation, loaded (for pages outside the cache: previews).
pub fn load_chrome(
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

/// Metadata for a page of a list: its own canonical URL, the site's share
/// card, its feeds, `rel=prev/next`, and `CollectionPage` + `BreadcrumbList` JSON-LD.
pub fn listing_meta(site: &Site, list: ListMeta<'_>) -> PageMeta {
    let canonical = site.url(&list.pager.current);
    let article_urls: Vec<String> = list.cards.iter().map(|c| site.url(&c.href)).collect();
    let mut json_ld = vec![seo::collection_page(
        &list.title,
        &list.description,
        &canonical,
        &article_urls,
    )];
    if let Some(crumb) = list.breadcrumb {
        json_ld.push(seo::breadcrumbs(&[
            (site.name.as_str(), site.url("/").as_str()),
            (crumb, canonical.as_str()),
        ]));
    }
    PageMeta {
        social_title: list.title.clone(),
        title: list.title,
        description: list.description,
        canonical,
        og_type: "website",
        image: Some(list.image.unwrap_or_else(|| site.share_card())),
        json_ld: json_ld.iter().map(seo::script_safe_json).collect(),
        indexable: true,
        feeds: list.feeds,
        prev: list.pager.newer.as_deref().map(|p| site.url(p)),
        next: list.pager.older.as_deref().map(|p| site.url(p)),
    }
}

/// What `listing_meta` needs to know about a list page.
pub struct ListMeta<'a> {
    pub title: String,
    pub description: String,
    pub pager: &'a ListPager,
    pub cards: &'a [CardView],
    pub image: Option<MetaImage>,
    pub feeds: Vec<seo::FeedLink>,
    /// The list's name in the breadcrumb trail (none for the front page).
    pub breadcrumb: Option<&'a str>,
}

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
    Page(PageStart, ListPage),
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
            Ok(Loaded::Page(start, page))
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
    let (start, page) = match loaded {
        Loaded::Page(start, page) => (start, page),
        Loaded::MovedTo(start) => return Ok(moved_to("/", start)),
    };
    chrome.is_front = true;
    let site = &state.site;
    let pager = ListPager::new("/", start, &page);
    let mut cards = CardView::list(&page.cards, site.timezone);
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
    let (start, page) = match loaded {
        Loaded::Page(start, page) => (start, page),
        Loaded::MovedTo(start) => return Ok(moved_to(&path, start)),
    };
    let site = &state.site;
    let pager = ListPager::new(&path, start, &page);
    let cards = CardView::list(&page.cards, site.timezone);
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

/// Everything the article page shows, loaded in one trip to the database.
pub struct ArticleBundle {
    pub chrome: Chrome,
    pub article: Article,
    pub section: Option<Section>,
    /// The authors in byline order.
    pub authors: Vec<Author>,
    pub image: Option<MediaInfo>,
    /// The lead image's stored copies, for `srcset`.
    pub srcset: Vec<SrcsetCopy>,
    pub takeaways: Vec<String>,
    pub tags: Vec<Tag>,
    pub related: Vec<ArticleCard>,
    /// Corrections and updates, newest first.
    pub notes: Vec<ArticleNote>,
    /// The image chosen for social cards instead of the lead image, if any.
    pub social_image: Option<MediaInfo>,
}

/// Everything around an article that its page shows (public or preview).
pub fn load_bundle(
    conn: &mut DbConn,
    site: &Site,
    article: Article,
    now: NaiveDateTime,
) -> Result<ArticleBundle, AppError> {
    let section = article
        .section_id
        .map(|id| Section::find(conn, id))
        .transpose()?;
    let image = article
        .lead_image_id
        .map(|id| crate::models::media::info(conn, id))
        .transpose()?;
    let sections = Section::all_in_order(conn)?;
    complete_bundle(
        conn,
        site,
        sections,
        (article, section, None, image),
        true,
        true,
        now,
    )
}

/// The bundle of an article whose own rows are loaded: what else its page
/// shows, in one query each (takeaways, tags, related, corrections and
/// updates, and the lead image's copies when it has one). A single author is
/// the lead author the page query joined (`articles.author_id`, kept by every
/// save); with `has_co_authors` the authors in order are one more query.
fn complete_bundle(
    conn: &mut DbConn,
    site: &Site,
    sections: Vec<Section>,
    (mut article, section, author, image): ArticleParts,
    has_notes: bool,
    has_co_authors: bool,
    now: NaiveDateTime,
) -> Result<ArticleBundle, AppError> {
    if article.body_html.is_none() {
        // Saved before bodies were stored rendered, and not filled yet.
        article.body_html = Some(markdown::render_or_escape(&article.body));
    }
    let srcset = match article.lead_image_id {
        Some(id) => crate::models::media::srcset_candidates(conn, &[id])?,
        None => Vec::new(),
    };
    let authors = if has_co_authors {
        Author::for_article(conn, article.id)?
    } else {
        author.into_iter().collect()
    };
    let social_image = article
        .social_image_id
        .map(|id| crate::models::media::info(conn, id))
        .transpose()?;
    Ok(ArticleBundle {
        srcset,
        chrome: Chrome {
            site: site.clone(),
            sections,
            is_front: false,
            current_section: section.as_ref().map(|s| s.slug.clone()),
        },
        takeaways: article.takeaways(conn)?,
        tags: Tag::for_article(conn, article.id)?,
        related: crate::related::for_page(conn, &article, now, site.related_limit)?,
        notes: if has_notes {
            article_note::for_article(conn, article.id)?
        } else {
            Vec::new()
        },
        article,
        section,
        authors,
        image,
        social_image,
    })
}

/// What the public page of the article at `slug` shows, with the site's last
/// change; or the current slug when `slug` is an old one; or not found. The
/// cache-miss path: one query for the article's own rows (and whether it has
/// notes or co-authors), one each for takeaways, tags, related and the lead
/// image's copies, one for its notes only when it has some and one for its
/// authors in order only when it has more than one; the navigation and
/// `Last-Modified` come from the cached site facts.
pub fn load_article_page(
    conn: &mut DbConn,
    state: &AppState,
    slug: &str,
    now: NaiveDateTime,
) -> Result<Result<(ArticleBundle, Option<NaiveDateTime>), String>, AppError> {
    match Article::find_public_page(conn, slug, now).map_err(AppError::from) {
        Err(AppError::NotFound) => match crate::models::revision::redirect_for(conn, slug, now)? {
            Some(current) => Ok(Err(current)),
            None => Err(AppError::NotFound),
        },
        Ok((parts, has_notes, has_co_authors)) => {
            let facts = state.cache.site_facts(conn, now)?;
            let bundle = complete_bundle(
                conn,
                &state.site,
                facts.sections.clone(),
                parts,
                has_notes,
                has_co_authors,
                now,
            )?;
            Ok(Ok((bundle, facts.last_change)))
        }
        Err(e) => Err(e.into()),
    }
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

/// The article page for a loaded article; `preview` adds the banner, keeps it
/// out of indexes and links the lead image by its newsroom URL (an unpublished
/// article's image is not public).
pub fn article_page(site: &Site, b: ArticleBundle, preview: bool) -> ArticlePage {
    let a = &b.article;
    let tz = site.timezone;
    // The article's own URL: what share links and breadcrumbs point to. The
    // canonical link names the original instead when the piece is syndicated.
    let canonical = site.url(&format!("/articles/{}", a.slug));
    let canonical_link = if a.canonical_url.is_empty() {
        canonical.clone()
    } else {
        a.canonical_url.clone()
    };
    // Each search and social field falls back to what the page shows.
    let social_title = if a.seo_title.is_empty() {
        a.headline.clone()
    } else {
        a.seo_title.clone()
    };
    let description = if a.seo_description.is_empty() {
        a.standfirst.clone()
    } else {
        a.seo_description.clone()
    };
    // Public articles always have a publish time; fall back to creation for safety.
    let published_utc = a.published_at.unwrap_or(a.created_at);
    let published = seo::stamp(published_utc, tz);
    let updated = (a.updated_at > published_utc).then(|| seo::stamp(a.updated_at, tz));
    let modified_iso = updated
        .as_ref()
        .map_or(published.iso.clone(), |u| u.iso.clone());
    let url = if preview {
        MediaUrl::Newsroom
    } else {
        MediaUrl::Public
    };
    let image = b.image.as_ref().map(|m| ImageView {
        src: m.path_in(url),
        srcset: srcset_for(m.id, &b.srcset, url),
        ..ImageView::new(m, &a.lead_image_alt)
    });
    let author_hrefs: Vec<String> = b
        .authors
        .iter()
        .map(|au| format!("/authors/{}", au.slug))
        .collect();
    let notes: Vec<NoteView> = b.notes.iter().map(|n| NoteView::new(n, tz)).collect();
    let corrections: Vec<(&str, &str)> = b
        .notes
        .iter()
        .zip(&notes)
        .filter(|(n, _)| n.kind() == NoteKind::Correction)
        .map(|(n, v)| (n.text.as_str(), v.when.iso.as_str()))
        .collect();
    let social_image = b.social_image.as_ref().map(|m| {
        let alt = if a.social_image_alt.is_empty() {
            &a.headline
        } else {
            &a.social_image_alt
        };
        ImageView {
            src: m.path_in(url),
            ..ImageView::new(m, alt)
        }
    });
    let json_ld = seo::news_article(&NewsArticleFacts {
        headline: &a.headline,
        alternative_headline: (!a.seo_title.is_empty()).then_some(a.seo_title.as_str()),
        description: &description,
        url: &canonical_link,
        image_urls: match &image {
            Some(i) => std::iter::once(site.url(&i.src))
                .chain(
                    i.srcset
                        .iter()
                        .flat_map(|s| s.split(", "))
                        .filter_map(|c| c.split(' ').next())
                        .map(|p| site.url(p)),
                )
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
            // No lead image: no `image` (the share card is not the article's picture).
            None => Vec::new(),
        }
        .into_iter()
        .chain(social_image.as_ref().map(|i| site.url(&i.src)))
        .collect(),
        published: &published.iso,
        modified: &modified_iso,
        authors: b
            .authors
            .iter()
            .zip(&author_hrefs)
            .map(|(au, href)| seo::Credit {
                schema_type: au.kind().schema_type(),
                name: &au.name,
                url: site.url(href),
            })
            .collect(),
        section: b.section.as_ref().map(|s| s.name.as_str()),
        keywords: b.tags.iter().map(|t| t.name.as_str()).collect(),
        publisher_name: &site.name,
        publisher_url: &site.url("/"),
        logo_url: &site.logo_url,
        takeaways: &b.takeaways,
        corrections,
    });
    let mut crumbs = vec![(site.name.clone(), site.url("/"))];
    if let Some(s) = &b.section {
        crumbs.push((s.name.clone(), site.url(&format!("/sections/{}", s.slug))));
    }
    crumbs.push((a.headline.clone(), canonical.clone()));
    let crumbs: Vec<(&str, &str)> = crumbs
        .iter()
        .map(|(n, u)| (n.as_str(), u.as_str()))
        .collect();
    let mut feeds = seo::feed_links(&site.name, None, "");
    if let Some(s) = &b.section {
        feeds.extend(seo::feed_links(
            &site.name,
            Some(&s.name),
            &format!("/sections/{}", s.slug),
        ));
    }
    let meta = PageMeta {
        // An SEO title is the whole title, as the editor wrote it.
        title: if a.seo_title.is_empty() {
            format!("{} | {}", a.headline, site.name)
        } else {
            a.seo_title.clone()
        },
        social_title,
        description,
        canonical: canonical_link,
        og_type: "article",
        image: Some(
            social_image
                .as_ref()
                .or(image.as_ref())
                .map_or_else(|| site.share_card(), |i| site.meta_image(i)),
        ),
        json_ld: vec![
            seo::script_safe_json(&json_ld),
            seo::script_safe_json(&seo::breadcrumbs(&crumbs)),
        ],
        indexable: !preview && !a.noindex,
        feeds,
        prev: None,
        next: None,
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
        reading_minutes: a.reading_minutes(),
        preview,
        author_urls: author_hrefs.iter().map(|h| site.url(h)).collect(),
        byline: BylineView {
            by: b.authors.iter().any(|au| au.kind() == AuthorKind::Person),
            authors: b
                .authors
                .iter()
                .zip(author_hrefs)
                .map(|(au, href)| BylineAuthor {
                    name: au.name.clone(),
                    href,
                })
                .collect(),
            kicker: a.kicker.clone(),
            publication: site.name.clone(),
        },
        og_published: published.iso.clone(),
        og_modified: modified_iso,
        published,
        updated,
        body_html: a.body_html.clone().unwrap_or_default(),
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
        notes_above: site.notes_position == crate::config::NotesPosition::Above,
        notes,
        chrome: b.chrome,
    }
}
