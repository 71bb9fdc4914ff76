//! The mapping of `crate::wordpress` (its module doc has the table): the
//! importer's state while the WXR stream goes by, one method per kind of
//! record, and the lead images set once every attachment has been seen.
//! Longer than most files because each row of that table is a few rules
//! (statuses, slugs, sections from nested categories, old addresses) that
//! read best next to the others they interact with.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use chrono::NaiveDateTime;

use super::wxr::{Record, WpAuthor, WpCategory, WpItem, WpTag};
use super::{body, Summary, PAGES_SECTION};
use crate::db::DbConn;
use crate::error::AppError;
use crate::models::article::count_words;
use crate::models::article_form::limits;
use crate::models::export::{self as rows, ArticleExport, ArticleRow};
use crate::models::permalink::{self, Target};
use crate::models::ArticleStatus;
use crate::slug::slugify;

/// How long a section, tag or author name may be (as the newsroom forms allow).
const MAX_NAME_CHARS: usize = 80;

/// What became of an attachment.
enum Attachment {
    /// Stored as an image: its id, alt text and caption.
    Stored {
        id: i32,
        alt: String,
        caption: String,
    },
    /// Only its address is in the file.
    Elsewhere(String),
    /// Its bytes are not an image Broadsheet takes.
    Refused,
}

/// The import's state while the file streams through: ids given so far, and
/// what WordPress's names and ids became.
pub(super) struct Importer<'o> {
    own_origin: &'o str,
    now: NaiveDateTime,
    summary: Summary,
    categories: HashMap<String, WpCategory>,
    /// Section id by the nicename of its top-level category.
    sections: HashMap<String, i32>,
    section_slugs: HashSet<String>,
    pages_section: Option<i32>,
    /// Author id by WordPress login.
    authors: HashMap<String, i32>,
    author_slugs: HashSet<String>,
    /// Tag id by Broadsheet slug.
    tags: HashMap<String, i32>,
    article_slugs: HashSet<String>,
    permalinks: HashSet<String>,
    /// By WordPress post id.
    attachments: HashMap<String, Attachment>,
    /// (article id, attachment post id, the post as named in notes).
    featured: Vec<(i32, String, String)>,
    last_article: i32,
}

impl<'o> Importer<'o> {
    pub(super) fn new(own_origin: &'o str, now: NaiveDateTime) -> Self {
        Importer {
            own_origin,
            now,
            summary: Summary::default(),
            categories: HashMap::new(),
            sections: HashMap::new(),
            section_slugs: HashSet::new(),
            pages_section: None,
            authors: HashMap::new(),
            author_slugs: HashSet::new(),
            tags: HashMap::new(),
            article_slugs: HashSet::new(),
            permalinks: HashSet::new(),
            attachments: HashMap::new(),
            featured: Vec::new(),
            last_article: 0,
        }
    }

    pub(super) fn take(&mut self, conn: &mut DbConn, record: Record) -> Result<(), AppError> {
        match record {
            Record::Author(a) => self.author(conn, &a).map(drop),
            Record::Category(c) => self.category(conn, c),
            Record::Tag(t) => self.declared_tag(conn, &t),
            Record::Item(item) => {
                self.summary.comments += item.comments;
                match item.post_type.as_str() {
                    "post" | "page" => self.article(conn, &item),
                    "attachment" => self.attachment(conn, &item),
                    other => {
                        let kind = if other.is_empty() { "(no type)" } else { other };
                        *self.summary.skipped_types.entry(kind.into()).or_default() += 1;
                        Ok(())
                    }
                }
            }
        }
    }

    fn author(&mut self, conn: &mut DbConn, a: &WpAuthor) -> Result<i32, AppError> {
        let login = a.login.trim();
        if let Some(id) = self.authors.get(login) {
            return Ok(*id);
        }
        let name = body::decode_entities(&first_nonempty(&[&a.display_name, login], "Staff"));
        let slug = unique(
            &mut self.author_slugs,
            &slug_or(&slugify(login), &slugify(&name), "author"),
        );
        let id = next_id(self.summary.authors);
        // WordPress's author archive is at the login, made URL-safe.
        for archive in [login, slug.as_str()] {
            self.old_address(conn, Target::Author, &format!("/author/{archive}"), id)?;
        }
        rows::insert_author(
            conn,
            &rows::AuthorRow {
                id,
                slug,
                name: truncate(&name, MAX_NAME_CHARS),
                bio: String::new(),
                photo_id: None,
                link_x: String::new(),
                link_mastodon: String::new(),
                link_bluesky: String::new(),
                link_linkedin: String::new(),
                link_website: String::new(),
                kind: crate::models::author::AuthorKind::Person.as_str().into(),
            },
        )?;
        self.summary.authors += 1;
        self.authors.insert(login.to_string(), id);
        Ok(id)
    }

