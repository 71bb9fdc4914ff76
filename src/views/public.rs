//! The reader's pages: one askama struct per page template, with every value
//! it shows loaded and formatted before rendering (templates never query).
//! Also the pieces the templates share: the masthead (`Chrome`), cards,
//! images, the pager, and list pages' metadata. (Longer than most files: one
//! struct per public page, each short; splitting them by page would scatter
//! the shared pieces they are built from.)

use askama::Template;
use chrono_tz::Tz;

use crate::cache::SiteFacts;
use crate::db::DbConn;
use crate::error::AppError;

#[cfg(test)]
use crate::models::article::ListKey;
use crate::models::article::{ListPage, PageStart};
use crate::models::media::{srcset_for, webp_srcset_for, MediaUrl, SrcsetCopy};
use crate::models::{ArticleCard, MediaInfo, Section};
use crate::seo::{self, stamp, MetaImage, PageMeta, Stamp};
use crate::share::ShareLink;

/// Site-wide settings every page shows.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: String,
    pub description: String,
    pub language: String,
    /// ISO 3166 country of the readership (`GB`), for `og:locale`.
    pub territory: Option<String>,
    pub base_url: String,
    pub timezone: Tz,
    /// X handle for `twitter:site`, with its `@`.
    pub twitter_site: Option<String>,
    /// Absolute URL of the publisher logo.
    pub logo_url: String,
    /// Fingerprint of the static files, appended to their URLs so they can be cached forever.
    pub assets_version: String,
    /// How many related articles the sidebar shows.
    pub related_limit: usize,
    /// Whether the client address comes from the proxy's headers.
    pub behind_proxy: bool,
    /// Where an article's corrections and updates show.
    pub notes_position: crate::config::NotesPosition,
    /// Seconds between a reader's checks for new posts on a live story.
    pub live_poll_seconds: u32,
}

impl Site {
    /// Open Graph locale, `language_TERRITORY` (`en_GB`): see [`og_locale`].
    pub fn og_locale(&self) -> String {
        og_locale(&self.language, self.territory.as_deref())
    }

    /// Absolute URL of a site path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The site's share card, for pages without an image of their own.
    pub fn share_card(&self) -> MetaImage {
        MetaImage {
            url: self.url("/static/img/share-card.png"),
            width: 1200,
            height: 630,
            alt: self.name.clone(),
            mime: "image/png".into(),
        }
    }

    /// An image as card metadata wants it: absolute URL, size and alt text.
    pub fn meta_image(&self, image: &ImageView) -> MetaImage {
        MetaImage {
            url: self.url(&image.src),
            width: image.width,
            height: image.height,
            alt: image.alt.clone(),
            mime: image.content_type.clone(),
        }
    }

    /// Versioned path of a static file, e.g. `asset("css/site.css")`.
    pub fn asset(&self, file: &str) -> String {
        format!("/static/{file}?v={}", self.assets_version)
    }
}

/// The Open Graph locale of a BCP 47 language and a territory:
/// `("en", Some("GB"))` is `en_GB`. A language that names its own region
/// (`en-US`) keeps it; without a territory the language stands alone.
pub fn og_locale(language: &str, territory: Option<&str>) -> String {
    let mut parts = language.split(['-', '_']).filter(|p| !p.is_empty());
    let lang = parts.next().unwrap_or("en").to_ascii_lowercase();
    let is_region = |p: &&str| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic());
    match parts
        .find(is_region)
        .or(territory.map(str::trim).filter(is_region))
    {
        Some(region) => format!("{lang}_{}", region.to_ascii_uppercase()),
        None => lang,
    }
}

