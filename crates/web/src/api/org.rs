//! Regions and departments managed in the product (city admin): add,
//! rename, retire. The lists (`GET /api/v1/regions`, `GET /api/v1/departments`)
//! are in [`super::directory`].

use crate::ctx::ApiCtx;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use zhuqi_app::org::{DepartmentInput, DepartmentPatch, RegionInput, RegionPatch};
use zhuqi_domain::Capability;

/// A region or department as JSON, with `retired` beside `retired_at`.
pub fn with_retired<T: serde::Serialize>(row: &T) -> Value {
    let mut v = serde_json::to_value(row).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        let retired = m.get("retired_at").is_some_and(|r| !r.is_null());
        m.insert("retired".into(), Value::Bool(retired));
    }
    v
}

/// POST /api/v1/regions → 201 with the region.
pub async fn create_region(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    body: Result<Json<RegionInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // Refused before the body is read: a forbidden caller learns nothing from validation.
    st.app.require(&ctx.actor, Capability::RegionManage, "create_region", "regions", &ctx.meta).await?;
    let Json(input) = body?;
    let r = st.app.create_region(&ctx.actor, &input, &ctx.meta).await?;
    Ok((StatusCode::CREATED, Json(with_retired(&r))))
}

/// PATCH /api/v1/regions/{id}
pub async fn update_region(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<RegionPatch>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    st.app.require(&ctx.actor, Capability::RegionManage, "update_region", &format!("region:{id}"), &ctx.meta).await?;
    let Json(patch) = body?;
    let r = st.app.update_region(&ctx.actor, id, &patch, &ctx.meta).await?;
    Ok(Json(with_retired(&r)))
}

/// POST /api/v1/departments → 201 with the department (its `id` among the fields).
pub async fn create_department(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    body: Result<Json<DepartmentInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    st.app.require(&ctx.actor, Capability::DepartmentManage, "create_department", "departments", &ctx.meta).await?;
    let Json(input) = body?;
    let d = st.app.create_department(&ctx.actor, &input, &ctx.meta).await?;
    Ok((StatusCode::CREATED, Json(with_retired(&d))))
}

/// PATCH /api/v1/departments/{id}
pub async fn update_department(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<DepartmentPatch>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let target = format!("department:{id}");
    st.app.require(&ctx.actor, Capability::DepartmentManage, "update_department", &target, &ctx.meta).await?;
    let Json(patch) = body?;
    let d = st.app.update_department(&ctx.actor, id, &patch, &ctx.meta).await?;
    Ok(Json(with_retired(&d)))
}
