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
}

const COLS: &str = "id, parent_id, level, code, name, kind, sort_order";

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
