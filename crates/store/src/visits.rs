//! Visits (走访): the visit rows (always read through a [`VisitScope`]),
//! the append-only history of edits, the visit ↔ demand links, door-knock
//! campaigns, the monthly reminder marks, and the aggregate queries behind
//! the compliance reports. Which visits count is decided by the domain
//! (`zhuqi_domain::visit`); these queries only count by month and mode.

use crate::sql::Sql;
use crate::{Conn, Page, Paged, Result};
use serde::{Serialize, Serializer};
use zhuqi_domain::role::OfficerScope;
use zhuqi_domain::Scope;

/// Settings keys of the visit rule (in the `settings` table).
pub const MIN_PER_MONTH_KEY: &str = "visit_min_per_month";
/// Prefix of a district's override of the minimum: `visit_min_per_month:<district_id>`.
pub const MIN_PER_MONTH_DISTRICT_PREFIX: &str = "visit_min_per_month:";
pub const ON_SITE_ONLY_KEY: &str = "visit_on_site_only";
pub const REMINDER_DAY_KEY: &str = "visit_reminder_day";

/// Which visits an actor may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitScope {
    All,
    /// Visits to enterprises of one district.
    District(i64),
    /// An officer's own visits to the enterprises currently assigned to them.
    Officer(i64),
    /// Visits by the officers one department sent (派出单位).
    HomeUnit(i64),
    /// Visits to one enterprise.
    Enterprise(i64),
    Nothing,
}

fn scope_sql(w: &mut Sql, scope: VisitScope) {
    match scope {
        VisitScope::All => {}
        VisitScope::District(d) => {
            w.push(" AND v.district_id = ").bind_i(d);
        }
        VisitScope::Officer(o) => {
            w.push(" AND v.officer_id = ")
                .bind_i(o)
                .push(" AND v.enterprise_id IN (SELECT enterprise_id FROM assignments WHERE valid_to IS NULL AND officer_id = ")
                .bind_i(o)
                .push(")");
        }
        VisitScope::HomeUnit(dept) => {
            w.push(" AND v.officer_id IN (SELECT id FROM users WHERE department_id = ").bind_i(dept).push(")");
        }
        VisitScope::Enterprise(e) => {
            w.push(" AND v.enterprise_id = ").bind_i(e);
        }
        VisitScope::Nothing => {
            w.push(" AND 1=0");
        }
    }
}

/// Serialises the stored comma list of roles as a JSON list.
fn roles_as_list<S: Serializer>(roles: &str, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(roles.split(',').filter(|r| !r.is_empty()))
}

/// A visit as lists and pages show it. `roles` is stored as a comma list and
/// serialised as a list of role strings.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct VisitRow {
    pub id: i64,
    pub officer_id: i64,
    pub officer_name: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub district_id: i64,
    pub district_name: String,
    pub township_name: Option<String>,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub month: String,
    pub mode: String,
    #[serde(serialize_with = "roles_as_list")]
    pub roles: String,
    pub policy: String,
    pub needs: String,
    pub production_status: Option<String>,
    pub staff_situation: String,
    pub guidance: String,
    pub investment_leads: String,
    pub notes: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

const SELECT: &str = "SELECT v.id, v.officer_id, o.display_name AS officer_name, v.enterprise_id, e.name AS enterprise_name, \
    v.district_id, r.name AS district_name, t.name AS township_name, v.started_at, v.ended_at, v.month, v.mode, v.roles, \
    v.policy, v.needs, v.production_status, v.staff_situation, v.guidance, v.investment_leads, v.notes, \
    CAST(v.lat_e6 AS DOUBLE PRECISION) / 1000000 AS lat, CAST(v.lon_e6 AS DOUBLE PRECISION) / 1000000 AS lon, \
    CAST(v.accuracy_cm AS DOUBLE PRECISION) / 100 AS accuracy_m, v.created_at, v.updated_at, v.version \
    FROM visits v JOIN users o ON o.id = v.officer_id JOIN enterprises e ON e.id = v.enterprise_id \
    JOIN regions r ON r.id = v.district_id LEFT JOIN regions t ON t.id = e.township_id";

