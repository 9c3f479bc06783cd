//! People, managed by the admins: `POST/GET /api/v1/users`,
//! `GET/PATCH /api/v1/users/{id}`,
//! `POST /api/v1/users/{id}/{deactivate|reactivate|reset-password|unlock}`,
//! and everyone's `POST /api/v1/me/password`.

use crate::ctx::ApiCtx;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use zhuqi_app::accounts::{AccountPatch, NewAccount};
use zhuqi_domain::account::ScopeIds;
use zhuqi_store::users::UserRow;
use zhuqi_store::Page;

/// A user as the API answers it: the stored row, with an officer's home unit
/// (派出单位, stored as its department) as `home_department_id` /
/// `home_department_name` and no `department_id`.
pub fn user_json(u: &UserRow) -> Value {
    let mut v = serde_json::to_value(u).unwrap_or(Value::Null);
    let officer = u.role == "officer";
    v["home_department_id"] = if officer { json!(u.department_id) } else { Value::Null };
    v["home_department_name"] = if officer { json!(u.department_name) } else { Value::Null };
    if officer {
        v["department_id"] = Value::Null;
        v["department_name"] = Value::Null;
    }
    v
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub role: Option<String>,
    pub district_id: Option<i64>,
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// GET /api/v1/users?role=&district_id=&q=
pub async fn list(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let p = st
        .app
        .users_filtered(
            &ctx.actor,
            q.role.as_deref(),
            q.district_id,
            q.q.as_deref(),
            Page::new(q.page, q.per_page),
            &ctx.meta,
        )
        .await?;
    let items: Vec<Value> = p.items.iter().map(user_json).collect();
    Ok(Json(json!({"items": items, "total": p.total, "page": p.page, "per_page": p.per_page})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub district_id: Option<i64>,
    pub department_id: Option<i64>,
    pub home_department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// POST /api/v1/users → 201 `{user, one_time_password}`.
pub async fn create(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    body: Result<Json<CreateBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    st.app.require(&ctx.actor, zhuqi_domain::Capability::UserManage, "create_user", "users", &ctx.meta).await?;
    let Json(b) = body?;
    let new = NewAccount {
        username: b.username,
        display_name: b.display_name,
        role: b.role,
        scope: ScopeIds {
            district_id: b.district_id,
            department_id: b.department_id,
            home_department_id: b.home_department_id,
            enterprise_id: b.enterprise_id,
        },
        phone: b.phone.unwrap_or_default(),
    };
    let (u, otp) = st.app.create_user(&ctx.actor, &new, &ctx.meta).await?;
    Ok((StatusCode::CREATED, Json(json!({"user": user_json(&u), "one_time_password": otp}))))
}

/// GET /api/v1/users/{id}
pub async fn get(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let u = st.app.user(&ctx.actor, id, &ctx.meta).await?;
    Ok(Json(user_json(&u)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub phone: Option<String>,
    pub district_id: Option<i64>,
    pub department_id: Option<i64>,
    pub home_department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
}

/// PATCH /api/v1/users/{id}: `display_name`, `phone`, `role` and the scope
/// ids; when `role` or any scope id is sent, the scope becomes exactly the
/// ids sent.
pub async fn patch(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    body: Result<Json<PatchBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    st.app
        .require(&ctx.actor, zhuqi_domain::Capability::UserManage, "update_user", &format!("user:{id}"), &ctx.meta)
        .await?;
    let Json(b) = body?;
    let scope = ScopeIds {
        district_id: b.district_id,
        department_id: b.department_id,
        home_department_id: b.home_department_id,
        enterprise_id: b.enterprise_id,
    };
    let p = AccountPatch {
        display_name: b.display_name,
        role: b.role,
        scope: (scope != ScopeIds::default()).then_some(scope),
        phone: b.phone,
    };
    let u = st.app.update_user(&ctx.actor, id, &p, &ctx.meta).await?;
    Ok(Json(user_json(&u)))
}

/// POST /api/v1/users/{id}/deactivate
pub async fn deactivate(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(user_json(&st.app.deactivate_user(&ctx.actor, id, &ctx.meta).await?)))
}

/// POST /api/v1/users/{id}/reactivate
pub async fn reactivate(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(user_json(&st.app.reactivate_user(&ctx.actor, id, &ctx.meta).await?)))
}

/// POST /api/v1/users/{id}/reset-password → `{user, one_time_password}`.
pub async fn reset_password(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let (u, otp) = st.app.reset_password(&ctx.actor, id, &ctx.meta).await?;
    Ok(Json(json!({"user": user_json(&u), "one_time_password": otp})))
}

/// POST /api/v1/users/{id}/unlock
pub async fn unlock(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(user_json(&st.app.unlock_user(&ctx.actor, id, &ctx.meta).await?)))
}

#[derive(Debug, Deserialize)]
pub struct PasswordBody {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
}

/// POST /api/v1/me/password `{current_password, new_password}` → 204.
pub async fn change_password(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    body: Result<Json<PasswordBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body?;
    st.app.change_own_password(&ctx.actor, &ctx.token, &b.current_password, &b.new_password, &ctx.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
