//! Regions and departments managed in the product (issue 12, item 3): add,
//! rename, retire and restore districts, townships and departments; what a
//! retired one may no longer receive; the catalogue's routes following a
//! retired department; only the city admin. Every engine.

use crate::harness::{credit_code, engines, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

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

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

fn find(v: &Value, id: i64) -> Option<Value> {
    items(v).into_iter().find(|r| r["id"] == id)
}

async fn region(t: &TestApp, tok: &str, id: i64) -> Value {
    let (_, v) = t.json(Method::GET, "/api/v1/regions?include_retired=true", Some(tok), None).await;
    find(&v, id).unwrap_or(Value::Null)
}

async fn audit_total(t: &TestApp, tok: &str, action: &str) -> i64 {
    let (_, v) = t.json(Method::GET, &format!("/api/v1/audit?action={action}"), Some(tok), None).await;
    v["total"].as_i64().unwrap_or(-1)
}

fn field(v: &Value) -> Option<&str> {
    v["error"]["field"].as_str()
}

fn message(v: &Value) -> String {
    v["error"]["message"].as_str().unwrap_or("").to_string()
}

#[tokio::test]
async fn districts_and_townships_are_added_renamed_retired_and_restored() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let admin = t.token("admin").await;
        let (s, v) = t.json(Method::GET, "/api/v1/regions", Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK);
        let city = items(&v).into_iter().find(|r| r["level"] == "city").unwrap()["id"].as_i64().unwrap();
        assert!(items(&v).iter().all(|r| r["retired"] == false && r["retired_at"].is_null()), "{e}: {v}");

        // A development zone: no official code, so a visibly unofficial one is generated.
        let (s, zone) = t
            .json(
                Method::POST,
                "/api/v1/regions",
                Some(&admin),
                Some(json!({"parent_id": city, "name": "丽水经济技术开发区", "kind": "开发区"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {zone}");
        assert_eq!((zone["level"].as_str(), zone["code"].as_str()), (Some("district"), Some("331100X01")), "{e}");
        assert_eq!(zone["retired"], false);
        let zone_id = zone["id"].as_i64().unwrap();
        // A second one gets the next generated code.
        let (s, second) = t
            .json(Method::POST, "/api/v1/regions", Some(&admin), Some(json!({"parent_id": city, "name": "高新区"})))
            .await;
        assert_eq!((s, second["code"].as_str()), (StatusCode::CREATED, Some("331100X02")), "{e}");

        // A township with its official code: the level follows from the parent.
        let (s, town) = t
            .json(
                Method::POST,
                "/api/v1/regions",
                Some(&admin),
                Some(json!({"parent_id": zone_id, "name": "南明山街道", "code": "331102008", "kind": "街道"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {town}");
        assert_eq!((town["level"].as_str(), town["parent_id"].as_i64()), (Some("township"), Some(zone_id)));
        let town_id = town["id"].as_i64().unwrap();
        let (s, v) = t
            .json(
                Method::POST,
                "/api/v1/regions",
                Some(&admin),
                Some(json!({"parent_id": t.ids.district_a, "name": "老竹畲族镇", "code": "331102101"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");

        // Bad codes, duplicates and a township as parent name the field; nothing is added.
        let before = t.count("regions").await;
        for (body, want) in [
            (json!({"parent_id": t.ids.district_a, "name": "某镇", "code": "331121101"}), "code"),
            (json!({"parent_id": t.ids.district_a, "name": "某镇", "code": "3311021"}), "code"),
            (json!({"parent_id": city, "name": "某区", "code": "330102"}), "code"),
            (json!({"parent_id": t.ids.district_a, "name": "碧湖镇"}), "name"),
            (json!({"parent_id": t.ids.district_a, "name": "某镇", "code": "331102100"}), "code"),
            (json!({"parent_id": t.ids.township_a, "name": "某村"}), "parent_id"),
            (json!({"parent_id": 999_999, "name": "某镇"}), "parent_id"),
            (json!({"parent_id": t.ids.district_a, "name": "  "}), "name"),
        ] {
            let (s, v) = t.json(Method::POST, "/api/v1/regions", Some(&admin), Some(body.clone())).await;
            assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, Some(want)), "{e}: {body} → {v}");
        }
        assert_eq!(t.count("regions").await, before, "{e}");

        // Rename.
        let (s, v) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/regions/{zone_id}"),
                Some(&admin),
                Some(json!({"name": "丽水开发区"})),
            )
            .await;
        assert_eq!((s, v["name"].as_str()), (StatusCode::OK, Some("丽水开发区")), "{e}: {v}");
        let (s, v) = t
            .json(Method::PATCH, &format!("/api/v1/regions/{zone_id}"), Some(&admin), Some(json!({"name": "莲都区"})))
            .await;
        assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, Some("name")), "{e}: {v}");

        // Retire the empty township: hidden from pickers, listed on request.
        let (s, v) = t
            .json(Method::PATCH, &format!("/api/v1/regions/{town_id}"), Some(&admin), Some(json!({"retired": true})))
            .await;
        assert_eq!((s, v["retired"].as_bool()), (StatusCode::OK, Some(true)), "{e}: {v}");
        let (_, listed) = t.json(Method::GET, "/api/v1/regions", Some(&admin), None).await;
        assert!(find(&listed, town_id).is_none(), "{e}");
        assert_eq!(region(&t, &admin, town_id).await["retired"], true, "{e}");
        // A retired township (or district) receives no new enterprise.
        let new_enterprise = |d: i64, town: Option<i64>, n: u32| {
            json!({"credit_code": credit_code(n), "name": format!("测试企业{n}有限公司"), "district_id": d,
                "township_id": town, "industry_code": "C3443", "size": "below"})
        };
        let (s, v) = t
            .json(Method::POST, "/api/v1/enterprises", Some(&admin), Some(new_enterprise(zone_id, Some(town_id), 501)))
            .await;
        assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, Some("township_id")), "{e}: {v}");
        // Nor a new township under a retired district; restoring brings it back.
        let (s, _) = t
            .json(Method::PATCH, &format!("/api/v1/regions/{zone_id}"), Some(&admin), Some(json!({"retired": true})))
            .await;
        assert_eq!(s, StatusCode::OK, "{e}");
        let (s, v) =
            t.json(Method::POST, "/api/v1/enterprises", Some(&admin), Some(new_enterprise(zone_id, None, 502))).await;
        assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, Some("district_id")), "{e}: {v}");
        let (s, v) = t
            .json(Method::POST, "/api/v1/regions", Some(&admin), Some(json!({"parent_id": zone_id, "name": "新街道"})))
            .await;
        assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, Some("parent_id")), "{e}: {v}");
        // A township of a retired district is restored only after its district.
        let (s, _) = t
            .json(Method::PATCH, &format!("/api/v1/regions/{town_id}"), Some(&admin), Some(json!({"retired": false})))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        for id in [zone_id, town_id] {
            let (s, v) = t
                .json(Method::PATCH, &format!("/api/v1/regions/{id}"), Some(&admin), Some(json!({"retired": false})))
                .await;
            assert_eq!((s, v["retired"].as_bool()), (StatusCode::OK, Some(false)), "{e}: {v}");
        }
        let (s, v) = t
            .json(Method::POST, "/api/v1/enterprises", Some(&admin), Some(new_enterprise(zone_id, Some(town_id), 503)))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        // Now that an enterprise uses it, the township's code no longer changes.
        let (s, v) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/regions/{town_id}"),
                Some(&admin),
                Some(json!({"code": "331102009"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}: {v}");

        // Every change is audited.
        assert_eq!(audit_total(&t, &admin, "create_region").await, 4, "{e}");
        assert_eq!(audit_total(&t, &admin, "update_region").await, 1, "{e}");
        assert_eq!(audit_total(&t, &admin, "retire_region").await, 2, "{e}");
        assert_eq!(audit_total(&t, &admin, "restore_region").await, 2, "{e}");
    }
}

#[tokio::test]
async fn retiring_a_district_with_enterprises_is_refused_with_the_count_and_nothing_changes() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let admin = t.token("admin").await;
        let before = region(&t, &admin, t.ids.district_a).await;
        let town_before = region(&t, &admin, t.ids.township_a).await;
        // District A holds three enterprises (all in township A).
        let (s, v) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/regions/{}", t.ids.district_a),
                Some(&admin),
                Some(json!({"retired": true, "name": "莲都片区", "sort_order": 9})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}: {v}");
        let m = message(&v);
        assert!(m.contains("仍有 3 家企业") && m.contains("still has 3 enterprises"), "{e}: {m}");
        // Nothing changed: not the name, not the order, not retired, nor its township.
        assert_eq!(region(&t, &admin, t.ids.district_a).await, before, "{e}");
        assert_eq!(region(&t, &admin, t.ids.township_a).await, town_before, "{e}");
        assert_eq!(audit_total(&t, &admin, "retire_region").await, 0, "{e}");
        assert_eq!(audit_total(&t, &admin, "update_region").await, 0, "{e}");
        // The township with them too; district B holds one.
        let (s, v) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/regions/{}", t.ids.township_a),
                Some(&admin),
                Some(json!({"retired": true})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(message(&v).contains("still has 3 enterprises"), "{e}: {v}");
        let (s, v) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/regions/{}", t.ids.district_b),
                Some(&admin),
                Some(json!({"retired": true})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(message(&v).contains("仍有 1 家企业"), "{e}: {v}");
        // The code of a region in use never changes.
        let (s, _) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/regions/{}", t.ids.district_a),
                Some(&admin),
                Some(json!({"code": "331103"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert_eq!(region(&t, &admin, t.ids.district_a).await, before, "{e}");

        // The page says the same, in the form's place, and changes nothing.
        let (s, _, body) = post_form(&t, "admin", &format!("/admin/regions/{}", t.ids.district_a), "retired=1").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(body.contains("仍有 3 家企业"), "{e}");
        assert_eq!(region(&t, &admin, t.ids.district_a).await, before, "{e}");
    }
}

/// Submits a demand of enterprise A1 (officer A) and returns its id.
async fn submit(t: &TestApp) -> i64 {
    let tok = t.token("officer-a").await;
    let body = json!({"enterprise_id": t.ids.ent_a1, "category": "0102", "title": "物流受限", "description": "车辆无法进入园区"});
    let (s, v) = t.json(Method::POST, "/api/v1/demands", Some(&tok), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

#[tokio::test]
async fn departments_are_created_renamed_and_retired_and_the_catalogue_follows() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let admin = t.token("admin").await;
        let coordinator = t.token("coordinator").await;
        let (s, data) = t
            .json(
                Method::POST,
                "/api/v1/departments",
                Some(&admin),
                Some(json!({"name": "丽水市数据局", "short_name": "数据局"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {data}");
        let data_id = data["id"].as_i64().unwrap();
        assert_eq!((data["short_name"].as_str(), data["retired"].as_bool()), (Some("数据局"), Some(false)));
        assert_eq!(data["code"], "dept-003", "{e}: two departments exist, the code is generated");
        let (s, bureau) = t
            .json(
                Method::POST,
                "/api/v1/departments",
                Some(&admin),
                Some(json!({"name": "丽水市大数据发展管理局", "code": "bigdata", "parent_unit": "丽水市人民政府"})),
            )
            .await;
        assert_eq!((s, bureau["short_name"].as_str()), (StatusCode::CREATED, Some("")), "{e}: {bureau}");
        let bureau_id = bureau["id"].as_i64().unwrap();
        for (body, want) in [
            (json!({"name": "丽水市数据局"}), "name"),
            (json!({"name": "某局", "code": "Bad Code"}), "code"),
            (json!({"name": "某局", "code": "transport"}), "code"),
            (json!({"name": ""}), "name"),
            (json!({"name": "某局", "short_name": "一二三四五六七八九十一二三四五六七八九十一"}), "short_name"),
        ] {
            let (s, v) = t.json(Method::POST, "/api/v1/departments", Some(&admin), Some(body.clone())).await;
            assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, Some(want)), "{e}: {body} → {v}");
        }
        assert_eq!(t.count("departments").await, 4, "{e}");

        // Rename: the routes are by id, so nothing else changes.
        let (s, v) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/departments/{data_id}"),
                Some(&admin),
                Some(json!({"name": "丽水市数据资源局", "short_name": "数据资源局"})),
            )
            .await;
        assert_eq!(
            (s, v["name"].as_str(), v["code"].as_str()),
            (StatusCode::OK, Some("丽水市数据资源局"), Some("dept-003"))
        );

        // A department with open demands is not retired.
        let demand = submit(&t).await;
        let (s, _) = t
            .json(
                Method::POST,
                &format!("/api/v1/demands/{demand}/actions/dispatch"),
                Some(&coordinator),
                Some(json!({"department_id": data_id})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}");
        let (s, v) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/departments/{data_id}"),
                Some(&admin),
                Some(json!({"retired": true, "successor_department_id": bureau_id})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}: {v}");
        assert!(message(&v).contains("仍有 1 件未办结诉求") && message(&v).contains("1 open demands"), "{e}: {v}");
        // Moved on to another lead (转办), it has none left.
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/demands/{demand}/actions/transfer"),
                Some(&coordinator),
                Some(json!({"department_id": t.ids.dept_t, "reason": "职能调整"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");

        // It leads a category city-wide and in district A: without a successor, refused naming them.
        for body in
            [json!({"department_id": data_id}), json!({"department_id": data_id, "district_id": t.ids.district_a})]
        {
            let (s, v) = t.json(Method::PUT, "/api/v1/categories/0101/route", Some(&admin), Some(body)).await;
            assert_eq!(s, StatusCode::OK, "{e}: {v}");
        }
        let (s, v) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/departments/{data_id}"),
                Some(&admin),
                Some(json!({"retired": true})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}: {v}");
        assert!(message(&v).contains("0101"), "{e}: {v}");
        let (_, v) = t.json(Method::GET, "/api/v1/categories/0101/suggestion", Some(&admin), None).await;
        assert_eq!(v["department_id"], data_id, "{e}: refused, nothing moved");
        // The successor cannot be itself or unknown.
        for succ in [data_id, 999_999] {
            let (s, v) = t
                .json(
                    Method::PATCH,
                    &format!("/api/v1/departments/{data_id}"),
                    Some(&admin),
                    Some(json!({"retired": true, "successor_department_id": succ})),
                )
                .await;
            assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, Some("successor_department_id")), "{e}");
        }
        // With a successor, the routes follow.
        let (s, v) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/departments/{data_id}"),
                Some(&admin),
                Some(json!({"retired": true, "successor_department_id": bureau_id})),
            )
            .await;
        assert_eq!((s, v["retired"].as_bool()), (StatusCode::OK, Some(true)), "{e}: {v}");
        for q in [String::new(), format!("?district_id={}", t.ids.district_a)] {
            let (_, v) =
                t.json(Method::GET, &format!("/api/v1/categories/0101/suggestion{q}"), Some(&admin), None).await;
            assert_eq!(v["department_id"], bureau_id, "{e} {q}: {v}");
        }
        let (_, v) = t.json(Method::GET, "/api/v1/departments", Some(&admin), None).await;
        assert!(find(&v, data_id).is_none(), "{e}: hidden from pickers");
        let (_, v) = t.json(Method::GET, "/api/v1/departments?include_retired=true", Some(&admin), None).await;
        assert_eq!(find(&v, data_id).unwrap()["retired"], true, "{e}");

        // A retired department leads no category and receives no dispatch.
        let (s, v) = t
            .json(Method::PUT, "/api/v1/categories/0102/route", Some(&admin), Some(json!({"department_id": data_id})))
            .await;
        assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, Some("department_id")), "{e}: {v}");
        let fresh = submit(&t).await;
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/demands/{fresh}/actions/dispatch"),
                Some(&coordinator),
                Some(json!({"department_id": data_id})),
            )
            .await;
        assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, Some("department_id")), "{e}: {v}");
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/demands/{fresh}/actions/dispatch"),
                Some(&coordinator),
                Some(json!({"department_id": t.ids.dept_t, "assisting": [data_id]})),
            )
            .await;
        assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, Some("assisting")), "{e}: {v}");
        let (_, v) = t.json(Method::GET, &format!("/api/v1/demands/{fresh}"), Some(&coordinator), None).await;
        assert_eq!(v["status"], "submitted", "{e}: nothing dispatched");
        // Restored, it may lead again.
        let (s, _) = t
            .json(
                Method::PATCH,
                &format!("/api/v1/departments/{data_id}"),
                Some(&admin),
                Some(json!({"retired": false})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}");
        let (s, _) = t
            .json(Method::PUT, "/api/v1/categories/0102/route", Some(&admin), Some(json!({"department_id": data_id})))
            .await;
        assert_eq!(s, StatusCode::OK, "{e}");

        for (action, n) in
            [("create_department", 2), ("update_department", 1), ("retire_department", 1), ("restore_department", 1)]
        {
            assert_eq!(audit_total(&t, &admin, action).await, n, "{e} {action}");
        }
    }
}

