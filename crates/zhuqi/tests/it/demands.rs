//! Demands end to end over HTTP on both engines: the whole life through four
//! roles, scope, idempotency, optimistic concurrency, the sweeper.

use crate::harness::{engines, TestApp};
use axum::http::{Method, StatusCode};
use chrono::{Duration, TimeZone, Utc};
use serde_json::{json, Value};

async fn submit(t: &TestApp, token: &str, enterprise_id: i64, key: Option<&str>) -> (StatusCode, Value) {
    let body = json!({"enterprise_id": enterprise_id, "category": "0102", "title": "物流受限：原料运输车辆无法进入园区",
        "description": "原料运输车辆无法进入园区，需办理通行证，影响正常生产。"});
    match key {
        None => t.json(Method::POST, "/api/v1/demands", Some(token), Some(body)).await,
        Some(k) => {
            let req = axum::http::Request::post("/api/v1/demands")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .header("idempotency-key", k)
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let (s, _, b) = t.send(req).await;
            (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
        }
    }
}

async fn act(t: &TestApp, token: &str, id: i64, action: &str, body: Value) -> (StatusCode, Value) {
    t.json(Method::POST, &format!("/api/v1/demands/{id}/actions/{action}"), Some(token), Some(body)).await
}

#[tokio::test]
async fn a_demand_walks_from_submission_to_closed_through_four_roles() {
    for e in engines() {
        let t = TestApp::new(e).await;
        // Friday 2026-09-18 10:00 China time.
        t.clock.set(Utc.with_ymd_and_hms(2026, 9, 18, 2, 0, 0).unwrap());
        let officer = t.token("officer-a").await;
        let (s, d) = submit(&t, &officer, t.ids.ent_a1, None).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {d}");
        let id = d["id"].as_i64().unwrap();
        assert_eq!(d["status"], "submitted");
        let coord = t.token("coordinator").await;
        let (s, q) = t.json(Method::GET, "/api/v1/demands?status=submitted", Some(&coord), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(q["total"], 1, "{e}: {q}");
        let (s, sug) = t
            .json(
                Method::GET,
                &format!("/api/v1/categories/0102/suggestion?district_id={}", t.ids.district_a),
                Some(&coord),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{sug}");
        let transport = sug["department_id"].as_i64().unwrap();
        let (s, d) = act(&t, &coord, id, "dispatch", json!({"department_id": transport})).await;
        assert_eq!(s, StatusCode::OK, "{e}: {d}");
        assert_eq!(d["status"], "dispatched");
        // Sign due: 1 working day from Friday → end of Sunday 2026-09-20 (a make-up working day).
        let sign_due = d["state"]["sign_due"].as_i64().unwrap();
        assert_eq!(zhuqi_domain::clock::rfc3339_cst(sign_due), "2026-09-21T00:00:00+08:00");
        // A handler of another department cannot even see it.
        let handler = t.token("handler-t").await;
        let (s, d) = act(&t, &handler, id, "sign", json!({})).await;
        assert_eq!(s, StatusCode::OK, "{e}: {d}");
        assert_eq!(d["status"], "handling");
        let (s, d) =
            act(&t, &handler, id, "reply", json!({"text": "已协调交通运输局办理通行证45张。", "outcome_count": 45}))
                .await;
        assert_eq!(s, StatusCode::OK, "{e}: {d}");
        assert_eq!(d["status"], "replied");
        let ent = t.token("ent-a1").await;
        let (s, d) = act(&t, &ent, id, "rate", json!({"rating": "dissatisfied", "comment": "还没解决"})).await;
        assert_eq!(s, StatusCode::OK, "{e}: {d}");
        assert_eq!(d["status"], "handling", "重办");
        assert_eq!(d["state"]["redo_count"], 1);
        let (_, d) = act(&t, &handler, id, "reply", json!({"text": "已全部办结。"})).await;
        assert_eq!(d["status"], "replied", "{d}");
        let (s, d) = act(&t, &ent, id, "rate", json!({"rating": "very_satisfied"})).await;
        assert_eq!(s, StatusCode::OK, "{e}: {d}");
        assert_eq!(d["status"], "closed");
        let kinds: Vec<&str> = d["timeline"].as_array().unwrap().iter().map(|x| x["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds.first(), Some(&"submitted"), "{kinds:?}");
        assert!(kinds.contains(&"reopened") && kinds.last() == Some(&"closed"), "{kinds:?}");
        // Closed accepts nothing, with a message naming the state and the action.
        let (s, v) = act(&t, &handler, id, "sign", json!({})).await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("已办结"), "{v}");
        // The enterprise was told about the replies.
        let (_, inbox) = t.json(Method::GET, "/api/v1/notifications", Some(&ent), None).await;
        assert!(inbox["unread"].as_i64().unwrap() >= 1, "{e}: {inbox}");
    }
}

#[tokio::test]
async fn nobody_reads_a_demand_outside_their_scope() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let officer = t.token("officer-a").await;
        let (_, d) = submit(&t, &officer, t.ids.ent_a1, None).await;
        let id = d["id"].as_i64().unwrap();
        // Not yet routed to the transport department; another officer and another district's admin never.
        for u in ["handler-t", "officer-a2", "district-b", "officer-b"] {
            let tok = t.token(u).await;
            let (s, _) = t.json(Method::GET, &format!("/api/v1/demands/{id}"), Some(&tok), None).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{e}: {u}");
        }
        // An officer cannot submit for an enterprise they do not serve.
        let (s, v) = submit(&t, &officer, t.ids.ent_a2, None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["field"], "enterprise_id");
        let (s, _) = t.json(Method::GET, &format!("/api/v1/demands/{id}"), Some(&t.token("ent-a1").await), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: the enterprise sees its own demand");
    }
}

#[tokio::test]
async fn a_retried_submission_with_the_same_idempotency_key_returns_the_same_demand() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let tok = t.token("ent-a1").await;
        let (s1, d1) = submit(&t, &tok, t.ids.ent_a1, Some("retry-1")).await;
        let (s2, d2) = submit(&t, &tok, t.ids.ent_a1, Some("retry-1")).await;
        assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK), "{e}");
        assert_eq!(d1["id"], d2["id"]);
        assert_eq!(t.count("demands").await, 1);
        let (s3, d3) = submit(&t, &tok, t.ids.ent_a1, Some("retry-2")).await;
        assert_eq!(s3, StatusCode::CREATED);
        assert_ne!(d3["id"], d1["id"]);
    }
}

