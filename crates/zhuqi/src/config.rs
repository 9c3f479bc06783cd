//! Configuration: defaults → TOML file → `ZHUQI_*` environment variables →
//! command-line flags, each layer overriding the one before.

use serde::{Deserialize, Serialize};
use zhuqi_app::backup::BackupConfig;
use zhuqi_app::config::{AttachmentConfig, RateLimitConfig};
use zhuqi_app::webhook::WebhookConfig;
use zhuqi_app::AppConfig;
use zhuqi_domain::DatabaseUrl;

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// SQLite file path or `postgres://` URL (its password never prints).
    pub db: DatabaseUrl,
    /// Address to listen on.
    pub listen: String,
    /// Mark cookies `Secure` (turn on when served behind TLS).
    pub secure_cookies: bool,
    /// Log filter (tracing `EnvFilter` syntax).
    pub log: String,
    /// Address enterprises reach the platform at (QR codes of the enterprise
    /// code encode `{public_base_url}/c/{token}`). Empty: `http://{listen}`.
    pub public_base_url: String,
    pub server: ServerConfig,
    pub auth: AppConfig,
    pub attachments: AttachmentConfig,
    pub rate_limit: RateLimitConfig,
    pub webhook: WebhookConfig,
    pub backup: BackupConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            db: "./zhuqi.db".into(),
            listen: "127.0.0.1:8080".into(),
            secure_cookies: false,
            log: "info".into(),
            public_base_url: String::new(),
            server: ServerConfig::default(),
            auth: AppConfig::default(),
            attachments: AttachmentConfig::default(),
            rate_limit: RateLimitConfig::default(),
            webhook: WebhookConfig::default(),
            backup: BackupConfig::default(),
        }
    }
}

/// `[server]`: how the server sits in the network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For`
    /// is believed; from anyone else the header is ignored.
    pub trusted_proxies: Vec<String>,
}

/// The annotated example printed by `zhuqi config example`.
pub const EXAMPLE: &str = r#"# zhuqi configuration. Every key is optional; shown are the defaults.
# Precedence: defaults < this file (--config or ZHUQI_CONFIG) < ZHUQI_* env < flags.

# SQLite file path (created if missing) or a PostgreSQL URL such as
# "postgres://zhuqi@127.0.0.1:5432/zhuqi".            env: ZHUQI_DB     flag: --db
db = "./zhuqi.db"
# Address and port to serve on.                        env: ZHUQI_LISTEN flag: --listen
listen = "127.0.0.1:8080"
# Mark cookies Secure; turn on when served behind TLS. env: ZHUQI_SECURE_COOKIES
secure_cookies = false
# Log filter, e.g. "info" or "zhuqi=debug,sqlx=warn".  env: ZHUQI_LOG
log = "info"
# Public address of the platform, printed in every enterprise code (企业码) QR
# as "{public_base_url}/c/{token}", e.g. "https://zhuqi.lishui.gov.cn".
# Empty: "http://{listen}" (fine for a demo, wrong behind a proxy).
#                                                       env: ZHUQI_PUBLIC_BASE_URL
public_base_url = ""

[server]
# Reverse proxies (addresses or CIDR ranges, e.g. ["10.0.0.0/8", "::1"]) in front of
# zhuqi. Only from these is X-Forwarded-For believed, and then the right-most address
# that is not itself a listed proxy is the client (for the audit log and the rate
# limits). Empty: the connection's own peer address is the client; the header is ignored.
trusted_proxies = []

[auth]
# A session ends after this many idle minutes ...
session_idle_minutes = 30
# ... and at the latest this many hours after sign-in.
session_absolute_hours = 12
# Failed logins in a row that lock an account, and for how long.
lockout_threshold = 5
lockout_minutes = 15

[auth.password]
min_length = 8
require_letter = true
require_digit = false
# Refuse the passwords everyone tries first (password, iloveyou, aaaaaaaa, 12345678, qwertyui…).
refuse_common = true

[attachments]
# Directory of the uploaded files (content-addressed by SHA-256). Empty: with
# SQLite "<db>.files/" next to the database file (back it up with the
# database); with PostgreSQL inside the database, so nodes share no disk.
dir = ""
# Largest single file and largest total per demand, in MB. Larger uploads
# are refused (422) with the limit named and nothing stored.
max_file_mb = 10
max_demand_mb = 50

[rate_limit]
# Public endpoints (code landing /c/{token}, binding, sign-in) answer 429 with
# Retry-After beyond these counts per window. 0 turns a limit off.
window_seconds = 60
# Landing pages and binding attempts per client IP, and per enterprise code.
code_per_ip = 30
code_per_token = 20
# Failed sign-ins per client IP (successful sign-ins are not counted).
login_failures_per_ip = 20

[webhook]
# Every in-app notification is also POSTed as JSON to this URL (at least
# once, in order; receivers deduplicate by the X-Zhuqi-Delivery header).
# Plain http:// only: terminate TLS at the intranet gateway. Empty: off.
#                                                       env: ZHUQI_WEBHOOK_URL
url = ""
# HMAC-SHA256 key: X-Zhuqi-Signature = "sha256=" + hex(HMAC(secret,
# X-Zhuqi-Timestamp + "." + body)). Empty: unsigned.  env: ZHUQI_WEBHOOK_SECRET
secret = ""
timeout_seconds = 10
# Attempts per notification before it is skipped (logged).
max_attempts = 10
# Seconds between delivery rounds.
interval_seconds = 5

