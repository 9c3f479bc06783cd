//! Hot issues (热点问题): the flagged groups, their member demands and their
//! append-only history. Which demands form a group is decided by the domain
//! (`zhuqi_domain::hot_issues`); these queries feed it and store its answer.
//! Reads are scoped by [`HotScope`]: a district admin sees the issues that
//! touch their district.

use crate::sql::Sql;
use crate::{Conn, Page, Paged, Result};
use serde::Serialize;

/// Settings keys of the detection parameters (in the `settings` table).
pub const MIN_ENTERPRISES_KEY: &str = "hot_issue_min_enterprises";
pub const WINDOW_DAYS_KEY: &str = "hot_issue_window_days";
pub const MIN_SIMILARITY_KEY: &str = "hot_issue_min_similarity_pct";
pub const MIN_SIGNIFICANCE_KEY: &str = "hot_issue_min_significance_pct";

/// Which hot issues an actor may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HotScope {
    All,
    /// Issues with at least one member demand in the district.
    District(i64),
    Nothing,
}

/// Which member demands an actor may see in full (others are only counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberScope {
    pub district_id: Option<i64>,
    pub confidential: bool,
}

fn scope_sql(w: &mut Sql, scope: HotScope) {
    match scope {
        HotScope::All => {}
        HotScope::District(d) => {
            w.push(" AND h.id IN (SELECT hot_issue_id FROM hot_issue_demands WHERE district_id = ").bind_i(d).push(")");
        }
        HotScope::Nothing => {
            w.push(" AND 1=0");
        }
    }
}

/// A demand as detection reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub district_id: i64,
    pub category_code: String,
    pub submitted_at: i64,
    /// The segmented title and description (jieba words joined by spaces).
    pub search_text: String,
}

/// Demands submitted at or after `since` that still stand for a problem
/// (withdrawn, rejected and merged duplicates are left out).
pub async fn docs_since(c: &mut Conn, since: i64) -> Result<Vec<DocRow>> {
    let sql = format!(
        "SELECT id, enterprise_id, district_id, category_code, submitted_at, search_text FROM demands \
         WHERE submitted_at >= $1 AND status NOT IN ({}) ORDER BY submitted_at, id",
        crate::sql::status_list(&zhuqi_domain::demand::Status::SET_ASIDE)
    );
    Ok(sqlx::query_as(&sql).bind(since).fetch_all(&mut *c).await?)
}

/// (issue id, status, demand id) for every member demand submitted at or after `since`.
pub async fn memberships_since(c: &mut Conn, since: i64) -> Result<Vec<(i64, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT m.hot_issue_id, h.status, m.demand_id FROM hot_issue_demands m \
         JOIN hot_issues h ON h.id = m.hot_issue_id JOIN demands d ON d.id = m.demand_id \
         WHERE d.submitted_at >= $1 ORDER BY m.hot_issue_id, m.demand_id",
    )
    .bind(since)
    .fetch_all(&mut *c)
    .await?)
}

/// Creates a flagged issue (members are added with [`add_members`]).
pub async fn insert(c: &mut Conn, category: &str, key_terms: &str, at: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO hot_issues (category_code, status, key_terms, first_at, last_at, demand_count, enterprise_count, \
         district_count, detected_at, updated_at) VALUES ($1, 'flagged', $2, $3, $3, 0, 0, 0, $3, $3) RETURNING id",
    )
    .bind(category)
    .bind(key_terms)
    .bind(at)
    .fetch_one(&mut *c)
    .await?)
}

