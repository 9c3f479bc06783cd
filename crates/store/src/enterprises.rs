//! Enterprises, always read through a [`Scope`]: an out-of-scope enterprise
//! is simply not found.

use crate::sql::Sql;
use crate::{Conn, Page, Paged, Result};
use serde::Serialize;
use zhuqi_domain::Scope;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EnterpriseRow {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub district_id: i64,
    pub district_name: String,
    pub township_id: Option<i64>,
    pub township_name: Option<String>,
    pub industry_code: String,
    pub size: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub officer_id: Option<i64>,
    pub officer_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Start of the deregistration date (00:00 China time, ms); `None` while registered.
    pub deregistered_at: Option<i64>,
    /// The deregistration date as given (YYYY-MM-DD).
    pub deregistered_on: Option<String>,
    /// `cancelled` (注销) or `moved_out` (迁出).
    pub deregister_kind: Option<String>,
    pub deregister_reason: String,
}

impl EnterpriseRow {
    pub fn is_deregistered(&self) -> bool {
        self.deregistered_at.is_some()
    }
}

const SELECT: &str = "SELECT e.id, e.credit_code, e.name, e.district_id, r.name AS district_name, e.township_id, \
    t.name AS township_name, e.industry_code, e.size, e.address, e.contact_name, e.contact_phone, \
    a.officer_id, o.display_name AS officer_name, e.created_at, e.updated_at, \
    e.deregistered_at, e.deregistered_on, e.deregister_kind, e.deregister_reason \
    FROM enterprises e JOIN regions r ON r.id = e.district_id LEFT JOIN regions t ON t.id = e.township_id \
    LEFT JOIN assignments a ON a.enterprise_id = e.id AND a.valid_to IS NULL LEFT JOIN users o ON o.id = a.officer_id";

/// Filters of the enterprises list.
#[derive(Debug, Clone, Default)]
pub struct EnterpriseFilter {
    /// Name or credit code contains.
    pub q: Option<String>,
    pub district_id: Option<i64>,
    pub township_id: Option<i64>,
    pub officer_id: Option<i64>,
    /// Only enterprises without a current officer.
    pub unassigned: bool,
    /// Also deregistered (注销 / 迁出) enterprises; lists leave them out by default.
    pub include_deregistered: bool,
}

/// Appends the scope condition for enterprise alias `e`.
pub fn scope_sql(w: &mut Sql, scope: Scope) {
    match scope {
        Scope::All => {}
        Scope::District(d) => {
            w.push(" AND e.district_id = ").bind_i(d);
        }
        Scope::Officer(o) => {
            w.push(" AND e.id IN (SELECT enterprise_id FROM assignments WHERE valid_to IS NULL AND officer_id = ")
                .bind_i(o)
                .push(")");
        }
        Scope::Enterprise(id) => {
            w.push(" AND e.id = ").bind_i(id);
        }
        Scope::Nothing => {
            w.push(" AND 1=0");
        }
    }
}

fn where_sql(scope: Scope, f: &EnterpriseFilter) -> Sql {
    let mut w = Sql::new(" WHERE 1=1");
    scope_sql(&mut w, scope);
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let like = format!("%{q}%");
        w.push(" AND (e.name LIKE ")
            .bind_s(like.clone())
            .push(" OR e.credit_code LIKE ")
            .bind_s(like.to_uppercase())
            .push(")");
    }
    if let Some(d) = f.district_id {
        w.push(" AND e.district_id = ").bind_i(d);
    }
    if let Some(t) = f.township_id {
        w.push(" AND e.township_id = ").bind_i(t);
    }
    if let Some(o) = f.officer_id {
        w.push(" AND a.officer_id = ").bind_i(o);
    }
    if f.unassigned {
        w.push(" AND a.officer_id IS NULL");
    }
    if !f.include_deregistered {
        w.push(" AND e.deregistered_at IS NULL");
    }
    w
}

