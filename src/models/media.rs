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
use crate::schema::{article_media, articles, authors, deleted_media, media};

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
/// or social image of an article that is public by [`public_at`], shown in
/// the body of one (`article_media`), or an author's photo.
/// Anything else is `NotFound`.
pub fn find_public(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<i32> {
    let (id, original_id) = find_copy(conn, token)?;
    let image = original_id.unwrap_or(id);
    if is_public_image(conn, image, now)? {
        Ok(id)
    } else {
        Err(diesel::result::Error::NotFound)
    }
}

/// Whether readers may see image `image`: an author's photo, or the lead,
/// social or body image of a public article. The articles that use it are
/// found through the image's own indexes first, and only those are checked
/// against the public rule. Asked as one statement (`lead_image_id = ? AND
/// public`), SQLite chose to walk the public archive looking for the image:
/// 3.8 s at 100,000 articles for an image no public article uses.
fn is_public_image(conn: &mut DbConn, image: i32, now: NaiveDateTime) -> QueryResult<bool> {
    let photo: bool = diesel::select(dsl::exists(
        authors::table.filter(authors::photo_id.eq(image)),
    ))
    .get_result(conn)?;
    if photo {
        return Ok(true);
    }
    let mut users: Vec<i32> = articles::table
        .filter(
            articles::lead_image_id
                .eq(image)
                .or(articles::social_image_id.eq(image)),
        )
        .select(articles::id)
        .load(conn)?;
    users.extend(
        article_media::table
            .filter(article_media::media_id.eq(image))
            .select(article_media::article_id)
            .load::<i32>(conn)?,
    );
    for ids in users.chunks(500) {
        let public: bool = diesel::select(dsl::exists(
            articles::table
                .filter(articles::id.eq_any(ids))
                .filter(public_at(now)),
        ))
        .get_result(conn)?;
        if public {
            return Ok(true);
        }
    }
    Ok(false)
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
                media::aspect.eq(copy.aspect),
            ))
            .returning(media::id)
            .get_result(conn)?;
        original.get_or_insert(id);
    }
    original.ok_or(diesel::result::Error::NotFound)
}

/// One stored copy of an image: a `srcset` candidate, a crop or a WebP copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrcsetCopy {
    /// The image the copy belongs to (the original's id).
    pub image_id: i32,
    pub token: String,
    pub width: i32,
    /// `""` for the image's own shape, else the crop's (`crate::crops::ASPECTS`).
    pub aspect: String,
    pub content_type: String,
}

/// Every stored copy of images (widths, crops, WebP), narrowest first, each
/// image itself included: one query for all a page shows of them.
pub fn srcset_candidates(conn: &mut DbConn, image_ids: &[i32]) -> QueryResult<Vec<SrcsetCopy>> {
    let copies: Vec<(i32, Option<i32>, String, i32, String, String)> = media::table
        .filter(
            media::original_id
                .eq_any(image_ids)
                .or(media::id.eq_any(image_ids)),
        )
        .select((
            media::id,
            media::original_id,
            media::token,
            media::width,
            media::aspect,
            media::content_type,
        ))
        .order((media::width.asc(), media::id.asc()))
        .load(conn)?;
    Ok(copies
        .into_iter()
        .map(
            |(id, original, token, width, aspect, content_type)| SrcsetCopy {
                image_id: original.unwrap_or(id),
                token,
                width,
                aspect,
                content_type,
            },
        )
        .collect())
}

/// The `srcset` attribute value for one image from its candidates (its own
/// shape, JPEG or PNG), linked as `url` says.
pub fn srcset_for(image_id: i32, candidates: &[SrcsetCopy], url: MediaUrl) -> Option<String> {
    let parts: Vec<String> = candidates
        .iter()
        .filter(|c| c.image_id == image_id && c.aspect.is_empty())
        .filter(|c| c.content_type != crate::images::WEBP)
        .map(|c| format!("{} {}w", url.path(&c.token), c.width))
        .collect();
    (parts.len() > 1).then(|| parts.join(", "))
}

/// The `srcset` of an image's WebP copies (its own shape), for a `<picture>`
/// `<source type="image/webp">`; `None` when it has none.
pub fn webp_srcset_for(image_id: i32, candidates: &[SrcsetCopy], url: MediaUrl) -> Option<String> {
    let parts: Vec<String> = candidates
        .iter()
        .filter(|c| c.image_id == image_id && c.aspect.is_empty())
        .filter(|c| c.content_type == crate::images::WEBP)
        .map(|c| format!("{} {}w", url.path(&c.token), c.width))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The path of an image's crop of `aspect`, if it has one.
pub fn crop_path(
    image_id: i32,
    candidates: &[SrcsetCopy],
    aspect: &str,
    url: MediaUrl,
) -> Option<String> {
    candidates
        .iter()
        .rev()
        .find(|c| c.image_id == image_id && c.aspect == aspect)
        .map(|c| url.path(&c.token))
}

/// Stores new crops of image `id` around `focal` in place of its old ones
/// (whose URLs then answer 410, like a deleted image's), and records a
/// public change: pages list crops in their structured data. Call inside a
/// write transaction.
pub fn replace_crops(
    conn: &mut DbConn,
    id: i32,
    focal: (i32, i32),
    crops: &[crate::images::Encoded],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let updated = diesel::update(
        media::table
            .filter(media::id.eq(id))
            .filter(media::original_id.is_null()),
    )
    .set((media::focal_x.eq(focal.0), media::focal_y.eq(focal.1)))
    .execute(conn)?;
    if updated == 0 {
        return Err(diesel::result::Error::NotFound);
    }
    let old = media::table
        .filter(media::original_id.eq(id))
        .filter(media::aspect.ne(""));
    let tokens: Vec<String> = old.select(media::token).load(conn)?;
    remember_deleted(conn, &tokens, now)?;
    diesel::delete(old).execute(conn)?;
    for crop in crops {
        diesel::insert_into(media::table)
            .values((
                media::content_type.eq(crop.content_type),
                media::width.eq(crop.width as i32),
                media::height.eq(crop.height as i32),
                media::data.eq(&crop.data),
                media::created_at.eq(now),
                media::original_id.eq(Some(id)),
                media::token.eq(new_token()),
                media::aspect.eq(crop.aspect),
            ))
            .execute(conn)?;
    }
    crate::models::public_change::record(conn, now)
}

/// Records the tokens of images about to be deleted, so their URLs answer
/// 410 Gone rather than 404.
pub fn remember_deleted(
    conn: &mut DbConn,
    tokens: &[String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for token in tokens {
        diesel::insert_into(deleted_media::table)
            .values((
                deleted_media::token.eq(token),
                deleted_media::deleted_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// An image's crops: (aspect, token, width, height), in the order of
/// `crate::crops::ASPECTS`'s stored rows.
pub fn crops(conn: &mut DbConn, id: i32) -> QueryResult<Vec<(String, String, i32, i32)>> {
    media::table
        .filter(media::original_id.eq(id))
        .filter(media::aspect.ne(""))
        .filter(media::content_type.ne(crate::images::WEBP))
        .order(media::id.asc())
        .select((media::aspect, media::token, media::width, media::height))
        .load(conn)
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
