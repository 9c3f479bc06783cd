//! `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`, `GET /api/v1/me`.

use crate::ctx::{set_cookie, Anon, ApiCtx, SESSION_COOKIE};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use zhuqi_app::AppError;
use zhuqi_domain::capability;

#[derive(Debug, Deserialize)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

/// POST /api/v1/auth/login → 200 `{"token", "expires_at", "user"}` and the
/// session cookie; 401 on wrong credentials; 429 when locked.
pub async fn login(
    State(st): State<AppState>,
    anon: Anon,
    body: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let rid = anon.meta.request_id.clone();
    let Json(b) = body?;
    // Failed sign-ins are limited per client IP (successful ones are not counted).
    if let Err(r) = st.app.login_allowed(&anon.meta.ip) {
        st.app
            .audit(None, "login", b.username.trim(), "rate_limited", &format!("retry after {} s", r.0), &anon.meta)
            .await;
        return Ok(crate::api::enterprise_code::too_many_json(r, &rid));
    }
    let s = match st.app.login(&b.username, &b.password, &anon.meta).await {
        Ok(s) => s,
        Err(e) => {
            if matches!(e, AppError::BadCredentials | AppError::Locked(_)) {
                st.app.login_failed(&anon.meta.ip);
            }
            return Err(ApiError::from(e));
        }
    };
    let max_age = (s.expires_at - st.app.now_ms()) / 1000;
    let body = json!({
        "token": s.token,
        "expires_at": zhuqi_domain::clock::rfc3339_cst(s.expires_at),
        "user": s.actor,
        "must_change_password": s.must_change_password,
    });
    Ok(([(SET_COOKIE, set_cookie(SESSION_COOKIE, &s.token, Some(max_age), st.web.secure_cookies))], Json(body))
        .into_response())
}

/// POST /api/v1/auth/logout → 204.
pub async fn logout(State(st): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Response, ApiError> {
    st.app.logout(&ctx.token, &ctx.actor, &ctx.meta).await?;
    Ok((
        axum::http::StatusCode::NO_CONTENT,
        [(SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0), st.web.secure_cookies))],
    )
        .into_response())
}

/// GET /api/v1/me — the user, what their role may do (capability names,
/// sorted) and the `data-nav` keys of the navigation they see.
pub async fn me(State(st): State<AppState>, ApiCtx(ctx): ApiCtx) -> Result<Json<serde_json::Value>, ApiError> {
    let u = st.app.me(&ctx.actor).await?;
    let mut capabilities: Vec<&str> =
        capability::capabilities(ctx.actor.role).into_iter().map(|c| c.as_str()).collect();
    capabilities.sort_unstable();
    Ok(Json(json!({
        "user": {
            "id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
            "district_id": u.district_id, "district_name": u.district_name,
            "department_id": u.department_id, "department_name": u.department_name,
            "enterprise_id": u.enterprise_id, "enterprise_name": u.enterprise_name,
            "phone": u.phone,
            "home_department_id": if u.role == "officer" { u.department_id } else { None },
            "must_change_password": u.must_change_password != 0,
        },
        "must_change_password": ctx.must_change_password,
        "capabilities": capabilities,
        "nav": crate::pages::nav_keys(ctx.actor.role),
    })))
}