    fn category(&mut self, conn: &mut DbConn, c: WpCategory) -> Result<(), AppError> {
        let nicename = c.nicename.trim().to_string();
        let top_level = c.parent.trim().is_empty();
        self.categories.insert(nicename.clone(), c);
        if top_level {
            self.section(conn, &nicename, "")?;
        }
        Ok(())
    }

    /// The section of the top-level category `nicename` (made on first use).
    fn section(&mut self, conn: &mut DbConn, nicename: &str, name: &str) -> Result<i32, AppError> {
        if let Some(id) = self.sections.get(nicename) {
            return Ok(*id);
        }
        let declared = self.categories.get(nicename);
        let name = body::decode_entities(&first_nonempty(
            &[
                declared.map_or("", |c| c.name.as_str()),
                name,
                &decoded(nicename),
            ],
            "Section",
        ));
        let description = declared.map_or(String::new(), |c| body::plain_text(&c.description));
        let slug = unique(
            &mut self.section_slugs,
            &slug_or(&slugify(&decoded(nicename)), &slugify(&name), "section"),
        );
        let id = next_id(self.summary.sections);
        rows::insert_section(
            conn,
            &rows::SectionRow {
                id,
                slug,
                name: truncate(&name, MAX_NAME_CHARS),
                description: truncate(&description, 500),
                position: id,
            },
        )?;
        self.summary.sections += 1;
        self.sections.insert(nicename.to_string(), id);
        if !nicename.starts_with('\0') {
            self.old_address(conn, Target::Section, &format!("/category/{nicename}"), id)?;
        }
        Ok(id)
    }

    /// The nicename of the top-level category above `nicename` (itself at the top).
    fn root_of(&self, nicename: &str) -> String {
        let mut current = nicename.to_string();
        // Bounded: a loop of parents in a broken export stops here.
        for _ in 0..32 {
            match self.categories.get(&current) {
                Some(c)
                    if !c.parent.trim().is_empty()
                        && self.categories.contains_key(c.parent.trim()) =>
                {
                    current = c.parent.trim().to_string();
                }
                _ => break,
            }
        }
        current
    }

    /// `/category/parent/child`, the archive address of a category.
    fn category_path(&self, nicename: &str) -> String {
        let mut path = vec![nicename.to_string()];
        for _ in 0..32 {
            let parent = self
                .categories
                .get(path.last().map_or("", String::as_str))
                .map(|c| c.parent.trim().to_string())
                .filter(|p| !p.is_empty() && self.categories.contains_key(p));
            match parent {
                Some(p) => path.push(p),
                None => break,
            }
        }
        path.reverse();
        format!("/category/{}", path.join("/"))
    }

    fn declared_tag(&mut self, conn: &mut DbConn, t: &WpTag) -> Result<(), AppError> {
        self.wp_tag(conn, &t.name, &t.slug).map(drop)
    }

    /// A WordPress tag, with its archive address `/tag/slug`.
    fn wp_tag(
        &mut self,
        conn: &mut DbConn,
        name: &str,
        nicename: &str,
    ) -> Result<Option<i32>, AppError> {
        let id = self.tag(conn, name, nicename)?;
        if let Some(id) = id {
            self.old_address(conn, Target::Tag, &format!("/tag/{}", nicename.trim()), id)?;
        }
        Ok(id)
    }

