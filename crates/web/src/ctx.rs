//! Who is asking, in which language, with which request id: extractors and
//! the cookie/CSRF helpers shared by pages and the API.

use crate::error::{ApiError, PageError};
use crate::i18n::Lang;
use crate::AppState;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;
use serde::de::DeserializeOwned;
use zhuqi_app::{AppError, RequestMeta};
use zhuqi_domain::Actor;

pub const SESSION_COOKIE: &str = "zhuqi_session";
pub const LOGIN_CSRF_COOKIE: &str = "zhuqi_login_csrf";
pub const LANG_COOKIE: &str = "zhuqi_lang";

/// The request id, minted by [`request_id`] for every request.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// What an error response of the request needs: the request id it quotes and
/// the language of an error page. Set by [`request_id`] for the task serving
/// the request, so that `?` turns an [`AppError`] into an `ApiError` or a
/// `PageError` without the handler passing either along.
#[derive(Debug, Clone, Default)]
pub struct RequestScope {
    pub request_id: String,
    pub lang: Lang,
}

tokio::task_local! {
    static SCOPE: RequestScope;
}

impl RequestScope {
    /// The scope of the request being served; an empty id and the default
    /// language outside one (a handler called without the middleware).
    pub fn current() -> Self {
        SCOPE.try_with(Clone::clone).unwrap_or_default()
    }
}

/// Middleware: gives every request an id (echoed in `x-request-id`) and runs
/// the rest of the request inside its [`RequestScope`].
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let id = hex::encode(b);
    req.extensions_mut().insert(RequestId(id.clone()));
    let scope = RequestScope { request_id: id.clone(), lang: lang_of(req.headers()) };
    let mut res = SCOPE.scope(scope, next.run(req)).await;
    if let Ok(v) = id.parse() {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Reads one cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// Builds a `Set-Cookie` value.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>, secure: bool) -> String {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(a) = max_age_secs {
        s.push_str(&format!("; Max-Age={a}"));
    }
    if secure {
        s.push_str("; Secure");
    }
    s
}

/// The client's address as the router decided it (`crate::client_ip`:
/// the peer, or behind a trusted proxy the right-most untrusted hop).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

fn meta_of(parts: &Parts) -> RequestMeta {
    let ip = parts.extensions.get::<ClientIp>().map(|c| c.0.clone()).unwrap_or_default();
    let request_id = parts.extensions.get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    RequestMeta { ip, request_id }
}

pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE).and_then(|l| Lang::parse(&l)).unwrap_or_default()
}

fn token_of(headers: &HeaderMap) -> Option<String> {
    bearer_token(headers).or_else(|| cookie(headers, SESSION_COOKIE))
}

/// The token of an `Authorization: Bearer …` header.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let b = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok())?;
    b.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// Request facts available without signing in.
#[derive(Debug, Clone)]
pub struct Anon {
    pub meta: RequestMeta,
    pub lang: Lang,
    pub path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Anon {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Anon {
            meta: meta_of(parts),
            lang: lang_of(&parts.headers),
            path: parts.uri.path_and_query().map_or_else(|| "/".to_string(), |p| p.as_str().to_string()),
        })
    }
}

/// A signed-in user (from the session cookie or a bearer token).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub token: String,
    pub csrf: String,
    pub meta: RequestMeta,
    pub lang: Lang,
    pub path: String,
    /// Unread notifications (pages only; 0 for the API).
    pub unread: i64,
    /// Signed in with a one-time password, not changed yet (see [`gate`]).
    pub must_change_password: bool,
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Ctx, AppError> {
    let anon = Anon { meta: meta_of(parts), lang: lang_of(&parts.headers), path: parts.uri.path().to_string() };
    let token = token_of(&parts.headers).ok_or(AppError::Unauthenticated)?;
    let s = state.app.session(&token).await?;
    Ok(Ctx {
        actor: s.actor,
        token,
        csrf: s.csrf_token,
        meta: anon.meta,
        lang: anon.lang,
        path: anon.path,
        unread: 0,
        must_change_password: s.must_change_password,
    })
}

/// The page a user who must change their password is led to.
pub const PASSWORD_PAGE: &str = "/me/password";

