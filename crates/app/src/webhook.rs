//! The webhook channel (消息推送): every in-app notification is also POSTed
//! as JSON to a configured URL — the bridge to a government messaging
//! gateway (浙政钉, SMS) that the intranet provides.
//!
//! - **Outbox.** The notifications table is the outbox: a notification is
//!   written in the same transaction as what caused it, and a delivery loop
//!   inside `zhuqi serve` sends the undelivered ones in id order. Nothing is
//!   lost when the receiver is down: the row stays pending and is sent on a
//!   later round. Notifications from before the channel was first switched on
//!   are not sent (the first round records where it starts, `meta`
//!   `webhook_since_id`).
//! - **At least once.** A row is marked delivered after the receiver
//!   answered 2xx. A crash between the answer and the mark sends it again;
//!   receivers deduplicate by `X-Zhuqi-Delivery` (the notification id).
//! - **Failures.** A non-2xx answer, a refused connection or a timeout ends
//!   the round (the receiver is likely down) and counts one attempt on that
//!   notification; after `max_attempts` it is skipped so that one poisoned
//!   message cannot hold up the rest (counted in the round's report).
//! - **Signature.** With a `secret`, `X-Zhuqi-Signature: sha256=<hex>` is the
//!   HMAC-SHA256 of `<X-Zhuqi-Timestamp>.<body>` under the secret; the
//!   receiver recomputes it and rejects stale timestamps.
//! - **Plain HTTP only**: intranet gateways are reached over HTTP (TLS, where
//!   wanted, terminates at the gateway or a local proxy); an `https://` URL is
//!   refused when the configuration is loaded.

use crate::{App, AppError, Result};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::Uri;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::time::Duration;
use zhuqi_domain::clock::rfc3339_cst;
use zhuqi_store::webhooks::{self as store, Pending};

/// The `[webhook]` table of the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// Receiver, `http://host[:port]/path`. Empty: the channel is off.
    pub url: String,
    /// Key of the HMAC-SHA256 signature. Empty: deliveries are unsigned.
    pub secret: zhuqi_domain::Secret,
    /// Seconds to wait for the receiver to connect and answer.
    pub timeout_seconds: u64,
    /// Attempts per notification before it is skipped.
    pub max_attempts: u32,
    /// Seconds between delivery rounds in `zhuqi serve`.
    pub interval_seconds: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            secret: zhuqi_domain::Secret::default(),
            timeout_seconds: 10,
            max_attempts: 10,
            interval_seconds: 5,
        }
    }
}

impl WebhookConfig {
    /// Checks the URL: empty (off) or `http://` with a host.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let url = self.url.trim();
        if url.is_empty() {
            return Ok(());
        }
        let uri: Uri = url.parse().map_err(|e| format!("webhook.url '{url}' is not a URL: {e}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(other) => {
                return Err(format!(
                    "webhook.url '{url}': only http:// is supported (got {other}://); terminate TLS at the gateway or a local proxy"
                ))
            }
            None => return Err(format!("webhook.url '{url}' must start with http://")),
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(format!("webhook.url '{url}' has no host"));
        }
        if self.timeout_seconds == 0 || self.max_attempts == 0 {
            return Err("webhook.timeout_seconds and webhook.max_attempts must be at least 1".into());
        }
        Ok(())
    }
}

/// What one delivery round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Attempts that failed this round (the round stops at the first).
    pub failed: usize,
    /// Notifications skipped for good after `max_attempts`.
    pub given_up: i64,
    /// The first failure, for the log.
    pub error: Option<String>,
}

const SINCE_KEY: &str = "webhook_since_id";
const BATCH: i64 = 100;

/// The JSON body of one delivery.
pub fn payload(n: &Pending, base_url: &str) -> serde_json::Value {
    let url = match n.demand_id {
        Some(d) => format!("{base_url}/demands/{d}"),
        None => format!("{base_url}/notifications"),
    };
    serde_json::json!({
        "id": n.id,
        "event": "notification",
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "at": rfc3339_cst(n.at),
        "demand_id": n.demand_id,
        "url": url,
        "recipient": {
            "user_id": n.user_id,
            "username": n.username,
            "display_name": n.display_name,
            "role": n.role,
            "phone": n.phone,
            "enterprise_id": n.enterprise_id,
        },
    })
}

/// `sha256=<hex>` of `<timestamp>.<body>` under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length; new_from_slice cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// One keep-alive HTTP/1.1 connection to the receiver.
struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    authority: String,
    path: String,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

