//! The monthly reminder marks, the visit-rule settings, and what the
//! reminders and the visit ↔ demand links read.

use crate::{Conn, Result};

/// Records that an officer was reminded for a month; false if they already were.
pub async fn mark_reminder(c: &mut Conn, officer_id: i64, month: &str, at: i64) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO visit_reminders (officer_id, month, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(officer_id)
    .bind(month)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Officers already reminded for a month.
pub async fn reminded(c: &mut Conn, month: &str) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT officer_id FROM visit_reminders WHERE month = $1 ORDER BY officer_id")
        .bind(month)
        .fetch_all(&mut *c)
        .await?)
}

/// Every visit-rule setting: (key, value) for the keys starting with `visit`.
pub async fn rule_settings(c: &mut Conn) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as("SELECT key, value FROM settings WHERE key LIKE 'visit%' ORDER BY key")
        .fetch_all(&mut *c)
        .await?)
}

/// Removes a setting (a district's override of the minimum).
pub async fn delete_setting(c: &mut Conn, key: &str) -> Result<bool> {
    let r = sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(&mut *c).await?;
    Ok(r.rows_affected() == 1)
}

/// Every active officer.
pub async fn active_officers(c: &mut Conn) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE role = 'officer' AND active = 1 ORDER BY id")
        .fetch_all(&mut *c)
        .await?)
}

/// Every current assignment: (enterprise, officer, since).
pub async fn current_assignments(c: &mut Conn) -> Result<Vec<(i64, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT enterprise_id, officer_id, valid_from FROM assignments WHERE valid_to IS NULL ORDER BY enterprise_id",
    )
    .fetch_all(&mut *c)
    .await?)
}

/// A demand an officer submitted, for linking it to the visit it came from.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OfficerDemand {
    pub id: i64,
    pub enterprise_id: i64,
    pub submitted_by: i64,
    pub submitted_at: i64,
    pub title: String,
    pub description: String,
}

/// Demands submitted by officers (channel `officer`) since an instant, oldest first.
pub async fn officer_demands_since(c: &mut Conn, since: i64) -> Result<Vec<OfficerDemand>> {
    Ok(sqlx::query_as(
        "SELECT id, enterprise_id, submitted_by, submitted_at, title, description FROM demands \
         WHERE channel = 'officer' AND submitted_at >= $1 ORDER BY submitted_at, id",
    )
    .bind(since)
    .fetch_all(&mut *c)
    .await?)
}
