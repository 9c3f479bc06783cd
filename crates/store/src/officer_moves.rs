//! Officers come and go: transfers to another district or home unit
//! (派出单位), kept as history rows.

use crate::{Conn, Result};
use serde::Serialize;

/// One transfer of an officer.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TransferRow {
    pub id: i64,
    pub officer_id: i64,
    pub at: i64,
    pub by_name: Option<String>,
    pub from_district_id: Option<i64>,
    pub from_district_name: Option<String>,
    pub to_district_id: Option<i64>,
    pub to_district_name: Option<String>,
    pub from_department_id: Option<i64>,
    pub from_department_name: Option<String>,
    pub to_department_id: Option<i64>,
    pub to_department_name: Option<String>,
    pub reason: String,
}

/// A transfer to record.
#[derive(Debug, Clone)]
pub struct NewTransfer<'a> {
    pub officer_id: i64,
    pub at: i64,
    pub by: Option<i64>,
    pub from_district_id: Option<i64>,
    pub to_district_id: Option<i64>,
    pub from_department_id: Option<i64>,
    pub to_department_id: Option<i64>,
    pub reason: &'a str,
}

/// Moves the officer and records the transfer.
pub async fn transfer(c: &mut Conn, t: &NewTransfer<'_>) -> Result<()> {
    sqlx::query("UPDATE users SET district_id = $1, department_id = $2 WHERE id = $3 AND role = 'officer'")
        .bind(t.to_district_id)
        .bind(t.to_department_id)
        .bind(t.officer_id)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO officer_transfers (officer_id, at, by_user_id, from_district_id, to_district_id, \
         from_department_id, to_department_id, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(t.officer_id)
    .bind(t.at)
    .bind(t.by)
    .bind(t.from_district_id)
    .bind(t.to_district_id)
    .bind(t.from_department_id)
    .bind(t.to_department_id)
    .bind(t.reason)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// An officer's transfers, newest first.
pub async fn transfers(c: &mut Conn, officer_id: i64) -> Result<Vec<TransferRow>> {
    Ok(sqlx::query_as(
        "SELECT t.id, t.officer_id, t.at, b.display_name AS by_name, t.from_district_id, fr.name AS from_district_name, \
         t.to_district_id, tr.name AS to_district_name, t.from_department_id, fd.name AS from_department_name, \
         t.to_department_id, td.name AS to_department_name, t.reason \
         FROM officer_transfers t LEFT JOIN users b ON b.id = t.by_user_id \
         LEFT JOIN regions fr ON fr.id = t.from_district_id LEFT JOIN regions tr ON tr.id = t.to_district_id \
         LEFT JOIN departments fd ON fd.id = t.from_department_id LEFT JOIN departments td ON td.id = t.to_department_id \
         WHERE t.officer_id = $1 ORDER BY t.id DESC",
    )
    .bind(officer_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Enterprise users of an enterprise who should hear of a change (active ones).
pub async fn enterprise_users(c: &mut Conn, enterprise_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM users WHERE role = 'enterprise_user' AND active = 1 AND enterprise_id = $1 ORDER BY id",
    )
    .bind(enterprise_id)
    .fetch_all(&mut *c)
    .await?)
}
