//! Pages of the enterprise code (企业码): the public landing and binding
//! page `/c/{token}` (phone first, no sign-in, rate-limited, login-CSRF
//! style double-submit cookie), the printable A4 posters (one enterprise or
//! a whole district), and the officer's forms: rotate the code, issue a
//! one-time code, decide a binding request, remove a user. Also "我的服务员"
//! for enterprise users.

use super::{chrome, render, Chrome};
use crate::ctx::{cookie, random_hex, set_cookie, Anon, CsrfForm, PageCtx, LOGIN_CSRF_COOKIE};
use crate::error::{public_message, PageError};
use crate::i18n::Lang;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use zhuqi_app::enterprise_code::{BindInput, BindOutcome, CodeView, EnterpriseBindings, Landing, Poster};
use zhuqi_app::rate_limit::RetryAfter;
use zhuqi_app::AppError;
use zhuqi_domain::capability::Capability;
use zhuqi_store::users::OfficerRow;

/// The enterprise code part of the enterprise detail page.
#[derive(Debug, Clone)]
pub struct CodeSection {
    pub view: CodeView,
    pub bindings: EnterpriseBindings,
    pub district_posters: bool,
}

/// The section for the detail page, when the actor manages the enterprise.
pub async fn section(st: &AppState, ctx: &crate::ctx::Ctx, id: i64, district_id: i64) -> Option<CodeSection> {
    if !zhuqi_app::enterprise_code::may_manage(ctx.actor.role) {
        return None;
    }
    let view = st.app.enterprise_code(&ctx.actor, id, &ctx.meta).await.ok()?;
    let bindings = st.app.enterprise_bindings(&ctx.actor, id, &ctx.meta).await.ok()?;
    Some(CodeSection { view, bindings, district_posters: ctx.actor.may_assign_in(district_id) })
}

#[derive(Template)]
#[template(path = "code_landing.html")]
struct LandingPage {
    lang: Lang,
    token: String,
    landing: Option<Landing>,
    csrf: String,
    error: Option<String>,
    name: String,
    phone: String,
    code: String,
    pw_hint: String,
    /// (status, title, message) once submitted.
    done: Option<(String, String, String)>,
}

impl LandingPage {
    fn t(&self, k: &str) -> String {
        self.lang.t(k).to_string()
    }
}

/// The 429 page of a rate-limited public page.
pub fn too_many_page(lang: Lang, r: RetryAfter) -> Response {
    let msg = format!("请求过于频繁，请{}秒后再试 (too many requests; try again in {} s)", r.0, r.0);
    let body = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>429</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"error\" data-page=\"error\" data-status=\"429\"><h1>429</h1><p class=\"message\" data-testid=\"rate-limited\">{msg}</p></main></body></html>",
        lang.code()
    );
    (StatusCode::TOO_MANY_REQUESTS, [(RETRY_AFTER, r.0.to_string())], Html(body)).into_response()
}

fn pw_hint(st: &AppState, lang: Lang) -> String {
    let p = &st.app.config.password;
    match lang {
        Lang::Zh => format!("至少{}位{}", p.min_length, if p.require_letter { "，含字母" } else { "" }),
        Lang::En => {
            format!("At least {} characters{}", p.min_length, if p.require_letter { ", with a letter" } else { "" })
        }
    }
}

#[expect(clippy::too_many_arguments, reason = "one page, its state spelled out")]
fn landing_response(
    st: &AppState,
    anon: &Anon,
    headers: &HeaderMap,
    token: &str,
    landing: Option<Landing>,
    input: Option<&BindInput>,
    error: Option<String>,
    done: Option<(String, String, String)>,
    status: StatusCode,
) -> Response {
    let csrf = cookie(headers, LOGIN_CSRF_COOKIE).filter(|c| c.len() == 32).unwrap_or_else(random_hex);
    let page = LandingPage {
        lang: anon.lang,
        token: if zhuqi_app::enterprise_code::token_shape_ok(token) { token.to_string() } else { String::new() },
        landing,
        csrf: csrf.clone(),
        error,
        name: input.map(|i| i.name.clone()).unwrap_or_default(),
        phone: input.map(|i| i.phone.clone()).unwrap_or_default(),
        code: input.map(|i| i.code.clone()).unwrap_or_default(),
        pw_hint: pw_hint(st, anon.lang),
        done,
    };
    match page.render() {
        Ok(html) => (
            status,
            [(SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, &csrf, Some(3600), st.web.secure_cookies))],
            Html(html),
        )
            .into_response(),
        Err(e) => PageError::from(AppError::Internal(e.to_string())).into_response(),
    }
}

