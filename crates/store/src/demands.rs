//! Demands (诉求): the projection row (`demands`, its `state` column holding
//! the domain's `DemandState` as JSON), the append-only `demand_events`,
//! routing (`demand_departments`), idempotency keys, notifications and the
//! sweeper's escalation marks. Reads are always scoped by [`DemandScope`].

use crate::sql::Sql;
use crate::{engine_of, Conn, Engine, Page, Paged, Result};
use serde::Serialize;

/// Which demands an actor may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemandScope {
    /// Every demand; `confidential` says whether confidential ones are included.
    All {
        confidential: bool,
    },
    /// Demands of one district.
    District {
        district_id: i64,
        confidential: bool,
    },
    /// Demands routed to a department (lead or assisting).
    Department(i64),
    /// Demands of the enterprises an officer currently serves, and those the officer submitted.
    Officer(i64),
    /// Demands of one enterprise.
    Enterprise(i64),
    Nothing,
}

/// A demand as lists and pages show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DemandRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub district_id: i64,
    pub district_name: String,
    pub category_code: String,
    pub category_name: String,
    pub title: String,
    pub description: String,
    pub channel: String,
    pub urgency: String,
    #[serde(serialize_with = "crate::flag")]
    pub confidential: i64,
    pub status: String,
    pub colour: String,
    pub lead_department_id: Option<i64>,
    pub lead_department_name: Option<String>,
    pub submitted_by: i64,
    pub submitted_at: i64,
    pub active_deadline: Option<i64>,
    pub closed_at: Option<i64>,
    pub rating: Option<String>,
    pub redo_count: i64,
    pub version: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT d.id, d.enterprise_id, e.name AS enterprise_name, d.district_id, r.name AS district_name, \
    d.category_code, c.name AS category_name, d.title, d.description, d.channel, d.urgency, d.confidential, d.status, d.colour, \
    d.lead_department_id, dp.name AS lead_department_name, d.submitted_by, d.submitted_at, d.active_deadline, d.closed_at, \
    d.rating, d.redo_count, d.version, d.updated_at \
    FROM demands d JOIN enterprises e ON e.id = d.enterprise_id JOIN regions r ON r.id = d.district_id \
    JOIN categories c ON c.code = d.category_code LEFT JOIN departments dp ON dp.id = d.lead_department_id";

/// Filters of demand lists.
#[derive(Debug, Clone, Default)]
pub struct DemandFilter {
    /// Any of these statuses (empty = all).
    pub statuses: Vec<String>,
    /// A category code or a major code prefix ("01" matches "0101").
    pub category: Option<String>,
    pub department_id: Option<i64>,
    /// The lead department only (0 = not dispatched yet); the metrics'
    /// click-through uses it so the list matches the aggregates.
    pub lead_department_id: Option<i64>,
    pub district_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub colour: Option<String>,
    /// Submitted at or after (ms).
    pub from: Option<i64>,
    /// Submitted before (ms).
    pub to: Option<i64>,
    /// Segmented words to search for (all must match).
    pub words: Vec<String>,
    /// Sort by time left (active deadline ascending) instead of newest first.
    pub by_deadline: bool,
}

fn scope_sql(w: &mut Sql, scope: DemandScope) {
    match scope {
        DemandScope::All { confidential } => {
            if !confidential {
                w.push(" AND d.confidential = 0");
            }
        }
        DemandScope::District { district_id, confidential } => {
            w.push(" AND d.district_id = ").bind_i(district_id);
            if !confidential {
                w.push(" AND d.confidential = 0");
            }
        }
        DemandScope::Department(dept) => {
            w.push(" AND d.id IN (SELECT demand_id FROM demand_departments WHERE department_id = ")
                .bind_i(dept)
                .push(")");
        }
        DemandScope::Officer(o) => {
            w.push(" AND (d.submitted_by = ")
                .bind_i(o)
                .push(" OR d.enterprise_id IN (SELECT enterprise_id FROM assignments WHERE valid_to IS NULL AND officer_id = ")
                .bind_i(o)
                .push("))");
        }
        DemandScope::Enterprise(e) => {
            w.push(" AND d.enterprise_id = ").bind_i(e);
        }
        DemandScope::Nothing => {
            w.push(" AND 1=0");
        }
    }
}

