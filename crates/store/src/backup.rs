//! The SQL of backup, restore and check (issue 12): a consistent copy of a
//! SQLite database (`VACUUM INTO`, a read transaction: writers go on), the
//! facts a backup's manifest records (counts, the schema's migration
//! version, the attachments' hashes) read from that very copy or, on
//! PostgreSQL, inside the exported snapshot `pg_dump` dumps, what "empty"
//! means for a restore target, and the integrity checks of `zhuqi check`.
//! Running `pg_dump` / `pg_restore` and the archive itself are the
//! application's (`zhuqi_app::backup`).

use crate::{Conn, Result, StoreError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Rows of the tables a manifest counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub demands: i64,
    pub events: i64,
    pub attachments: i64,
    pub users: i64,
    pub enterprises: i64,
}

/// The counted tables, in the order of [`Counts`].
const COUNTED: [&str; 5] = ["demands", "demand_events", "attachments", "users", "enterprises"];

fn counts_from(v: &[i64]) -> Counts {
    let g = |i: usize| v.get(i).copied().unwrap_or(0);
    Counts { demands: g(0), events: g(1), attachments: g(2), users: g(3), enterprises: g(4) }
}

/// What a backup records about the database it copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub counts: Counts,
    /// The highest applied migration (its version number, e.g. 20261127000010).
    pub migration_version: i64,
    /// The distinct SHA-256 of every attachment row, sorted.
    pub attachment_shas: Vec<String>,
}

fn sq(e: rusqlite::Error) -> StoreError {
    StoreError::from(e)
}

/// SQLite: copies the live database `src` into the new file `dst` with
/// `VACUUM INTO` (one read transaction: a consistent copy while the server
/// goes on writing, every commit acknowledged before it began included) and
/// reads the manifest's facts from the copy. Blocking: call from
/// `spawn_blocking`.
pub fn sqlite_vacuum_into(src: &Path, dst: &Path) -> Result<Snapshot> {
    if dst.exists() {
        std::fs::remove_file(dst).map_err(|e| StoreError::InUse(format!("cannot replace {}: {e}", dst.display())))?;
    }
    let c = rusqlite::Connection::open_with_flags(src, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(sq)?;
    c.busy_timeout(std::time::Duration::from_secs(30)).map_err(sq)?;
    let dst_text = dst.to_string_lossy().into_owned();
    c.execute("VACUUM INTO ?1", [&dst_text]).map_err(sq)?;
    drop(c);
    sqlite_snapshot(dst)
}

/// SQLite: the manifest's facts of a database file (a backup's copy).
pub fn sqlite_snapshot(file: &Path) -> Result<Snapshot> {
    let c = rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sq)?;
    let mut v = Vec::new();
    for t in COUNTED {
        v.push(c.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get::<_, i64>(0)).map_err(sq)?);
    }
    let migration_version = c
        .query_row("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = 1", [], |r| r.get(0))
        .map_err(sq)?;
    let mut st = c.prepare("SELECT DISTINCT sha256 FROM attachments ORDER BY sha256").map_err(sq)?;
    let shas = st.query_map([], |r| r.get::<_, String>(0)).map_err(sq)?.collect::<Result<Vec<_>, _>>().map_err(sq)?;
    Ok(Snapshot { counts: counts_from(&v), migration_version, attachment_shas: shas })
}

/// The manifest's facts read on a connection (PostgreSQL: inside the
/// REPEATABLE READ transaction whose snapshot `pg_dump` dumps).
pub async fn snapshot(c: &mut Conn) -> Result<Snapshot> {
    let mut v = Vec::new();
    for t in COUNTED {
        v.push(sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {t}")).fetch_one(&mut *c).await?);
    }
    let migration_version: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM _sqlx_migrations WHERE success = $1")
            .bind(true)
            .fetch_one(&mut *c)
            .await?;
    let attachment_shas =
        sqlx::query_scalar("SELECT DISTINCT sha256 FROM attachments ORDER BY sha256").fetch_all(&mut *c).await?;
    Ok(Snapshot { counts: counts_from(&v), migration_version, attachment_shas })
}

/// PostgreSQL: starts a REPEATABLE READ transaction on `c` and exports its
/// snapshot (for `pg_dump --snapshot`); the caller keeps the transaction
/// open until the dump is done, then rolls it back.
pub async fn pg_export_snapshot(c: &mut Conn) -> Result<String> {
    sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *c).await?;
    Ok(sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *c).await?)
}

