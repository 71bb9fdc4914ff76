//! Signed-in admin sessions, one row each, so that every app instance agrees
//! the moment one ends. The browser holds a random token (inside the session
//! cookie); only its SHA-256 hash is stored, so a copy of this table signs
//! nobody in. A fast hash is enough: the token is 256 random bits, not a
//! password that could be guessed.
//!
//! Expired rows are never read (every lookup filters on both limits) and are
//! deleted whenever someone signs in, which is rare enough to be free and
//! frequent enough to keep the table to the live sessions.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::DbConn;
use crate::models::user::User;
use crate::schema::{admin_sessions, users};

/// A session ends after this long without a request.
pub const IDLE_MINUTES: i64 = 120;
/// A session ends this long after sign-in, however busy: a stolen token dies
/// by itself even if the thief keeps using it.
pub const ABSOLUTE_HOURS: i64 = 12;
/// `last_seen_at` is written at most this often, so most admin requests cost
/// one indexed read and no write. The idle limit is exact to within this.
const TOUCH_AFTER_SECONDS: i64 = 60;

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The oldest `last_seen_at` a live session may have at `now` (exactly
/// `IDLE_MINUTES` idle still counts as live), and the `created_at` it must be
/// newer than.
fn limits(now: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
    (
        now - Duration::minutes(IDLE_MINUTES),
        now - Duration::hours(ABSOLUTE_HOURS),
    )
}

/// Starts a session for `user_id` under `token` (made by the caller from a
/// secure random source), and deletes every expired session.
pub fn start(conn: &mut DbConn, token: &str, user_id: i32, now: NaiveDateTime) -> QueryResult<()> {
    let (idle_since, born_since) = limits(now);
    diesel::delete(
        admin_sessions::table.filter(
            admin_sessions::last_seen_at
                .lt(idle_since)
                .or(admin_sessions::created_at.le(born_since)),
        ),
    )
    .execute(conn)?;
    diesel::insert_into(admin_sessions::table)
        .values((
            admin_sessions::token_hash.eq(hash(token)),
            admin_sessions::user_id.eq(user_id),
            admin_sessions::created_at.eq(now),
            admin_sessions::last_seen_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The account `token` signs in: the session must be live and the account
/// not disabled. One read by primary key (joined to the user by theirs);
/// marks the session as seen when it was last marked a minute or more ago.
pub fn signed_in_user(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<User>> {
    let token_hash = hash(token);
    let (idle_since, born_since) = limits(now);
    let found: Option<(User, NaiveDateTime)> = admin_sessions::table
        .inner_join(users::table)
        .filter(admin_sessions::token_hash.eq(&token_hash))
        .filter(admin_sessions::last_seen_at.ge(idle_since))
        .filter(admin_sessions::created_at.gt(born_since))
        .filter(users::disabled.eq(false))
        .select((User::as_select(), admin_sessions::last_seen_at))
        .first(conn)
        .optional()?;
    let Some((user, last_seen)) = found else {
        return Ok(None);
    };
    if now - last_seen >= Duration::seconds(TOUCH_AFTER_SECONDS) {
        diesel::update(admin_sessions::table.find(token_hash.as_str()))
            .set(admin_sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(user))
}

/// Ends the session of `token` (signing out).
pub fn end(conn: &mut DbConn, token: &str) -> QueryResult<()> {
    diesel::delete(admin_sessions::table.find(hash(token)))
        .execute(conn)
        .map(|_| ())
}

/// Ends every session of an account, on every device; returns how many.
pub fn end_all_for_user(conn: &mut DbConn, user_id: i32) -> QueryResult<usize> {
    diesel::delete(admin_sessions::table.filter(admin_sessions::user_id.eq(user_id))).execute(conn)
}

/// How many live sessions each account has (accounts with none are absent).
pub fn live_counts(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<HashMap<i32, usize>> {
    let (idle_since, born_since) = limits(now);
    let owners: Vec<i32> = admin_sessions::table
        .filter(admin_sessions::last_seen_at.ge(idle_since))
        .filter(admin_sessions::created_at.gt(born_since))
        .select(admin_sessions::user_id)
        .load(conn)?;
    let mut counts = HashMap::new();
    for owner in owners {
        *counts.entry(owner).or_insert(0) += 1;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::hash;

    #[test]
    fn tokens_are_stored_as_sha256_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