/// Many submissions at once go through the group commit together (on
/// PostgreSQL in one bulk statement): every one is written whole, retries
/// racing with one key make one demand, an out-of-scope one fails alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_submissions_are_each_written_whole_and_racing_retries_make_one_demand() {
    for e in engines() {
        let t = std::sync::Arc::new(TestApp::new(e).await);
        let officer = t.token("officer-a").await;
        let mut tasks = Vec::new();
        for i in 0..60 {
            let (t, tok) = (t.clone(), officer.clone());
            // Ten retries share the key "same"; one in ten is for an enterprise out of scope.
            let key = if i % 6 == 0 { "same".to_string() } else { format!("k{i}") };
            let ent = if i % 10 == 7 { t.ids.ent_b1 } else { t.ids.ent_a1 };
            tasks.push(tokio::spawn(async move { (i, ent, submit(&t, &tok, ent, Some(&key)).await) }));
        }
        let (mut created, mut same_ids, mut refused) = (Vec::new(), std::collections::BTreeSet::new(), 0);
        for task in tasks {
            let (i, ent, (s, v)) = task.await.unwrap();
            if ent == t.ids.ent_b1 {
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
                assert_eq!(v["error"]["field"], "enterprise_id", "{e}");
                refused += 1;
                continue;
            }
            assert!(s == StatusCode::CREATED || s == StatusCode::OK, "{e} #{i}: {s} {v}");
            let id = v["id"].as_i64().unwrap();
            if i % 6 == 0 {
                same_ids.insert(id);
            }
            if s == StatusCode::CREATED {
                created.push(id);
            }
        }
        assert_eq!(refused, 6, "{e}");
        assert_eq!(same_ids.len(), 1, "{e}: every retry with one key got the same demand");
        // 54 in scope: 10 share one key, so 45 demands.
        assert_eq!(created.len(), 45, "{e}");
        assert_eq!(t.count("demands").await, 45, "{e}");
        for table in ["demand_events", "metric_facts"] {
            assert_eq!(t.count(table).await, 45, "{e}: {table}");
        }
        assert_eq!(t.count("idempotency_keys").await, 45, "{e}");
        let mut c = t.app.store.read().await.unwrap();
        let audited: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'submit_demand' AND outcome = 'success'")
                .fetch_one(&mut *c)
                .await
                .unwrap();
        assert_eq!(audited, 45, "{e}");
        let received: i64 = sqlx::query_scalar("SELECT CAST(SUM(received) AS BIGINT) FROM metric_day")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!(received, 45, "{e}: the batch's aggregate deltas were written once each");
        drop(c);
        // Each is readable with its timeline and found by full-text search.
        let (s, v) = t.json(Method::GET, &format!("/api/v1/demands/{}", created[0]), Some(&officer), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        let (s, v) = t
            .json(Method::GET, "/api/v1/demands?q=%E9%80%9A%E8%A1%8C%E8%AF%81&per_page=100", Some(&officer), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(v["total"], 45, "{e}: {v}");
    }
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_stored() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let tok = t.token("officer-a").await;
        for (body, field) in [
            (json!({"enterprise_id": t.ids.ent_a1, "category": "7777", "title": "x", "description": "y"}), "category"),
            (json!({"enterprise_id": t.ids.ent_a1, "category": "0102", "title": "", "description": "y"}), "title"),
            (
                json!({"enterprise_id": t.ids.ent_a1, "category": "0102", "title": "x", "description": " "}),
                "description",
            ),
        ] {
            let (s, v) = t.json(Method::POST, "/api/v1/demands", Some(&tok), Some(body)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
            assert_eq!(v["error"]["field"], field, "{v}");
        }
        assert_eq!(t.count("demands").await, 0);
        assert_eq!(t.count("demand_events").await, 0);
    }
}

#[tokio::test]
async fn two_concurrent_transitions_one_wins_and_the_other_gets_409() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let (_, d) = submit(&t, &t.token("officer-a").await, t.ids.ent_a1, None).await;
        let id = d["id"].as_i64().unwrap();
        let version = d["version"].as_i64().unwrap();
        let coord = t.token("coordinator").await;
        let sug = json!({"department_id": t.ids.dept_t});
        let dept = sug["department_id"].as_i64().unwrap();
        let a = act(&t, &coord, id, "dispatch", json!({"department_id": dept, "version": version}));
        let b = act(&t, &coord, id, "reject", json!({"reason": "不属于涉企诉求", "version": version}));
        let ((sa, _), (sb, vb)) = tokio::join!(a, b);
        let mut got = [sa, sb];
        got.sort();
        assert_eq!(got, [StatusCode::OK, StatusCode::CONFLICT], "{e}: {vb}");
        let (_, d) = t.json(Method::GET, &format!("/api/v1/demands/{id}"), Some(&coord), None).await;
        let timeline = d["timeline"].as_array().unwrap();
        assert_eq!(timeline.len(), 2, "{e}: submitted + exactly one winner: {d}");
        assert_eq!(d["version"], version + 1);
    }
}

