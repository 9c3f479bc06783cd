//! Users of every role, and officers (users with role `officer`; their
//! department is their home unit, 派出单位).

use crate::sql::Sql;
use crate::{Conn, Page, Paged, Result};
use serde::Serialize;
use zhuqi_domain::role::OfficerScope;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub district_id: Option<i64>,
    pub district_name: Option<String>,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub enterprise_id: Option<i64>,
    pub enterprise_name: Option<String>,
    pub phone: String,
    #[serde(serialize_with = "crate::flag")]
    pub active: i64,
    pub created_at: i64,
    /// The district the account belongs to for administration: its own, or
    /// for an enterprise user its enterprise's.
    pub scope_district_id: Option<i64>,
    /// Set after an admin gave a one-time password, until the user chooses one.
    #[serde(serialize_with = "crate::flag")]
    pub must_change_password: i64,
    /// Locked after repeated failed sign-ins until this instant (ms).
    pub locked_until: Option<i64>,
    pub failed_logins: i64,
    pub deactivated_at: Option<i64>,
    pub updated_at: Option<i64>,
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.district_id, r.name AS district_name, \
    u.department_id, d.name AS department_name, u.enterprise_id, e.name AS enterprise_name, u.phone, u.active, u.created_at, \
    COALESCE(u.district_id, e.district_id) AS scope_district_id, u.must_change_password, u.locked_until, u.failed_logins, \
    u.deactivated_at, u.updated_at \
    FROM users u LEFT JOIN regions r ON r.id = u.district_id LEFT JOIN departments d ON d.id = u.department_id \
    LEFT JOIN enterprises e ON e.id = u.enterprise_id";

/// What sign-in needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub active: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub district_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub phone: &'a str,
    pub password_hash: &'a str,
    pub created_at: i64,
}

pub async fn insert(c: &mut Conn, u: &NewUser<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, district_id, department_id, enterprise_id, phone, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(u.username)
    .bind(u.display_name)
    .bind(u.role)
    .bind(u.district_id)
    .bind(u.department_id)
    .bind(u.enterprise_id)
    .bind(u.phone)
    .bind(u.password_hash)
    .bind(u.created_at)
    .fetch_one(&mut *c)
    .await?)
}

pub async fn credentials(c: &mut Conn, username: &str) -> Result<Option<Credentials>> {
    Ok(sqlx::query_as(
        "SELECT id, username, password_hash, failed_logins, locked_until, active FROM users WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(&mut *c)
    .await?)
}

/// Counts a failed login; returns the new count.
pub async fn record_failure(c: &mut Conn, id: i64, lock_until: Option<i64>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "UPDATE users SET failed_logins = failed_logins + 1, locked_until = COALESCE($1, locked_until) WHERE id = $2 RETURNING failed_logins",
    )
    .bind(lock_until)
    .bind(id)
    .fetch_one(&mut *c)
    .await?)
}

pub async fn lock(c: &mut Conn, id: i64, until: i64) -> Result<()> {
    sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2").bind(until).bind(id).execute(&mut *c).await?;
    Ok(())
}

pub async fn reset_failures(c: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Whether any user exists.
pub async fn any(c: &mut Conn) -> Result<bool> {
    let n: Option<i64> = sqlx::query_scalar("SELECT id FROM users LIMIT 1").fetch_optional(&mut *c).await?;
    Ok(n.is_some())
}

pub async fn get(c: &mut Conn, id: i64) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = $1")).bind(id).fetch_optional(&mut *c).await?)
}

pub async fn by_username(c: &mut Conn, username: &str) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as(&format!("{USER_SELECT} WHERE u.username = $1")).bind(username).fetch_optional(&mut *c).await?)
}

/// Users filtered by role and district (their own district, or for an
/// enterprise user their enterprise's), for admins.
pub async fn list(c: &mut Conn, role: Option<&str>, district_id: Option<i64>, page: Page) -> Result<Paged<UserRow>> {
    list_filtered(c, &UserFilter { role: role.map(str::to_string), district_id, ..UserFilter::default() }, page).await
}

/// Filters of the users list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<String>,
    /// The account's district (an enterprise user's: its enterprise's).
    pub district_id: Option<i64>,
    /// Username, name or phone contains.
    pub q: Option<String>,
}

