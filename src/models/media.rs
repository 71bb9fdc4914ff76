//! Uploaded images, stored in the database so every app instance can serve them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::media;

/// What pages need to know about an image, without its bytes.
#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = media)]
pub struct MediaInfo {
    pub id: i32,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
}

impl MediaInfo {
    /// The stable public path of the image.
    pub fn path(&self) -> String {
        format!("/media/{}", self.id)
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
        .values(new)
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
            ))
            .returning(media::id)
            .get_result(conn)?;
        original.get_or_insert(id);
    }
    original.ok_or(diesel::result::Error::NotFound)
}

/// `srcset` candidates for images: (image id, copy id, copy width), the image itself included.
pub fn srcset_candidates(
    conn: &mut DbConn,
    image_ids: &[i32],
) -> QueryResult<Vec<(i32, i32, i32)>> {
    let copies: Vec<(i32, Option<i32>, i32)> = media::table
        .filter(
            media::original_id
                .eq_any(image_ids)
                .or(media::id.eq_any(image_ids)),
        )
        .select((media::id, media::original_id, media::width))
        .order(media::width.asc())
        .load(conn)?;
    Ok(copies
        .into_iter()
        .map(|(id, original, width)| (original.unwrap_or(id), id, width))
        .collect())
}

/// The `srcset` attribute value for one image from its candidates.
pub fn srcset_for(image_id: i32, candidates: &[(i32, i32, i32)]) -> Option<String> {
    let parts: Vec<String> = candidates
        .iter()
        .filter(|(original, _, _)| *original == image_id)
        .map(|(_, id, width)| format!("/media/{id} {width}w"))
        .collect();
    (parts.len() > 1).then(|| parts.join(", "))
}
