//! Door-knock campaigns (敲门走访) and their coverage per township.

use crate::sql::Sql;
use crate::{Conn, Result};
use serde::Serialize;
use zhuqi_domain::Scope;

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

/// Per township: enterprises registered before `end` (and not deregistered
/// by `start`) in the campaign's
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
    // Deregistered before the campaign started: not expected any more.
    q.push(" AND (e.deregistered_at IS NULL OR e.deregistered_at > ").bind_i(start).push(")");
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
