//! Values that must never be printed: a [`Secret`] (the webhook's HMAC key)
//! and a [`DatabaseUrl`] (whose password must not reach a log line, an
//! error message or a `Debug` dump of the configuration). Both read back
//! only through `expose`, so every use of the real value is visible.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A secret string. `Debug` and `Display` print `[redacted]` (`[empty]`
/// when unset, which is not a secret); [`Secret::expose`] gives the value.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The value itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn shown(&self) -> &'static str {
        if self.0.is_empty() {
            "[empty]"
        } else {
            "[redacted]"
        }
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.shown())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shown())
    }
}

/// Where the database is: a SQLite file path or a `postgres://` URL.
/// `Debug` and `Display` print it with any password replaced by `***`
/// (in the user info and in a `password=` parameter), so it can be named
/// in messages; [`DatabaseUrl::expose`] gives the URL to connect with.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The URL or path itself, to connect with.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A `postgres://` or `postgresql://` URL (else a SQLite path or URL).
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    /// The URL with its passwords replaced by `***`.
    pub fn redacted(&self) -> String {
        let s = &self.0;
        let Some(scheme_end) = s.find("://").map(|i| i + 3) else { return s.clone() };
        let (scheme, rest) = s.split_at(scheme_end);
        // The authority ends at the path or the query.
        let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(auth_end);
        let authority = match authority.rfind('@') {
            Some(at) => {
                let (user_info, host) = authority.split_at(at);
                match user_info.split_once(':') {
                    Some((user, _)) => format!("{user}:***{host}"),
                    None => authority.to_string(),
                }
            }
            None => authority.to_string(),
        };
        let tail = match tail.split_once('?') {
            Some((path, query)) => {
                let params: Vec<String> = query
                    .split('&')
                    .map(|p| match p.split_once('=') {
                        Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                        _ => p.to_string(),
                    })
                    .collect();
                format!("{path}?{}", params.join("&"))
            }
            None => tail.to_string(),
        };
        format!("{scheme}{authority}{tail}")
    }
}

impl From<&str> for DatabaseUrl {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

impl From<String> for DatabaseUrl {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_its_value() {
        let s = Secret::new("s3cret-key");
        for shown in [format!("{s}"), format!("{s:?}"), format!("{s:#?}"), format!("{:?}", Some(&s))] {
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
        assert_eq!(s.expose(), "s3cret-key");
        assert_eq!(format!("{}", Secret::default()), "[empty]");
    }

    #[test]
    fn a_database_url_prints_without_its_password() {
        for (url, shown) in [
            ("postgres://zhuqi:pa55w0rd@127.0.0.1:5432/zhuqi", "postgres://zhuqi:***@127.0.0.1:5432/zhuqi"),
            ("postgresql://u:p%40ss@db.example/x?sslmode=require", "postgresql://u:***@db.example/x?sslmode=require"),
            ("postgres://u:pa55w0rd@h", "postgres://u:***@h"),
            ("postgres://u@h/db?password=pa55w0rd&sslmode=disable", "postgres://u@h/db?password=***&sslmode=disable"),
            ("postgres://postgres@127.0.0.1:5432/postgres", "postgres://postgres@127.0.0.1:5432/postgres"),
            ("./zhuqi.db", "./zhuqi.db"),
            ("sqlite://data/z.db?mode=rwc", "sqlite://data/z.db?mode=rwc"),
        ] {
            let u = DatabaseUrl::new(url);
            assert_eq!(u.to_string(), shown);
            let debug = format!("{u:?}");
            assert!(debug.contains(shown), "{debug}");
            assert!(!debug.contains("pa55w0rd") && !debug.contains("p%40ss"), "{debug}");
            assert_eq!(u.expose(), url);
        }
        assert!(DatabaseUrl::new("postgresql://h/d").is_postgres());
        assert!(!DatabaseUrl::new("./zhuqi.db").is_postgres());
    }
}
