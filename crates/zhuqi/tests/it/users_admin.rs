//! People, managed by the admins (issue 12 item 2): create users of every
//! role with their scope, district admins confined to their district,
//! deactivate (a live token and a cookie session end at once), reactivate,
//! one-time passwords (once, then the must-change gate), unlock, and the own
//! password change — over real HTTP through the router, on both engines.

use crate::harness::{engines, TestApp, PASSWORD};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

async fn login(t: &TestApp, username: &str, password: &str) -> (StatusCode, Value) {
    t.json(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": username, "password": password}))).await
}

/// Audit lines of an action (straight from the application: no sign-in to count).
async fn audit_count(t: &TestApp, action: &str) -> i64 {
    let admin = t.app.actor_by_username("admin").await.unwrap().unwrap();
    let meta = zhuqi_app::RequestMeta::default();
    t.app.audit_log(&admin, Some(action), zhuqi_store::Page::default(), &meta).await.unwrap().total
}

async fn hash(t: &TestApp) -> String {
    let mut c = t.app.store.read().await.unwrap();
    sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE username = 'head-t'")
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

async fn create(t: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    t.json(Method::POST, "/api/v1/users", Some(token), Some(body)).await
}

/// A page GET with the session cookie: (status, Location).
async fn page(t: &TestApp, token: &str, path: &str) -> (StatusCode, String, String) {
    let req = Request::get(path).header(header::COOKIE, format!("zhuqi_session={token}")).body(Body::empty()).unwrap();
    let (s, h, body) = t.send(req).await;
    let loc = h.get(header::LOCATION).map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (s, loc, String::from_utf8_lossy(&body).into_owned())
}

async fn form(t: &TestApp, token: &str, path: &str, body: String) -> (StatusCode, String, String) {
    let req = Request::post(path)
        .header(header::COOKIE, format!("zhuqi_session={token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let (s, h, body) = t.send(req).await;
    let loc = h.get(header::LOCATION).map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (s, loc, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn every_role_is_created_with_exactly_the_scope_ids_it_needs() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let admin = t.token("admin").await;
        let i = t.ids;
        let ok = [
            json!({"role": "city_admin"}),
            json!({"role": "auditor"}),
            json!({"role": "coordinator"}),
            json!({"role": "coordinator", "district_id": i.district_b}),
            json!({"role": "district_admin", "district_id": i.district_a}),
            json!({"role": "dept_handler", "department_id": i.dept_t}),
            json!({"role": "dept_head", "department_id": i.dept_t}),
            json!({"role": "officer", "district_id": i.district_a, "home_department_id": i.dept_t, "phone": "13911112222"}),
            json!({"role": "enterprise_user", "enterprise_id": i.ent_a2}),
        ];
        for (n, mut b) in ok.into_iter().enumerate() {
            b["username"] = json!(format!("u{n}"));
            b["display_name"] = json!(format!("用户{n}"));
            let (s, v) = create(&t, &admin, b.clone()).await;
            assert_eq!(s, StatusCode::CREATED, "{e} {b}: {v}");
            let otp = v["one_time_password"].as_str().unwrap();
            assert!(otp.len() >= 12, "{otp}");
            assert_eq!(v["user"]["role"], b["role"]);
            assert_eq!(v["user"]["must_change_password"], true);
            assert_eq!(v["user"]["active"], true);
            // The stored hash is not the password.
            let mut c = t.app.store.read().await.unwrap();
            let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE username = $1")
                .bind(format!("u{n}"))
                .fetch_one(&mut *c)
                .await
                .unwrap();
            assert!(hash.starts_with("$argon2") && !hash.contains(otp), "{hash}");
        }
        // The officer's home unit is answered as home_department_id.
        let (_, v) = t.json(Method::GET, "/api/v1/users?role=officer&q=u7", Some(&admin), None).await;
        assert_eq!(v["total"], 1, "{v}");
        assert_eq!(v["items"][0]["home_department_id"], i.dept_t);
        assert_eq!(v["items"][0]["department_id"], Value::Null);
        assert_eq!(v["items"][0]["district_id"], i.district_a);
        let users = t.count("users").await;
        let bad = [
            (json!({"role": "city_admin", "district_id": i.district_a}), "district_id"),
            (json!({"role": "district_admin"}), "district_id"),
            (
                json!({"role": "district_admin", "district_id": i.district_a, "department_id": i.dept_t}),
                "department_id",
            ),
            (json!({"role": "officer", "district_id": i.district_a}), "home_department_id"),
            (json!({"role": "officer", "home_department_id": i.dept_t}), "district_id"),
            (
                json!({"role": "officer", "district_id": i.district_a, "home_department_id": i.dept_t, "department_id": i.dept_t}),
                "department_id",
            ),
            (json!({"role": "dept_head"}), "department_id"),
            (json!({"role": "dept_handler", "department_id": i.dept_t, "enterprise_id": i.ent_a1}), "enterprise_id"),
            (json!({"role": "enterprise_user"}), "enterprise_id"),
            (json!({"role": "enterprise_user", "enterprise_id": 999_999}), "enterprise_id"),
            (json!({"role": "coordinator", "department_id": i.dept_t}), "department_id"),
            (json!({"role": "district_admin", "district_id": i.township_a}), "district_id"),
            (json!({"role": "dept_head", "department_id": 999_999}), "department_id"),
            (json!({"role": "wizard"}), "role"),
            (json!({"role": "auditor", "phone": "12345"}), "phone"),
            (json!({"role": "auditor", "username": "admin"}), "username"),
            (json!({"role": "auditor", "username": " "}), "username"),
        ];
        for (mut b, field) in bad {
            if b.get("username").is_none() {
                b["username"] = json!("fresh");
            }
            b["display_name"] = json!("某人");
            let (s, v) = create(&t, &admin, b.clone()).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e} {b}: {v}");
            assert_eq!(v["error"]["field"], field, "{b}: {v}");
        }
        assert_eq!(t.count("users").await, users, "a refused create writes nothing");
        assert_eq!(audit_count(&t, "create_user").await, 9);
    }
}

#[tokio::test]
async fn a_district_admin_manages_only_their_district() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let da = t.token("district-a").await;
        let i = t.ids;
        let officer = |u: &str, d: i64| json!({"username": u, "display_name": u, "role": "officer", "district_id": d, "home_department_id": i.dept_t});
        let (s, v) = create(&t, &da, officer("o-a", i.district_a)).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        let (s, _) = create(&t, &da, officer("o-b", i.district_b)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "another district");
        let (s, _) = create(&t, &da, json!({"username": "ca", "display_name": "x", "role": "city_admin"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a city admin");
        let (s, _) = create(
            &t,
            &da,
            json!({"username": "h", "display_name": "x", "role": "dept_handler", "department_id": i.dept_t}),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "department staff");
        let (s, v) = create(
            &t,
            &da,
            json!({"username": "eu", "display_name": "x", "role": "enterprise_user", "enterprise_id": i.ent_a2}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "an enterprise of the district: {v}");
        let eu = v["user"]["id"].as_i64().unwrap();
        let (s, _) = create(
            &t,
            &da,
            json!({"username": "eub", "display_name": "x", "role": "enterprise_user", "enterprise_id": i.ent_b1}),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "an enterprise of another district");
        // The list: own district only, enterprise users by their enterprise's district.
        let (_, v) = t.json(Method::GET, "/api/v1/users", Some(&da), None).await;
        let names: Vec<&str> = v["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
        assert!(names.contains(&"officer-a") && names.contains(&"eu") && names.contains(&"ent-a1"), "{names:?}");
        assert!(!names.contains(&"officer-b") && !names.contains(&"admin") && !names.contains(&"head-t"), "{names:?}");
        let (_, v) = t.json(Method::GET, &format!("/api/v1/users?district_id={}", i.district_b), Some(&da), None).await;
        assert_eq!(v["total"], 0, "{v}");
        // Objects outside: 404, whatever the action; the role without the capability: 403.
        let ids = |name: &str| {
            let t = &t;
            let name = name.to_string();
            async move { t.app.actor_by_username(&name).await.unwrap().unwrap().user_id }
        };
        for outside in ["officer-b", "admin", "auditor", "head-t", "district-b"] {
            let id = ids(outside).await;
            let (s, _) = t.json(Method::GET, &format!("/api/v1/users/{id}"), Some(&da), None).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{outside}");
            for action in ["deactivate", "reset-password", "unlock", "reactivate"] {
                let (s, _) = t.json(Method::POST, &format!("/api/v1/users/{id}/{action}"), Some(&da), None).await;
                assert_eq!(s, StatusCode::NOT_FOUND, "{outside} {action}");
            }
            let (s, _) = t
                .json(Method::PATCH, &format!("/api/v1/users/{id}"), Some(&da), Some(json!({"display_name": "x"})))
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{outside}");
        }
        assert!(t.app.actor_by_username("officer-b").await.unwrap().is_some(), "officer-b still active");
        // Moving an own officer to another district is refused.
        let oa2 = i.officer_a2;
        let (s, _) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/users/{oa2}"),
                Some(&da),
                Some(json!({"district_id": i.district_b, "home_department_id": i.dept_t})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = t
            .json(Method::PATCH, &format!("/api/v1/users/{eu}"), Some(&da), Some(json!({"display_name": "王五"})))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["display_name"], "王五");
        for who in ["officer-a", "coordinator", "auditor", "head-t", "handler-t", "ent-a1"] {
            let tok = t.token(who).await;
            let (s, _) = create(&t, &tok, officer("zz", i.district_a)).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
            let (s, _) = t.json(Method::POST, &format!("/api/v1/users/{eu}/deactivate"), Some(&tok), None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        }
        // Nobody deactivates themselves.
        let me = ids("district-a").await;
        let (s, _) = t.json(Method::POST, &format!("/api/v1/users/{me}/deactivate"), Some(&da), None).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _) = t.json(Method::GET, "/api/v1/me", Some(&da), None).await;
        assert_eq!(s, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_deactivated_user_s_live_token_is_refused_at_once_and_reactivation_restores_sign_in() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let admin = t.token("admin").await;
        let bearer = t.token("officer-a").await;
        let (cookie, _) = t.page_session("officer-a").await;
        // Both sessions work (and are now in the session cache).
        let (s, _) = t.json(Method::GET, "/api/v1/me", Some(&bearer), None).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _, _) = page(&t, &cookie, "/").await;
        assert_eq!(s, StatusCode::OK);
        let id = t.ids.officer_a;
        let (s, v) = t.json(Method::POST, &format!("/api/v1/users/{id}/deactivate"), Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(v["active"], false);
        assert!(v["deactivated_at"].is_i64());
        // At once: no clock moves, the cache is no excuse.
        let (s, v) = t.json(Method::GET, "/api/v1/me", Some(&bearer), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
        let (s, v) = t.json(Method::GET, "/api/v1/demands", Some(&bearer), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
        let (s, loc, _) = page(&t, &cookie, "/").await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(loc.starts_with("/login"), "{loc}");
        let mut c = t.app.store.read().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
            .bind(id)
            .fetch_one(&mut *c)
            .await
            .unwrap();
        drop(c);
        assert_eq!(n, 0, "every session of the user is gone");
        let (s, _) = login(&t, "officer-a", PASSWORD).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "a deactivated user cannot sign in");
        let (s, v) = t.json(Method::POST, &format!("/api/v1/users/{id}/reactivate"), Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["active"], true);
        let (s, _) = login(&t, "officer-a", PASSWORD).await;
        assert_eq!(s, StatusCode::OK, "reactivated: signs in with their password");
        assert_eq!(audit_count(&t, "deactivate_user").await, 1);
        assert_eq!(audit_count(&t, "reactivate_user").await, 1);
    }
}

#[tokio::test]
async fn a_one_time_password_signs_in_once_and_only_to_change_it() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let admin = t.token("admin").await;
        let old = t.token("officer-a").await;
        let id = t.ids.officer_a;
        let (s, v) = t.json(Method::POST, &format!("/api/v1/users/{id}/reset-password"), Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        let otp = v["one_time_password"].as_str().unwrap().to_string();
        assert_eq!(v["user"]["must_change_password"], true);
        // The reset ends the sessions of the user; the old password is gone.
        let (s, _) = t.json(Method::GET, "/api/v1/me", Some(&old), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = login(&t, "officer-a", PASSWORD).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // Signing in with it succeeds, in the must-change state.
        let (s, v) = login(&t, "officer-a", &otp).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["must_change_password"], true);
        let tok = v["token"].as_str().unwrap().to_string();
        // A second sign-in with the same one-time password is refused like a wrong one.
        let (s, v) = login(&t, "officer-a", &otp).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
        assert_eq!(v["error"]["code"], "bad_credentials");
        // Only the own account, the change and sign-out.
        let (s, v) = t.json(Method::GET, "/api/v1/me", Some(&tok), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["must_change_password"], true);
        assert_eq!(v["user"]["must_change_password"], true);
        for (m, p) in
            [(Method::GET, "/api/v1/demands"), (Method::GET, "/api/v1/enterprises"), (Method::POST, "/api/v1/visits")]
        {
            let (s, v) = t.json(m.clone(), p, Some(&tok), Some(json!({}))).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{m} {p}: {v}");
            assert_eq!(v["error"]["code"], "password_change_required", "{v}");
        }
        // Pages lead to the change form.
        let (s, loc, _) = page(&t, &tok, "/demands").await;
        assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/me/password"));
        let (s, _, html) = page(&t, &tok, "/me/password").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("data-testid=\"must-change\""), "{html}");
        // A new password breaking the policy is refused and changes nothing.
        let (s, v) = t
            .json(
                Method::POST,
                "/api/v1/me/password",
                Some(&tok),
                Some(json!({"current_password": otp, "new_password": "password"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(v["error"]["field"], "new_password");
        let (s, _) = t
            .json(
                Method::POST,
                "/api/v1/me/password",
                Some(&tok),
                Some(json!({"current_password": otp, "new_password": "my-own-pass-7"})),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        // At once: the same session works normally.
        let (s, v) = t.json(Method::GET, "/api/v1/demands", Some(&tok), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, v) = t.json(Method::GET, "/api/v1/me", Some(&tok), None).await;
        assert_eq!(v["must_change_password"], false);
        let (s, _, _) = page(&t, &tok, "/demands").await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = login(&t, "officer-a", "my-own-pass-7").await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = login(&t, "officer-a", &otp).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(audit_count(&t, "reset_password").await, 1);
        assert_eq!(audit_count(&t, "change_password").await, 2, "the refused and the accepted change");
    }
}

#[tokio::test]
async fn unlock_clears_a_lockout() {
    for e in engines() {
        let t = TestApp::new(e).await;
        for _ in 0..5 {
            let (s, _) = login(&t, "officer-a", "wrong-pass-1").await;
            assert_ne!(s, StatusCode::OK);
        }
        let (s, v) = login(&t, "officer-a", PASSWORD).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}: locked: {v}");
        let da = t.token("district-a").await;
        let (s, v) = t.json(Method::GET, &format!("/api/v1/users/{}", t.ids.officer_a), Some(&da), None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(v["locked_until"].is_i64(), "{v}");
        let (s, v) = t.json(Method::POST, &format!("/api/v1/users/{}/unlock", t.ids.officer_a), Some(&da), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["locked_until"], Value::Null);
        assert_eq!(v["failed_logins"], 0);
        let (s, _) = login(&t, "officer-a", PASSWORD).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(audit_count(&t, "unlock_user").await, 1);
    }
}

#[tokio::test]
async fn changing_one_s_own_password_needs_the_current_one_and_ends_the_other_sessions() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let (tok, csrf) = t.page_session("head-t").await;
        let other = t.token("head-t").await;
        let before = hash(&t).await;
        let (s, v) = t
            .json(
                Method::POST,
                "/api/v1/me/password",
                Some(&tok),
                Some(json!({"current_password": "not-it-9", "new_password": "a-new-pass-9"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(v["error"]["field"], "current_password");
        assert_eq!(hash(&t).await, before, "nothing changed");
        let (s, _) = t.json(Method::GET, "/api/v1/me", Some(&other), None).await;
        assert_eq!(s, StatusCode::OK, "the other session lives on");
        // The page form: the same rule.
        let (s, _, _) = form(
            &t,
            &tok,
            "/me/password",
            format!("_csrf={csrf}&current_password=nope-9&new_password=a-new-pass-9&confirm_password=a-new-pass-9"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, loc, _) = form(
            &t,
            &tok,
            "/me/password",
            format!("_csrf={csrf}&current_password={PASSWORD}&new_password=a-new-pass-9&confirm_password=a-new-pass-9"),
        )
        .await;
        assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/me/password?done=1"));
        assert_ne!(hash(&t).await, before);
        let (s, _) = t.json(Method::GET, "/api/v1/me", Some(&other), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "the other session ended");
        let (s, _, _) = page(&t, &tok, "/").await;
        assert_eq!(s, StatusCode::OK, "this one stays");
        let (s, _) = login(&t, "head-t", "a-new-pass-9").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(audit_count(&t, "change_password").await, 3);
    }
}

#[tokio::test]
async fn the_pages_create_a_user_show_the_one_time_password_once_and_manage_it() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let (tok, csrf) = t.page_session("admin").await;
        let (s, _, html) = page(&t, &tok, "/users?role=officer").await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(html.contains("data-testid=\"user-create\"") && html.contains("officer-a"), "{html}");
        let body = format!(
            "_csrf={csrf}&username=p-new&display_name=%E6%9D%8E%E5%9B%9B&role=officer&district_id={}&department_id={}&home_department_id={}&enterprise=&phone=",
            t.ids.district_a, t.ids.dept_t, t.ids.dept_t
        );
        let (s, _, html) = form(&t, &tok, "/users", body).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let marker = "data-testid=\"one-time-password\">";
        let at = html.find(marker).expect("the one-time password is shown") + marker.len();
        let otp: String = html[at..].chars().take_while(|c| *c != '<').collect();
        let user = t.app.actor_by_username("p-new").await.unwrap().unwrap();
        assert_eq!(user.department_id, Some(t.ids.dept_t), "the officer's home unit");
        // Shown once: the user's page does not show it again.
        let (_, _, html) = page(&t, &tok, &format!("/users/{}", user.user_id)).await;
        assert!(!html.contains(&otp) && !html.contains(marker));
        let (s, v) = login(&t, "p-new", &otp).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        for action in ["deactivate", "reactivate", "unlock"] {
            let (s, loc, _) =
                form(&t, &tok, &format!("/users/{}/{action}", user.user_id), format!("_csrf={csrf}")).await;
            assert_eq!((s, loc.clone()), (StatusCode::SEE_OTHER, format!("/users/{}", user.user_id)), "{action}");
        }
        let (s, _, html) =
            form(&t, &tok, &format!("/users/{}/reset-password", user.user_id), format!("_csrf={csrf}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(marker));
        let (s, _, _) = form(
            &t,
            &tok,
            &format!("/users/{}", user.user_id),
            format!(
                "_csrf={csrf}&display_name=renamed&role=dept_head&district_id={}&department_id={}",
                t.ids.district_a, t.ids.dept_t
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, v) = t.json(Method::GET, &format!("/api/v1/users/{}", user.user_id), Some(&tok), None).await;
        assert_eq!((v["role"].as_str(), v["display_name"].as_str()), (Some("dept_head"), Some("renamed")), "{v}");
        assert_eq!(v["district_id"], Value::Null, "a select the role does not take is ignored");
        // No CSRF token: refused, nothing changes.
        let (s, _, _) = form(&t, &tok, &format!("/users/{}/deactivate", user.user_id), String::new()).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(t.app.actor_by_username("p-new").await.unwrap().is_some());
        assert_eq!(audit_count(&t, "update_user").await, 1);
    }
}

#[tokio::test]
async fn the_command_line_resets_a_lost_admin_password_to_a_one_time_password() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let live = t.token("admin").await;
        let run = |user: &str| {
            std::process::Command::new(env!("CARGO_BIN_EXE_zhuqi"))
                .args(["reset-password", "--db", &t.db, "--username", user])
                .env_remove("ZHUQI_DB")
                .env_remove("ZHUQI_CONFIG")
                .output()
                .unwrap()
        };
        let out = run("admin");
        assert!(out.status.success(), "{e}: {}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let otp =
            stdout.lines().find_map(|l| l.strip_prefix("password: ")).expect("a password line").trim().to_string();
        assert!(otp.len() >= 12, "{stdout}");
        let (s, _) = login(&t, "admin", PASSWORD).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "the old password is gone");
        // Another process wrote it: this server trusts its session cache for at most a few seconds.
        t.clock.advance(chrono::Duration::seconds(6));
        let (s, _) = t.json(Method::GET, "/api/v1/users", Some(&live), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "the admin's sessions ended");
        let (s, v) = login(&t, "admin", &otp).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["must_change_password"], true);
        assert!(!run("nobody-here").status.success(), "an unknown account fails");
        assert_eq!(audit_count(&t, "reset_password").await, 1);
    }
}