/// Filters of visit lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitFilter {
    pub officer_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub district_id: Option<i64>,
    /// `YYYY-MM` (checked by the application).
    pub month: Option<String>,
}

fn where_sql(scope: VisitScope, f: &VisitFilter) -> Sql {
    let mut w = Sql::new(" WHERE 1=1");
    scope_sql(&mut w, scope);
    if let Some(o) = f.officer_id {
        w.push(" AND v.officer_id = ").bind_i(o);
    }
    if let Some(e) = f.enterprise_id {
        w.push(" AND v.enterprise_id = ").bind_i(e);
    }
    if let Some(d) = f.district_id {
        w.push(" AND v.district_id = ").bind_i(d);
    }
    if let Some(m) = f.month.as_deref() {
        w.push(" AND v.month = ").bind_s(m);
    }
    w
}

/// Visits in scope, newest first.
pub async fn list(c: &mut Conn, scope: VisitScope, f: &VisitFilter, page: Page) -> Result<Paged<VisitRow>> {
    let w = where_sql(scope, f);
    let total: i64 = w.prefixed("SELECT COUNT(*) FROM visits v").scalar().fetch_one(&mut *c).await?;
    let mut q = w.prefixed(SELECT);
    q.push(&format!(" ORDER BY v.started_at DESC, v.id DESC LIMIT {} OFFSET {}", page.per_page, page.offset()));
    Ok(Paged { items: q.query_as().fetch_all(&mut *c).await?, total, page: page.page, per_page: page.per_page })
}

/// Every visit in scope matching the filter, newest first, at most `limit` (exports).
pub async fn all(c: &mut Conn, scope: VisitScope, f: &VisitFilter, limit: i64) -> Result<Vec<VisitRow>> {
    let mut q = where_sql(scope, f).prefixed(SELECT);
    q.push(&format!(" ORDER BY v.started_at DESC, v.id DESC LIMIT {limit}"));
    Ok(q.query_as().fetch_all(&mut *c).await?)
}

/// One visit, if in scope.
pub async fn get(c: &mut Conn, scope: VisitScope, id: i64) -> Result<Option<VisitRow>> {
    let mut w = where_sql(scope, &VisitFilter::default());
    w.push(" AND v.id = ").bind_i(id);
    Ok(w.prefixed(SELECT).query_as().fetch_optional(&mut *c).await?)
}

/// The columns of a visit the officer writes (the rest are set by the store).
#[derive(Debug, Clone, PartialEq)]
pub struct NewVisit {
    pub officer_id: i64,
    pub enterprise_id: i64,
    pub district_id: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    /// `YYYY-MM` of `started_at` in China time.
    pub month: String,
    pub mode: String,
    /// Comma list of role strings.
    pub roles: String,
    pub policy: String,
    pub needs: String,
    pub production_status: Option<String>,
    pub staff_situation: String,
    pub guidance: String,
    pub investment_leads: String,
    pub notes: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    /// Instant of recording (also `updated_at`); the version starts at 1.
    pub created_at: i64,
}

const INSERT_COLUMNS: &str =
    "INSERT INTO visits (officer_id, enterprise_id, district_id, started_at, ended_at, month, \
    mode, roles, policy, needs, production_status, staff_situation, guidance, investment_leads, notes, lat_e6, lon_e6, \
    accuracy_cm, created_at, updated_at, version) VALUES ";
/// Bound columns per row (`updated_at` repeats `created_at`, `version` is 1).
const INSERT_BINDS: usize = 19;

/// Degrees as stored: integer micro-degrees (about 0.1 m).
fn micro_degrees(deg: Option<f64>) -> Option<i64> {
    deg.filter(|d| d.is_finite()).map(|d| (d * 1e6).round() as i64)
}

/// Metres as stored: integer centimetres.
fn centimetres(m: Option<f64>) -> Option<i64> {
    m.filter(|m| m.is_finite()).map(|m| (m * 100.0).round() as i64)
}

