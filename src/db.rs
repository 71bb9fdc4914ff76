//! The database layer: one connection type for SQLite and PostgreSQL, chosen
//! from the URL scheme, a pool with per-connection set-up, embedded
//! migrations, and `run()` to do database work off the async workers.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, CustomizeConnection, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend; model functions take `&mut DbConn`.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// The backend type of `DbConn`, for boxed queries.
pub type DbBackend = <DbConn as Connection>::Backend;

/// The connection pool shared by the app.
pub type DbPool = r2d2::Pool<DbManager>;

/// Which backend a database URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file at this path.
    Sqlite(String),
    /// A PostgreSQL server; the URL is passed through unchanged.
    Postgres(String),
}

impl Backend {
    /// Picks the backend from the URL scheme. Anything but `sqlite://` and
    /// `postgres://` / `postgresql://` is refused, so a typo never silently
    /// creates a new SQLite file.
    pub fn from_url(url: &str) -> Result<Self, AppError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(AppError::Config(
                    "the sqlite:// URL has no file path".into(),
                ));
            }
            Ok(Backend::Sqlite(path.to_string()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres(url.to_string()))
        } else {
            let scheme = url.split_once("://").map_or(url, |(scheme, _)| scheme);
            Err(AppError::Config(format!(
                "unsupported database URL scheme {scheme:?}: use sqlite://PATH or postgres://USER@HOST/DB"
            )))
        }
    }
}

/// Opens connections for the pool, for the backend named by the URL.
#[derive(Debug)]
pub struct DbManager {
    backend: Backend,
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        // Establish the concrete connection ourselves: the derived
        // `establish` tries each backend and hides the real error.
        match &self.backend {
            Backend::Sqlite(path) => SqliteConnection::establish(path).map(DbConn::Sqlite),
            Backend::Postgres(url) => PgConnection::establish(url).map(DbConn::Postgres),
        }
        .map_err(r2d2::Error::ConnectionError)
    }

    /// Runs on every checkout. A SQLite connection is an open file that
    /// cannot go stale, so only a server connection pays for a round trip.
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        match conn {
            DbConn::Sqlite(_) => Ok(()),
            DbConn::Postgres(_) => conn.ping().map_err(r2d2::Error::QueryError),
        }
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

/// Per-connection settings: SQLite needs them on every pooled connection.
#[derive(Debug)]
struct ConnectionSetup;

impl CustomizeConnection<DbConn, r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        if let DbConn::Sqlite(sqlite) = conn {
            // The busy timeout comes first so the other statements wait for
            // locks instead of failing; WAL lets readers run beside the writer
            // (the file is already in WAL mode after `migrate`, so this is cheap).
            sqlite
                .batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Runs pending migrations for the URL's backend; returns how many ran.
pub fn migrate(database_url: &str) -> Result<usize, AppError> {
    let ran = match Backend::from_url(database_url)? {
        Backend::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(&path).map_err(connection_error)?;
            // WAL mode is stored in the file: set it once here, before the pool opens.
            conn.batch_execute(
                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;",
            )?;
            conn.run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(migration_error)?
                .len()
        }
        Backend::Postgres(url) => {
            let mut conn = PgConnection::establish(&url).map_err(connection_error)?;
            conn.run_pending_migrations(POSTGRES_MIGRATIONS)
                .map_err(migration_error)?
                .len()
        }
    };
    Ok(ran)
}

/// Migrates the database and builds the pool.
pub fn connect(database_url: &str) -> Result<DbPool, AppError> {
    let backend = Backend::from_url(database_url)?;
    migrate(database_url)?;
    r2d2::Pool::builder()
        .max_size(8)
        .connection_timeout(Duration::from_secs(5))
        .connection_customizer(Box::new(ConnectionSetup))
        .build(DbManager { backend })
        .map_err(|e| AppError::Config(format!("cannot open the database: {e}")))
}

/// Runs blocking database work on the blocking thread pool with a pooled connection.
pub async fn run<F, T>(pool: &DbPool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await?
}

/// Runs `work` in a transaction that takes the write lock before its first
/// statement: `BEGIN IMMEDIATE` on SQLite. A deferred transaction that reads
/// and then writes cannot wait for the lock when another writer got there
/// first (SQLite answers "database is locked" at once instead of calling the
/// busy handler), so every transaction that writes goes through here. Inside
/// an open transaction it is a savepoint; on PostgreSQL, row locks make a
/// plain transaction enough.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};

    let DbConn::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    if AnsiTransactionManager::transaction_manager_status_mut(sqlite)
        .transaction_depth()?
        .is_some()
    {
        return conn.transaction(work);
    }
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    type Manager = <DbConn as Connection>::TransactionManager;
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            Manager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

fn connection_error(e: diesel::ConnectionError) -> AppError {
    AppError::Config(format!("cannot connect to the database: {e}"))
}

fn migration_error(e: Box<dyn std::error::Error + Send + Sync>) -> AppError {
    AppError::Config(format!("database migration failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_comes_from_the_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://site.db").unwrap(),
            Backend::Sqlite("site.db".into())
        );
        assert!(matches!(
            Backend::from_url("postgres://u@localhost/db").unwrap(),
            Backend::Postgres(_)
        ));
        assert!(matches!(
            Backend::from_url("postgresql://u@localhost/db").unwrap(),
            Backend::Postgres(_)
        ));
    }

    #[test]
    fn unknown_schemes_and_bare_paths_are_refused() {
        for url in [
            "mysql://root@localhost/db",
            "broadsheet.db",
            "sqlite://",
            "file:site.db",
        ] {
            let err = Backend::from_url(url).unwrap_err().to_string();
            assert!(
                err.contains("database URL") || err.contains("file path"),
                "{url}: {err}"
            );
        }
    }
}
