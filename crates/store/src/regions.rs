//! Region tree rows.

use crate::{Conn, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Region {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub level: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub sort_order: i64,
    /// When the region was retired (hidden from pickers, receives no new
    /// enterprises or users); `None` while in use.
    pub retired_at: Option<i64>,
}

const COLS: &str = "id, parent_id, level, code, name, kind, sort_order, retired_at";

pub async fn insert(
    c: &mut Conn,
    parent_id: Option<i64>,
    level: &str,
    code: &str,
    name: &str,
    kind: &str,
    sort_order: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO regions (parent_id, level, code, name, kind, sort_order) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(parent_id)
    .bind(level)
    .bind(code)
    .bind(name)
    .bind(kind)
    .bind(sort_order)
    .fetch_one(&mut *c)
    .await?;
    Ok(id)
}

/// All regions of one level, in display order.
pub async fn by_level(c: &mut Conn, level: &str) -> Result<Vec<Region>> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM regions WHERE level = $1 ORDER BY sort_order, id"))
        .bind(level)
        .fetch_all(&mut *c)
        .await?)
}

pub async fn children(c: &mut Conn, parent_id: i64) -> Result<Vec<Region>> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM regions WHERE parent_id = $1 ORDER BY sort_order, id"))
        .bind(parent_id)
        .fetch_all(&mut *c)
        .await?)
}

pub async fn get(c: &mut Conn, id: i64) -> Result<Option<Region>> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM regions WHERE id = $1")).bind(id).fetch_optional(&mut *c).await?)
}

pub async fn all(c: &mut Conn) -> Result<Vec<Region>> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM regions ORDER BY sort_order, id")).fetch_all(&mut *c).await?)
}

/// A region's editable fields (the code only while no enterprise uses it).
#[derive(Debug, Clone)]
pub struct RegionUpdate<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub sort_order: i64,
}

pub async fn update(c: &mut Conn, id: i64, u: &RegionUpdate<'_>) -> Result<()> {
    sqlx::query("UPDATE regions SET code = $1, name = $2, kind = $3, sort_order = $4 WHERE id = $5")
        .bind(u.code)
        .bind(u.name)
        .bind(u.kind)
        .bind(u.sort_order)
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Retires (`Some(at)`) or restores (`None`) a region.
pub async fn set_retired(c: &mut Conn, id: i64, at: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE regions SET retired_at = $1 WHERE id = $2").bind(at).bind(id).execute(&mut *c).await?;
    Ok(())
}

/// Retires every township of a district still in use; returns their ids.
pub async fn retire_children(c: &mut Conn, parent_id: i64, at: i64) -> Result<Vec<i64>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM regions WHERE parent_id = $1 AND retired_at IS NULL ORDER BY id")
            .bind(parent_id)
            .fetch_all(&mut *c)
            .await?;
    sqlx::query("UPDATE regions SET retired_at = $1 WHERE parent_id = $2 AND retired_at IS NULL")
        .bind(at)
        .bind(parent_id)
        .execute(&mut *c)
        .await?;
    Ok(ids)
}

pub async fn by_code(c: &mut Conn, code: &str) -> Result<Option<Region>> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM regions WHERE code = $1"))
        .bind(code)
        .fetch_optional(&mut *c)
        .await?)
}

/// The region named `name` under `parent_id`, other than `except`.
pub async fn sibling_named(c: &mut Conn, parent_id: i64, name: &str, except: Option<i64>) -> Result<Option<Region>> {
    Ok(sqlx::query_as(&format!("SELECT {COLS} FROM regions WHERE parent_id = $1 AND name = $2 AND id <> $3"))
        .bind(parent_id)
        .bind(name)
        .bind(except.unwrap_or(-1))
        .fetch_optional(&mut *c)
        .await?)
}

/// The enterprises registered in a region and not deregistered: a
/// district's (its townships' included) or a township's.
pub async fn enterprise_count(c: &mut Conn, id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM enterprises WHERE (district_id = $1 OR township_id = $1) AND deregistered_at IS NULL",
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await?)
}

/// Enterprises per region id (each district and each township), for the tree.
pub async fn enterprise_counts(c: &mut Conn) -> Result<Vec<(i64, i64)>> {
    // Deregistered enterprises do not hold a region (see `enterprise_count`).
    Ok(sqlx::query_as(
        "SELECT district_id, COUNT(*) FROM enterprises WHERE deregistered_at IS NULL GROUP BY district_id \
         UNION ALL SELECT township_id, COUNT(*) FROM enterprises \
         WHERE township_id IS NOT NULL AND deregistered_at IS NULL GROUP BY township_id",
    )
    .fetch_all(&mut *c)
    .await?)
}

/// Users (officers, district admins…) whose district is the region, per region id.
pub async fn user_counts(c: &mut Conn) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT district_id, COUNT(*) FROM users WHERE district_id IS NOT NULL AND active = 1 GROUP BY district_id",
    )
    .fetch_all(&mut *c)
    .await?)
}
