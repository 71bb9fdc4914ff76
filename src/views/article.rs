//! The article page, assembled: everything it shows loaded from its rows
//! in as few queries as the page needs ([`load_article_page`] on the public
//! path, [`load_bundle`] for previews), then turned into the page's view
//! ([`article_page`]).

use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::error::AppError;
use crate::models::article::ArticleParts;
use crate::models::article_note::{self, ArticleNote, NoteKind};
use crate::models::author::AuthorKind;
use crate::models::live_post::{self, Coverage, LivePost};
use crate::models::media::{crop_path, srcset_for, webp_srcset_for, MediaUrl, SrcsetCopy};
use crate::models::{Article, ArticleCard, Author, MediaInfo, Section, Tag};
use crate::seo::{self, NewsArticleFacts, PageMeta};
use crate::share::share_links;
use crate::views::{
    paragraphs, ArticlePage, BylineAuthor, BylineView, CardView, Chrome, DeskView, ImageView,
    NoteView, Site,
};
use crate::{markdown, AppState};

/// Everything the article page shows, loaded in one trip to the database.
pub struct ArticleBundle {
    pub chrome: Chrome,
    pub article: Article,
    pub section: Option<Section>,
    /// The authors in byline order.
    pub authors: Vec<Author>,
    pub image: Option<MediaInfo>,
    /// The stored copies (widths, crops, WebP) of the lead image and the
    /// related cards' images.
    pub srcset: Vec<SrcsetCopy>,
    pub takeaways: Vec<String>,
    pub tags: Vec<Tag>,
    pub related: Vec<ArticleCard>,
    /// Corrections and updates, newest first.
    pub notes: Vec<ArticleNote>,
    /// The image chosen for social cards instead of the lead image, if any.
    pub social_image: Option<MediaInfo>,
    /// A live story's coverage (none for other articles).
    pub coverage: Option<Coverage>,
    /// A live story's posts, newest first.
    pub live_posts: Vec<LivePost>,
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
        Extras {
            notes: true,
            co_authors: true,
            live: true,
        },
        now,
    )
}

/// Which of an article's optional rows its page must load.
struct Extras {
    /// Corrections and updates.
    notes: bool,
    /// Authors after the lead one.
    co_authors: bool,
    /// Live coverage and its posts.
    live: bool,
}

/// The bundle of an article whose own rows are loaded: what else its page
/// shows, in one query each (takeaways, tags, related, corrections and
/// updates, and the lead image's copies when it has one). A single author is
/// the lead author the page query joined (`articles.author_id`, kept by every
/// save); `extras` says which optional rows (notes, the authors in order,
/// live coverage) exist and cost one more query each.
fn complete_bundle(
    conn: &mut DbConn,
    site: &Site,
    sections: Vec<Section>,
    (mut article, section, author, image): ArticleParts,
    extras: Extras,
    now: NaiveDateTime,
) -> Result<ArticleBundle, AppError> {
    if article.body_html.is_none() {
        // Saved before bodies were stored rendered, and not filled yet.
        article.body_html = Some(markdown::render_or_escape(&article.body));
    }
    let related = crate::related::for_page(conn, &article, now, site.related_limit)?;
    // The copies of the lead image and of the related cards' images, in one query.
    let images: Vec<i32> = article
        .lead_image_id
        .into_iter()
        .chain(CardView::image_ids(&related))
        .collect();
    let srcset = match images.is_empty() {
        true => Vec::new(),
        false => crate::models::media::srcset_candidates(conn, &images)?,
    };
    let authors = if extras.co_authors {
        Author::for_article(conn, article.id)?
    } else {
        author.into_iter().collect()
    };
    let social_image = article
        .social_image_id
        .map(|id| crate::models::media::info(conn, id))
        .transpose()?;
    // Two more queries, for live stories only.
    let coverage = if extras.live {
        live_post::coverage(conn, article.id)?
    } else {
        None
    };
    Ok(ArticleBundle {
        srcset,
        chrome: Chrome {
            site: site.clone(),
            sections,
            is_front: false,
            current_section: section.as_ref().map(|s| s.slug.clone()),
            // The related cards go without the "Live" label.
            live_articles: Vec::new(),
        },
        takeaways: article.takeaways(conn)?,
        tags: Tag::for_article(conn, article.id)?,
        related,
        notes: if extras.notes {
            article_note::for_article(conn, article.id)?
        } else {
            Vec::new()
        },
        live_posts: if coverage.is_some() {
            live_post::for_article(conn, article.id)?
        } else {
            Vec::new()
        },
        coverage,
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
/// authors in order only when it has more than one, one for its posts only
/// when it is a live story (running or ended); the navigation and
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
        Ok((parts, notes, co_authors, live)) => {
            let facts = state.cache.site_facts(conn, now)?;
            let bundle = complete_bundle(
                conn,
                &state.site,
                facts.sections.clone(),
                parts,
                Extras {
                    notes,
                    co_authors,
                    live,
                },
                now,
            )?;
            Ok(Ok((bundle, facts.last_change)))
        }
        Err(e) => Err(e),
    }
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
        webp_srcset: webp_srcset_for(m.id, &b.srcset, url),
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
        // The image in its own shape, then its 4:3 and 1:1 crops (the
        // three aspect ratios Google asks for); no lead image: no `image`
        // (the share card is not the article's picture).
        image_urls: match (&image, &b.image) {
            (Some(i), Some(m)) => std::iter::once(i.src.clone())
                .chain(
                    crate::crops::ASPECTS
                        .iter()
                        .filter_map(|(aspect, ..)| crop_path(m.id, &b.srcset, aspect, url)),
                )
                .map(|p| site.url(&p))
                .collect(),
            _ => Vec::new(),
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
    let live = b
        .coverage
        .as_ref()
        .map(|c| crate::views::live::LiveFeed::new(a, c, &b.live_posts, site));
    let json_ld = match &live {
        Some(feed) => seo::live_blog_posting(
            json_ld,
            &feed.started.iso,
            feed.ended.as_ref().map(|e| e.iso.as_str()),
            &crate::views::live::blog_updates(&b.live_posts, &canonical, tz),
        ),
        None => json_ld,
    };
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
        related: CardView::list(&b.related, &b.srcset, tz),
        notes_above: site.notes_position == crate::config::NotesPosition::Above,
        notes,
        live,
        chrome: b.chrome,
    }
}