/// A demand submitted and dispatched to the transport department on Monday
/// 2026-11-23 09:00 (China time); the clock is left there.
async fn dispatched_on_monday(t: &TestApp) -> i64 {
    t.clock.set(Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap());
    let (_, d) = submit(t, &t.token("officer-a").await, t.ids.ent_a1, None).await;
    let id = d["id"].as_i64().unwrap();
    let (s, v) = act(t, &t.token("coordinator").await, id, "dispatch", json!({"department_id": t.ids.dept_t})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    id
}

#[tokio::test]
async fn the_sweeper_escalates_once_and_catches_up_after_downtime() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let id = dispatched_on_monday(&t).await;
        // Nobody signs; two weeks of downtime later the sweeper runs twice.
        t.clock.advance(Duration::days(14));
        let first = t.app.sweep().await.unwrap();
        let second = t.app.sweep().await.unwrap();
        let coord = t.token("coordinator").await;
        assert!(first.escalated >= 1, "{e}: {first:?}");
        assert_eq!(second.escalated, 0, "{e}: nothing twice: {second:?}");
        let (s, d) = t.json(Method::GET, &format!("/api/v1/demands/{id}"), Some(&coord), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {d}");
        let escalations = d["timeline"].as_array().unwrap().iter().filter(|x| x["kind"] == "escalated").count();
        assert_eq!(escalations, first.escalated, "{e}");
        assert_eq!(d["colour"], "red", "{e}: {d}");
        let (_, q) = t.json(Method::GET, "/api/v1/demands?colour=red", Some(&coord), None).await;
        assert_eq!(q["total"], 1);
    }
}

