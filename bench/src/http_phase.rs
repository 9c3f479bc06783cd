//! Phase (c): `POST /api/v1/demands` over HTTP against the real router,
//! served in-process on 127.0.0.1 over the demo city.

use crate::http_client::Http;
use crate::measure::{drive, Outcome};
use crate::phases::batches;
use crate::Args;
use anyhow::{anyhow, bail, Context, Result};
use hyper::{Method, StatusCode};
use serde_json::{json, Value};
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::Mutex;
use zhuqi_app::{App, AppConfig};
use zhuqi_demo::Demo;
use zhuqi_domain::SystemClock;
use zhuqi_store::Store;
use zhuqi_web::{AppState, WebConfig};

pub(crate) async fn http(args: &Args, db: String) -> Result<Outcome> {
    let store = Store::open(&db).await?;
    let app = App::new(store.clone(), Arc::new(SystemClock), AppConfig::default());
    app.build_demo(&|_: &str| {}).await.context("building the demo city")?;
    let router = zhuqi_web::build_router(AppState::new(app.clone(), WebConfig::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server =
        tokio::spawn(
            async move { axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await },
        );
    let result = http_load(args, addr, &store).await;
    server.abort();
    store.close().await;
    result
}

async fn http_load(args: &Args, addr: SocketAddr, store: &Store) -> Result<Outcome> {
    let mut c = Http::new(addr);
    let login = json!({"username": "officer0001", "password": zhuqi_demo::DEMO_PASSWORD});
    let (st, body) = c.send(Method::POST, "/api/v1/auth/login", None, None, Some(&login)).await?;
    if st != StatusCode::OK {
        bail!("sign-in as officer0001: {st} {}", String::from_utf8_lossy(&body));
    }
    let token = serde_json::from_slice::<Value>(&body)?["token"]
        .as_str()
        .ok_or_else(|| anyhow!("no token in the sign-in answer"))?
        .to_string();
    let (st, body) = c.send(Method::GET, "/api/v1/enterprises?per_page=100", Some(&token), None, None).await?;
    if st != StatusCode::OK {
        bail!("GET /api/v1/enterprises: {st}");
    }
    let enterprises: Vec<i64> = serde_json::from_slice::<Value>(&body)?["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["id"].as_i64()).collect())
        .unwrap_or_default();
    if enterprises.is_empty() {
        bail!("officer0001 serves no enterprise");
    }
    // The category of the example ("0102" 物流受阻), or the first leaf listed.
    let (st, body) = c.send(Method::GET, "/api/v1/categories", Some(&token), None, None).await?;
    let mut codes = Vec::new();
    if st == StatusCode::OK {
        collect_codes(&serde_json::from_slice(&body)?, &mut codes);
    } else {
        codes.push("0102".to_string());
    }
    let category = Arc::new(if codes.iter().any(|c| c == "0102") {
        "0102".to_string()
    } else {
        codes.iter().find(|c| c.len() == 4).or(codes.first()).cloned().ok_or_else(|| anyhow!("no categories"))?
    });
    // One probe, so a missing endpoint is reported instead of measured.
    let run = run_id();
    let (st, body) = c
        .send(
            Method::POST,
            "/api/v1/demands",
            Some(&token),
            Some(&format!("{run}-probe")),
            Some(&demand(enterprises[0], &category, 0, 0)),
        )
        .await?;
    if st != StatusCode::CREATED {
        bail!("POST /api/v1/demands answered {st}: {}", String::from_utf8_lossy(&body));
    }

    let clients: Arc<Vec<Mutex<Http>>> = Arc::new((0..args.clients).map(|_| Mutex::new(Http::new(addr))).collect());
    let token = Arc::new(token);
    let enterprises = Arc::new(enterprises);
    let before = store.submit_stats();
    let o = drive(args, move |client, seq| {
        let clients = clients.clone();
        let token = token.clone();
        let enterprises = enterprises.clone();
        let run = run.clone();
        let category = category.clone();
        async move {
            let ent = enterprises[(client + seq as usize) % enterprises.len()];
            let key = format!("{run}-{client}-{seq}");
            let mut http = clients[client].lock().await;
            let (st, body) = http
                .send(
                    Method::POST,
                    "/api/v1/demands",
                    Some(&token),
                    Some(&key),
                    Some(&demand(ent, &category, client, seq)),
                )
                .await?;
            if st != StatusCode::CREATED {
                bail!("{st}: {}", String::from_utf8_lossy(&body));
            }
            Ok(())
        }
    })
    .await;
    let mut o = o?;
    o.note = batches(before, store.submit_stats());
    Ok(o)
}

/// Every `"code"` string in a JSON tree, in document order.
fn collect_codes(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(c)) = m.get("code") {
                out.push(c.clone());
            }
            m.values().for_each(|x| collect_codes(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_codes(x, out)),
        _ => {}
    }
}

fn demand(enterprise_id: i64, category: &str, client: usize, seq: u64) -> Value {
    json!({
        "enterprise_id": enterprise_id,
        "category": category,
        "title": format!("物流受限：原料运输车辆无法进入园区 {client}-{seq}"),
        "description": "园区道路限行，原料运输车辆无法进入，需办理通行证。",
    })
}

fn run_id() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("bench-{:016x}", h.finish())
}
