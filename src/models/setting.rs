//! Site state kept in the database (for example, that demo content was loaded once).

use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::site_settings;

/// Reads a setting.
pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    site_settings::table
        .find(key)
        .select(site_settings::value)
        .first(conn)
        .optional()
}

/// Writes a setting, replacing any earlier value. Safe when another instance
/// writes the same new setting at the same moment: whoever finds it inserted
/// by the other updates it instead.
pub fn set(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<()> {
    let update = |conn: &mut DbConn| {
        diesel::update(site_settings::table.find(key))
            .set(site_settings::value.eq(value))
            .execute(conn)
    };
    if update(conn)? == 0 && insert_if_absent(conn, key, value)? == 0 {
        update(conn)?;
    }
    Ok(())
}

/// Writes a setting only if it has no value yet, atomically: of several
/// instances starting at once, the first writer wins and the others read its
/// value back (used for secrets every instance must share).
/// Returns how many rows it wrote (0 or 1).
pub fn insert_if_absent(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<usize> {
    let row = (site_settings::key.eq(key), site_settings::value.eq(value));
    Ok(match conn {
        DbConn::Sqlite(c) => diesel::insert_into(site_settings::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConn::Postgres(c) => diesel::insert_into(site_settings::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    })
}