/// Ends the transaction of [`pg_export_snapshot`].
pub async fn pg_end_snapshot(c: &mut Conn) -> Result<()> {
    sqlx::raw_sql("ROLLBACK").execute(&mut *c).await?;
    Ok(())
}

/// What a restore target holds: `None` when it is **empty** — no `users`
/// table, or no row in `users` and none in `regions` (a freshly migrated
/// database is empty; a city with any region or account is not); otherwise
/// how many users and regions it has.
pub async fn occupancy(c: &mut Conn, postgres: bool) -> Result<Option<(i64, i64)>> {
    let has_users: bool = if postgres {
        sqlx::query_scalar("SELECT to_regclass('public.users') IS NOT NULL").fetch_one(&mut *c).await?
    } else {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'users'")
            .fetch_one(&mut *c)
            .await?;
        n > 0
    };
    if !has_users {
        return Ok(None);
    }
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut *c).await?;
    let regions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM regions").fetch_one(&mut *c).await?;
    Ok((users > 0 || regions > 0).then_some((users, regions)))
}

/// PostgreSQL: how many tables the `public` schema has.
pub async fn pg_table_count(c: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetch_one(&mut *c).await?)
}

/// SQLite: [`occupancy`] of a database file without opening a store on it
/// (a missing or zero-length file is empty).
pub fn sqlite_occupancy(file: &Path) -> Result<Option<(i64, i64)>> {
    if std::fs::metadata(file).map(|m| m.len()).unwrap_or(0) == 0 {
        return Ok(None);
    }
    let c = rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sq)?;
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'users'", [], |r| r.get(0))
        .map_err(sq)?;
    if n == 0 {
        return Ok(None);
    }
    let users: i64 = c.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0)).map_err(sq)?;
    let regions: i64 = c.query_row("SELECT COUNT(*) FROM regions", [], |r| r.get(0)).map_err(sq)?;
    Ok((users > 0 || regions > 0).then_some((users, regions)))
}

/// SQLite: `PRAGMA integrity_check` (its lines other than "ok") and
/// `PRAGMA foreign_key_check` (one line per violating row). PostgreSQL
/// enforces both itself: there, the constraints left NOT VALID.
pub async fn integrity(c: &mut Conn, postgres: bool) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if postgres {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT conrelid::regclass::text, conname::text FROM pg_constraint \
             WHERE NOT convalidated AND connamespace = 'public'::regnamespace ORDER BY 1, 2",
        )
        .fetch_all(&mut *c)
        .await?;
        for (t, n) in rows {
            out.push(format!("integrity: constraint {n} on {t} is not validated"));
        }
        return Ok(out);
    }
    let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut *c).await?;
    for l in lines.into_iter().filter(|l| l != "ok") {
        out.push(format!("integrity_check: {l}"));
    }
    let rows: Vec<(String, Option<i64>, String, i64)> =
        sqlx::query_as("SELECT \"table\", rowid, parent, fkid FROM pragma_foreign_key_check")
            .fetch_all(&mut *c)
            .await?;
    for (t, rowid, parent, fk) in rows {
        let row = rowid.map_or("(without rowid)".to_string(), |r| r.to_string());
        out.push(format!("foreign_key_check: {t} row {row} refers to a missing {parent} row (foreign key {fk})"));
    }
    Ok(out)
}

/// One demand's projection columns, for comparing with a replay of its events.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DemandProjection {
    pub id: i64,
    pub state: String,
    pub status: String,
    pub lead_department_id: Option<i64>,
    pub active_deadline: Option<i64>,
    pub closed_at: Option<i64>,
    pub rating: Option<String>,
    pub redo_count: i64,
    pub version: i64,
}

/// Demands in id order after `after_id`, at most `limit`.
pub async fn projections(c: &mut Conn, after_id: i64, limit: i64) -> Result<Vec<DemandProjection>> {
    Ok(sqlx::query_as(
        "SELECT id, state, status, lead_department_id, active_deadline, closed_at, rating, redo_count, version \
         FROM demands WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after_id)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?)
}

/// Every attachment row: (id, sha256, size, file name).
pub async fn attachment_list(c: &mut Conn) -> Result<Vec<(i64, String, i64, String)>> {
    Ok(sqlx::query_as("SELECT id, sha256, size, file_name FROM attachments ORDER BY id").fetch_all(&mut *c).await?)
}
