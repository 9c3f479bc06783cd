//! The dispatch catalogue, time limits and working-day calendar over JSON.

use crate::ctx::ApiCtx;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use zhuqi_app::catalogue::{AdjustmentInput, CalendarYearView, LimitsInput};
use zhuqi_app::AppError;
use zhuqi_domain::FieldError;
use zhuqi_store::catalogue::{CalendarDayRow, LimitsRow};

type ApiResult<T> = Result<Json<T>, ApiError>;

/// GET /api/v1/categories — the tree in order, each with its city-wide lead
/// department and current time limits.
pub async fn categories(State(st): State<AppState>, _: ApiCtx) -> ApiResult<Value> {
    let items = st.app.categories().await?;
    let n = items.len();
    Ok(Json(json!({"items": items, "total": n, "page": 1, "per_page": n})))
}

#[derive(Debug, Deserialize)]
pub struct SuggestionQuery {
    pub district_id: Option<String>,
}

/// Parses an optional id from a query string (empty means absent).
fn opt_id(v: Option<&str>, field: &str) -> Result<Option<i64>, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| ApiError::from(AppError::Invalid(FieldError::new(field, format!("'{s}' is not an id"))))),
    }
}

/// GET /api/v1/categories/{code}/suggestion?district_id= — the proposed lead
/// department (`department_id` null when the category has no route).
pub async fn suggestion(
    State(st): State<AppState>,
    _: ApiCtx,
    Path(code): Path<String>,
    Query(q): Query<SuggestionQuery>,
) -> ApiResult<Value> {
    let district_id = opt_id(q.district_id.as_deref(), "district_id")?;
    let s = st.app.suggest_department(&code, district_id).await?;
    Ok(Json(match s {
        Some(s) => json!(s),
        None => json!({"category_code": code, "district_id": district_id, "department_id": null,
            "department_name": null, "source": null}),
    }))
}

#[derive(Debug, Deserialize)]
pub struct RouteBody {
    /// Absent or null: the city-wide default.
    #[serde(default)]
    pub district_id: Option<i64>,
    /// Null with a district: remove that district's override.
    pub department_id: Option<i64>,
}

/// PUT /api/v1/categories/{code}/route — answers the route now in force for
/// that district (or city-wide).
pub async fn set_route(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(code): Path<String>,
    body: Result<Json<RouteBody>, JsonRejection>,
) -> ApiResult<Value> {
    let Json(b) = body?;
    let r = st.app.set_route(&ctx.actor, &code, b.district_id, b.department_id, &ctx.meta).await?;
    Ok(Json(json!(r)))
}

/// PUT /api/v1/categories/{code}/limits — records a new policy from now on;
/// answers the new history row.
pub async fn set_limits(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(code): Path<String>,
    body: Result<Json<LimitsInput>, JsonRejection>,
) -> ApiResult<LimitsRow> {
    let Json(b) = body?;
    Ok(Json(st.app.set_time_limits(&ctx.actor, &code, &b, &ctx.meta).await?))
}

/// GET /api/v1/calendar/{year} — holidays and make-up days (official and
/// local), the local adjustments, and whether the year has data.
pub async fn calendar_year(
    State(st): State<AppState>,
    _: ApiCtx,
    Path(year): Path<String>,
) -> ApiResult<CalendarYearView> {
    let y: i32 = year
        .trim()
        .parse()
        .map_err(|_| ApiError::from(AppError::Invalid(FieldError::new("year", format!("'{year}' is not a year")))))?;
    Ok(Json(st.app.calendar_year(y).await?))
}

/// POST /api/v1/calendar/days → 201 — adds or replaces a local adjustment.
pub async fn add_day(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    body: Result<Json<AdjustmentInput>, JsonRejection>,
) -> Result<(StatusCode, Json<CalendarDayRow>), ApiError> {
    let Json(b) = body?;
    let row = st.app.add_calendar_adjustment(&ctx.actor, &b, &ctx.meta).await?;
    Ok((StatusCode::CREATED, Json(row)))
}
