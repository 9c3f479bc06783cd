//! A small builder for the dynamic WHERE clauses of scoped, filtered lists,
//! numbering `$n` placeholders itself so the SQL runs on both engines.

use serde::Serialize;
use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::Any;

/// A bind value.
#[derive(Debug, Clone)]
pub enum Val {
    I(i64),
    S(String),
}

/// SQL text plus its binds.
#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    binds: Vec<Val>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self { text: text.to_string(), binds: Vec::new() }
    }

    /// Appends raw SQL.
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder bound to `v`.
    pub fn bind(&mut self, v: Val) -> &mut Self {
        self.binds.push(v);
        self.text.push_str(&format!("${}", self.binds.len()));
        self
    }

    pub fn bind_i(&mut self, v: i64) -> &mut Self {
        self.bind(Val::I(v))
    }

    pub fn bind_s(&mut self, v: impl Into<String>) -> &mut Self {
        self.bind(Val::S(v.into()))
    }

    /// The binds as rusqlite values (SQLite numbers `$n` in order of first
    /// appearance, which is the order they were bound in).
    pub fn sqlite_values(&self) -> Vec<rusqlite::types::Value> {
        self.binds
            .iter()
            .map(|b| match b {
                Val::I(i) => rusqlite::types::Value::Integer(*i),
                Val::S(s) => rusqlite::types::Value::Text(s.clone()),
            })
            .collect()
    }

    /// A new statement `prefix` + this one's text, with the same binds (for
    /// running a count and a page over one WHERE clause).
    pub fn prefixed(&self, prefix: &str) -> Sql {
        Sql { text: format!("{prefix}{}", self.text), binds: self.binds.clone() }
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for b in &self.binds {
            q = match b {
                Val::I(i) => q.bind(*i),
                Val::S(s) => q.bind(s.clone()),
            };
        }
        q
    }

    pub fn query_as<T>(&self) -> QueryAs<'_, Any, T, AnyArguments<'_>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        let mut q = sqlx::query_as::<Any, T>(&self.text);
        for b in &self.binds {
            q = match b {
                Val::I(i) => q.bind(*i),
                Val::S(s) => q.bind(s.clone()),
            };
        }
        q
    }

    pub fn scalar<T>(&self) -> QueryScalar<'_, Any, T, AnyArguments<'_>>
    where
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        let mut q = sqlx::query_scalar::<Any, T>(&self.text);
        for b in &self.binds {
            q = match b {
                Val::I(i) => q.bind(*i),
                Val::S(s) => q.bind(s.clone()),
            };
        }
        q
    }
}

/// Page request: 1-based page number and page size (capped at 500).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Default for Page {
    fn default() -> Self {
        Self { page: 1, per_page: 50 }
    }
}

impl Page {
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Self {
        Self { page: page.unwrap_or(1).max(1), per_page: per_page.unwrap_or(50).clamp(1, 500) }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    pub fn total_pages(&self, total: i64) -> i64 {
        ((total + self.per_page - 1) / self.per_page).max(1)
    }
}

/// One page of a list, in the API's list shape.
#[derive(Debug, Clone, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A domain status set as the inside of an SQL `IN (…)`: `'dispatched',
/// 'handling'`. Statuses are fixed identifiers (`[a-z_]`), so they are safe
/// as literals, and a literal list keeps the statement text — and its plan —
/// the same on every call.
pub fn status_list(set: &[zhuqi_domain::demand::Status]) -> String {
    set.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod status_list_tests {
    use zhuqi_domain::demand::Status;

    #[test]
    fn a_set_renders_as_quoted_literals() {
        assert_eq!(super::status_list(&Status::CLOCK_RUNNING), "'dispatched', 'handling'");
        assert_eq!(super::status_list(&Status::SWEPT), "'dispatched', 'handling', 'replied'");
        for s in Status::ALL {
            assert!(s.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{s:?}");
        }
    }
}
