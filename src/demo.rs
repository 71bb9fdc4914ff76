//! Demo content: an empty database gets a dozen placeholder articles (original
//! writing about a fictional city) with images, so a new install shows a live
//! site at once. Loaded once: a marker in `site_settings` stops it from coming
//! back after editors delete it.

use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::models::article_note::{self, NewNote};
use crate::models::author::AuthorKind;
use crate::models::live_post::{self, PostContent};
use crate::models::{
    self, setting, Article, ArticleStatus, Author, NewArticle, NewAuthor, NewMedia, NewSection,
    Section, Tag,
};
use crate::slug::slugify;

const CONTENT: &str = include_str!("demo/articles.json");
const LOADED_MARKER: &str = "demo_content_loaded_at";

/// Pairs each shipped image's file name with its bytes, compiled into the binary.
macro_rules! shipped_images {
    ($($file:literal,)*) => {
        &[$(($file, include_bytes!(concat!("demo/images/", $file)))),*]
    };
}

/// The shipped images, by file name.
const IMAGES: &[(&str, &[u8])] = shipped_images!(
    "council-budget.png",
    "dry-dock.png",
    "fish-crates.png",
    "harbour-ferry.png",
    "lantern-festival.png",
    "library-shelves.png",
    "microscope-mussel.png",
    "seagrass-meadow.png",
    "storm-seawall.png",
    "terraced-housing.png",
    "tidewire-circuits.png",
);

#[derive(Deserialize)]
struct DemoSite {
    sections: Vec<DemoSection>,
    authors: Vec<DemoAuthor>,
    articles: Vec<DemoArticle>,
}

#[derive(Deserialize)]
struct DemoSection {
    slug: String,
    name: String,
    description: String,
}

#[derive(Deserialize)]
struct DemoAuthor {
    slug: String,
    name: String,
    bio: String,
    /// `organization` for a desk; a person when absent.
    #[serde(default)]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct DemoImage {
    file: String,
    alt: String,
    caption: Option<String>,
    credit: Option<String>,
}

#[derive(Deserialize)]
struct DemoDesk {
    heading: String,
    text: String,
}

#[derive(Deserialize)]
struct DemoArticle {
    slug: String,
    headline: String,
    standfirst: String,
    kicker: String,
    section: String,
    author: String,
    /// Authors after `author`, in byline order.
    #[serde(default)]
    co_authors: Vec<String>,
    tags: Vec<String>,
    image: Option<DemoImage>,
    takeaways: Vec<String>,
    desk: Option<DemoDesk>,
    body: String,
    published_hours_ago: i64,
    updated_hours_ago: Option<i64>,
    /// Corrections and updates shown on the article.
    #[serde(default)]
    notes: Vec<DemoNote>,
    /// Live coverage, for a live story.
    #[serde(default)]
    live: Option<DemoLive>,
}

#[derive(Deserialize)]
struct DemoLive {
    started_minutes_ago: i64,
    /// Set for coverage that has ended; running when absent.
    #[serde(default)]
    ended_minutes_ago: Option<i64>,
    /// Oldest first.
    posts: Vec<DemoPost>,
}

#[derive(Deserialize)]
struct DemoPost {
    minutes_ago: i64,
    /// Markdown.
    body: String,
}

#[derive(Deserialize)]
struct DemoNote {
    /// `correction` or `update`.
    kind: String,
    text: String,
    hours_ago: i64,
}

/// The advisory lock key demo loading runs under ("DEMO" in ASCII).
const DEMO_LOCK: i64 = 0x4445_4D4F;

/// Loads the demo content when the site has never had it and holds no
/// articles, with related lists of `related_limit` cards. Returns whether it
/// loaded anything.
pub fn load_if_empty(
    conn: &mut DbConn,
    now: NaiveDateTime,
    related_limit: usize,
) -> Result<bool, AppError> {
    crate::db::write_transaction(conn, |conn| {
        // Instances starting at once on an empty PostgreSQL: one loads, the
        // others wait here and then find the marker.
        crate::db::serialize_writers(conn, DEMO_LOCK)?;
        if setting::get(conn, LOADED_MARKER)?.is_some() || Article::any_exist(conn)? {
            return Ok(false);
        }
        load(conn, now, related_limit)?;
        crate::models::public_change::record(conn, now)?;
        setting::set(conn, LOADED_MARKER, &now.to_string())?;
        Ok(true)
    })
}

