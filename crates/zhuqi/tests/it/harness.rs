//! `TestApp`: a real database (SQLite file or PostgreSQL database made for
//! the test), a settable clock, requests in-process through the real router.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;
use zhuqi_app::{App, AppConfig};
use zhuqi_domain::FixedClock;
use zhuqi_store::Store;
use zhuqi_web::{AppState, WebConfig};

/// The engines to run a test against: SQLite always, PostgreSQL when configured.
pub fn engines() -> Vec<&'static str> {
    let mut v = vec!["sqlite"];
    if std::env::var("ZHUQI_TEST_PG").is_ok_and(|s| !s.is_empty()) {
        v.push("postgres");
    }
    v
}

fn unique() -> String {
    format!("{}_{:016x}", std::process::id(), rand::random::<u64>())
}

/// Creates a fresh database and returns its `--db` value.
pub async fn fresh_db(engine: &str) -> String {
    match engine {
        "postgres" => {
            let base = std::env::var("ZHUQI_TEST_PG").expect("ZHUQI_TEST_PG");
            let name = format!("zt_{}", unique());
            sqlx::any::install_default_drivers();
            let mut c =
                <sqlx::AnyConnection as sqlx::Connection>::connect(&base).await.expect("connect to ZHUQI_TEST_PG");
            sqlx::Executor::execute(&mut c, format!("CREATE DATABASE {name}").as_str()).await.expect("create database");
            let (prefix, _) = base.rsplit_once('/').expect("database URL with a path");
            format!("{prefix}/{name}")
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("zhuqi-test-{}", unique()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            dir.join("test.db").to_string_lossy().into_owned()
        }
    }
}

/// The connection's peer address, as the server sees it (`ConnectInfo`).
pub fn peer(ip: &str) -> axum::extract::ConnectInfo<std::net::SocketAddr> {
    axum::extract::ConnectInfo(std::net::SocketAddr::new(ip.parse().expect("an IP address"), 40_000))
}

/// The fixture's ids.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ids {
    pub district_a: i64,
    pub district_b: i64,
    pub township_a: i64,
    pub dept_t: i64,
    /// In district A, served by officer A.
    pub ent_a1: i64,
    /// In district A, served by officer A2.
    pub ent_a2: i64,
    /// In district A, unassigned.
    pub ent_a3: i64,
    /// In district B, served by officer B.
    pub ent_b1: i64,
    pub officer_a: i64,
    pub officer_a2: i64,
    pub officer_b: i64,
}

pub const PASSWORD: &str = "zhuqi-demo";

/// A running application on a fresh database with a small fixture.
pub struct TestApp {
    /// The `--db` value of the test's database.
    pub db: String,
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub router: axum::Router,
    pub ids: Ids,
}

/// A credit code that passes GB 32100 for a numeric seed.
pub fn credit_code(n: u32) -> String {
    let body = format!("91331102{:08}", n);
    let org = zhuqi_domain::credit_code::org_check_char(&body[8..16]).unwrap();
    zhuqi_domain::CreditCode::complete(&format!("{body}{org}")).unwrap().as_str().to_string()
}

impl TestApp {
    pub async fn new(engine: &str) -> Self {
        Self::with_config(engine, AppConfig::default()).await
    }

    pub async fn with_config(engine: &str, config: AppConfig) -> Self {
        let db = fresh_db(engine).await;
        let store = Store::open(&db).await.expect("open store");
        let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap()));
        let app = App::new(store, clock.clone(), config);
        let ids = seed(&app).await;
        let router = zhuqi_web::build_router(AppState::new(app.clone(), WebConfig::default()));
        Self { db, app, clock, router, ids }
    }

    /// Sends a request through the real router.
    pub async fn send(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.expect("body").to_bytes().to_vec();
        (status, headers, body)
    }

    pub async fn json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let (s, _, bytes) = self.send(req).await;
        let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (s, v)
    }

    /// Signs in over the API and returns the bearer token.
    pub async fn token(&self, username: &str) -> String {
        let (s, v) = self
            .json(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "login {username}: {v}");
        v["token"].as_str().unwrap().to_string()
    }

    /// Signs in and returns (token, csrf token) for page form posts.
    pub async fn page_session(&self, username: &str) -> (String, String) {
        let token = self.token(username).await;
        let info = self.app.session(&token).await.unwrap();
        (token, info.csrf_token)
    }

    pub async fn count(&self, table: &str) -> i64 {
        let mut c = self.app.store.read().await.unwrap();
        sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut *c).await.unwrap()
    }
}

