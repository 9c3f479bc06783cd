//! Enterprises and assignments through the API: validation, scope, history,
//! imports that change nothing when a row is bad.

use crate::harness::{credit_code, engines, TestApp};
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_bad_credit_code_is_refused_naming_the_field_and_nothing_is_stored() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let tok = t.token("admin").await;
        let mut code = credit_code(77);
        let last = code.pop().unwrap();
        code.push(if last == '0' { '1' } else { '0' });
        let before = t.count("enterprises").await;
        let (s, v) = t
            .json(
                Method::POST,
                "/api/v1/enterprises",
                Some(&tok),
                Some(json!({"credit_code": code, "name": "坏代码有限公司", "district_id": t.ids.district_a, "industry_code": "C3443", "size": "below"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["field"], "credit_code");
        assert!(v["error"]["message"].as_str().unwrap().contains("check character"), "{v}");
        assert_eq!(t.count("enterprises").await, before);
        // A good one is created; the same code again is a field error, not a 500.
        let good = json!({"credit_code": credit_code(78), "name": "好代码有限公司", "district_id": t.ids.district_a,
            "township_id": t.ids.township_a, "industry_code": "C3443", "size": "规上", "contact_phone": "138 0000 1234"});
        let (s, v) = t.json(Method::POST, "/api/v1/enterprises", Some(&tok), Some(good.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        assert_eq!(v["size"], "above");
        assert_eq!(v["contact_phone"], "13800001234");
        let (s, v) = t.json(Method::POST, "/api/v1/enterprises", Some(&tok), Some(good)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["field"], "credit_code");
    }
}

#[tokio::test]
async fn a_district_admin_cannot_register_or_assign_outside_the_district() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let tok = t.token("district-a").await;
        let (s, _) = t
            .json(
                Method::POST,
                "/api/v1/enterprises",
                Some(&tok),
                Some(json!({"credit_code": credit_code(90), "name": "越界有限公司", "district_id": t.ids.district_b, "industry_code": "C3443", "size": "below"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        let (s, _) = t
            .json(
                Method::PUT,
                &format!("/api/v1/enterprises/{}/officer", t.ids.ent_b1),
                Some(&tok),
                Some(json!({"officer_id": t.ids.officer_a})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        // An officer of another district is refused for an enterprise in scope.
        let (s, v) = t
            .json(
                Method::PUT,
                &format!("/api/v1/enterprises/{}/officer", t.ids.ent_a1),
                Some(&tok),
                Some(json!({"officer_id": t.ids.officer_b})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["field"], "officer_id");
    }
}

#[tokio::test]
async fn reassignment_through_the_api_keeps_history_and_bulk_assign_balances() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let tok = t.token("district-a").await;
        let (s, v) = t
            .json(
                Method::PUT,
                &format!("/api/v1/enterprises/{}/officer", t.ids.ent_a1),
                Some(&tok),
                Some(json!({"officer_id": t.ids.officer_a2, "reason": "工作调整"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        let (_, h) =
            t.json(Method::GET, &format!("/api/v1/enterprises/{}/assignments", t.ids.ent_a1), Some(&tok), None).await;
        assert_eq!(h["total"], 2, "{e}: {h}");
        assert_eq!(h["items"][0]["officer_id"], t.ids.officer_a2);
        assert_eq!(h["items"][0]["reason"], "工作调整");
        assert!(h["items"][1]["valid_to"].is_i64());
        // officer-a now has nothing; bulk assignment gives the unassigned enterprise to the least loaded.
        let (s, v) = t
            .json(Method::POST, &format!("/api/v1/districts/{}/assign-unassigned", t.ids.district_a), Some(&tok), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(v["assigned"], 1);
        let (_, d) = t.json(Method::GET, &format!("/api/v1/enterprises/{}", t.ids.ent_a3), Some(&tok), None).await;
        assert_eq!(d["officer_id"], t.ids.officer_a, "{e}");
        // The old officer no longer sees the enterprise; the new one does.
        let old = t.token("officer-a").await;
        assert_eq!(
            t.json(Method::GET, &format!("/api/v1/enterprises/{}", t.ids.ent_a1), Some(&old), None).await.0,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn an_import_with_a_bad_row_reports_row_and_column_and_changes_nothing() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let tok = t.token("admin").await;
        let mut bad = credit_code(501);
        bad.pop();
        bad.push('Y');
        let bad = if zhuqi_domain::CreditCode::parse(&bad).is_ok() {
            {
                let mut b = credit_code(501);
                b.pop();
                b.push('0');
                b
            }
        } else {
            bad
        };
        let csv = format!(
            "统一社会信用代码,企业名称,片区,行业代码,规模\n{},导入一有限公司,莲都区,C3443,规上\n{bad},导入二有限公司,莲都区,C3443,规下\n{},导入三有限公司,不存在区,C3443,规下\n",
            credit_code(500),
            credit_code(502)
        );
        let before = t.count("enterprises").await;
        let req = axum::http::Request::post("/api/v1/imports/enterprises")
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {tok}"))
            .header(axum::http::header::CONTENT_TYPE, "text/csv")
            .body(axum::body::Body::from(csv.clone()))
            .unwrap();
        let (s, _, body) = t.send(req).await;
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert_eq!(v["error"]["code"], "invalid_rows");
        let rows = v["error"]["rows"].as_array().unwrap();
        assert!(rows.iter().any(|r| r["row"] == 3 && r["column"] == "统一社会信用代码"), "{v}");
        assert!(rows.iter().any(|r| r["row"] == 4 && r["column"] == "片区"), "{v}");
        assert_eq!(t.count("enterprises").await, before, "{e}: nothing imported");
        // Without the bad rows the file imports.
        let good: String = csv.lines().take(2).map(|l| format!("{l}\n")).collect();
        let req = axum::http::Request::post("/api/v1/imports/enterprises")
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {tok}"))
            .body(axum::body::Body::from(good))
            .unwrap();
        let (s, _, body) = t.send(req).await;
        assert_eq!(s, StatusCode::OK, "{e}: {}", String::from_utf8_lossy(&body));
        assert_eq!(t.count("enterprises").await, before + 1);
    }
}

#[tokio::test]
async fn personal_data_is_masked_for_roles_that_do_not_need_it() {
    let t = TestApp::new("sqlite").await;
    let (_, v) = t.json(Method::GET, "/api/v1/users?role=officer", Some(&t.token("auditor").await), None).await;
    assert_eq!(v["items"][0]["phone"], "139****5678", "{v}");
    let (_, v) = t.json(Method::GET, "/api/v1/users?role=officer", Some(&t.token("admin").await), None).await;
    assert_eq!(v["items"][0]["phone"], "13912345678");
    // An enterprise user sees its own officer's number: that is the point.
    let (_, v) = t
        .json(Method::GET, &format!("/api/v1/officers/{}", t.ids.officer_a), Some(&t.token("ent-a1").await), None)
        .await;
    assert_eq!(v["phone"], "13912345678", "{v}");
}

/// Excel formula injection: an enterprise registered with a formula for a
/// name is exported as text behind an apostrophe, so Excel and WPS never
/// evaluate it (the export read back with calamine, both engines).
#[tokio::test]
async fn formula_like_text_is_exported_so_that_excel_never_evaluates_it() {
    use calamine::{Data, Reader, Xlsx};
    for e in engines() {
        let t = TestApp::new(e).await;
        let tok = t.token("admin").await;
        let evil = r#"=HYPERLINK("http://evil.example","点此查看")"#;
        let (s, v) = t
            .json(
                Method::POST,
                "/api/v1/enterprises",
                Some(&tok),
                Some(json!({"credit_code": credit_code(91), "name": evil, "district_id": t.ids.district_a,
                    "industry_code": "C3443", "size": "below", "address": "+86 丽水", "contact_name": "@张三"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{e}: {v}");
        let (page_tok, _) = t.page_session("admin").await;
        let req = axum::http::Request::get("/enterprises/export.xlsx")
            .header("cookie", format!("zhuqi_session={page_tok}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let (s, _, bytes) = t.send(req).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let name = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&name).unwrap();
        let formulas = book.worksheet_formula(&name).unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{e}: no cell is a formula");
        let row = range
            .rows()
            .find(|r| r.iter().any(|c| matches!(c, Data::String(s) if s.contains("HYPERLINK"))))
            .expect("the enterprise is exported");
        let texts: Vec<String> = row.iter().map(|c| c.to_string()).collect();
        assert!(texts.contains(&format!("'{evil}")), "{e}: {texts:?}");
        assert!(texts.contains(&"'+86 丽水".to_string()), "{e}: {texts:?}");
        assert!(texts.contains(&"'@张三".to_string()), "{e}: {texts:?}");
        // Nothing else changed: the credit code and the district read as they are.
        assert!(texts.contains(&credit_code(91)), "{e}: {texts:?}");
    }
}
