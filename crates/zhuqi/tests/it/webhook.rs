//! The webhook channel against a real HTTP receiver on both engines:
//! notifications from before the channel was switched on are not sent; new
//! ones are delivered once each, in order, signed; a receiver that fails
//! keeps them pending for the next round; after `max_attempts` a
//! notification is skipped so the rest go on.

use crate::harness::{engines, TestApp};
use axum::http::{HeaderMap, Method, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use zhuqi_app::webhook::WebhookConfig;
use zhuqi_app::AppConfig;

/// What the receiver saw: (headers, body) per request.
type Seen = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A receiver on a free loopback port answering `status` to every POST.
async fn receiver() -> (String, Seen, Arc<AtomicU16>) {
    let seen: Seen = Arc::default();
    let status = Arc::new(AtomicU16::new(200));
    let (s2, st2) = (seen.clone(), status.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (seen, status) = (s2.clone(), st2.clone());
            async move {
                seen.lock().unwrap().push((headers, body.to_vec()));
                StatusCode::from_u16(status.load(Ordering::SeqCst)).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen, status)
}

fn hmac_hex(secret: &str, msg: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(msg);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

async fn submit(t: &TestApp, tok: &str, title: &str) -> i64 {
    let body =
        json!({"enterprise_id": t.ids.ent_a1, "category": "0102", "title": title, "description": "车辆无法进入园区"});
    let (s, v) = t.json(Method::POST, "/api/v1/demands", Some(tok), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    // Dispatching notifies the department's handler and head.
    let coordinator = t.token("coordinator").await;
    let (s, v) = t
        .json(
            Method::POST,
            &format!("/api/v1/demands/{id}/actions/dispatch"),
            Some(&coordinator),
            Some(json!({"department_id": t.ids.dept_t})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    id
}

async fn notification_ids_after(t: &TestApp, id: i64) -> Vec<i64> {
    let mut c = t.app.store.read().await.unwrap();
    sqlx::query_scalar::<_, i64>("SELECT id FROM notifications WHERE id > $1 ORDER BY id")
        .bind(id)
        .fetch_all(&mut *c)
        .await
        .unwrap()
}

#[tokio::test]
async fn notifications_reach_the_webhook_once_each_in_order_and_signed() {
    for e in engines() {
        let (url, seen, status) = receiver().await;
        let config = AppConfig {
            webhook: WebhookConfig { url, secret: "s3cret".into(), max_attempts: 3, ..WebhookConfig::default() },
            public_base_url: "http://zhuqi.test".into(),
            ..AppConfig::default()
        };
        let t = TestApp::with_config(e, config).await;
        let officer = t.token("officer-a").await;
        // Before the channel's first round: not sent.
        submit(&t, &officer, "之前").await;
        let before = notification_ids_after(&t, 0).await;
        assert!(!before.is_empty(), "{e}: dispatching notifies the department");
        let r = t.app.deliver_webhooks().await.unwrap();
        assert_eq!((r.sent, r.failed), (0, 0), "{e}: {r:?}");
        assert!(seen.lock().unwrap().is_empty());

        let demand = submit(&t, &officer, "物流受限").await;
        let new = notification_ids_after(&t, *before.last().unwrap()).await;
        assert!(!new.is_empty());
        let r = t.app.deliver_webhooks().await.unwrap();
        assert_eq!((r.sent, r.failed, r.given_up), (new.len(), 0, 0), "{e}: {r:?}");
        {
            let seen = seen.lock().unwrap();
            let ids: Vec<i64> =
                seen.iter().map(|(h, _)| h["x-zhuqi-delivery"].to_str().unwrap().parse().unwrap()).collect();
            assert_eq!(ids, new, "{e}: every new notification, in id order");
            for (h, body) in seen.iter() {
                let ts = h["x-zhuqi-timestamp"].to_str().unwrap();
                let mut msg = format!("{ts}.").into_bytes();
                msg.extend_from_slice(body);
                assert_eq!(
                    h["x-zhuqi-signature"].to_str().unwrap(),
                    format!("sha256={}", hmac_hex("s3cret", &msg)),
                    "{e}: signed with the secret"
                );
                assert_eq!(h["content-type"], "application/json; charset=utf-8");
                let v: Value = serde_json::from_slice(body).unwrap();
                assert_eq!(v["event"], "notification");
                assert_eq!(v["demand_id"], demand, "{e}: {v}");
                assert_eq!(v["url"], format!("http://zhuqi.test/demands/{demand}"));
                assert!(v["recipient"]["username"].is_string() && v["title"].is_string(), "{v}");
                assert!(v["at"].as_str().unwrap().ends_with("+08:00"), "{v}");
            }
        }
        // A second round sends nothing again.
        let r = t.app.deliver_webhooks().await.unwrap();
        assert_eq!((r.sent, r.failed), (0, 0), "{e}");
        assert_eq!(seen.lock().unwrap().len(), new.len());

        // The receiver fails: the round stops at the first, which stays pending.
        status.store(503, Ordering::SeqCst);
        submit(&t, &officer, "用工").await;
        let pending = notification_ids_after(&t, *new.last().unwrap()).await;
        let r = t.app.deliver_webhooks().await.unwrap();
        assert_eq!((r.sent, r.failed), (0, 1), "{e}: {r:?}");
        assert!(r.error.as_deref().unwrap_or("").contains("503"), "{r:?}");
        // Back up: all of them go, in order.
        status.store(200, Ordering::SeqCst);
        let r = t.app.deliver_webhooks().await.unwrap();
        assert_eq!((r.sent, r.failed), (pending.len(), 0), "{e}: {r:?}");
        let delivered: Vec<i64> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|(h, _)| h["x-zhuqi-delivery"].to_str().unwrap().parse().unwrap())
            .collect();
        let n = delivered.len();
        assert_eq!(delivered[n - pending.len()..], pending[..], "{e}");
        assert_eq!(delivered[n - pending.len() - 1], pending[0], "{e}: the failed attempt was the first pending");

        // A receiver that keeps refusing: after max_attempts (3) the first is
        // skipped and the next one is tried.
        status.store(400, Ordering::SeqCst);
        submit(&t, &officer, "融资").await;
        let stuck = notification_ids_after(&t, *pending.last().unwrap()).await;
        for _ in 0..3 {
            let r = t.app.deliver_webhooks().await.unwrap();
            assert_eq!(r.failed, 1, "{e}");
        }
        let r = t.app.deliver_webhooks().await.unwrap();
        assert_eq!(r.given_up, 1, "{e}: {r:?}");
        let last: i64 = seen.lock().unwrap().last().unwrap().0["x-zhuqi-delivery"].to_str().unwrap().parse().unwrap();
        assert_eq!(last, stuck.get(1).copied().unwrap_or(stuck[0]), "{e}: the next one is tried");
    }
}

#[tokio::test]
async fn an_unreachable_receiver_keeps_everything_pending() {
    for e in engines() {
        // A port nobody listens on.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let config = AppConfig {
            webhook: WebhookConfig { url: format!("http://127.0.0.1:{port}/hook"), ..WebhookConfig::default() },
            ..AppConfig::default()
        };
        let t = TestApp::with_config(e, config).await;
        t.app.deliver_webhooks().await.unwrap();
        submit(&t, &t.token("officer-a").await, "物流受限").await;
        let r = t.app.deliver_webhooks().await.unwrap();
        assert_eq!((r.sent, r.failed), (0, 1), "{e}: {r:?}");
        assert!(r.error.as_deref().unwrap_or("").contains("cannot connect"), "{r:?}");
        let mut c = t.app.store.read().await.unwrap();
        let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE webhook_sent_at IS NOT NULL")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!(sent, 0, "{e}");
    }
}

#[test]
fn only_plain_http_urls_are_accepted() {
    let c = |url: &str| WebhookConfig { url: url.into(), ..WebhookConfig::default() }.validate();
    assert!(c("").is_ok());
    assert!(c("http://10.1.2.3:8080/notify").is_ok());
    assert!(c("https://gw.example/notify").unwrap_err().contains("only http://"));
    assert!(c("gw.example/notify").is_err());
}
