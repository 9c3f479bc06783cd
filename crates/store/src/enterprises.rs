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
}

const SELECT: &str = "SELECT e.id, e.credit_code, e.name, e.district_id, r.name AS district_name, e.township_id, \
    t.name AS township_name, e.industry_code, e.size, e.address, e.contact_name, e.contact_phone, \
    a.officer_id, o.display_name AS officer_name, e.created_at, e.updated_at \
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
    let mut w = where_sql(scope, &EnterpriseFilter::default());
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
         (SELECT COUNT(*) FROM enterprises e WHERE e.district_id = r.id) AS enterprises, \
         (SELECT COUNT(*) FROM enterprises e WHERE e.district_id = r.id AND NOT EXISTS \
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
