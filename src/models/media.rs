//! Uploaded images, stored in the database so every app instance can serve them.
//!
//! Each stored copy has an unguessable token that names it in URLs. Readers get
//! an image only while a public article or an author uses it
//! ([`find_public`]); the newsroom gets any image behind the session.

use chrono::NaiveDateTime;
use diesel::dsl;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::article::public_at;
use crate::schema::{articles, authors, deleted_media, media};

/// What pages need to know about an image, without its bytes.
#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = media)]
pub struct MediaInfo {
    pub id: i32,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub token: String,
}

/// Which URL a page links an image by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaUrl {
    /// `/media/{token}`: answers only while readers may see the image.
    Public,
    /// `/admin/media/{token}`: any image, for signed-in users (the article
    /// form and previews show images of drafts and scheduled stories).
    Newsroom,
}

impl MediaUrl {
    /// The path of the stored copy named by `token`.
    pub fn path(self, token: &str) -> String {
        match self {
            MediaUrl::Public => format!("/media/{token}"),
            MediaUrl::Newsroom => format!("/admin/media/{token}"),
        }
    }
}

impl MediaInfo {
    /// The public path of the image.
    pub fn path(&self) -> String {
        MediaUrl::Public.path(&self.token)
    }

    /// The path of the image as `url` links it.
    pub fn path_in(&self, url: MediaUrl) -> String {
        url.path(&self.token)
    }
}

/// An image to be stored.
#[derive(Insertable, Debug)]
#[diesel(table_name = media)]
pub struct NewMedia {
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub data: Vec<u8>,
    pub created_at: NaiveDateTime,
}

/// A fresh token: 128 random bits as hex, so URLs cannot be guessed or walked.
fn new_token() -> String {
    crate::auth::random_hex(16)
}

/// Whether a token could be one of ours (32 lowercase hex digits); anything
/// else is a 404 without a query.
pub fn is_token(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The stored copy named by `token`, if readers may see it at `now`: its
/// image (the copy itself, or the original it was resized from) is the lead
/// or social image of an article that is public by [`public_at`], or an author's photo.
/// Anything else is `NotFound`.
pub fn find_public(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<i32> {
    let (id, original_id) = find_copy(conn, token)?;
    let image = original_id.unwrap_or(id);
    let in_public_article: bool = diesel::select(dsl::exists(
        articles::table
            .filter(
                articles::lead_image_id
                    .eq(image)
                    .or(articles::social_image_id.eq(image)),
            )
            .filter(public_at(now)),
    ))
    .get_result(conn)?;
    let public = in_public_article
        || diesel::select(dsl::exists(
            authors::table.filter(authors::photo_id.eq(image)),
        ))
        .get_result::<bool>(conn)?;
    if public {
        Ok(id)
    } else {
        Err(diesel::result::Error::NotFound)
    }
}

/// The stored copy named by `token`, whoever uses it (for the newsroom).
pub fn find_any(conn: &mut DbConn, token: &str) -> QueryResult<i32> {
    find_copy(conn, token).map(|(id, _)| id)
}

fn find_copy(conn: &mut DbConn, token: &str) -> QueryResult<(i32, Option<i32>)> {
    media::table
        .filter(media::token.eq(token))
        .select((media::id, media::original_id))
        .first(conn)
}

/// An image's facts (size, type, token) without its bytes.
pub fn info(conn: &mut DbConn, id: i32) -> QueryResult<MediaInfo> {
    media::table
        .find(id)
        .select(MediaInfo::as_select())
        .first(conn)
}

/// [`info`], or `None` for an image that is not there (a page shows no
/// picture rather than failing).
pub fn info_if_any(conn: &mut DbConn, id: i32) -> QueryResult<Option<MediaInfo>> {
    info(conn, id).optional()
}

/// Loads an image's content type and bytes.
pub fn load_bytes(conn: &mut DbConn, id: i32) -> QueryResult<(String, Vec<u8>)> {
    media::table
        .find(id)
        .select((media::content_type, media::data))
        .first(conn)
}

/// Stores an image and returns its id.
pub fn create(conn: &mut DbConn, new: &NewMedia) -> QueryResult<i32> {
    diesel::insert_into(media::table)
        .values((new, media::token.eq(new_token())))
        .returning(media::id)
        .get_result(conn)
}

/// Stores the copies of an upload (widest first); the widest is the image,
/// the others point at it. Returns the image's id.
pub fn store_upload(
    conn: &mut DbConn,
    copies: &[crate::images::Encoded],
    now: NaiveDateTime,
) -> QueryResult<i32> {
    let mut original = None;
    for copy in copies {
        let id: i32 = diesel::insert_into(media::table)
            .values((
                media::content_type.eq(copy.content_type),
                media::width.eq(copy.width as i32),
                media::height.eq(copy.height as i32),
                media::data.eq(&copy.data),
                media::created_at.eq(now),
                media::original_id.eq(original),
                media::token.eq(new_token()),
            ))
            .returning(media::id)
            .get_result(conn)?;
        original.get_or_insert(id);
    }
    original.ok_or(diesel::result::Error::NotFound)
}

/// One stored copy of an image, as a `srcset` candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrcsetCopy {
    /// The image the copy belongs to (the original's id).
    pub image_id: i32,
    pub token: String,
    pub width: i32,
}

/// `srcset` candidates for images, narrowest first, each image itself included.
pub fn srcset_candidates(conn: &mut DbConn, image_ids: &[i32]) -> QueryResult<Vec<SrcsetCopy>> {
    let copies: Vec<(i32, Option<i32>, String, i32)> = media::table
        .filter(
            media::original_id
                .eq_any(image_ids)
                .or(media::id.eq_any(image_ids)),
        )
        .select((media::id, media::original_id, media::token, media::width))
        .order(media::width.asc())
        .load(conn)?;
    Ok(copies
        .into_iter()
        .map(|(id, original, token, width)| SrcsetCopy {
            image_id: original.unwrap_or(id),
            token,
            width,
        })
        .collect())
}

/// The `srcset` attribute value for one image from its candidates, linked as `url` says.
pub fn srcset_for(image_id: i32, candidates: &[SrcsetCopy], url: MediaUrl) -> Option<String> {
    let parts: Vec<String> = candidates
        .iter()
        .filter(|c| c.image_id == image_id)
        .map(|c| format!("{} {}w", url.path(&c.token), c.width))
        .collect();
    (parts.len() > 1).then(|| parts.join(", "))
}

/// The stored paths of images by id, as `url` links them (for pages that
/// hold only ids, such as the authors list).
pub fn paths(
    conn: &mut DbConn,
    ids: &[i32],
    url: MediaUrl,
) -> QueryResult<std::collections::HashMap<i32, String>> {
    let rows: Vec<(i32, String)> = media::table
        .filter(media::id.eq_any(ids))
        .select((media::id, media::token))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, token)| (id, url.path(&token)))
        .collect())
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
    /// Articles (trashed ones included) whose lead or social image it is: (id, headline, status, trashed).
    pub articles: Vec<(i32, String, String, bool)>,
    /// Authors whose photo it is, by name.
    pub authors: Vec<String>,
}

