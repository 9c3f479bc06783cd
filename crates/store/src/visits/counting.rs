//! Visits counted per enterprise and month and per officer, behind the
//! compliance reports.

use crate::sql::Sql;
use crate::{Conn, Result};
use zhuqi_domain::role::OfficerScope;

/// The visits of one enterprise in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct MonthCount {
    pub enterprise_id: i64,
    /// Visits of any mode.
    pub visits: i64,
    /// On-site visits.
    pub on_site: i64,
    /// The latest start in the month.
    pub last_at: i64,
}

/// Visit counts per enterprise in a month (`YYYY-MM`), optionally of one district.
pub async fn month_counts(c: &mut Conn, month: &str, district_id: Option<i64>) -> Result<Vec<MonthCount>> {
    let mut q = Sql::new(
        "SELECT enterprise_id, COUNT(*) AS visits, COUNT(CASE WHEN mode = 'on_site' THEN 1 END) AS on_site, \
         MAX(started_at) AS last_at FROM visits WHERE month = ",
    );
    q.bind_s(month);
    if let Some(d) = district_id {
        q.push(" AND district_id = ").bind_i(d);
    }
    q.push(" GROUP BY enterprise_id");
    Ok(q.query_as().fetch_all(&mut *c).await?)
}

/// An officer serving an enterprise at some time within a window.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServedRow {
    pub officer_id: i64,
    pub officer_name: String,
    pub officer_district_id: Option<i64>,
    pub officer_district_name: Option<String>,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    /// The enterprise's district.
    pub district_id: i64,
    pub district_name: String,
    pub district_sort: i64,
}

/// Who served which enterprise at some time in `[start, end)` (assignments
/// overlapping the window, active officers or not), within an officer scope
/// (`District` is the enterprise's district). An enterprise reassigned in
/// the window appears once per officer; one deregistered at or before
/// `start` does not appear.
pub async fn served_in(c: &mut Conn, start: i64, end: i64, scope: OfficerScope) -> Result<Vec<ServedRow>> {
    let mut q = Sql::new(
        "SELECT DISTINCT a.officer_id, u.display_name AS officer_name, u.district_id AS officer_district_id, \
         od.name AS officer_district_name, e.id AS enterprise_id, e.name AS enterprise_name, e.district_id, \
         r.name AS district_name, r.sort_order AS district_sort \
         FROM assignments a JOIN users u ON u.id = a.officer_id JOIN enterprises e ON e.id = a.enterprise_id \
         JOIN regions r ON r.id = e.district_id LEFT JOIN regions od ON od.id = u.district_id \
         WHERE a.valid_from < ",
    );
    q.bind_i(end).push(" AND (a.valid_to IS NULL OR a.valid_to > ").bind_i(start).push(")");
    // A deregistered enterprise (注销 / 迁出) is expected no more from its
    // deregistration date: a window starting after it leaves it out.
    q.push(" AND (e.deregistered_at IS NULL OR e.deregistered_at > ").bind_i(start).push(")");
    match scope {
        OfficerScope::All => {}
        OfficerScope::District(d) => {
            q.push(" AND e.district_id = ").bind_i(d);
        }
        OfficerScope::HomeUnit(dept) => {
            q.push(" AND u.department_id = ").bind_i(dept);
        }
        OfficerScope::Self_(o) => {
            q.push(" AND a.officer_id = ").bind_i(o);
        }
        OfficerScope::OfEnterprise(e) => {
            q.push(" AND e.id = ").bind_i(e);
        }
        OfficerScope::Nothing => {
            q.push(" AND 1=0");
        }
    }
    q.push(" ORDER BY r.sort_order, e.district_id, a.officer_id, e.id");
    Ok(q.query_as().fetch_all(&mut *c).await?)
}

/// An enterprise an officer serves now, with its visits in a month.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServedNow {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub district_id: i64,
    pub township_name: Option<String>,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// Visits of any mode in the month.
    pub visits: i64,
    /// On-site visits in the month.
    pub on_site: i64,
    /// The latest visit ever (any officer, any mode).
    pub last_visit_at: Option<i64>,
    pub last_mode: Option<String>,
}

/// The enterprises currently assigned to an officer with their visits in `month`.
pub async fn served_now(c: &mut Conn, officer_id: i64, month: &str) -> Result<Vec<ServedNow>> {
    Ok(sqlx::query_as(
        "SELECT e.id AS enterprise_id, e.name AS enterprise_name, e.district_id, t.name AS township_name, e.address, \
         e.contact_name, e.contact_phone, \
         (SELECT COUNT(*) FROM visits v WHERE v.enterprise_id = e.id AND v.month = $2) AS visits, \
         (SELECT COUNT(*) FROM visits v WHERE v.enterprise_id = e.id AND v.month = $2 AND v.mode = 'on_site') AS on_site, \
         (SELECT MAX(v.started_at) FROM visits v WHERE v.enterprise_id = e.id) AS last_visit_at, \
         (SELECT v.mode FROM visits v WHERE v.enterprise_id = e.id ORDER BY v.started_at DESC, v.id DESC LIMIT 1) AS last_mode \
         FROM assignments a JOIN enterprises e ON e.id = a.enterprise_id LEFT JOIN regions t ON t.id = e.township_id \
         WHERE a.officer_id = $1 AND a.valid_to IS NULL ORDER BY e.id",
    )
    .bind(officer_id)
    .bind(month)
    .fetch_all(&mut *c)
    .await?)
}
