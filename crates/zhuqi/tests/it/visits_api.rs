//! Visits (走访) over HTTP on both engines: RFC 3339 instants and the month
//! they count for, scope (an officer never reads another officer's visit,
//! a district admin's compliance report holds only their district), edits
//! with versions, needs turned into demands, campaigns, and the pages'
//! form flow (POST-redirect-GET, double submits, a failed submit kept).

use crate::harness::{engines, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

/// Moves the fixture's clock to 2026-06-01 10:00 in China and every
/// assignment's start back to 2026-01-01, so May counts.
async fn early_june(t: &TestApp) {
    t.clock.set(Utc.with_ymd_and_hms(2026, 6, 1, 2, 0, 0).unwrap());
    let since = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap().timestamp_millis();
    let mut tx = t.app.store.begin().await.unwrap();
    sqlx::query("UPDATE assignments SET valid_from = $1").bind(since).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

fn visit(enterprise_id: i64, started_at: &str) -> Value {
    json!({"enterprise_id": enterprise_id, "mode": "on_site", "started_at": started_at,
        "roles": ["confidence", "policy"], "policy": "研发费用加计扣除", "notes": "生产经营正常"})
}

async fn record(t: &TestApp, tok: &str, enterprise_id: i64, started_at: &str) -> Value {
    let (s, v) = t.json(Method::POST, "/api/v1/visits", Some(tok), Some(visit(enterprise_id, started_at))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

/// The officer's row of a compliance report.
fn officer_row(report: &Value, officer_id: i64) -> &Value {
    report["officers"].as_array().unwrap().iter().find(|o| o["officer_id"] == officer_id).expect("officer row")
}

#[tokio::test]
async fn a_visit_recorded_at_2330_china_time_on_31_may_counts_for_may() {
    for e in engines() {
        let t = TestApp::new(e).await;
        early_june(&t).await;
        let officer = t.token("officer-a").await;
        let admin = t.token("admin").await;
        let v = record(&t, &officer, t.ids.ent_a1, "2026-05-31T23:30:00+08:00").await;
        assert_eq!(v["month"], "2026-05", "{e}");
        assert_eq!(v["started_at"], Utc.with_ymd_and_hms(2026, 5, 31, 15, 30, 0).unwrap().timestamp_millis());
        assert_eq!(v["roles"], json!(["confidence", "policy"]), "{e}: roles answer as a list");
        // The same instant written in UTC; and one minute into June in China.
        let june = record(&t, &officer, t.ids.ent_a1, "2026-05-31T16:00:00Z").await;
        assert_eq!(june["month"], "2026-06", "{e}");

        let (s, may) = t.json(Method::GET, "/api/v1/visits/compliance?month=2026-05", Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{may}");
        assert_eq!(may["month"], "2026-05");
        let row = officer_row(&may, t.ids.officer_a);
        assert_eq!(row["enterprises"], 1, "{e}: {row}");
        assert_eq!(row["compliant"], 0, "{e}: one visit of two");
        assert_eq!(row["behind"][0]["enterprise_id"], t.ids.ent_a1);
        assert_eq!(row["behind"][0]["visits"], 1, "{e}: the 23:30 visit counts for May");
        assert_eq!(row["behind"][0]["needed"], 1);

        record(&t, &officer, t.ids.ent_a1, "2026-05-31T15:45:00Z").await; // 23:45 in China
        let (_, may) = t.json(Method::GET, "/api/v1/visits/compliance?month=2026-05", Some(&admin), None).await;
        let row = officer_row(&may, t.ids.officer_a);
        assert_eq!((row["compliant"].as_i64(), row["behind"].as_array().map(Vec::len)), (Some(1), Some(0)), "{e}");
        let district =
            may["districts"].as_array().unwrap().iter().find(|d| d["district_id"] == t.ids.district_a).unwrap();
        assert_eq!(district["compliant"], 1, "{e}: {district}");
        let (_, jun) = t.json(Method::GET, "/api/v1/visits/compliance?month=2026-06", Some(&admin), None).await;
        assert_eq!(officer_row(&jun, t.ids.officer_a)["behind"][0]["visits"], 1, "{e}: the 00:00 visit is June's");

        // The list filters by month the same way.
        for (month, total) in [("2026-05", 2), ("2026-06", 1)] {
            let (s, l) = t.json(Method::GET, &format!("/api/v1/visits?month={month}"), Some(&officer), None).await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(l["total"], total, "{e}: {month}");
            for k in ["items", "page", "per_page"] {
                assert!(l.get(k).is_some(), "list envelope has {k}");
            }
        }
    }
}

#[tokio::test]
async fn a_bad_instant_or_word_is_422_naming_the_field() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let officer = t.token("officer-a").await;
        let mut cases = Vec::new();
        let mut v = visit(t.ids.ent_a1, "2026-05-31 23:30");
        cases.push((v.clone(), "started_at"));
        v["started_at"] = json!("2026-11-26T09:00:00+08:00");
        v["ended_at"] = json!("nine o'clock");
        cases.push((v.clone(), "ended_at"));
        v["ended_at"] = Value::Null;
        v["mode"] = json!("on_foot");
        cases.push((v.clone(), "mode"));
        v["mode"] = json!("phone");
        v["roles"] = json!(["cheerleader"]);
        cases.push((v.clone(), "roles"));
        v["roles"] = json!([]);
        cases.push((v.clone(), "roles"));
        v["roles"] = json!(["epidemic"]);
        v["production_status"] = json!("booming");
        cases.push((v.clone(), "production_status"));
        let mut no_start = visit(t.ids.ent_a1, "");
        no_start.as_object_mut().unwrap().remove("started_at");
        cases.push((no_start, "started_at"));
        for (body, field) in cases {
            let (s, r) = t.json(Method::POST, "/api/v1/visits", Some(&officer), Some(body.clone())).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {body}: {r}");
            assert_eq!(r["error"]["field"], field, "{e}: {body}: {r}");
        }
        let (s, r) = t.json(Method::GET, "/api/v1/visits/compliance?month=2026-5", Some(&officer), None).await;
        assert_eq!((s, r["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("month")), "{e}");
        assert_eq!(t.count("visits").await, 0, "{e}");
    }
}

#[tokio::test]
async fn an_officer_cannot_read_another_officers_visit() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let a = t.token("officer-a").await;
        let a2 = t.token("officer-a2").await;
        let b = t.token("officer-b").await;
        let mine = record(&t, &a, t.ids.ent_a1, "2026-11-26T09:00:00+08:00").await["id"].as_i64().unwrap();
        let same_district = record(&t, &a2, t.ids.ent_a2, "2026-11-26T09:00:00+08:00").await["id"].as_i64().unwrap();
        let other_district = record(&t, &b, t.ids.ent_b1, "2026-11-26T09:00:00+08:00").await["id"].as_i64().unwrap();
        for id in [same_district, other_district] {
            let (s, r) = t.json(Method::GET, &format!("/api/v1/visits/{id}"), Some(&a), None).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{e}: {r}");
            let edit = json!({"mode": "phone", "started_at": "2026-11-26T09:00:00+08:00", "roles": ["policy"]});
            let (s, _) = t.json(Method::PUT, &format!("/api/v1/visits/{id}"), Some(&a), Some(edit)).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{e}: no edit either");
            let need = json!({"category": "0102", "title": "t", "description": "d"});
            let (s, _) = t.json(Method::POST, &format!("/api/v1/visits/{id}/demands"), Some(&a), Some(need)).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{e}: nor a demand from it");
        }
        let (s, _) =
            t.json(Method::GET, &format!("/api/v1/visits?enterprise_id={}", t.ids.ent_b1), Some(&a), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}: another officer's enterprise has no history for them");
        let (s, _) = t
            .json(Method::POST, "/api/v1/visits", Some(&a), Some(visit(t.ids.ent_b1, "2026-11-26T09:00:00+08:00")))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}: nor may they record there");
        let (_, l) = t.json(Method::GET, "/api/v1/visits", Some(&a), None).await;
        let ids: Vec<i64> = l["items"].as_array().unwrap().iter().map(|v| v["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [mine], "{e}");
        // The same through the pages.
        let (tok, _) = t.page_session("officer-a").await;
        let req = |path: String| {
            Request::get(path).header(header::COOKIE, format!("zhuqi_session={tok}")).body(Body::empty()).unwrap()
        };
        let (s, _, _) = t.send(req(format!("/visits/{other_district}"))).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        let (s, _, body) = t.send(req(format!("/visits/{mine}"))).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(String::from_utf8_lossy(&body).contains("丽水市甲阀门有限公司"));
        // A district admin reads their district's visits, not another's.
        let da = t.token("district-a").await;
        let (s, _) = t.json(Method::GET, &format!("/api/v1/visits/{same_district}"), Some(&da), None).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        let (s, _) = t.json(Method::GET, &format!("/api/v1/visits/{other_district}"), Some(&da), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    }
}

#[tokio::test]
async fn the_compliance_report_is_scoped() {
    for e in engines() {
        let t = TestApp::new(e).await;
        record(&t, &t.token("officer-a").await, t.ids.ent_a1, "2026-11-26T09:00:00+08:00").await;
        record(&t, &t.token("officer-b").await, t.ids.ent_b1, "2026-11-26T09:00:00+08:00").await;
        let get = |who: &'static str| {
            let t = &t;
            async move {
                let tok = t.token(who).await;
                t.json(Method::GET, "/api/v1/visits/compliance?month=2026-11", Some(&tok), None).await
            }
        };
        let (s, city) = get("admin").await;
        assert_eq!(s, StatusCode::OK);
        let districts: Vec<i64> =
            city["districts"].as_array().unwrap().iter().map(|d| d["district_id"].as_i64().unwrap()).collect();
        assert_eq!(districts, [t.ids.district_a, t.ids.district_b], "{e}: the city sees every district");
        assert_eq!(city["officers"].as_array().unwrap().len(), 3, "{e}");

        let (s, district) = get("district-a").await;
        assert_eq!(s, StatusCode::OK);
        let rows = district["districts"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{e}: {district}");
        assert_eq!(rows[0]["district_id"], t.ids.district_a, "{e}");
        let officers: Vec<i64> =
            district["officers"].as_array().unwrap().iter().map(|o| o["officer_id"].as_i64().unwrap()).collect();
        assert!(!officers.is_empty() && !officers.contains(&t.ids.officer_b), "{e}: {officers:?}");
        assert!(officers.iter().all(|o| [t.ids.officer_a, t.ids.officer_a2].contains(o)), "{e}");

        let (s, own) = get("officer-a").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(own["districts"], json!([]), "{e}: an officer gets no district table");
        assert_eq!(own["officers"].as_array().unwrap().len(), 1, "{e}: only themself");
        for who in ["ent-a1", "handler-t"] {
            assert_eq!(get(who).await.0, StatusCode::FORBIDDEN, "{e}: {who}");
        }
        let (s, behind) = t.json(Method::GET, "/api/v1/visits/behind", Some(&t.token("district-a").await), None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            behind["rows"].as_array().unwrap().iter().all(|r| r["district_id"] == t.ids.district_a),
            "{e}: {behind}"
        );
    }
}

#[tokio::test]
async fn an_edit_keeps_history_and_a_need_becomes_a_linked_demand() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let a = t.token("officer-a").await;
        let mut body = visit(t.ids.ent_a1, "2026-11-26T09:00:00+08:00");
        body["roles"] = json!(["difficulty"]);
        body["needs"] = json!("货车进不了园区，物流受限");
        body.as_object_mut().unwrap().remove("enterprise_id");
        let v = record(&t, &a, t.ids.ent_a1, "2026-11-26T09:00:00+08:00").await;
        let id = v["id"].as_i64().unwrap();
        // Edit without the enterprise (it never changes), then with a stale version.
        let (s, edited) = t.json(Method::PUT, &format!("/api/v1/visits/{id}"), Some(&a), Some(body.clone())).await;
        assert_eq!(s, StatusCode::OK, "{edited}");
        assert_eq!(edited["version"], 2);
        let mut stale = body.clone();
        stale["version"] = json!(1);
        let (s, _) = t.json(Method::PUT, &format!("/api/v1/visits/{id}"), Some(&a), Some(stale)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        // Needs → demand, the description defaulting to the visit's needs.
        let need = json!({"category": "0102", "title": "物流受限"});
        let (s, d) = t.json(Method::POST, &format!("/api/v1/visits/{id}/demands"), Some(&a), Some(need)).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        assert_eq!(d["description"], "货车进不了园区，物流受限");
        let (_, detail) = t.json(Method::GET, &format!("/api/v1/visits/{id}"), Some(&a), None).await;
        assert_eq!(detail["demand_ids"], json!([d["id"]]), "{e}");
        assert_eq!(detail["edits"].as_array().unwrap().len(), 1, "{e}");
        assert_eq!(detail["edits"][0]["before"]["mode"], "on_site");
        assert_eq!(detail["editable"], true);
        // A day later the author may no longer edit.
        t.clock.advance(chrono::Duration::hours(25));
        let a = t.token("officer-a").await;
        let (s, _) = t.json(Method::PUT, &format!("/api/v1/visits/{id}"), Some(&a), Some(body)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        // Other roles neither record nor edit.
        let admin = t.token("admin").await;
        let (s, _) = t
            .json(Method::POST, "/api/v1/visits", Some(&admin), Some(visit(t.ids.ent_a1, "2026-11-26T09:00:00+08:00")))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    }
}

#[tokio::test]
async fn campaigns_over_the_api() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let da = t.token("district-a").await;
        let c = json!({"name": "十一月敲门走访", "starts_on": "2026-11-01", "ends_on": "2026-11-30"});
        let (s, row) = t.json(Method::POST, "/api/v1/campaigns", Some(&da), Some(c)).await;
        assert_eq!(s, StatusCode::CREATED, "{row}");
        assert_eq!(row["district_id"], t.ids.district_a, "{e}: a district admin's campaign is their district's");
        let id = row["id"].as_i64().unwrap();
        record(&t, &t.token("officer-a").await, t.ids.ent_a1, "2026-11-26T09:00:00+08:00").await;
        let (s, cov) = t.json(Method::GET, &format!("/api/v1/campaigns/{id}/coverage"), Some(&da), None).await;
        assert_eq!(s, StatusCode::OK, "{cov}");
        assert_eq!((cov["enterprises"].as_i64(), cov["visited_on_site"].as_i64()), (Some(3), Some(1)), "{e}: {cov}");
        let (_, list) = t.json(Method::GET, "/api/v1/campaigns", Some(&da), None).await;
        assert_eq!(list["total"], 1, "{e}");
        let bad = json!({"name": "x", "starts_on": "2026-11-30", "ends_on": "2026-11-01"});
        let (s, r) = t.json(Method::POST, "/api/v1/campaigns", Some(&da), Some(bad)).await;
        assert_eq!((s, r["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("ends_on")), "{e}");
        let (s, _) = t
            .json(Method::GET, &format!("/api/v1/campaigns/{id}/coverage"), Some(&t.token("district-b").await), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}: another district's campaign");
    }
}

/// Posts a page form as a signed-in user.
async fn post_form(t: &TestApp, session: &(String, String), path: &str, fields: &str) -> (StatusCode, String, String) {
    let req = Request::post(path)
        .header(header::COOKIE, format!("zhuqi_session={}", session.0))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("_csrf={}&{fields}", session.1)))
        .unwrap();
    let (s, h, body) = t.send(req).await;
    let location = h.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (s, location, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_visit_form_records_once_and_keeps_a_failed_submit() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let session = t.page_session("officer-a").await;
        let base = format!("enterprise_id={}&mode=on_site&started_at=2026-11-26T09:30&key=k1", t.ids.ent_a1);
        // No role ticked: shown again with the message and what was typed.
        let (s, _, html) = post_form(&t, &session, "/visits", &format!("{base}&notes=%E5%A4%87%E6%B3%A8abc")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(html.contains("data-testid=\"form-error\"") && html.contains("备注abc"), "{e}");
        // Ticked: recorded, redirected to the visit; the same form again records nothing new.
        let fields = format!("{base}&role_difficulty=1&needs=%E7%BC%BA%E5%B7%A5&role_policy=&policy=dropped");
        let (s, first, _) = post_form(&t, &session, "/visits", &fields).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        assert!(first.starts_with("/visits/"), "{first}");
        let (_, again, _) = post_form(&t, &session, "/visits", &fields).await;
        assert_eq!(again.split('?').next(), first.split('?').next(), "{e}: a double submit records one visit");
        assert_eq!(t.count("visits").await, 1, "{e}");
        let id: i64 = first.trim_start_matches("/visits/").split('?').next().unwrap().parse().unwrap();
        let (_, v) = t.json(Method::GET, &format!("/api/v1/visits/{id}"), Some(&session.0), None).await;
        assert_eq!(v["month"], "2026-11");
        assert_eq!(v["started_at"], Utc.with_ymd_and_hms(2026, 11, 26, 1, 30, 0).unwrap().timestamp_millis());
        assert_eq!(v["roles"], json!(["difficulty"]), "{e}: an empty checkbox is no role");
        assert_eq!((v["needs"].as_str(), v["policy"].as_str()), (Some("缺工"), Some("")), "{e}");
        // The visit page offers the need → demand form; it leads to the demand.
        let (s, to, _) = post_form(
            &t,
            &session,
            &format!("/visits/{id}/demands"),
            "category=0102&title=%E7%BC%BA%E5%B7%A5&description=d",
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        assert!(to.starts_with("/demands/"), "{e}: {to}");
        // Edit through the form with the version read.
        let (s, _, _) = post_form(
            &t,
            &session,
            &format!("/visits/{id}"),
            "mode=phone&started_at=2026-11-26T09:40&role_epidemic=1&guidance=g&version=1&key=k2",
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        let (s, _, html) = post_form(
            &t,
            &session,
            &format!("/visits/{id}"),
            "mode=phone&started_at=2026-11-26T09:40&role_epidemic=1&guidance=g&version=1&key=k2",
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: a stale form is refused");
        assert!(html.contains("data-testid=\"form-error\""), "{e}");
        // The pages render for the district admin, with the chart.
        let (tok, _) = t.page_session("district-a").await;
        for path in ["/visits", "/visits/behind", "/visits/compliance", "/visits/campaigns", &format!("/visits/{id}")] {
            let req =
                Request::get(path).header(header::COOKIE, format!("zhuqi_session={tok}")).body(Body::empty()).unwrap();
            let (s, _, body) = t.send(req).await;
            assert_eq!(s, StatusCode::OK, "{e}: {path}");
            if path == "/visits/compliance" {
                let html = String::from_utf8_lossy(&body);
                assert!(html.contains("compliance-chart") && html.contains("<circle"), "{e}: the chart is drawn");
            }
        }
    }
}

/// A multipart record form: the text fields plus `photos` files.
fn record_form(csrf: &str, fields: &[(&str, &str)], photos: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "zhuqivisitformboundary";
    let mut body = Vec::new();
    for (k, v) in [("_csrf", csrf)].iter().chain(fields) {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    for (name, bytes) in photos {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_record_form(
    t: &TestApp,
    session: &(String, String),
    fields: &[(&str, &str)],
    photos: &[(&str, &[u8])],
) -> (StatusCode, String, String) {
    let (ct, body) = record_form(&session.1, fields, photos);
    let req = Request::post("/visits")
        .header(header::COOKIE, format!("zhuqi_session={}", session.0))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let (s, h, body) = t.send(req).await;
    let location = h.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (s, location, String::from_utf8_lossy(&body).into_owned())
}

async fn get_bytes(t: &TestApp, token: &str, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::get(path).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap();
    t.send(req).await
}

#[tokio::test]
async fn a_visit_is_recorded_with_its_photos_and_a_refused_photo_records_nothing() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let session = t.page_session("officer-a").await;
        let ent = t.ids.ent_a1.to_string();
        let fields = [
            ("enterprise_id", ent.as_str()),
            ("mode", "on_site"),
            ("started_at", "2026-11-26T09:30"),
            ("role_confidence", "1"),
            ("production_status", "normal"),
            ("key", "photo-1"),
        ];
        // A renamed executable among the photos: the whole form is refused, nothing recorded.
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
        let photo = crate::attachments::png_with(b"site");
        let (s, _, html) = post_record_form(&t, &session, &fields, &[("车间.png", &photo), ("合影.jpg", &exe)]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {html}");
        assert!(html.contains("合影.jpg") && html.contains("data-testid=\"form-error\""), "{e}: the photo is named");
        assert_eq!((t.count("visits").await, t.count("attachments").await), (0, 0), "{e}: nothing recorded");
        // Two good photos (and an empty file input part): recorded together.
        let second = crate::attachments::png_with(b"gate");
        let (s, to, html) =
            post_record_form(&t, &session, &fields, &[("车间.png", &photo), ("大门.png", &second), ("", b"")]).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}: {html}");
        let id: i64 = to.trim_start_matches("/visits/").split('?').next().unwrap().parse().unwrap();
        let officer = t.token("officer-a").await;
        let (s, v) = t.json(Method::GET, &format!("/api/v1/visits/{id}"), Some(&officer), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        let names: Vec<&str> =
            v["attachments"].as_array().unwrap().iter().map(|a| a["file_name"].as_str().unwrap()).collect();
        assert_eq!(names, ["车间.png", "大门.png"], "{e}");
        let photo_id = v["attachments"][0]["id"].as_i64().unwrap();
        // The visit page shows them as images.
        let req = Request::get(format!("/visits/{id}"))
            .header(header::COOKIE, format!("zhuqi_session={}", session.0))
            .body(Body::empty())
            .unwrap();
        let (_, _, page) = t.send(req).await;
        assert!(String::from_utf8_lossy(&page).contains(&format!("<img src=\"/attachments/{photo_id}\"")), "{e}");
        // One more through the API; listed in order.
        let req = Request::post(format!("/api/v1/visits/{id}/attachments"))
            .header(header::AUTHORIZATION, format!("Bearer {officer}"))
            .header("x-file-name", "%E7%A5%A8%E6%8D%AE.png")
            .body(Body::from(crate::attachments::png_with(b"receipt")))
            .unwrap();
        let (s, _, b) = t.send(req).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {}", String::from_utf8_lossy(&b));
        let (_, l) = t.json(Method::GET, &format!("/api/v1/visits/{id}/attachments"), Some(&officer), None).await;
        assert_eq!(l["total"], 3, "{e}: {l}");
        assert_eq!(l["items"][2]["file_name"], "票据.png", "{e}");

        // Who reads the bytes: the author and the district's admin; not another
        // officer, not another district, not a department handler.
        let (s, h, bytes) = get_bytes(&t, &officer, &format!("/attachments/{photo_id}")).await;
        assert_eq!((s, bytes), (StatusCode::OK, photo.clone()), "{e}");
        assert_eq!(h[header::CONTENT_TYPE], "image/png");
        assert_eq!(h["x-content-type-options"], "nosniff");
        let (s, _, _) = get_bytes(&t, &t.token("district-a").await, &format!("/attachments/{photo_id}")).await;
        assert_eq!(s, StatusCode::OK, "{e}: the district admin reads the visit");
        let (s, _, _) = get_bytes(&t, &t.token("ent-a1").await, &format!("/attachments/{photo_id}")).await;
        assert_eq!(s, StatusCode::OK, "{e}: the visited enterprise reads its visits");
        for who in ["officer-a2", "officer-b", "district-b", "handler-t"] {
            let tok = t.token(who).await;
            let (s, _, _) = get_bytes(&t, &tok, &format!("/attachments/{photo_id}")).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{e}: {who} may not see the visit's photo");
            let (s, _, _) = get_bytes(&t, &tok, &format!("/api/v1/visits/{id}/attachments")).await;
            assert!(s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN, "{e}: {who}: {s}");
        }
        // Only the author adds photos, and only within 24 hours.
        let upload = |tok: String| {
            Request::post(format!("/api/v1/visits/{id}/attachments"))
                .header(header::AUTHORIZATION, format!("Bearer {tok}"))
                .header("x-file-name", "late.png")
                .body(Body::from(crate::attachments::png_with(b"late")))
                .unwrap()
        };
        let (s, _, _) = t.send(upload(t.token("district-a").await)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}: a reader is not the author");
        t.clock.advance(chrono::Duration::hours(25));
        let (s, _, b) = t.send(upload(t.token("officer-a").await)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}: {}", String::from_utf8_lossy(&b));
        assert!(String::from_utf8_lossy(&b).contains("24"), "{e}: the refusal says why");
        assert_eq!(t.count("attachments").await, 3, "{e}");
    }
}

/// A visit sent again under its `Idempotency-Key` is one visit: from a
/// second session, after a restart (a new server on the same database),
/// and when eight copies race; the same key with another body is refused
/// (422 on `Idempotency-Key`), for visits and demands alike. Before, the key
/// lived in one server's memory per session and 8 racing copies made up to
/// 8 visits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_visit_retried_under_its_key_is_recorded_once_wherever_the_retry_comes_from() {
    for e in engines() {
        let t = TestApp::new(e).await;
        early_june(&t).await;
        let send = |router: axum::Router, tok: String, key: &'static str, body: Value| async move {
            let req = Request::post("/api/v1/visits")
                .header(header::AUTHORIZATION, format!("Bearer {tok}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", key)
                .body(Body::from(body.to_string()))
                .unwrap();
            let res = tower::ServiceExt::oneshot(router, req).await.unwrap();
            let s = res.status();
            let b = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
            (s, serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null))
        };
        let body = visit(t.ids.ent_a1, "2026-05-20T10:00:00+08:00");
        let (s, first) = send(t.router.clone(), t.token("officer-a").await, "visit-1", body.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {first}");
        // Another session of the same officer.
        let (s, again) = send(t.router.clone(), t.token("officer-a").await, "visit-1", body.clone()).await;
        assert_eq!((s, &again["id"]), (StatusCode::OK, &first["id"]), "{e}: {again}");
        // A restarted server: a new application on the same database.
        let restarted = zhuqi_web::build_router(zhuqi_web::AppState::new(
            zhuqi_app::App::new(t.app.store.clone(), t.clock.clone(), Default::default()),
            Default::default(),
        ));
        let (s, after) = send(restarted, t.token("officer-a").await, "visit-1", body.clone()).await;
        assert_eq!((s, &after["id"]), (StatusCode::OK, &first["id"]), "{e}: {after}");
        assert_eq!(t.count("visits").await, 1, "{e}");

        // Eight copies at once.
        let tok = t.token("officer-a").await;
        let race = visit(t.ids.ent_a1, "2026-05-21T10:00:00+08:00");
        let tasks: Vec<_> =
            (0..8).map(|_| tokio::spawn(send(t.router.clone(), tok.clone(), "visit-2", race.clone()))).collect();
        let mut ids = std::collections::BTreeSet::new();
        let mut created = 0;
        for task in tasks {
            let (s, v) = task.await.unwrap();
            assert!(s == StatusCode::CREATED || s == StatusCode::OK, "{e}: {s} {v}");
            created += usize::from(s == StatusCode::CREATED);
            ids.insert(v["id"].as_i64().unwrap());
        }
        assert_eq!((ids.len(), created), (1, 1), "{e}: one visit, one 201");
        assert_eq!(t.count("visits").await, 2, "{e}");

        // The same key with another body: refused, nothing recorded.
        let other = visit(t.ids.ent_a1, "2026-05-22T10:00:00+08:00");
        let (s, v) = send(t.router.clone(), tok.clone(), "visit-2", other).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["field"], "Idempotency-Key", "{v}");
        assert_eq!(t.count("visits").await, 2, "{e}");

        // Demands: the first demand is no longer returned for a different body.
        let demand = |title: &str| {
            json!({"enterprise_id": t.ids.ent_a1, "category": "0102", "title": title,
                "description": "原料运输车辆无法进入园区，需办理通行证。"})
        };
        let post = |body: Value| {
            let req = Request::post("/api/v1/demands")
                .header(header::AUTHORIZATION, format!("Bearer {tok}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", "demand-1")
                .body(Body::from(body.to_string()))
                .unwrap();
            let t = &t;
            async move {
                let (s, _, b) = t.send(req).await;
                (s, serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null))
            }
        };
        let (s, d) = post(demand("物流受限：原料车辆进不了园区")).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {d}");
        let (s, same) = post(demand("物流受限：原料车辆进不了园区")).await;
        assert_eq!((s, &same["id"]), (StatusCode::OK, &d["id"]), "{e}: {same}");
        let (s, v) = post(demand("另一件事：用电增容")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["field"], "Idempotency-Key", "{v}");
        assert_eq!(t.count("demands").await, 1, "{e}");
    }
}
