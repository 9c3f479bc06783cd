//! Idempotency keys of recorded visits (`visit_idempotency_keys`).

use crate::{Conn, Result};

/// The visit filed under `(user_id, key)` and the hash of the body it was sent with.
pub async fn find_key(c: &mut Conn, user_id: i64, key: &str) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query_as("SELECT visit_id, body_hash FROM visit_idempotency_keys WHERE user_id = $1 AND key = $2")
        .bind(user_id)
        .bind(key)
        .fetch_optional(&mut *c)
        .await?)
}

/// Files `visit_id` under `(user_id, key)`; false when the key is already
/// taken (a concurrent request won: roll back and read its visit).
pub async fn insert_key(
    c: &mut Conn,
    user_id: i64,
    key: &str,
    visit_id: i64,
    body_hash: &str,
    at: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO visit_idempotency_keys (user_id, key, visit_id, body_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, key) DO NOTHING",
    )
    .bind(user_id)
    .bind(key)
    .bind(visit_id)
    .bind(body_hash)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected() == 1)
}