/// The one gate of the must-change-password state (a session signed in with
/// a one-time password): what such a session may still request. The API:
/// `GET /api/v1/me`, `POST /api/v1/me/password` and sign-out; pages: the
/// change form and sign-out (static assets and the language switch need no
/// session). Everything else answers 403 `password_change_required` (API)
/// or leads to the change form (pages).
fn allowed_while_must_change(method: &axum::http::Method, path: &str) -> bool {
    use axum::http::Method;
    matches!(
        (method, path),
        (&Method::GET, "/api/v1/me")
            | (&Method::POST, "/api/v1/me/password")
            | (&Method::POST, "/api/v1/auth/logout")
            | (&Method::GET, PASSWORD_PAGE)
            | (&Method::POST, PASSWORD_PAGE)
            | (&Method::POST, "/logout")
    )
}

/// Extractor for API handlers: 401 JSON when not signed in.
#[derive(Debug, Clone)]
pub struct ApiCtx(pub Ctx);

impl<S> FromRequestParts<S> for ApiCtx
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let st = AppState::from_ref(state);
        let ctx = resolve(parts, &st).await?;
        if ctx.must_change_password && !allowed_while_must_change(&parts.method, parts.uri.path()) {
            return Err(AppError::PasswordChangeRequired.into());
        }
        if !parts.method.is_safe() && !same_site_proof(&parts.headers, &ctx.csrf) {
            return Err(AppError::Forbidden(
                "跨站请求被拒绝：请附带 X-CSRF-Token 或以 JSON 提交 (cross-site request refused: send X-CSRF-Token or a JSON body)".into(),
            )
            .into());
        }
        Ok(ApiCtx(ctx))
    }
}

/// Whether an API write cannot come from another site's form: it is
/// authenticated by a bearer token (a cookie is sent by any site's form, a
/// header is not), or it carries the session's CSRF token in
/// `X-CSRF-Token`, or its body is JSON (a cross-site JSON request needs a
/// CORS preflight this server never grants).
fn same_site_proof(headers: &HeaderMap, csrf: &str) -> bool {
    let bearer = bearer_token(headers).is_some();
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| !csrf.is_empty() && constant_time_eq(t.as_bytes(), csrf.as_bytes()));
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    bearer || token || json
}

/// Extractor for pages: redirects to the sign-in page when not signed in.
#[derive(Debug, Clone)]
pub struct PageCtx(pub Ctx);

impl<S> FromRequestParts<S> for PageCtx
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let st = AppState::from_ref(state);
        match resolve(parts, &st).await {
            Ok(c) if c.must_change_password && !allowed_while_must_change(&parts.method, parts.uri.path()) => {
                Err(PageError::Redirect(PASSWORD_PAGE.to_string()))
            }
            Ok(mut c) => {
                c.unread = st.app.unread_count(&c.actor).await.unwrap_or(0);
                Ok(PageCtx(c))
            }
            Err(AppError::Unauthenticated) => {
                let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                Err(PageError::Redirect(format!("/login?next={}", urlencode(next))))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A form POST from a signed-in user whose `_csrf` field must equal the
/// session's CSRF token. Every page form goes through this extractor.
#[derive(Debug)]
pub struct CsrfForm<T> {
    pub ctx: Ctx,
    pub form: T,
}

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let PageCtx(ctx) = PageCtx::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, 2 * 1024 * 1024)
            .await
            .map_err(|_| zhuqi_domain::FieldError::new("body", "form too large"))?;
        check_csrf_field(&ctx, &bytes)?;
        let form: T = serde_urlencoded_from(&bytes).map_err(|m| zhuqi_domain::FieldError::new("form", m))?;
        Ok(CsrfForm { ctx, form })
    }
}

fn serde_urlencoded_from<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_urlencoded::from_bytes(bytes).map_err(|e| e.to_string())
}

/// Checks the `_csrf` field of an urlencoded body against the session.
pub fn check_csrf_field(ctx: &Ctx, body: &[u8]) -> Result<(), PageError> {
    let sent = url_field(body, "_csrf");
    check_csrf_value(ctx, sent.as_deref())
}

pub fn check_csrf_value(ctx: &Ctx, sent: Option<&str>) -> Result<(), PageError> {
    if sent.is_some_and(|s| constant_time_eq(s.as_bytes(), ctx.csrf.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::Forbidden("CSRF token missing or wrong; reload the page and try again".into()).into())
    }
}

/// One field of an urlencoded body or query string.
pub fn url_field(body: &[u8], name: &str) -> Option<String> {
    let s = std::str::from_utf8(body).ok()?;
    s.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let h = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = h {
                    out.push(b);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn random_hex() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}
