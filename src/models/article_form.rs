//! The admin article form: what the editor typed, its validation (per-field
//! messages, the input kept), and saving it (with the version check,
//! revisions, slug history, takeaways and tags) in one transaction.
//! (Longer than most files: the form's fields, their checks and the save
//! that writes them are one unit; a field added is added in all three here.)

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::markdown;
use crate::models::article::{count_words, ArticleStatus};
use crate::models::author::MAX_PER_ARTICLE;
use crate::models::public_change;
use crate::models::revision::{self, ArticleContent};
use crate::models::{Article, Author, Tag};
use crate::schema::{article_tags, articles, authors, sections};
use crate::slug::slugify;

/// Field limits, in characters.
pub mod limits {
    pub const HEADLINE: usize = 200;
    pub const SLUG: usize = 120;
    pub const STANDFIRST: usize = 500;
    pub const ALT: usize = 300;
    pub const CAPTION: usize = 500;
    pub const CREDIT: usize = 200;
    pub const TAKEAWAYS: usize = 12;
    pub const TAKEAWAY: usize = 300;
    pub const DESK_HEADING: usize = 120;
    pub const DESK_TEXT: usize = 5_000;
    pub const KICKER: usize = 80;
    pub const TAGS: usize = 20;
    pub const TAG: usize = 60;
    pub const BODY: usize = 200_000;
    /// Search results show about 60 characters of a title.
    pub const SEO_TITLE: usize = 120;
    /// Search results show about 155 characters of a description.
    pub const SEO_DESCRIPTION: usize = 320;
    pub const CANONICAL_URL: usize = 2_000;
}

/// What search results show of a title and a description (the live count's
/// guide; longer is allowed up to the limits).
pub mod shown {
    pub const SEO_TITLE: usize = 60;
    pub const SEO_DESCRIPTION: usize = 155;
}

/// The form's fields, exactly as typed (so a refused form comes back intact).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ArticleForm {
    pub headline: String,
    pub slug: String,
    pub standfirst: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub takeaways: String,
    pub desk_heading: String,
    pub desk_text: String,
    pub kicker: String,
    /// The lead author's id (the first of the byline).
    pub author_id: String,
    /// The second to fifth authors' ids, in byline order (`""`: none).
    pub author_2: String,
    pub author_3: String,
    pub author_4: String,
    pub author_5: String,
    pub section_id: String,
    pub tags: String,
    pub body: String,
    /// `draft`, `scheduled` or `published`.
    pub status: String,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone.
    pub publish_at: String,
    /// The version the editor started from.
    pub version: String,
    /// Set when the editor confirms publishing with a publish time in the past.
    pub backdate: String,
    /// Set when the editor removes the current image.
    pub remove_image: String,
    /// The id of a library image picked as the lead image (empty: none).
    pub library_image: String,
    /// Related articles pinned by hand, by slug, in order.
    pub related_1: String,
    pub related_2: String,
    pub related_3: String,
    pub related_4: String,
    /// The `<title>` and social title; empty for the headline.
    pub seo_title: String,
    /// The meta and social description; empty for the standfirst.
    pub seo_description: String,
    /// The social image's alt text; empty for the headline.
    pub social_alt: String,
    /// Set when the editor removes the current social image.
    pub remove_social_image: String,
    /// The original's absolute URL for a syndicated piece; empty for the article's own.
    pub canonical_url: String,
    /// Set (`1`) to ask search engines not to index the article.
    pub noindex: String,
}

/// Per-field messages, keyed by field name.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub BTreeMap<&'static str, String>);

impl FieldErrors {
    /// The message for a field, if any.
    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }

    /// Whether there is any message.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }
}

