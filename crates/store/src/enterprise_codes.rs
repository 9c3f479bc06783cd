//! The enterprise code (企业码): the current QR token of each enterprise,
//! one-time binding codes and binding requests. Authorization is the
//! application's; these functions only read and write rows.

use crate::{Conn, Result};
use serde::Serialize;

/// The current code of an enterprise.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CodeRow {
    pub enterprise_id: i64,
    pub token: String,
    pub created_at: i64,
    pub rotated_at: Option<i64>,
}

pub async fn get(c: &mut Conn, enterprise_id: i64) -> Result<Option<CodeRow>> {
    Ok(sqlx::query_as(
        "SELECT enterprise_id, token, created_at, rotated_at FROM enterprise_codes WHERE enterprise_id = $1",
    )
    .bind(enterprise_id)
    .fetch_optional(&mut *c)
    .await?)
}

/// The enterprise a token belongs to (a rotated-away token is not found).
pub async fn by_token(c: &mut Conn, token: &str) -> Result<Option<CodeRow>> {
    Ok(sqlx::query_as("SELECT enterprise_id, token, created_at, rotated_at FROM enterprise_codes WHERE token = $1")
        .bind(token)
        .fetch_optional(&mut *c)
        .await?)
}

/// Inserts a code unless the enterprise already has one.
pub async fn insert_if_missing(c: &mut Conn, enterprise_id: i64, token: &str, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO enterprise_codes (enterprise_id, token, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (enterprise_id) DO NOTHING",
    )
    .bind(enterprise_id)
    .bind(token)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Replaces the token (the old one stops working with this commit).
pub async fn rotate(c: &mut Conn, enterprise_id: i64, token: &str, at: i64, by: i64) -> Result<u64> {
    Ok(sqlx::query("UPDATE enterprise_codes SET token = $1, rotated_at = $2, rotated_by = $3 WHERE enterprise_id = $4")
        .bind(token)
        .bind(at)
        .bind(by)
        .bind(enterprise_id)
        .execute(&mut *c)
        .await?
        .rows_affected())
}

/// Enterprises of a district without a code yet (for the bulk poster view).
pub async fn missing_in_district(c: &mut Conn, district_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT e.id FROM enterprises e WHERE e.district_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM enterprise_codes k WHERE k.enterprise_id = e.id) ORDER BY e.id",
    )
    .bind(district_id)
    .fetch_all(&mut *c)
    .await?)
}

/// A one-time binding code (only its hash is stored).
pub async fn insert_binding_code(
    c: &mut Conn,
    enterprise_id: i64,
    code_hash: &str,
    by: i64,
    at: i64,
    expires_at: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO binding_codes (enterprise_id, code_hash, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(enterprise_id)
    .bind(code_hash)
    .bind(by)
    .bind(at)
    .bind(expires_at)
    .fetch_one(&mut *c)
    .await?)
}

/// Consumes an unused, unexpired one-time code of the enterprise: returns
/// its id when this call used it (a second use finds nothing).
pub async fn take_binding_code(c: &mut Conn, enterprise_id: i64, code_hash: &str, now: i64) -> Result<Option<i64>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM binding_codes WHERE enterprise_id = $1 AND code_hash = $2 AND used_at IS NULL \
         AND expires_at > $3 ORDER BY id LIMIT 1",
    )
    .bind(enterprise_id)
    .bind(code_hash)
    .bind(now)
    .fetch_optional(&mut *c)
    .await?;
    let Some(id) = id else { return Ok(None) };
    let n = sqlx::query("UPDATE binding_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok((n == 1).then_some(id))
}

pub async fn set_binding_code_user(c: &mut Conn, id: i64, user_id: i64) -> Result<()> {
    sqlx::query("UPDATE binding_codes SET used_by = $1 WHERE id = $2").bind(user_id).bind(id).execute(&mut *c).await?;
    Ok(())
}

/// Unused, unexpired one-time codes of an enterprise.
pub async fn open_binding_codes(c: &mut Conn, enterprise_id: i64, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM binding_codes WHERE enterprise_id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(enterprise_id)
    .bind(now)
    .fetch_one(&mut *c)
    .await?)
}

/// A binding (request).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct BindingRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub display_name: String,
    pub phone: String,
    #[serde(skip)]
    pub password_hash: String,
    pub method: String,
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<i64>,
    pub reason: String,
    pub user_id: Option<i64>,
}

const BINDING_SELECT: &str = "SELECT b.id, b.enterprise_id, e.name AS enterprise_name, b.display_name, b.phone, \
    b.password_hash, b.method, b.status, b.created_at, b.decided_at, b.decided_by, b.reason, b.user_id \
    FROM binding_requests b JOIN enterprises e ON e.id = b.enterprise_id";

#[derive(Debug, Clone)]
pub struct NewBinding<'a> {
    pub enterprise_id: i64,
    pub display_name: &'a str,
    pub phone: &'a str,
    pub password_hash: &'a str,
    pub method: &'a str,
    pub status: &'a str,
    pub at: i64,
    pub user_id: Option<i64>,
}

