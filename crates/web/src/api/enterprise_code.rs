//! The enterprise code (企业码) over JSON: an enterprise's code and its QR
//! images, rotation, one-time binding codes, binding requests and their
//! decision, and the public binding endpoint (rate-limited per IP and per
//! code, answering 429 with `Retry-After`).

use crate::ctx::{Anon, ApiCtx};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use zhuqi_app::enterprise_code::{BindInput, CodeView, EnterpriseBindings};
use zhuqi_app::rate_limit::RetryAfter;

/// The 429 answer of a rate-limited public endpoint (JSON envelope).
pub fn too_many_json(r: RetryAfter, request_id: &str) -> Response {
    let body = json!({"error": {
        "code": "rate_limited",
        "message": format!("请求过于频繁，请{}秒后再试 (too many requests; try again in {} s)", r.0, r.0),
        "request_id": request_id,
    }});
    (StatusCode::TOO_MANY_REQUESTS, [(RETRY_AFTER, r.0.to_string())], Json(body)).into_response()
}

/// GET /api/v1/enterprises/{id}/code
pub async fn get(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<CodeView>, ApiError> {
    Ok(Json(st.app.enterprise_code(&ctx.actor, id, &ctx.meta).await?))
}

/// POST /api/v1/enterprises/{id}/code/rotate
pub async fn rotate(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<CodeView>, ApiError> {
    Ok(Json(st.app.rotate_enterprise_code(&ctx.actor, id, &ctx.meta).await?))
}

async fn image(st: &AppState, ctx: &crate::ctx::Ctx, id: i64, png: bool) -> Result<Response, ApiError> {
    let bytes = st.app.enterprise_code_image(&ctx.actor, id, png, &ctx.meta).await?;
    let ct = if png { "image/png" } else { "image/svg+xml" };
    Ok(([(CONTENT_TYPE, ct), (CACHE_CONTROL, "private, no-store")], bytes).into_response())
}

/// GET /api/v1/enterprises/{id}/code.svg
pub async fn svg(State(st): State<AppState>, ApiCtx(ctx): ApiCtx, Path(id): Path<i64>) -> Result<Response, ApiError> {
    image(&st, &ctx, id, false).await
}

/// GET /api/v1/enterprises/{id}/code.png
pub async fn png(State(st): State<AppState>, ApiCtx(ctx): ApiCtx, Path(id): Path<i64>) -> Result<Response, ApiError> {
    image(&st, &ctx, id, true).await
}

/// POST /api/v1/enterprises/{id}/binding-codes → 201 `{code, expires_at}` (shown once).
pub async fn issue_code(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (code, expires) = st.app.issue_binding_code(&ctx.actor, id, &ctx.meta).await?;
    let body = json!({"code": code, "expires_at": zhuqi_domain::clock::rfc3339_cst(expires), "enterprise_id": id});
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// GET /api/v1/enterprises/{id}/bindings
pub async fn bindings(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<EnterpriseBindings>, ApiError> {
    Ok(Json(st.app.enterprise_bindings(&ctx.actor, id, &ctx.meta).await?))
}

#[derive(Debug, Deserialize)]
pub struct DecideBody {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// POST /api/v1/bindings/{id}/decide `{decision: approve|refuse, reason}`
pub async fn decide(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<DecideBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body?;
    let row = st.app.decide_binding(&ctx.actor, id, &b.decision, &b.reason, &ctx.meta).await?;
    Ok(Json(row).into_response())
}

/// POST /api/v1/codes/{token}/bind (public) → 201 `{"status": "bound"|"pending", …}`.
pub async fn bind(
    State(st): State<AppState>,
    anon: Anon,
    Path(token): Path<String>,
    body: Result<Json<BindInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let rid = anon.meta.request_id.clone();
    if let Err(r) = st.app.limit_code_request(&anon.meta.ip, &token) {
        st.app.audit(None, "bind", "code", "rate_limited", &format!("retry after {} s", r.0), &anon.meta).await;
        return Ok(too_many_json(r, &rid));
    }
    let Json(b) = body?;
    let out = st.app.bind(&token, &b, &anon.meta).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}