/// A validated form, ready to store.
#[derive(Debug, Clone)]
pub struct ValidArticle {
    pub headline: String,
    pub slug: String,
    pub standfirst: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub takeaways: Vec<String>,
    pub desk_heading: String,
    pub desk_text: String,
    pub kicker: String,
    /// The authors in byline order (distinct; the first is the lead author).
    pub author_ids: Vec<i32>,
    pub section_id: Option<i32>,
    pub tags: Vec<String>,
    pub body: String,
    /// The body rendered and sanitised, stored with it.
    pub body_html: String,
    pub status: ArticleStatus,
    pub publish_at: Option<NaiveDateTime>,
    /// Pinned related articles, in order.
    pub pins: Vec<i32>,
    pub seo_title: String,
    pub seo_description: String,
    pub social_alt: String,
    /// `""` for the article's own URL.
    pub canonical_url: String,
    pub noindex: bool,
}

/// How many related articles an editor can pin.
pub const MAX_PINS: usize = 4;

/// Parses `YYYY-MM-DDTHH:MM` in the site's time zone into UTC.
pub fn parse_local_datetime(text: &str, tz: Tz) -> Option<NaiveDateTime> {
    let local = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
}

/// Formats a UTC time for a `datetime-local` input in the site's time zone.
pub fn format_local_datetime(utc: NaiveDateTime, tz: Tz) -> String {
    tz.from_utc_datetime(&utc)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

fn too_long(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

/// Whether a slug is lowercase letters, digits and single hyphens.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Whether `slug` belongs to another article than `article_id`, now or as an
/// old slug that still redirects.
pub fn slug_taken(conn: &mut DbConn, slug: &str, article_id: Option<i32>) -> QueryResult<bool> {
    let current: Option<i32> = articles::table
        .filter(articles::slug.eq(slug))
        .select(articles::id)
        .first(conn)
        .optional()?;
    let old = revision::old_slug_owner(conn, slug)?;
    Ok([current, old]
        .into_iter()
        .flatten()
        .any(|id| Some(id) != article_id))
}

/// A canonical URL as typed, checked: `Ok("")` for none (or the article's
/// own URL, which is the default anyway), else an absolute http(s) URL with
/// a host and no credentials, at most [`limits::CANONICAL_URL`] characters.
pub fn check_canonical_url(typed: &str, own_url: &str) -> Result<String, String> {
    let typed = typed.trim();
    if typed.is_empty() || typed == own_url {
        return Ok(String::new());
    }
    if too_long(typed, limits::CANONICAL_URL) {
        return Err(format!(
            "Keep the canonical URL to {} characters.",
            limits::CANONICAL_URL
        ));
    }
    let example = "Enter the full address of the original, starting with https://, e.g. https://example.org/news/ferry-trial.";
    let Ok(url) = ammonia::Url::parse(typed) else {
        return Err(example.into());
    };
    let absolute_web = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && !typed.chars().any(char::is_whitespace);
    if !absolute_web {
        return Err(example.into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Leave the user name and password out of the canonical URL.".into());
    }
    Ok(typed.to_string())
}

/// A select's chosen id: `Ok(None)` for the empty choice, `Err` for a value
/// that is not an id or names nothing that `exists`.
fn chosen_id(typed: &str, exists: impl FnOnce(i32) -> bool) -> Result<Option<i32>, ()> {
    match typed.trim() {
        "" => Ok(None),
        text => text
            .parse::<i32>()
            .ok()
            .filter(|id| exists(*id))
            .map(Some)
            .ok_or(()),
    }
}

impl ArticleForm {
    /// The form filled from a stored article.
    pub fn from_content(content: &ArticleContent, version: i32, tz: Tz) -> Self {
        ArticleForm {
            headline: content.headline.clone(),
            slug: content.slug.clone(),
            standfirst: content.standfirst.clone(),
            alt: content.lead_image_alt.clone(),
            caption: content.lead_image_caption.clone(),
            credit: content.lead_image_credit.clone(),
            takeaways: content.takeaways.join("\n"),
            desk_heading: content.desk_heading.clone(),
            desk_text: content.desk_text.clone(),
            kicker: content.kicker.clone(),
            section_id: content
                .section_id
                .map(|i| i.to_string())
                .unwrap_or_default(),
            tags: content.tags.join(", "),
            body: content.body.clone(),
            status: content.status.clone(),
            publish_at: content
                .published_at
                .map(|t| format_local_datetime(t, tz))
                .unwrap_or_default(),
            version: version.to_string(),
            seo_title: content.seo_title.clone(),
            seo_description: content.seo_description.clone(),
            social_alt: content.social_image_alt.clone(),
            canonical_url: content.canonical_url.clone(),
            noindex: if content.noindex {
                "1".into()
            } else {
                String::new()
            },
            ..ArticleForm::default()
        }
        .with_authors(&content.authors())
    }

    /// The author selects as chosen, in byline order (blanks included).
    pub fn author_choices(&self) -> [&str; MAX_PER_ARTICLE] {
        [
            &self.author_id,
            &self.author_2,
            &self.author_3,
            &self.author_4,
            &self.author_5,
        ]
        .map(|s| s.trim())
    }

    /// The form with its author selects set to `ids`, in order (the rest blank).
    pub fn with_authors(mut self, ids: &[i32]) -> Self {
        let fields = [
            &mut self.author_id,
            &mut self.author_2,
            &mut self.author_3,
            &mut self.author_4,
            &mut self.author_5,
        ];
        for (i, field) in fields.into_iter().enumerate() {
            *field = ids.get(i).map(|id| id.to_string()).unwrap_or_default();
        }
        self
    }

    /// The pinned slugs typed, in order, blanks skipped.
    pub fn pinned_slugs(&self) -> Vec<&str> {
        [
            &self.related_1,
            &self.related_2,
            &self.related_3,
            &self.related_4,
        ]
        .into_iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect()
    }

    /// Fills the related fields from slugs, in order.
    pub fn set_pinned_slugs(&mut self, slugs: &[String]) {
        let mut fields = [
            &mut self.related_1,
            &mut self.related_2,
            &mut self.related_3,
            &mut self.related_4,
        ];
        for (field, slug) in fields.iter_mut().zip(slugs) {
            **field = slug.clone();
        }
    }

    /// The version the editor started from (none for a new article).
    pub fn started_from(&self) -> Option<i32> {
        self.version.trim().parse().ok()
    }

    /// Checks every field. `has_image` says whether the article will have a
    /// lead image after this save (kept or newly uploaded).
    pub fn validate(
        &self,
        conn: &mut DbConn,
        article_id: Option<i32>,
        has_image: bool,
        tz: Tz,
        own_origin: &str,
    ) -> Result<Result<ValidArticle, FieldErrors>, AppError> {
        let mut errors = FieldErrors::default();
        let headline = self.headline.trim().to_string();
        if headline.is_empty() {
            errors.add("headline", "Enter a headline.");
        } else if too_long(&headline, limits::HEADLINE) {
            errors.add(
                "headline",
                format!("Keep the headline to {} characters.", limits::HEADLINE),
            );
        }
        let slug = match self.slug.trim() {
            "" => slugify(&headline)
                .chars()
                .take(limits::SLUG)
                .collect::<String>()
                .trim_end_matches('-')
                .to_string(),
            typed => typed.to_string(),
        };
        if slug.is_empty() && headline.is_empty() {
            // The headline's own message says what to do; a slug follows from it.
        } else if !is_valid_slug(&slug) {
            if self.slug.trim().is_empty() {
                errors.add(
                    "slug",
                    "Enter a slug: the headline has no letters or digits to make one from.",
                );
            } else {
                errors.add("slug", "Use lowercase letters, digits and single hyphens only, e.g. night-ferry-trial.");
            }
        } else if too_long(&slug, limits::SLUG) {
            errors.add(
                "slug",
                format!("Keep the slug to {} characters.", limits::SLUG),
            );
        } else {
            if slug_taken(conn, &slug, article_id)? {
                errors.add(
                    "slug",
                    "Another article already uses this slug. Choose a different one.",
                );
            }
        }
        let mut check = |field: &'static str, value: &str, max: usize, label: &str| {
            if too_long(value, max) {
                errors.add(field, format!("Keep the {label} to {max} characters."));
            }
        };
        check(
            "standfirst",
            &self.standfirst,
            limits::STANDFIRST,
            "standfirst",
        );
        check("alt", &self.alt, limits::ALT, "alt text");
        check("caption", &self.caption, limits::CAPTION, "caption");
        check("credit", &self.credit, limits::CREDIT, "credit");
        check(
            "desk_heading",
            &self.desk_heading,
            limits::DESK_HEADING,
            "Editor's Desk heading",
        );
        check(
            "desk_text",
            &self.desk_text,
            limits::DESK_TEXT,
            "Editor's Desk text",
        );
        check("kicker", &self.kicker, limits::KICKER, "kicker");
        check(
            "seo_title",
            self.seo_title.trim(),
            limits::SEO_TITLE,
            "SEO title",
        );
        check(
            "seo_description",
            self.seo_description.trim(),
            limits::SEO_DESCRIPTION,
            "SEO description",
        );
        check(
            "social_alt",
            self.social_alt.trim(),
            limits::ALT,
            "alt text",
        );
        check("body", &self.body, limits::BODY, "body");
        let body = self.body.replace("\r\n", "\n");
        // Rendered here, on the blocking pool, so saving stores the HTML and
        // no reader renders it; a body too deeply nested is refused.
        let body_html = if too_long(&body, limits::BODY) {
            String::new()
        } else {
            markdown::render_for_site(&body, own_origin).unwrap_or_else(|message| {
                errors.add("body", message);
                String::new()
            })
        };
        if has_image && self.alt.trim().is_empty() {
            errors.add("alt", "Describe the image for readers who cannot see it.");
        }
        let takeaways: Vec<String> = self
            .takeaways
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        if takeaways.len() > limits::TAKEAWAYS {
            errors.add(
                "takeaways",
                format!("Use at most {} takeaways.", limits::TAKEAWAYS),
            );
        } else if let Some(n) = takeaways.iter().position(|t| too_long(t, limits::TAKEAWAY)) {
            errors.add(
                "takeaways",
                format!(
                    "Takeaway {} is longer than {} characters.",
                    n + 1,
                    limits::TAKEAWAY
                ),
            );
        }
        let mut tags: Vec<String> = Vec::new();
        for tag in self
            .tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            if !tags.iter().any(|t| slugify(t) == slugify(tag)) {
                tags.push(tag.to_string());
            }
        }
        if tags.len() > limits::TAGS {
            errors.add("tags", format!("Use at most {} tags.", limits::TAGS));
        } else if tags
            .iter()
            .any(|t| too_long(t, limits::TAG) || slugify(t).is_empty())
        {
            errors.add(
                "tags",
                format!(
                    "Each tag needs a letter or digit and at most {} characters.",
                    limits::TAG
                ),
            );
        }
        let mut author_ids: Vec<i32> = Vec::new();
        for (i, typed) in self.author_choices().into_iter().enumerate() {
            let chosen = chosen_id(typed, |id| {
                authors::table
                    .find(id)
                    .select(authors::id)
                    .first::<i32>(conn)
                    .is_ok()
            });
            match chosen {
                Ok(None) => {}
                Ok(Some(id)) if author_ids.contains(&id) => {
                    let name = Author::find(conn, id).map(|a| a.name).unwrap_or_default();
                    errors.add(
                        "authors",
                        format!(
                            "{name} is chosen twice: credit each author once (author {} repeats an earlier one).",
                            i + 1
                        ),
                    );
                }
                Ok(Some(id)) => author_ids.push(id),
                Err(()) => errors.add("authors", "Choose each author from the list."),
            }
        }
        let section_id = chosen_id(&self.section_id, |id| {
            sections::table
                .find(id)
                .select(sections::id)
                .first::<i32>(conn)
                .is_ok()
        })
        .unwrap_or_else(|()| {
            errors.add("section_id", "Choose a section from the list.");
            None
        });
        let status = match self.status.as_str() {
            "" | "draft" => ArticleStatus::Draft,
            "scheduled" => ArticleStatus::Scheduled,
            "published" => ArticleStatus::Published,
            _ => {
                errors.add("status", "Choose Draft, Scheduled or Published.");
                ArticleStatus::Draft
            }
        };
        let publish_at = match self.publish_at.trim() {
            "" => None,
            text => match parse_local_datetime(text, tz) {
                Some(t) => Some(t),
                None => {
                    errors.add(
                        "publish_at",
                        "Enter a date and time, e.g. 2027-03-12 09:30.",
                    );
                    None
                }
            },
        };
        if status == ArticleStatus::Scheduled
            && publish_at.is_none()
            && errors.get("publish_at").is_none()
        {
            errors.add(
                "publish_at",
                "Scheduled articles need a date and time to go live.",
            );
        }
        let mut pins = Vec::new();
        for typed in self.pinned_slugs().into_iter().take(MAX_PINS) {
            // Accept a pasted article URL as well as a bare slug.
            let slug = typed
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(typed);
            let found: Option<i32> = articles::table
                .filter(articles::slug.eq(slug))
                .filter(articles::deleted_at.is_null())
                .select(articles::id)
                .first(conn)
                .optional()?;
            match found {
                Some(id) if Some(id) == article_id => {
                    errors.add("related", "An article cannot be related to itself.")
                }
                Some(id) => pins.push(id),
                None => errors.add(
                    "related",
                    format!("No article has the slug “{slug}”. Pick one from the suggestions."),
                ),
            }
        }
        let own_url = format!("{}/articles/{slug}", own_origin.trim_end_matches('/'));
        let canonical_url =
            check_canonical_url(&self.canonical_url, &own_url).unwrap_or_else(|message| {
                errors.add("canonical_url", message);
                String::new()
            });
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        Ok(Ok(ValidArticle {
            seo_title: self.seo_title.trim().to_string(),
            seo_description: self.seo_description.trim().to_string(),
            social_alt: self.social_alt.trim().to_string(),
            canonical_url,
            noindex: !self.noindex.is_empty(),
            headline,
            slug,
            standfirst: self.standfirst.trim().to_string(),
            alt: self.alt.trim().to_string(),
            caption: self.caption.trim().to_string(),
            credit: self.credit.trim().to_string(),
            takeaways,
            desk_heading: self.desk_heading.trim().to_string(),
            desk_text: self.desk_text.trim().to_string(),
            kicker: self.kicker.trim().to_string(),
            author_ids,
            section_id,
            tags,
            body,
            body_html,
            status,
            publish_at,
            pins,
        }))
    }
}

/// What publishing does to status and publish time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publication {
    /// Keep the status chosen in the form.
    AsChosen,
    /// The Publish button: live now, or at the future time typed.
    PublishNow,
    /// The Unpublish button: back to draft.
    Unpublish,
    /// The "Submit for review" button: saved as a draft that waits in the
    /// editors' review queue.
    Submit,
}