fn where_sql(engine: Engine, scope: DemandScope, f: &DemandFilter) -> Sql {
    let mut w = Sql::new(" WHERE 1=1");
    scope_sql(&mut w, scope);
    if !f.statuses.is_empty() {
        w.push(" AND d.status IN (");
        for (i, s) in f.statuses.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.bind_s(s.clone());
        }
        w.push(")");
    }
    if let Some(c) = f.category.as_deref().filter(|c| !c.is_empty()) {
        w.push(" AND d.category_code LIKE ").bind_s(format!("{c}%"));
    }
    if let Some(d) = f.department_id {
        w.push(" AND d.id IN (SELECT demand_id FROM demand_departments WHERE department_id = ").bind_i(d).push(")");
    }
    match f.lead_department_id {
        Some(0) => {
            w.push(" AND d.lead_department_id IS NULL");
        }
        Some(d) => {
            w.push(" AND d.lead_department_id = ").bind_i(d);
        }
        None => {}
    }
    if let Some(d) = f.district_id {
        w.push(" AND d.district_id = ").bind_i(d);
    }
    if let Some(e) = f.enterprise_id {
        w.push(" AND d.enterprise_id = ").bind_i(e);
    }
    if let Some(c) = f.colour.as_deref().filter(|c| !c.is_empty()) {
        w.push(" AND d.colour = ").bind_s(c);
    }
    if let Some(from) = f.from {
        w.push(" AND d.submitted_at >= ").bind_i(from);
    }
    if let Some(to) = f.to {
        w.push(" AND d.submitted_at < ").bind_i(to);
    }
    let words: Vec<&String> = f.words.iter().filter(|w| !w.trim().is_empty()).collect();
    if !words.is_empty() {
        // Each engine's own text index over the same segmented text.
        match engine {
            Engine::Sqlite => {
                let q = words.iter().map(|w| format!("\"{}\"", w.replace('"', ""))).collect::<Vec<_>>().join(" ");
                w.push(" AND d.id IN (SELECT rowid FROM demands_fts WHERE demands_fts MATCH ").bind_s(q).push(")");
            }
            Engine::Postgres => {
                let q =
                    words.iter().map(|w| w.replace(['\'', '\\', ':', '&', '|', '!', '(', ')'], "")).collect::<Vec<_>>();
                let q = q.iter().filter(|s| !s.is_empty()).map(|s| format!("'{s}'")).collect::<Vec<_>>().join(" & ");
                w.push(" AND to_tsvector('simple', d.search_text) @@ to_tsquery('simple', ").bind_s(q).push(")");
            }
        }
    }
    w
}

pub async fn list(c: &mut Conn, scope: DemandScope, f: &DemandFilter, page: Page) -> Result<Paged<DemandRow>> {
    let w = where_sql(engine_of(c), scope, f);
    let total: i64 = w.prefixed("SELECT COUNT(*) FROM demands d").scalar().fetch_one(&mut *c).await?;
    let mut q = w.prefixed(SELECT);
    if f.by_deadline {
        q.push(" ORDER BY CASE WHEN d.active_deadline IS NULL THEN 1 ELSE 0 END, d.active_deadline, d.id");
    } else {
        q.push(" ORDER BY d.submitted_at DESC, d.id DESC");
    }
    q.push(&format!(" LIMIT {} OFFSET {}", page.per_page, page.offset()));
    Ok(Paged { items: q.query_as().fetch_all(&mut *c).await?, total, page: page.page, per_page: page.per_page })
}

/// Every demand in scope matching the filter (exports), capped.
pub async fn all(c: &mut Conn, scope: DemandScope, f: &DemandFilter, cap: i64) -> Result<Vec<DemandRow>> {
    let mut q = where_sql(engine_of(c), scope, f).prefixed(SELECT);
    q.push(&format!(" ORDER BY d.submitted_at DESC, d.id DESC LIMIT {cap}"));
    Ok(q.query_as().fetch_all(&mut *c).await?)
}

/// One demand in scope.
pub async fn get(c: &mut Conn, scope: DemandScope, id: i64) -> Result<Option<DemandRow>> {
    let mut w = where_sql(engine_of(c), scope, &DemandFilter::default());
    w.push(" AND d.id = ").bind_i(id);
    Ok(w.prefixed(SELECT).query_as().fetch_optional(&mut *c).await?)
}

/// The stored projection (JSON) and version, ignoring scope (the caller decides).
pub async fn state(c: &mut Conn, id: i64) -> Result<Option<(String, i64)>> {
    Ok(sqlx::query_as("SELECT state, version FROM demands WHERE id = $1").bind(id).fetch_optional(&mut *c).await?)
}

/// The columns of a new `demands` row after its id, in the order every
/// writer of one lists them: the SQLite and PostgreSQL submissions
/// (`submit.rs`) and [`insert`]. One list, so a new column cannot be
/// forgotten by one of them.
macro_rules! new_demand_columns {
    () => {
        "enterprise_id, district_id, category_code, title, description, search_text, channel, urgency, \
         confidential, status, submitted_by, submitted_at, state, version, updated_at"
    };
}
pub(crate) use new_demand_columns;

