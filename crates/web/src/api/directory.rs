//! Regions, departments, users, enterprises, officers, assignments, coverage,
//! audit log and imports over JSON.

use crate::ctx::ApiCtx;
use crate::error::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use zhuqi_app::directory::{EnterpriseDetail, EnterpriseInput, OfficerDetail};
use zhuqi_app::import::{ImportKind, ImportReport};
use zhuqi_app::officers_enterprises::{DeregisterInput, HandoverInput, HandoverResult, TransferInput};
use zhuqi_app::AppError;
use zhuqi_domain::Capability;
use zhuqi_store::assignments::AssignmentRow;
use zhuqi_store::audit::AuditEntry;
use zhuqi_store::enterprises::{DistrictCoverage, EnterpriseFilter, EnterpriseRow};
use zhuqi_store::users::{OfficerFilter, OfficerRow};
use zhuqi_store::{Page, Paged};

type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(Debug, Deserialize)]
pub struct ReferenceQuery {
    /// `true`: retired regions or departments too (hidden from pickers by default).
    pub include_retired: Option<bool>,
}

/// GET /api/v1/regions — in use only, unless `?include_retired=true`;
/// each with `retired` and `retired_at`.
pub async fn regions(State(st): State<AppState>, _: ApiCtx, Query(q): Query<ReferenceQuery>) -> ApiResult<Value> {
    let r: Vec<Value> =
        st.app.regions(q.include_retired.unwrap_or(false)).await?.iter().map(super::org::with_retired).collect();
    Ok(Json(json!({"items": r, "total": r.len(), "page": 1, "per_page": r.len()})))
}

/// GET /api/v1/departments — in use only, unless `?include_retired=true`;
/// each with `short_name`, `retired` and `retired_at`.
pub async fn departments(State(st): State<AppState>, _: ApiCtx, Query(q): Query<ReferenceQuery>) -> ApiResult<Value> {
    let r: Vec<Value> = st
        .app
        .departments_listed(q.include_retired.unwrap_or(false))
        .await?
        .iter()
        .map(super::org::with_retired)
        .collect();
    Ok(Json(json!({"items": r, "total": r.len(), "page": 1, "per_page": r.len()})))
}

