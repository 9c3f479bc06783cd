//! Metrics (issue 6) on a hand-made fixture, on both engines: every formula
//! of docs/metrics.md checked against answers computed by hand below;
//! incremental upkeep equals a rebuild from the events; scoping of the API;
//! the officer rating once per quarter; reports as JSON and Excel.
//!
//! The fixture, November 2026 (no holidays; Mon 11-02 … Fri 11-06, Mon
//! 11-09 …), default limits (sign 1, close 5 working days), all for
//! enterprise A1 in district A, lead department = transport (dept_t):
//!
//! | demand | submitted (by) | story | counts as |
//! |---|---|---|---|
//! | D1 | Mon 11-02 10:00 (officer-a) | dispatched 10:30 (sign due end of Tue 11-03, close due end of Mon 11-09); signed Tue 11-03 09:00; replied Wed 11-04 15:00; rated 非常满意 → closed | signed on time; replied on time on both clocks; 2 working days (11-03, 11-04) |
//! | D2 | Mon 11-02 11:00 (officer-a) | dispatched 11:30; urged Thu 11-05 08:30; signed Thu 11-05 09:00 (late; sign clock due end of Thu 11-12); replied Wed 11-11 10:00; rated 不满意 → reopened (重办), still open | signed late; replied late on the dispatch clock (after 11-09), on time on the sign clock; 7 working days (11-03 … 11-11); urged; redone; rated 2 |
//! | D3 | Tue 11-03 10:00 (officer-a) | dispatched 10:30 (close due end of Tue 11-10); signed 14:00; replied Fri 11-06 10:00; rated 基本满意 → closed | on time on all; 3 working days (11-04, 05, 06); rated 3 |
//! | D4 | Wed 11-04 10:00 (officer-a) | withdrawn by the enterprise at 11:00 | invalid (无效件), never dispatched (department 0) |
//! | D5 | Thu 11-05 10:00 (ent-a1, 企业码) | dispatched 10:30, never signed | dispatched; red by 11-26 |
//! | D6 | Fri 11-06 10:00 (coordinator, hotline, enterprise B1 in district B) | not dispatched | department 0, district B |
//! | D0 | Fri 10-30 10:00 (coordinator) | not dispatched | outside the period |
//!
//! Hand-computed answers for 2026-11-01 … 2026-11-30, whole city:
//! received 6; invalid 1 (D4); valid 5; closed 2 (D1, D3) → 办结率 2/5 = 40%;
//! dispatched 4 (D1, D2, D3, D5); signed 3, on time 2 (D1, D3) → 按时签收率 2/3;
//! replied 3 (D1–D3): on time on the dispatch clock 2 (D1, D3) → 2/3, on the
//! sign clock 3 → 100%; urged 1 of 4 dispatched → 催办率 25%; redone 1 of 3
//! replied → 重办率 1/3; rated 3 (5, 2, 3): 满意 (≥ 基本满意) 2 → 满意率 2/3,
//! mean score 10/3; working days 2, 7, 3 → mean 4, p90 = nearest rank
//! ⌈0.9·3⌉ = 3rd smallest = 7; overdue now (red, after the sweep on 11-26) 2
//! (D2 after its redo deadline, D5 after its close deadline).
//! Transport department: received 4 (D1, D2, D3, D5), closed 2 → 50%.
//! District A received 5, district B 1. Officer A raised 4 (D1–D4): closed 2,
//! invalid 1, open 1.

use crate::harness::{engines, TestApp};
use axum::http::{Method, StatusCode};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

/// Sets the clock to a China-time instant `MM-DD HH:MM` of 2026.
fn at(t: &TestApp, month: u32, day: u32, hour: u32, min: u32) {
    let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    t.clock.set(cst.with_ymd_and_hms(2026, month, day, hour, min, 0).unwrap().with_timezone(&Utc));
}