/// What a new demand row holds besides its id, enterprise, district and
/// submitter (`updated_at` is `submitted_at`).
#[derive(Debug, Clone)]
pub struct NewDemandRow {
    pub category_code: String,
    pub title: String,
    pub description: String,
    pub search_text: String,
    pub channel: &'static str,
    pub urgency: &'static str,
    pub confidential: bool,
    pub status: &'static str,
    pub submitted_at: i64,
    /// The projection (the domain's `DemandState`) as JSON.
    pub state_json: String,
    pub version: i64,
}

/// Inserts the row; returns the id. With a placeholder state (the state
/// holds the id), the caller then writes the real projection with [`save`].
pub async fn insert(
    c: &mut Conn,
    enterprise_id: i64,
    district_id: i64,
    submitted_by: i64,
    d: &NewDemandRow,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(concat!(
        "INSERT INTO demands (",
        new_demand_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $12) RETURNING id"
    ))
    .bind(enterprise_id)
    .bind(district_id)
    .bind(&d.category_code)
    .bind(&d.title)
    .bind(&d.description)
    .bind(&d.search_text)
    .bind(d.channel)
    .bind(d.urgency)
    .bind(i64::from(d.confidential))
    .bind(d.status)
    .bind(submitted_by)
    .bind(d.submitted_at)
    .bind(&d.state_json)
    .bind(d.version)
    .fetch_one(&mut *c)
    .await?;
    if engine_of(c) == Engine::Sqlite {
        sqlx::query("INSERT INTO demands_fts (rowid, search_text) VALUES ($1, $2)")
            .bind(id)
            .bind(&d.search_text)
            .execute(&mut *c)
            .await?;
    }
    Ok(id)
}

/// The projection's columns after a transition.
#[derive(Debug, Clone)]
pub struct Projection<'a> {
    pub status: &'a str,
    pub colour: &'a str,
    pub lead_department_id: Option<i64>,
    pub active_deadline: Option<i64>,
    pub closed_at: Option<i64>,
    pub rating: Option<&'a str>,
    pub redo_count: i64,
    pub state_json: &'a str,
    pub version: i64,
    pub updated_at: i64,
}