/// Why a publication was refused: the `publish_at` field's message.
pub const BACKDATE_MESSAGE: &str = "This time is in the past. Tick “Publish with this past date” to publish with it, or clear it to publish now, or choose a future time to schedule.";

/// The status and publish time to store. A typed time is never dropped: in
/// the future it schedules the article (whatever the status chosen), in the
/// past it needs `backdate` (else `Err`). An article already live keeps its
/// original publish time unless a different one is typed.
pub fn resolve_publication(
    chosen: ArticleStatus,
    publish_at: Option<NaiveDateTime>,
    action: Publication,
    existing: Option<&Article>,
    now: NaiveDateTime,
    backdate: bool,
) -> Result<(ArticleStatus, Option<NaiveDateTime>), &'static str> {
    let was_live = existing.is_some_and(|a| a.is_public(now));
    let original = existing.and_then(|a| a.published_at).filter(|_| was_live);
    if matches!(action, Publication::Unpublish | Publication::Submit)
        || (action == Publication::AsChosen && chosen == ArticleStatus::Draft)
    {
        return Ok((ArticleStatus::Draft, None));
    }
    // The form shows minutes, so the live article's own time comes back
    // without its seconds: that is not a new time.
    let same_as_original = |t: NaiveDateTime| {
        original.is_some_and(|o| o.and_utc().timestamp() / 60 == t.and_utc().timestamp() / 60)
    };
    match publish_at {
        None => match (original, chosen, action) {
            (Some(o), _, _) => Ok((ArticleStatus::Published, Some(o))),
            (None, ArticleStatus::Scheduled, Publication::AsChosen) => {
                // validate() already asks for a time; never publish instead.
                Err("Scheduled articles need a date and time to go live.")
            }
            _ => Ok((ArticleStatus::Published, Some(now))),
        },
        Some(t) if same_as_original(t) => Ok((ArticleStatus::Published, original)),
        Some(t) if t > now => Ok((ArticleStatus::Scheduled, Some(t))),
        // Within the current minute is "now", not a backdate.
        Some(t) if now - t < chrono::Duration::minutes(1) => {
            Ok((ArticleStatus::Published, Some(t)))
        }
        Some(_) if !backdate => Err(BACKDATE_MESSAGE),
        Some(t) => Ok((ArticleStatus::Published, Some(t))),
    }
}

