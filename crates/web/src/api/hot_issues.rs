//! Hot issues (热点问题) over JSON: the list (with a status filter, in the
//! usual list shape), one issue with its member demands and history, the
//! coordinator's three decisions, and the detection parameters (city admin).

use crate::ctx::ApiCtx;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use zhuqi_app::hot_issues::{DecisionInput, HotIssueDetail, HotIssueItem};
use zhuqi_app::AppError;
use zhuqi_domain::hot_issues::{Decision, Params};
use zhuqi_domain::FieldError;
use zhuqi_store::{Page, Paged};

/// Query of the hot-issue list (API and page).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HotIssueQuery {
    /// `flagged` | `confirmed` | `merged` | `dismissed` (empty: all).
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The body of a decision: `reason` (required to dismiss), `lead_demand_id` (merge).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DecisionBody {
    pub reason: Option<String>,
    pub lead_demand_id: Option<i64>,
}

/// GET /api/v1/hot-issues
pub async fn list(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<HotIssueQuery>,
) -> Result<Json<Paged<HotIssueItem>>, ApiError> {
    let page = Page::new(q.page, q.per_page);
    Ok(Json(st.app.hot_issues(&ctx.actor, q.status.as_deref(), page, &ctx.meta).await?))
}

/// GET /api/v1/hot-issues/{id}
pub async fn get(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<HotIssueDetail>, ApiError> {
    Ok(Json(st.app.hot_issue(&ctx.actor, id, &ctx.meta).await?))
}

async fn decide(
    st: AppState,
    ctx: crate::ctx::Ctx,
    id: i64,
    d: Decision,
    body: Result<Json<DecisionBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<HotIssueDetail>, ApiError> {
    // An empty body is fine (confirm and merge need nothing).
    let b = match body {
        Ok(Json(b)) => b,
        Err(axum::extract::rejection::JsonRejection::MissingJsonContentType(_)) => DecisionBody::default(),
        Err(e) => return Err(ApiError::from(AppError::Invalid(FieldError::new("body", e.body_text())))),
    };
    let input = DecisionInput { reason: b.reason.unwrap_or_default(), lead_demand_id: b.lead_demand_id };
    Ok(Json(st.app.decide_hot_issue(&ctx.actor, id, d, &input, &ctx.meta).await?))
}

/// POST /api/v1/hot-issues/{id}/actions/confirm
pub async fn confirm(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<DecisionBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<HotIssueDetail>, ApiError> {
    decide(st, ctx, id, Decision::Confirm, body).await
}

/// POST /api/v1/hot-issues/{id}/actions/merge
pub async fn merge(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<DecisionBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<HotIssueDetail>, ApiError> {
    decide(st, ctx, id, Decision::Merge, body).await
}

/// POST /api/v1/hot-issues/{id}/actions/dismiss
pub async fn dismiss(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<DecisionBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<HotIssueDetail>, ApiError> {
    decide(st, ctx, id, Decision::Dismiss, body).await
}

/// GET /api/v1/hot-issues/settings
pub async fn settings(State(st): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Json<Params>, ApiError> {
    if st.app.hot_issue_scope(&ctx.actor) == zhuqi_store::hot_issues::HotScope::Nothing {
        let e = st.app.deny(&ctx.actor, "read_hot_issue_params", "setting:hot_issues", &ctx.meta).await;
        return Err(ApiError::from(e));
    }
    Ok(Json(st.app.hot_issue_params().await?))
}

/// PUT /api/v1/hot-issues/settings — `{min_enterprises, window_days, min_similarity_pct, min_significance_pct?}`.
pub async fn set_settings(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Params>, ApiError> {
    let Json(v) = body?;
    let current = st.app.hot_issue_params().await?;
    let field = |name: &str, cur: u32| -> Result<u32, ApiError> {
        match v.get(name) {
            None | Some(serde_json::Value::Null) => Ok(cur),
            Some(x) => x.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
                ApiError::from(AppError::Invalid(FieldError::new(
                    name,
                    format!("应为正整数 (a whole number, got {x})"),
                )))
            }),
        }
    };
    let p = Params {
        min_enterprises: field("min_enterprises", current.min_enterprises)?,
        window_days: field("window_days", current.window_days)?,
        min_similarity_pct: field("min_similarity_pct", current.min_similarity_pct)?,
        min_significance_pct: field("min_significance_pct", current.min_significance_pct)?,
    };
    st.app.set_hot_issue_params(&ctx.actor, &p, &ctx.meta).await?;
    Ok(Json(p))
}
