//! Sign in, sign out, language switch. The sign-in form is protected against
//! login CSRF with a double-submit cookie; a new session id is minted at
//! every login.

use crate::ctx::{cookie, random_hex, set_cookie, Anon, CsrfForm, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::error::{public_message, PageError};
use crate::i18n::Lang;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use zhuqi_app::AppError;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

impl LoginPage {
    fn t(&self, k: &str) -> String {
        self.lang.t(k).to_string()
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// Only a path on this site is followed after sign-in or a language switch
/// (no open redirect). `next` is parsed the way the browser will parse the
/// `Location` (the WHATWG URL rules: tabs and newlines dropped, `\` read as
/// `/`, `//host` another host, control characters percent-encoded) against
/// this site, and kept only when it stays here; what is kept is the parsed
/// path, query and fragment, so the header is always valid.
pub fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/";
    let Some(next) = next.filter(|n| n.starts_with('/')) else { return HOME.into() };
    let Ok(base) = url::Url::parse("http://zhuqi.invalid/") else { return HOME.into() };
    match base.join(next) {
        Ok(u) if u.origin() == base.origin() => {
            let mut out = u.path().to_string();
            if let Some(q) = u.query() {
                out.push('?');
                out.push_str(q);
            }
            if let Some(f) = u.fragment() {
                out.push('#');
                out.push_str(f);
            }
            out
        }
        _ => HOME.into(),
    }
}

fn login_page(
    anon: &Anon,
    headers: &HeaderMap,
    next: String,
    username: String,
    error: Option<String>,
    status: axum::http::StatusCode,
    secure: bool,
) -> Response {
    let csrf = cookie(headers, LOGIN_CSRF_COOKIE).filter(|c| c.len() == 32).unwrap_or_else(random_hex);
    let page = LoginPage { lang: anon.lang, csrf: csrf.clone(), next, username, error };
    match page.render() {
        Ok(html) => (status, [(SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, &csrf, Some(3600), secure))], Html(html))
            .into_response(),
        Err(e) => PageError::from(AppError::Internal(e.to_string())).into_response(),
    }
}

/// GET /login
pub async fn show(State(st): State<AppState>, anon: Anon, headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    login_page(
        &anon,
        &headers,
        safe_next(q.next.as_deref()),
        String::new(),
        None,
        axum::http::StatusCode::OK,
        st.web.secure_cookies,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// POST /login
pub async fn submit(State(st): State<AppState>, anon: Anon, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let next = safe_next(f.next.as_deref());
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !crate::ctx::constant_time_eq(expected.as_bytes(), f.csrf.as_bytes()) {
        let msg = "表单已过期，请重新提交 (the form expired; please submit again)".to_string();
        return login_page(
            &anon,
            &headers,
            next,
            f.username,
            Some(msg),
            axum::http::StatusCode::FORBIDDEN,
            st.web.secure_cookies,
        );
    }
    if let Err(r) = st.app.login_allowed(&anon.meta.ip) {
        st.app
            .audit(None, "login", f.username.trim(), "rate_limited", &format!("retry after {} s", r.0), &anon.meta)
            .await;
        return super::enterprise_code::too_many_page(anon.lang, r);
    }
    match st.app.login(&f.username, &f.password, &anon.meta).await {
        Ok(s) => {
            let max_age = (s.expires_at - st.app.now_ms()) / 1000;
            let mut res = Redirect::to(&next).into_response();
            if let Ok(v) = set_cookie(SESSION_COOKIE, &s.token, Some(max_age), st.web.secure_cookies).parse() {
                res.headers_mut().append(SET_COOKIE, v);
            }
            if let Ok(v) = set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), st.web.secure_cookies).parse() {
                res.headers_mut().append(SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            if matches!(e, AppError::BadCredentials | AppError::Locked(_)) {
                st.app.login_failed(&anon.meta.ip);
            }
            let status = crate::error::status_of(&e).0;
            login_page(&anon, &headers, next, f.username, Some(public_message(&e)), status, st.web.secure_cookies)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

/// POST /logout
pub async fn logout(State(st): State<AppState>, form: CsrfForm<Empty>) -> Response {
    let ctx = form.ctx;
    let _ = st.app.logout(&ctx.token, &ctx.actor, &ctx.meta).await;
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", Some(0), st.web.secure_cookies).parse() {
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}

/// GET /lang/{lang}?next=… — remembers the language in a cookie.
pub async fn switch_lang(Path(lang): Path<String>, Query(q): Query<NextQuery>, State(st): State<AppState>) -> Response {
    let l = Lang::parse(&lang).unwrap_or_default();
    let code = match l {
        Lang::Zh => "zh",
        Lang::En => "en",
    };
    let mut res = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    if let Ok(v) = set_cookie(LANG_COOKIE, code, Some(365 * 86400), st.web.secure_cookies).parse() {
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    /// What a browser would make of each `next` (WHATWG URL parsing): only
    /// paths of this site survive, and they survive as valid header values.
    #[test]
    fn only_a_path_on_this_site_is_followed() {
        for (next, want) in [
            (None, "/"),
            (Some("/enterprises"), "/enterprises"),
            (Some("/demands?status=submitted&page=2"), "/demands?status=submitted&page=2"),
            (Some("/visits/1#photos"), "/visits/1#photos"),
            (Some("/a/../b"), "/b"),
            // Another host, however it is written.
            (Some("//evil.example/"), "/"),
            (Some("/\\evil.example/"), "/"),
            (Some("/\t/evil.example/"), "/"),
            (Some("/\n/evil.example/"), "/"),
            (Some("/\r\n/evil.example"), "/"),
            (Some("https://evil.example/"), "/"),
            (Some("evil.example"), "/"),
            (Some("javascript:alert(1)"), "/"),
            (Some(""), "/"),
            // Control and non-ASCII characters are percent-encoded, never raw in a header.
            (Some("/\u{1}"), "/"),
            (Some("/a\u{1}b"), "/a%01b"),
            (Some("/企业"), "/%E4%BC%81%E4%B8%9A"),
        ] {
            let got = safe_next(next);
            assert_eq!(got, want, "{next:?}");
            assert!(axum::http::HeaderValue::from_str(&got).is_ok(), "{next:?}");
        }
    }
}
