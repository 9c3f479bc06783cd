//! The append-only audit log (logins, lockouts, denials, exports, imports,
//! assignments). The schema refuses UPDATE and DELETE with triggers.

use crate::sql::Sql;
use crate::{Conn, Page, Paged, Result};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct NewAudit<'a> {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub outcome: &'a str,
    pub detail: &'a str,
    pub ip: &'a str,
    pub request_id: &'a str,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
    pub ip: String,
    pub request_id: String,
}

pub async fn append(c: &mut Conn, a: &NewAudit<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, target, outcome, detail, ip, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(a.at)
    .bind(a.actor_id)
    .bind(a.actor_name)
    .bind(a.action)
    .bind(a.target)
    .bind(a.outcome)
    .bind(a.detail)
    .bind(a.ip)
    .bind(a.request_id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Newest first, optionally filtered by action.
pub async fn list(c: &mut Conn, action: Option<&str>, page: Page) -> Result<Paged<AuditEntry>> {
    let mut w = Sql::new(" FROM audit_log WHERE 1=1");
    if let Some(a) = action {
        w.push(" AND action = ").bind_s(a);
    }
    let total: i64 = w.prefixed("SELECT COUNT(*)").scalar().fetch_one(&mut *c).await?;
    let mut q = w.prefixed("SELECT id, at, actor_id, actor_name, action, target, outcome, detail, ip, request_id");
    q.push(&format!(" ORDER BY id DESC LIMIT {} OFFSET {}", page.per_page, page.offset()));
    let items = q.query_as().fetch_all(&mut *c).await?;
    Ok(Paged { items, total, page: page.page, per_page: page.per_page })
}
