//! Visits (走访) over JSON: record (an officer, for an enterprise assigned to
//! them), list with filters, read with the edit history and linked demands,
//! edit within 24 hours, turn a need into a demand; the monthly compliance
//! report and the "behind this month" list; door-knock campaigns and their
//! coverage per township. Instants are written RFC 3339 (`started_at`,
//! `ended_at`) and answered in milliseconds like the rest of the API.

use crate::ctx::ApiCtx;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use zhuqi_app::visits::{
    BehindThisMonth, CampaignCoverage, CampaignInput, CampaignRow, ComplianceReport, VisitDetail, VisitFilter,
    VisitInput, VisitRow,
};
use zhuqi_app::AppError;
use zhuqi_domain::capability::Capability;
use zhuqi_domain::visit::{ProductionStatus, VisitMode, VisitRole, YearMonth};
use zhuqi_domain::FieldError;
use zhuqi_store::demands::DemandRow;
use zhuqi_store::{Page, Paged};

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Parses an RFC 3339 instant (`2026-05-31T23:30:00+08:00`) to milliseconds;
/// the error names the field.
pub fn parse_instant(field: &str, s: &str) -> Result<i64, AppError> {
    chrono::DateTime::parse_from_rfc3339(s.trim()).map(|t| t.timestamp_millis()).map_err(|_| {
        FieldError::new(
            field,
            format!("时间格式应为 RFC 3339，如 2026-05-31T23:30:00+08:00 (expected RFC 3339, got “{s}”)"),
        )
        .into()
    })
}

/// Parses an optional id given as text; the error names the field.
pub fn parse_id(field: &str, v: &Option<String>) -> Result<Option<i64>, AppError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| FieldError::new(field, format!("'{s}' is not a number")).into()),
    }
}

/// Parses a visit mode; the error names the field and lists the choices.
pub fn parse_mode(s: &str) -> Result<VisitMode, AppError> {
    VisitMode::parse(s)
        .ok_or_else(|| FieldError::new("mode", format!("mode is on_site|phone|video, got '{}'", s.trim())).into())
}

/// Parses a role of the five; the error names the field.
pub fn parse_role(s: &str) -> Result<VisitRole, AppError> {
    VisitRole::parse(s).ok_or_else(|| {
        FieldError::new(
            "roles",
            format!("unknown role '{}': one of confidence, policy, investment, difficulty, epidemic", s.trim()),
        )
        .into()
    })
}

/// Parses an optional production status (empty: none).
pub fn parse_status(s: Option<&str>) -> Result<Option<ProductionStatus>, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => ProductionStatus::parse(v).map(Some).ok_or_else(|| {
            FieldError::new("production_status", format!("production_status is normal|partial|suspended, got '{v}'"))
                .into()
        }),
    }
}

/// The body of `POST /api/v1/visits` and `PUT /api/v1/visits/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VisitBody {
    /// Required when recording; when editing it may be left out (a visit's
    /// enterprise never changes).
    pub enterprise_id: Option<i64>,
    /// `on_site` | `phone` | `video`.
    pub mode: Option<String>,
    /// RFC 3339.
    pub started_at: Option<String>,
    /// RFC 3339.
    pub ended_at: Option<String>,
    /// `confidence`, `policy`, `investment`, `difficulty`, `epidemic`.
    #[serde(default)]
    pub roles: Vec<String>,
    pub policy: Option<String>,
    pub needs: Option<String>,
    /// `normal` | `partial` | `suspended`.
    pub production_status: Option<String>,
    pub staff_situation: Option<String>,
    pub guidance: Option<String>,
    pub investment_leads: Option<String>,
    pub notes: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    /// Editing: the version read (409 when the visit changed since).
    pub version: Option<i64>,
}

impl VisitBody {
    /// The use case's input; field errors name the field.
    pub fn input(&self, enterprise_id: Option<i64>) -> Result<VisitInput, AppError> {
        let enterprise_id = enterprise_id
            .or(self.enterprise_id)
            .ok_or_else(|| AppError::from(FieldError::new("enterprise_id", "必填 (required)")))?;
        let mode = parse_mode(self.mode.as_deref().ok_or_else(|| {
            AppError::from(FieldError::new("mode", "必填：on_site、phone 或 video (required: on_site|phone|video)"))
        })?)?;
        let started = self.started_at.as_deref().filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            AppError::from(FieldError::new(
                "started_at",
                "必填，RFC 3339 格式，如 2026-05-31T23:30:00+08:00 (required, RFC 3339)",
            ))
        })?;
        let started_at = parse_instant("started_at", started)?;
        let ended_at = match self.ended_at.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => Some(parse_instant("ended_at", s)?),
            None => None,
        };
        let roles = self.roles.iter().map(|r| parse_role(r)).collect::<Result<Vec<_>, _>>()?;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok(VisitInput {
            enterprise_id,
            mode,
            started_at,
            ended_at,
            roles,
            policy: text(&self.policy),
            needs: text(&self.needs),
            production_status: parse_status(self.production_status.as_deref())?,
            staff_situation: text(&self.staff_situation),
            guidance: text(&self.guidance),
            investment_leads: text(&self.investment_leads),
            notes: text(&self.notes),
            lat: self.lat,
            lon: self.lon,
            accuracy_m: self.accuracy_m,
        })
    }
}

/// POST /api/v1/visits → 201 with the visit. A retry with the same
/// `Idempotency-Key` (kept in the database with the visit: after a restart,
/// from another session, or racing the first request) answers 200 with the
/// visit first recorded instead of counting it twice; the same key with a
/// different body answers 422 on `Idempotency-Key`.
pub async fn create(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    headers: HeaderMap,
    body: Result<Json<VisitBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<VisitRow>), ApiError> {
    st.app.require(&ctx.actor, Capability::VisitRecord, "record_visit", "visits", &ctx.meta).await?;
    let Json(body) = body?;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let input = body.input(None)?;
    let (row, created) = st.app.record_visit_keyed(&ctx.actor, &input, key, &ctx.meta).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(row)))
}