#[tokio::test]
async fn a_lapsed_supervision_order_is_raised_once_to_the_head_and_the_admins() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let id = dispatched_on_monday(&t).await;
        let (s, v) = act(&t, &t.token("handler-t").await, id, "sign", json!({})).await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        // A supervision order (督办单) due in 1 working day: 24:00 Tuesday 11-24.
        let admin = t.token("admin").await;
        let (s, v) = act(&t, &admin, id, "supervise", json!({"note": "限期办结", "due_days": 1})).await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        t.clock.set(Utc.with_ymd_and_hms(2026, 11, 24, 15, 59, 0).unwrap());
        assert_eq!(t.app.sweep().await.unwrap().supervision_lapsed, 0, "{e}: not before its deadline");
        t.clock.set(Utc.with_ymd_and_hms(2026, 11, 24, 16, 0, 0).unwrap());
        let first = t.app.sweep().await.unwrap();
        let second = t.app.sweep().await.unwrap();
        assert_eq!((first.supervision_lapsed, second.supervision_lapsed), (1, 0), "{e}: once");
        let admin = t.token("admin").await;
        let (_, d) = t.json(Method::GET, &format!("/api/v1/demands/{id}"), Some(&admin), None).await;
        let lapses = d["timeline"].as_array().unwrap().iter().filter(|x| x["kind"] == "supervision_lapsed").count();
        assert_eq!(lapses, 1, "{e}: on the timeline: {d}");
        // Told: the lead department's head, the district admin, the city admin.
        for who in ["head-t", "district-a", "admin"] {
            let (_, n) = t.json(Method::GET, "/api/v1/notifications", Some(&t.token(who).await), None).await;
            let told =
                n["items"].as_array().unwrap().iter().any(|x| x["kind"] == "supervision" && x["demand_id"] == id);
            assert!(told, "{e}: {who} is told: {n}");
        }
        let (_, n) = t.json(Method::GET, "/api/v1/notifications", Some(&t.token("district-b").await), None).await;
        assert!(
            !n["items"].as_array().unwrap().iter().any(|x| x["kind"] == "supervision"),
            "{e}: not another district"
        );
    }
}

#[tokio::test]
async fn chinese_full_text_search_finds_demands_by_words() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let tok = t.token("officer-a").await;
        submit(&t, &tok, t.ids.ent_a1, None).await;
        let (s, q) = t.json(Method::GET, "/api/v1/demands?q=%E9%80%9A%E8%A1%8C%E8%AF%81", Some(&tok), None).await; // 通行证
        assert_eq!(s, StatusCode::OK, "{q}");
        assert_eq!(q["total"], 1, "{e}: {q}");
        let (_, q) = t.json(Method::GET, "/api/v1/demands?q=%E8%9E%8D%E8%B5%84", Some(&tok), None).await; // 融资
        assert_eq!(q["total"], 0, "{e}: {q}");
    }
}

