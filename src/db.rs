//! The database layer: one connection type for SQLite and PostgreSQL, chosen
//! from the URL scheme, a pool with per-connection set-up, embedded
//! migrations, and `run()` to do database work off the async workers.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, CustomizeConnection, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel::RunQueryDsl;
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
///
/// Refuses a database that has migrations this binary does not know (a newer
/// Broadsheet migrated it). On PostgreSQL the work happens under an advisory
/// lock, so instances started together on an empty database migrate it once:
/// the others wait, then find nothing left to do.
pub fn migrate(database_url: &str) -> Result<usize, AppError> {
    let ran = match Backend::from_url(database_url)? {
        Backend::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(&path).map_err(connection_error)?;
            // WAL mode is stored in the file: set it once here, before the pool opens.
            conn.batch_execute(
                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;",
            )?;
            let ran =
                run_known_migrations::<_, diesel::sqlite::Sqlite>(&mut conn, SQLITE_MIGRATIONS)?;
            // Without statistics SQLite guesses how selective each index is,
            // and at 100,000 articles some guesses walk every public article
            // (a tag page took 220 ms instead of 1). This analyses the tables
            // never analysed or much changed since, reading a sample of each
            // index (half a second on a 2 GB archive). Never on a small site:
            // statistics of near-empty tables make SQLite prefer scans, and
            // every insert into a growing archive would then scan.
            // Whether there is an article past the threshold: reads at most
            // that many index entries, unlike counting them all.
            let large = {
                use crate::schema::articles;
                use diesel::{OptionalExtension, QueryDsl};
                articles::table
                    .select(articles::id)
                    .offset(ANALYZE_FROM_ARTICLES - 1)
                    .first::<i32>(&mut conn)
                    .optional()?
                    .is_some()
            };
            if large {
                conn.batch_execute("PRAGMA analysis_limit = 400; PRAGMA optimize = 0x10002;")?;
            }
            ran
        }
        Backend::Postgres(url) => {
            let mut conn = PgConnection::establish(&url).map_err(connection_error)?;
            // Held by this session until unlocked or disconnected, so a crash
            // in the middle never leaves it taken.
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let ran = run_known_migrations::<_, diesel::pg::Pg>(&mut conn, POSTGRES_MIGRATIONS);
            let unlocked =
                conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            let ran = ran?;
            unlocked?;
            ran
        }
    };
    Ok(ran)
}

/// Articles from which start-up gives SQLite statistics (see [`migrate`]).
const ANALYZE_FROM_ARTICLES: i64 = 1_000;

/// The PostgreSQL advisory lock key that migrations run under ("BRDSHEET" in ASCII).
pub const MIGRATION_LOCK: i64 = 0x4252_4453_4845_4554;

/// The versions of the migrations this binary carries, oldest first.
pub fn known_migrations(database_url: &str) -> Result<Vec<String>, AppError> {
    fn versions<DB: diesel::backend::Backend>(
        source: &EmbeddedMigrations,
    ) -> Result<Vec<String>, AppError>
    where
        EmbeddedMigrations: MigrationSource<DB>,
    {
        let mut versions: Vec<String> = MigrationSource::<DB>::migrations(source)
            .map_err(migration_error)?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect();
        versions.sort();
        Ok(versions)
    }
    match Backend::from_url(database_url)? {
        Backend::Sqlite(_) => versions::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS),
        Backend::Postgres(_) => versions::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS),
    }
}

/// Refuses a database migrated past this binary, then runs what is pending.
fn run_known_migrations<C, DB>(conn: &mut C, source: EmbeddedMigrations) -> Result<usize, AppError>
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: MigrationSource<DB>,
{
    let known: std::collections::HashSet<String> = MigrationSource::<DB>::migrations(&source)
        .map_err(migration_error)?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let applied = conn.applied_migrations().map_err(migration_error)?;
    let mut unknown: Vec<String> = applied
        .iter()
        .map(|v| v.to_string())
        .filter(|v| !known.contains(v))
        .collect();
    unknown.sort();
    if let Some(newest) = unknown.last() {
        return Err(AppError::Config(format!(
            "the database was migrated by a newer Broadsheet (migration {newest} is not one this \
             version knows); run that version or restore a backup made before the upgrade"
        )));
    }
    Ok(conn
        .run_pending_migrations(source)
        .map_err(migration_error)?
        .len())
}

/// How the pool is sized: `--db-pool-size` and `--db-timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub max_size: u32,
    /// How long a request waits for a free connection before a 503.
    pub connection_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_size: 8,
            connection_timeout: Duration::from_secs(5),
        }
    }
}

/// Migrates the database and builds the pool with the default settings.
pub fn connect(database_url: &str) -> Result<DbPool, AppError> {
    connect_with(database_url, PoolSettings::default())
}