/// Query of `GET /api/v1/visits` and of the visit list page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VisitQuery {
    pub officer_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub district_id: Option<String>,
    /// `YYYY-MM` (China time).
    pub month: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl VisitQuery {
    /// The store filter; bad values are field errors.
    pub fn filter(&self) -> Result<VisitFilter, AppError> {
        let month = match self.month.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(m) => Some(YearMonth::parse(m)?.key()),
            None => None,
        };
        Ok(VisitFilter {
            officer_id: parse_id("officer_id", &self.officer_id)?,
            enterprise_id: parse_id("enterprise_id", &self.enterprise_id)?,
            district_id: parse_id("district_id", &self.district_id)?,
            month,
        })
    }
}

/// GET /api/v1/visits
pub async fn list(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<VisitQuery>,
) -> ApiResult<Paged<VisitRow>> {
    let f = q.filter()?;
    Ok(Json(st.app.visits(&ctx.actor, &f, Page::new(q.page, q.per_page), &ctx.meta).await?))
}

/// GET /api/v1/visits/{id} — with `edits` (earlier versions), `demand_ids`,
/// `editable` and `editable_until`.
pub async fn get(State(st): State<AppState>, ApiCtx(ctx): ApiCtx, Path(id): Path<i64>) -> ApiResult<VisitDetail> {
    Ok(Json(st.app.visit(&ctx.actor, id, &ctx.meta).await?))
}

/// PUT /api/v1/visits/{id} — replaces the officer's fields (the body of
/// `POST /api/v1/visits`; `enterprise_id` may be left out), within 24 hours
/// of recording; an optional `version` guards against lost updates (409).
pub async fn update(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<VisitBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<VisitRow> {
    st.app.require(&ctx.actor, Capability::VisitRecord, "edit_visit", &format!("visit:{id}"), &ctx.meta).await?;
    let Json(body) = body?;
    // A visit's enterprise never changes: left out, it is the visit's own.
    let enterprise_id = match body.enterprise_id {
        Some(e) => e,
        None => st.app.visit(&ctx.actor, id, &ctx.meta).await?.row.enterprise_id,
    };
    let input = body.input(Some(enterprise_id))?;
    Ok(Json(st.app.edit_visit(&ctx.actor, id, &input, body.version, &ctx.meta).await?))
}

/// The body of `POST /api/v1/visits/{id}/demands`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NeedBody {
    /// A 4-digit category code from `GET /api/v1/categories`.
    pub category: String,
    pub title: String,
    /// Defaults to the visit's needs.
    pub description: Option<String>,
}

/// POST /api/v1/visits/{id}/demands → 201 with the demand, linked to the
/// visit both ways (a retry with the same text answers the same demand).
pub async fn to_demand(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<NeedBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<DemandRow>), ApiError> {
    let target = format!("visit:{id}");
    st.app.require(&ctx.actor, Capability::VisitRecord, "visit_need_to_demand", &target, &ctx.meta).await?;
    let Json(body) = body?;
    let description = match body.description.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => d.to_string(),
        None => st.app.visit(&ctx.actor, id, &ctx.meta).await?.row.needs,
    };
    let row = st.app.visit_need_to_demand(&ctx.actor, id, &body.category, &body.title, &description, &ctx.meta).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MonthQuery {
    /// `YYYY-MM`; the current month (China time) when left out.
    pub month: Option<String>,
}

/// The month asked for, or the current one.
pub fn month_or_now(st: &AppState, m: Option<&str>) -> String {
    m.map(str::trim).filter(|s| !s.is_empty()).map_or_else(|| YearMonth::of(st.app.now_ms()).key(), str::to_string)
}

/// GET /api/v1/visits/compliance?month=YYYY-MM — per district (city and
/// district roles) and per officer with the enterprises behind.
pub async fn compliance(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<MonthQuery>,
) -> ApiResult<ComplianceReport> {
    let month = month_or_now(&st, q.month.as_deref());
    Ok(Json(st.app.compliance(&ctx.actor, &month, &ctx.meta).await?))
}

/// GET /api/v1/visits/behind — this month's enterprises short of the rule.
pub async fn behind(State(st): State<AppState>, ApiCtx(ctx): ApiCtx) -> ApiResult<BehindThisMonth> {
    Ok(Json(st.app.behind_this_month(&ctx.actor, &ctx.meta).await?))
}

/// GET /api/v1/campaigns
pub async fn campaigns(State(st): State<AppState>, ApiCtx(ctx): ApiCtx) -> ApiResult<Value> {
    let r: Vec<CampaignRow> = st.app.campaigns(&ctx.actor, &ctx.meta).await?;
    Ok(Json(json!({"items": r, "total": r.len(), "page": 1, "per_page": r.len()})))
}

/// POST /api/v1/campaigns → 201: `{name, district_id?, starts_on, ends_on}` (dates `YYYY-MM-DD`).
pub async fn create_campaign(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    body: Result<Json<CampaignInput>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<CampaignRow>), ApiError> {
    let Json(input) = body?;
    let row = st.app.create_campaign(&ctx.actor, &input, &ctx.meta).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// GET /api/v1/campaigns/{id}/coverage
pub async fn coverage(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> ApiResult<CampaignCoverage> {
    Ok(Json(st.app.campaign_coverage(&ctx.actor, id, &ctx.meta).await?))
}
