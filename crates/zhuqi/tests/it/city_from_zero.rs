//! A city from zero, on both engines, with nothing but `zhuqi init` and the
//! API: the admin signs in with the printed one-time password and must
//! change it; creates a district admin, a coordinator, a department with a
//! handler; the district admin imports enterprises and officers from .xlsx
//! and assigns; the officer binds an enterprise user through its code; the
//! enterprise submits, the coordinator dispatches to the new department,
//! the handler signs and replies, the enterprise rates and the demand closes.

use crate::harness::{engines, fresh_db};
use crate::init::printed_password;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;
use zhuqi_app::{App, AppConfig};
use zhuqi_domain::FixedClock;
use zhuqi_store::Store;
use zhuqi_web::{AppState, WebConfig};

struct City {
    router: axum::Router,
}

impl City {
    async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let s = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (s, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        self.call(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": username, "password": password})))
            .await
    }

    /// Signs in with a one-time password, is held at the gate, changes the
    /// password and returns a token that works.
    async fn first_sign_in(&self, username: &str, one_time: &str, new_password: &str) -> String {
        let (s, v) = self.login(username, one_time).await;
        assert_eq!(s, StatusCode::OK, "{username}: {v}");
        let token = v["token"].as_str().unwrap().to_string();
        let (s, v) = self.call(Method::GET, "/api/v1/demands", Some(&token), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{username}: {v}");
        assert_eq!(v["error"]["code"], "password_change_required", "{v}");
        let (s, me) = self.call(Method::GET, "/api/v1/me", Some(&token), None).await;
        assert_eq!(s, StatusCode::OK, "{me}");
        assert_eq!(me["must_change_password"], true, "{me}");
        let (s, v) = self
            .call(
                Method::POST,
                "/api/v1/me/password",
                Some(&token),
                Some(json!({"current_password": one_time, "new_password": new_password})),
            )
            .await;
        assert!(s.is_success(), "{username}: {s} {v}");
        let (s, v) = self.call(Method::GET, "/api/v1/demands", Some(&token), None).await;
        assert_eq!(s, StatusCode::OK, "{username} after the change: {v}");
        // The one-time password is spent.
        let (s, _) = self.login(username, one_time).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{username}: one-time password used twice");
        let (s, v) = self.login(username, new_password).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["token"].as_str().unwrap().to_string()
    }

    async fn create_user(&self, admin: &str, body: Value) -> (i64, String) {
        let (s, v) = self.call(Method::POST, "/api/v1/users", Some(admin), Some(body.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{body}: {v}");
        let id = v["id"].as_i64().or_else(|| v["user"]["id"].as_i64()).unwrap();
        (id, v["one_time_password"].as_str().unwrap().to_string())
    }

    async fn import(&self, token: &str, kind: &str, rows: &[Vec<String>]) -> Value {
        let req = Request::post(format!("/api/v1/imports/{kind}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("x-file-name", format!("{kind}.xlsx"))
            .body(Body::from(xlsx(rows)))
            .unwrap();
        let (s, v) = self.send(req).await;
        assert_eq!(s, StatusCode::OK, "import {kind}: {v}");
        v
    }
}

/// A workbook with `rows` on its first sheet, as a district keeps it.
fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn a_city_made_with_init_runs_from_the_first_sign_in_to_a_rated_demand() {
    for engine in engines() {
        let db = fresh_db(engine).await;
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhuqi"))
            .args(["init", "--db", &db, "--city", "331100", "--admin", "admin"])
            .env_remove("ZHUQI_DB")
            .env_remove("ZHUQI_CONFIG")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let one_time = printed_password(&String::from_utf8_lossy(&out.stdout));

        // Monday 2026-11-23 10:00 China time.
        let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap()));
        let app = App::new(Store::open(&db).await.unwrap(), clock.clone(), AppConfig::default());
        let city = City { router: zhuqi_web::build_router(AppState::new(app.clone(), WebConfig::default())) };

        let admin = city.first_sign_in("admin", &one_time, "Lishui-admin-2026").await;

        // The region tree and the default departments are there.
        let (s, regions) = city.call(Method::GET, "/api/v1/regions", Some(&admin), None).await;
        assert_eq!(s, StatusCode::OK, "{regions}");
        let text = regions.to_string();
        assert!(text.contains("莲都区") && text.contains("丽水经济技术开发区"), "{text}");
        let liandu = find_id(&regions, "莲都区").expect("莲都区 in the tree");
        let zijin = find_id(&regions, "紫金街道").expect("紫金街道 in the tree");

        // A district admin, a coordinator, a new department with its handler.
        let (_, pw) = city
            .create_user(
                &admin,
                json!({"username": "district-liandu", "display_name": "莲都区管理员", "role": "district_admin", "district_id": liandu}),
            )
            .await;
        let district = city.first_sign_in("district-liandu", &pw, "Liandu-admin-2026").await;
        let (_, pw) = city
            .create_user(
                &admin,
                json!({"username": "coordinator", "display_name": "平台受理员", "role": "coordinator"}),
            )
            .await;
        let coordinator = city.first_sign_in("coordinator", &pw, "Coordinator-2026").await;
        let (s, dept) = city
            .call(
                Method::POST,
                "/api/v1/departments",
                Some(&admin),
                Some(json!({"name": "丽水市营商环境建设办公室", "short_name": "营商办"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{dept}");
        let dept_id = dept["id"].as_i64().unwrap();
        let (_, pw) = city
            .create_user(
                &admin,
                json!({"username": "handler-yingshang", "display_name": "营商办承办人", "role": "dept_handler", "department_id": dept_id}),
            )
            .await;
        let handler = city.first_sign_in("handler-yingshang", &pw, "Handler-yingshang-1").await;

        // The district imports its spreadsheets: two enterprises, two officers.
        let c1 = crate::harness::credit_code(4101);
        let c2 = crate::harness::credit_code(4102);
        let r = city
            .import(
                &district,
                "enterprises",
                &[
                    row(&[
                        "统一社会信用代码",
                        "企业名称",
                        "片区",
                        "乡镇街道",
                        "行业代码",
                        "规模",
                        "地址",
                        "联系人",
                        "联系电话",
                    ]),
                    row(&[
                        &c1,
                        "丽水瓯江阀门有限公司",
                        "莲都区",
                        "紫金街道",
                        "C3443",
                        "规上",
                        "紫金路8号",
                        "周建国",
                        "13957800001",
                    ]),
                    row(&[
                        &c2,
                        "丽水括苍茶业有限公司",
                        "莲都区",
                        "紫金街道",
                        "C1530",
                        "规下",
                        "括苍路18号",
                        "叶晓梅",
                        "13957800002",
                    ]),
                ],
            )
            .await;
        assert_eq!(r["created"], 2, "{r}");
        let r = city
            .import(
                &district,
                "officers",
                &[
                    row(&["用户名", "姓名", "片区", "派出单位", "手机"]),
                    row(&["officer-zhang", "张明", "莲都区", "丽水市经济和信息化局", "13857800011"]),
                    row(&["officer-li", "李华", "莲都区", "丽水市营商环境建设办公室", "13857800012"]),
                ],
            )
            .await;
        assert_eq!(r["created"], 2, "{r}");

        // Assign the first enterprise; the officer gets a password from the district admin.
        let (s, ents) = city.call(Method::GET, "/api/v1/enterprises", Some(&district), None).await;
        assert_eq!(s, StatusCode::OK, "{ents}");
        let items = ents["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{ents}");
        let ent = items.iter().find(|e| e["credit_code"] == c1.as_str()).unwrap();
        let ent_id = ent["id"].as_i64().unwrap();
        assert_eq!(ent["township_id"], zijin, "{ent}");
        let (s, offs) = city.call(Method::GET, "/api/v1/officers?q=officer-zhang", Some(&district), None).await;
        assert_eq!(s, StatusCode::OK, "{offs}");
        let officer_id = offs["items"][0]["id"].as_i64().unwrap();
        let (s, v) = city
            .call(
                Method::PUT,
                &format!("/api/v1/enterprises/{ent_id}/officer"),
                Some(&district),
                Some(json!({"officer_id": officer_id, "reason": "初始分配"})),
            )
            .await;
        assert!(s.is_success(), "{v}");
        let (s, v) =
            city.call(Method::POST, &format!("/api/v1/users/{officer_id}/reset-password"), Some(&district), None).await;
        assert!(s.is_success(), "{v}");
        let pw = v["one_time_password"].as_str().unwrap().to_string();
        let officer = city.first_sign_in("officer-zhang", &pw, "Officer-zhang-26").await;

        // The officer binds the enterprise's contact through its code.
        let (s, code) =
            city.call(Method::GET, &format!("/api/v1/enterprises/{ent_id}/code"), Some(&officer), None).await;
        assert_eq!(s, StatusCode::OK, "{code}");
        let token = code["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        let (s, v) =
            city.call(Method::POST, &format!("/api/v1/enterprises/{ent_id}/binding-codes"), Some(&officer), None).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let one_time_code = v["code"].as_str().unwrap().to_string();
        let (s, v) = city
            .call(
                Method::POST,
                &format!("/api/v1/codes/{token}/bind"),
                None,
                Some(json!({"name": "周建国", "phone": "13957800001", "password": "Oujiang-valve-88", "code": one_time_code})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, v) = city.login("13957800001", "Oujiang-valve-88").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let enterprise = v["token"].as_str().unwrap().to_string();

        // Submit, dispatch to the new department, sign, reply, rate.
        let (s, d) = city
            .call(
                Method::POST,
                "/api/v1/demands",
                Some(&enterprise),
                Some(json!({"enterprise_id": ent_id, "category": "0102", "title": "园区道路限行，原料车辆进不来",
                    "description": "原料运输车辆无法进入园区，需要办理通行证。"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        let id = d["id"].as_i64().unwrap();
        let act = |who: String, action: &'static str, body: Value| {
            let city = &city;
            async move {
                city.call(Method::POST, &format!("/api/v1/demands/{id}/actions/{action}"), Some(&who), Some(body)).await
            }
        };
        let (s, d) = act(coordinator.clone(), "dispatch", json!({"department_id": dept_id})).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        let (s, d) = act(handler.clone(), "sign", json!({})).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        let (s, d) = act(handler.clone(), "reply", json!({"text": "已协调交警部门办理通行证。"})).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        let (s, d) = act(enterprise.clone(), "rate", json!({"rating": "very_satisfied"})).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["status"], "closed", "{engine}: {d}");
        app.store.close().await;
    }
}

/// The id of the region named `name` anywhere in the tree answer.
fn find_id(v: &Value, name: &str) -> Option<i64> {
    match v {
        Value::Object(m) => {
            if m.get("name").and_then(Value::as_str) == Some(name) {
                return m.get("id").and_then(Value::as_i64);
            }
            m.values().find_map(|x| find_id(x, name))
        }
        Value::Array(a) => a.iter().find_map(|x| find_id(x, name)),
        _ => None,
    }
}