async fn submit(t: &TestApp, token: &str, ent: i64) -> i64 {
    let body = json!({"enterprise_id": ent, "category": "0102", "title": "物流受限", "description": "原料运输车辆无法进入园区。"});
    let (s, d) = t.json(Method::POST, "/api/v1/demands", Some(token), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    d["id"].as_i64().unwrap()
}

async fn act(t: &TestApp, token: &str, id: i64, action: &str, body: Value) {
    let (s, d) = t.json(Method::POST, &format!("/api/v1/demands/{id}/actions/{action}"), Some(token), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{action} on {id}: {d}");
}

/// Builds the fixture; returns (D1, D2, D5).
async fn fixture(t: &TestApp) -> (i64, i64, i64) {
    let officer = t.token("officer-a").await;
    let coord = t.token("coordinator").await;
    let handler = t.token("handler-t").await;
    let ent = t.token("ent-a1").await;
    let dept = json!({"department_id": t.ids.dept_t});
    at(t, 10, 30, 10, 0);
    submit(t, &coord, t.ids.ent_a1).await; // D0
    at(t, 11, 2, 10, 0);
    let d1 = submit(t, &officer, t.ids.ent_a1).await;
    at(t, 11, 2, 10, 30);
    act(t, &coord, d1, "dispatch", dept.clone()).await;
    at(t, 11, 2, 11, 0);
    let d2 = submit(t, &officer, t.ids.ent_a1).await;
    at(t, 11, 2, 11, 30);
    act(t, &coord, d2, "dispatch", dept.clone()).await;
    at(t, 11, 3, 9, 0);
    act(t, &handler, d1, "sign", json!({})).await;
    at(t, 11, 3, 10, 0);
    let d3 = submit(t, &officer, t.ids.ent_a1).await;
    at(t, 11, 3, 10, 30);
    act(t, &coord, d3, "dispatch", dept.clone()).await;
    at(t, 11, 3, 14, 0);
    act(t, &handler, d3, "sign", json!({})).await;
    at(t, 11, 4, 10, 0);
    let d4 = submit(t, &officer, t.ids.ent_a1).await;
    at(t, 11, 4, 11, 0);
    act(t, &ent, d4, "withdraw", json!({"reason": "已自行解决"})).await;
    at(t, 11, 4, 15, 0);
    act(t, &handler, d1, "reply", json!({"text": "已办理通行证。"})).await;
    at(t, 11, 5, 8, 30);
    act(t, &coord, d2, "urge", json!({"note": "请尽快签收"})).await;
    at(t, 11, 5, 9, 0);
    act(t, &handler, d2, "sign", json!({})).await;
    at(t, 11, 5, 10, 0);
    let d5 = submit(t, &ent, t.ids.ent_a1).await;
    at(t, 11, 5, 10, 30);
    act(t, &coord, d5, "dispatch", dept.clone()).await;
    at(t, 11, 5, 11, 0);
    act(t, &ent, d1, "rate", json!({"rating": "very_satisfied"})).await;
    at(t, 11, 6, 10, 0);
    act(t, &handler, d3, "reply", json!({"text": "已协调。"})).await;
    submit(t, &coord, t.ids.ent_b1).await; // D6
    at(t, 11, 6, 11, 0);
    act(t, &ent, d3, "rate", json!({"rating": "neutral"})).await;
    at(t, 11, 11, 10, 0);
    act(t, &handler, d2, "reply", json!({"text": "已答复。"})).await;
    at(t, 11, 11, 11, 0);
    act(t, &ent, d2, "rate", json!({"rating": "dissatisfied"})).await;
    at(t, 11, 26, 10, 0);
    t.app.sweep().await.unwrap();
    (d1, d2, d5)
}

const NOV: &str = "from=2026-11-01&to=2026-11-30";

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9)
}