/// What readers now get, in words, for the message after a save.
pub fn describe_publication(
    status: ArticleStatus,
    published_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
    tz: Tz,
) -> String {
    let when = |t: NaiveDateTime| {
        format!(
            "{} ({})",
            tz.from_utc_datetime(&t).format("%-d %B %Y, %H:%M"),
            tz.name()
        )
    };
    match (status, published_at) {
        (ArticleStatus::Draft, _) | (_, None) => "Saved as a draft: not public.".into(),
        (_, Some(t)) if t > now => format!("Scheduled: goes live {}.", when(t)),
        (_, Some(t)) if now - t < chrono::Duration::minutes(1) => "Published: live now.".into(),
        (_, Some(t)) => format!("Published: live now, dated {}.", when(t)),
    }
}

/// What happens to the lead image on save.
#[derive(Debug, Clone, Copy)]
pub enum ImageChange {
    Keep,
    Remove,
    Replace(i32),
}

/// The result of a save.
#[derive(Debug)]
pub enum SaveOutcome {
    Saved {
        id: i32,
        version: i32,
    },
    /// Someone saved a newer version first; nothing was written.
    Conflict,
    /// Another article took the slug between validation and saving; nothing was written.
    SlugTaken,
}

/// Everything one save needs.
pub struct Save<'a> {
    pub article_id: Option<i32>,
    pub started_from: Option<i32>,
    pub valid: &'a ValidArticle,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub image: ImageChange,
    /// What happens to the social image.
    pub social_image: ImageChange,
    /// Whether this save submits the draft for review.
    pub submit: bool,
    pub user_id: i32,
    pub now: NaiveDateTime,
    /// Pinned related articles to store, or `None` to leave the pins as they are.
    pub pins: Option<&'a [i32]>,
}

