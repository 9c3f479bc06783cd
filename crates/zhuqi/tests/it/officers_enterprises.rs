//! Officers come and go, enterprises change (issue 12, items 4 and 5):
//! handover in one step with history and notifications, transfer, edits
//! with history, deregistration and each of its effects — on both engines.

use crate::harness::{credit_code, engines, TestApp};
use axum::http::{Method, StatusCode};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

/// Adds `n` enterprises in district A served by `officer`; returns their ids.
async fn enterprises_of(t: &TestApp, officer: i64, n: u32, seed: u32) -> Vec<i64> {
    use zhuqi_store::{assignments, enterprises};
    let now = t.app.now_ms();
    let mut tx = t.app.store.begin().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let code = credit_code(seed + i);
        let name = format!("测试企业{}", seed + i);
        let id = enterprises::insert(
            &mut tx,
            &enterprises::NewEnterprise {
                credit_code: &code,
                name: &name,
                district_id: t.ids.district_a,
                township_id: Some(t.ids.township_a),
                industry_code: "C3443",
                size: "below",
                address: "",
                contact_name: "",
                contact_phone: "",
                at: now,
            },
        )
        .await
        .unwrap();
        assignments::assign(&mut tx, id, officer, now - 1000, None, "").await.unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    ids
}

/// Adds an officer of district A (active or not); returns the id.
async fn add_officer(t: &TestApp, username: &'static str, active: bool) -> i64 {
    let hash = zhuqi_app::auth::hash_password(crate::harness::PASSWORD).await.unwrap();
    let mut tx = t.app.store.begin().await.unwrap();
    let id = zhuqi_store::users::insert(
        &mut tx,
        &zhuqi_store::users::NewUser {
            username,
            display_name: username,
            role: "officer",
            district_id: Some(t.ids.district_a),
            department_id: Some(t.ids.dept_t),
            enterprise_id: None,
            phone: "13700000000",
            password_hash: &hash,
            created_at: t.app.now_ms(),
        },
    )
    .await
    .unwrap();
    if !active {
        sqlx::query("UPDATE users SET active = 0 WHERE id = $1").bind(id).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    id
}

async fn scalar(t: &TestApp, sql: &str, id: i64) -> i64 {
    let mut c = t.app.store.read().await.unwrap();
    sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(&mut *c).await.unwrap()
}

async fn current_officer(t: &TestApp, enterprise: i64) -> Option<i64> {
    let mut c = t.app.store.read().await.unwrap();
    sqlx::query_scalar::<_, i64>("SELECT officer_id FROM assignments WHERE enterprise_id = $1 AND valid_to IS NULL")
        .bind(enterprise)
        .fetch_optional(&mut *c)
        .await
        .unwrap()
}

async fn inbox(t: &TestApp, user: &str) -> Vec<Value> {
    let tok = t.token(user).await;
    let (s, v) = t.json(Method::GET, "/api/v1/notifications", Some(&tok), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "officer_handover").cloned().collect()
}

#[tokio::test]
async fn a_handover_moves_twelve_enterprises_in_one_step_with_history_and_tells_everyone() {
    for e in engines() {
        let t = TestApp::new(e).await;
        // Officer A serves ent_a1 and 11 more: 12.
        let mut mine = vec![t.ids.ent_a1];
        mine.extend(enterprises_of(&t, t.ids.officer_a, 11, 500).await);
        let tok = t.token("district-a").await;
        let rows_before = t.count("assignments").await;
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/officers/{}/handover", t.ids.officer_a),
                Some(&tok),
                Some(json!({"to_officer_id": t.ids.officer_a2, "reason": "长期病假"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(v["moved"], 12, "{v}");
        let moved: Vec<i64> =
            v["assignments"].as_array().unwrap().iter().map(|a| a["enterprise_id"].as_i64().unwrap()).collect();
        mine.sort_unstable();
        assert_eq!(moved, mine);
        assert!(v["assignments"].as_array().unwrap().iter().all(|a| a["to_officer_id"] == t.ids.officer_a2));
        for eid in &mine {
            assert_eq!(current_officer(&t, *eid).await, Some(t.ids.officer_a2), "{e}");
        }
        // History kept: 12 new rows, officer A's 12 rows closed, none deleted.
        assert_eq!(t.count("assignments").await, rows_before + 12);
        let closed = scalar(
            &t,
            "SELECT COUNT(*) FROM assignments WHERE officer_id = $1 AND valid_to IS NOT NULL",
            t.ids.officer_a,
        )
        .await;
        assert_eq!(closed, 12);
        let (_, h) =
            t.json(Method::GET, &format!("/api/v1/enterprises/{}/assignments", t.ids.ent_a1), Some(&tok), None).await;
        assert_eq!(h["total"], 2, "{h}");
        assert_eq!(h["items"][0]["reason"], "长期病假");
        // Notified: the leaver, the receiver (with the count), the enterprise's user (their new officer).
        let leaver = inbox(&t, "officer-a").await;
        assert_eq!(leaver.len(), 1, "{e}: {leaver:?}");
        assert!(leaver[0]["title"].as_str().unwrap().contains("12"), "{leaver:?}");
        let receiver = inbox(&t, "officer-a2").await;
        assert_eq!(receiver.len(), 1, "{receiver:?}");
        assert!(receiver[0]["title"].as_str().unwrap().contains("12"), "{receiver:?}");
        let ent = inbox(&t, "ent-a1").await;
        assert_eq!(ent.len(), 1, "{ent:?}");
        assert!(ent[0]["title"].as_str().unwrap().contains("officer-a2"), "{ent:?}");
        // Audited.
        let n = scalar(
            &t,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'officer_handover' AND outcome = 'success' AND target = \
             'officer:' || CAST($1 AS TEXT)",
            t.ids.officer_a,
        )
        .await;
        assert_eq!(n, 1);
        // Nothing left: a second handover moves 0 (200).
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/officers/{}/handover", t.ids.officer_a),
                Some(&tok),
                Some(json!({"spread_in_district": true})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["moved"], 0);
    }
}

#[tokio::test]
async fn spreading_over_the_district_balances_least_loaded_first_and_is_deterministic() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let extra = enterprises_of(&t, t.ids.officer_a, 4, 600).await;
        let a3 = add_officer(&t, "officer-a3", true).await;
        let _inactive = add_officer(&t, "officer-a4", false).await;
        let tok = t.token("admin").await;
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/officers/{}/handover", t.ids.officer_a),
                Some(&tok),
                Some(json!({"spread_in_district": true})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(v["moved"], 5);
        // Loads before: a2 = 1 (ent_a2), a3 = 0; enterprises in id order.
        let (a2, e1) = (t.ids.officer_a2, t.ids.ent_a1);
        let expected = vec![(e1, a3), (extra[0], a2), (extra[1], a3), (extra[2], a2), (extra[3], a3)];
        let got: Vec<(i64, i64)> = v["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["enterprise_id"].as_i64().unwrap(), a["to_officer_id"].as_i64().unwrap()))
            .collect();
        assert_eq!(got, expected, "{e}");
        let load =
            |o: i64| scalar(&t, "SELECT COUNT(*) FROM assignments WHERE officer_id = $1 AND valid_to IS NULL", o);
        assert_eq!((load(a2).await, load(a3).await), (3, 3));
        // The inactive officer got nothing.
        assert_eq!(load(_inactive).await, 0);
    }
}

#[tokio::test]
async fn bad_handovers_are_refused_naming_the_field_and_move_nothing() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let inactive = add_officer(&t, "officer-a4", false).await;
        let tok = t.token("district-a").await;
        let url = format!("/api/v1/officers/{}/handover", t.ids.officer_a);
        let before = t.count("assignments").await;
        for (body, why) in [
            (json!({"to_officer_id": t.ids.officer_a}), "self"),
            (json!({"to_officer_id": inactive}), "inactive"),
            (json!({"to_officer_id": t.ids.officer_b}), "other district"),
            (json!({"to_officer_id": 999_999}), "unknown"),
            (json!({"to_officer_id": t.ids.officer_a2, "spread_in_district": true}), "both"),
            (json!({}), "neither"),
            (json!({"spread_in_district": false}), "neither (false)"),
        ] {
            let (s, v) = t.json(Method::POST, &url, Some(&tok), Some(body)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e} {why}: {v}");
            assert_eq!(v["error"]["field"], "to_officer_id", "{why}: {v}");
        }
        // Outside the district admin's district: 404; without the capability: 403.
        let (s, _) = t
            .json(
                Method::POST,
                &format!("/api/v1/officers/{}/handover", t.ids.officer_b),
                Some(&tok),
                Some(json!({"spread_in_district": true})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let coord = t.token("coordinator").await;
        let (s, _) = t.json(Method::POST, &url, Some(&coord), Some(json!({"spread_in_district": true}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(t.count("assignments").await, before);
        assert_eq!(current_officer(&t, t.ids.ent_a1).await, Some(t.ids.officer_a));
    }
}

#[tokio::test]
async fn a_transfer_changes_home_unit_or_district_and_refuses_while_enterprises_remain() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let admin = t.token("admin").await;
        let url = format!("/api/v1/officers/{}", t.ids.officer_a);
        // Still serving ent_a1 in district A: moving to B is refused with the count.
        let (s, v) = t.json(Method::PATCH, &url, Some(&admin), Some(json!({"district_id": t.ids.district_b}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("handover"), "{v}");
        // A district admin may not send an officer to another district.
        let da = t.token("district-a").await;
        let (s, v) = t.json(Method::PATCH, &url, Some(&da), Some(json!({"district_id": t.ids.district_b}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["field"], "district_id");
        // Home unit change by the district admin.
        let (s, v) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/officers/{}", t.ids.officer_a2),
                Some(&da),
                Some(json!({"home_department_id": t.ids.dept_t, "reason": "借调"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["department_id"], t.ids.dept_t);
        assert_eq!(v["transfers"].as_array().unwrap().len(), 1, "{v}");
        let (s, v) = t.json(Method::PATCH, &url, Some(&da), Some(json!({"home_department_id": 999_999}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["field"], "home_department_id");
        // Hand over first, then the transfer goes through; the officer's scope follows.
        let (s, _) = t
            .json(
                Method::POST,
                &format!("{url}/handover"),
                Some(&admin),
                Some(json!({"to_officer_id": t.ids.officer_a2})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, v) = t.json(Method::PATCH, &url, Some(&admin), Some(json!({"district_id": t.ids.district_b}))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["district_id"], t.ids.district_b);
        assert_eq!(v["transfers"][0]["from_district_id"], t.ids.district_a);
        // Now outside district A's admin: 404.
        let (s, _) = t.json(Method::PATCH, &url, Some(&da), Some(json!({"home_department_id": t.ids.dept_t}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn an_edit_keeps_every_change_and_the_credit_code_never_changes() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let tok = t.token("district-a").await;
        let url = format!("/api/v1/enterprises/{}", t.ids.ent_a1);
        let (s, v) = t
            .json(
                Method::PATCH,
                &url,
                Some(&tok),
                Some(json!({"name": "丽水市甲智能阀门有限公司", "contact_phone": "139 0000 1111", "size": "规上", "address": "碧湖镇1号"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(v["name"], "丽水市甲智能阀门有限公司");
        assert_eq!(v["contact_phone"], "13900001111");
        assert_eq!(v["size"], "above");
        // Three fields changed (the address was the same): three rows with who and the old value.
        let changes = v["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 3, "{v}");
        let name = changes.iter().find(|c| c["field"] == "name").unwrap();
        assert_eq!(name["old_value"], "丽水市甲阀门有限公司");
        assert_eq!(name["changed_by_name"], "district-a");
        let (s, h) = t.json(Method::GET, &format!("{url}/history"), Some(&tok), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h["total"], 3, "{h}");
        let before = t.count("enterprise_changes").await;
        for (body, field) in [
            (json!({"credit_code": credit_code(999)}), "credit_code"),
            (json!({"township_id": 999_999}), "township_id"),
            (json!({"contact_phone": "12"}), "contact_phone"),
            (json!({"size": "huge"}), "size"),
            (json!({"industry_code": "??"}), "industry_code"),
            (json!({"name": ""}), "name"),
            (json!({"district_id": t.ids.district_b}), "district_id"),
            (json!({"colour": "red"}), "colour"),
        ] {
            let (s, v) = t.json(Method::PATCH, &url, Some(&tok), Some(body)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e} {field}: {v}");
            assert_eq!(v["error"]["field"], field, "{v}");
        }
        let (_, v) = t.json(Method::PATCH, &url, Some(&tok), Some(json!({"credit_code": credit_code(1)}))).await;
        assert!(v["error"]["message"].as_str().unwrap().contains("统一社会信用代码不可更改"), "{v}");
        assert_eq!(t.count("enterprise_changes").await, before);
        // A township of district B is not one of district A.
        let b_town: i64 = {
            let mut c = t.app.store.read().await.unwrap();
            sqlx::query_scalar("SELECT id FROM regions WHERE parent_id = $1")
                .bind(t.ids.district_b)
                .fetch_one(&mut *c)
                .await
                .unwrap()
        };
        let (s, v) = t.json(Method::PATCH, &url, Some(&tok), Some(json!({"township_id": b_town}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        // Scope: another district's enterprise is not found; an officer may not edit.
        let (s, _) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/enterprises/{}", t.ids.ent_b1),
                Some(&tok),
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let off = t.token("officer-a").await;
        let (s, _) = t.json(Method::PATCH, &url, Some(&off), Some(json!({"name": "x"}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn deregistration_stops_the_code_sign_in_new_demands_and_visit_counts_but_open_demands_run_on() {
    for e in engines() {
        let t = TestApp::new(e).await;
        // 2026-11-26: an open demand of ent_a1, dispatched to the transport bureau.
        let ent = t.token("ent-a1").await;
        let body = json!({"enterprise_id": t.ids.ent_a1, "category": "0102", "title": "物流受限：原料运输车辆无法进入园区",
            "description": "原料运输车辆无法进入园区，需办理通行证。"});
        let (s, d) = t.json(Method::POST, "/api/v1/demands", Some(&ent), Some(body.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {d}");
        let demand = d["id"].as_i64().unwrap();
        let coord = t.token("coordinator").await;
        let (s, d) = t
            .json(
                Method::POST,
                &format!("/api/v1/demands/{demand}/actions/dispatch"),
                Some(&coord),
                Some(json!({"department_id": t.ids.dept_t})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        let admin = t.token("admin").await;
        let (s, code) =
            t.json(Method::GET, &format!("/api/v1/enterprises/{}/code", t.ids.ent_a1), Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{code}");
        let token = code["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        // A binding request waiting for approval.
        let (s, pending) = t
            .json(
                Method::POST,
                &format!("/api/v1/codes/{token}/bind"),
                None,
                Some(json!({"name": "王五", "phone": "13500000000", "password": "Zq-lishui-2026-door"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{pending}");
        let request = pending["request_id"].as_i64().unwrap();
        let (_, cov) = t.json(Method::GET, "/api/v1/coverage", Some(&admin), None).await;
        let a_count = |cov: &Value| {
            cov["items"].as_array().unwrap().iter().find(|d| d["district_id"] == t.ids.district_a).unwrap()
                ["enterprises"]
                .as_i64()
                .unwrap()
        };
        assert_eq!(a_count(&cov), 3);

        // Deregister ent_a1 (注销 on 11-20) and ent_a2 (迁出 on 11-01).
        let url = format!("/api/v1/enterprises/{}/deregister", t.ids.ent_a1);
        for (body, field) in [
            (json!({"kind": "gone", "reason": "r", "date": "2026-11-20"}), "kind"),
            (json!({"kind": "cancelled", "reason": " ", "date": "2026-11-20"}), "reason"),
            (json!({"kind": "cancelled", "reason": "r", "date": "20.11.2026"}), "date"),
            (json!({"kind": "cancelled", "reason": "r", "date": "2026-12-01"}), "date"),
        ] {
            let (s, v) = t.json(Method::POST, &url, Some(&admin), Some(body)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e} {field}: {v}");
            assert_eq!(v["error"]["field"], field);
        }
        let ok = json!({"kind": "cancelled", "reason": "企业注销登记", "date": "2026-11-20"});
        let (s, v) = t.json(Method::POST, &url, Some(&admin), Some(ok.clone())).await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(v["deregister_kind"], "cancelled");
        assert_eq!(v["deregistered_on"], "2026-11-20");
        assert!(v["officer_id"].is_null(), "the assignment is closed: {v}");
        assert!(!v["history"][0]["valid_to"].is_null(), "history kept: {v}");
        assert_eq!(v["changes"][0]["field"], "deregistered");
        let (s, _) = t.json(Method::POST, &url, Some(&admin), Some(ok)).await;
        assert_eq!(s, StatusCode::CONFLICT, "twice");
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/enterprises/{}/deregister", t.ids.ent_a2),
                Some(&admin),
                Some(json!({"kind": "moved_out", "reason": "迁往杭州", "date": "2026-11-01"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");

        // (a) The code stops binding, with a clear refusal.
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/codes/{token}/bind"),
                None,
                Some(json!({"name": "李四", "phone": "13600000000", "password": "a-long-Passw0rd!"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("企业已注销"), "{v}");
        let (s, _, page) =
            t.send(axum::http::Request::get(format!("/c/{token}")).body(axum::body::Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(String::from_utf8_lossy(&page).contains("企业已注销"));
        // … and the waiting request is not approved.
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/bindings/{request}/decide"),
                Some(&admin),
                Some(json!({"decision": "approve"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        // (b) The live session ended; signing in is refused.
        let (s, _) = t.json(Method::GET, "/api/v1/me", Some(&ent), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = t
            .json(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "ent-a1", "password": crate::harness::PASSWORD})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // (c) No new demand; the open one is handled to the end.
        let (s, v) = t.json(Method::POST, "/api/v1/demands", Some(&coord), Some(body)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("企业已注销"), "{v}");
        let handler = t.token("handler-t").await;
        let act = |a: &'static str, b: Value| {
            let (t, h) = (&t, handler.clone());
            async move { t.json(Method::POST, &format!("/api/v1/demands/{demand}/actions/{a}"), Some(&h), Some(b)).await }
        };
        let (s, d) = act("sign", json!({})).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        let (s, d) = act("reply", json!({"text": "已办理通行证。"})).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["status"], "replied");
        // (d) Lists leave it out by default; coverage no longer counts it.
        let (_, l) = t
            .json(Method::GET, &format!("/api/v1/enterprises?district_id={}", t.ids.district_a), Some(&admin), None)
            .await;
        assert_eq!(l["total"], 1, "{l}");
        let (_, l) = t
            .json(
                Method::GET,
                &format!("/api/v1/enterprises?district_id={}&include_deregistered=true", t.ids.district_a),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(l["total"], 3, "{l}");
        let (_, cov) = t.json(Method::GET, "/api/v1/coverage", Some(&admin), None).await;
        assert_eq!(a_count(&cov), 1, "{cov}");
        // Door-knock campaigns: one starting 1 November counts ent_a1 (deregistered
        // on the 20th) but not ent_a2 (from the 1st); one starting on the 21st neither.
        let da = t.token("district-a").await;
        for (starts, expected) in [("2026-11-01", 2), ("2026-11-21", 1)] {
            let c = json!({"name": "敲门走访", "starts_on": starts, "ends_on": "2026-12-31"});
            let (s, row) = t.json(Method::POST, "/api/v1/campaigns", Some(&da), Some(c)).await;
            assert_eq!(s, StatusCode::CREATED, "{row}");
            let (s, cov) =
                t.json(Method::GET, &format!("/api/v1/campaigns/{}/coverage", row["id"]), Some(&da), None).await;
            assert_eq!(s, StatusCode::OK, "{cov}");
            assert_eq!(cov["enterprises"], expected, "{e} {starts}: {cov}");
        }
        // December: November (the month of ent_a1's date) still counts ent_a1,
        // not ent_a2 (deregistered from 1 November); December counts neither.
        t.clock.set(Utc.with_ymd_and_hms(2026, 12, 5, 2, 0, 0).unwrap());
        let admin = t.token("admin").await;
        let district_a = |v: &Value| {
            v["districts"].as_array().unwrap().iter().find(|d| d["district_id"] == t.ids.district_a).unwrap()
                ["enterprises"]
                .as_i64()
                .unwrap()
        };
        let (s, nov) = t.json(Method::GET, "/api/v1/visits/compliance?month=2026-11", Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{nov}");
        assert_eq!(district_a(&nov), 1, "{e}: {nov}");
        let (_, dec) = t.json(Method::GET, "/api/v1/visits/compliance?month=2026-12", Some(&admin), None).await;
        assert_eq!(district_a(&dec), 0, "{dec}");
        let (_, behind) = t.json(Method::GET, "/api/v1/visits/behind", Some(&admin), None).await;
        assert!(!behind.to_string().contains(&format!("\"enterprise_id\":{}", t.ids.ent_a1)), "{behind}");
        // An assignment import does not give it an officer again.
        let csv = format!("统一社会信用代码,服务员用户名\n{},officer-a\n", credit_code(1));
        let req = axum::http::Request::post("/api/v1/imports/assignments")
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {admin}"))
            .header(axum::http::header::CONTENT_TYPE, "text/csv")
            .body(axum::body::Body::from(csv))
            .unwrap();
        let (s, _, body) = t.send(req).await;
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains("已注销"), "{v}");
        assert_eq!(current_officer(&t, t.ids.ent_a1).await, None);
        // Edits of a deregistered enterprise are refused.
        let (s, _) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/enterprises/{}", t.ids.ent_a1),
                Some(&admin),
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
    }
}

async fn page(t: &TestApp, tok: &str, uri: &str) -> (StatusCode, String) {
    let req = axum::http::Request::get(uri)
        .header("cookie", format!("zhuqi_session={tok}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let (s, _, b) = t.send(req).await;
    (s, String::from_utf8_lossy(&b).into_owned())
}

async fn post_form(t: &TestApp, tok: &str, uri: &str, body: String) -> StatusCode {
    let req = axum::http::Request::post(uri)
        .header("cookie", format!("zhuqi_session={tok}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body))
        .unwrap();
    t.send(req).await.0
}

#[tokio::test]
async fn the_pages_edit_deregister_hand_over_and_transfer_through_forms() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let (tok, csrf) = t.page_session("district-a").await;
        let ent = format!("/enterprises/{}", t.ids.ent_a1);
        let (s, html) = page(&t, &tok, &ent).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("data-testid=\"edit-form\"") && html.contains("data-testid=\"deregister-form\""), "{e}");
        // An officer sees no forms.
        let (otok, _) = t.page_session("officer-a").await;
        let (_, html) = page(&t, &otok, &ent).await;
        assert!(!html.contains("edit-form"));
        let s = post_form(
            &t,
            &tok,
            &format!("{ent}/edit"),
            format!(
                "_csrf={csrf}&name=%E4%B8%BD%E6%B0%B4%E5%B8%82%E7%94%B2%E6%96%B0%E5%90%8D%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8&address=&contact_name=&contact_phone=&industry_code=C3443&size=below&township_id={}",
                t.ids.township_a
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        let (_, html) = page(&t, &tok, &ent).await;
        assert!(html.contains("丽水市甲新名有限公司") && html.contains("data-testid=\"changes\""), "{e}");
        // Without the token nothing changes.
        let s = post_form(&t, &tok, &format!("{ent}/edit"), "name=x".into()).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Officer page: hand over, then the history shows it.
        let off = format!("/officers/{}", t.ids.officer_a);
        let (_, html) = page(&t, &tok, &off).await;
        assert!(html.contains("handover-form") && html.contains("transfer-form"), "{e}");
        let s = post_form(&t, &tok, &format!("{off}/handover"), format!("_csrf={csrf}&target=spread")).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(current_officer(&t, t.ids.ent_a1).await, Some(t.ids.officer_a2));
        let s = post_form(
            &t,
            &tok,
            &format!("{off}/transfer"),
            format!("_csrf={csrf}&district_id={}&home_department_id={}&reason=x", t.ids.district_a, t.ids.dept_t),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        // Deregister through the form; the page shows 已注销 and no more forms.
        let s = post_form(
            &t,
            &tok,
            &format!("{ent}/deregister"),
            format!("_csrf={csrf}&kind=moved_out&date=2026-11-20&reason=%E8%BF%81%E5%87%BA&confirm=1"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, html) = page(&t, &tok, &ent).await;
        assert!(html.contains("data-testid=\"deregistered\"") && !html.contains("edit-form"), "{e}");
        // The list leaves it out unless asked, then marks it 已注销.
        let (_, html) = page(&t, &tok, "/enterprises").await;
        assert!(!html.contains("丽水市甲新名有限公司"), "{e}");
        let (_, html) = page(&t, &tok, "/enterprises?include_deregistered=1").await;
        assert!(html.contains("丽水市甲新名有限公司") && html.contains("已注销"), "{e}");
    }
}
