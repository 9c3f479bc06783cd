//! SQL that only bulk imports need: resolving many credit codes and
//! usernames at once, updating enterprises and officers in place, and ending
//! assignments that a district move has made cross-district.

use crate::sql::Sql;
use crate::{Conn, Result};

/// How many values go into one `IN (...)` list (well under SQLite's limit
/// on bound parameters).
const BATCH: usize = 500;

/// An existing enterprise as an import sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EnterpriseKey {
    pub id: i64,
    pub credit_code: String,
    pub district_id: i64,
    /// The current officer, if any.
    pub officer_id: Option<i64>,
    /// Set when the enterprise is deregistered (注销 / 迁出).
    pub deregistered_at: Option<i64>,
}

/// Looks up the enterprises with the given credit codes (any scope; the
/// caller checks it). Codes not found are simply absent from the result.
pub async fn enterprises_by_codes(c: &mut Conn, codes: &[String]) -> Result<Vec<EnterpriseKey>> {
    let mut out = Vec::with_capacity(codes.len());
    for chunk in codes.chunks(BATCH) {
        let mut q = Sql::new(
            "SELECT e.id, e.credit_code, e.district_id, a.officer_id, e.deregistered_at FROM enterprises e \
             LEFT JOIN assignments a ON a.enterprise_id = e.id AND a.valid_to IS NULL \
             WHERE e.credit_code IN (",
        );
        for (i, code) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind_s(code.as_str());
        }
        q.push(")");
        out.extend(q.query_as::<EnterpriseKey>().fetch_all(&mut *c).await?);
    }
    Ok(out)
}

/// An existing user as an import sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserKey {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub district_id: Option<i64>,
    pub active: i64,
}

/// Looks up the users with the given usernames (exact match).
pub async fn users_by_usernames(c: &mut Conn, usernames: &[String]) -> Result<Vec<UserKey>> {
    let mut out = Vec::with_capacity(usernames.len());
    for chunk in usernames.chunks(BATCH) {
        let mut q = Sql::new("SELECT id, username, role, district_id, active FROM users WHERE username IN (");
        for (i, name) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind_s(name.as_str());
        }
        q.push(")");
        out.extend(q.query_as::<UserKey>().fetch_all(&mut *c).await?);
    }
    Ok(out)
}

/// New values for an existing enterprise. `None` in an optional field means
/// "the file had no such column: keep the stored value".
#[derive(Debug, Clone)]
pub struct EnterpriseUpdate<'a> {
    pub id: i64,
    pub name: &'a str,
    pub district_id: i64,
    /// `Some(t)`: set the township to `t`. `None`: keep it, unless the
    /// district changes, in which case it is cleared (a township belongs to
    /// one district).
    pub township_id: Option<Option<i64>>,
    pub industry_code: &'a str,
    pub size: &'a str,
    pub address: Option<&'a str>,
    pub contact_name: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub at: i64,
}

/// Updates an enterprise's attributes in place (the credit code is its key
/// and never changes).
pub async fn update_enterprise(c: &mut Conn, u: &EnterpriseUpdate<'_>) -> Result<()> {
    let (set_township, township) = match u.township_id {
        Some(t) => (1_i64, t),
        None => (0_i64, None),
    };
    sqlx::query(
        "UPDATE enterprises SET name = $1, district_id = $2, \
         township_id = CASE WHEN $3 = 1 THEN $4 WHEN district_id <> $2 THEN NULL ELSE township_id END, \
         industry_code = $5, size = $6, address = COALESCE($7, address), \
         contact_name = COALESCE($8, contact_name), contact_phone = COALESCE($9, contact_phone), \
         updated_at = $10 WHERE id = $11",
    )
    .bind(u.name)
    .bind(u.district_id)
    .bind(set_township)
    .bind(township)
    .bind(u.industry_code)
    .bind(u.size)
    .bind(u.address)
    .bind(u.contact_name)
    .bind(u.contact_phone)
    .bind(u.at)
    .bind(u.id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// New values for an existing officer. `phone: None` keeps the stored phone.
#[derive(Debug, Clone)]
pub struct OfficerUpdate<'a> {
    pub id: i64,
    pub display_name: &'a str,
    pub district_id: i64,
    pub department_id: i64,
    pub phone: Option<&'a str>,
}

/// Updates an officer's name, district, home unit and phone. Users of other
/// roles are never touched.
pub async fn update_officer(c: &mut Conn, u: &OfficerUpdate<'_>) -> Result<()> {
    sqlx::query(
        "UPDATE users SET display_name = $1, district_id = $2, department_id = $3, phone = COALESCE($4, phone) \
         WHERE id = $5 AND role = 'officer'",
    )
    .bind(u.display_name)
    .bind(u.district_id)
    .bind(u.department_id)
    .bind(u.phone)
    .bind(u.id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Ends (at `at`, keeping the history row) the current assignment of an
/// enterprise that has moved to `district_id` if its officer is not of that
/// district. Returns how many assignments ended (0 or 1).
pub async fn end_cross_district_for_enterprise(
    c: &mut Conn,
    enterprise_id: i64,
    district_id: i64,
    at: i64,
) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE assignments SET valid_to = $1 WHERE enterprise_id = $2 AND valid_to IS NULL \
         AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = assignments.officer_id AND u.district_id = $3)",
    )
    .bind(at)
    .bind(enterprise_id)
    .bind(district_id)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected())
}

/// Ends (at `at`, keeping the history rows) the current assignments of an
/// officer who has moved to `district_id`, for enterprises outside that
/// district. Returns how many assignments ended.
pub async fn end_cross_district_for_officer(c: &mut Conn, officer_id: i64, district_id: i64, at: i64) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE assignments SET valid_to = $1 WHERE officer_id = $2 AND valid_to IS NULL \
         AND NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.id = assignments.enterprise_id AND e.district_id = $3)",
    )
    .bind(at)
    .bind(officer_id)
    .bind(district_id)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected())
}
