//! What machines read: page metadata, dates in the site's time zone, and
//! JSON-LD that is safe to embed in a `<script>` element.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde_json::{json, Value};

/// A moment shown to readers and machines: ISO 8601 with offset, and a readable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// `2026-11-24T09:30:00+00:00`, for `<time datetime>` and metadata.
    pub iso: String,
    /// `24 November 2026, 09:30 UTC`.
    pub display: String,
    /// `24 Nov 2026`, for cards.
    pub short: String,
}

/// Converts a stored UTC time into the site's time zone.
pub fn stamp(utc: NaiveDateTime, tz: Tz) -> Stamp {
    let local = tz.from_utc_datetime(&utc);
    Stamp {
        iso: local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        display: local.format("%-d %B %Y, %H:%M %Z").to_string(),
        short: local.format("%-d %b %Y").to_string(),
    }
}

/// An image as metadata wants it: absolute URL, size and alt text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaImage {
    pub url: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
    /// Its media type (`og:image:type`).
    pub mime: String,
}

impl MetaImage {
    /// Whether the image is served over https (`og:image:secure_url` then repeats it).
    pub fn is_secure(&self) -> bool {
        self.url.starts_with("https://")
    }
}

/// A feed advertised with `<link rel="alternate">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    pub title: String,
    /// `application/rss+xml` or `application/atom+xml`.
    pub mime: &'static str,
    pub href: String,
}

/// The RSS and Atom feeds of a list at `base_path` (`""` for the whole site).
pub fn feed_links(site_name: &str, label: Option<&str>, base_path: &str) -> Vec<FeedLink> {
    let title = match label {
        Some(label) => format!("{site_name}: {label}"),
        None => site_name.to_string(),
    };
    vec![
        FeedLink {
            title: format!("{title} (RSS)"),
            mime: "application/rss+xml",
            href: format!("{base_path}/feed.xml"),
        },
        FeedLink {
            title: format!("{title} (Atom)"),
            mime: "application/atom+xml",
            href: format!("{base_path}/atom.xml"),
        },
    ]
}

/// The `<head>` of a page: title, description, canonical URL, Open Graph / X
/// cards, feeds, pagination links and JSON-LD.
#[derive(Debug, Clone, Default)]
pub struct PageMeta {
    /// The `<title>`.
    pub title: String,
    /// The title shown in social cards (the headline, without the site name).
    pub social_title: String,
    pub description: String,
    /// Absolute canonical URL.
    pub canonical: String,
    /// `website` or `article`.
    pub og_type: &'static str,
    /// The card image; pages without their own use the site's share card.
    pub image: Option<MetaImage>,
    /// Serialised, script-safe JSON-LD objects (see [`script_safe_json`]), one script each.
    pub json_ld: Vec<String>,
    /// Whether crawlers may index the page.
    pub indexable: bool,
    /// Feeds to advertise.
    pub feeds: Vec<FeedLink>,
    /// Absolute URLs of the previous and next page of a list.
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// Serialises JSON for a `<script type="application/ld+json">` element: `<`,
/// `>` and `&` become `\u003c` etc., so no content can close the element or
/// open a comment, and the result is still strict JSON.
pub fn script_safe_json(value: &Value) -> String {
    let raw = serde_json::to_string(value).expect("JSON values always serialise");
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Facts about an article for its `NewsArticle` JSON-LD.
#[derive(Debug)]
pub struct NewsArticleFacts<'a> {
    pub headline: &'a str,
    /// The SEO title, when the editor gave one (`alternativeHeadline`).
    pub alternative_headline: Option<&'a str>,
    pub description: &'a str,
    pub url: &'a str,
    pub image_urls: Vec<String>,
    pub published: &'a str,
    pub modified: &'a str,
    /// The authors in byline order; none credits the publisher.
    pub authors: Vec<Credit<'a>>,
    pub section: Option<&'a str>,
    pub keywords: Vec<&'a str>,
    pub publisher_name: &'a str,
    pub publisher_url: &'a str,
    pub logo_url: &'a str,
    pub takeaways: &'a [String],
    /// Corrections as (text, ISO date), newest first: `correction` entries.
    pub corrections: Vec<(&'a str, &'a str)>,
}

/// An author as an article's structured data credits them.
#[derive(Debug)]
pub struct Credit<'a> {
    /// `Person`, or `Organization` for a desk.
    pub schema_type: &'static str,
    pub name: &'a str,
    /// Absolute URL of their author page.
    pub url: String,
}

/// The `NewsArticle` JSON-LD object.
pub fn news_article(f: &NewsArticleFacts) -> Value {
    let author = if f.authors.is_empty() {
        json!([{ "@type": "Organization", "name": f.publisher_name, "url": f.publisher_url }])
    } else {
        json!(f
            .authors
            .iter()
            .map(|a| json!({ "@type": a.schema_type, "name": a.name, "url": a.url }))
            .collect::<Vec<_>>())
    };
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": f.headline,
        "description": f.description,
        "url": f.url,
        "mainEntityOfPage": { "@type": "WebPage", "@id": f.url },
        "datePublished": f.published,
        "dateModified": f.modified,
        "author": author,
        "publisher": organization(f.publisher_name, f.publisher_url, f.logo_url),
        "keywords": f.keywords,
    });
    if !f.image_urls.is_empty() {
        value["image"] = json!(f.image_urls);
    }
    if let Some(section) = f.section {
        value["articleSection"] = json!(section);
    }
    if let Some(title) = f.alternative_headline {
        value["alternativeHeadline"] = json!(title);
    }
    // Key Takeaways as an ItemList part of the article: `hasPart` keeps
    // `abstract` free for plain text, and each takeaway keeps its position.
    if !f.takeaways.is_empty() {
        value["hasPart"] = json!({
            "@type": "ItemList",
            "name": "Key Takeaways",
            "numberOfItems": f.takeaways.len(),
            "itemListElement": f.takeaways.iter().enumerate().map(|(i, text)| json!({
                "@type": "ListItem", "position": i + 1, "name": text
            })).collect::<Vec<_>>(),
        });
    }
    // Corrections (not updates) as schema.org's CorrectionComment, which
    // Google reads as the article's published corrections.
    if !f.corrections.is_empty() {
        value["correction"] = json!(f
            .corrections
            .iter()
            .map(|(text, date)| json!({
                "@type": "CorrectionComment", "text": text, "datePublished": date
            }))
            .collect::<Vec<_>>());
    }
    value
}

