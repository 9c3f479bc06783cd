//! Visits (走访): the visit rows (always read through a [`VisitScope`]),
//! the append-only history of edits, the visit ↔ demand links, door-knock
//! campaigns, the monthly reminder marks, and the aggregate queries behind
//! the compliance reports. Which visits count is decided by the domain
//! (`zhuqi_domain::visit`); these queries only count by month and mode.

//!
//! Files: this one (rows, edits, links), `counting.rs` (per month and
//! officer, behind the reports), `campaigns.rs` (door-knock campaigns and
//! their coverage), `reminders.rs` (reminder marks, rule settings, what
//! the reminders and links read).

mod campaigns;
mod counting;
mod keys;
mod reminders;

pub use campaigns::*;
pub use counting::*;
pub use keys::*;
pub use reminders::*;

use crate::sql::Sql;
use crate::{Conn, Page, Paged, Result};
use serde::{Serialize, Serializer};

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
