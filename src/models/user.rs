//! Newsroom accounts: email, display name, role, argon2id password hash.

use argon2::password_hash::rand_core::OsRng;
use std::sync::Mutex;

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::AppError;
use crate::models::admin_session;
use crate::schema::{login_failures, users};

/// What an account may do. Ordered: each role can do all the one before can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Writes and edits own drafts; cannot publish.
    Contributor,
    /// Edits and publishes any article; manages sections, tags and authors.
    Editor,
    /// All of that, plus users.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 3] = [Role::Contributor, Role::Editor, Role::Admin];

    /// The stored form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// The label shown to people.
    pub const fn label(self) -> &'static str {
        match self {
            Role::Contributor => "Contributor",
            Role::Editor => "Editor",
            Role::Admin => "Admin",
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// An account.
#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    /// The account's own author profile: new articles are credited to it and
    /// the article list offers "My articles".
    pub author_id: Option<i32>,
}

impl User {
    /// The account's role (an unknown stored value counts as the lowest).
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Contributor)
    }

    /// Whether the account has at least `role`.
    pub fn can(&self, role: Role) -> bool {
        self.role() >= role
    }

    /// The account with this id.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<User> {
        users::table.find(id).select(User::as_select()).first(conn)
    }

    /// The account with this email (compared in lower case).
    pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::email.eq(normalise_email(email)))
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    /// Links the account to its author profile (`None`: no profile); `Ok(false)`
    /// when that author does not exist. Sessions stay: this changes no access.
    pub fn set_author(conn: &mut DbConn, id: i32, author_id: Option<i32>) -> QueryResult<bool> {
        use crate::schema::authors;
        if let Some(author_id) = author_id {
            let found: Option<i32> = authors::table
                .find(author_id)
                .select(authors::id)
                .first(conn)
                .optional()?;
            if found.is_none() {
                return Ok(false);
            }
        }
        diesel::update(users::table.find(id))
            .set(users::author_id.eq(author_id))
            .execute(conn)?;
        Ok(true)
    }

    /// Every account, by name.
    pub fn all(conn: &mut DbConn) -> QueryResult<Vec<User>> {
        users::table
            .order(users::name.asc())
            .select(User::as_select())
            .load(conn)
    }

    /// Creates an account; the password is hashed with argon2id.
    pub fn create(
        conn: &mut DbConn,
        email: &str,
        name: &str,
        role: Role,
        password: &str,
        now: NaiveDateTime,
    ) -> Result<i32, AppError> {
        let hash = hash_password(password)?;
        Ok(diesel::insert_into(users::table)
            .values((
                users::email.eq(normalise_email(email)),
                users::name.eq(name.trim()),
                users::role.eq(role.as_str()),
                users::password_hash.eq(hash),
                users::disabled.eq(false),
                users::created_at.eq(now),
            ))
            .returning(users::id)
            .get_result(conn)?)
    }

    /// Replaces an account's password and ends all its sessions: whoever
    /// knew the old password (or holds a cookie from then) is signed out.
    pub fn set_password(conn: &mut DbConn, id: i32, password: &str) -> Result<(), AppError> {
        let hash = hash_password(password)?;
        conn.transaction(|conn| {
            diesel::update(users::table.find(id))
                .set(users::password_hash.eq(hash))
                .execute(conn)?;
            admin_session::end_all_for_user(conn, id)
        })?;
        Ok(())
    }

    /// Changes role and whether the account may sign in. If either changed,
    /// the account's sessions end, so the person signs in again under the
    /// new rules (or, disabled, cannot); returns whether they did.
    pub fn set_role_and_disabled(
        conn: &mut DbConn,
        id: i32,
        role: Role,
        disabled: bool,
    ) -> QueryResult<bool> {
        conn.transaction(|conn| {
            let changed = diesel::update(
                users::table.find(id).filter(
                    users::role
                        .ne(role.as_str())
                        .or(users::disabled.ne(disabled)),
                ),
            )
            .set((users::role.eq(role.as_str()), users::disabled.eq(disabled)))
            .execute(conn)?;
            if changed > 0 {
                admin_session::end_all_for_user(conn, id)?;
            }
            Ok(changed > 0)
        })
    }
}