pub async fn list(c: &mut Conn, scope: Scope, f: &EnterpriseFilter, page: Page) -> Result<Paged<EnterpriseRow>> {
    let w = where_sql(scope, f);
    let total: i64 = w
        .prefixed("SELECT COUNT(*) FROM enterprises e LEFT JOIN assignments a ON a.enterprise_id = e.id AND a.valid_to IS NULL")
        .scalar()
        .fetch_one(&mut *c)
        .await?;
    let mut q = w.prefixed(SELECT);
    q.push(&format!(" ORDER BY e.district_id, e.id LIMIT {} OFFSET {}", page.per_page, page.offset()));
    Ok(Paged { items: q.query_as().fetch_all(&mut *c).await?, total, page: page.page, per_page: page.per_page })
}

/// Every enterprise in scope matching the filter (for exports).
pub async fn all(c: &mut Conn, scope: Scope, f: &EnterpriseFilter) -> Result<Vec<EnterpriseRow>> {
    let mut q = where_sql(scope, f).prefixed(SELECT);
    q.push(" ORDER BY e.district_id, e.id");
    Ok(q.query_as().fetch_all(&mut *c).await?)
}

pub async fn get(c: &mut Conn, scope: Scope, id: i64) -> Result<Option<EnterpriseRow>> {
    let mut w = where_sql(scope, &EnterpriseFilter { include_deregistered: true, ..Default::default() });
    w.push(" AND e.id = ").bind_i(id);
    Ok(w.prefixed(SELECT).query_as().fetch_optional(&mut *c).await?)
}

/// Looks an enterprise up by credit code, ignoring scope (imports use it to
/// resolve references; callers must check scope themselves).
pub async fn id_by_credit_code(c: &mut Conn, code: &str) -> Result<Option<(i64, i64)>> {
    Ok(sqlx::query_as("SELECT id, district_id FROM enterprises WHERE credit_code = $1")
        .bind(code)
        .fetch_optional(&mut *c)
        .await?)
}

#[derive(Debug, Clone)]
pub struct NewEnterprise<'a> {
    pub credit_code: &'a str,
    pub name: &'a str,
    pub district_id: i64,
    pub township_id: Option<i64>,
    pub industry_code: &'a str,
    pub size: &'a str,
    pub address: &'a str,
    pub contact_name: &'a str,
    pub contact_phone: &'a str,
    pub at: i64,
}

pub async fn insert(c: &mut Conn, e: &NewEnterprise<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO enterprises (credit_code, name, district_id, township_id, industry_code, size, address, contact_name, contact_phone, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(e.credit_code)
    .bind(e.name)
    .bind(e.district_id)
    .bind(e.township_id)
    .bind(e.industry_code)
    .bind(e.size)
    .bind(e.address)
    .bind(e.contact_name)
    .bind(e.contact_phone)
    .bind(e.at)
    .fetch_one(&mut *c)
    .await?)
}

/// Counts per district: (district_id, district name, enterprises, unassigned).
/// Deregistered enterprises are not counted.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DistrictCoverage {
    pub district_id: i64,
    pub district_name: String,
    pub enterprises: i64,
    pub unassigned: i64,
    pub officers: i64,
    pub idle_officers: i64,
}