async fn connect(cfg: &WebhookConfig) -> std::result::Result<Connection, String> {
    let uri: Uri = cfg.url.trim().parse().map_err(err)?;
    let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_string();
    let port = uri.port_u16().unwrap_or(80);
    let timeout = Duration::from_secs(cfg.timeout_seconds);
    let stream = tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host.as_str(), port)))
        .await
        .map_err(|_| format!("connecting to {host}:{port} timed out"))?
        .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.map_err(err)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let authority = uri.authority().map(|a| a.to_string()).unwrap_or(host);
    let path = uri.path_and_query().map(|p| p.to_string()).unwrap_or_else(|| "/".into());
    Ok(Connection { sender, authority, path })
}

async fn post(
    c: &mut Connection,
    cfg: &WebhookConfig,
    n: &Pending,
    body: Vec<u8>,
    now_ms: i64,
) -> std::result::Result<(), String> {
    let ts = now_ms.div_euclid(1000);
    let mut req = hyper::Request::post(c.path.as_str())
        .header(hyper::header::HOST, c.authority.as_str())
        .header(hyper::header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(hyper::header::USER_AGENT, concat!("zhuqi/", env!("CARGO_PKG_VERSION")))
        .header("x-zhuqi-event", "notification")
        .header("x-zhuqi-delivery", n.id.to_string())
        .header("x-zhuqi-timestamp", ts.to_string());
    if !cfg.secret.is_empty() {
        req = req.header("x-zhuqi-signature", signature(cfg.secret.expose(), ts, &body));
    }
    let req = req.body(Full::new(Bytes::from(body))).map_err(err)?;
    let timeout = Duration::from_secs(cfg.timeout_seconds);
    let answer = async {
        c.sender.ready().await.map_err(err)?;
        let res = c.sender.send_request(req).await.map_err(err)?;
        let status = res.status();
        // Read the (small) answer so the connection can be reused.
        let _ = res.into_body().collect().await;
        Ok::<_, String>(status)
    };
    let status = tokio::time::timeout(timeout, answer)
        .await
        .map_err(|_| "the receiver did not answer in time".to_string())??;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered {status}"))
    }
}

impl App {
    /// One delivery round of the webhook channel (a no-op when it is off):
    /// sends pending notifications in id order until none is left or one
    /// fails. See the module documentation.
    pub async fn deliver_webhooks(&self) -> Result<DeliveryReport> {
        let cfg = &self.config.webhook;
        let mut report = DeliveryReport::default();
        if cfg.url.trim().is_empty() {
            return Ok(report);
        }
        cfg.validate().map_err(AppError::Internal)?;
        let since = {
            let mut tx = self.store.begin().await?;
            let since = match zhuqi_store::meta::get(&mut tx, SINCE_KEY).await? {
                Some(v) => v.parse::<i64>().unwrap_or(0),
                None => {
                    let max = store::max_id(&mut tx).await?;
                    zhuqi_store::meta::set(&mut tx, SINCE_KEY, &max.to_string()).await?;
                    max
                }
            };
            tx.commit().await?;
            since
        };
        let max_attempts = i64::from(cfg.max_attempts);
        let mut conn: Option<Connection> = None;
        'rounds: loop {
            let batch = {
                let mut c = self.store.read().await?;
                store::pending(&mut c, since, max_attempts, BATCH).await?
            };
            if batch.is_empty() {
                break;
            }
            for n in &batch {
                let body = serde_json::to_vec(&payload(n, &self.config.public_base_url))
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                let result = match conn.as_mut() {
                    Some(c) => post(c, cfg, n, body, self.now_ms()).await,
                    None => match connect(cfg).await {
                        Ok(c) => post(conn.insert(c), cfg, n, body, self.now_ms()).await,
                        Err(e) => Err(e),
                    },
                };
                let mut tx = self.store.begin().await?;
                match result {
                    Ok(()) => {
                        store::mark_sent(&mut tx, n.id, self.now_ms()).await?;
                        tx.commit().await?;
                        report.sent += 1;
                    }
                    Err(e) => {
                        store::mark_failed(&mut tx, n.id).await?;
                        tx.commit().await?;
                        report.failed += 1;
                        report.error = Some(format!("notification {}: {e}", n.id));
                        break 'rounds;
                    }
                }
            }
        }
        let mut c = self.store.read().await?;
        report.given_up = store::given_up(&mut c, since, max_attempts).await?;
        Ok(report)
    }
}
