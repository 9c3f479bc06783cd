//! Officer ↔ enterprise assignments with history: reassigning closes the
//! current row (`valid_to`) and opens a new one; nothing is deleted.

use crate::{Conn, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AssignmentRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub officer_id: i64,
    pub officer_name: String,
    pub valid_from: i64,
    pub valid_to: Option<i64>,
    pub assigned_by_name: Option<String>,
    pub reason: String,
}

const SELECT: &str =
    "SELECT a.id, a.enterprise_id, e.name AS enterprise_name, a.officer_id, o.display_name AS officer_name, \
    a.valid_from, a.valid_to, b.display_name AS assigned_by_name, a.reason \
    FROM assignments a JOIN enterprises e ON e.id = a.enterprise_id JOIN users o ON o.id = a.officer_id \
    LEFT JOIN users b ON b.id = a.assigned_by";

/// Makes `officer_id` the current officer of `enterprise_id` from `at`,
/// closing the previous assignment. Returns the new row id, or `None` when
/// that officer already serves the enterprise (nothing changes).
pub async fn assign(
    c: &mut Conn,
    enterprise_id: i64,
    officer_id: i64,
    at: i64,
    by: Option<i64>,
    reason: &str,
) -> Result<Option<i64>> {
    let current: Option<i64> =
        sqlx::query_scalar("SELECT officer_id FROM assignments WHERE enterprise_id = $1 AND valid_to IS NULL")
            .bind(enterprise_id)
            .fetch_optional(&mut *c)
            .await?;
    if current == Some(officer_id) {
        return Ok(None);
    }
    sqlx::query("UPDATE assignments SET valid_to = $1 WHERE enterprise_id = $2 AND valid_to IS NULL")
        .bind(at)
        .bind(enterprise_id)
        .execute(&mut *c)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO assignments (enterprise_id, officer_id, valid_from, assigned_by, reason) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(enterprise_id)
    .bind(officer_id)
    .bind(at)
    .bind(by)
    .bind(reason)
    .fetch_one(&mut *c)
    .await?;
    Ok(Some(id))
}

/// The whole history of one enterprise, newest first.
pub async fn for_enterprise(c: &mut Conn, enterprise_id: i64) -> Result<Vec<AssignmentRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE a.enterprise_id = $1 ORDER BY a.valid_from DESC, a.id DESC"))
        .bind(enterprise_id)
        .fetch_all(&mut *c)
        .await?)
}

/// The whole history of one officer, newest first.
pub async fn for_officer(c: &mut Conn, officer_id: i64) -> Result<Vec<AssignmentRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE a.officer_id = $1 ORDER BY a.valid_to IS NOT NULL, a.valid_from DESC, a.id DESC"
    ))
    .bind(officer_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Current assignment counts per officer of a district (for balancing bulk assignment).
pub async fn load_by_officer(c: &mut Conn, district_id: i64) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT u.id, (SELECT COUNT(*) FROM assignments a WHERE a.officer_id = u.id AND a.valid_to IS NULL) AS n \
         FROM users u WHERE u.role = 'officer' AND u.active = 1 AND u.district_id = $1 ORDER BY u.id",
    )
    .bind(district_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Enterprises of a district without a current officer (deregistered ones need none).
pub async fn unassigned_in(c: &mut Conn, district_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT e.id FROM enterprises e WHERE e.district_id = $1 AND e.deregistered_at IS NULL AND NOT EXISTS \
         (SELECT 1 FROM assignments a WHERE a.enterprise_id = e.id AND a.valid_to IS NULL) ORDER BY e.id",
    )
    .bind(district_id)
    .fetch_all(&mut *c)
    .await?)
}

/// The enterprises an officer serves now (ids, ascending).
pub async fn current_of_officer(c: &mut Conn, officer_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT enterprise_id FROM assignments WHERE officer_id = $1 AND valid_to IS NULL ORDER BY enterprise_id",
    )
    .bind(officer_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Closes the current assignment of an enterprise (history kept); returns
/// the officer who served it, if any.
pub async fn close_current(c: &mut Conn, enterprise_id: i64, at: i64) -> Result<Option<i64>> {
    let current: Option<i64> =
        sqlx::query_scalar("SELECT officer_id FROM assignments WHERE enterprise_id = $1 AND valid_to IS NULL")
            .bind(enterprise_id)
            .fetch_optional(&mut *c)
            .await?;
    sqlx::query("UPDATE assignments SET valid_to = $1 WHERE enterprise_id = $2 AND valid_to IS NULL")
        .bind(at)
        .bind(enterprise_id)
        .execute(&mut *c)
        .await?;
    Ok(current)
}
