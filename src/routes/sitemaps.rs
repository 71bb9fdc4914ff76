//! What crawlers read: the sitemap index and its sitemaps (articles in files
//! of [`URLS_PER_SITEMAP`] ids each, then sections with the front page, tags
//! and authors; the corrections page goes with the front page once it lists
//! anything), the Google News sitemap of the last 48 hours, and robots.txt.
//! A sitemap file exists exactly when the index lists it; others are 404.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Duration, NaiveDateTime};

use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::models::feed::{self, SitemapRow};
use crate::models::media::MediaUrl;
use crate::models::Article;
use crate::routes::feeds::{xml_response, xml_safe};
use crate::seo::stamp;
use crate::views::Site;
use crate::AppState;

/// Article ids (so at most as many URLs) in one article sitemap file. The
/// sitemaps.org limit is 50,000 URLs, but a file of 50,000 articles with their
/// images is 7.6 MB to render, hold in the response cache and compress;
/// 10,000 keeps each file near 1.5 MB.
pub const URLS_PER_SITEMAP: i64 = 10_000;
/// How far back the news sitemap reaches (Google News reads only the last two days).
pub const NEWS_WINDOW_HOURS: i64 = 48;
/// Most articles in the news sitemap (Google News' limit).
pub const NEWS_LIMIT: i64 = 1_000;
/// `Content-Type` of sitemaps.
pub const SITEMAP_CONTENT_TYPE: &str = "application/xml; charset=utf-8";
/// A sitemap in the index.
#[derive(Debug, Clone)]
pub struct SitemapLink {
    /// Absolute URL.
    pub loc: String,
    /// W3C datetime of the newest change it lists, when known.
    pub lastmod: Option<String>,
}

/// A page in a sitemap.
#[derive(Debug, Clone)]
pub struct UrlView {
    /// Absolute URL.
    pub loc: String,
    /// W3C datetime of the page's last change, when known.
    pub lastmod: Option<String>,
    /// Absolute URL of an article's lead image (`image:image`).
    pub image: Option<String>,
}

/// An article in the news sitemap.
#[derive(Debug, Clone)]
pub struct NewsArticleView {
    /// Absolute URL.
    pub loc: String,
    pub title: String,
    /// W3C datetime of the original publish time, with offset.
    pub published: String,
}

/// `/sitemap.xml`: the sitemap index.
#[derive(Template)]
#[template(path = "sitemaps/index.xml")]
pub struct SitemapIndex {
    pub sitemaps: Vec<SitemapLink>,
}

/// A `<urlset>` sitemap.
#[derive(Template)]
#[template(path = "sitemaps/urlset.xml")]
pub struct UrlSet {
    pub urls: Vec<UrlView>,
}

/// `/news-sitemap.xml`.
#[derive(Template)]
#[template(path = "sitemaps/news.xml")]
pub struct NewsSitemap {
    /// Exactly the publication's name.
    pub publication_name: String,
    /// ISO 639 code, see [`news_language`].
    pub language: String,
    pub articles: Vec<NewsArticleView>,
}

fn w3c(site: &Site, t: Option<NaiveDateTime>) -> Option<String> {
    t.map(|t| stamp(t, site.timezone).iso)
}

fn urls(site: &Site, prefix: &str, rows: Vec<SitemapRow>) -> Vec<UrlView> {
    rows.into_iter()
        .map(|r| UrlView {
            loc: site.url(&format!("{prefix}{}", r.slug)),
            lastmod: w3c(site, r.lastmod),
            image: r
                .image_token
                .map(|token| site.url(&MediaUrl::Public.path(&token))),
        })
        .collect()
}

/// The sitemap index with article files of `per_file` ids each (the handler
/// passes [`URLS_PER_SITEMAP`]; tests pass one block, 100 ids, to see the split).
/// Tag and author sitemaps are listed only when they have URLs, because an
/// empty `<urlset>` is not valid against the sitemaps.org schema. The
/// sections, tags and authors sitemaps carry the site's last change (the
/// `Last-Modified` of every page, found in an index lookup): their own newest
/// change would read every public article on each publish, and a `lastmod`
/// that is sometimes early only makes a crawler look once more.
pub fn load_index(
    conn: &mut DbConn,
    site: &Site,
    now: NaiveDateTime,
    per_file: i64,
) -> Result<SitemapIndex, AppError> {
    let newest = w3c(site, Article::last_change(conn, now)?);
    let link = |path: &str| SitemapLink {
        loc: site.url(path),
        lastmod: newest.clone(),
    };
    let mut sitemaps = vec![link("/sitemaps/sections.xml")];
    if feed::any_tagged(conn, now)? {
        sitemaps.push(link("/sitemaps/tags.xml"));
    }
    if feed::any_authored(conn, now)? {
        sitemaps.push(link("/sitemaps/authors.xml"));
    }
    for (file, lastmod) in feed::article_files(conn, now, per_file)? {
        sitemaps.push(SitemapLink {
            loc: site.url(&format!("/sitemaps/articles-{file}.xml")),
            lastmod: w3c(site, lastmod),
        });
    }
    Ok(SitemapIndex { sitemaps })
}

/// Article sitemap file `file` (from 1) at `per_file` ids a file; 404 when it lists nothing.
pub fn load_article_sitemap(
    conn: &mut DbConn,
    site: &Site,
    now: NaiveDateTime,
    file: i64,
    per_file: i64,
) -> Result<UrlSet, AppError> {
    let rows = feed::article_rows(conn, now, file, per_file)?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(UrlSet {
        urls: urls(site, "/articles/", rows),
    })
}

