//! Sign-in, sessions, lockout and CSRF over real HTTP requests.

use crate::harness::{engines, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::Duration;
use serde_json::json;
use zhuqi_app::AppConfig;

#[tokio::test]
async fn api_login_returns_a_token_and_a_hardened_cookie() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let req = Request::post("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"username": "admin", "password": "zhuqi-demo"}).to_string()))
            .unwrap();
        let (s, h, body) = t.send(req).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let token = v["token"].as_str().unwrap();
        assert_eq!(token.len(), 64);
        let cookie = h.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        assert!(cookie.starts_with(&format!("zhuqi_session={token}")));
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        let (s, me) = t.json(Method::GET, "/api/v1/me", Some(token), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(me["user"]["role"], "city_admin");
        // A new session id at every login.
        assert_ne!(t.token("admin").await, token);
    }
}

#[tokio::test]
async fn a_wrong_password_gets_401_with_the_envelope_and_changes_nothing_but_the_counter() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let sessions = t.count("sessions").await;
        let (s, v) = t
            .json(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": "admin", "password": "nope-nope"})))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
        assert_eq!(v["error"]["code"], "bad_credentials");
        assert!(!v["error"]["request_id"].as_str().unwrap().is_empty());
        assert_eq!(t.count("sessions").await, sessions);
        let (s, _) =
            t.json(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": "ghost", "password": "x"}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, v) = t.json(Method::POST, "/api/v1/auth/login", None, Some(json!({"user": "admin"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    }
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password_until_the_lock_ends() {
    for e in engines() {
        let t = TestApp::new(e).await;
        for i in 1..=4 {
            let (s, _) = t
                .json(
                    Method::POST,
                    "/api/v1/auth/login",
                    None,
                    Some(json!({"username": "officer-a", "password": "bad"})),
                )
                .await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{e} attempt {i}");
        }
        let (s, v) = t
            .json(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": "officer-a", "password": "bad"})))
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}");
        assert_eq!(v["error"]["code"], "locked");
        let (s, _) = t
            .json(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "officer-a", "password": "zhuqi-demo"})),
            )
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}: still locked");
        t.clock.advance(Duration::minutes(16));
        t.token("officer-a").await;
        let (s, v) = t.json(Method::GET, "/api/v1/audit?action=lockout", Some(&t.token("auditor").await), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["total"], 1, "{e}: the lockout is audited once");
    }
}

#[tokio::test]
async fn sessions_end_after_the_idle_timeout_and_the_absolute_lifetime() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let tok = t.token("admin").await;
        t.clock.advance(Duration::minutes(29));
        assert_eq!(t.json(Method::GET, "/api/v1/me", Some(&tok), None).await.0, StatusCode::OK, "{e}");
        t.clock.advance(Duration::minutes(31));
        let (s, v) = t.json(Method::GET, "/api/v1/me", Some(&tok), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}: idle timeout");
        assert_eq!(v["error"]["code"], "unauthenticated");
        // Absolute lifetime: active every 20 minutes, still cut at 12 h.
        let cfg = AppConfig { session_absolute_hours: 1, ..Default::default() };
        let t = TestApp::with_config(e, cfg).await;
        let tok = t.token("admin").await;
        for _ in 0..2 {
            t.clock.advance(Duration::minutes(20));
            assert_eq!(t.json(Method::GET, "/api/v1/me", Some(&tok), None).await.0, StatusCode::OK);
        }
        t.clock.advance(Duration::minutes(21));
        assert_eq!(
            t.json(Method::GET, "/api/v1/me", Some(&tok), None).await.0,
            StatusCode::UNAUTHORIZED,
            "{e}: absolute"
        );
    }
}