/// The territory assumed for a language given without one, when
/// `--territory` is not set: `en` is `GB`, `de` is `DE`, `sv` is `SE` …;
/// none for a language not listed (its `og:locale` is then the bare language).
pub fn default_territory(language: &str) -> Option<&'static str> {
    let lang = language.split(['-', '_']).next().unwrap_or("");
    Some(match lang.to_ascii_lowercase().as_str() {
        "en" => "GB",
        "de" => "DE",
        "fr" => "FR",
        "es" => "ES",
        "it" => "IT",
        "nl" => "NL",
        "pt" => "PT",
        "pl" => "PL",
        "fi" => "FI",
        "sv" => "SE",
        "da" => "DK",
        "nb" | "nn" | "no" => "NO",
        "cs" => "CZ",
        "el" => "GR",
        "ga" => "IE",
        "cy" => "GB",
        "ja" => "JP",
        "ko" => "KR",
        "uk" => "UA",
        _ => return None,
    })
}

/// The frame around every page: site settings and the section navigation.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub site: Site,
    pub sections: Vec<Section>,
    /// Slug of the section the page belongs to, to mark it in the navigation.
    pub current_section: Option<String>,
    /// Whether this is the front page (marks "Latest" in the navigation).
    pub is_front: bool,
    /// Public articles whose live coverage runs: their cards say "Live".
    pub live_articles: Vec<i32>,
}

impl Chrome {
    /// Whether the article with this id is a running live story.
    pub fn is_live(&self, article_id: &i32) -> bool {
        self.live_articles.contains(article_id)
    }

    /// Whether `slug` is the section the page belongs to.
    pub fn is_current(&self, slug: &str) -> bool {
        self.current_section.as_deref() == Some(slug)
    }
}

/// An image as shown on a page: `src` with its size so nothing shifts while loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageView {
    pub src: String,
    pub alt: String,
    pub width: i32,
    pub height: i32,
    /// Resized copies for `srcset`, when the image has them.
    pub srcset: Option<String>,
    /// Its WebP copies as a `srcset`, for `<source type="image/webp">`.
    pub webp_srcset: Option<String>,
    /// Its media type (`image/jpeg`).
    pub content_type: String,
}

impl ImageView {
    /// The view of a stored image with its alt text.
    pub fn new(media: &MediaInfo, alt: &str) -> Self {
        ImageView {
            src: media.path(),
            alt: alt.to_string(),
            width: media.width,
            height: media.height,
            srcset: None,
            webp_srcset: None,
            content_type: media.content_type.clone(),
        }
    }
}

/// An article in a list.
#[derive(Debug, Clone)]
pub struct CardView {
    pub href: String,
    pub headline: String,
    pub standfirst: String,
    pub kicker: String,
    pub section_name: Option<String>,
    pub section_href: Option<String>,
    pub image: Option<ImageView>,
    pub published: Option<Stamp>,
    pub reading_minutes: i32,
    /// The article's id (its card says "Live" while its coverage runs, see
    /// [`Chrome::is_live`]).
    pub id: i32,
}

impl CardView {
    /// Formats a card for display in the site's time zone; `copies` (from
    /// `media::srcset_candidates`) give its image a `srcset` and WebP copies.
    pub fn new(card: &ArticleCard, copies: &[SrcsetCopy], tz: Tz) -> Self {
        let a = &card.article;
        CardView {
            href: format!("/articles/{}", a.slug),
            headline: a.headline.clone(),
            standfirst: a.standfirst.clone(),
            kicker: a.kicker.clone(),
            section_name: card.section.as_ref().map(|s| s.name.clone()),
            section_href: card
                .section
                .as_ref()
                .map(|s| format!("/sections/{}", s.slug)),
            image: card.image.as_ref().map(|m| ImageView {
                srcset: srcset_for(m.id, copies, MediaUrl::Public),
                webp_srcset: webp_srcset_for(m.id, copies, MediaUrl::Public),
                ..ImageView::new(m, &a.lead_image_alt)
            }),
            published: a.published_at.map(|t| stamp(t, tz)),
            reading_minutes: a.reading_minutes(),
            id: a.id,
        }
    }