#[tokio::test]
async fn every_formula_matches_the_hand_computed_fixture() {
    for e in engines() {
        let t = TestApp::new(e).await;
        fixture(&t).await;
        let admin = t.token("admin").await;
        let (s, r) = t.json(Method::GET, &format!("/api/v1/metrics/departments?{NOV}"), Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {r}");
        let c = &r["city"];
        for (k, want) in [
            ("received", 6),
            ("invalid", 1),
            ("valid", 5),
            ("closed", 2),
            ("open", 3),
            ("dispatched", 4),
            ("signed", 3),
            ("signed_on_time", 2),
            ("replied", 3),
            ("replied_on_time_dispatch", 2),
            ("replied_on_time_sign", 3),
            ("urged", 1),
            ("redone", 1),
            ("rated", 3),
            ("p90_reply_days", 7),
            ("overdue_now", 2),
        ] {
            assert_eq!(c[k], want, "{e}: city {k}: {c}");
        }
        assert_eq!(c["ratings"], json!([1, 0, 1, 1, 0]), "{e}");
        for (k, want) in [
            ("completion_rate", 2.0 / 5.0),
            ("on_time_sign_rate", 2.0 / 3.0),
            ("on_time_rate_dispatch", 2.0 / 3.0),
            ("on_time_rate_sign", 1.0),
            ("urge_rate", 0.25),
            ("redo_rate", 1.0 / 3.0),
            ("satisfaction_rate", 2.0 / 3.0),
            ("mean_rating", 10.0 / 3.0),
            ("mean_reply_days", 4.0),
        ] {
            assert!(close(&c[k], want), "{e}: city {k} = {} want {want}", c[k]);
        }
        // Departments: transport 4 received / 2 closed; "not dispatched" (0) D4 and D6.
        let rows = r["rows"].as_array().unwrap();
        let dept = rows.iter().find(|x| x["id"] == t.ids.dept_t).unwrap();
        assert_eq!(dept["received"], 4, "{e}: {dept}");
        assert!(close(&dept["completion_rate"], 0.5), "{e}: {dept}");
        assert_eq!(dept["overdue_now"], 2, "{e}");
        let none = rows.iter().find(|x| x["id"] == 0).unwrap();
        assert_eq!(none["received"], 2, "{e}: {none}");
        // Districts.
        let (_, r) = t.json(Method::GET, &format!("/api/v1/metrics/districts?{NOV}"), Some(&admin), None).await;
        let rows = r["rows"].as_array().unwrap();
        let da = rows.iter().find(|x| x["id"] == t.ids.district_a).unwrap();
        let db = rows.iter().find(|x| x["id"] == t.ids.district_b).unwrap();
        assert_eq!((da["received"].clone(), db["received"].clone()), (json!(5), json!(1)), "{e}: {r}");
        // October holds only D0.
        let (_, r) =
            t.json(Method::GET, "/api/v1/metrics/departments?from=2026-10-01&to=2026-10-31", Some(&admin), None).await;
        assert_eq!(r["city"]["received"], 1, "{e}: {r}");
        // Officer A: raised D1–D4.
        let (s, r) = t.json(Method::GET, &format!("/api/v1/metrics/officers?{NOV}"), Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {r}");
        let oa = r["officers"].as_array().unwrap().iter().find(|o| o["officer_id"] == t.ids.officer_a).unwrap();
        assert_eq!(oa["demands"]["received"], 4, "{e}: {oa}");
        assert_eq!(oa["demands"]["closed"], 2, "{e}: {oa}");
        assert_eq!(oa["demands"]["invalid"], 1, "{e}: {oa}");
        assert_eq!(oa["demands"]["open"], 1, "{e}: {oa}");
    }
}

#[tokio::test]
async fn incremental_aggregates_equal_a_rebuild_from_the_events() {
    for e in engines() {
        let t = TestApp::new(e).await;
        fixture(&t).await;
        let (before, facts_before) = {
            let mut c = t.app.store.read().await.unwrap();
            (
                zhuqi_store::metrics::aggregate_digest(&mut c).await.unwrap(),
                zhuqi_store::metrics::all_facts(&mut c).await.unwrap(),
            )
        };
        assert!(before.len() > 3, "{e}: {before:?}");
        let n = t.app.rebuild_metrics().await.unwrap();
        assert_eq!(n, 7, "{e}");
        let mut c = t.app.store.read().await.unwrap();
        assert_eq!(zhuqi_store::metrics::all_facts(&mut c).await.unwrap(), facts_before, "{e}");
        assert_eq!(zhuqi_store::metrics::aggregate_digest(&mut c).await.unwrap(), before, "{e}");
    }
}

#[tokio::test]
async fn figures_are_scoped_like_the_pages() {
    for e in engines() {
        let t = TestApp::new(e).await;
        fixture(&t).await;
        // A department head: their own department's row and the city totals only.
        let head = t.token("head-t").await;
        let (s, r) = t.json(Method::GET, &format!("/api/v1/metrics/departments?{NOV}"), Some(&head), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {r}");
        let ids: Vec<i64> = r["rows"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![t.ids.dept_t], "{e}: {r}");
        assert_eq!(r["city"]["received"], 6, "{e}");
        // District B's admin sees district B only.
        let db = t.token("district-b").await;
        let (_, r) = t.json(Method::GET, &format!("/api/v1/metrics/districts?{NOV}"), Some(&db), None).await;
        let ids: Vec<i64> = r["rows"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![t.ids.district_b], "{e}: {r}");
        // Handlers, officers and enterprise users get no department figures.
        for u in ["handler-t", "officer-a", "ent-a1"] {
            let tok = t.token(u).await;
            let (s, _) = t.json(Method::GET, &format!("/api/v1/metrics/departments?{NOV}"), Some(&tok), None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{e}: {u}");
        }
        // Officer figures of a department head: the officers it sent (officer A only).
        let (_, r) = t.json(Method::GET, &format!("/api/v1/metrics/officers?{NOV}"), Some(&head), None).await;
        let ids: Vec<i64> =
            r["officers"].as_array().unwrap().iter().map(|x| x["officer_id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![t.ids.officer_a], "{e}: {r}");
        // Bad periods are field errors.
        let admin = t.token("admin").await;
        let (s, v) =
            t.json(Method::GET, "/api/v1/metrics/districts?from=2026-11-30&to=2026-11-01", Some(&admin), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["field"], "to", "{e}: {v}");
        let (s, v) = t.json(Method::GET, "/api/v1/metrics/districts?from=2026-13-01", Some(&admin), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["field"], "from", "{e}: {v}");
        // Reports: own department yes, another department 404, a district admin 403.
        let (s, r) = t.json(Method::GET, "/api/v1/reports/department-monthly?period=2026-11", Some(&head), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {r}");
        assert_eq!(r["summary"][0]["received"], 4, "{e}: {r}");
        let other = t.ids.dept_t + 1;
        let (s, _) = t
            .json(
                Method::GET,
                &format!("/api/v1/reports/department-monthly?period=2026-11&id={other}"),
                Some(&head),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        let da = t.token("district-a").await;
        let (s, _) = t
            .json(
                Method::GET,
                &format!("/api/v1/reports/department-monthly?period=2026-11&id={}", t.ids.dept_t),
                Some(&da),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        let (s, r) = t
            .json(
                Method::GET,
                &format!("/api/v1/reports/district-monthly?period=2026-11&id={}", t.ids.district_a),
                Some(&da),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}: {r}");
        assert_eq!(r["summary"][0]["received"], 5, "{e}: {r}");
        let (s, v) = t.json(Method::GET, "/api/v1/reports/home-unit-half-year?period=2026-11", Some(&head), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        let (s, r) = t.json(Method::GET, "/api/v1/reports/home-unit-half-year?period=2026-H2", Some(&head), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {r}");
        assert_eq!(r["officers"][0]["officer_id"], t.ids.officer_a, "{e}: {r}");
        assert_eq!(r["officers"][0]["demands"]["received"], 4, "{e}: {r}");
    }
}

#[tokio::test]
async fn an_enterprise_rates_its_officer_once_a_quarter_and_the_officer_figures_show_it() {
    for e in engines() {
        let t = TestApp::new(e).await;
        at(&t, 11, 26, 9, 0);
        // One on-site visit by officer A at A1 this month: door-knock coverage 1/1, compliance 0/1 (rule: 2).
        let officer = t.token("officer-a").await;
        let (s, v) = t
            .json(
                Method::POST,
                "/api/v1/visits",
                Some(&officer),
                Some(
                    json!({"enterprise_id": t.ids.ent_a1, "mode": "on_site", "started_at": "2026-11-26T08:30:00+08:00",
                    "roles": ["policy"], "notes": "走访"}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        at(&t, 11, 26, 10, 0);
        let ent = t.token("ent-a1").await;
        let (s, v) = t.json(Method::POST, "/api/v1/officer-ratings", Some(&ent), Some(json!({"score": 9}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["field"], "score");
        let (s, v) = t
            .json(Method::POST, "/api/v1/officer-ratings", Some(&ent), Some(json!({"score": 4, "comment": "很及时"})))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        assert_eq!((v["officer_id"].as_i64(), v["quarter"].as_str()), (Some(t.ids.officer_a), Some("2026-Q4")));
        let (s, v) = t.json(Method::POST, "/api/v1/officer-ratings", Some(&ent), Some(json!({"score": 1}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("每季度只能评价一次"), "{e}: {v}");
        assert_eq!(t.count("officer_ratings").await, 1, "{e}");
        // Only enterprise users rate.
        let officer = t.token("officer-a").await;
        let (s, _) = t.json(Method::POST, "/api/v1/officer-ratings", Some(&officer), Some(json!({"score": 5}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        // Next quarter: rating again is fine.
        t.clock.set(Utc.with_ymd_and_hms(2027, 1, 5, 2, 0, 0).unwrap());
        let ent = t.token("ent-a1").await;
        let (s, v) = t.json(Method::POST, "/api/v1/officer-ratings", Some(&ent), Some(json!({"score": 2}))).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        let admin = t.token("admin").await;
        let (_, r) = t.json(Method::GET, &format!("/api/v1/metrics/officers?{NOV}"), Some(&admin), None).await;
        let oa = r["officers"].as_array().unwrap().iter().find(|o| o["officer_id"] == t.ids.officer_a).unwrap().clone();
        assert_eq!((oa["ratings"].as_i64(), oa["rating_mean"].as_f64()), (Some(1), Some(4.0)), "{e}: {oa}");
        assert!(close(&oa["rating_satisfaction"], 1.0), "{e}: {oa}");
        assert_eq!((oa["enterprises_served"].as_i64(), oa["door_knocked"].as_i64()), (Some(1), Some(1)), "{e}: {oa}");
        assert!(close(&oa["door_knock_coverage"], 1.0), "{e}: {oa}");
        assert_eq!(
            (oa["visit_enterprise_months"].as_i64(), oa["visit_compliant"].as_i64()),
            (Some(1), Some(0)),
            "{e}: {oa}"
        );
        // The page form refuses a second rating in the quarter with the same message.
        let (tok, csrf) = t.page_session("ent-a1").await;
        let req = axum::http::Request::post("/my-officer/rate")
            .header("cookie", format!("zhuqi_session={tok}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!("_csrf={csrf}&score=5")))
            .unwrap();
        let (s, _, body) = t.send(req).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(String::from_utf8_lossy(&body).contains("每季度只能评价一次"), "{e}");
    }
}

#[tokio::test]
async fn the_dashboard_and_a_report_render_with_links_to_the_demands_behind_the_numbers() {
    for e in engines() {
        let t = TestApp::new(e).await;
        fixture(&t).await;
        let admin = t.token("admin").await;
        let (s, d) = t.json(Method::GET, "/api/v1/metrics/dashboard", Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {d}");
        assert_eq!(d["figures"]["received"], 6, "{e}: {d}");
        assert_eq!(d["red_total"], 2, "{e}: {d}");
        // The click-through of the transport department's bar lists exactly its 4 demands.
        let bar = d["by_department"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["key"].as_str().and_then(|k| k.parse::<i64>().ok()) == Some(t.ids.dept_t))
            .unwrap();
        assert_eq!(bar["value"], 4, "{e}: {bar}");
        let href = bar["href"].as_str().unwrap().replacen("/demands?", "/api/v1/demands?", 1);
        let (_, list) = t.json(Method::GET, &href, Some(&admin), None).await;
        assert_eq!(list["total"], 4, "{e}: {href}: {list}");
        let closed = d["by_status"].as_array().unwrap().iter().find(|b| b["key"] == "closed").unwrap();
        let href = closed["href"].as_str().unwrap().replacen("/demands?", "/api/v1/demands?", 1);
        let (_, list) = t.json(Method::GET, &href, Some(&admin), None).await;
        assert_eq!((closed["value"].clone(), list["total"].clone()), (json!(2), json!(2)), "{e}: {href}");
        // The page shows the same figures; the report prints and exports.
        let (tok, _) = t.page_session("admin").await;
        let page = |path: &str| {
            axum::http::Request::get(path)
                .header("cookie", format!("zhuqi_session={tok}"))
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let (s, _, html) = t.send(page("/dashboard")).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        let html = String::from_utf8_lossy(&html).to_string();
        assert!(html.contains(r#"data-metric="received""#) && html.contains("热点问题"), "{e}");
        let (s, _, html) =
            t.send(page(&format!("/reports/district-monthly?period=2026-11&id={}", t.ids.district_a))).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(String::from_utf8_lossy(&html).contains("片区月报"), "{e}");
        let (s, h, bytes) = t
            .send(page(&format!("/reports/district-monthly/export.xlsx?period=2026-11&id={}", t.ids.district_a)))
            .await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(h[axum::http::header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"), "{e}");
        assert_eq!(&bytes[..2], b"PK", "{e}");
    }
}
