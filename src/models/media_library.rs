//! The media library's own data: each image's default alt text, caption and
//! credit (checked, stored, searched), and which images article bodies show
//! (`article_media`), so a body image is public exactly while a public
//! article shows it and cannot be deleted while anything uses it; the
//! library's pages of images with what uses each, and deleting unused ones.
//! (A little over 500 lines: what uses an image decides the library's rows,
//! its delete and its public rule, so they stay side by side.)

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::article_form::limits;
use crate::models::escape_like;
use crate::schema::{article_media, articles, authors, media};

/// The longest search accepted, in characters (longer is cut, not refused).
pub const MAX_QUERY: usize = 100;

/// An image's defaults, as stored and as the edit form shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ImageDetails {
    pub alt: String,
    pub caption: String,
    pub credit: String,
}

/// Per-field messages of the edit form, by field name.
pub type DetailErrors = std::collections::BTreeMap<&'static str, String>;

impl ImageDetails {
    /// The fields trimmed, or a message per field over its limit (the same
    /// limits as the article form's image fields).
    pub fn validate(&self) -> Result<ImageDetails, DetailErrors> {
        let mut errors = DetailErrors::new();
        let trimmed = ImageDetails {
            alt: self.alt.trim().to_string(),
            caption: self.caption.trim().to_string(),
            credit: self.credit.trim().to_string(),
        };
        for (field, text, max, what) in [
            ("alt", &trimmed.alt, limits::ALT, "alt text"),
            ("caption", &trimmed.caption, limits::CAPTION, "caption"),
            ("credit", &trimmed.credit, limits::CREDIT, "credit"),
        ] {
            if text.chars().count() > max {
                errors.insert(field, format!("Keep the {what} to {max} characters."));
            }
        }
        if errors.is_empty() {
            Ok(trimmed)
        } else {
            Err(errors)
        }
    }

    /// Whether all three are empty.
    pub fn is_empty(&self) -> bool {
        self.alt.is_empty() && self.caption.is_empty() && self.credit.is_empty()
    }

    /// The text the library's search looks in: the three, lowercased.
    fn search_text(&self) -> String {
        format!("{}\n{}\n{}", self.alt, self.caption, self.credit).to_lowercase()
    }
}

/// An image's stored defaults (`NotFound` for a copy or a missing image).
pub fn details(conn: &mut DbConn, id: i32) -> QueryResult<ImageDetails> {
    let (alt, caption, credit) = media::table
        .filter(media::id.eq(id))
        .filter(media::original_id.is_null())
        .select((media::alt, media::caption, media::credit))
        .first(conn)?;
    Ok(ImageDetails {
        alt,
        caption,
        credit,
    })
}

/// [`details`], or `None` for an id that names no image of the library.
pub fn details_if_any(conn: &mut DbConn, id: i32) -> QueryResult<Option<ImageDetails>> {
    details(conn, id).optional()
}

/// An image's focal point for crops: percent of its width and height.
pub fn focal_point(conn: &mut DbConn, id: i32) -> QueryResult<(i32, i32)> {
    media::table
        .filter(media::id.eq(id))
        .filter(media::original_id.is_null())
        .select((media::focal_x, media::focal_y))
        .first(conn)
}

/// Stores an image's defaults (checked by [`ImageDetails::validate`]).
/// Defaults show on no public page by themselves, so nothing is invalidated.
pub fn set_details(conn: &mut DbConn, id: i32, details: &ImageDetails) -> QueryResult<()> {
    let updated = diesel::update(
        media::table
            .filter(media::id.eq(id))
            .filter(media::original_id.is_null()),
    )
    .set((
        media::alt.eq(&details.alt),
        media::caption.eq(&details.caption),
        media::credit.eq(&details.credit),
        media::search_text.eq(details.search_text()),
    ))
    .execute(conn)?;
    match updated {
        0 => Err(diesel::result::Error::NotFound),
        _ => Ok(()),
    }
}

/// Gives an image the defaults an article typed for it, unless it has some
/// already (an upload from the article form; a reused image keeps its own).
pub fn adopt_details(conn: &mut DbConn, id: i32, typed: &ImageDetails) -> QueryResult<()> {
    if typed.is_empty() || !details(conn, id)?.is_empty() {
        return Ok(());
    }
    set_details(conn, id, typed)
}