    /// Cards for a list of articles.
    pub fn list(cards: &[ArticleCard], copies: &[SrcsetCopy], tz: Tz) -> Vec<Self> {
        cards.iter().map(|c| CardView::new(c, copies, tz)).collect()
    }

    /// The images cards show, for `media::srcset_candidates`.
    pub fn image_ids(cards: &[ArticleCard]) -> Vec<i32> {
        cards
            .iter()
            .filter_map(|c| c.image.as_ref().map(|m| m.id))
            .collect()
    }
}

/// Links between the pages of a paginated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    pub page: i64,
    pub total_pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// Links between the pages of a listing. Listings are paged by key (see
/// [`PageStart`]), so a page knows its neighbours, not its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPager {
    /// This page's path and query: its canonical address.
    pub current: String,
    pub is_first: bool,
    /// A link to the first page, where "Newer" does not already lead there.
    pub latest: Option<String>,
    /// The page of newer articles.
    pub newer: Option<String>,
    /// The page of older articles.
    pub older: Option<String>,
}

impl ListPager {
    /// The pager of `page`, shown at `start` of the listing at `path`.
    pub fn new(path: &str, start: PageStart, page: &ListPage) -> Self {
        let deep = !matches!(page.newer, None | Some(PageStart::Newest));
        ListPager {
            current: Self::address(path, start),
            is_first: start == PageStart::Newest,
            latest: deep.then(|| path.to_string()),
            newer: page.newer.map(|s| Self::address(path, s)),
            older: page
                .older
                .map(|k| Self::address(path, PageStart::Before(k))),
        }
    }

    /// The pager of page `page` (from 1) of a short list paged by number
    /// (corrections), with `total` items at `per_page` a page.
    pub fn numbered(path: &str, page: i64, total: i64, per_page: i64) -> Self {
        let address = |p: i64| match p {
            1 => path.to_string(),
            p => format!("{path}?page={p}"),
        };
        ListPager {
            current: address(page),
            is_first: page == 1,
            latest: (page > 2).then(|| path.to_string()),
            newer: (page > 1).then(|| address(page - 1)),
            older: (page * per_page < total).then(|| address(page + 1)),
        }
    }

    /// The address of the page at `start` of the listing at `path`.
    pub fn address(path: &str, start: PageStart) -> String {
        match start {
            PageStart::Newest => path.to_string(),
            PageStart::Before(key) => format!("{path}?before={}", key.to_param()),
            PageStart::After(key) => format!("{path}?after={}", key.to_param()),
        }
    }
}

/// The front page: lead story, then the latest articles.
#[derive(Template)]
#[template(path = "front.html")]
pub struct FrontPage {
    pub chrome: Chrome,
    pub meta: PageMeta,
    pub lead: Option<CardView>,
    pub cards: Vec<CardView>,
    pub pager: ListPager,
}