[backup]
# Scheduled backups by `zhuqi serve`: every `every` an archive
# "zhuqi-backup-<UTC time>.zip" in this directory (as `zhuqi backup` makes),
# then the oldest beyond `keep` deleted; each run logged and audited.
# Empty: no scheduled backups.
dir = ""
# A number and a unit: "30m", "6h", "24h", "7d".
every = "24h"
keep = 7
"#;

impl Config {
    /// The application settings: `[auth]` plus `[attachments]`.
    pub fn app_config(&self) -> AppConfig {
        let base = if self.public_base_url.trim().is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.public_base_url.trim().trim_end_matches('/').to_string()
        };
        AppConfig {
            attachments: self.attachments.clone(),
            public_base_url: base,
            rate_limit: self.rate_limit.clone(),
            webhook: self.webhook.clone(),
            ..self.auth.clone()
        }
    }

    /// Loads the layers in order. `file` is `--config`; env vars are read
    /// from `env` (injected for tests).
    pub fn load(file: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let path = file.map(str::to_string).or_else(|| env("ZHUQI_CONFIG"));
        let mut cfg = match path {
            Some(p) => {
                let text =
                    std::fs::read_to_string(&p).map_err(|e| anyhow::anyhow!("cannot read config file {p}: {e}"))?;
                toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {p}: {e}"))?
            }
            None => Config::default(),
        };
        if let Some(v) = env("ZHUQI_DB") {
            cfg.db = DatabaseUrl::new(v);
        }
        if let Some(v) = env("ZHUQI_LISTEN") {
            cfg.listen = v;
        }
        if let Some(v) = env("ZHUQI_PUBLIC_BASE_URL") {
            cfg.public_base_url = v;
        }
        if let Some(v) = env("ZHUQI_WEBHOOK_URL") {
            cfg.webhook.url = v;
        }
        if let Some(v) = env("ZHUQI_WEBHOOK_SECRET") {
            cfg.webhook.secret = v.into();
        }
        cfg.webhook.validate().map_err(|e| anyhow::anyhow!(e))?;
        cfg.backup.validate().map_err(|e| anyhow::anyhow!(e))?;
        if let Some(v) = env("ZHUQI_LOG") {
            cfg.log = v;
        }
        if let Some(v) = env("ZHUQI_SECURE_COOKIES") {
            cfg.secure_cookies = matches!(v.as_str(), "1" | "true" | "yes");
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses_to_the_defaults() {
        let parsed: Config = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn env_overrides_file_and_unknown_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("zhuqi-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("c.toml");
        std::fs::write(&p, "db = \"file.db\"\nlisten = \"0.0.0.0:9000\"\n").unwrap();
        let env = |k: &str| (k == "ZHUQI_DB").then(|| "env.db".to_string());
        let c = Config::load(Some(p.to_str().unwrap()), &env).unwrap();
        assert_eq!(c.db.expose(), "env.db");
        assert_eq!(c.listen, "0.0.0.0:9000");
        std::fs::write(&p, "dbb = 1\n").unwrap();
        let e = Config::load(Some(p.to_str().unwrap()), &|_| None).unwrap_err().to_string();
        assert!(e.contains("dbb"), "{e}");
    }

    #[test]
    fn backup_every_is_a_typed_duration_with_a_clear_error() {
        let c: Config = toml::from_str("[backup]\ndir = \"/b\"\nevery = \"6h\"\nkeep = 3\n").unwrap();
        assert_eq!(c.backup.every.0, std::time::Duration::from_secs(6 * 3600));
        assert_eq!(c.backup.keep, 3);
        let e = toml::from_str::<Config>("[backup]\nevery = \"6 hours\"\n").unwrap_err().to_string();
        assert!(e.contains("backup.every") && e.contains("6 hours"), "{e}");
    }

    #[test]
    fn the_configuration_never_prints_the_database_password() {
        let env = |k: &str| (k == "ZHUQI_DB").then(|| "postgres://zhuqi:pa55w0rd@127.0.0.1:5432/zhuqi".to_string());
        let c = Config::load(None, &env).unwrap();
        for shown in [format!("{c:?}"), format!("{c:#?}"), format!("cannot open database {}", c.db)] {
            assert!(!shown.contains("pa55w0rd"), "{shown}");
            assert!(shown.contains("postgres://zhuqi:***@127.0.0.1:5432/zhuqi"), "{shown}");
        }
        assert_eq!(c.db.expose(), "postgres://zhuqi:pa55w0rd@127.0.0.1:5432/zhuqi");
    }
    #[test]
    fn the_configuration_never_prints_the_webhook_secret() {
        let env = |k: &str| match k {
            "ZHUQI_WEBHOOK_URL" => Some("http://127.0.0.1:9/hook".to_string()),
            "ZHUQI_WEBHOOK_SECRET" => Some("hm4c-k3y".to_string()),
            _ => None,
        };
        let c = Config::load(None, &env).unwrap();
        for shown in [format!("{c:?}"), format!("{c:#?}"), format!("{:?}", c.app_config())] {
            assert!(!shown.contains("hm4c-k3y"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
        assert_eq!(c.webhook.secret.expose(), "hm4c-k3y");
    }
}