fn image_bytes(file: &str) -> Result<&'static [u8], AppError> {
    IMAGES
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, bytes)| *bytes)
        .ok_or_else(|| AppError::internal(format!("demo image {file} is not shipped")))
}

/// The body with each `media:FILE` image source (`](media:FILE)` in
/// Markdown, `src="media:FILE"` in HTML) replaced by the stored image's
/// public path. The image is public because it is also the lead image of a
/// published demo article. The demo's figure is HTML so that its image
/// carries its width and height, as every image on the site does.
fn with_media_paths(
    body: &str,
    mut path_of: impl FnMut(&str) -> Result<String, AppError>,
) -> Result<String, AppError> {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    loop {
        let found = ["](media:", "src=\"media:"]
            .iter()
            .filter_map(|opening| rest.find(opening).map(|at| (at, *opening)))
            .min();
        let Some((at, opening)) = found else { break };
        let start = at + opening.len();
        let close = if opening.starts_with(']') { ')' } else { '"' };
        let Some(len) = rest[start..].find(close) else {
            break;
        };
        out.push_str(&rest[..at + opening.len() - "media:".len()]);
        out.push_str(&path_of(&rest[start..start + len])?);
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    Ok(out)
}

fn load(conn: &mut DbConn, now: NaiveDateTime, related_limit: usize) -> Result<(), AppError> {
    let site: DemoSite = serde_json::from_str(CONTENT)
        .map_err(|e| AppError::internal_from("demo content is invalid", e))?;
    let mut section_ids = Vec::new();
    for (position, s) in (1..).zip(&site.sections) {
        let id = Section::create(
            conn,
            &NewSection {
                slug: s.slug.clone(),
                name: s.name.clone(),
                description: s.description.clone(),
                position,
            },
        )?;
        section_ids.push((s.slug.as_str(), id));
    }
    let mut author_ids = Vec::new();
    for a in &site.authors {
        let id = Author::create(
            conn,
            &NewAuthor {
                slug: a.slug.clone(),
                name: a.name.clone(),
                bio: a.bio.clone(),
            },
        )?;
        if let Some(kind) = a.kind.as_deref().and_then(AuthorKind::parse) {
            Author::set_kind(conn, id, kind)?;
        }
        author_ids.push((a.slug.as_str(), id));
    }
    let lookup =
        |ids: &[(&str, i32)], slug: &str| ids.iter().find(|(s, _)| *s == slug).map(|(_, id)| *id);
    // Each shipped image is stored once, for a lead image or a body figure.
    let mut stored: Vec<(String, i32)> = Vec::new();
    let mut store = |conn: &mut DbConn, file: &str| -> Result<i32, AppError> {
        if let Some((_, id)) = stored.iter().find(|(f, _)| f == file) {
            return Ok(*id);
        }
        let bytes = image_bytes(file)?;
        let size = imagesize::blob_size(bytes)
            .map_err(|e| AppError::internal_from(format!("demo image {file}"), e))?;
        let id = models::media::create(
            conn,
            &NewMedia {
                content_type: "image/png".into(),
                width: size.width as i32,
                height: size.height as i32,
                data: bytes.to_vec(),
                created_at: now,
            },
        )?;
        stored.push((file.to_string(), id));
        Ok(id)
    };
    for a in &site.articles {
        let lead_image_id = match &a.image {
            Some(img) => {
                let id = store(conn, &img.file)?;
                // The library shows the demo's images with their words.
                let details = models::media_library::ImageDetails {
                    alt: img.alt.clone(),
                    caption: img.caption.clone().unwrap_or_default(),
                    credit: img.credit.clone().unwrap_or_default(),
                };
                models::media_library::adopt_details(conn, id, &details)?;
                Some(id)
            }
            None => None,
        };
        let body = with_media_paths(&a.body, |file| {
            let id = store(conn, file)?;
            Ok(models::media::info(conn, id)?.path())
        })?;
        let published_at = now - Duration::hours(a.published_hours_ago);
        let updated_at = a
            .updated_hours_ago
            .map_or(published_at, |h| now - Duration::hours(h));
        let id = Article::create(
            conn,
            &NewArticle {
                slug: a.slug.clone(),
                headline: a.headline.clone(),
                standfirst: a.standfirst.clone(),
                body,
                kicker: a.kicker.clone(),
                section_id: lookup(&section_ids, &a.section),
                author_id: lookup(&author_ids, &a.author),
                lead_image_id,
                lead_image_alt: a.image.as_ref().map(|i| i.alt.clone()).unwrap_or_default(),
                lead_image_caption: a
                    .image
                    .as_ref()
                    .and_then(|i| i.caption.clone())
                    .unwrap_or_default(),
                lead_image_credit: a
                    .image
                    .as_ref()
                    .and_then(|i| i.credit.clone())
                    .unwrap_or_default(),
                desk_heading: a
                    .desk
                    .as_ref()
                    .map(|d| d.heading.clone())
                    .unwrap_or_default(),
                desk_text: a.desk.as_ref().map(|d| d.text.clone()).unwrap_or_default(),
                status: ArticleStatus::Published.as_str().into(),
                published_at: Some(published_at),
                created_at: published_at,
                updated_at,
            },
        )?;
        if !a.co_authors.is_empty() {
            let credited: Vec<i32> = std::iter::once(&a.author)
                .chain(&a.co_authors)
                .filter_map(|slug| lookup(&author_ids, slug))
                .collect();
            Author::set_for_article(conn, id, &credited)?;
        }
        Article::set_takeaways(conn, id, &a.takeaways)?;
        for name in &a.tags {
            let tag = Tag::find_or_create(conn, &slugify(name), name)?;
            Tag::attach(conn, id, tag.id)?;
        }
        for n in &a.notes {
            let at = now - Duration::hours(n.hours_ago);
            let note = NewNote::validate(id, &n.kind, &n.text, Some(at), None, now)?;
            article_note::add(conn, &note, now)?;
        }
        if let Some(live) = &a.live {
            live_post::start(conn, id, now - Duration::minutes(live.started_minutes_ago))?;
            for p in &live.posts {
                let at = now - Duration::minutes(p.minutes_ago);
                let content = PostContent::validate(&p.body, Some(at), now, "")
                    .map_err(AppError::BadRequest)?;
                live_post::add(conn, id, &content, None, now)?;
            }
            if let Some(ended) = live.ended_minutes_ago {
                live_post::end(conn, id, now - Duration::minutes(ended))?;
            }
        }
    }
    crate::related::rebuild_all_with_limit(conn, now, related_limit)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_letters_digits_and_hyphens() {
        assert_eq!(slugify("Council Budget"), "council-budget");
        assert_eq!(slugify("  Science & Environment!"), "science-environment");
        assert_eq!(
            slugify("Port Calder's 2027 Plan"),
            "port-calder-s-2027-plan"
        );
    }

    #[test]
    fn every_demo_image_is_shipped_and_every_reference_resolves() {
        let site: DemoSite = serde_json::from_str(CONTENT).unwrap();
        for a in &site.articles {
            assert!(
                site.sections.iter().any(|s| s.slug == a.section),
                "{}",
                a.slug
            );
            for author in std::iter::once(&a.author).chain(&a.co_authors) {
                assert!(
                    site.authors.iter().any(|au| &au.slug == author),
                    "{}: author {author}",
                    a.slug
                );
            }
            assert!(
                !a.co_authors.contains(&a.author),
                "{}: the lead author is not a co-author too",
                a.slug
            );
            for n in &a.notes {
                assert!(
                    article_note::NoteKind::parse(&n.kind).is_some(),
                    "{}: note kind {}",
                    a.slug,
                    n.kind
                );
                assert!(n.hours_ago <= a.published_hours_ago, "{}", a.slug);
            }
            if let Some(live) = &a.live {
                let mut last = live.started_minutes_ago;
                for p in &live.posts {
                    assert!(p.minutes_ago <= last, "{}: posts oldest first", a.slug);
                    last = p.minutes_ago;
                    assert!(
                        PostContent::validate(&p.body, None, chrono::Utc::now().naive_utc(), "")
                            .is_ok(),
                        "{}",
                        a.slug
                    );
                }
            }
            with_media_paths(&a.body, |file| {
                image_bytes(file)?;
                assert!(
                    site.articles
                        .iter()
                        .any(|other| other.image.as_ref().is_some_and(|i| i.file == file)),
                    "{}: {file} in the body is no article's lead image, so readers could not see it",
                    a.slug
                );
                Ok(format!("/media/{file}"))
            })
            .unwrap();
            if let Some(img) = &a.image {
                let size = imagesize::blob_size(image_bytes(&img.file).unwrap()).unwrap();
                assert!(size.width >= 1200, "{} is {}px wide", img.file, size.width);
            }
        }
    }
}