/// A live story's post as a `liveBlogUpdate` entry.
#[derive(Debug, Clone)]
pub struct BlogUpdate {
    /// The post's first words.
    pub headline: String,
    /// ISO 8601 with offset.
    pub published: String,
    /// The article's URL with the post's anchor.
    pub url: String,
    /// The post as plain text.
    pub body: String,
}

/// An article's JSON-LD (from [`news_article`]) as a `LiveBlogPosting`:
/// the same facts, plus when the coverage started (and ended, once it has:
/// Google asks for the type to stay, with `coverageEndTime`) and its posts,
/// newest first, as `BlogPosting` entries.
pub fn live_blog_posting(
    mut article: Value,
    start: &str,
    end: Option<&str>,
    updates: &[BlogUpdate],
) -> Value {
    article["@type"] = json!("LiveBlogPosting");
    article["coverageStartTime"] = json!(start);
    if let Some(end) = end {
        article["coverageEndTime"] = json!(end);
    }
    article["liveBlogUpdate"] = json!(updates
        .iter()
        .map(|u| json!({
            "@type": "BlogPosting",
            "headline": u.headline,
            "datePublished": u.published,
            "url": u.url,
            "articleBody": u.body,
        }))
        .collect::<Vec<_>>());
    article
}

/// The publisher as schema.org sees it.
pub fn organization(name: &str, url: &str, logo_url: &str) -> Value {
    json!({
        "@type": "Organization",
        "name": name,
        "url": url,
        "logo": { "@type": "ImageObject", "url": logo_url, "width": 600, "height": 60 }
    })
}

/// `WebSite` with a `SearchAction`, for the front page.
pub fn website(name: &str, description: &str, url: &str, language: &str) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": name,
        "description": description,
        "url": url,
        "inLanguage": language,
        "potentialAction": {
            "@type": "SearchAction",
            "target": { "@type": "EntryPoint", "urlTemplate": format!("{url}search?q={{search_term_string}}") },
            "query-input": "required name=search_term_string"
        }
    })
}

/// A person (or a desk, as an organization) as schema.org sees them: an author's page.
#[derive(Debug)]
pub struct Person<'a> {
    /// `Person`, or `Organization` for a desk.
    pub schema_type: &'static str,
    pub name: &'a str,
    /// Absolute URL of the author's page.
    pub url: &'a str,
    pub description: &'a str,
    /// Absolute URL of their photo.
    pub image_url: Option<String>,
    /// Their profiles elsewhere.
    pub same_as: Vec<&'a str>,
}

/// `ProfilePage` of an author page, whose `mainEntity` is the `Person` (or
/// the desk's `Organization`).
pub fn profile_page(url: &str, name: &str, person: &Person) -> Value {
    let mut entity = json!({
        "@type": person.schema_type,
        "name": person.name,
        "url": person.url,
    });
    if !person.description.is_empty() {
        entity["description"] = json!(person.description);
    }
    if let Some(image) = &person.image_url {
        entity["image"] = json!(image);
    }
    if !person.same_as.is_empty() {
        entity["sameAs"] = json!(person.same_as);
    }
    json!({
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "name": name,
        "url": url,
        "mainEntity": entity,
    })
}

/// `BreadcrumbList` from (name, absolute URL) pairs, outermost first.
pub fn breadcrumbs(items: &[(&str, &str)]) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": items.iter().enumerate().map(|(i, (name, url))| json!({
            "@type": "ListItem", "position": i + 1, "name": name, "item": url
        })).collect::<Vec<_>>(),
    })
}

/// `CollectionPage` for a listing, naming the articles it shows.
pub fn collection_page(name: &str, description: &str, url: &str, article_urls: &[String]) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": name,
        "description": description,
        "url": url,
        "mainEntity": {
            "@type": "ItemList",
            "itemListElement": article_urls.iter().enumerate().map(|(i, u)| json!({
                "@type": "ListItem", "position": i + 1, "url": u
            })).collect::<Vec<_>>(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_safe_json_cannot_close_the_script_element() {
        let value = json!({ "headline": "</script><script>alert('x')</script> & <!--" });
        let out = script_safe_json(&value);
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('&'));
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn stamps_carry_the_site_time_zone_offset() {
        let utc = chrono::NaiveDate::from_ymd_opt(2027, 3, 12)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap();
        let s = stamp(utc, chrono_tz::Europe::Berlin);
        assert_eq!(s.iso, "2027-03-12T10:30:00+01:00");
        assert_eq!(s.display, "12 March 2027, 10:30 CET");
        assert_eq!(stamp(utc, Tz::UTC).iso, "2027-03-12T09:30:00+00:00");
    }
}
