//! Errors rendered twice: a JSON envelope for the API and an HTML page for
//! browsers. Each application error maps to exactly one status here.
//! Internal causes are logged with the request id and never shown.
//!
//! Handlers return `Result<_, ApiError>` or `Result<_, PageError>` and use `?`
//! on application results: both types are `From<AppError>` and take the
//! request id (and, for pages, the language) from the request's
//! [`RequestScope`], which the request-id middleware sets for the request's task.
//!
//! The API error envelope (documented in the OpenAPI document):
//! `{"error": {"code": "...", "message": "...", "request_id": "...",
//!   "field": "credit_code"?, "rows": [{"row", "column", "message"}]?}}`

use crate::ctx::RequestScope;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::json;
use zhuqi_app::AppError;
use zhuqi_domain::FieldError;

/// Logs what a client is not shown: the cause of an internal error.
fn log_internal(e: &AppError, request_id: &str) {
    if let AppError::Internal(cause) = e {
        tracing::error!(request_id = %request_id, %cause, "internal error");
    }
}

/// Status and stable code of an application error.
pub fn status_of(e: &AppError) -> (StatusCode, &'static str) {
    match e {
        AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        AppError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
        AppError::Locked(_) => (StatusCode::TOO_MANY_REQUESTS, "locked"),
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        AppError::InvalidRows(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_rows"),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
        AppError::Gone(_) => (StatusCode::GONE, "file_missing"),
        AppError::PasswordChangeRequired => (StatusCode::FORBIDDEN, "password_change_required"),
        AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

/// The message a client may see.
pub fn public_message(e: &AppError) -> String {
    match e {
        AppError::Internal(_) => "内部错误，请凭请求编号联系管理员 (internal error; quote the request id)".into(),
        AppError::Locked(until) => format!(
            "账号因多次登录失败已锁定至{} (account locked after repeated failed logins until {})",
            zhuqi_domain::clock::display_cst(*until),
            zhuqi_domain::clock::rfc3339_cst(*until)
        ),
        AppError::BadCredentials => "用户名或密码错误 (wrong username or password)".into(),
        AppError::Unauthenticated => "请先登录，或会话已过期 (sign in first; the session may have expired)".into(),
        AppError::PasswordChangeRequired => {
            "请先修改密码：POST /api/v1/me/password (change your password first: POST /api/v1/me/password)".into()
        }
        other => other.to_string(),
    }
}

/// An error of an API handler.
#[derive(Debug)]
pub struct ApiError {
    pub error: AppError,
    pub request_id: String,
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self { error, request_id: RequestScope::current().request_id }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        AppError::from(e).into()
    }
}

/// A JSON body that does not parse is a field error on `body`.
impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        FieldError::new("body", e.body_text()).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = status_of(&self.error);
        log_internal(&self.error, &self.request_id);
        let mut body = json!({
            "error": {"code": code, "message": public_message(&self.error), "request_id": self.request_id}
        });
        match &self.error {
            AppError::Invalid(f) => body["error"]["field"] = json!(f.field),
            AppError::InvalidRows(rows) => body["error"]["rows"] = json!(rows),
            _ => {}
        }
        let mut res = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            if let Ok(v) = "Bearer".parse() {
                res.headers_mut().insert("www-authenticate", v);
            }
        }
        res
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: Lang,
    status: u16,
    title: String,
    message: String,
    request_id: String,
}

impl ErrorPage {
    fn t(&self, k: &str) -> String {
        self.lang.t(k).to_string()
    }
}

/// An error of a page handler.
#[derive(Debug)]
pub enum PageError {
    Redirect(String),
    App { error: AppError, lang: Lang, request_id: String },
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        let RequestScope { request_id, lang } = RequestScope::current();
        PageError::App { error, lang, request_id }
    }
}

impl From<FieldError> for PageError {
    fn from(e: FieldError) -> Self {
        AppError::from(e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Redirect(to) => Redirect::to(&to).into_response(),
            PageError::App { error, lang, request_id } => {
                let (status, _) = status_of(&error);
                log_internal(&error, &request_id);
                let title = match status {
                    StatusCode::NOT_FOUND => lang.t("not_found"),
                    StatusCode::FORBIDDEN => lang.t("forbidden"),
                    _ => lang.t("error"),
                }
                .to_string();
                // Pages say what happened in the reader's language; the detail
                // (which action, which object) goes to the log with the request id.
                let message = match &error {
                    AppError::Forbidden(m) if !m.contains("CSRF") => {
                        tracing::info!(request_id = %request_id, detail = %m, "denied");
                        lang.t("forbidden_msg").to_string()
                    }
                    AppError::NotFound(m) => {
                        tracing::info!(request_id = %request_id, detail = %m, "not found");
                        lang.t("not_found_msg").to_string()
                    }
                    _ => public_message(&error),
                };
                let page = ErrorPage { lang, status: status.as_u16(), title, message, request_id };
                match page.render() {
                    Ok(html) => (status, Html(html)).into_response(),
                    Err(_) => (status, page.message).into_response(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhuqi_store::StoreError;

    #[test]
    fn a_unique_violation_never_shows_the_database_text() {
        let e = AppError::from(StoreError::Unique("UNIQUE constraint failed: users.username".into()));
        assert_eq!(status_of(&e).0, StatusCode::CONFLICT);
        let shown = public_message(&e);
        assert!(!shown.contains("users") && !shown.contains("UNIQUE"), "{shown}");
        let res = ApiError::from(e).into_response();
        assert_eq!(res.status(), StatusCode::CONFLICT);
    }
}