/// Emails are matched case-insensitively: stored and looked up in lower case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// An argon2id hash with a random salt, in PHC string form.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
}

/// Argon2's working memory (19 MiB with the default parameters) for at most
/// two password checks at once, allocated once and reused. Allocating it per
/// check left up to 19 MiB resident in each blocking thread's malloc arena:
/// about 300 MB after a few dozen sign-ins.
static WORK_AREAS: [Mutex<Vec<Block>>; 2] = [Mutex::new(Vec::new()), Mutex::new(Vec::new())];

/// Runs `work` with a work area of at least `blocks` blocks, waiting when
/// both are in use.
fn with_work_area<T>(blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    let mut area = WORK_AREAS
        .iter()
        .find_map(|m| m.try_lock().ok())
        .unwrap_or_else(|| WORK_AREAS[0].lock().unwrap_or_else(|e| e.into_inner()));
    if area.len() < blocks {
        area.resize(blocks, Block::new());
    }
    work(&mut area[..blocks])
}

/// Whether `password` matches the stored hash (argon2, with the parameters
/// the hash names; the comparison is constant-time).
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let Ok(version) = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let computed = with_work_area(params.block_count(), |blocks| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
    });
    computed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
}

/// Sign-in throttling: password checks are counted per account and per client
/// address within a window, in the database so every app instance agrees.
///
/// A row of `login_failures` is a password check that was let through and
/// has not (yet) succeeded: it is written before the check and removed when
/// the password turns out right.
pub mod throttle {
    use super::*;

    /// How far back failures count.
    pub const WINDOW_MINUTES: i64 = 15;
    /// Failures allowed per account within the window.
    pub const PER_ACCOUNT: i64 = 5;
    /// Failures allowed per client address within the window (several people may share one).
    pub const PER_CLIENT: i64 = 20;

    /// Claims one password check for this email from this client; false
    /// means sign-in is paused and no check may run.
    ///
    /// The attempt is recorded first and counted after, each statement on its
    /// own (never inside a transaction, where others could not see the row
    /// before they count). So the k-th attempt to be recorded counts at least
    /// k rows, and however many arrive at once, at most `PER_ACCOUNT` (and
    /// `PER_CLIENT`) see a count within the limit, on SQLite and PostgreSQL
    /// alike. A refused claim is withdrawn, so only checks that ran count.
    pub fn claim_check(
        conn: &mut DbConn,
        email: &str,
        client: &str,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        let email = normalise_email(email);
        let claim: i32 = diesel::insert_into(login_failures::table)
            .values((
                login_failures::email.eq(&email),
                login_failures::client.eq(client),
                login_failures::failed_at.eq(now),
            ))
            .returning(login_failures::id)
            .get_result(conn)?;
        let since = now - chrono::Duration::minutes(WINDOW_MINUTES);
        let for_account: i64 = login_failures::table
            .filter(login_failures::email.eq(&email))
            .filter(login_failures::failed_at.gt(since))
            .count()
            .get_result(conn)?;
        let for_client: i64 = login_failures::table
            .filter(login_failures::client.eq(client))
            .filter(login_failures::failed_at.gt(since))
            .count()
            .get_result(conn)?;
        if for_account <= PER_ACCOUNT && for_client <= PER_CLIENT {
            return Ok(true);
        }
        diesel::delete(login_failures::table.find(claim)).execute(conn)?;
        Ok(false)
    }

    /// Forgets an account's failures after it signs in.
    pub fn clear(conn: &mut DbConn, email: &str) -> QueryResult<()> {
        diesel::delete(
            login_failures::table.filter(login_failures::email.eq(normalise_email(email))),
        )
        .execute(conn)
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin > Role::Editor && Role::Editor > Role::Contributor);
        assert_eq!(Role::parse("editor"), Some(Role::Editor));
        assert_eq!(Role::parse("root"), None);
    }
}
