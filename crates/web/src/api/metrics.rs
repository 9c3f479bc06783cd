//! Metrics, dashboard, reports and officer ratings over JSON, scoped like
//! the pages: the city sees everything, a district admin their district, a
//! department head their own department beside the city totals.

use crate::ctx::ApiCtx;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use zhuqi_app::metrics::{Dashboard, MetricsReport, OfficerReport, Report, ReportKind};
use zhuqi_app::AppError;
use zhuqi_domain::FieldError;
use zhuqi_store::metrics::OfficerRating;

type ApiResult<T> = Result<Json<T>, ApiError>;

/// `from`/`to` (YYYY-MM-DD, China time; default this month to today).
#[derive(Debug, Deserialize)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// Departments: narrow the city view to one district.
    pub district_id: Option<String>,
}

/// GET /api/v1/metrics/departments
pub async fn departments(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<MetricsReport> {
    let p = st.app.period(q.from.as_deref(), q.to.as_deref())?;
    let district = crate::api::visits::parse_id("district_id", &q.district_id)?;
    Ok(Json(st.app.department_metrics(&ctx.actor, p, district, &ctx.meta).await?))
}

/// GET /api/v1/metrics/districts
pub async fn districts(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<MetricsReport> {
    let p = st.app.period(q.from.as_deref(), q.to.as_deref())?;
    Ok(Json(st.app.district_metrics(&ctx.actor, p, &ctx.meta).await?))
}

/// GET /api/v1/metrics/officers
pub async fn officers(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<OfficerReport> {
    let p = st.app.period(q.from.as_deref(), q.to.as_deref())?;
    Ok(Json(st.app.officer_metrics(&ctx.actor, p, &ctx.meta).await?))
}

/// GET /api/v1/metrics/dashboard — what `/dashboard` shows.
pub async fn dashboard(State(st): State<AppState>, ApiCtx(ctx): ApiCtx) -> ApiResult<Dashboard> {
    Ok(Json(st.app.dashboard(&ctx.actor, &ctx.meta).await?))
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub period: Option<String>,
    pub id: Option<String>,
}

/// GET /api/v1/reports/{kind}?period=…&id=…
pub async fn report(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(kind): Path<String>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Report> {
    let kind = ReportKind::parse(&kind)?;
    let period = q.period.clone().unwrap_or_default();
    if period.trim().is_empty() {
        return Err(AppError::from(FieldError::new("period", "period is required (YYYY-MM or YYYY-H1|H2)")).into());
    }
    let id = crate::api::visits::parse_id("id", &q.id)?;
    Ok(Json(st.app.report(&ctx.actor, kind, &period, id, &ctx.meta).await?))
}

/// The body of `POST /api/v1/officer-ratings`.
#[derive(Debug, Deserialize)]
pub struct RatingInput {
    /// 1..=5; missing is refused as a field error.
    #[serde(default)]
    pub score: i64,
    #[serde(default)]
    pub comment: String,
}

/// POST /api/v1/officer-ratings → 201; 409 when already rated this quarter.
pub async fn rate(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    body: Result<Json<RatingInput>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<OfficerRating>), ApiError> {
    let Json(input) = body?;
    let r = st.app.rate_officer(&ctx.actor, input.score, &input.comment, &ctx.meta).await?;
    Ok((StatusCode::CREATED, Json(r)))
}