/// Migrates the database and builds the pool. Nothing is served from a
/// database whose migrations are not all in.
pub fn connect_with(database_url: &str, settings: PoolSettings) -> Result<DbPool, AppError> {
    let backend = Backend::from_url(database_url)?;
    migrate(database_url)?;
    r2d2::Pool::builder()
        .max_size(settings.max_size.max(1))
        .connection_timeout(settings.connection_timeout)
        .connection_customizer(Box::new(ConnectionSetup))
        .build(DbManager { backend })
        .map_err(|e| AppError::Config(format!("cannot open the database: {e}")))
}

/// Runs `work` with SQLite's foreign-key checks off on this connection (on
/// again afterwards, whatever `work` returns). For bulk writes whose ids were
/// just read from their parent tables: each check reads a random parent row
/// (an article row spans several pages), and with checks on SQLite cannot
/// empty a table at once but deletes row by row. PostgreSQL: checks stay.
pub fn without_foreign_keys<T>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> diesel::QueryResult<T>,
) -> diesel::QueryResult<T> {
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    if sqlite {
        // The pragma takes effect only outside a transaction.
        conn.batch_execute("PRAGMA foreign_keys = OFF")?;
    }
    let done = work(conn);
    if sqlite {
        conn.batch_execute("PRAGMA foreign_keys = ON")?;
    }
    done
}

/// Refreshes the query planner's statistics after a bulk load (`generate`):
/// SQLite's `ANALYZE` over a sample of each index, PostgreSQL's `ANALYZE`.
pub fn analyze(conn: &mut DbConn) -> diesel::QueryResult<()> {
    let sql = match conn {
        DbConn::Sqlite(_) => "PRAGMA analysis_limit = 400; ANALYZE;",
        DbConn::Postgres(_) => "ANALYZE;",
    };
    conn.batch_execute(sql)
}

/// Gives the SQLite connection of a one-off bulk command a page cache of
/// `mib` MiB (the default is 2 MiB), so the tables and indexes being filled
/// are not read back from the file on every insert. SQLite's sorter (for
/// `CREATE INDEX`) may take as much again. PostgreSQL: nothing to do.
pub fn bulk_cache(conn: &mut DbConn, mib: u32) -> diesel::QueryResult<()> {
    if let DbConn::Sqlite(_) = conn {
        conn.batch_execute(&format!("PRAGMA cache_size = -{}", mib * 1024))?;
    }
    Ok(())
}

/// `broadsheet backup FILE`: a consistent copy of a SQLite database, taken
/// while the site serves (`VACUUM INTO` reads one snapshot; writers go on).
/// Never overwrites a file; PostgreSQL has its own tools.
pub fn backup(database_url: &str, file: &std::path::Path) -> Result<(), AppError> {
    let path = match Backend::from_url(database_url)? {
        Backend::Sqlite(path) => path,
        Backend::Postgres(_) => {
            return Err(AppError::Config(
                "`broadsheet backup` copies SQLite databases; for PostgreSQL use pg_dump \
                 (pg_dump --format=custom --file=FILE \"$DATABASE_URL\") and pg_restore to restore"
                    .into(),
            ))
        }
    };
    if file.exists() {
        return Err(AppError::Config(format!(
            "{} already exists: a backup never overwrites a file; choose a new name",
            file.display()
        )));
    }
    if !std::path::Path::new(&path).is_file() {
        return Err(AppError::Config(format!("there is no database at {path}")));
    }
    let name = file
        .file_name()
        .ok_or_else(|| AppError::Config(format!("{} is not a file name", file.display())))?;
    // Written beside the target under another name, then moved into place:
    // an interrupted backup never leaves a half-written FILE behind.
    let partial = file.with_file_name(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let partial_text = partial
        .to_str()
        .ok_or_else(|| AppError::Config(format!("{} is not UTF-8", file.display())))?
        .to_string();
    let _ = std::fs::remove_file(&partial);
    let mut conn = SqliteConnection::establish(&path).map_err(connection_error)?;
    conn.batch_execute("PRAGMA busy_timeout = 5000;")?;
    let copied = diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(&partial_text)
        .execute(&mut conn);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(AppError::Config(format!("the backup failed: {e}")));
    }
    // A hard link fails if FILE appeared meanwhile, where a rename would replace it.
    let placed = match std::fs::hard_link(&partial, file) {
        // A file system without hard links.
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists && !file.exists() => {
            std::fs::rename(&partial, file)
        }
        placed => placed,
    };
    let _ = std::fs::remove_file(&partial);
    placed.map_err(|e| AppError::Config(format!("cannot write {}: {e}", file.display())))
}

/// One round trip to the database (`/healthz`): whether it answers queries.
pub fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
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

/// Inside a write transaction, waits for any other instance holding the same
/// `key` (a transaction-level advisory lock on PostgreSQL, released at commit;
/// SQLite's write transaction already lets one writer in at a time).
pub fn serialize_writers(conn: &mut DbConn, key: i64) -> diesel::QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({key})")).execute(pg)?;
    }
    Ok(())
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