/// What the search box asked for: trimmed, lowercased, at most [`MAX_QUERY`]
/// characters; `None` when empty.
pub fn normalise_query(typed: &str) -> Option<String> {
    let query: String = typed.trim().chars().take(MAX_QUERY).collect();
    (!query.is_empty()).then(|| query.to_lowercase())
}

/// The newest originals whose alt text, caption or credit contains `query`
/// (from [`normalise_query`]), at most `limit` of them: a walk of
/// `media_library_idx` newest first that never reads image bytes and stops
/// at the `limit`-th match.
pub fn search(conn: &mut DbConn, query: &str, limit: i64) -> QueryResult<Vec<i32>> {
    media::table
        .filter(media::original_id.is_null())
        .filter(
            media::search_text
                .like(format!("%{}%", escape_like(query)))
                .escape('\\'),
        )
        .order((media::created_at.desc(), media::id.desc()))
        .limit(limit)
        .select(media::id)
        .load(conn)
}

/// Recent images for the article form's picker: (id, label), newest first.
pub fn recent_choices(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(i32, String)>> {
    let rows: Vec<(i32, String, i32, i32)> = media::table
        .filter(media::original_id.is_null())
        .order((media::created_at.desc(), media::id.desc()))
        .limit(limit)
        .select((media::id, media::alt, media::width, media::height))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, alt, width, height)| {
            let alt: String = alt.chars().take(60).collect();
            let label = match alt.as_str() {
                "" => format!("#{id} ({width}×{height}, no alt text)"),
                _ => format!("#{id} {alt} ({width}×{height})"),
            };
            (id, label)
        })
        .collect())
}