#[tokio::test]
async fn a_time_limit_change_applies_to_the_next_demand_at_once() {
    for e in engines() {
        let t = TestApp::new(e).await;
        // Friday 2026-09-18 10:00: 1 working day ends Sunday 09-20 (make-up day), 2 end Monday 09-21.
        t.clock.set(Utc.with_ymd_and_hms(2026, 9, 18, 2, 0, 0).unwrap());
        let officer = t.token("officer-a").await;
        let coord = t.token("coordinator").await;
        let (_, first) = submit(&t, &officer, t.ids.ent_a1, None).await;
        let admin = t.token("admin").await;
        let (s, v) = t
            .json(
                Method::PUT,
                "/api/v1/categories/0102/limits",
                Some(&admin),
                Some(json!({"sign_days": 2, "reply_days": 3, "close_days": 5, "auto_close_days": 5, "reason": "试行两日签收"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        let (_, second) = submit(&t, &officer, t.ids.ent_a1, None).await;
        let mut sign_dues = Vec::new();
        for d in [&first, &second] {
            let id = d["id"].as_i64().unwrap();
            let (s, d) = act(&t, &coord, id, "dispatch", json!({"department_id": t.ids.dept_t})).await;
            assert_eq!(s, StatusCode::OK, "{e}: {d}");
            sign_dues.push(zhuqi_domain::clock::rfc3339_cst(d["state"]["sign_due"].as_i64().unwrap()));
        }
        // The limits are a snapshot taken at submission: the first demand keeps 1 day.
        assert_eq!(sign_dues, ["2026-09-21T00:00:00+08:00", "2026-09-22T00:00:00+08:00"], "{e}");
    }
}

/// Notices after a form come from the server only: `?msg=` text is never
/// shown (a ready phishing link on a government site), a sealed `?flash=`
/// shows only in the session that made it, and an error looks like an
/// error (red, `role=alert`), a success like a success.
#[tokio::test]
async fn page_notices_come_from_the_server_and_errors_look_like_errors() {
    let t = TestApp::new("sqlite").await;
    let officer = t.token("officer-a").await;
    let (s, d) = submit(&t, &officer, t.ids.ent_a1, None).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    let (tok, csrf) = t.page_session("coordinator").await;
    let page = |tok: String, path: String| {
        let t = &t;
        async move {
            let req = axum::http::Request::get(path)
                .header("cookie", format!("zhuqi_session={tok}"))
                .body(axum::body::Body::empty())
                .unwrap();
            let (s, _, b) = t.send(req).await;
            (s, String::from_utf8_lossy(&b).into_owned())
        }
    };
    let post = |fields: String| {
        let t = &t;
        let tok = tok.clone();
        let csrf = csrf.clone();
        async move {
            let req = axum::http::Request::post(format!("/demands/{id}/actions/dispatch"))
                .header("cookie", format!("zhuqi_session={tok}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(format!("_csrf={csrf}&{fields}")))
                .unwrap();
            let (s, h, _) = t.send(req).await;
            assert_eq!(s, StatusCode::SEE_OTHER);
            h["location"].to_str().unwrap().to_string()
        }
    };
    // A stale version: back to the page with the conflict, as an error.
    let to = post(format!("version=99&department_id={}", t.ids.dept_t)).await;
    assert!(to.starts_with(&format!("/demands/{id}?flash=")) && !to.contains("msg="), "{to}");
    let (s, html) = page(tok.clone(), to.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(r#"class="error-msg" role="alert" data-testid="flash" data-kind="error""#), "{html}");
    // Someone else opening the same link sees no notice.
    let (other, _) = t.page_session("admin").await;
    let (_, html) = page(other.clone(), to.clone()).await;
    assert!(!html.contains(r#"data-testid="flash""#), "another session must not see it");
    // Text in the URL is never shown, forged seals neither.
    let bait = "%E7%BC%B4%E7%BA%B3%E5%8A%A0%E6%80%A5%E8%B4%B9200%E5%85%83"; // 缴纳加急费200元
    for q in [format!("msg={bait}"), format!("flash={bait}"), "flash=b%E7%BC%B4.00".to_string()] {
        let (s, html) = page(tok.clone(), format!("/demands/{id}?{q}")).await;
        assert_eq!(s, StatusCode::OK, "{q}");
        assert!(!html.contains("缴纳加急费") && !html.contains(r#"data-testid="flash""#), "{q}");
    }
    // A success is a success.
    let (_, d) = t.json(Method::GET, &format!("/api/v1/demands/{id}"), Some(&officer), None).await;
    let to = post(format!("version={}&department_id={}", d["version"], t.ids.dept_t)).await;
    let (_, html) = page(tok.clone(), to).await;
    assert!(html.contains(r#"class="flash" role="status" data-testid="flash">"#), "{html}");
}