#[tokio::test]
async fn the_admin_pages_show_the_tree_and_the_departments_and_their_forms_work() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let (s, page) = get_page(&t, "admin", "/admin/regions").await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(page.contains("莲都区") && page.contains("data-nav=\"regions\""), "{e}");
        let (s, page) = get_page(&t, "admin", &format!("/admin/regions?edit={}", t.ids.district_a)).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(page.contains("碧湖镇") && page.contains("data-testid=\"add-township\""), "{e}");
        let (s, loc, _) = post_form(
            &t,
            "admin",
            "/admin/regions",
            &format!("parent_id={}&name=%E5%A4%A7%E6%B8%AF%E5%A4%B4%E9%95%87&code=&kind=", t.ids.district_a),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        assert!(loc.starts_with("/admin/regions?saved="), "{e}: {loc}");
        let (_, page) = get_page(&t, "admin", &format!("/admin/regions?edit={}", t.ids.district_a)).await;
        assert!(page.contains("331102X01"), "{e}: the new township with its generated code");
        let (s, _, body) =
            post_form(&t, "admin", "/admin/regions", &format!("parent_id={}&name=", t.ids.district_a)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(body.contains("data-testid=\"form-error\""), "{e}");

        let (s, page) = get_page(&t, "admin", "/admin/departments").await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(page.contains("丽水市交通运输局") && page.contains("data-nav=\"departments\""), "{e}");
        let (s, _, _) = post_form(
            &t,
            "admin",
            "/admin/departments",
            "name=%E4%B8%BD%E6%B0%B4%E5%B8%82%E6%95%B0%E6%8D%AE%E5%B1%80&short_name=&code=",
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{e}");
        let (_, page) = get_page(&t, "admin", "/admin/departments").await;
        assert!(page.contains("丽水市数据局"), "{e}");
    }
}

#[tokio::test]
async fn only_the_city_admin_manages_regions_and_departments() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let (regions, departments) = (t.count("regions").await, t.count("departments").await);
        for user in ["district-a", "coordinator", "auditor", "head-t", "handler-t", "officer-a", "ent-a1"] {
            let tok = t.token(user).await;
            let calls = [
                (Method::POST, "/api/v1/regions".to_string(), json!({"parent_id": t.ids.district_a, "name": "某镇"})),
                (Method::PATCH, format!("/api/v1/regions/{}", t.ids.district_a), json!({"name": "某区"})),
                (Method::POST, "/api/v1/departments".to_string(), json!({"name": "某局"})),
                (Method::PATCH, format!("/api/v1/departments/{}", t.ids.dept_t), json!({"retired": true})),
            ];
            for (m, path, body) in calls {
                let (s, _) = t.json(m.clone(), &path, Some(&tok), Some(body)).await;
                assert_eq!(s, StatusCode::FORBIDDEN, "{e} {user} {m} {path}");
            }
            for path in ["/admin/regions", "/admin/departments"] {
                let (s, _) = get_page(&t, user, path).await;
                assert_eq!(s, StatusCode::FORBIDDEN, "{e} {user} {path}");
            }
            let (s, _, _) = post_form(&t, user, "/admin/departments", "name=x").await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{e} {user}");
        }
        assert_eq!((t.count("regions").await, t.count("departments").await), (regions, departments), "{e}");
        let admin = t.token("admin").await;
        let (_, v) = t.json(Method::GET, "/api/v1/regions", Some(&admin), None).await;
        assert_eq!(find(&v, t.ids.district_a).unwrap()["name"], "莲都区", "{e}");
        // Each refusal is audited as denied.
        let (_, v) = t.json(Method::GET, "/api/v1/audit?action=create_region", Some(&admin), None).await;
        assert_eq!(v["total"], 7, "{e}");
        assert!(items(&v).iter().all(|a| a["outcome"] == "denied"), "{e}: {v}");
    }
}
