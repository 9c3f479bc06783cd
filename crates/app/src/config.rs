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
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            lockout_threshold: 5,
            lockout_minutes: 15,
            password: PasswordPolicy::default(),
        }
    }
}