/// The full content of a stored article, as revisions keep it.
pub fn content_of(conn: &mut DbConn, article: &Article) -> QueryResult<ArticleContent> {
    Ok(ArticleContent {
        headline: article.headline.clone(),
        slug: article.slug.clone(),
        standfirst: article.standfirst.clone(),
        body: article.body.clone(),
        kicker: article.kicker.clone(),
        section_id: article.section_id,
        author_id: article.author_id,
        lead_image_id: article.lead_image_id,
        lead_image_alt: article.lead_image_alt.clone(),
        lead_image_caption: article.lead_image_caption.clone(),
        lead_image_credit: article.lead_image_credit.clone(),
        desk_heading: article.desk_heading.clone(),
        desk_text: article.desk_text.clone(),
        takeaways: article.takeaways(conn)?,
        tags: Tag::for_article(conn, article.id)?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        status: article.status.clone(),
        published_at: article.published_at,
        seo_title: article.seo_title.clone(),
        seo_description: article.seo_description.clone(),
        social_image_id: article.social_image_id,
        social_image_alt: article.social_image_alt.clone(),
        canonical_url: article.canonical_url.clone(),
        noindex: article.noindex,
        author_ids: Author::ids_for_article(conn, article.id)?,
    })
}

/// Creates or updates an article in one transaction: refuses (and writes
/// nothing) when the stored version is newer than the one the editor started
/// from; keeps the old slug of a published article; records a revision.
pub fn save(conn: &mut DbConn, s: Save<'_>) -> Result<SaveOutcome, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let v = s.valid;
        let existing = match s.article_id {
            Some(id) => Some(
                articles::table
                    .find(id)
                    .select(Article::as_select())
                    .first(conn)?,
            ),
            None => None,
        };
        let lead_image_id = match (s.image, &existing) {
            (ImageChange::Replace(id), _) => Some(id),
            (ImageChange::Remove, _) => None,
            (ImageChange::Keep, Some(a)) => a.lead_image_id,
            (ImageChange::Keep, None) => None,
        };
        let social_image_id = match (s.social_image, &existing) {
            (ImageChange::Replace(id), _) => Some(id),
            (ImageChange::Remove, _) => None,
            (ImageChange::Keep, Some(a)) => a.social_image_id,
            (ImageChange::Keep, None) => None,
        };
        let goes_live = s.status != ArticleStatus::Draft;
        // In the queue from a submit until it is returned or goes live;
        // an editor's plain save of a submitted draft leaves it there.
        let submitted_at = if s.submit {
            Some(s.now)
        } else if goes_live {
            None
        } else {
            existing.as_ref().and_then(|a| a.submitted_at)
        };
        let review_note = match &existing {
            Some(a) if !goes_live => a.review_note.as_str(),
            _ => "",
        };
        let search_fields = (
            articles::seo_title.eq(&v.seo_title),
            articles::seo_description.eq(&v.seo_description),
            articles::social_image_id.eq(social_image_id),
            articles::social_image_alt.eq(if social_image_id.is_some() {
                v.social_alt.as_str()
            } else {
                ""
            }),
            articles::canonical_url.eq(&v.canonical_url),
            articles::noindex.eq(v.noindex),
            articles::submitted_at.eq(submitted_at),
            articles::review_note.eq(review_note),
        );
        let changes = (
            articles::slug.eq(&v.slug),
            articles::headline.eq(&v.headline),
            articles::standfirst.eq(&v.standfirst),
            articles::body.eq(&v.body),
            articles::kicker.eq(&v.kicker),
            articles::section_id.eq(v.section_id),
            articles::author_id.eq(v.author_ids.first().copied()),
            articles::lead_image_id.eq(lead_image_id),
            articles::lead_image_alt.eq(if lead_image_id.is_some() {
                v.alt.as_str()
            } else {
                ""
            }),
            articles::lead_image_caption.eq(&v.caption),
            articles::lead_image_credit.eq(&v.credit),
            articles::desk_heading.eq(&v.desk_heading),
            articles::desk_text.eq(&v.desk_text),
            articles::status.eq(s.status.as_str()),
            articles::published_at.eq(s.published_at),
            articles::updated_at.eq(s.now),
            articles::word_count.eq(count_words(&v.body)),
            articles::body_html.eq(Some(&v.body_html)),
            articles::updated_by.eq(Some(s.user_id)),
        );
        // The row is written in a savepoint: a slug that another save took
        // after this one was validated fails the unique index, and that
        // becomes the slug's field error instead of a 500.
        let written = conn.transaction(|conn| match &existing {
            Some(old) => {
                let started = s.started_from.unwrap_or(0);
                // The version check and the write are one statement, so two
                // simultaneous saves cannot both succeed.
                let updated = diesel::update(
                    articles::table
                        .filter(articles::id.eq(old.id))
                        .filter(articles::version.eq(started)),
                )
                .set((changes, search_fields, articles::version.eq(started + 1)))
                .execute(conn)?;
                if updated == 0 {
                    return Ok(None);
                }
                let was_public =
                    old.status != ArticleStatus::Draft.as_str() && old.published_at.is_some();
                if old.slug != v.slug && was_public {
                    revision::remember_slug(conn, old.id, &old.slug, &v.slug)?;
                }
                Ok(Some((old.id, started + 1)))
            }
            None => {
                let id: i32 = diesel::insert_into(articles::table)
                    .values((
                        changes,
                        search_fields,
                        articles::created_at.eq(s.now),
                        articles::created_by.eq(Some(s.user_id)),
                        articles::version.eq(1),
                    ))
                    .returning(articles::id)
                    .get_result(conn)?;
                Ok(Some((id, 1)))
            }
        });
        let (id, version) = match written {
            Ok(Some(row)) => row,
            Ok(None) => return Ok(SaveOutcome::Conflict),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => return Ok(SaveOutcome::SlugTaken),
            Err(e) => return Err(e.into()),
        };
        Article::set_takeaways(conn, id, &v.takeaways)?;
        diesel::delete(article_tags::table.filter(article_tags::article_id.eq(id)))
            .execute(conn)?;
        for name in &v.tags {
            let tag = Tag::find_or_create(conn, &slugify(name), name)?;
            Tag::attach(conn, id, tag.id)?;
        }
        Author::set_for_article(conn, id, &v.author_ids)?;
        crate::models::media_library::record_body_uses(conn, id, &v.body)?;
        if let Some(pins) = &s.pins {
            crate::models::related::set_pins(conn, id, pins)?;
        }
        let stored = articles::table
            .find(id)
            .select(Article::as_select())
            .first(conn)?;
        if existing.as_ref().is_some_and(|a| a.is_public(s.now)) || stored.is_public(s.now) {
            public_change::record(conn, s.now)?;
        }
        let content = content_of(conn, &stored)?;
        revision::record(conn, id, version, Some(s.user_id), &content, s.now)?;
        // The related refresh is asked for in the save's own transaction, so
        // a crash right after the save cannot lose it.
        crate::models::related_index::request_job(conn, id, s.now)?;
        Ok(SaveOutcome::Saved { id, version })
    })
}

