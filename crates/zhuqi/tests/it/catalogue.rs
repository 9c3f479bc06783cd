//! The dispatch catalogue, time-limit policies and the calendar's local
//! adjustments, end to end on every engine.

use crate::harness::{engines, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};
use zhuqi_store::catalogue::TimeLimits;

/// Posts a page form as `user` (with the session's CSRF token); returns the
/// status, the `Location` header and the body.
async fn post_form(t: &TestApp, user: &str, path: &str, fields: &str) -> (StatusCode, String, String) {
    let (tok, csrf) = t.page_session(user).await;
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::COOKIE, format!("zhuqi_session={tok}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("_csrf={csrf}&{fields}")))
        .unwrap();
    let (s, h, body) = t.send(req).await;
    let loc = h.get(header::LOCATION).and_then(|l| l.to_str().ok()).unwrap_or("").to_string();
    (s, loc, String::from_utf8_lossy(&body).into_owned())
}

async fn get_page(t: &TestApp, user: &str, path: &str) -> (StatusCode, String) {
    let (tok, _) = t.page_session(user).await;
    let req = Request::builder().uri(path).header(header::COOKIE, format!("zhuqi_session={tok}")).body(Body::empty());
    let (s, _, body) = t.send(req.unwrap()).await;
    (s, String::from_utf8_lossy(&body).into_owned())
}

async fn department_id(t: &TestApp, code: &str) -> i64 {
    let tok = t.token("admin").await;
    let (_, v) = t.json(Method::GET, "/api/v1/departments", Some(&tok), None).await;
    v["items"].as_array().unwrap().iter().find(|d| d["code"] == code).unwrap()["id"].as_i64().unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn the_catalogue_lists_the_tree_and_suggests_the_lead_department() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let transport = t.ids.dept_t;
        let finance = department_id(&t, "finance").await;
        let tok = t.token("officer-a").await;

        let (s, v) = t.json(Method::GET, "/api/v1/categories", Some(&tok), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        let items = v["items"].as_array().unwrap();
        assert_eq!(v["total"], items.len(), "{e}");
        assert_eq!(items.len(), 41, "{e}: 13 majors and 28 minors");
        let codes: Vec<&str> = items.iter().map(|i| i["code"].as_str().unwrap()).collect();
        assert_eq!(&codes[..5], ["01", "0101", "0102", "0103", "02"], "{e}: tree order");
        assert_eq!(codes.last(), Some(&"9999"), "{e}");
        let c0102 = items.iter().find(|i| i["code"] == "0102").unwrap();
        assert_eq!(c0102["parent_code"], "01");
        assert_eq!(c0102["name"], "物流受阻/运输受限");
        assert_eq!(c0102["name_en"], "Blocked logistics");
        assert!(!c0102["plain"].as_str().unwrap().is_empty());
        assert_eq!(c0102["lead_department_id"], transport, "{e}");
        assert_eq!(
            c0102["time_limits"],
            json!({"sign_days": 1, "reply_days": 3, "close_days": 5, "auto_close_days": 5})
        );
        // 0303 纾困资金 → finance is in the fixture; 0301 → finreg is not, so it has no route.
        assert_eq!(items.iter().find(|i| i["code"] == "0303").unwrap()["lead_department_id"], finance, "{e}");
        assert_eq!(items.iter().find(|i| i["code"] == "0301").unwrap()["lead_department_id"], Value::Null, "{e}");

        let suggest = |q: String| {
            let t = &t;
            let tok = tok.clone();
            async move { t.json(Method::GET, &format!("/api/v1/categories/0102/suggestion{q}"), Some(&tok), None).await }
        };
        let (s, v) = suggest(String::new()).await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(
            (v["department_id"].as_i64(), v["department_name"].as_str()),
            (Some(transport), Some("丽水市交通运输局"))
        );
        let (_, v) = suggest(format!("?district_id={}", t.ids.district_b)).await;
        assert_eq!((v["department_id"].as_i64(), v["source"].as_str()), (Some(transport), Some("city")), "{e}");

        // The city admin overrides 0102 for district B only.
        let admin = t.token("admin").await;
        let (s, v) = t
            .json(
                Method::PUT,
                "/api/v1/categories/0102/route",
                Some(&admin),
                Some(json!({"district_id": t.ids.district_b, "department_id": finance})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(v["department_id"], finance);
        let (_, v) = suggest(format!("?district_id={}", t.ids.district_b)).await;
        assert_eq!((v["department_id"].as_i64(), v["source"].as_str()), (Some(finance), Some("district")), "{e}");
        assert_eq!(v["department_name"], "丽水市财政局");
        let (_, v) = suggest(format!("?district_id={}", t.ids.district_a)).await;
        assert_eq!((v["department_id"].as_i64(), v["source"].as_str()), (Some(transport), Some("city")), "{e}");
        let (_, v) = suggest(String::new()).await;
        assert_eq!(v["department_id"], transport, "{e}: the city default is unchanged");
        assert_eq!(
            t.app.suggest_department("0102", Some(t.ids.district_b)).await.unwrap().map(|s| s.department_id),
            Some(finance)
        );

        // No route: a null suggestion; an unknown category: 404; a bad district id: 422.
        let (s, v) = t.json(Method::GET, "/api/v1/categories/0301/suggestion", Some(&tok), None).await;
        assert_eq!((s, v["department_id"].clone()), (StatusCode::OK, Value::Null), "{e}");
        let (s, _) = t.json(Method::GET, "/api/v1/categories/7777/suggestion", Some(&tok), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        let (s, v) = suggest("?district_id=x".into()).await;
        assert_eq!((s, v["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("district_id")), "{e}");

        // Removing the override (department null) brings back the city default.
        let (s, v) = t
            .json(
                Method::PUT,
                "/api/v1/categories/0102/route",
                Some(&admin),
                Some(json!({"district_id": t.ids.district_b, "department_id": null})),
            )
            .await;
        assert_eq!((s, v["department_id"].as_i64()), (StatusCode::OK, Some(transport)), "{e}: {v}");
        let (_, v) = suggest(format!("?district_id={}", t.ids.district_b)).await;
        assert_eq!(v["source"], "city", "{e}");

        // Bad department and district ids name the field.
        let (s, v) = t
            .json(Method::PUT, "/api/v1/categories/0102/route", Some(&admin), Some(json!({"department_id": 999_999})))
            .await;
        assert_eq!((s, v["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("department_id")));
        let (s, v) = t
            .json(
                Method::PUT,
                "/api/v1/categories/0102/route",
                Some(&admin),
                Some(json!({"district_id": t.ids.township_a, "department_id": finance})),
            )
            .await;
        assert_eq!((s, v["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("district_id")));
    }
}

#[tokio::test]
async fn the_demo_seed_skips_absent_departments_and_adds_the_district_override() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let now = t.app.now_ms();
        let mut tx = t.app.store.begin().await.unwrap();
        let econ = zhuqi_store::departments::insert(&mut tx, "econ", "丽水市经济和信息化局", "丽水市人民政府", now)
            .await
            .unwrap();
        // Seeding again changes nothing already there; district A (331102) plays the zone.
        zhuqi_app::catalogue::seed_demo_catalogue(&mut tx, "331102", now).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(t.count("categories").await, 41, "{e}");
        let s = t.app.suggest_department("0601", Some(t.ids.district_a)).await.unwrap().unwrap();
        assert_eq!((s.department_id, s.source), (econ, "district"), "{e}");
        // 0601's city-wide lead (power) is absent from this fixture.
        assert_eq!(t.app.suggest_department("0601", Some(t.ids.district_b)).await.unwrap(), None, "{e}");
        // 0701 → econ now that econ exists.
        let s = t.app.suggest_department("0701", None).await.unwrap().unwrap();
        assert_eq!(s.department_id, econ, "{e}");
    }
}

#[tokio::test]
async fn a_time_limit_change_is_recorded_and_applies_from_its_valid_from() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let admin = t.token("admin").await;
        let t1 = t.app.now_ms();
        let body = json!({"sign_days": 2, "reply_days": 4, "close_days": 8, "auto_close_days": 7, "reason": "通行证办理需要多部门会签"});
        let (s, v) = t.json(Method::PUT, "/api/v1/categories/0101/limits", Some(&admin), Some(body)).await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(v["valid_from"], t1, "{e}");
        assert_eq!(v["changed_by_name"], "admin", "{e}");
        assert_eq!(v["reason"], "通行证办理需要多部门会签", "{e}");
        let new = TimeLimits { sign_days: 2, reply_days: 4, close_days: 8, auto_close_days: 7 };

        // The change applies from t1 on, not before; other categories keep the default.
        assert_eq!(t.app.time_limits_at("0101", t1 - 1).await.unwrap(), TimeLimits::default(), "{e}");
        assert_eq!(t.app.time_limits_at("0101", t1).await.unwrap(), new, "{e}");
        assert_eq!(t.app.time_limits("0101").await.unwrap(), new, "{e}");
        assert_eq!(t.app.time_limits("0102").await.unwrap(), TimeLimits::default(), "{e}");
        let (_, v) = t.json(Method::GET, "/api/v1/categories", Some(&admin), None).await;
        let c = v["items"].as_array().unwrap().iter().find(|i| i["code"] == "0101").unwrap().clone();
        assert_eq!(c["time_limits"], json!({"sign_days": 2, "reply_days": 4, "close_days": 8, "auto_close_days": 7}));

        // A second change an hour later (through the page form) keeps the first as history.
        t.clock.advance(chrono::Duration::hours(1));
        let t2 = t.app.now_ms();
        let (s, loc, body) = post_form(
            &t,
            "admin",
            "/admin/categories/0101/limits",
            "sign_days=1&reply_days=2&close_days=3&auto_close_days=3&reason=%E6%81%A2%E5%A4%8D",
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}: {body}");
        assert!(loc.starts_with("/admin/categories?saved=0101"), "{e}: {loc}");
        let h = t.app.limits_history("0101").await.unwrap();
        assert_eq!(h.len(), 2, "{e}");
        assert_eq!((h[0].valid_from, h[0].reason.as_str(), h[0].sign_days), (t2, "恢复", 1), "{e}");
        assert_eq!((h[1].valid_from, h[1].close_days), (t1, 8), "{e}");
        assert_eq!(t.app.time_limits_at("0101", t1 + 1_800_000).await.unwrap(), new, "{e}: between the changes");
        assert_eq!(t.app.time_limits_at("0101", t2).await.unwrap().close_days, 3, "{e}");

        // Both changes are in the audit log, with the before and after.
        let admin = t.token("admin").await;
        let (_, v) = t.json(Method::GET, "/api/v1/audit?action=set_time_limits", Some(&admin), None).await;
        assert_eq!(v["total"], 2, "{e}: {v}");
        assert_eq!(v["items"][1]["detail"], "1/3/5/5 → 2/4/8/7: 通行证办理需要多部门会签", "{e}");

        // The page shows the history.
        let (s, html) = get_page(&t, "admin", "/admin/categories?saved=0101").await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(html.contains("data-testid=\"limits-history\""), "{e}");
        assert!(html.contains("2/4/8/7") && html.contains("通行证办理需要多部门会签"), "{e}");
    }
}

#[tokio::test]
async fn a_district_admin_sets_only_their_own_districts_route() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let finance = department_id(&t, "finance").await;
        let tok = t.token("district-a").await;
        let route = |body: Value| {
            let (t, tok) = (&t, tok.clone());
            async move { t.json(Method::PUT, "/api/v1/categories/0102/route", Some(&tok), Some(body)).await }
        };
        let (s, _) = route(json!({"district_id": t.ids.district_b, "department_id": finance})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}: another district");
        let (s, _) = route(json!({"department_id": finance})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}: the city-wide default");
        let (s, v) = route(json!({"district_id": t.ids.district_a, "department_id": finance})).await;
        assert_eq!(s, StatusCode::OK, "{e}: own district: {v}");
        let s = t.app.suggest_department("0102", Some(t.ids.district_a)).await.unwrap().unwrap();
        assert_eq!(s.department_id, finance, "{e}");
        assert_eq!(t.app.suggest_department("0102", Some(t.ids.district_b)).await.unwrap().unwrap().source, "city");

        let limits = json!({"sign_days": 1, "reply_days": 3, "close_days": 5, "auto_close_days": 5, "reason": "x"});
        let (s, _) = t.json(Method::PUT, "/api/v1/categories/0102/limits", Some(&tok), Some(limits)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}: time limits are the city admin's");
        let (s, _, _) = post_form(
            &t,
            "district-a",
            "/admin/categories/0102/limits",
            "sign_days=1&reply_days=3&close_days=5&auto_close_days=5&reason=x",
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        let (s, _, _) = post_form(&t, "district-a", "/admin/settings/review", "review_required=1").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        let (s, _, _) = post_form(
            &t,
            "district-a",
            "/admin/categories/0102/route",
            &format!("district_id={}&department_id={finance}", t.ids.district_b),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}: the page form too");
        assert!(t.app.limits_history("0102").await.unwrap().is_empty(), "{e}");

        // The page lets them set their own district only; removing the override works.
        let (s, html) = get_page(&t, "district-a", "/admin/categories?edit=0102").await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(html.contains(&format!("name=\"district_id\" value=\"{}\"", t.ids.district_a)), "{e}");
        assert!(!html.contains("data-testid=\"limits-form\""), "{e}");
        let (s, loc, _) = post_form(
            &t,
            "district-a",
            "/admin/categories/0102/route",
            &format!("district_id={}&department_id=", t.ids.district_a),
        )
        .await;
        assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/admin/categories?saved=0102#c-0102"), "{e}");
        assert_eq!(t.app.suggest_department("0102", Some(t.ids.district_a)).await.unwrap().unwrap().source, "city");

        // Denials are audited.
        let auditor = t.token("auditor").await;
        let (_, v) = t.json(Method::GET, "/api/v1/audit?action=set_route", Some(&auditor), None).await;
        let outcomes: Vec<&str> =
            v["items"].as_array().unwrap().iter().map(|i| i["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes.iter().filter(|o| **o == "denied").count(), 3, "{e}: {outcomes:?}");
        assert_eq!(outcomes.iter().filter(|o| **o == "success").count(), 2, "{e}: {outcomes:?}");
    }
}

#[tokio::test]
async fn invalid_time_limits_are_refused_naming_the_field() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let admin = t.token("admin").await;
        for (body, field) in [
            (
                json!({"sign_days": 1, "reply_days": 3, "close_days": 2, "auto_close_days": 5, "reason": "r"}),
                "close_days",
            ),
            (
                json!({"sign_days": 4, "reply_days": 3, "close_days": 5, "auto_close_days": 5, "reason": "r"}),
                "reply_days",
            ),
            (
                json!({"sign_days": 0, "reply_days": 3, "close_days": 5, "auto_close_days": 5, "reason": "r"}),
                "sign_days",
            ),
            (
                json!({"sign_days": 1, "reply_days": 3, "close_days": 61, "auto_close_days": 5, "reason": "r"}),
                "close_days",
            ),
            (
                json!({"sign_days": 1, "reply_days": 3, "close_days": 5, "auto_close_days": 31, "reason": "r"}),
                "auto_close_days",
            ),
            (json!({"sign_days": 1, "reply_days": 3, "close_days": 5, "auto_close_days": 5, "reason": " "}), "reason"),
        ] {
            let (s, v) = t.json(Method::PUT, "/api/v1/categories/0102/limits", Some(&admin), Some(body.clone())).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {body}");
            assert_eq!(v["error"]["field"], field, "{e}: {body}: {v}");
        }
        let (s, v) = t.json(Method::PUT, "/api/v1/categories/0102/limits", Some(&admin), Some(json!({}))).await;
        assert_eq!((s, v["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("body")), "{e}");
        let (s, _) = t
            .json(
                Method::PUT,
                "/api/v1/categories/7777/limits",
                Some(&admin),
                Some(json!({"sign_days": 1, "reply_days": 3, "close_days": 5, "auto_close_days": 5, "reason": "r"})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        assert!(t.app.limits_history("0102").await.unwrap().is_empty(), "{e}: nothing recorded");

        // The page form shows the message and keeps what was typed.
        let (s, _, html) = post_form(
            &t,
            "admin",
            "/admin/categories/0102/limits",
            "sign_days=1&reply_days=4&close_days=3&auto_close_days=5&reason=%E8%AF%95",
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(html.contains("data-testid=\"form-error\"") && html.contains("close_days"), "{e}");
        assert!(html.contains("name=\"reply_days\" type=\"number\" min=\"1\" max=\"60\" required value=\"4\""), "{e}");
        assert!(t.app.limits_history("0102").await.unwrap().is_empty(), "{e}");
    }
}

#[tokio::test]
async fn review_required_is_off_by_default_and_the_city_admin_switches_it() {
    for e in engines() {
        let t = TestApp::new(e).await;
        assert!(!t.app.review_required().await.unwrap(), "{e}");
        let (s, _, _) = post_form(&t, "admin", "/admin/settings/review", "review_required=1").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        assert!(t.app.review_required().await.unwrap(), "{e}");
        let (_, html) = get_page(&t, "admin", "/admin/categories").await;
        assert!(
            html.contains("data-testid=\"review-required\" checked")
                || html.contains(" checked data-testid=\"review-required\"")
        );
        let (s, _, _) = post_form(&t, "admin", "/admin/settings/review", "").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        assert!(!t.app.review_required().await.unwrap(), "{e}");
    }
}

#[tokio::test]
async fn a_local_adjustment_changes_the_calendar() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let admin = t.token("admin").await;
        // 2026-10-10 is a Saturday make-up working day (调休上班) after 国庆节.
        let d = date("2026-10-10");
        assert!(t.app.calendar().await.unwrap().is_working_day(d), "{e}");
        let from = chrono::FixedOffset::east_opt(8 * 3600).unwrap().with_ymd_and_hms(2026, 10, 9, 10, 0, 0).unwrap();
        let one = zhuqi_domain::calendar::WorkingDays::new(1).unwrap();
        assert_eq!(t.app.calendar().await.unwrap().due(from, one).last_day, d, "{e}");

        let (s, v) = t
            .json(
                Method::POST,
                "/api/v1/calendar/days",
                Some(&admin),
                Some(json!({"date": "2026-10-10", "kind": "holiday", "name": "地方休息日"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        assert_eq!(
            (v["date"].as_str(), v["kind"].as_str(), v["changed_by_name"].as_str()),
            (Some("2026-10-10"), Some("holiday"), Some("admin"))
        );
        let cal = t.app.calendar().await.unwrap();
        assert!(!cal.is_working_day(d), "{e}: the adjustment applies at once");
        assert_eq!(cal.due(from, one).last_day, date("2026-10-12"), "{e}");

        // The year view shows it as local, with what the official list said.
        let tok = t.token("officer-a").await;
        let (s, v) = t.json(Method::GET, "/api/v1/calendar/2026", Some(&tok), None).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert_eq!((v["has_data"].as_bool(), v["bundled"].as_bool()), (Some(true), Some(true)), "{e}");
        assert_eq!(v["working_days"], 247, "{e}: 248 official minus one");
        let day = v["days"].as_array().unwrap().iter().find(|x| x["date"] == "2026-10-10").unwrap().clone();
        assert_eq!(day["working"], false, "{e}");
        assert_eq!((day["source"].as_str(), day["official_name"].as_str()), (Some("local"), Some("调休上班")), "{e}");
        assert_eq!(v["adjustments"].as_array().unwrap().len(), 1, "{e}");
        assert!(v["days"].as_array().unwrap().iter().any(|x| x["date"] == "2026-10-01" && x["source"] == "official"));

        // Bad input names the field and changes nothing; other roles are refused.
        for (body, field) in [
            (json!({"date": "2026-10-32", "kind": "holiday", "name": "x"}), "date"),
            (json!({"date": "2026/10/11", "kind": "holiday", "name": "x"}), "date"),
            (json!({"date": "2026-10-11", "kind": "rest", "name": "x"}), "kind"),
            (json!({"date": "2026-10-11", "kind": "holiday", "name": ""}), "name"),
            // Already a holiday officially, already a working day: nothing to adjust.
            (json!({"date": "2026-10-01", "kind": "holiday", "name": "国庆"}), "kind"),
            (json!({"date": "2026-10-12", "kind": "workday", "name": "上班"}), "kind"),
        ] {
            let (s, v) = t.json(Method::POST, "/api/v1/calendar/days", Some(&admin), Some(body.clone())).await;
            assert_eq!(
                (s, v["error"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
                "{e}: {body}"
            );
        }
        let (s, _) = t
            .json(
                Method::POST,
                "/api/v1/calendar/days",
                Some(&tok),
                Some(json!({"date": "2026-10-12", "kind": "holiday", "name": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        assert_eq!(t.count("calendar_days").await, 1, "{e}");

        // The page lists it with a delete button; deleting restores the official day.
        let (s, html) = get_page(&t, "admin", "/admin/calendar?year=2026").await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(html.contains("data-date=\"2026-10-10\" data-working=\"false\" data-local=\"1\""), "{e}");
        let (s, loc, _) = post_form(&t, "admin", "/admin/calendar/days/2026-10-10/delete", "").await;
        assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/admin/calendar?year=2026&saved=1"), "{e}");
        assert!(t.app.calendar().await.unwrap().is_working_day(d), "{e}");
        let (s, _, _) = post_form(&t, "admin", "/admin/calendar/days/2026-10-10/delete", "").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}: deleting twice changes nothing");

        // The page form adds one too; a mistake keeps what was typed.
        let (s, loc, _) =
            post_form(&t, "admin", "/admin/calendar/days", "date=2026-03-09&kind=holiday&name=%E5%9C%B0%E6%96%B9")
                .await;
        assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/admin/calendar?year=2026&saved=1"), "{e}");
        assert!(!t.app.calendar().await.unwrap().is_working_day(date("2026-03-09")), "{e}");
        let (s, _, html) = post_form(&t, "admin", "/admin/calendar/days", "date=2026-3-9&kind=holiday&name=abc").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(html.contains("value=\"2026-3-9\"") && html.contains("value=\"abc\""), "{e}");

        let auditor = t.token("auditor").await;
        let (_, v) = t.json(Method::GET, "/api/v1/audit?action=add_calendar_adjustment", Some(&auditor), None).await;
        assert_eq!(v["total"], 3, "{e}: two successes and one denial: {v}");
    }
}

#[tokio::test]
async fn years_without_official_data_are_warned_about_until_entered() {
    for e in engines() {
        let t = TestApp::new(e).await;
        // The clock is 2026-11-26: 2026 ships with the binary, 2027 does not.
        assert_eq!(t.app.calendar_warnings().await.unwrap(), vec![2027], "{e}");
        let (s, html) = get_page(&t, "admin", "/admin/calendar?year=2027").await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(html.contains("data-testid=\"calendar-warning\"") && html.contains("2027"), "{e}");
        assert!(html.contains("data-testid=\"mark-year\""), "{e}");
        let cal = t.app.calendar().await.unwrap();
        let due = cal.due_after(date("2026-12-31"), zhuqi_domain::calendar::WorkingDays::new(1).unwrap());
        assert!(due.provisional, "{e}");

        // A year can only be marked once something of it is entered, and not a bundled one.
        let (s, _, html) = post_form(&t, "admin", "/admin/calendar/years", "year=2027").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(html.contains("data-testid=\"form-error\""), "{e}");
        let (s, _, _) = post_form(&t, "admin", "/admin/calendar/years", "year=2026").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let (s, _, _) = post_form(&t, "district-a", "/admin/calendar/years", "year=2027").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");

        // 元旦 2027 (a weekend day inside a holiday may be named too), then mark the year.
        let admin = t.token("admin").await;
        for (d, name) in [("2027-01-01", "元旦"), ("2027-01-02", "元旦"), ("2027-01-03", "元旦")] {
            let body = json!({"date": d, "kind": "holiday", "name": name});
            let (s, v) = t.json(Method::POST, "/api/v1/calendar/days", Some(&admin), Some(body)).await;
            assert_eq!(s, StatusCode::CREATED, "{e}: {d}: {v}");
        }
        let (s, loc, _) = post_form(&t, "admin", "/admin/calendar/years", "year=2027").await;
        assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/admin/calendar?year=2027&saved=1"), "{e}");
        assert!(t.app.calendar_warnings().await.unwrap().is_empty(), "{e}");
        let cal = t.app.calendar().await.unwrap();
        assert!(cal.has_data(2027), "{e}");
        let due = cal.due_after(date("2026-12-31"), zhuqi_domain::calendar::WorkingDays::new(1).unwrap());
        assert_eq!((due.last_day, due.provisional), (date("2027-01-04"), false), "{e}");
        let (_, v) = t.json(Method::GET, "/api/v1/calendar/2027", Some(&admin), None).await;
        assert_eq!((v["has_data"].as_bool(), v["bundled"].as_bool()), (Some(true), Some(false)), "{e}");
        assert_eq!(v["entered"]["entered_by_name"], "admin", "{e}");
        // Marking it again changes nothing.
        let (s, _, _) = post_form(&t, "admin", "/admin/calendar/years", "year=2027").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        assert_eq!(t.count("calendar_years").await, 1, "{e}");

        // A year later, 2028 is the one missing.
        t.clock.set(Utc.with_ymd_and_hms(2027, 12, 1, 2, 0, 0).unwrap());
        assert_eq!(t.app.calendar_warnings().await.unwrap(), vec![2028], "{e}");
        let admin = t.token("admin").await;
        let (s, v) = t.json(Method::GET, "/api/v1/calendar/abc", Some(&admin), None).await;
        assert_eq!((s, v["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("year")), "{e}");
    }
}