pub async fn list_filtered(c: &mut Conn, f: &UserFilter, page: Page) -> Result<Paged<UserRow>> {
    let mut w = Sql::new(" WHERE 1=1");
    if let Some(r) = &f.role {
        w.push(" AND u.role = ").bind_s(r.clone());
    }
    if let Some(d) = f.district_id {
        w.push(" AND COALESCE(u.district_id, e.district_id) = ").bind_i(d);
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let like = format!("%{q}%");
        w.push(" AND (u.username LIKE ")
            .bind_s(like.clone())
            .push(" OR u.display_name LIKE ")
            .bind_s(like.clone())
            .push(" OR u.phone LIKE ")
            .bind_s(like)
            .push(")");
    }
    let total: i64 = w
        .prefixed("SELECT COUNT(*) FROM users u LEFT JOIN enterprises e ON e.id = u.enterprise_id")
        .scalar()
        .fetch_one(&mut *c)
        .await?;
    let mut q = w.prefixed(USER_SELECT);
    q.push(&format!(" ORDER BY u.id LIMIT {} OFFSET {}", page.per_page, page.offset()));
    Ok(Paged { items: q.query_as().fetch_all(&mut *c).await?, total, page: page.page, per_page: page.per_page })
}

/// An officer with the number of enterprises currently assigned.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OfficerRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub district_id: Option<i64>,
    pub district_name: Option<String>,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub phone: String,
    pub enterprise_count: i64,
}

/// Filters of the officers list.
#[derive(Debug, Clone, Default)]
pub struct OfficerFilter {
    pub q: Option<String>,
    pub district_id: Option<i64>,
    pub department_id: Option<i64>,
    /// Only officers with no current enterprise.
    pub idle: bool,
}

fn officer_where(scope: OfficerScope, f: &OfficerFilter) -> Sql {
    let mut w = Sql::new(" WHERE u.role = 'officer'");
    match scope {
        OfficerScope::All => {}
        OfficerScope::District(d) => {
            w.push(" AND u.district_id = ").bind_i(d);
        }
        OfficerScope::HomeUnit(d) => {
            w.push(" AND u.department_id = ").bind_i(d);
        }
        OfficerScope::Self_(id) => {
            w.push(" AND u.id = ").bind_i(id);
        }
        OfficerScope::OfEnterprise(e) => {
            w.push(" AND u.id IN (SELECT officer_id FROM assignments WHERE valid_to IS NULL AND enterprise_id = ")
                .bind_i(e)
                .push(")");
        }
        OfficerScope::Nothing => {
            w.push(" AND 1=0");
        }
    }
    if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
        let like = format!("%{}%", q.trim());
        w.push(" AND (u.display_name LIKE ").bind_s(like.clone()).push(" OR u.username LIKE ").bind_s(like).push(")");
    }
    if let Some(d) = f.district_id {
        w.push(" AND u.district_id = ").bind_i(d);
    }
    if let Some(d) = f.department_id {
        w.push(" AND u.department_id = ").bind_i(d);
    }
    if f.idle {
        w.push(" AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.officer_id = u.id AND a.valid_to IS NULL)");
    }
    w
}

const OFFICER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.district_id, r.name AS district_name, \
    u.department_id, d.name AS department_name, u.phone, \
    (SELECT COUNT(*) FROM assignments a WHERE a.officer_id = u.id AND a.valid_to IS NULL) AS enterprise_count \
    FROM users u LEFT JOIN regions r ON r.id = u.district_id LEFT JOIN departments d ON d.id = u.department_id";

pub async fn officers(c: &mut Conn, scope: OfficerScope, f: &OfficerFilter, page: Page) -> Result<Paged<OfficerRow>> {
    let w = officer_where(scope, f);
    let total: i64 = w.prefixed("SELECT COUNT(*) FROM users u").scalar().fetch_one(&mut *c).await?;
    let mut q = w.prefixed(OFFICER_SELECT);
    q.push(&format!(" ORDER BY u.district_id, u.id LIMIT {} OFFSET {}", page.per_page, page.offset()));
    Ok(Paged { items: q.query_as().fetch_all(&mut *c).await?, total, page: page.page, per_page: page.per_page })
}

pub async fn officer(c: &mut Conn, scope: OfficerScope, id: i64) -> Result<Option<OfficerRow>> {
    let mut w = officer_where(scope, &OfficerFilter::default());
    w.push(" AND u.id = ").bind_i(id);
    Ok(w.prefixed(OFFICER_SELECT).query_as().fetch_optional(&mut *c).await?)
}
