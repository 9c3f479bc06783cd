//! Account administration (issue 12): one-time passwords, the
//! must-change-password state, edits, deactivation, unlocking, and the
//! sessions of a user. Reads of users are in [`crate::users`].

use crate::{Conn, Result};

/// What sign-in needs to know about a one-time password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct PasswordState {
    pub must_change_password: i64,
    pub one_time_used_at: Option<i64>,
}

pub async fn password_state(c: &mut Conn, id: i64) -> Result<Option<PasswordState>> {
    Ok(sqlx::query_as("SELECT must_change_password, one_time_used_at FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?)
}

/// Sets a one-time password (its hash): the user must change it at the next
/// sign-in, which may use it once. Clears a lockout.
pub async fn set_one_time_password(c: &mut Conn, id: i64, password_hash: &str, at: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = 1, one_time_used_at = NULL, \
         failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3",
    )
    .bind(password_hash)
    .bind(at)
    .bind(id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Marks the one-time password used; false when it was used already (two
/// sign-ins racing with it: only one gets true).
pub async fn use_one_time_password(c: &mut Conn, id: i64, at: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE users SET one_time_used_at = $1 WHERE id = $2 AND must_change_password = 1 AND one_time_used_at IS NULL",
    )
    .bind(at)
    .bind(id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Sets the password the user chose; ends the must-change state.
pub async fn set_password(c: &mut Conn, id: i64, password_hash: &str, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = 0, one_time_used_at = NULL, updated_at = $2 \
         WHERE id = $3",
    )
    .bind(password_hash)
    .bind(at)
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

pub async fn password_hash(c: &mut Conn, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(id).fetch_optional(&mut *c).await?)
}

/// An account's editable fields.
#[derive(Debug, Clone)]
pub struct AccountEdit<'a> {
    pub display_name: &'a str,
    pub role: &'a str,
    pub district_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub phone: &'a str,
}

pub async fn update(c: &mut Conn, id: i64, e: &AccountEdit<'_>, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE users SET display_name = $1, role = $2, district_id = $3, department_id = $4, enterprise_id = $5, \
         phone = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(e.display_name)
    .bind(e.role)
    .bind(e.district_id)
    .bind(e.department_id)
    .bind(e.enterprise_id)
    .bind(e.phone)
    .bind(at)
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Deactivates (true: it was active) and ends every session of the user.
pub async fn deactivate(c: &mut Conn, id: i64, at: i64) -> Result<bool> {
    let n =
        sqlx::query("UPDATE users SET active = 0, deactivated_at = $1, updated_at = $2 WHERE id = $3 AND active = 1")
            .bind(at)
            .bind(at)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected();
    delete_sessions(c, id, None).await?;
    Ok(n == 1)
}

/// Reactivates (true: it was inactive).
pub async fn reactivate(c: &mut Conn, id: i64, at: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE users SET active = 1, deactivated_at = NULL, failed_logins = 0, locked_until = NULL, updated_at = $1 \
         WHERE id = $2 AND active = 0",
    )
    .bind(at)
    .bind(id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Clears a lockout (true: the account was locked at `now` or had failed sign-ins).
pub async fn unlock(c: &mut Conn, id: i64, now: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = $1 \
         WHERE id = $2 AND (failed_logins > 0 OR locked_until > $3)",
    )
    .bind(now)
    .bind(id)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Deletes the sessions of a user, but the one whose token hash is `keep`.
pub async fn delete_sessions(c: &mut Conn, user_id: i64, keep: Option<&str>) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut *c)
        .await?
        .rows_affected())
}

/// Whether a username is taken (by any account, active or not).
pub async fn username_taken(c: &mut Conn, username: &str) -> Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1").bind(username).fetch_one(&mut *c).await?;
    Ok(n > 0)
}
