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
