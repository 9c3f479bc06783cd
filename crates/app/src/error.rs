//! The application error: what the adapters map to HTTP statuses and CLI
//! exit codes. Internal causes are logged, never shown.

use zhuqi_domain::FieldError;
use zhuqi_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in, or the session has expired.
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong username or password (deliberately not saying which).
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many failed logins; locked until the given instant (ms).
    #[error("account locked until {0}")]
    Locked(i64),
    /// Signed in, but the role may not do this at all.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Does not exist, or is outside the actor's scope (indistinguishable on purpose).
    #[error("not found: {0}")]
    NotFound(String),
    /// Input broke a rule; names the field.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// Several input errors at once (imports: row, column, reason).
    #[error("{} problems in the input", .0.len())]
    InvalidRows(Vec<RowError>),
    /// It exists, but its content is lost: an attachment whose file (or
    /// blob) is missing or no longer matches its hash (410, `file_missing`).
    #[error("{0}")]
    Gone(String),
    /// Conflicts with existing data (duplicate, stale version).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Signed in with a one-time password: nothing but the own account and
    /// the password change until a password of one's own is chosen.
    #[error("password change required")]
    PasswordChangeRequired,
    /// A fault of ours. The text (with the cause's whole source chain when it
    /// comes from an error value) is logged with the request id, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

/// One bad cell of an import file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// 1-based line/row number in the file (header is row 1).
    pub row: usize,
    /// Column header as written in the file.
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, column {}: {}", self.row, self.column, self.message)
    }
}

/// An error with its whole source chain (`outer: inner: …`), so that the log
/// keeps what `to_string` alone would drop.
pub fn with_sources(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        next = s.source();
    }
    out
}

/// The message of a unique-constraint violation no use case turned into a
/// field error: the database's text (table, column, key) is logged, not shown.
pub const DUPLICATE: &str = "已存在相同的记录 (already exists: a record with the same key)";

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unique(m) => {
                tracing::info!(detail = %m, "unique constraint violated");
                AppError::Conflict(DUPLICATE.into())
            }
            other => AppError::Internal(with_sources(&other)),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl From<zhuqi_store::SqlxError> for AppError {
    fn from(e: zhuqi_store::SqlxError) -> Self {
        StoreError::from(e).into()
    }
}