/// Writes the projection if the stored version is still `expected_version`
/// (optimistic concurrency). Returns false when someone else won.
pub async fn save(c: &mut Conn, id: i64, expected_version: i64, p: &Projection<'_>) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE demands SET status = $1, colour = $2, lead_department_id = $3, active_deadline = $4, closed_at = $5, \
         rating = $6, redo_count = $7, state = $8, version = $9, updated_at = $10 WHERE id = $11 AND version = $12",
    )
    .bind(p.status)
    .bind(p.colour)
    .bind(p.lead_department_id)
    .bind(p.active_deadline)
    .bind(p.closed_at)
    .bind(p.rating)
    .bind(p.redo_count)
    .bind(p.state_json)
    .bind(p.version)
    .bind(p.updated_at)
    .bind(id)
    .bind(expected_version)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Sets only the colour (the sweeper's refresh).
pub async fn set_colour(c: &mut Conn, id: i64, colour: &str) -> Result<()> {
    sqlx::query("UPDATE demands SET colour = $1 WHERE id = $2 AND colour <> $1")
        .bind(colour)
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// One stored event.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub demand_id: i64,
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub kind: String,
    pub payload: String,
}

pub async fn append_event(
    c: &mut Conn,
    demand_id: i64,
    seq: i64,
    at: i64,
    actor_id: Option<i64>,
    kind: &str,
    payload: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO demand_events (demand_id, seq, at, actor_id, kind, payload) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(demand_id)
    .bind(seq)
    .bind(at)
    .bind(actor_id)
    .bind(kind)
    .bind(payload)
    .execute(&mut *c)
    .await?;
    Ok(())
}

pub async fn events(c: &mut Conn, demand_id: i64) -> Result<Vec<EventRow>> {
    Ok(sqlx::query_as(
        "SELECT ev.id, ev.demand_id, ev.seq, ev.at, ev.actor_id, u.display_name AS actor_name, ev.kind, ev.payload \
         FROM demand_events ev LEFT JOIN users u ON u.id = ev.actor_id WHERE ev.demand_id = $1 ORDER BY ev.seq",
    )
    .bind(demand_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Replaces the departments a demand is routed to.
pub async fn set_departments(c: &mut Conn, demand_id: i64, lead: Option<i64>, assisting: &[i64]) -> Result<()> {
    sqlx::query("DELETE FROM demand_departments WHERE demand_id = $1").bind(demand_id).execute(&mut *c).await?;
    if let Some(l) = lead {
        sqlx::query("INSERT INTO demand_departments (demand_id, department_id, role) VALUES ($1, $2, 'lead')")
            .bind(demand_id)
            .bind(l)
            .execute(&mut *c)
            .await?;
    }
    for a in assisting.iter().filter(|a| Some(**a) != lead) {
        sqlx::query(
            "INSERT INTO demand_departments (demand_id, department_id, role) VALUES ($1, $2, 'assist') ON CONFLICT DO NOTHING",
        )
        .bind(demand_id)
        .bind(*a)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

pub async fn idempotent(c: &mut Conn, user_id: i64, key: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT demand_id FROM idempotency_keys WHERE user_id = $1 AND key = $2")
        .bind(user_id)
        .bind(key)
        .fetch_optional(&mut *c)
        .await?)
}

/// Open demands the sweeper looks at: (id, state json, version).
pub async fn sweepable(c: &mut Conn) -> Result<Vec<(i64, String, i64)>> {
    let sql = format!(
        "SELECT id, state, version FROM demands WHERE status IN ({}) ORDER BY id",
        crate::sql::status_list(&zhuqi_domain::demand::Status::SWEPT)
    );
    Ok(sqlx::query_as(&sql).fetch_all(&mut *c).await?)
}

/// Records that an escalation was raised; false if it already was.
pub async fn mark_escalation(c: &mut Conn, demand_id: i64, level: &str, deadline: i64, at: i64) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO escalations (demand_id, level, deadline, raised_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(demand_id)
    .bind(level)
    .bind(deadline)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A notification in a user's inbox.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    pub at: i64,
    pub kind: String,
    pub demand_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub read_at: Option<i64>,
}

pub async fn notify(
    c: &mut Conn,
    user_ids: &[i64],
    at: i64,
    kind: &str,
    demand_id: Option<i64>,
    title: &str,
    body: &str,
) -> Result<()> {
    for u in user_ids {
        sqlx::query(
            "INSERT INTO notifications (user_id, at, kind, demand_id, title, body) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(*u)
        .bind(at)
        .bind(kind)
        .bind(demand_id)
        .bind(title)
        .bind(body)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

pub async fn inbox(c: &mut Conn, user_id: i64, unread_only: bool, page: Page) -> Result<Paged<Notification>> {
    let mut w = Sql::new(" WHERE user_id = ");
    w.bind_i(user_id);
    if unread_only {
        w.push(" AND read_at IS NULL");
    }
    let total: i64 = w.prefixed("SELECT COUNT(*) FROM notifications").scalar().fetch_one(&mut *c).await?;
    let mut q = w.prefixed("SELECT id, user_id, at, kind, demand_id, title, body, read_at FROM notifications");
    q.push(&format!(" ORDER BY id DESC LIMIT {} OFFSET {}", page.per_page, page.offset()));
    Ok(Paged { items: q.query_as().fetch_all(&mut *c).await?, total, page: page.page, per_page: page.per_page })
}

pub async fn unread(c: &mut Conn, user_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(&mut *c)
        .await?)
}

/// Marks one (or, with `None`, every) notification of the user read.
pub async fn mark_read(c: &mut Conn, user_id: i64, id: Option<i64>, at: i64) -> Result<u64> {
    let mut q = Sql::new("UPDATE notifications SET read_at = ");
    q.bind_i(at).push(" WHERE read_at IS NULL AND user_id = ").bind_i(user_id);
    if let Some(id) = id {
        q.push(" AND id = ").bind_i(id);
    }
    Ok(q.query().execute(&mut *c).await?.rows_affected())
}

/// Users to notify: by role within a department, district or enterprise.
pub async fn recipients(
    c: &mut Conn,
    role: &str,
    department_id: Option<i64>,
    district_id: Option<i64>,
    enterprise_id: Option<i64>,
) -> Result<Vec<i64>> {
    let mut q = Sql::new("SELECT id FROM users WHERE active = 1 AND role = ");
    q.bind_s(role);
    if let Some(d) = department_id {
        q.push(" AND department_id = ").bind_i(d);
    }
    if let Some(d) = district_id {
        q.push(" AND (district_id = ").bind_i(d).push(" OR district_id IS NULL)");
    }
    if let Some(e) = enterprise_id {
        q.push(" AND enterprise_id = ").bind_i(e);
    }
    q.push(" ORDER BY id LIMIT 200");
    Ok(q.scalar().fetch_all(&mut *c).await?)
}

/// The current officer of an enterprise.
pub async fn officer_of(c: &mut Conn, enterprise_id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT officer_id FROM assignments WHERE enterprise_id = $1 AND valid_to IS NULL")
        .bind(enterprise_id)
        .fetch_optional(&mut *c)
        .await?)
}

/// The title of a demand (for notification texts).
pub async fn title(c: &mut Conn, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT title FROM demands WHERE id = $1").bind(id).fetch_optional(&mut *c).await?)
}