/// Two districts, two departments, four enterprises, three officers and a
/// user of every role.
async fn seed(app: &App) -> Ids {
    use zhuqi_store::{assignments, departments, enterprises, regions, users};
    let hash = zhuqi_app::auth::hash_password(PASSWORD).await.unwrap();
    let now = app.now_ms();
    let mut tx = app.store.begin().await.unwrap();
    let city = regions::insert(&mut tx, None, "city", "331100", "丽水市", "", 0).await.unwrap();
    let district_a = regions::insert(&mut tx, Some(city), "district", "331102", "莲都区", "", 1).await.unwrap();
    let district_b = regions::insert(&mut tx, Some(city), "district", "331121", "青田县", "", 2).await.unwrap();
    let township_a =
        regions::insert(&mut tx, Some(district_a), "township", "331102100", "碧湖镇", "镇", 1).await.unwrap();
    regions::insert(&mut tx, Some(district_b), "township", "331121101", "温溪镇", "镇", 1).await.unwrap();
    let dept_t = departments::insert(&mut tx, "transport", "丽水市交通运输局", "丽水市人民政府", now).await.unwrap();
    let dept_f = departments::insert(&mut tx, "finance", "丽水市财政局", "丽水市人民政府", now).await.unwrap();
    zhuqi_store::catalogue::seed_default_catalogue(&mut tx, now).await.unwrap();
    let ent = |n: u32, name: &'static str, d: i64| {
        let code = credit_code(n);
        (code, name, d)
    };
    let specs = [
        ent(1, "丽水市甲阀门有限公司", district_a),
        ent(2, "丽水市乙合成革有限公司", district_a),
        ent(3, "丽水市丙青瓷有限公司", district_a),
        ent(4, "青田县丁石雕有限公司", district_b),
    ];
    let mut eids = Vec::new();
    for (code, name, d) in &specs {
        let id = enterprises::insert(
            &mut tx,
            &enterprises::NewEnterprise {
                credit_code: code,
                name,
                district_id: *d,
                township_id: if *d == district_a { Some(township_a) } else { None },
                industry_code: "C3443",
                size: "below",
                address: "碧湖镇1号",
                contact_name: "张三",
                contact_phone: "13800000001",
                at: now,
            },
        )
        .await
        .unwrap();
        eids.push(id);
    }
    let user = |username: &'static str, role: &'static str, d: Option<i64>, dept: Option<i64>, e: Option<i64>| {
        users::NewUser {
            username,
            display_name: username,
            role,
            district_id: d,
            department_id: dept,
            enterprise_id: e,
            phone: "13912345678",
            password_hash: "",
            created_at: now,
        }
    };
    let plan = [
        user("admin", "city_admin", None, None, None),
        user("auditor", "auditor", None, None, None),
        user("coordinator", "coordinator", None, None, None),
        user("district-a", "district_admin", Some(district_a), None, None),
        user("district-b", "district_admin", Some(district_b), None, None),
        user("handler-t", "dept_handler", None, Some(dept_t), None),
        user("head-t", "dept_head", None, Some(dept_t), None),
        user("officer-a", "officer", Some(district_a), Some(dept_t), None),
        user("officer-a2", "officer", Some(district_a), Some(dept_f), None),
        user("officer-b", "officer", Some(district_b), Some(dept_f), None),
        user("ent-a1", "enterprise_user", None, None, Some(eids[0])),
    ];
    let mut uid = std::collections::HashMap::new();
    for mut u in plan {
        u.password_hash = &hash;
        uid.insert(u.username, users::insert(&mut tx, &u).await.unwrap());
    }
    let admin = uid["admin"];
    assignments::assign(&mut tx, eids[0], uid["officer-a"], now - 86_400_000, Some(admin), "").await.unwrap();
    assignments::assign(&mut tx, eids[1], uid["officer-a2"], now - 86_400_000, Some(admin), "").await.unwrap();
    assignments::assign(&mut tx, eids[3], uid["officer-b"], now - 86_400_000, Some(admin), "").await.unwrap();
    tx.commit().await.unwrap();
    Ids {
        district_a,
        district_b,
        township_a,
        dept_t,
        ent_a1: eids[0],
        ent_a2: eids[1],
        ent_a3: eids[2],
        ent_b1: eids[3],
        officer_a: uid["officer-a"],
        officer_a2: uid["officer-a2"],
        officer_b: uid["officer-b"],
    }
}