/// A revision's content as a form, ready to save again (restoring is a new save).
pub fn valid_from_content(c: &ArticleContent) -> ValidArticle {
    ValidArticle {
        headline: c.headline.clone(),
        slug: c.slug.clone(),
        standfirst: c.standfirst.clone(),
        alt: c.lead_image_alt.clone(),
        caption: c.lead_image_caption.clone(),
        credit: c.lead_image_credit.clone(),
        takeaways: c.takeaways.clone(),
        desk_heading: c.desk_heading.clone(),
        desk_text: c.desk_text.clone(),
        kicker: c.kicker.clone(),
        author_ids: c.authors(),
        section_id: c.section_id,
        tags: c.tags.clone(),
        body: c.body.clone(),
        body_html: markdown::render_or_escape(&c.body),
        status: match c.status.as_str() {
            "published" => ArticleStatus::Published,
            "scheduled" => ArticleStatus::Scheduled,
            _ => ArticleStatus::Draft,
        },
        publish_at: c.published_at,
        pins: Vec::new(),
        seo_title: c.seo_title.clone(),
        seo_description: c.seo_description.clone(),
        social_alt: c.social_image_alt.clone(),
        canonical_url: c.canonical_url.clone(),
        noindex: c.noindex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_must_be_lowercase_letters_digits_and_single_hyphens() {
        assert!(is_valid_slug("night-ferry-2027"));
        for bad in ["", "Night", "a--b", "-a", "a-", "a b", "é"] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn local_times_convert_from_the_site_time_zone() {
        let utc = parse_local_datetime("2027-03-12T10:30", chrono_tz::Europe::Berlin).unwrap();
        assert_eq!(utc.to_string(), "2027-03-12 09:30:00");
        assert_eq!(
            format_local_datetime(utc, chrono_tz::Europe::Berlin),
            "2027-03-12T10:30"
        );
        assert!(parse_local_datetime("tomorrow", Tz::UTC).is_none());
    }
}