/// Adds member demands (their district copied from the demand) and
/// refreshes the issue's span and counts.
pub async fn add_members(c: &mut Conn, issue_id: i64, demand_ids: &[i64], at: i64) -> Result<()> {
    for d in demand_ids {
        sqlx::query(
            "INSERT INTO hot_issue_demands (hot_issue_id, demand_id, district_id, added_at) \
             SELECT $1, id, district_id, $2 FROM demands WHERE id = $3",
        )
        .bind(issue_id)
        .bind(at)
        .bind(*d)
        .execute(&mut *c)
        .await?;
    }
    sqlx::query(
        "UPDATE hot_issues SET \
         first_at = (SELECT MIN(d.submitted_at) FROM hot_issue_demands m JOIN demands d ON d.id = m.demand_id WHERE m.hot_issue_id = $1), \
         last_at = (SELECT MAX(d.submitted_at) FROM hot_issue_demands m JOIN demands d ON d.id = m.demand_id WHERE m.hot_issue_id = $1), \
         demand_count = (SELECT COUNT(*) FROM hot_issue_demands m WHERE m.hot_issue_id = $1), \
         enterprise_count = (SELECT COUNT(DISTINCT d.enterprise_id) FROM hot_issue_demands m JOIN demands d ON d.id = m.demand_id WHERE m.hot_issue_id = $1), \
         district_count = (SELECT COUNT(DISTINCT m.district_id) FROM hot_issue_demands m WHERE m.hot_issue_id = $1), \
         updated_at = $2 WHERE id = $1",
    )
    .bind(issue_id)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Replaces the key terms (they change as members join).
pub async fn set_key_terms(c: &mut Conn, issue_id: i64, key_terms: &str) -> Result<()> {
    sqlx::query("UPDATE hot_issues SET key_terms = $1 WHERE id = $2")
        .bind(key_terms)
        .bind(issue_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// A decision (or detection raising a dismissed issue again, with no actor).
#[derive(Debug, Clone)]
pub struct Decided<'a> {
    pub status: &'a str,
    pub by: Option<i64>,
    pub at: i64,
    pub note: &'a str,
    pub lead_demand_id: Option<i64>,
}

pub async fn set_status(c: &mut Conn, issue_id: i64, d: &Decided<'_>) -> Result<()> {
    sqlx::query(
        "UPDATE hot_issues SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4, \
         lead_demand_id = COALESCE($5, lead_demand_id), updated_at = $3 WHERE id = $6",
    )
    .bind(d.status)
    .bind(d.by)
    .bind(d.at)
    .bind(d.note)
    .bind(d.lead_demand_id)
    .bind(issue_id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Detection raising a dismissed issue again: back to flagged, the earlier
/// decision kept in the history.
pub async fn reflag(c: &mut Conn, issue_id: i64, at: i64) -> Result<()> {
    sqlx::query("UPDATE hot_issues SET status = 'flagged', updated_at = $1 WHERE id = $2")
        .bind(at)
        .bind(issue_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn append_event(
    c: &mut Conn,
    issue_id: i64,
    at: i64,
    actor_id: Option<i64>,
    kind: &str,
    note: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO hot_issue_events (hot_issue_id, at, actor_id, kind, note) VALUES ($1, $2, $3, $4, $5)")
        .bind(issue_id)
        .bind(at)
        .bind(actor_id)
        .bind(kind)
        .bind(note)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// A hot issue as lists and pages show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HotIssueRow {
    pub id: i64,
    pub category_code: String,
    pub category_name: String,
    pub status: String,
    /// Space separated in the database; see [`HotIssueRow::terms`].
    #[serde(skip)]
    pub key_terms: String,
    pub first_at: i64,
    pub last_at: i64,
    pub demand_count: i64,
    pub enterprise_count: i64,
    pub district_count: i64,
    pub detected_at: i64,
    pub updated_at: i64,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: String,
    pub lead_demand_id: Option<i64>,
}

impl HotIssueRow {
    /// The shared key terms as a list.
    pub fn terms(&self) -> Vec<String> {
        self.key_terms.split_whitespace().map(str::to_string).collect()
    }
}

const SELECT: &str = "SELECT h.id, h.category_code, c.name AS category_name, h.status, h.key_terms, h.first_at, \
    h.last_at, h.demand_count, h.enterprise_count, h.district_count, h.detected_at, h.updated_at, h.decided_by, \
    u.display_name AS decided_by_name, h.decided_at, h.decision_note, h.lead_demand_id \
    FROM hot_issues h JOIN categories c ON c.code = h.category_code LEFT JOIN users u ON u.id = h.decided_by";

fn where_sql(scope: HotScope, status: Option<&str>) -> Sql {
    let mut w = Sql::new(" WHERE 1=1");
    scope_sql(&mut w, scope);
    if let Some(s) = status {
        w.push(" AND h.status = ").bind_s(s);
    }
    w
}

/// Issues in scope, flagged first, then the most recent.
pub async fn list(c: &mut Conn, scope: HotScope, status: Option<&str>, page: Page) -> Result<Paged<HotIssueRow>> {
    let w = where_sql(scope, status);
    let total: i64 = w.prefixed("SELECT COUNT(*) FROM hot_issues h").scalar().fetch_one(&mut *c).await?;
    let mut q = w.prefixed(SELECT);
    q.push(&format!(
        " ORDER BY CASE WHEN h.status = 'flagged' THEN 0 ELSE 1 END, h.last_at DESC, h.id DESC LIMIT {} OFFSET {}",
        page.per_page,
        page.offset()
    ));
    Ok(Paged { items: q.query_as().fetch_all(&mut *c).await?, total, page: page.page, per_page: page.per_page })
}

/// One issue, if in scope.
pub async fn get(c: &mut Conn, scope: HotScope, id: i64) -> Result<Option<HotIssueRow>> {
    let mut w = where_sql(scope, None);
    w.push(" AND h.id = ").bind_i(id);
    Ok(w.prefixed(SELECT).query_as().fetch_optional(&mut *c).await?)
}

/// A member demand as the detail page shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MemberRow {
    pub demand_id: i64,
    pub title: String,
    pub description: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub district_id: i64,
    pub district_name: String,
    pub submitted_at: i64,
    pub status: String,
    pub added_at: i64,
}

/// The member demands the viewer may see (by submission time), and how many others there are.
pub async fn members(c: &mut Conn, issue_id: i64, scope: MemberScope) -> Result<(Vec<MemberRow>, i64)> {
    let mut w = Sql::new(" WHERE m.hot_issue_id = ");
    w.bind_i(issue_id);
    if let Some(d) = scope.district_id {
        w.push(" AND d.district_id = ").bind_i(d);
    }
    if !scope.confidential {
        w.push(" AND d.confidential = 0");
    }
    let mut q = w.prefixed(
        "SELECT d.id AS demand_id, d.title, d.description, d.enterprise_id, e.name AS enterprise_name, d.district_id, \
         r.name AS district_name, d.submitted_at, d.status, m.added_at \
         FROM hot_issue_demands m JOIN demands d ON d.id = m.demand_id JOIN enterprises e ON e.id = d.enterprise_id \
         JOIN regions r ON r.id = d.district_id",
    );
    q.push(" ORDER BY d.submitted_at, d.id");
    let rows: Vec<MemberRow> = q.query_as().fetch_all(&mut *c).await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hot_issue_demands WHERE hot_issue_id = $1")
        .bind(issue_id)
        .fetch_one(&mut *c)
        .await?;
    let hidden = total - i64::try_from(rows.len()).unwrap_or(0);
    Ok((rows, hidden))
}

/// Every member demand id of an issue (ignoring scope: the caller decides).
pub async fn member_ids(c: &mut Conn, issue_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT demand_id FROM hot_issue_demands WHERE hot_issue_id = $1 ORDER BY demand_id")
        .bind(issue_id)
        .fetch_all(&mut *c)
        .await?)
}

/// One step of an issue's history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EventRow {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub kind: String,
    pub note: String,
}

pub async fn events(c: &mut Conn, issue_id: i64) -> Result<Vec<EventRow>> {
    Ok(sqlx::query_as(
        "SELECT ev.at, ev.actor_id, u.display_name AS actor_name, ev.kind, ev.note FROM hot_issue_events ev \
         LEFT JOIN users u ON u.id = ev.actor_id WHERE ev.hot_issue_id = $1 ORDER BY ev.id",
    )
    .bind(issue_id)
    .fetch_all(&mut *c)
    .await?)
}

/// Flagged issues in scope (the nav badge and the dashboard's link).
pub async fn flagged_count(c: &mut Conn, scope: HotScope) -> Result<i64> {
    Ok(where_sql(scope, Some("flagged"))
        .prefixed("SELECT COUNT(*) FROM hot_issues h")
        .scalar()
        .fetch_one(&mut *c)
        .await?)
}
