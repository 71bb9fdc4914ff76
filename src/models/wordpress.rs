//! The one write `broadsheet import-wordpress` (see `crate::wordpress`) makes
//! beyond the export's inserts: a featured image, whose attachment may come
//! after its post in the file, set as the article's lead image afterwards.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::articles;

/// Sets an imported article's lead image with its alt text and caption.
pub fn set_lead_image(
    conn: &mut DbConn,
    article_id: i32,
    image_id: i32,
    alt: &str,
    caption: &str,
) -> QueryResult<()> {
    diesel::update(articles::table.find(article_id))
        .set((
            articles::lead_image_id.eq(Some(image_id)),
            articles::lead_image_alt.eq(alt),
            articles::lead_image_caption.eq(caption),
        ))
        .execute(conn)
        .map(drop)
}
