//! Settings of the application layer (sessions, lockout, passwords), part of
//! the `zhuqi` configuration file's `[auth]` table.

use serde::{Deserialize, Serialize};
use zhuqi_domain::password::PasswordPolicy;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppConfig {
    /// Minutes of inactivity after which a session ends.
    pub session_idle_minutes: i64,
    /// Hours after sign-in after which a session ends regardless of activity.
    pub session_absolute_hours: i64,
    /// Failed logins in a row that lock an account.
    pub lockout_threshold: i64,
    /// Minutes an account stays locked.
    pub lockout_minutes: i64,
    pub password: PasswordPolicy,
    /// Attachments: where the bytes go and the size limits. Not part of the
    /// `[auth]` table: the CLI reads its own `[attachments]` table into it.
    #[serde(skip)]
    pub attachments: AttachmentConfig,
    /// The address enterprises reach the platform at, without a trailing
    /// slash (QR codes encode `{public_base_url}/c/{token}`). Set by the CLI
    /// from the top-level `public_base_url` key.
    #[serde(skip)]
    pub public_base_url: String,
    /// Limits of the public endpoints (the `[rate_limit]` table).
    #[serde(skip)]
    pub rate_limit: RateLimitConfig,
    /// The webhook channel of notifications (the `[webhook]` table).
    #[serde(skip)]
    pub webhook: crate::webhook::WebhookConfig,
}

/// Limits of the public endpoints (code landing, binding, sign-in): token
/// buckets refilled over `window_seconds`. 0 turns a limit off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    pub window_seconds: u64,
    /// Code landing pages and binding attempts per client IP per window.
    pub code_per_ip: u32,
    /// Landing pages and binding attempts per enterprise code per window.
    pub code_per_token: u32,
    /// Failed sign-ins per client IP per window (successful ones are free).
    pub login_failures_per_ip: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self { window_seconds: 60, code_per_ip: 30, code_per_token: 20, login_failures_per_ip: 20 }
    }
}

/// Where attachments are kept and how large they may be (the
/// `[attachments]` table of the configuration file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttachmentConfig {
    /// Directory for the content-addressed files. Empty: SQLite keeps them
    /// in `<database file>.files/` next to the database, PostgreSQL keeps
    /// them in the database (table `attachment_blobs`).
    pub dir: String,
    /// Largest single file, in MB (MiB).
    pub max_file_mb: u64,
    /// Largest total of all files of one demand (or one visit), in MB (MiB).
    pub max_demand_mb: u64,
}

impl Default for AttachmentConfig {
    fn default() -> Self {
        Self { dir: String::new(), max_file_mb: 10, max_demand_mb: 50 }
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            lockout_threshold: 5,
            lockout_minutes: 15,
            password: PasswordPolicy::default(),
            attachments: AttachmentConfig::default(),
            public_base_url: "http://127.0.0.1:8080".into(),
            rate_limit: RateLimitConfig::default(),
            webhook: crate::webhook::WebhookConfig::default(),
        }
    }
}