#[derive(Debug, Deserialize)]
pub struct EnterprisesQuery {
    pub q: Option<String>,
    pub district_id: Option<i64>,
    pub township_id: Option<i64>,
    pub officer_id: Option<i64>,
    pub unassigned: Option<bool>,
    /// Also deregistered enterprises (left out by default).
    pub include_deregistered: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// GET /api/v1/enterprises
pub async fn enterprises(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<EnterprisesQuery>,
) -> ApiResult<Paged<EnterpriseRow>> {
    let f = EnterpriseFilter {
        q: q.q,
        district_id: q.district_id,
        township_id: q.township_id,
        officer_id: q.officer_id,
        unassigned: q.unassigned.unwrap_or(false),
        include_deregistered: q.include_deregistered.unwrap_or(false),
    };
    let p = st.app.enterprises(&ctx.actor, &f, Page::new(q.page, q.per_page), &ctx.meta).await?;
    Ok(Json(p))
}

/// POST /api/v1/enterprises → 201
pub async fn create_enterprise(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    body: Result<Json<EnterpriseInput>, axum::extract::rejection::JsonRejection>,
) -> Result<(axum::http::StatusCode, Json<EnterpriseRow>), ApiError> {
    let Json(input) = body?;
    let e = st.app.create_enterprise(&ctx.actor, &input, &ctx.meta).await?;
    Ok((axum::http::StatusCode::CREATED, Json(e)))
}

/// GET /api/v1/enterprises/{id}
pub async fn enterprise(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> ApiResult<EnterpriseDetail> {
    Ok(Json(st.app.enterprise(&ctx.actor, id, &ctx.meta).await?))
}

/// GET /api/v1/enterprises/{id}/assignments — the history, newest first.
pub async fn enterprise_assignments(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> ApiResult<Value> {
    let d = st.app.enterprise(&ctx.actor, id, &ctx.meta).await?;
    let n = d.history.len();
    Ok(Json(json!({"items": d.history, "total": n, "page": 1, "per_page": n})))
}

#[derive(Debug, Deserialize)]
pub struct AssignBody {
    pub officer_id: i64,
    #[serde(default)]
    pub reason: String,
}

/// PUT /api/v1/enterprises/{id}/officer — assign or reassign.
pub async fn assign(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<AssignBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<AssignmentRow> {
    let Json(b) = body?;
    Ok(Json(st.app.assign(&ctx.actor, id, b.officer_id, &b.reason, &ctx.meta).await?))
}

/// POST /api/v1/districts/{id}/assign-unassigned → `{"assigned": N}`
pub async fn bulk_assign(State(st): State<AppState>, ApiCtx(ctx): ApiCtx, Path(id): Path<i64>) -> ApiResult<Value> {
    let n = st.app.bulk_assign_unassigned(&ctx.actor, id, &ctx.meta).await?;
    Ok(Json(json!({"assigned": n})))
}

#[derive(Debug, Deserialize)]
pub struct OfficersQuery {
    pub q: Option<String>,
    pub district_id: Option<i64>,
    pub department_id: Option<i64>,
    pub idle: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// GET /api/v1/officers
pub async fn officers(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<OfficersQuery>,
) -> ApiResult<Paged<OfficerRow>> {
    let f = OfficerFilter {
        q: q.q,
        district_id: q.district_id,
        department_id: q.department_id,
        idle: q.idle.unwrap_or(false),
    };
    Ok(Json(st.app.officers(&ctx.actor, &f, Page::new(q.page, q.per_page), &ctx.meta).await?))
}

/// GET /api/v1/officers/{id}
pub async fn officer(State(st): State<AppState>, ApiCtx(ctx): ApiCtx, Path(id): Path<i64>) -> ApiResult<OfficerDetail> {
    Ok(Json(st.app.officer(&ctx.actor, id, &ctx.meta).await?))
}

/// GET /api/v1/coverage
pub async fn coverage(State(st): State<AppState>, ApiCtx(ctx): ApiCtx) -> ApiResult<Value> {
    let rows: Vec<DistrictCoverage> = st.app.coverage(&ctx.actor, &ctx.meta).await?;
    let n = rows.len();
    Ok(Json(json!({"items": rows, "total": n, "page": 1, "per_page": n})))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// GET /api/v1/audit
pub async fn audit(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Paged<AuditEntry>> {
    let p = st.app.audit_log(&ctx.actor, q.action.as_deref(), Page::new(q.page, q.per_page), &ctx.meta).await?;
    Ok(Json(p))
}

/// POST /api/v1/imports/{kind} — the request body is the file (.xlsx or
/// .csv); an optional `X-File-Name` header names it. All or nothing: 422
/// with every bad row and column, or 200 with the counts.
pub async fn import(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<ImportReport> {
    let k = ImportKind::parse(&kind).ok_or_else(|| {
        ApiError::from(AppError::NotFound(format!("import kind '{kind}' (use enterprises, officers or assignments)")))
    })?;
    let name = headers.get("x-file-name").and_then(|v| v.to_str().ok()).unwrap_or("upload").to_string();
    Ok(Json(st.app.import(&ctx.actor, k, &name, &body, &ctx.meta, &|_, _| {}).await?))
}

/// PATCH /api/v1/officers/{id} — transfer: `{district_id?, home_department_id?, reason?}`.
pub async fn transfer_officer(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<TransferInput>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<OfficerDetail> {
    st.app
        .require(&ctx.actor, Capability::OfficerManage, "officer_transfer", &format!("officer:{id}"), &ctx.meta)
        .await?;
    let Json(b) = body?;
    Ok(Json(st.app.transfer_officer(&ctx.actor, id, &b, &ctx.meta).await?))
}

/// POST /api/v1/officers/{id}/handover — `{to_officer_id}` or `{spread_in_district: true}`
/// → `{moved, assignments: [{enterprise_id, to_officer_id}]}`.
pub async fn handover(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<HandoverInput>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<HandoverResult> {
    st.app
        .require(&ctx.actor, Capability::OfficerManage, "officer_handover", &format!("officer:{id}"), &ctx.meta)
        .await?;
    let Json(b) = body?;
    Ok(Json(st.app.handover(&ctx.actor, id, &b, &ctx.meta).await?))
}

/// PATCH /api/v1/enterprises/{id} — edit the record (history kept).
pub async fn edit_enterprise(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<EnterpriseDetail> {
    st.app
        .require(&ctx.actor, Capability::EnterpriseManage, "edit_enterprise", &format!("enterprise:{id}"), &ctx.meta)
        .await?;
    let Json(b) = body?;
    Ok(Json(st.app.edit_enterprise(&ctx.actor, id, &b, &ctx.meta).await?))
}

/// POST /api/v1/enterprises/{id}/deregister — `{kind, reason, date}`.
pub async fn deregister_enterprise(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<DeregisterInput>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<EnterpriseDetail> {
    st.app
        .require(
            &ctx.actor,
            Capability::EnterpriseManage,
            "deregister_enterprise",
            &format!("enterprise:{id}"),
            &ctx.meta,
        )
        .await?;
    let Json(b) = body?;
    Ok(Json(st.app.deregister_enterprise(&ctx.actor, id, &b, &ctx.meta).await?))
}

/// GET /api/v1/enterprises/{id}/history — the record's changes, newest first.
pub async fn enterprise_history(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> ApiResult<Value> {
    let items = st.app.enterprise_changes(&ctx.actor, id, &ctx.meta).await?;
    let n = items.len();
    Ok(Json(json!({"items": items, "total": n, "page": 1, "per_page": n})))
}