/// GET /c/{token} — public: the enterprise's landing page with the binding
/// form; 404 with a friendly page for an unknown or replaced code.
pub async fn landing(
    State(st): State<AppState>,
    anon: Anon,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    if let Err(r) = st.app.limit_code_request(&anon.meta.ip, &token) {
        return too_many_page(anon.lang, r);
    }
    match st.app.code_landing(&token).await {
        Ok(l) => landing_response(&st, &anon, &headers, &token, Some(l), None, None, None, StatusCode::OK),
        Err(AppError::NotFound(_)) => {
            landing_response(&st, &anon, &headers, &token, None, None, None, None, StatusCode::NOT_FOUND)
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct BindForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    input: BindInput,
}

/// POST /c/{token} — public: bind with a one-time code, or ask for approval.
pub async fn bind(
    State(st): State<AppState>,
    anon: Anon,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<BindForm>,
) -> Response {
    if let Err(r) = st.app.limit_code_request(&anon.meta.ip, &token) {
        st.app.audit(None, "bind", "code", "rate_limited", &format!("retry after {} s", r.0), &anon.meta).await;
        return too_many_page(anon.lang, r);
    }
    let landing = match st.app.code_landing(&token).await {
        Ok(l) => l,
        Err(AppError::NotFound(_)) => {
            st.app.audit(None, "bind", "code", "failure", "unknown or replaced code", &anon.meta).await;
            return landing_response(&st, &anon, &headers, &token, None, None, None, None, StatusCode::NOT_FOUND);
        }
        Err(e) => return PageError::from(e).into_response(),
    };
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !crate::ctx::constant_time_eq(expected.as_bytes(), f.csrf.as_bytes()) {
        let msg = anon.lang.t("ec_form_expired").to_string();
        return landing_response(
            &st,
            &anon,
            &headers,
            &token,
            Some(landing),
            Some(&f.input),
            Some(msg),
            None,
            StatusCode::FORBIDDEN,
        );
    }
    let lang = anon.lang;
    match st.app.bind(&token, &f.input, &anon.meta).await {
        Ok(BindOutcome::Bound { .. }) => {
            let done = ("bound".to_string(), lang.t("ec_bound_title").to_string(), lang.t("ec_bound_msg").to_string());
            landing_response(&st, &anon, &headers, &token, Some(landing), None, None, Some(done), StatusCode::OK)
        }
        Ok(BindOutcome::Pending { .. }) => {
            let done =
                ("pending".to_string(), lang.t("ec_pending_title").to_string(), lang.t("ec_pending_msg").to_string());
            landing_response(&st, &anon, &headers, &token, Some(landing), None, None, Some(done), StatusCode::OK)
        }
        Err(AppError::NotFound(_)) => {
            landing_response(&st, &anon, &headers, &token, None, None, None, None, StatusCode::NOT_FOUND)
        }
        Err(e @ AppError::Invalid(_)) => {
            let status = crate::error::status_of(&e).0;
            let msg = match &e {
                AppError::Invalid(fe) => fe.message.clone(),
                other => public_message(other),
            };
            landing_response(&st, &anon, &headers, &token, Some(landing), Some(&f.input), Some(msg), None, status)
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "poster.html")]
struct PosterPage {
    lang: Lang,
    title: String,
    back: String,
    /// The district's zip of PNGs (bulk view only).
    zip: Option<String>,
    posters: Vec<Poster>,
}

impl PosterPage {
    fn t(&self, k: &str) -> String {
        self.lang.t(k).to_string()
    }
}

/// GET /enterprises/{id}/poster — one A4 poster.
pub async fn poster(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let p = st.app.enterprise_poster(&ctx.actor, id, &ctx.meta).await?;
    let page = PosterPage {
        lang: ctx.lang,
        title: p.enterprise.name.clone(),
        back: format!("/enterprises/{id}"),
        zip: None,
        posters: vec![p],
    };
    render(&ctx, &page)
}

/// GET /districts/{id}/posters — every poster of a district, one per A4 page.
pub async fn district_posters(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let posters = st.app.district_posters(&ctx.actor, id, &ctx.meta).await?;
    let title = posters.first().map(|p| p.enterprise.district_name.clone()).unwrap_or_default();
    let page = PosterPage {
        lang: ctx.lang,
        title,
        back: "/enterprises".into(),
        zip: Some(format!("/districts/{id}/codes.zip")),
        posters,
    };
    render(&ctx, &page)
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

/// POST /enterprises/{id}/code/rotate
pub async fn rotate(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Empty>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    st.app.rotate_enterprise_code(&ctx.actor, id, &ctx.meta).await?;
    Ok(Redirect::to(&format!("/enterprises/{id}#code")))
}

#[derive(Template)]
#[template(path = "binding_code.html")]
struct BindingCodePage {
    c: Chrome,
    enterprise_id: i64,
    enterprise_name: String,
    code: String,
    expires: String,
}

/// POST /enterprises/{id}/binding-codes — shows the new one-time code once.
pub async fn issue_code(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Empty>,
) -> Result<Html<String>, PageError> {
    let ctx = f.ctx;
    let (code, expires) = st.app.issue_binding_code(&ctx.actor, id, &ctx.meta).await?;
    let e = st.app.enterprise(&ctx.actor, id, &ctx.meta).await?;
    let page = BindingCodePage {
        c: chrome(&ctx, "binding-code", ctx.lang.t("ec_one_time_code").to_string(), "enterprises"),
        enterprise_id: id,
        enterprise_name: e.enterprise.name,
        code,
        expires: zhuqi_domain::clock::display_cst(expires),
    };
    render(&ctx, &page)
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// POST /bindings/{id}/decide
pub async fn decide(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<DecideForm>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    let row = st.app.decide_binding(&ctx.actor, id, &f.form.decision, &f.form.reason, &ctx.meta).await?;
    Ok(Redirect::to(&format!("/enterprises/{}#code", row.enterprise_id)))
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    user_id: i64,
}

/// POST /enterprises/{id}/users/remove
pub async fn remove_user(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<RemoveForm>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    st.app.deactivate_enterprise_user(&ctx.actor, id, f.form.user_id, &ctx.meta).await?;
    Ok(Redirect::to(&format!("/enterprises/{id}#code")))
}

#[derive(Template)]
#[template(path = "my_officer.html")]
struct MyOfficerPage {
    c: Chrome,
    officer: Option<OfficerRow>,
}

/// GET /my-officer — the enterprise user's officer and how to reach them.
pub async fn my_officer(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Html<String>, PageError> {
    st.app.require(&ctx.actor, Capability::MyOfficerRead, "read_my_officer", "my_officer", &ctx.meta).await?;
    let list =
        st.app.officers(&ctx.actor, &Default::default(), zhuqi_store::Page::new(Some(1), Some(1)), &ctx.meta).await?;
    let page = MyOfficerPage {
        c: chrome(&ctx, "my-officer", ctx.lang.t("my_officer").to_string(), "my_officer"),
        officer: list.items.into_iter().next(),
    };
    render(&ctx, &page)
}

/// GET /districts/{id}/codes.zip — the QR PNGs of a district with an index.
pub async fn district_zip(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let bytes = st.app.district_codes_zip(&ctx.actor, id, &ctx.meta).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/zip".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"enterprise-codes-{id}.zip\"")),
        ],
        bytes,
    )
        .into_response())
}