/// The tokens of stored images a Markdown body links (`/media/` and 32 hex
/// digits), each once, in order of appearance.
pub fn body_tokens(body: &str) -> Vec<&str> {
    let mut tokens: Vec<&str> = Vec::new();
    for (at, _) in body.match_indices("/media/") {
        let rest = &body[at + "/media/".len()..];
        let Some(token) = rest.get(..32) else {
            continue;
        };
        let ends = rest[32..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        if ends && crate::models::media::is_token(token) && !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    tokens
}

/// Records which images `body` shows (by their originals), replacing what
/// was recorded for the article. Called in every save of a body.
pub fn record_body_uses(conn: &mut DbConn, article_id: i32, body: &str) -> QueryResult<()> {
    diesel::delete(article_media::table.filter(article_media::article_id.eq(article_id)))
        .execute(conn)?;
    let tokens = body_tokens(body);
    if tokens.is_empty() {
        return Ok(());
    }
    let found: Vec<(i32, Option<i32>)> = media::table
        .filter(media::token.eq_any(&tokens))
        .select((media::id, media::original_id))
        .load(conn)?;
    let mut images: Vec<i32> = found.iter().map(|(id, o)| o.unwrap_or(*id)).collect();
    images.sort_unstable();
    images.dedup();
    for image in images {
        diesel::insert_into(article_media::table)
            .values((
                article_media::article_id.eq(article_id),
                article_media::media_id.eq(image),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The Markdown that shows an image in a body, with its default alt text
/// (and caption and credit as a figure when it has them).
pub fn markdown_snippet(public_path: &str, details: &ImageDetails) -> String {
    let alt = details.alt.replace(['[', ']'], "");
    let mut snippet = format!("![{alt}]({public_path})");
    let credit = match details.credit.as_str() {
        "" => String::new(),
        credit => format!(" — Photo: {credit}"),
    };
    if !details.caption.is_empty() || !credit.is_empty() {
        snippet.push_str(&format!("\n*{}*{credit}", details.caption));
    }
    snippet
}

/// An image in the newsroom's library, with what uses it.
#[derive(Debug, Clone)]
pub struct LibraryImage {
    pub id: i32,
    pub token: String,
    pub width: i32,
    pub height: i32,
    pub content_type: String,
    pub created_at: NaiveDateTime,
    /// Its default alt text, caption and credit.
    pub details: ImageDetails,
    /// Articles (trashed ones included) that use it, as lead or social image or in the body.
    pub articles: Vec<ImageUse>,
    /// Authors whose photo it is, by name.
    pub authors: Vec<String>,
}

/// An article's use of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUse {
    pub article_id: i32,
    pub headline: String,
    pub status: String,
    pub trashed: bool,
    /// How the article uses it: "lead image", "social image", "in the body" (joined when several).
    pub how: String,
}

impl LibraryImage {
    /// Whether it may be deleted: no article outside the trash and no author uses it.
    pub fn deletable(&self) -> bool {
        self.authors.is_empty() && self.articles.iter().all(|a| a.trashed)
    }
}

/// How many images (originals, not their resized copies) are stored.
pub fn library_count(conn: &mut DbConn) -> QueryResult<i64> {
    media::table
        .filter(media::original_id.is_null())
        .count()
        .get_result(conn)
}

type LibraryRow = (
    i32,
    String,
    i32,
    i32,
    String,
    NaiveDateTime,
    String,
    String,
    String,
);
/// An article's body showing an image: (image, id, headline, status, deleted at).
type BodyUse = (i32, i32, String, String, Option<NaiveDateTime>);
/// An article using an image: (lead image, social image, id, headline, status, deleted at).
type ArticleUse = (
    Option<i32>,
    Option<i32>,
    i32,
    String,
    String,
    Option<NaiveDateTime>,
);

/// A page of the image library, newest first, with what uses each image.
pub fn library(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<Vec<LibraryImage>> {
    let rows: Vec<LibraryRow> = media::table
        .filter(media::original_id.is_null())
        .order((media::created_at.desc(), media::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(LIBRARY_COLUMNS)
        .load(conn)?;
    with_uses(conn, rows)
}

/// Library entries for the originals `ids` (a search's matches), newest first.
pub fn library_of(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<LibraryImage>> {
    let rows: Vec<LibraryRow> = media::table
        .filter(media::original_id.is_null())
        .filter(media::id.eq_any(ids))
        .order((media::created_at.desc(), media::id.desc()))
        .select(LIBRARY_COLUMNS)
        .load(conn)?;
    with_uses(conn, rows)
}

/// One original image of the library, with what uses it (`NotFound` for a copy).
pub fn library_entry(conn: &mut DbConn, id: i32) -> QueryResult<LibraryImage> {
    library_image(conn, id)
}

const LIBRARY_COLUMNS: (
    media::id,
    media::token,
    media::width,
    media::height,
    media::content_type,
    media::created_at,
    media::alt,
    media::caption,
    media::credit,
) = (
    media::id,
    media::token,
    media::width,
    media::height,
    media::content_type,
    media::created_at,
    media::alt,
    media::caption,
    media::credit,
);

/// Library entries for image rows: what uses each, in three queries.
fn with_uses(conn: &mut DbConn, rows: Vec<LibraryRow>) -> QueryResult<Vec<LibraryImage>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let used_by_articles: Vec<ArticleUse> = articles::table
        .filter(
            articles::lead_image_id
                .eq_any(&ids)
                .or(articles::social_image_id.eq_any(&ids)),
        )
        .order(articles::id.asc())
        .select((
            articles::lead_image_id,
            articles::social_image_id,
            articles::id,
            articles::headline,
            articles::status,
            articles::deleted_at,
        ))
        .load(conn)?;
    let in_bodies: Vec<BodyUse> = article_media::table
        .inner_join(articles::table)
        .filter(article_media::media_id.eq_any(&ids))
        .order(articles::id.asc())
        .select((
            article_media::media_id,
            articles::id,
            articles::headline,
            articles::status,
            articles::deleted_at,
        ))
        .load(conn)?;
    let used_by_authors: Vec<(Option<i32>, String)> = authors::table
        .filter(authors::photo_id.eq_any(&ids))
        .order(authors::name.asc())
        .select((authors::photo_id, authors::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, token, width, height, content_type, created_at, alt, caption, credit)| {
                let mut uses: Vec<ImageUse> = Vec::new();
                let mut add =
                    |article_id: i32, headline: &str, status: &str, trashed: bool, how: &str| {
                        match uses.iter_mut().find(|u| u.article_id == article_id) {
                            Some(known) => known.how = format!("{}, {how}", known.how),
                            None => uses.push(ImageUse {
                                article_id,
                                headline: headline.to_string(),
                                status: status.to_string(),
                                trashed,
                                how: how.to_string(),
                            }),
                        }
                    };
                for a in &used_by_articles {
                    if a.0 == Some(id) {
                        add(a.2, &a.3, &a.4, a.5.is_some(), "lead image");
                    }
                    if a.1 == Some(id) {
                        add(a.2, &a.3, &a.4, a.5.is_some(), "social image");
                    }
                }
                for b in in_bodies.iter().filter(|b| b.0 == id) {
                    add(b.1, &b.2, &b.3, b.4.is_some(), "in the body");
                }
                LibraryImage {
                    articles: uses,
                    authors: used_by_authors
                        .iter()
                        .filter(|a| a.0 == Some(id))
                        .map(|a| a.1.clone())
                        .collect(),
                    details: ImageDetails {
                        alt,
                        caption,
                        credit,
                    },
                    id,
                    token,
                    width,
                    height,
                    content_type,
                    created_at,
                }
            },
        )
        .collect())
}

/// What became of a delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    /// The image and its copies are gone; their URLs answer 410 from now on.
    Gone,
    /// Something still uses it (named for the editor); nothing was deleted.
    InUse(String),
}

/// Deletes an image (an original and its resized copies) that no article
/// outside the trash and no author uses; trashed articles that used it lose
/// their lead image. Every token is kept in `deleted_media`, so its URL says
/// 410 Gone. Call inside a write transaction; records the public change.
pub fn delete(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> QueryResult<Deleted> {
    let image = library_image(conn, id)?;
    if !image.deletable() {
        let mut users: Vec<String> = image
            .articles
            .iter()
            .filter(|a| !a.trashed)
            .map(|a| format!("the {} article “{}” ({})", a.status, a.headline, a.how))
            .collect();
        users.extend(image.authors.iter().map(|name| format!("{name}’s photo")));
        return Ok(Deleted::InUse(users.join(", ")));
    }
    diesel::update(articles::table.filter(articles::lead_image_id.eq(id)))
        .set(articles::lead_image_id.eq(None::<i32>))
        .execute(conn)?;
    diesel::update(articles::table.filter(articles::social_image_id.eq(id)))
        .set(articles::social_image_id.eq(None::<i32>))
        .execute(conn)?;
    diesel::delete(article_media::table.filter(article_media::media_id.eq(id))).execute(conn)?;
    let tokens: Vec<String> = media::table
        .filter(media::id.eq(id).or(media::original_id.eq(id)))
        .select(media::token)
        .load(conn)?;
    crate::models::media::remember_deleted(conn, &tokens, now)?;
    diesel::delete(media::table.filter(media::original_id.eq(id))).execute(conn)?;
    diesel::delete(media::table.find(id)).execute(conn)?;
    crate::models::public_change::record(conn, now)?;
    Ok(Deleted::Gone)
}

/// One original image of the library, with what uses it.
fn library_image(conn: &mut DbConn, id: i32) -> QueryResult<LibraryImage> {
    let row: LibraryRow = media::table
        .filter(media::original_id.is_null())
        .filter(media::id.eq(id))
        .select(LIBRARY_COLUMNS)
        .first(conn)?;
    with_uses(conn, vec![row])?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_tokens_are_found_once_each_and_only_whole() {
        let a = "0123456789abcdef0123456789abcdef";
        let b = "fedcba9876543210fedcba9876543210";
        let body = format!(
            "![x](/media/{a})\n![y](/media/{b}) and /media/{a} again, \
             /media/{a}ff is not one, nor /media/short"
        );
        assert_eq!(body_tokens(&body), vec![a, b]);
    }

    #[test]
    fn details_over_their_limits_are_refused_per_field() {
        let long = ImageDetails {
            alt: "a".repeat(limits::ALT + 1),
            caption: " A caption ".into(),
            credit: String::new(),
        };
        let errors = long.validate().unwrap_err();
        assert!(errors["alt"].contains("300"));
        assert!(!errors.contains_key("caption"));
        let ok = ImageDetails {
            alt: " Pier ".into(),
            ..ImageDetails::default()
        };
        assert_eq!(ok.validate().unwrap().alt, "Pier");
    }
}