fn values_row(first: usize) -> String {
    let p: Vec<String> = (first..first + INSERT_BINDS).map(|i| format!("${i}")).collect();
    format!("({}, ${}, 1)", p.join(", "), first + INSERT_BINDS - 1)
}

fn bind_visit<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    v: &'q NewVisit,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(v.officer_id)
        .bind(v.enterprise_id)
        .bind(v.district_id)
        .bind(v.started_at)
        .bind(v.ended_at)
        .bind(v.month.as_str())
        .bind(v.mode.as_str())
        .bind(v.roles.as_str())
        .bind(v.policy.as_str())
        .bind(v.needs.as_str())
        .bind(v.production_status.as_deref())
        .bind(v.staff_situation.as_str())
        .bind(v.guidance.as_str())
        .bind(v.investment_leads.as_str())
        .bind(v.notes.as_str())
        .bind(micro_degrees(v.lat))
        .bind(micro_degrees(v.lon))
        .bind(centimetres(v.accuracy_m))
        .bind(v.created_at)
}

/// Inserts one visit and returns its id.
pub async fn insert(c: &mut Conn, v: &NewVisit) -> Result<i64> {
    let sql = format!("{INSERT_COLUMNS}{} RETURNING id", values_row(1));
    Ok(bind_visit(sqlx::query(&sql), v).fetch_one(&mut *c).await.and_then(|r| sqlx::Row::try_get(&r, 0))?)
}

