//! The enterprise code (企业码) on both engines: who may read and rotate a
//! code, QR images, binding with a one-time code (single use, expiring) or
//! by approval, phone sign-in, removal, a rotated code that no longer binds,
//! an enterprise user who sees nothing of another enterprise, and the rate
//! limits of the public endpoints (they trigger and they reset).

use crate::harness::{engines, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use zhuqi_app::config::RateLimitConfig;
use zhuqi_app::AppConfig;

const PW: &str = "secret-pass1";

async fn code_of(t: &TestApp, who: &str, ent: i64) -> Value {
    let (s, v) = t.json(Method::GET, &format!("/api/v1/enterprises/{ent}/code"), Some(&t.token(who).await), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn token_of(code: &Value) -> String {
    code["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string()
}

async fn bind_from(t: &TestApp, ip: &str, token: &str, body: Value) -> (StatusCode, axum::http::HeaderMap, Value) {
    let req = Request::post(format!("/api/v1/codes/{token}/bind"))
        .header(header::CONTENT_TYPE, "application/json")
        .extension(crate::harness::peer(ip))
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, h, b) = t.send(req).await;
    (s, h, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

async fn bind(t: &TestApp, token: &str, phone: &str, code: &str) -> (StatusCode, Value) {
    let body = json!({"name": "王经理", "phone": phone, "password": PW, "code": code});
    let (s, _, v) = bind_from(t, "10.0.0.1", token, body).await;
    (s, v)
}

async fn one_time_code(t: &TestApp, who: &str, ent: i64) -> String {
    let (s, v) = t
        .json(Method::POST, &format!("/api/v1/enterprises/{ent}/binding-codes"), Some(&t.token(who).await), None)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let c = v["code"].as_str().unwrap().to_string();
    assert_eq!(c.len(), 8);
    c
}

async fn phone_login(t: &TestApp, phone: &str) -> (StatusCode, Value) {
    t.json(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": phone, "password": PW}))).await
}

async fn get_page(t: &TestApp, path: &str) -> (StatusCode, String) {
    let (s, _, b) = t.send(Request::get(path).body(Body::empty()).unwrap()).await;
    (s, String::from_utf8_lossy(&b).into_owned())
}

#[tokio::test]
async fn the_code_is_for_those_who_manage_the_enterprise_with_svg_and_png() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let a1 = t.ids.ent_a1;
        let v = code_of(&t, "officer-a", a1).await;
        let token = token_of(&v);
        assert_eq!(token.len(), 32, "{v}");
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(v["url"], format!("http://127.0.0.1:8080/c/{token}"));
        assert_eq!(v["svg_url"], format!("/api/v1/enterprises/{a1}/code.svg"));
        // The same code for the district admin and the city admin; another enterprise has another.
        assert_eq!(code_of(&t, "district-a", a1).await["url"], v["url"]);
        assert_eq!(code_of(&t, "admin", a1).await["url"], v["url"]);
        assert_ne!(code_of(&t, "admin", t.ids.ent_a2).await["url"], v["url"]);
        let tok = t.token("officer-a").await;
        for (suffix, ct, magic) in [("svg", "image/svg+xml", &b"<?xml"[..]), ("png", "image/png", &b"\x89PNG"[..])] {
            let req = Request::get(format!("/api/v1/enterprises/{a1}/code.{suffix}"))
                .header(header::AUTHORIZATION, format!("Bearer {tok}"))
                .body(Body::empty())
                .unwrap();
            let (s, h, b) = t.send(req).await;
            assert_eq!(s, StatusCode::OK, "{e} {suffix}");
            assert_eq!(h[header::CONTENT_TYPE], ct);
            assert!(b.starts_with(magic), "{e} {suffix}");
        }
        // Other roles: 403; out of scope: 404.
        for who in ["handler-t", "head-t", "auditor", "coordinator", "ent-a1"] {
            let (s, _) =
                t.json(Method::GET, &format!("/api/v1/enterprises/{a1}/code"), Some(&t.token(who).await), None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{e} {who}");
        }
        let (s, _) = t.json(Method::GET, &format!("/api/v1/enterprises/{}/code", t.ids.ent_a2), Some(&tok), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        let (s, _) = t
            .json(Method::GET, &format!("/api/v1/enterprises/{a1}/code"), Some(&t.token("district-b").await), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        // The poster shows the name, the credit code, the QR and the officer.
        let (tk, _) = t.page_session("officer-a").await;
        let req = Request::get(format!("/enterprises/{a1}/poster"))
            .header(header::COOKIE, format!("zhuqi_session={tk}"))
            .body(Body::empty())
            .unwrap();
        let (s, _, b) = t.send(req).await;
        let html = String::from_utf8_lossy(&b);
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("丽水市甲阀门有限公司") && html.contains("<svg") && html.contains("officer-a"), "{html}");
        assert!(html.contains(&crate::harness::credit_code(1)));
        assert!(html.contains("1个工作日"));
        // The district's bulk print view and zip: every enterprise of district A, nothing of B.
        let (tk, _) = t.page_session("district-a").await;
        let get = |path: String, tk: String| {
            let t = &t;
            async move {
                let req = Request::get(path)
                    .header(header::COOKIE, format!("zhuqi_session={tk}"))
                    .body(Body::empty())
                    .unwrap();
                t.send(req).await
            }
        };
        let da = t.ids.district_a;
        let (s, _, b) = get(format!("/districts/{da}/posters"), tk.clone()).await;
        assert_eq!(s, StatusCode::OK);
        let html = String::from_utf8_lossy(&b);
        assert_eq!(html.matches("data-testid=\"poster\"").count(), 3, "{e}");
        assert!(!html.contains("青田县丁石雕"));
        let (s, h, b) = get(format!("/districts/{da}/codes.zip"), tk.clone()).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h[header::CONTENT_TYPE], "application/zip");
        assert!(b.starts_with(b"PK\x03\x04"));
        let names = String::from_utf8_lossy(&b);
        for n in 1..=3 {
            assert!(names.contains(&format!("{}.png", crate::harness::credit_code(n))), "{e} {n}");
        }
        assert!(names.contains("index.csv") && !names.contains(&crate::harness::credit_code(4)));
        let (s, _, _) = get(format!("/districts/{}/codes.zip", t.ids.district_b), tk).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_rotated_code_no_longer_binds_and_shows_a_friendly_page() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let a1 = t.ids.ent_a1;
        let old = token_of(&code_of(&t, "officer-a", a1).await);
        let (s, html) = get_page(&t, &format!("/c/{old}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("丽水市甲阀门有限公司") && html.contains("bind-form"));
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/enterprises/{a1}/code/rotate"),
                Some(&t.token("district-a").await),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let new = token_of(&v);
        assert_ne!(new, old);
        assert!(v["rotated_at"].as_i64().is_some());
        // The old token: a friendly 404 page, and binding refused even with a valid one-time code.
        let (s, html) = get_page(&t, &format!("/c/{old}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        assert!(html.contains("code-missing") && html.contains("企业码无效或已更换"), "{html}");
        assert!(!html.contains("甲阀门"));
        let code = one_time_code(&t, "officer-a", a1).await;
        let (s, v) = bind(&t, &old, "13700000001", &code).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}: {v}");
        assert_eq!(t.count("binding_requests").await, 0);
        // An unknown token and a malformed one answer the same.
        let (s, _) = get_page(&t, "/c/00000000000000000000000000000000").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = get_page(&t, "/c/%3Cscript%3E").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The new token binds with the same one-time code (it was not used).
        let (s, v) = bind(&t, &new, "13700000001", &code).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        assert_eq!(v["status"], "bound");
        // Every attempt is in the audit log.
        let (_, log) = t.json(Method::GET, "/api/v1/audit?action=bind", Some(&t.token("auditor").await), None).await;
        assert_eq!(log["total"], 2, "{log}");
        let outcomes: Vec<&str> =
            log["items"].as_array().unwrap().iter().map(|i| i["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes, ["success", "failure"]);
    }
}

#[tokio::test]
async fn a_one_time_code_binds_once_and_expires_and_the_user_signs_in_by_phone() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let a1 = t.ids.ent_a1;
        let token = token_of(&code_of(&t, "officer-a", a1).await);
        let code = one_time_code(&t, "officer-a", a1).await;
        let (s, _) = phone_login(&t, "13700000002").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, v) = bind(&t, &token, "137 0000 0002", &code).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        // Phone + password sign in as an enterprise user of A1; usernames still work.
        let (s, v) = phone_login(&t, "13700000002").await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(v["user"]["role"], "enterprise_user");
        assert_eq!(v["user"]["enterprise_id"], a1);
        assert_eq!(v["user"]["display_name"], "王经理");
        t.token("ent-a1").await;
        // Used once: refused the second time, nothing stored.
        let users = t.count("users").await;
        let (s, v) = bind(&t, &token, "13700000003", &code).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["field"], "code");
        assert_eq!(t.count("users").await, users);
        // The same phone cannot bind twice.
        let code2 = one_time_code(&t, "officer-a", a1).await;
        let (s, v) = bind(&t, &token, "13700000002", &code2).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["field"], "phone");
        // Expired after 24 hours.
        t.clock.advance(chrono::Duration::hours(25));
        let (s, v) = bind(&t, &token, "13700000003", &code2).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["field"], "code");
        // A code of another enterprise does not bind here.
        let other = one_time_code(&t, "officer-a2", t.ids.ent_a2).await;
        let (s, v) = bind(&t, &token, "13700000003", &other).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        // Bad input names the field and stores nothing.
        for (body, field) in [
            (json!({"name": "", "phone": "13700000004", "password": PW}), "name"),
            (json!({"name": "李四", "phone": "12345", "password": PW}), "phone"),
            (json!({"name": "李四", "phone": "13700000004", "password": "short"}), "password"),
            (json!({"name": "李四", "phone": "13700000004", "password": PW, "code": "12ab"}), "code"),
        ] {
            let (s, _, v) = bind_from(&t, "10.0.0.9", &token, body).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
            assert_eq!(v["error"]["field"], field, "{v}");
        }
        assert_eq!(t.count("users").await, users);
        assert_eq!(t.count("binding_requests").await, 1);
    }
}

#[tokio::test]
async fn a_request_without_code_waits_for_the_officer_who_approves_or_refuses() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let a1 = t.ids.ent_a1;
        let token = token_of(&code_of(&t, "officer-a", a1).await);
        let (s, v) = bind(&t, &token, "13700000005", "").await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        assert_eq!(v["status"], "pending");
        let req = v["request_id"].as_i64().unwrap();
        // Not yet: no sign-in; the same request twice is refused.
        assert_eq!(phone_login(&t, "13700000005").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(bind(&t, &token, "13700000005", "").await.0, StatusCode::UNPROCESSABLE_ENTITY);
        // The officer and the district admin are notified; the officer sees it on the enterprise and home.
        let officer = t.token("officer-a").await;
        let (_, inbox) = t.json(Method::GET, "/api/v1/notifications", Some(&officer), None).await;
        assert!(inbox["items"].as_array().unwrap().iter().any(|n| n["kind"] == "binding_request"), "{inbox}");
        let (_, inbox) = t.json(Method::GET, "/api/v1/notifications", Some(&t.token("district-a").await), None).await;
        assert!(inbox["items"].as_array().unwrap().iter().any(|n| n["kind"] == "binding_request"), "{inbox}");
        let (_, inbox) = t.json(Method::GET, "/api/v1/notifications", Some(&t.token("district-b").await), None).await;
        assert!(inbox["items"].as_array().unwrap().iter().all(|n| n["kind"] != "binding_request"), "{inbox}");
        let (s, b) = t.json(Method::GET, &format!("/api/v1/enterprises/{a1}/bindings"), Some(&officer), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(b["pending"][0]["id"], req);
        assert!(b["pending"][0].get("password_hash").is_none(), "{b}");
        let (tk, _) = t.page_session("officer-a").await;
        let home = Request::get("/").header(header::COOKIE, format!("zhuqi_session={tk}")).body(Body::empty()).unwrap();
        let (_, _, html) = t.send(home).await;
        assert!(String::from_utf8_lossy(&html).contains("home-pending-bindings"));
        // Outside the scope: not found; wrong role: forbidden; bad decision: named.
        let decide = |who: String, d: &'static str| {
            let t = &t;
            async move {
                t.json(
                    Method::POST,
                    &format!("/api/v1/bindings/{req}/decide"),
                    Some(&who),
                    Some(json!({"decision": d})),
                )
                .await
            }
        };
        assert_eq!(decide(t.token("district-b").await, "approve").await.0, StatusCode::NOT_FOUND);
        assert_eq!(decide(t.token("officer-a2").await, "approve").await.0, StatusCode::NOT_FOUND);
        assert_eq!(decide(t.token("handler-t").await, "approve").await.0, StatusCode::FORBIDDEN);
        let (s, v) = decide(officer.clone(), "maybe").await;
        assert_eq!((s, v["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("decision")));
        let (s, v) = decide(officer.clone(), "approve").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "approved");
        assert_eq!(decide(officer.clone(), "refuse").await.0, StatusCode::CONFLICT);
        let (s, v) = phone_login(&t, "13700000005").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let user_id = v["user"]["user_id"].as_i64().unwrap();
        let user_token = v["token"].as_str().unwrap().to_string();
        // A refused request binds nobody.
        let (_, v) = bind(&t, &token, "13700000006", "").await;
        let req2 = v["request_id"].as_i64().unwrap();
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/bindings/{req2}/decide"),
                Some(&t.token("district-a").await),
                Some(json!({"decision": "refuse", "reason": "不是本企业人员"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["reason"], "不是本企业人员");
        assert_eq!(phone_login(&t, "13700000006").await.0, StatusCode::UNAUTHORIZED);
        // The officer removes the approved user: their session ends and they cannot sign in.
        let (tk, csrf) = t.page_session("officer-a").await;
        let req = Request::post(format!("/enterprises/{a1}/users/remove"))
            .header(header::COOKIE, format!("zhuqi_session={tk}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("_csrf={csrf}&user_id={user_id}")))
            .unwrap();
        assert_eq!(t.send(req).await.0, StatusCode::SEE_OTHER);
        let (s, _) = t.json(Method::GET, "/api/v1/me", Some(&user_token), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
        assert_eq!(phone_login(&t, "13700000005").await.0, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_user_of_enterprise_a_gets_404_for_everything_of_enterprise_b() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let token = token_of(&code_of(&t, "officer-a", t.ids.ent_a1).await);
        let code = one_time_code(&t, "officer-a", t.ids.ent_a1).await;
        assert_eq!(bind(&t, &token, "13700000007", &code).await.0, StatusCode::CREATED);
        let (_, v) = phone_login(&t, "13700000007").await;
        let me = v["token"].as_str().unwrap().to_string();
        // A demand of B1 with an attachment.
        let officer_b = t.token("officer-b").await;
        let (s, d) = t
            .json(
                Method::POST,
                "/api/v1/demands",
                Some(&officer_b),
                Some(
                    json!({"enterprise_id": t.ids.ent_b1, "category": "0102", "title": "用电", "description": "停电"}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        let demand_b = d["id"].as_i64().unwrap();
        let att_b = crate::attachments::upload(&t, &officer_b, demand_b).await;
        // Their own demand works.
        let (s, own) = t
            .json(
                Method::POST,
                "/api/v1/demands",
                Some(&me),
                Some(
                    json!({"enterprise_id": t.ids.ent_a1, "category": "0102", "title": "物流", "description": "受限"}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{own}");
        assert_eq!(own["channel"], "enterprise_code");
        for path in [
            format!("/api/v1/demands/{demand_b}"),
            format!("/api/v1/demands/{demand_b}/attachments"),
            format!("/api/v1/enterprises/{}", t.ids.ent_b1),
        ] {
            let (s, v) = t.json(Method::GET, &path, Some(&me), None).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{e} {path}: {v}");
        }
        for path in [
            format!("/demands/{demand_b}"),
            format!("/attachments/{att_b}"),
            format!("/enterprises/{}", t.ids.ent_b1),
            format!("/enterprises/{}", t.ids.ent_a2),
        ] {
            let req =
                Request::get(&path).header(header::AUTHORIZATION, format!("Bearer {me}")).body(Body::empty()).unwrap();
            let (s, _, _) = t.send(req).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{e} {path}");
        }
        let (s, _) = t
            .json(
                Method::POST,
                &format!("/api/v1/demands/{demand_b}/actions/withdraw"),
                Some(&me),
                Some(json!({"reason": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        let (_, list) = t.json(Method::GET, "/api/v1/demands", Some(&me), None).await;
        assert_eq!(list["total"], 1, "{list}");
        // The enterprise's code is the officer's business, not the user's.
        let (s, _) = t.json(Method::GET, &format!("/api/v1/enterprises/{}/code", t.ids.ent_a1), Some(&me), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn public_endpoints_are_rate_limited_per_ip_and_per_code_and_the_limit_resets() {
    for e in engines() {
        let cfg = AppConfig {
            rate_limit: RateLimitConfig {
                window_seconds: 60,
                code_per_ip: 3,
                code_per_token: 5,
                login_failures_per_ip: 2,
            },
            ..Default::default()
        };
        let t = TestApp::with_config(e, cfg).await;
        let token = token_of(&code_of(&t, "officer-a", t.ids.ent_a1).await);
        let landing = |ip: &'static str| {
            let t = &t;
            let token = token.clone();
            async move {
                let req = Request::get(format!("/c/{token}"))
                    .extension(crate::harness::peer(ip))
                    .body(Body::empty())
                    .unwrap();
                t.send(req).await
            }
        };
        for _ in 0..3 {
            assert_eq!(landing("10.1.1.1").await.0, StatusCode::OK);
        }
        let (s, h, b) = landing("10.1.1.1").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}");
        assert_eq!(h[header::RETRY_AFTER], "20");
        assert!(String::from_utf8_lossy(&b).contains("请求过于频繁"));
        // Another IP may go on until the code's own limit (5) is spent.
        assert_eq!(landing("10.1.1.2").await.0, StatusCode::OK);
        assert_eq!(landing("10.1.1.2").await.0, StatusCode::OK);
        let (s, _, v) = bind_from(&t, "10.1.1.3", &token, json!({"name": "x"})).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}: {v}");
        assert_eq!(v["error"]["code"], "rate_limited");
        // A minute later both buckets are full again.
        t.clock.advance(chrono::Duration::seconds(60));
        assert_eq!(landing("10.1.1.1").await.0, StatusCode::OK);
        let (s, _, v) =
            bind_from(&t, "10.1.1.1", &token, json!({"name": "x", "phone": "13700000008", "password": PW})).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        // Sign-in: two failures from one IP, then 429 even with the right password; a success is free.
        let login = |ip: &'static str, pw: &'static str| {
            let t = &t;
            async move {
                let req = Request::post("/api/v1/auth/login")
                    .header(header::CONTENT_TYPE, "application/json")
                    .extension(crate::harness::peer(ip))
                    .body(Body::from(json!({"username": "admin", "password": pw}).to_string()))
                    .unwrap();
                t.send(req).await
            }
        };
        for _ in 0..3 {
            assert_eq!(login("10.2.2.2", "zhuqi-demo").await.0, StatusCode::OK);
        }
        assert_eq!(login("10.2.2.2", "wrong").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(login("10.2.2.2", "wrong").await.0, StatusCode::UNAUTHORIZED);
        let (s, h, _) = login("10.2.2.2", "zhuqi-demo").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}");
        assert!(h.contains_key(header::RETRY_AFTER));
        assert_eq!(login("10.2.2.3", "zhuqi-demo").await.0, StatusCode::OK);
        t.clock.advance(chrono::Duration::seconds(31));
        assert_eq!(login("10.2.2.2", "zhuqi-demo").await.0, StatusCode::OK);
        // Rate-limited attempts are audited.
        let (_, log) = t.json(Method::GET, "/api/v1/audit?action=bind", Some(&t.token("auditor").await), None).await;
        assert!(log["items"].as_array().unwrap().iter().any(|i| i["outcome"] == "rate_limited"), "{log}");
    }
}

/// Two people binding one phone at the same moment (two enterprises, two
/// one-time codes): one binding wins, the other is refused on `phone`,
/// and the phone signs in to exactly one account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_bindings_of_one_phone_racing_each_other_make_one_account() {
    for e in engines() {
        let t = std::sync::Arc::new(TestApp::new(e).await);
        for round in 0..5 {
            let phone = format!("1370000010{round}");
            let (a1, a2) = (t.ids.ent_a1, t.ids.ent_a2);
            let tok1 = token_of(&code_of(&t, "officer-a", a1).await);
            let tok2 = token_of(&code_of(&t, "officer-a2", a2).await);
            let (c1, c2) = (one_time_code(&t, "officer-a", a1).await, one_time_code(&t, "officer-a2", a2).await);
            let h1 = tokio::spawn({
                let (t, phone) = (t.clone(), phone.clone());
                async move { bind(&t, &tok1, &phone, &c1).await }
            });
            let h2 = tokio::spawn({
                let (t, phone) = (t.clone(), phone.clone());
                async move { bind(&t, &tok2, &phone, &c2).await }
            });
            let mut outcomes = vec![h1.await.unwrap(), h2.await.unwrap()];
            outcomes.sort_by_key(|(s, _)| s.as_u16());
            assert_eq!(outcomes[0].0, StatusCode::CREATED, "{e} round {round}: {outcomes:?}");
            assert_eq!(outcomes[1].0, StatusCode::UNPROCESSABLE_ENTITY, "{e} round {round}: {outcomes:?}");
            assert_eq!(outcomes[1].1["error"]["field"], "phone", "{e}");
            let mut c = t.app.store.read().await.unwrap();
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM users WHERE role = 'enterprise_user' AND active = 1 AND phone = $1",
            )
            .bind(&phone)
            .fetch_one(&mut *c)
            .await
            .unwrap();
            assert_eq!(n, 1, "{e} round {round}");
            drop(c);
            let (s, v) = phone_login(&t, &phone).await;
            assert_eq!(s, StatusCode::OK, "{e}: {v}");
        }
    }
}
