//! Demands over JSON: create (idempotent), list with filters, read with the
//! timeline, one endpoint per transition; and the notification inbox.

use crate::ctx::ApiCtx;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use zhuqi_app::demands::{DemandDetail, SubmitInput};
use zhuqi_app::AppError;
use zhuqi_domain::FieldError;
use zhuqi_store::demands::{DemandFilter, DemandRow, Notification};
use zhuqi_store::{Page, Paged};

/// Query of demand lists (API and pages).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DemandQuery {
    /// One status or several separated by commas.
    pub status: Option<String>,
    pub category: Option<String>,
    pub department_id: Option<String>,
    /// The lead department only (0 = not dispatched yet).
    pub lead_department_id: Option<String>,
    pub district_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub colour: Option<String>,
    /// Submitted on or after this day (YYYY-MM-DD, China time) or instant (RFC 3339).
    pub from: Option<String>,
    /// Submitted before the end of this day (YYYY-MM-DD) or before this instant.
    pub to: Option<String>,
    /// Full-text search of titles and descriptions (Chinese is segmented).
    pub q: Option<String>,
    /// `deadline` sorts by time left, otherwise newest first.
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn parse_id(field: &str, v: &Option<String>) -> Result<Option<i64>, AppError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| FieldError::new(field, format!("'{s}' is not a number")).into()),
    }
}

fn parse_day(field: &str, v: &Option<String>, end: bool) -> Result<Option<i64>, AppError> {
    let Some(s) = v.as_deref().map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.timestamp_millis()));
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, format!("'{s}' is neither YYYY-MM-DD nor RFC 3339")))?;
    let d = if end { d.succ_opt().unwrap_or(d) } else { d };
    Ok(Some(zhuqi_domain::calendar::start_of_day_cst(d).timestamp_millis()))
}

impl DemandQuery {
    /// The store filter; bad values are field errors.
    pub fn filter(&self) -> Result<DemandFilter, AppError> {
        let statuses: Vec<String> = self
            .status
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                zhuqi_domain::demand::Status::parse(s)
                    .map(|st| st.as_str().to_string())
                    .ok_or_else(|| AppError::from(FieldError::new("status", format!("unknown status '{s}'"))))
            })
            .collect::<Result<_, _>>()?;
        let colour = match self.colour.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(c @ ("none" | "blue" | "yellow" | "red")) => Some(c.to_string()),
            Some(other) => {
                return Err(FieldError::new("colour", format!("colour is none|blue|yellow|red, got '{other}'")).into())
            }
        };
        Ok(DemandFilter {
            statuses,
            category: self.category.clone().filter(|c| !c.trim().is_empty()),
            department_id: parse_id("department_id", &self.department_id)?,
            lead_department_id: parse_id("lead_department_id", &self.lead_department_id)?,
            district_id: parse_id("district_id", &self.district_id)?,
            enterprise_id: parse_id("enterprise_id", &self.enterprise_id)?,
            colour,
            from: parse_day("from", &self.from, false)?,
            to: parse_day("to", &self.to, true)?,
            words: self.q.as_deref().map(zhuqi_app::search::words).unwrap_or_default(),
            by_deadline: self.sort.as_deref() == Some("deadline"),
        })
    }
}

/// GET /api/v1/demands
pub async fn list(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<DemandQuery>,
) -> Result<Json<Paged<DemandRow>>, ApiError> {
    let f = q.filter()?;
    Ok(Json(st.app.demands(&ctx.actor, &f, Page::new(q.page, q.per_page), &ctx.meta).await?))
}

/// POST /api/v1/demands → 201 with the demand (200 with the same demand
/// when the `Idempotency-Key` was seen before).
pub async fn create(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    headers: HeaderMap,
    body: Result<Json<SubmitInput>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<DemandRow>), ApiError> {
    let Json(input) = body?;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let (row, created) = st.app.submit_demand(&ctx.actor, &input, key, &ctx.meta).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(row)))
}

/// GET /api/v1/demands/{id}
pub async fn get(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<DemandDetail>, ApiError> {
    Ok(Json(st.app.demand(&ctx.actor, id, &ctx.meta).await?))
}

/// POST /api/v1/demands/{id}/actions/{action} — body: the action's fields
/// plus an optional `version` (409 when stale).
pub async fn act(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path((id, action)): Path<(i64, String)>,
    body: Option<Json<Value>>,
) -> Result<Json<DemandDetail>, ApiError> {
    let body = body.map(|b| b.0).unwrap_or_else(|| json!({}));
    let version = body.get("version").and_then(Value::as_i64);
    Ok(Json(st.app.act(&ctx.actor, id, &action, &body, version, &ctx.meta).await?))
}

#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    pub unread: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// GET /api/v1/notifications → the list shape plus `"unread": N`.
pub async fn inbox(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<InboxQuery>,
) -> Result<Json<Value>, ApiError> {
    let p: Paged<Notification> =
        st.app.notifications(&ctx.actor, q.unread.unwrap_or(false), Page::new(q.page, q.per_page)).await?;
    let unread = st.app.unread_count(&ctx.actor).await?;
    Ok(Json(json!({"items": p.items, "total": p.total, "page": p.page, "per_page": p.per_page, "unread": unread})))
}

/// POST /api/v1/notifications/{id}/read
pub async fn read_one(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let n = st.app.mark_read(&ctx.actor, Some(id)).await?;
    if n == 0 {
        return Err(ApiError::from(AppError::NotFound(format!("unread notification {id}"))));
    }
    Ok(Json(json!({"marked": n})))
}

/// POST /api/v1/notifications/read-all
pub async fn read_all(State(st): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Json<Value>, ApiError> {
    let n = st.app.mark_read(&ctx.actor, None).await?;
    Ok(Json(json!({"marked": n})))
}