pub async fn insert_binding(c: &mut Conn, b: &NewBinding<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO binding_requests (enterprise_id, display_name, phone, password_hash, method, status, created_at, \
         decided_at, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(b.enterprise_id)
    .bind(b.display_name)
    .bind(b.phone)
    .bind(b.password_hash)
    .bind(b.method)
    .bind(b.status)
    .bind(b.at)
    .bind((b.status != "pending").then_some(b.at))
    .bind(b.user_id)
    .fetch_one(&mut *c)
    .await?)
}

pub async fn binding(c: &mut Conn, id: i64) -> Result<Option<BindingRow>> {
    Ok(sqlx::query_as(&format!("{BINDING_SELECT} WHERE b.id = $1")).bind(id).fetch_optional(&mut *c).await?)
}

/// Pending requests of one enterprise, oldest first.
pub async fn pending_of_enterprise(c: &mut Conn, enterprise_id: i64) -> Result<Vec<BindingRow>> {
    Ok(sqlx::query_as(&format!(
        "{BINDING_SELECT} WHERE b.enterprise_id = $1 AND b.status = 'pending' ORDER BY b.id LIMIT 100"
    ))
    .bind(enterprise_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Pending requests for the enterprises an officer currently serves, or of
/// a district (`officer_id` None), oldest first.
pub async fn pending_for(c: &mut Conn, officer_id: Option<i64>, district_id: Option<i64>) -> Result<Vec<BindingRow>> {
    let mut sql = format!("{BINDING_SELECT} WHERE b.status = 'pending'");
    let mut binds = Vec::new();
    if let Some(o) = officer_id {
        binds.push(o);
        sql.push_str(&format!(
            " AND b.enterprise_id IN (SELECT enterprise_id FROM assignments WHERE valid_to IS NULL AND officer_id = ${})",
            binds.len()
        ));
    }
    if let Some(d) = district_id {
        binds.push(d);
        sql.push_str(&format!(" AND e.district_id = ${}", binds.len()));
    }
    sql.push_str(" ORDER BY b.id LIMIT 100");
    let mut q = sqlx::query_as(&sql);
    for b in binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(&mut *c).await?)
}

/// Decides a pending request; returns false when it was no longer pending.
pub async fn decide(
    c: &mut Conn,
    id: i64,
    status: &str,
    by: i64,
    at: i64,
    reason: &str,
    user_id: Option<i64>,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE binding_requests SET status = $1, decided_by = $2, decided_at = $3, reason = $4, user_id = $5, \
         password_hash = '' WHERE id = $6 AND status = 'pending'",
    )
    .bind(status)
    .bind(by)
    .bind(at)
    .bind(reason)
    .bind(user_id)
    .bind(id)
    .execute(&mut *c)
    .await?
    .rows_affected()
        == 1)
}

/// A user bound to an enterprise (role `enterprise_user`).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct BoundUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub phone: String,
    #[serde(serialize_with = "crate::flag")]
    pub active: i64,
    pub created_at: i64,
}

pub async fn users_of(c: &mut Conn, enterprise_id: i64) -> Result<Vec<BoundUser>> {
    Ok(sqlx::query_as(
        "SELECT id, username, display_name, phone, active, created_at FROM users \
         WHERE role = 'enterprise_user' AND enterprise_id = $1 ORDER BY active DESC, id",
    )
    .bind(enterprise_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Active enterprise users (any enterprise) with this phone.
pub async fn active_users_with_phone(c: &mut Conn, phone: &str) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM users WHERE role = 'enterprise_user' AND active = 1 AND phone = $1 ORDER BY id LIMIT 2",
    )
    .bind(phone)
    .fetch_all(&mut *c)
    .await?)
}

/// Pending requests with this phone for this enterprise.
pub async fn pending_with_phone(c: &mut Conn, enterprise_id: i64, phone: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM binding_requests WHERE enterprise_id = $1 AND phone = $2 AND status = 'pending'",
    )
    .bind(enterprise_id)
    .bind(phone)
    .fetch_one(&mut *c)
    .await?)
}

/// Deactivates an enterprise user of the enterprise; ends their sessions.
pub async fn deactivate_user(c: &mut Conn, enterprise_id: i64, user_id: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE users SET active = 0 WHERE id = $1 AND enterprise_id = $2 AND role = 'enterprise_user' AND active = 1",
    )
    .bind(user_id)
    .bind(enterprise_id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *c).await?;
    Ok(n == 1)
}

/// Sign-in by phone: the credentials of the one active enterprise user with
/// this phone (None when there is none, or, defensively, more than one).
pub async fn credentials_by_phone(c: &mut Conn, phone: &str) -> Result<Option<crate::users::Credentials>> {
    let rows: Vec<crate::users::Credentials> = sqlx::query_as(
        "SELECT id, username, password_hash, failed_logins, locked_until, active FROM users \
         WHERE role = 'enterprise_user' AND active = 1 AND phone = $1 ORDER BY id LIMIT 2",
    )
    .bind(phone)
    .fetch_all(&mut *c)
    .await?;
    Ok(if rows.len() == 1 { rows.into_iter().next() } else { None })
}