impl LibraryImage {
    /// Whether it may be deleted: no article outside the trash and no author uses it.
    pub fn deletable(&self) -> bool {
        self.authors.is_empty() && self.articles.iter().all(|(.., trashed)| *trashed)
    }
}

/// How many images (originals, not their resized copies) are stored.
pub fn library_count(conn: &mut DbConn) -> QueryResult<i64> {
    media::table
        .filter(media::original_id.is_null())
        .count()
        .get_result(conn)
}

type LibraryRow = (i32, String, i32, i32, String, NaiveDateTime);
/// An article using an image: (image, id, headline, status, deleted at).
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

const LIBRARY_COLUMNS: (
    media::id,
    media::token,
    media::width,
    media::height,
    media::content_type,
    media::created_at,
) = (
    media::id,
    media::token,
    media::width,
    media::height,
    media::content_type,
    media::created_at,
);

/// Library entries for image rows: what uses each, in two queries.
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
    let used_by_authors: Vec<(Option<i32>, String)> = authors::table
        .filter(authors::photo_id.eq_any(&ids))
        .order(authors::name.asc())
        .select((authors::photo_id, authors::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, token, width, height, content_type, created_at)| LibraryImage {
                articles: used_by_articles
                    .iter()
                    .filter(|a| a.0 == Some(id) || a.1 == Some(id))
                    .map(|a| (a.2, a.3.clone(), a.4.clone(), a.5.is_some()))
                    .collect(),
                authors: used_by_authors
                    .iter()
                    .filter(|a| a.0 == Some(id))
                    .map(|a| a.1.clone())
                    .collect(),
                id,
                token,
                width,
                height,
                content_type,
                created_at,
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
            .filter(|(.., trashed)| !trashed)
            .map(|(_, headline, status, _)| format!("the {status} article “{headline}”"))
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
    let tokens: Vec<String> = media::table
        .filter(media::id.eq(id).or(media::original_id.eq(id)))
        .select(media::token)
        .load(conn)?;
    for token in &tokens {
        diesel::insert_into(deleted_media::table)
            .values((
                deleted_media::token.eq(token),
                deleted_media::deleted_at.eq(now),
            ))
            .execute(conn)?;
    }
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

/// Whether `token` named an image that was deleted.
pub fn was_deleted(conn: &mut DbConn, token: &str) -> QueryResult<bool> {
    diesel::select(dsl::exists(
        deleted_media::table.filter(deleted_media::token.eq(token)),
    ))
    .get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_hex_and_nothing_else_passes_as_one() {
        let (a, b) = (new_token(), new_token());
        assert!(is_token(&a) && is_token(&b));
        assert_ne!(a, b);
        assert!(!is_token("12"));
        assert!(!is_token(&a.to_uppercase()));
        assert!(!is_token(&format!("{a}0")));
    }
}
