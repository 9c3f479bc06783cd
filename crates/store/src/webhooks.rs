//! The webhook outbox: notifications not yet delivered to the webhook.
//! Delivery marks rows instead of moving a cursor, so a notification whose
//! transaction commits after a later id was delivered (PostgreSQL commits
//! out of id order) is still delivered.

use crate::{Conn, Result};

/// A notification to deliver, with its recipient.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Pending {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub demand_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub attempts: i64,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub phone: String,
    pub enterprise_id: Option<i64>,
}

/// The highest notification id (0 when there is none).
pub async fn max_id(c: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM notifications").fetch_one(&mut *c).await?)
}

/// Undelivered notifications after `since_id` with attempts left, oldest first.
pub async fn pending(c: &mut Conn, since_id: i64, max_attempts: i64, limit: i64) -> Result<Vec<Pending>> {
    Ok(sqlx::query_as::<_, Pending>(
        "SELECT n.id, n.at, n.kind, n.demand_id, n.title, n.body, CAST(n.webhook_attempts AS BIGINT) AS attempts, \
         u.id AS user_id, u.username, u.display_name, u.role, u.phone, u.enterprise_id \
         FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.webhook_sent_at IS NULL AND n.id > $1 AND n.webhook_attempts < $2 \
         ORDER BY n.id LIMIT $3",
    )
    .bind(since_id)
    .bind(max_attempts)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?)
}

pub async fn mark_sent(c: &mut Conn, id: i64, at: i64) -> Result<()> {
    sqlx::query("UPDATE notifications SET webhook_sent_at = $1, webhook_attempts = webhook_attempts + 1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn mark_failed(c: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE notifications SET webhook_attempts = webhook_attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Undelivered notifications after `since_id` whose attempts ran out.
pub async fn given_up(c: &mut Conn, since_id: i64, max_attempts: i64) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM notifications WHERE webhook_sent_at IS NULL AND id > $1 AND webhook_attempts >= $2",
    )
    .bind(since_id)
    .bind(max_attempts)
    .fetch_one(&mut *c)
    .await?)
}
