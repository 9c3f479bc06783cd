//! A demand acknowledged to its submitter is never lost: the real `zhuqi
//! serve` process takes concurrent submissions over HTTP and is killed
//! (SIGKILL) in the middle of them; every demand it had answered 201 is in
//! the database afterwards, whole (row, first event, metric facts, key).

use crate::harness::{engines, TestApp, PASSWORD};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zhuqi_store::Store;

/// One HTTP/1.1 request on a keep-alive connection; (status, body).
fn request(
    conn: &mut BufReader<TcpStream>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    conn.get_mut().write_all(req.as_bytes())?;
    let mut line = String::new();
    conn.read_line(&mut line)?;
    let status: u16 =
        line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::UnexpectedEof, format!("no status line: {line:?}"))
        })?;
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        conn.read_line(&mut h)?;
        if h == "\r\n" || h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut buf = vec![0; len];
    conn.read_exact(&mut buf)?;
    Ok((status, String::from_utf8_lossy(&buf).into_owned()))
}

fn connect(addr: &str) -> std::io::Result<BufReader<TcpStream>> {
    let s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    Ok(BufReader::new(s))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_demand_survives_a_kill_of_the_server() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let (db, ent) = (t.db.clone(), t.ids.ent_a1);
        t.app.store.close().await;
        drop(t);
        let addr = format!("127.0.0.1:{}", free_port());
        let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_zhuqi"))
            .args(["serve", "--db", &db, "--listen", &addr])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Up, then signed in as the officer of enterprise A1.
        let started = Instant::now();
        let mut conn = loop {
            match connect(&addr) {
                Ok(c) => break c,
                Err(_) if started.elapsed() < Duration::from_secs(60) => std::thread::sleep(Duration::from_millis(100)),
                Err(err) => panic!("{e}: server not up: {err}"),
            }
        };
        let login = format!(r#"{{"username":"officer-a","password":"{PASSWORD}"}}"#);
        let (s, body) =
            request(&mut conn, "POST", "/api/v1/auth/login", &[("Content-Type", "application/json")], &login).unwrap();
        assert_eq!(s, 200, "{e}: {body}");
        let token: String = serde_json::from_str::<serde_json::Value>(&body).unwrap()["token"].as_str().unwrap().into();

        // Eight clients submit until the server dies under them.
        let acked = Arc::new(Mutex::new(BTreeSet::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..8)
            .map(|c| {
                let (addr, token, acked, stop) = (addr.clone(), token.clone(), acked.clone(), stop.clone());
                std::thread::spawn(move || {
                    let Ok(mut conn) = connect(&addr) else { return };
                    let auth = format!("Bearer {token}");
                    for i in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let body = format!(
                            r#"{{"enterprise_id":{ent},"category":"0102","title":"通行证 {c}-{i}","description":"原料运输车辆无法进入园区，需办理通行证。"}}"#
                        );
                        let key = format!("crash-{c}-{i}");
                        let headers =
                            [("Authorization", auth.as_str()), ("Content-Type", "application/json"), ("Idempotency-Key", &key)];
                        match request(&mut conn, "POST", "/api/v1/demands", &headers, &body) {
                            Ok((201, b)) => {
                                let v: serde_json::Value = serde_json::from_str(&b).unwrap();
                                acked.lock().unwrap().insert(v["id"].as_i64().unwrap());
                            }
                            Ok((s, b)) => panic!("answered {s}: {b}"),
                            // The server was killed.
                            Err(_) => return,
                        }
                    }
                })
            })
            .collect();
        while acked.lock().unwrap().len() < 200 && started.elapsed() < Duration::from_secs(120) {
            std::thread::sleep(Duration::from_millis(5));
        }
        server.kill().unwrap(); // SIGKILL, mid-stream
        server.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        assert!(acked.len() >= 200, "{e}: only {} acknowledged", acked.len());

        let store = Store::open(&db).await.unwrap();
        let mut c = store.read().await.unwrap();
        for (table, col) in [("demands", "id"), ("demand_events", "demand_id"), ("metric_facts", "demand_id")] {
            let ids: Vec<i64> =
                sqlx::query_scalar(&format!("SELECT {col} FROM {table}")).fetch_all(&mut *c).await.unwrap();
            let ids: BTreeSet<i64> = ids.into_iter().collect();
            let lost: Vec<_> = acked.difference(&ids).collect();
            assert!(lost.is_empty(), "{e}: acknowledged but not in {table}: {lost:?}");
        }
        let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM idempotency_keys").fetch_one(&mut *c).await.unwrap();
        assert!(keys >= acked.len() as i64, "{e}: {keys} keys for {} acknowledged", acked.len());
        drop(c);
        store.close().await;
    }
}