/// A list of articles: a section, an author or a tag.
#[derive(Template)]
#[template(path = "listing.html")]
pub struct ListingPage {
    pub chrome: Chrome,
    pub meta: PageMeta,
    /// "Section", "Author" or "Tag".
    pub kind: &'static str,
    pub heading: String,
    pub description: String,
    pub cards: Vec<CardView>,
    pub pager: ListPager,
    /// The author's photo on author pages.
    pub photo: Option<ImageView>,
    /// The author's profiles elsewhere: (name, URL).
    pub profile_links: Vec<(&'static str, String)>,
}

/// The Editor's Desk panel.
#[derive(Debug, Clone)]
pub struct DeskView {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// The byline block.
#[derive(Debug, Clone)]
pub struct BylineView {
    /// The authors in order, each with their page: "By A, B and C". None:
    /// the publication's editorial byline.
    pub authors: Vec<BylineAuthor>,
    /// Whether the names follow "By": not when every author is a desk or
    /// other organization, whose name is shown as it is ("City Desk").
    pub by: bool,
    pub kicker: String,
    pub publication: String,
}

/// One author in a byline.
#[derive(Debug, Clone)]
pub struct BylineAuthor {
    pub name: String,
    /// Their author page.
    pub href: String,
}

/// A correction or update as readers see it.
#[derive(Debug, Clone)]
pub struct NoteView {
    /// `note-{id}`: the anchor the corrections page and feed link to.
    pub anchor: String,
    /// "Correction" or "Update".
    pub label: &'static str,
    /// `correction` or `update`, for styling.
    pub kind: &'static str,
    pub when: Stamp,
    /// The text's paragraphs (plain text, escaped by the template).
    pub paragraphs: Vec<String>,
}

impl NoteView {
    /// Formats a stored note in the site's time zone.
    pub fn new(note: &crate::models::article_note::ArticleNote, tz: Tz) -> Self {
        let kind = note.kind();
        NoteView {
            anchor: format!("note-{}", note.id),
            label: kind.label(),
            kind: kind.as_str(),
            when: stamp(note.noted_at, tz),
            paragraphs: paragraphs(&note.text),
        }
    }
}

/// The heading over an article's notes: what they are.
pub fn notes_heading(notes: &[NoteView]) -> &'static str {
    let corrections = notes.iter().any(|n| n.kind == "correction");
    let updates = notes.iter().any(|n| n.kind == "update");
    match (corrections, updates) {
        (true, true) => "Corrections and updates",
        (true, false) => "Corrections",
        _ => "Updates",
    }
}

/// The article page, element by element (see the product's article-page anatomy).
#[derive(Template)]
#[template(path = "article.html")]
pub struct ArticlePage {
    pub chrome: Chrome,
    pub meta: PageMeta,
    pub headline: String,
    pub standfirst: String,
    pub image: Option<ImageView>,
    pub caption: String,
    pub credit: String,
    pub takeaways: Vec<String>,
    pub desk: Option<DeskView>,
    pub byline: BylineView,
    pub published: Stamp,
    pub updated: Option<Stamp>,
    pub body_html: String,
    pub section_name: Option<String>,
    pub section_href: Option<String>,
    pub tags: Vec<(String, String)>,
    pub share_links: Vec<ShareLink>,
    pub canonical: String,
    pub related: Vec<CardView>,
    pub reading_minutes: i32,
    /// Shown to signed-in editors before publishing: a banner, and never indexed.
    pub preview: bool,
    /// Absolute URLs of the authors' pages, for `article:author`.
    pub author_urls: Vec<String>,
    /// Open Graph `article:*` tags.
    pub og_published: String,
    pub og_modified: String,
    /// Corrections and updates, newest first.
    pub notes: Vec<NoteView>,
    /// Whether they show above the body (else below it).
    pub notes_above: bool,
    /// The live story's feed, when the article has live coverage.
    pub live: Option<crate::views::live::LiveFeed>,
}

impl ArticlePage {
    /// The heading of the notes panel.
    pub fn notes_heading(&self) -> &'static str {
        notes_heading(&self.notes)
    }
}

/// A correction on the corrections page.
#[derive(Debug, Clone)]
pub struct CorrectionView {
    pub headline: String,
    /// The article's path with the note's anchor.
    pub href: String,
    pub when: Stamp,
    pub paragraphs: Vec<String>,
}

/// `/corrections`: every correction on a public article, newest first.
#[derive(Template)]
#[template(path = "corrections.html")]
pub struct CorrectionsPage {
    pub chrome: Chrome,
    pub meta: PageMeta,
    pub corrections: Vec<CorrectionView>,
    pub pager: ListPager,
}

/// A friendly error page (404, 400, 500 …).
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub meta: PageMeta,
    pub status: u16,
    pub heading: String,
    pub message: String,
}

