//! The store: all SQL of zhuqi, for SQLite (embedded default) and
//! PostgreSQL, through sqlx's `Any` driver so one set of `$1`-style queries
//! serves both. Migrations are embedded per engine.
//!
//! Reads use a pool; writes go through [`Store::begin`]. On SQLite the write
//! pool holds a single connection, so writers queue in-process instead of
//! failing with `SQLITE_BUSY`.

pub mod accounts;
pub mod assignments;
pub mod attachments;
pub mod audit;
pub mod backup;
pub mod batch;
pub mod catalogue;
pub mod demands;
pub mod departments;
pub mod enterprise_codes;
pub mod enterprises;
pub mod hot_issues;
pub mod import_support;
pub mod meta;
pub mod metrics;
pub mod officer_moves;
pub mod regions;
pub mod server_lock;
pub mod sessions;
mod sql;
pub mod sqlite_writer;
pub mod submit;
pub mod users;
pub mod visits;
pub mod webhooks;

pub use sql::{Page, Paged};
/// Re-exported so callers can `?` a transaction commit.
pub use sqlx::Error as SqlxError;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

/// The two engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Errors of the store. Constraint violations are told apart so the
/// application can turn them into field errors instead of 500s.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unique constraint violated: {0}")]
    Unique(String),
    #[error("foreign key violated: {0}")]
    ForeignKey(String),
    #[error("database error: {0}")]
    Db(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// An error of the SQLite group-commit writer's own connection.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The database is already being served by another process.
    #[error("{0}")]
    InUse(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            let msg = msg.clone().unwrap_or_else(|| f.to_string());
            match f.extended_code {
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    return StoreError::Unique(msg)
                }
                rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::ForeignKey(msg),
                _ => {}
            }
        }
        StoreError::Sqlite(e)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            let msg = db.message().to_string();
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => return StoreError::Unique(msg),
                sqlx::error::ErrorKind::ForeignKeyViolation => return StoreError::ForeignKey(msg),
                _ => {}
            }
        }
        StoreError::Db(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The engine behind a connection (or a transaction deref'd), for the few
/// statements that differ per engine: callers need not pass it along.
/// sqlx's `Any` names its backend with a constant string, so this costs a
/// comparison.
pub fn engine_of(c: &Conn) -> Engine {
    if c.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME {
        Engine::Postgres
    } else {
        Engine::Sqlite
    }
}

/// A write transaction.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;
/// A connection for reads (or a transaction deref'd).
pub type Conn = sqlx::AnyConnection;

/// Handle to the database.
#[derive(Debug, Clone)]
pub struct Store {
    read: AnyPool,
    write: AnyPool,
    engine: Engine,
    /// SQLite: the group commit on its own thread and connection.
    sqlite_writer: Option<sqlite_writer::SqliteWriter>,
    /// PostgreSQL: the bulk group commit of new demands.
    pg_submitter: Option<submit::PgSubmitter>,
    /// SQLite: the database file's path (see [`Store::claim_server`]).
    sqlite_file: Option<String>,
    /// The `--db` value connected to (its password never prints), for the
    /// PostgreSQL tools of a backup.
    url: zhuqi_domain::DatabaseUrl,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Turns a `--db` value into a connection URL: a `postgres://` URL is used
/// as is, anything else is a SQLite file path (created if missing).
pub fn database_url(db: &str) -> (Engine, String) {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        (Engine::Postgres, db.to_string())
    } else if db.starts_with("sqlite:") {
        (Engine::Sqlite, db.to_string())
    } else {
        (Engine::Sqlite, format!("sqlite://{db}?mode=rwc"))
    }
}

impl Store {
    /// Connects (without migrating).
    pub async fn connect(db: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (engine, url) = database_url(db);
        let opts = AnyConnectOptions::from_str(&url)?;
        match engine {
            Engine::Sqlite => {
                let pool = |n: u32| {
                    AnyPoolOptions::new()
                        .max_connections(n)
                        .min_connections(1)
                        .acquire_timeout(Duration::from_secs(30))
                        // A local file: no liveness ping on every checkout.
                        .test_before_acquire(false)
                        .after_connect(|conn, _| {
                            Box::pin(async move {
                                // Durable before acknowledged: WAL with a full fsync per commit.
                                for p in [
                                    "PRAGMA journal_mode = WAL",
                                    "PRAGMA synchronous = FULL",
                                    "PRAGMA foreign_keys = ON",
                                    "PRAGMA busy_timeout = 5000",
                                ] {
                                    conn.execute(p).await?;
                                }
                                Ok(())
                            })
                        })
                };
                let write = pool(1).connect_with(opts.clone()).await?;
                let read = pool(8).connect_with(opts).await?;
                let file = {
                    let mut c = write.acquire().await?;
                    attachments::sqlite_file(&mut c).await?
                };
                if file.is_empty() {
                    return Err(StoreError::Db(sqlx::Error::Configuration(
                        "an in-memory SQLite database is not supported: give a file path".into(),
                    )));
                }
                let sqlite_writer =
                    Some(sqlite_writer::SqliteWriter::spawn(std::path::Path::new(&file), write.clone())?);
                Ok(Self {
                    read,
                    write,
                    engine,
                    sqlite_writer,
                    pg_submitter: None,
                    sqlite_file: Some(file),
                    url: zhuqi_domain::DatabaseUrl::new(db),
                })
            }
            Engine::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await?;
                let pg_submitter =
                    Some(submit::PgSubmitter::spawn(pool.clone(), submit::PG_TASKS, submit::PG_MAX_BATCH));
                Ok(Self {
                    read: pool.clone(),
                    write: pool,
                    engine,
                    sqlite_writer: None,
                    pg_submitter,
                    sqlite_file: None,
                    url: zhuqi_domain::DatabaseUrl::new(db),
                })
            }
        }
    }

    /// Connects and applies the embedded migrations of the engine.
    pub async fn open(db: &str) -> Result<Self> {
        let s = Self::connect(db).await?;
        s.migrate().await?;
        Ok(s)
    }

    /// Applies pending migrations; returns how many were applied.
    pub async fn migrate(&self) -> Result<usize> {
        let m = match self.engine {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        };
        let before: i64 = self.applied_migrations().await.unwrap_or(0);
        m.run(&self.write).await?;
        let after = self.applied_migrations().await.unwrap_or(0);
        Ok(usize::try_from(after - before).unwrap_or(0))
    }

    async fn applied_migrations(&self) -> Result<i64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = $1")
            .bind(true)
            .fetch_one(&self.read)
            .await?;
        Ok(n)
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The `--db` value this store connected to.
    pub fn url(&self) -> &zhuqi_domain::DatabaseUrl {
        &self.url
    }

    /// Begins a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(self.write.begin().await?)
    }

    /// The write pool itself (SQLite: its one connection), for a group
    /// commit outside the store that must take turns with [`Store::begin`]
    /// (the benchmark's generic writer). Everything else writes through
    /// `begin` or [`Store::submit_demand`].
    pub fn write_pool(&self) -> &AnyPool {
        &self.write
    }

    /// The counters of the group commit of new demands on this engine.
    pub fn submit_stats(&self) -> batch::WriterStats {
        match (&self.sqlite_writer, &self.pg_submitter) {
            (Some(w), _) => w.stats(),
            (_, Some(p)) => p.stats(),
            _ => batch::WriterStats::default(),
        }
    }

    /// SQLite only: the group commit on its own thread (see
    /// [`sqlite_writer`]); `None` on PostgreSQL.
    pub fn sqlite_writer(&self) -> Option<&sqlite_writer::SqliteWriter> {
        self.sqlite_writer.as_ref()
    }

    /// A pooled connection for reads.
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.read.acquire().await?)
    }

    /// Checks the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// PostgreSQL only: drops and recreates the `public` schema (used by
    /// `zhuqi demo --reset`). Refused on SQLite, where the file is deleted instead.
    pub async fn reset_schema(&self) -> Result<()> {
        if self.engine != Engine::Postgres {
            return Err(StoreError::Db(sqlx::Error::Configuration("reset_schema is for PostgreSQL".into())));
        }
        sqlx::raw_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public").execute(&self.write).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// Serialises a 0/1 integer column as a JSON boolean: flags are booleans on
/// the API (as on input) while the column stays an integer both engines share.
pub fn flag<S: serde::Serializer>(v: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_bool(*v != 0)
}