#[tokio::test]
async fn logout_ends_the_token() {
    let t = TestApp::new("sqlite").await;
    let tok = t.token("admin").await;
    assert_eq!(t.json(Method::POST, "/api/v1/auth/logout", Some(&tok), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(t.json(Method::GET, "/api/v1/me", Some(&tok), None).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_login_form_needs_its_csrf_cookie_and_signs_in_with_it() {
    let t = TestApp::new("sqlite").await;
    let form = "_csrf=0123456789abcdef0123456789abcdef&username=admin&password=zhuqi-demo&next=%2Fenterprises";
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let (s, _, _) = t.send(req).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no csrf cookie");
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, "zhuqi_login_csrf=0123456789abcdef0123456789abcdef")
        .body(Body::from(form))
        .unwrap();
    let (s, h, _) = t.send(req).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/enterprises");
    let wrong = form.replace("zhuqi-demo", "wrong-pass");
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, "zhuqi_login_csrf=0123456789abcdef0123456789abcdef")
        .body(Body::from(wrong))
        .unwrap();
    let (s, _, body) = t.send(req).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(String::from_utf8_lossy(&body).contains("login-error"));
}

#[tokio::test]
async fn form_posts_without_the_session_csrf_token_are_refused_and_change_nothing() {
    let t = TestApp::new("sqlite").await;
    let (tok, csrf) = t.page_session("admin").await;
    let post = |body: String| {
        Request::post(format!("/enterprises/{}/assign", t.ids.ent_a3))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("zhuqi_session={tok}"))
            .body(Body::from(body))
            .unwrap()
    };
    let before = t.count("assignments").await;
    let (s, _, _) = t.send(post(format!("officer_id={}", t.ids.officer_a))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = t.send(post(format!("_csrf=wrong&officer_id={}", t.ids.officer_a))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(t.count("assignments").await, before);
    let (s, _, _) = t.send(post(format!("_csrf={csrf}&officer_id={}", t.ids.officer_a))).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(t.count("assignments").await, before + 1);
}

#[tokio::test]
async fn an_expired_session_sends_pages_to_the_sign_in_page() {
    let t = TestApp::new("sqlite").await;
    let tok = t.token("admin").await;
    t.clock.advance(Duration::hours(1));
    let req = Request::get("/enterprises")
        .header(header::COOKIE, format!("zhuqi_session={tok}"))
        .body(Body::empty())
        .unwrap();
    let (s, h, _) = t.send(req).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/login?next=/enterprises");
}

/// `GET /api/v1/me` answers the user, their role's capabilities (sorted
/// names, from the domain table) and the `data-nav` keys of the navigation
/// their pages show, in page order — what the browser tests read.
#[tokio::test]
async fn me_answers_the_user_their_capabilities_and_the_navigation_their_pages_show() {
    for e in engines() {
        let t = TestApp::new(e).await;
        for user in ["admin", "auditor", "coordinator", "district-a", "handler-t", "head-t", "officer-a", "ent-a1"] {
            let tok = t.token(user).await;
            let (s, me) = t.json(Method::GET, "/api/v1/me", Some(&tok), None).await;
            assert_eq!(s, StatusCode::OK, "{e} {user}");
            assert_eq!(me["user"]["username"], user, "{e}");
            let role = zhuqi_domain::Role::parse(me["user"]["role"].as_str().unwrap()).unwrap();
            let mut want: Vec<&str> =
                zhuqi_domain::capability::capabilities(role).into_iter().map(|c| c.as_str()).collect();
            want.sort_unstable();
            assert_eq!(me["capabilities"], json!(want), "{e} {user}");

            let (page_tok, _) = t.page_session(user).await;
            let req = Request::get("/")
                .header(header::COOKIE, format!("zhuqi_session={page_tok}"))
                .body(Body::empty())
                .unwrap();
            let page = String::from_utf8(t.send(req).await.2).unwrap();
            let keys: Vec<&str> = page.split("data-nav=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
            assert!(!keys.is_empty(), "{e} {user}");
            assert_eq!(me["nav"], json!(keys), "{e} {user}");
        }
    }
}

/// `next=` after a language switch or a sign-in never leaves the site,
/// however the browser would read it, and a control character in it is no
/// server error (was: `/%09/evil.example/` went off-site, `/%01` answered 500).
#[tokio::test]
async fn next_never_leads_off_site_nor_to_a_server_error() {
    let t = TestApp::new("sqlite").await;
    for (next, want) in [
        ("/%09/evil.example/", "/"),
        ("/%0A/evil.example/", "/"),
        ("/%5Cevil.example/", "/"),
        ("//evil.example", "/"),
        ("https:%2F%2Fevil.example", "/"),
        ("/%01", "/"),
        ("/a%01b", "/a%01b"),
        ("/demands%3Fstatus%3Dsubmitted", "/demands?status=submitted"),
    ] {
        let (s, h, _) = t.send(Request::get(format!("/lang/en?next={next}")).body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(h.get(header::LOCATION).unwrap(), want, "{next}");
        let form = format!("_csrf=0123456789abcdef0123456789abcdef&username=admin&password=zhuqi-demo&next={next}");
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, "zhuqi_login_csrf=0123456789abcdef0123456789abcdef")
            .body(Body::from(form))
            .unwrap();
        let (s, h, _) = t.send(req).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "login {next}");
        assert_eq!(h.get(header::LOCATION).unwrap(), want, "login {next}");
    }
}

/// Pages, API answers and exports carry personal data: nothing is stored by
/// the browser or a proxy unless the handler says so (the embedded assets).
/// HSTS only behind TLS (secure cookies).
#[tokio::test]
async fn personal_data_is_never_cached_and_hsts_comes_with_secure_cookies() {
    use tower::ServiceExt;
    let t = TestApp::new("sqlite").await;
    let tok = t.token("admin").await;
    let (page_tok, _) = t.page_session("admin").await;
    let get = |path: &str, auth: Option<String>| {
        let mut r = Request::get(path);
        if let Some(a) = auth {
            r = r.header(header::AUTHORIZATION, format!("Bearer {a}"));
        }
        r.body(Body::empty()).unwrap()
    };
    let page = |path: &str| {
        Request::get(path).header(header::COOKIE, format!("zhuqi_session={page_tok}")).body(Body::empty()).unwrap()
    };
    for (what, req) in [
        ("api", get("/api/v1/me", Some(tok.clone()))),
        ("api list", get("/api/v1/enterprises", Some(tok.clone()))),
        ("api error", get("/api/v1/enterprises/999999", Some(tok.clone()))),
        ("page", page("/enterprises")),
        ("export", page("/enterprises/export.xlsx")),
        ("sign-in page", get("/login", None)),
    ] {
        let (s, h, _) = t.send(req).await;
        assert!(s.is_success() || s.is_client_error(), "{what}: {s}");
        assert_eq!(h.get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap()), Some("no-store"), "{what}");
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "{what}: no HSTS over plain HTTP");
    }
    let (_, h, _) = t.send(get("/static/app.css", None)).await;
    assert_eq!(h[header::CACHE_CONTROL], "public, max-age=3600", "assets stay cacheable");

    let tls = zhuqi_web::build_router(zhuqi_web::AppState::new(
        t.app.clone(),
        zhuqi_web::WebConfig { secure_cookies: true, ..Default::default() },
    ));
    let res = tls.oneshot(get("/login", None)).await.unwrap();
    assert_eq!(res.headers()[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000; includeSubDomains");
}

/// An API write authenticated by the session cookie alone could come from
/// another site's form: it needs the session's CSRF token in `X-CSRF-Token`
/// or a JSON body; refused, it changes nothing (was: a cross-site form post
/// to `…/read-all`, `…/code/rotate`, `…/binding-codes` went through).
#[tokio::test]
async fn cookie_authenticated_api_writes_need_the_csrf_token_or_json() {
    let t = TestApp::new("sqlite").await;
    let (tok, csrf) = t.page_session("officer-a").await;
    let rotate = format!("/api/v1/enterprises/{}/code/rotate", t.ids.ent_a1);
    async fn code(t: &TestApp, tok: &str) -> serde_json::Value {
        let path = format!("/api/v1/enterprises/{}/code", t.ids.ent_a1);
        let req = Request::get(path).header(header::COOKIE, format!("zhuqi_session={tok}")).body(Body::empty());
        let (s, _, body) = t.send(req.unwrap()).await;
        assert_eq!(s, StatusCode::OK);
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()["token"].clone()
    }
    let before = code(&t, &tok).await;
    for content_type in
        [None, Some("application/x-www-form-urlencoded"), Some("text/plain"), Some("multipart/form-data")]
    {
        let mut req = Request::post(&rotate).header(header::COOKIE, format!("zhuqi_session={tok}"));
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let (s, _, body) = t.send(req.body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{content_type:?}: {}", String::from_utf8_lossy(&body));
        let wrong = Request::post(&rotate)
            .header(header::COOKIE, format!("zhuqi_session={tok}"))
            .header("x-csrf-token", "0".repeat(32))
            .body(Body::empty())
            .unwrap();
        assert_eq!(t.send(wrong).await.0, StatusCode::FORBIDDEN, "a wrong token");
    }
    assert_eq!(code(&t, &tok).await, before, "nothing was rotated");
    let with_token = Request::post(&rotate)
        .header(header::COOKIE, format!("zhuqi_session={tok}"))
        .header("x-csrf-token", &csrf)
        .body(Body::empty())
        .unwrap();
    assert_eq!(t.send(with_token).await.0, StatusCode::OK);
    let json = Request::post("/api/v1/notifications/read-all")
        .header(header::COOKIE, format!("zhuqi_session={tok}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::empty())
        .unwrap();
    assert_eq!(t.send(json).await.0, StatusCode::OK);
    let bearer = t.token("officer-a").await;
    assert_eq!(t.json(Method::POST, "/api/v1/notifications/read-all", Some(&bearer), None).await.0, StatusCode::OK);
    assert_ne!(code(&t, &tok).await, before, "the token-carrying request rotated it");
}

/// A failed sign-in with an unknown account does not store what was typed
/// (it may be a password typed into the wrong field); a known account's
/// failure names the account (both engines).
#[tokio::test]
async fn a_failed_sign_in_never_stores_what_was_typed_for_an_unknown_account() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let typed = "My-Secret-Passw0rd!";
        for (username, password) in [(typed, "whatever-1"), ("admin", "wrong-pass-1")] {
            let body = json!({"username": username, "password": password});
            let (s, _) = t.json(Method::POST, "/api/v1/auth/login", None, Some(body)).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
        }
        let (_, v) = t.json(Method::GET, "/api/v1/audit?action=login", Some(&t.token("auditor").await), None).await;
        let log = v.to_string();
        assert!(!log.contains(typed), "{e}: the typed text is not in the audit log: {log}");
        assert!(log.contains(zhuqi_app::auth::UNKNOWN_ACCOUNT), "{e}: {log}");
        assert!(
            v["items"].as_array().unwrap().iter().any(|i| i["target"] == "admin" && i["outcome"] == "failure"),
            "{e}: {log}"
        );
    }
}

/// The passwords everyone tries first are refused wherever a password is
/// chosen (here: binding through the enterprise code), with the policy's message.
#[tokio::test]
async fn a_common_password_is_refused_when_binding() {
    let t = TestApp::new("sqlite").await;
    let tok = t.token("officer-a").await;
    let (s, code) = t.json(Method::GET, &format!("/api/v1/enterprises/{}/code", t.ids.ent_a1), Some(&tok), None).await;
    assert_eq!(s, StatusCode::OK);
    let token = code["token"].as_str().unwrap().to_string();
    for weak in ["password", "aaaaaaaa", "qwertyui", "iloveyou"] {
        let body = json!({"name": "王经理", "phone": "13700000021", "password": weak});
        let (s, v) = t.json(Method::POST, &format!("/api/v1/codes/{token}/bind"), None, Some(body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{weak}: {v}");
        assert_eq!(v["error"]["field"], "password", "{weak}: {v}");
    }
}

/// `X-Forwarded-For` is believed only from a configured proxy: rotating it
/// neither escapes the per-IP sign-in limit nor writes a forged address into
/// the audit log; behind a trusted proxy the right-most untrusted hop counts.
#[tokio::test]
async fn a_forged_forwarded_for_neither_escapes_the_limit_nor_reaches_the_audit_log() {
    let cfg = zhuqi_app::AppConfig {
        rate_limit: zhuqi_app::config::RateLimitConfig { login_failures_per_ip: 3, ..Default::default() },
        ..Default::default()
    };
    let t = TestApp::with_config("sqlite", cfg).await;
    let login = |router: axum::Router, peer: &'static str, forged: String| async move {
        let req = Request::post("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", forged)
            .extension(crate::harness::peer(peer))
            .body(Body::from(serde_json::json!({"username": "admin", "password": "wrong"}).to_string()))
            .unwrap();
        tower::ServiceExt::oneshot(router, req).await.unwrap().status()
    };
    let mut statuses = Vec::new();
    for i in 0..5 {
        statuses.push(login(t.router.clone(), "203.0.113.5", format!("198.18.0.{i}")).await);
    }
    assert_eq!(statuses[..3], [StatusCode::UNAUTHORIZED; 3]);
    assert_eq!(statuses[3..], [StatusCode::TOO_MANY_REQUESTS; 2], "rotating the header must not reset the limit");
    let ips = |t: &TestApp| {
        let app = t.app.clone();
        async move {
            let mut c = app.store.read().await.unwrap();
            sqlx::query_scalar::<_, String>("SELECT DISTINCT ip FROM audit_log WHERE action = 'login'")
                .fetch_all(&mut *c)
                .await
                .unwrap()
        }
    };
    assert_eq!(ips(&t).await, ["203.0.113.5"]);

    // Behind the city's proxy (10.0.0.0/8) the address it appended counts.
    let proxies = zhuqi_web::client_ip::TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
    let behind = zhuqi_web::build_router(zhuqi_web::AppState::new(
        t.app.clone(),
        zhuqi_web::WebConfig { trusted_proxies: proxies, ..Default::default() },
    ));
    assert_eq!(login(behind.clone(), "10.0.0.2", "6.6.6.6, 198.51.100.7".into()).await, StatusCode::UNAUTHORIZED);
    let mut seen = ips(&t).await;
    seen.sort();
    assert_eq!(seen, ["198.51.100.7", "203.0.113.5"], "the forged 6.6.6.6 left of the real hop is ignored");
}