/// Splits plain text into paragraphs at blank lines.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated_by_commas() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-12_345), "-12,345");
    }

    #[test]
    fn list_pager_links_by_key_and_offers_the_first_page_from_deep_pages() {
        let key = |id| ListKey {
            published_at: chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
                .unwrap()
                .and_hms_opt(8, 15, 0)
                .unwrap(),
            id,
        };
        let page = |newer, older| ListPage {
            cards: Vec::new(),
            newer,
            older,
            is_newest: false,
        };
        let first = ListPager::new("/", PageStart::Newest, &page(None, Some(key(7))));
        assert_eq!(first.current, "/");
        assert_eq!(first.newer, None);
        assert_eq!(first.older.as_deref(), Some("/?before=20261130081500-7"));
        assert_eq!(first.latest, None);
        let second = ListPager::new(
            "/sections/city",
            PageStart::Before(key(7)),
            &page(Some(PageStart::Newest), None),
        );
        assert_eq!(second.current, "/sections/city?before=20261130081500-7");
        assert_eq!(second.newer.as_deref(), Some("/sections/city"));
        assert_eq!((second.older, second.latest), (None, None));
        let deep = ListPager::new(
            "/tags/port",
            PageStart::Before(key(3)),
            &page(Some(PageStart::After(key(5))), Some(key(2))),
        );
        assert_eq!(
            deep.newer.as_deref(),
            Some("/tags/port?after=20261130081500-5")
        );
        assert_eq!(deep.latest.as_deref(), Some("/tags/port"));
    }

    #[test]
    fn og_locale_joins_language_and_territory() {
        assert_eq!(og_locale("en", Some("GB")), "en_GB");
        assert_eq!(og_locale("en", Some("gb")), "en_GB");
        assert_eq!(og_locale("en-US", Some("GB")), "en_US");
        assert_eq!(og_locale("pt_BR", None), "pt_BR");
        assert_eq!(og_locale("de", None), "de");
        assert_eq!(og_locale("en", Some("United Kingdom")), "en");
        assert_eq!(og_locale("zh-Hant-TW", None), "zh_TW");
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        assert_eq!(
            paragraphs("One.\n\n\nTwo\nlines.\n\n"),
            ["One.", "Two\nlines."]
        );
    }
}

/// The "Share on Mastodon" page: asks for the reader's instance.
#[derive(Template)]
#[template(path = "share_mastodon.html")]
pub struct MastodonSharePage {
    pub chrome: Chrome,
    pub meta: PageMeta,
    /// The article's canonical URL.
    pub url: String,
    pub title: String,
    /// What the reader typed, kept when it is refused.
    pub instance: String,
    pub error: Option<String>,
}

/// One search result: the article's card and its snippet.
#[derive(Debug, Clone)]
pub struct SearchResultView {
    pub card: CardView,
    /// Safe HTML: escaped text with `<mark>` around the matched words.
    pub snippet_html: String,
}

/// The search page: the form, and the results for the reader's query.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    pub meta: PageMeta,
    /// What the reader typed (tidied and capped), shown back in the form.
    pub query: String,
    /// Whether the query had any words to search for.
    pub searched: bool,
    /// How many public articles match, over all pages (of the ranked ones).
    pub total: i64,
    /// Whether older articles match too, beyond the newest ones ranked.
    pub more: bool,
    /// How many of the newest matches a search ranks, written out ("1,000").
    pub ranked_at_most: String,
    pub results: Vec<SearchResultView>,
    pub pager: Pager,
}

/// A count with thousands separated by commas: `12345` is "12,345".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// The masthead and navigation of a public page, from the site facts the
/// response cache keeps (see [`crate::cache::SiteFacts`]).
pub fn chrome(site: &Site, facts: &SiteFacts, current_section: Option<String>) -> Chrome {
    Chrome {
        site: site.clone(),
        sections: facts.sections.clone(),
        is_front: false,
        current_section,
        live_articles: facts.live_articles.clone(),
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
        live_articles: Vec::new(),
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