/// Google News wants an ISO 639 code (`en`, not `en-GB`), except for the two
/// Chinese scripts, which it spells `zh-cn` and `zh-tw`.
pub fn news_language(language: &str) -> String {
    let lower = language.trim().to_ascii_lowercase().replace('_', "-");
    match lower.as_str() {
        "zh-cn" | "zh-hans" | "zh-hans-cn" => "zh-cn".into(),
        "zh-tw" | "zh-hant" | "zh-hant-tw" => "zh-tw".into(),
        _ => lower.split('-').next().unwrap_or("en").to_string(),
    }
}

/// The sitemap with `ETag` and `Last-Modified` (the site's last change).
async fn sitemap_response(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    page: &impl Template,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let shared = state.clone();
    let last_change = db::run(&state.pool, move |conn| {
        Ok(shared.cache.site_facts(conn, now)?.last_change)
    })
    .await?;
    Ok(xml_response(
        req,
        SITEMAP_CONTENT_TYPE,
        page.render()?,
        last_change,
    ))
}

/// `GET /sitemap.xml`: the sitemap index.
pub async fn sitemap_index(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let site = state.site.clone();
    let index = db::run(&state.pool, move |conn| {
        load_index(conn, &site, now, URLS_PER_SITEMAP)
    })
    .await?;
    sitemap_response(&state, &req, &index).await
}

/// `GET /sitemaps/articles-{file}.xml`: public articles in id order.
pub async fn articles_sitemap(
    state: web::Data<AppState>,
    req: HttpRequest,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    // The route admits only digits without a leading zero; too large is simply absent.
    let file: i64 = file.parse().map_err(|_| AppError::NotFound)?;
    let now = state.clock.now();
    let site = state.site.clone();
    let urlset = db::run(&state.pool, move |conn| {
        load_article_sitemap(conn, &site, now, file, URLS_PER_SITEMAP)
    })
    .await?;
    sitemap_response(&state, &req, &urlset).await
}

/// `GET /sitemaps/sections.xml`: the front page and every section.
pub async fn sections_sitemap(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let site = state.site.clone();
    let urlset = db::run(&state.pool, move |conn| {
        let front = UrlView {
            loc: site.url("/"),
            lastmod: w3c(&site, Article::last_change(conn, now)?),
            image: None,
        };
        let mut all = vec![front];
        // The corrections page, once there is a correction to list.
        if let Some(newest) = crate::models::article_note::newest_public_correction(conn, now)? {
            all.push(UrlView {
                loc: site.url("/corrections"),
                lastmod: w3c(&site, Some(newest)),
                image: None,
            });
        }
        all.extend(urls(&site, "/sections/", feed::section_rows(conn, now)?));
        Ok(UrlSet { urls: all })
    })
    .await?;
    sitemap_response(&state, &req, &urlset).await
}

/// A sitemap of named pages (tags or authors) under `prefix`; 404 when there are none,
/// since an empty `<urlset>` fails the sitemaps.org schema.
async fn named_sitemap(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    prefix: &'static str,
    rows: feed::SitemapRows,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let rows = db::run(&state.pool, move |conn| Ok(rows(conn, now)?)).await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    sitemap_response(
        state,
        req,
        &UrlSet {
            urls: urls(&state.site, prefix, rows),
        },
    )
    .await
}

/// `GET /sitemaps/tags.xml`: tags with public articles.
pub async fn tags_sitemap(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    named_sitemap(&state, &req, "/tags/", feed::tag_rows).await
}

/// `GET /sitemaps/authors.xml`: authors with public articles.
pub async fn authors_sitemap(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    named_sitemap(&state, &req, "/authors/", feed::author_rows).await
}

/// `GET /news-sitemap.xml`: articles of the last 48 hours for Google News
/// (empty when there are none, which Google accepts).
pub async fn news_sitemap(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let rows = db::run(&state.pool, move |conn| {
        Ok(feed::news_rows(
            conn,
            now,
            Duration::hours(NEWS_WINDOW_HOURS),
            NEWS_LIMIT,
        )?)
    })
    .await?;
    let site = &state.site;
    sitemap_response(
        &state,
        &req,
        &NewsSitemap {
            publication_name: xml_safe(&site.name),
            language: news_language(&site.language),
            articles: rows
                .into_iter()
                .map(|r| NewsArticleView {
                    loc: site.url(&format!("/articles/{}", r.slug)),
                    title: xml_safe(&r.headline),
                    published: stamp(r.published_at, site.timezone).iso,
                })
                .collect(),
        },
    )
    .await
}

/// `GET /robots.txt`: both sitemaps, and the paths crawlers should leave
/// alone: the newsroom, previews included (all under `/admin`). Search pages
/// stay crawlable so crawlers see their `noindex`.
pub async fn robots_txt(state: web::Data<AppState>) -> HttpResponse {
    let site = &state.site;
    let body = format!(
        "User-agent: *\nDisallow: /admin\n\nSitemap: {}\nSitemap: {}\n",
        site.url("/sitemap.xml"),
        site.url("/news-sitemap.xml"),
    );
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(crate::http_cache::CachePolicy::Hour.header())
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::news_language;

    #[test]
    fn news_language_is_an_iso_639_code() {
        assert_eq!(news_language("en-GB"), "en");
        assert_eq!(news_language("de"), "de");
        assert_eq!(news_language("zh-TW"), "zh-tw");
        assert_eq!(news_language("zh-Hans"), "zh-cn");
    }
}