/// Inserts many visits with multi-row statements (the demo's bulk load).
pub async fn insert_many(c: &mut Conn, visits: &[NewVisit]) -> Result<()> {
    const ROWS: usize = 200;
    for chunk in visits.chunks(ROWS) {
        let rows: Vec<String> = (0..chunk.len()).map(|i| values_row(i * INSERT_BINDS + 1)).collect();
        let sql = format!("{INSERT_COLUMNS}{}", rows.join(", "));
        let mut q = sqlx::query(&sql);
        for v in chunk {
            q = bind_visit(q, v);
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Replaces the officer's columns of a visit if its version is still
/// `expected_version`; bumps the version. False when someone was quicker.
pub async fn update(c: &mut Conn, id: i64, expected_version: i64, v: &NewVisit, at: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE visits SET started_at = $1, ended_at = $2, month = $3, mode = $4, roles = $5, policy = $6, needs = $7, \
         production_status = $8, staff_situation = $9, guidance = $10, investment_leads = $11, notes = $12, lat_e6 = $13, \
         lon_e6 = $14, accuracy_cm = $15, updated_at = $16, version = version + 1 WHERE id = $17 AND version = $18",
    )
    .bind(v.started_at)
    .bind(v.ended_at)
    .bind(v.month.as_str())
    .bind(v.mode.as_str())
    .bind(v.roles.as_str())
    .bind(v.policy.as_str())
    .bind(v.needs.as_str())
    .bind(v.production_status.as_deref())
    .bind(v.staff_situation.as_str())
    .bind(v.guidance.as_str())
    .bind(v.investment_leads.as_str())
    .bind(v.notes.as_str())
    .bind(micro_degrees(v.lat))
    .bind(micro_degrees(v.lon))
    .bind(centimetres(v.accuracy_m))
    .bind(at)
    .bind(id)
    .bind(expected_version)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// One earlier version of an edited visit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct VisitEditRow {
    pub id: i64,
    pub visit_id: i64,
    /// The version this edit replaced.
    pub version: i64,
    pub edited_at: i64,
    pub editor_id: i64,
    pub editor_name: Option<String>,
    /// The replaced version as JSON (a serialised [`VisitRow`]).
    pub before: String,
}

/// Keeps the version an edit replaces (the table is append-only).
pub async fn append_edit(
    c: &mut Conn,
    visit_id: i64,
    version: i64,
    edited_at: i64,
    editor_id: i64,
    before_json: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO visit_edits (visit_id, version, edited_at, editor_id, before) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(visit_id)
    .bind(version)
    .bind(edited_at)
    .bind(editor_id)
    .bind(before_json)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The history of a visit, oldest edit first.
pub async fn edits(c: &mut Conn, visit_id: i64) -> Result<Vec<VisitEditRow>> {
    Ok(sqlx::query_as(
        "SELECT ve.id, ve.visit_id, ve.version, ve.edited_at, ve.editor_id, u.display_name AS editor_name, ve.before \
         FROM visit_edits ve LEFT JOIN users u ON u.id = ve.editor_id WHERE ve.visit_id = $1 ORDER BY ve.version",
    )
    .bind(visit_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Links a demand to the visit whose need it came from (idempotent).
pub async fn link_demand(c: &mut Conn, visit_id: i64, demand_id: i64, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO visit_demands (visit_id, demand_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(visit_id)
    .bind(demand_id)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The demands a visit's needs became.
pub async fn demands_of(c: &mut Conn, visit_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT demand_id FROM visit_demands WHERE visit_id = $1 ORDER BY demand_id")
        .bind(visit_id)
        .fetch_all(&mut *c)
        .await?)
}

/// The visits (in scope) whose needs became a demand.
pub async fn visits_of_demand(c: &mut Conn, scope: VisitScope, demand_id: i64) -> Result<Vec<VisitRow>> {
    let mut w = where_sql(scope, &VisitFilter::default());
    w.push(" AND v.id IN (SELECT visit_id FROM visit_demands WHERE demand_id = ").bind_i(demand_id).push(")");
    let mut q = w.prefixed(SELECT);
    q.push(" ORDER BY v.started_at, v.id");
    Ok(q.query_as().fetch_all(&mut *c).await?)
}

// ---------------------------------------------------------------------------
// Counting
// ---------------------------------------------------------------------------

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
/// the window appears once per officer.
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

// ---------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------

/// A door-knock campaign (敲门走访).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    /// None: the whole city.
    pub district_id: Option<i64>,
    pub district_name: Option<String>,
    /// `YYYY-MM-DD`, China time.
    pub starts_on: String,
    /// `YYYY-MM-DD`, included.
    pub ends_on: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

const CAMPAIGN_SELECT: &str = "SELECT c.id, c.name, c.district_id, r.name AS district_name, c.starts_on, c.ends_on, \
    c.created_by, c.created_at FROM campaigns c LEFT JOIN regions r ON r.id = c.district_id";

pub async fn insert_campaign(
    c: &mut Conn,
    name: &str,
    district_id: Option<i64>,
    starts_on: &str,
    ends_on: &str,
    created_by: Option<i64>,
    at: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO campaigns (name, district_id, starts_on, ends_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(name)
    .bind(district_id)
    .bind(starts_on)
    .bind(ends_on)
    .bind(created_by)
    .bind(at)
    .fetch_one(&mut *c)
    .await?)
}

pub async fn campaign(c: &mut Conn, id: i64) -> Result<Option<CampaignRow>> {
    Ok(sqlx::query_as(&format!("{CAMPAIGN_SELECT} WHERE c.id = $1")).bind(id).fetch_optional(&mut *c).await?)
}

/// City-wide campaigns and, with `Some(d)`, those of district `d`; with
/// `None`, every campaign. Newest window first.
pub async fn campaigns(c: &mut Conn, district_id: Option<i64>) -> Result<Vec<CampaignRow>> {
    let mut q = Sql::new(CAMPAIGN_SELECT);
    if let Some(d) = district_id {
        q.push(" WHERE (c.district_id IS NULL OR c.district_id = ").bind_i(d).push(")");
    }
    q.push(" ORDER BY c.starts_on DESC, c.id DESC");
    Ok(q.query_as().fetch_all(&mut *c).await?)
}

/// Coverage of one township (or of a district's enterprises without a township).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TownshipCoverage {
    pub district_id: i64,
    pub district_name: String,
    pub township_id: Option<i64>,
    pub township_name: Option<String>,
    pub enterprises: i64,
    /// Enterprises with at least one on-site visit in the window.
    pub visited_on_site: i64,
}

/// Per township: enterprises registered before `end` in the campaign's
/// district (all with `None`) and the actor's enterprise scope, and how many
/// got an on-site visit in `[start, end)`.
pub async fn coverage(
    c: &mut Conn,
    start: i64,
    end: i64,
    campaign_district: Option<i64>,
    scope: Scope,
) -> Result<Vec<TownshipCoverage>> {
    let mut q = Sql::new(
        "SELECT e.district_id, r.name AS district_name, e.township_id, t.name AS township_name, \
         COUNT(*) AS enterprises, COUNT(vv.enterprise_id) AS visited_on_site \
         FROM enterprises e JOIN regions r ON r.id = e.district_id LEFT JOIN regions t ON t.id = e.township_id \
         LEFT JOIN (SELECT DISTINCT enterprise_id FROM visits WHERE mode = 'on_site' AND started_at >= ",
    );
    q.bind_i(start)
        .push(" AND started_at < ")
        .bind_i(end)
        .push(") vv ON vv.enterprise_id = e.id WHERE e.created_at < ");
    q.bind_i(end);
    if let Some(d) = campaign_district {
        q.push(" AND e.district_id = ").bind_i(d);
    }
    crate::enterprises::scope_sql(&mut q, scope);
    q.push(
        " GROUP BY r.sort_order, e.district_id, r.name, t.sort_order, e.township_id, t.name \
         ORDER BY r.sort_order, e.district_id, t.sort_order, e.township_id",
    );
    Ok(q.query_as().fetch_all(&mut *c).await?)
}

// ---------------------------------------------------------------------------
// Reminders and rule settings
// ---------------------------------------------------------------------------

/// Records that an officer was reminded for a month; false if they already were.
pub async fn mark_reminder(c: &mut Conn, officer_id: i64, month: &str, at: i64) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO visit_reminders (officer_id, month, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(officer_id)
    .bind(month)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Officers already reminded for a month.
pub async fn reminded(c: &mut Conn, month: &str) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT officer_id FROM visit_reminders WHERE month = $1 ORDER BY officer_id")
        .bind(month)
        .fetch_all(&mut *c)
        .await?)
}

/// Every visit-rule setting: (key, value) for the keys starting with `visit`.
pub async fn rule_settings(c: &mut Conn) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as("SELECT key, value FROM settings WHERE key LIKE 'visit%' ORDER BY key")
        .fetch_all(&mut *c)
        .await?)
}

/// Removes a setting (a district's override of the minimum).
pub async fn delete_setting(c: &mut Conn, key: &str) -> Result<bool> {
    let r = sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(&mut *c).await?;
    Ok(r.rows_affected() == 1)
}

/// Every active officer.
pub async fn active_officers(c: &mut Conn) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE role = 'officer' AND active = 1 ORDER BY id")
        .fetch_all(&mut *c)
        .await?)
}

/// Every current assignment: (enterprise, officer, since).
pub async fn current_assignments(c: &mut Conn) -> Result<Vec<(i64, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT enterprise_id, officer_id, valid_from FROM assignments WHERE valid_to IS NULL ORDER BY enterprise_id",
    )
    .fetch_all(&mut *c)
    .await?)
}

/// A demand an officer submitted, for linking it to the visit it came from.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OfficerDemand {
    pub id: i64,
    pub enterprise_id: i64,
    pub submitted_by: i64,
    pub submitted_at: i64,
    pub title: String,
    pub description: String,
}

/// Demands submitted by officers (channel `officer`) since an instant, oldest first.
pub async fn officer_demands_since(c: &mut Conn, since: i64) -> Result<Vec<OfficerDemand>> {
    Ok(sqlx::query_as(
        "SELECT id, enterprise_id, submitted_by, submitted_at, title, description FROM demands \
         WHERE channel = 'officer' AND submitted_at >= $1 ORDER BY submitted_at, id",
    )
    .bind(since)
    .fetch_all(&mut *c)
    .await?)
}