    /// Records an old address (a path, or `?p=` form) of `target` `id`,
    /// unless an earlier row took it; says whether it was recorded.
    fn old_address(
        &mut self,
        conn: &mut DbConn,
        target: Target,
        address: &str,
        id: i32,
    ) -> Result<bool, AppError> {
        let key = if address.starts_with('?') {
            Some(address.to_string())
        } else {
            permalink::path_key(address)
        };
        match key {
            Some(key) if self.permalinks.insert(key.clone()) => {
                permalink::record(conn, target, &key, id)?;
                self.summary.redirects += 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The tag named `name` (slug from `nicename`, else the name), made on first use.
    fn tag(
        &mut self,
        conn: &mut DbConn,
        name: &str,
        nicename: &str,
    ) -> Result<Option<i32>, AppError> {
        let name = body::decode_entities(&first_nonempty(&[name, &decoded(nicename)], ""));
        let slug = slug_or(&slugify(&decoded(nicename)), &slugify(&name), "");
        if slug.is_empty() {
            return Ok(None);
        }
        if let Some(id) = self.tags.get(&slug) {
            return Ok(Some(*id));
        }
        let id = next_id(self.summary.tags);
        rows::insert_tag(
            conn,
            &rows::TagRow {
                id,
                slug: slug.clone(),
                name: truncate(&name, limits::TAG),
            },
        )?;
        self.summary.tags += 1;
        self.tags.insert(slug, id);
        Ok(Some(id))
    }

    fn attachment(&mut self, conn: &mut DbConn, item: &WpItem) -> Result<(), AppError> {
        let wp_id = item.post_id.trim().to_string();
        let url = item.attachment_url.trim().to_string();
        let outcome = match &item.attachment_data {
            None => {
                self.summary.attachments_without_bytes += 1;
                Attachment::Elsewhere(url)
            }
            Some(data) => match image_from_base64(data) {
                Ok(copies) => {
                    let id = crate::models::media::store_upload(conn, &copies, self.now)?;
                    self.summary.images += 1;
                    Attachment::Stored {
                        id,
                        alt: truncate(
                            &body::decode_entities(&first_nonempty(
                                &[
                                    item.meta("_wp_attachment_image_alt").unwrap_or(""),
                                    &item.title,
                                ],
                                "",
                            )),
                            limits::ALT,
                        ),
                        caption: truncate(&body::plain_text(&item.excerpt), limits::CAPTION),
                    }
                }
                Err(why) => {
                    self.summary
                        .notes
                        .push(format!("attachment {wp_id} ({url}): {why}; not imported"));
                    Attachment::Refused
                }
            },
        };
        self.attachments.insert(wp_id, outcome);
        Ok(())
    }

    fn article(&mut self, conn: &mut DbConn, item: &WpItem) -> Result<(), AppError> {
        let wp_id = item.post_id.trim();
        let is_page = item.post_type == "page";
        let title = body::decode_entities(&item.title);
        let title = title.as_str();
        let label = format!("{} {wp_id} “{}”", item.post_type, truncate(title, 60));
        let date = parse_time(&item.post_date_gmt).or_else(|| parse_time(&item.post_date));
        let modified = parse_time(&item.post_modified_gmt);
        let trashed = item.status == "trash";
        let status = if trashed {
            item.meta("_wp_trash_meta_status").unwrap_or("draft")
        } else {
            item.status.as_str()
        };
        let protected = !item.password.is_empty();
        let (status, published_at, submitted_at) = match status {
            "publish" | "future" if protected => {
                self.note(
                    &label,
                    "is password-protected: imported as a draft, not public",
                );
                (ArticleStatus::Draft, None, None)
            }
            "publish" => (
                ArticleStatus::Published,
                Some(date.unwrap_or(self.now)),
                None,
            ),
            "future" => (
                ArticleStatus::Scheduled,
                Some(date.unwrap_or(self.now)),
                None,
            ),
            "draft" => (ArticleStatus::Draft, None, None),
            "pending" => (
                ArticleStatus::Draft,
                None,
                Some(modified.unwrap_or(self.now)),
            ),
            "private" => {
                self.note(&label, "is private: imported as a draft, not public");
                (ArticleStatus::Draft, None, None)
            }
            other => {
                self.note(&label, &format!("has the status {other:?}: not imported"));
                return Ok(());
            }
        };
        let deleted_at = trashed.then(|| {
            item.meta("_wp_trash_meta_time")
                .and_then(|t| t.trim().parse::<i64>().ok())
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                .map_or(self.now, |t| t.naive_utc())
        });

        let section_id = if is_page {
            Some(self.pages_section(conn)?)
        } else {
            None
        };
        let mut section_id = section_id;
        let mut tag_ids: Vec<i32> = Vec::new();
        for term in &item.terms {
            let tag = match term.domain.as_str() {
                "category" => {
                    let nicename = term.nicename.trim();
                    let root = self.root_of(nicename);
                    if section_id.is_none() {
                        section_id = Some(self.section(conn, &root, &term.name)?);
                        if root == nicename {
                            continue;
                        }
                    }
                    // A child category, or a category beyond the first: a tag.
                    let name = self
                        .categories
                        .get(nicename)
                        .map_or(term.name.clone(), |c| c.name.clone());
                    let tag = self.tag(conn, &name, nicename)?;
                    if let Some(id) = tag {
                        let archive = self.category_path(nicename);
                        self.old_address(conn, Target::Tag, &archive, id)?;
                    }
                    tag
                }
                "post_tag" => self.wp_tag(conn, &term.name, &term.nicename)?,
                _ => None,
            };
            if let Some(id) = tag.filter(|id| !tag_ids.contains(id)) {
                tag_ids.push(id);
            }
        }
        let author_id = match item.creator.trim() {
            "" => None,
            login => Some(self.author(
                conn,
                &WpAuthor {
                    login: login.to_string(),
                    display_name: String::new(),
                },
            )?),
        };

        let wanted = if trashed {
            item.meta("_wp_desired_post_slug")
                .unwrap_or(item.post_name.as_str())
        } else {
            item.post_name.as_str()
        };
        let wanted = decoded(wanted.trim_end_matches("__trashed"));
        let base = truncate_slug(&slug_or(
            &slugify(&wanted),
            &slugify(title),
            &format!("{}-{wp_id}", item.post_type),
        ));
        let slug = unique(&mut self.article_slugs, &base);

        let (markdown, kept_html) = body::to_markdown(&item.content);
        if kept_html {
            self.note(
                &label,
                "has a body too large or too deeply nested to convert: kept as HTML",
            );
        }
        if markdown.chars().count() > limits::BODY {
            self.note(
                &label,
                &format!(
                    "has a body over {} characters: shorten it before saving it",
                    limits::BODY
                ),
            );
        }
        let body_html = crate::markdown::render_for_site(&markdown, self.own_origin)
            .unwrap_or_else(|_| crate::markdown::render_or_escape(&markdown));
        let headline = match title {
            "" => format!("Untitled {} {wp_id}", item.post_type),
            t => truncate(t, limits::HEADLINE),
        };
        let created_at = date.or(modified).unwrap_or(self.now);
        self.last_article += 1;
        let id = self.last_article;
        let article = ArticleExport {
            article: ArticleRow {
                id,
                slug,
                headline,
                standfirst: truncate(&body::plain_text(&item.excerpt), limits::STANDFIRST),
                body: markdown.clone(),
                kicker: String::new(),
                section_id,
                author_id,
                lead_image_id: None,
                lead_image_alt: String::new(),
                lead_image_caption: String::new(),
                lead_image_credit: String::new(),
                desk_heading: String::new(),
                desk_text: String::new(),
                status: status.as_str().to_string(),
                published_at,
                created_at,
                updated_at: modified.unwrap_or(created_at),
                deleted_at,
                version: 1,
                word_count: count_words(&markdown),
                created_by: None,
                updated_by: None,
                submitted_at,
                review_note: String::new(),
                seo_title: String::new(),
                seo_description: String::new(),
                social_image_id: None,
                social_image_alt: String::new(),
                canonical_url: String::new(),
                noindex: false,
            },
            takeaways: Vec::new(),
            tag_ids,
            // A WordPress post has one author: `author_id` alone credits it.
            author_ids: Vec::new(),
            old_slugs: Vec::new(),
            revisions: Vec::new(),
            notes: Vec::new(),
            live_coverage: None,
            live_posts: Vec::new(),
        };
        rows::insert_article(conn, &article, &body_html, &[])?;

        let mut keys: Vec<String> = permalink::link_key(&item.link).into_iter().collect();
        if let Ok(number) = wp_id.parse::<u64>() {
            keys.push(format!("?p={number}"));
            if is_page {
                keys.push(format!("?page_id={number}"));
            }
        }
        for key in keys {
            if !self.old_address(conn, Target::Article, &key, id)? && !key.starts_with('?') {
                self.note(
                    &label,
                    &format!("has the address {key} of an earlier item: not redirected"),
                );
            }
        }
        if let Some(thumbnail) = item.meta("_thumbnail_id") {
            self.featured
                .push((id, thumbnail.trim().to_string(), label));
        }
        let counted = match (status, submitted_at, deleted_at) {
            (_, _, Some(_)) => "in the trash",
            (ArticleStatus::Published, _, _) => "published",
            (ArticleStatus::Scheduled, _, _) => "scheduled",
            (ArticleStatus::Draft, Some(_), _) => "in review",
            (ArticleStatus::Draft, None, _) => "draft",
        };
        *self.summary.articles.entry(counted).or_default() += 1;
        if is_page {
            self.summary.pages += 1;
        }
        Ok(())
    }

    /// The section pages go to, made for the first page.
    fn pages_section(&mut self, conn: &mut DbConn) -> Result<i32, AppError> {
        if let Some(id) = self.pages_section {
            return Ok(id);
        }
        // Keyed by a name no category can have (XML text cannot hold NUL).
        let id = self.section(conn, "\0pages", PAGES_SECTION)?;
        self.pages_section = Some(id);
        Ok(id)
    }

    fn note(&mut self, label: &str, what: &str) {
        self.summary.notes.push(format!("{label} {what}"));
    }

    /// Lead images (their attachments may come after the posts), PostgreSQL's
    /// id sequences, and the public change that tells running servers.
    pub(super) fn finish(mut self, conn: &mut DbConn) -> Result<Summary, AppError> {
        for (article_id, thumbnail, label) in std::mem::take(&mut self.featured) {
            let missing = match self.attachments.get(&thumbnail) {
                Some(Attachment::Stored { id, alt, caption }) => {
                    crate::models::wordpress::set_lead_image(conn, article_id, *id, alt, caption)?;
                    continue;
                }
                Some(Attachment::Elsewhere(url)) => {
                    let listed = format!("{label} ({url})");
                    self.summary.featured_elsewhere.push(listed);
                    continue;
                }
                Some(Attachment::Refused) => {
                    "has a featured image that could not be read: imported without it".into()
                }
                None => format!(
                    "has a featured image (attachment {thumbnail}) that is not in the file: \
                     imported without it"
                ),
            };
            self.note(&label, &missing);
        }
        rows::reset_sequences(conn)?;
        crate::models::public_change::record(conn, self.now)?;
        Ok(self.summary)
    }
}

/// The stored copies of an embedded image, or why it cannot be one.
fn image_from_base64(data: &str) -> Result<Vec<crate::images::Encoded>, String> {
    let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() / 4 * 3 > crate::images::MAX_UPLOAD_BYTES {
        return Err(format!(
            "its file is over {} MB",
            crate::images::MAX_UPLOAD_BYTES >> 20
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| format!("its embedded data is not base64 ({e})"))?;
    crate::images::process_upload(&bytes)
}

/// The next id of a table that has `count` rows from this import (ids from 1).
fn next_id(count: usize) -> i32 {
    i32::try_from(count + 1).unwrap_or(i32::MAX)
}

/// A WordPress time (`2026-11-14 08:30:00`); `None` for its zero date.
fn parse_time(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S").ok()
}

/// A nicename as WordPress stores it (non-ASCII percent-encoded), decoded.
fn decoded(nicename: &str) -> String {
    percent_encoding::percent_decode_str(nicename.trim())
        .decode_utf8_lossy()
        .into_owned()
}

fn first_nonempty(candidates: &[&str], fallback: &str) -> String {
    candidates
        .iter()
        .map(|c| c.trim())
        .find(|c| !c.is_empty())
        .unwrap_or(fallback)
        .to_string()
}

fn slug_or(slug: &str, second: &str, fallback: &str) -> String {
    [slug, second]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or(fallback)
        .to_string()
}

/// `wanted`, or with `-2`, `-3` … until it is not among `taken`; then taken.
fn unique(taken: &mut HashSet<String>, wanted: &str) -> String {
    let mut slug = wanted.to_string();
    let mut n = 2;
    while taken.contains(&slug) {
        slug = format!("{wanted}-{n}");
        n += 1;
    }
    taken.insert(slug.clone());
    slug
}

/// At most `max` characters (a word-safe end is not needed for these fields).
fn truncate(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].trim_end().to_string(),
        None => text.to_string(),
    }
}

/// A slug short enough for the article form (room left for a `-N` suffix).
fn truncate_slug(slug: &str) -> String {
    truncate(slug, limits::SLUG - 6)
        .trim_end_matches('-')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_unique_in_order() {
        let mut taken = HashSet::new();
        assert_eq!(unique(&mut taken, "ferry"), "ferry");
        assert_eq!(unique(&mut taken, "ferry"), "ferry-2");
        assert_eq!(unique(&mut taken, "ferry"), "ferry-3");
    }

    #[test]
    fn wordpress_zero_dates_are_no_dates() {
        assert!(parse_time("0000-00-00 00:00:00").is_none());
        assert_eq!(
            parse_time("2026-11-14 08:30:00").unwrap().to_string(),
            "2026-11-14 08:30:00"
        );
    }
}
