//! Attachments (附件): one row per upload (`attachments`, owned by a demand
//! or a visit), the bytes content-addressed by SHA-256. Where the bytes live
//! (a directory or `attachment_blobs`) is the application's choice; this
//! module only holds the SQL. Reads here are by id: the caller checks that
//! the actor may read the owning demand first.

use crate::{engine_of, Conn, Engine, Result};
use serde::Serialize;

/// One stored attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
    pub file_name: String,
    pub demand_id: Option<i64>,
    pub visit_id: Option<i64>,
    pub uploaded_by: i64,
    pub uploaded_by_name: Option<String>,
    pub uploaded_at: i64,
}

const SELECT: &str = "SELECT a.id, a.sha256, a.size, a.content_type, a.file_name, a.demand_id, a.visit_id, \
    a.uploaded_by, u.display_name AS uploaded_by_name, a.uploaded_at \
    FROM attachments a LEFT JOIN users u ON u.id = a.uploaded_by";

/// Fields of a new attachment row.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub sha256: &'a str,
    pub size: i64,
    pub content_type: &'a str,
    pub file_name: &'a str,
    pub demand_id: Option<i64>,
    pub visit_id: Option<i64>,
    pub uploaded_by: i64,
    pub uploaded_at: i64,
}

/// Inserts a row; returns its id.
pub async fn insert(c: &mut Conn, a: &NewAttachment<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO attachments (sha256, size, content_type, file_name, demand_id, visit_id, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(a.sha256)
    .bind(a.size)
    .bind(a.content_type)
    .bind(a.file_name)
    .bind(a.demand_id)
    .bind(a.visit_id)
    .bind(a.uploaded_by)
    .bind(a.uploaded_at)
    .fetch_one(&mut *c)
    .await?)
}

/// One attachment by id (no scope: the caller checks the owner).
pub async fn get(c: &mut Conn, id: i64) -> Result<Option<AttachmentRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE a.id = $1")).bind(id).fetch_optional(&mut *c).await?)
}

/// The attachments of a demand, oldest first.
pub async fn of_demand(c: &mut Conn, demand_id: i64) -> Result<Vec<AttachmentRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE a.demand_id = $1 ORDER BY a.id"))
        .bind(demand_id)
        .fetch_all(&mut *c)
        .await?)
}

/// The attachments of a visit, oldest first.
pub async fn of_visit(c: &mut Conn, visit_id: i64) -> Result<Vec<AttachmentRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE a.visit_id = $1 ORDER BY a.id"))
        .bind(visit_id)
        .fetch_all(&mut *c)
        .await?)
}

/// Bytes already attached to a demand (the per-demand limit counts every upload).
pub async fn demand_total(c: &mut Conn, demand_id: i64) -> Result<i64> {
    let n: Option<i64> = sqlx::query_scalar("SELECT CAST(SUM(size) AS BIGINT) FROM attachments WHERE demand_id = $1")
        .bind(demand_id)
        .fetch_one(&mut *c)
        .await?;
    Ok(n.unwrap_or(0))
}

/// Bytes already attached to a visit.
pub async fn visit_total(c: &mut Conn, visit_id: i64) -> Result<i64> {
    let n: Option<i64> = sqlx::query_scalar("SELECT CAST(SUM(size) AS BIGINT) FROM attachments WHERE visit_id = $1")
        .bind(visit_id)
        .fetch_one(&mut *c)
        .await?;
    Ok(n.unwrap_or(0))
}

/// Serialises uploads to one demand inside a transaction (PostgreSQL: a row
/// lock on the demand; SQLite: the single writer already does). False when
/// the demand does not exist.
pub async fn lock_demand(c: &mut Conn, demand_id: i64) -> Result<bool> {
    let sql = match engine_of(c) {
        Engine::Postgres => "SELECT id FROM demands WHERE id = $1 FOR UPDATE",
        Engine::Sqlite => "SELECT id FROM demands WHERE id = $1",
    };
    let id: Option<i64> = sqlx::query_scalar(sql).bind(demand_id).fetch_optional(&mut *c).await?;
    Ok(id.is_some())
}

/// Serialises, within transactions, the writers of one content hash (an
/// upload recording it, a failed upload removing its file). PostgreSQL: a
/// transaction-scoped advisory lock; SQLite: the single writer already does.
pub async fn lock_content(c: &mut Conn, sha256: &str) -> Result<()> {
    if engine_of(c) == Engine::Postgres {
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS l")
            .bind(sha256)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Whether any attachment row refers to these bytes.
pub async fn sha_in_use(c: &mut Conn, sha256: &str) -> Result<bool> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM attachments WHERE sha256 = $1 LIMIT 1")
        .bind(sha256)
        .fetch_optional(&mut *c)
        .await?;
    Ok(id.is_some())
}

/// Stores bytes in `attachment_blobs` unless they are there already.
pub async fn put_blob(c: &mut Conn, sha256: &str, bytes: &[u8]) -> Result<()> {
    sqlx::query("INSERT INTO attachment_blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(sha256)
        .bind(bytes)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Bytes from `attachment_blobs`.
pub async fn get_blob(c: &mut Conn, sha256: &str) -> Result<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar("SELECT bytes FROM attachment_blobs WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(&mut *c)
        .await?)
}

/// Whether `attachment_blobs` holds these bytes.
pub async fn blob_exists(c: &mut Conn, sha256: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachment_blobs WHERE sha256 = $1")
        .bind(sha256)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

/// SQLite only: the file of the main database (empty for an in-memory one).
pub async fn sqlite_file(c: &mut Conn) -> Result<String> {
    let f: Option<String> =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'").fetch_optional(&mut *c).await?;
    Ok(f.unwrap_or_default())
}