pub async fn coverage(c: &mut Conn, district: Option<i64>) -> Result<Vec<DistrictCoverage>> {
    let mut q = Sql::new(
        "SELECT r.id AS district_id, r.name AS district_name, \
         (SELECT COUNT(*) FROM enterprises e WHERE e.district_id = r.id AND e.deregistered_at IS NULL) AS enterprises, \
         (SELECT COUNT(*) FROM enterprises e WHERE e.district_id = r.id AND e.deregistered_at IS NULL AND NOT EXISTS \
            (SELECT 1 FROM assignments a WHERE a.enterprise_id = e.id AND a.valid_to IS NULL)) AS unassigned, \
         (SELECT COUNT(*) FROM users u WHERE u.role = 'officer' AND u.district_id = r.id) AS officers, \
         (SELECT COUNT(*) FROM users u WHERE u.role = 'officer' AND u.district_id = r.id AND NOT EXISTS \
            (SELECT 1 FROM assignments a WHERE a.officer_id = u.id AND a.valid_to IS NULL)) AS idle_officers \
         FROM regions r WHERE r.level = 'district'",
    );
    if let Some(d) = district {
        q.push(" AND r.id = ").bind_i(d);
    }
    q.push(" ORDER BY r.sort_order, r.id");
    Ok(q.query_as().fetch_all(&mut *c).await?)
}

/// The editable fields of an enterprise record (the credit code never changes).
#[derive(Debug, Clone)]
pub struct EnterpriseFields<'a> {
    pub name: &'a str,
    pub township_id: Option<i64>,
    pub industry_code: &'a str,
    pub size: &'a str,
    pub address: &'a str,
    pub contact_name: &'a str,
    pub contact_phone: &'a str,
}

/// Writes the editable fields.
pub async fn update(c: &mut Conn, id: i64, f: &EnterpriseFields<'_>, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE enterprises SET name = $1, township_id = $2, industry_code = $3, size = $4, address = $5, \
         contact_name = $6, contact_phone = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(f.name)
    .bind(f.township_id)
    .bind(f.industry_code)
    .bind(f.size)
    .bind(f.address)
    .bind(f.contact_name)
    .bind(f.contact_phone)
    .bind(at)
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Marks an enterprise deregistered unless it already is; `false` when it was.
pub async fn deregister(
    c: &mut Conn,
    id: i64,
    kind: &str,
    on: &str,
    day_start: i64,
    reason: &str,
    at: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE enterprises SET deregistered_at = $1, deregistered_on = $2, deregister_kind = $3, \
         deregister_reason = $4, updated_at = $5 WHERE id = $6 AND deregistered_at IS NULL",
    )
    .bind(day_start)
    .bind(on)
    .bind(kind)
    .bind(reason)
    .bind(at)
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Whether an enterprise is deregistered (unknown ids are not).
pub async fn is_deregistered(c: &mut Conn, id: i64) -> Result<bool> {
    let at: Option<Option<i64>> = sqlx::query_scalar("SELECT deregistered_at FROM enterprises WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?;
    Ok(at.flatten().is_some())
}

/// One changed field of an enterprise record.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EnterpriseChange {
    pub id: i64,
    pub enterprise_id: i64,
    pub changed_at: i64,
    pub changed_by: Option<i64>,
    pub changed_by_name: Option<String>,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
}

pub async fn insert_change(
    c: &mut Conn,
    enterprise_id: i64,
    at: i64,
    by: Option<i64>,
    field: &str,
    old_value: &str,
    new_value: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO enterprise_changes (enterprise_id, changed_at, changed_by, field, old_value, new_value) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(enterprise_id)
    .bind(at)
    .bind(by)
    .bind(field)
    .bind(old_value)
    .bind(new_value)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The change history of one enterprise, newest first.
pub async fn changes(c: &mut Conn, enterprise_id: i64) -> Result<Vec<EnterpriseChange>> {
    Ok(sqlx::query_as(
        "SELECT x.id, x.enterprise_id, x.changed_at, x.changed_by, u.display_name AS changed_by_name, x.field, \
         x.old_value, x.new_value FROM enterprise_changes x LEFT JOIN users u ON u.id = x.changed_by \
         WHERE x.enterprise_id = $1 ORDER BY x.id DESC",
    )
    .bind(enterprise_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Ends the sessions of the users of an enterprise; returns how many.
pub async fn end_user_sessions(c: &mut Conn, enterprise_id: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE enterprise_id = $1)")
        .bind(enterprise_id)
        .execute(&mut *c)
        .await?
        .rows_affected())
}
