//! The demo's text corpus: tab-separated data files under `data/`,
//! compiled in with `include_str!` and parsed once on first use.
//!
//! Every file is UTF-8, one record a line, fields separated by one tab; a
//! line starting with `#` is a comment (each file's first line names its
//! columns); an empty field is an empty text. "List" files hold `name`,
//! `text` pairs: a list is the texts of its name in file order. The order
//! of every file is part of the demo: the seeded generators pick by index,
//! so reordering a line changes the generated city.
//!
//! A file that does not parse makes the demo builds fail with an internal
//! error ([`check`]) instead of panicking; the unit tests parse every file
//! and check its counts.

use std::collections::HashMap;
use std::sync::LazyLock;
use zhuqi_app::{AppError, Result};

/// The records of a data file: its non-comment, non-blank lines split on
/// tabs, each with exactly `columns` fields.
/// A corpus parsed once on first use; a file that does not parse leaves an
/// empty corpus and an error [`Loaded::check`] reports (the build refuses).
pub(crate) struct Loaded<T: 'static> {
    parsed: LazyLock<std::result::Result<T, String>>,
    empty: LazyLock<T>,
}

impl<T: Default> Loaded<T> {
    pub(crate) const fn new(load: fn() -> std::result::Result<T, String>) -> Self {
        Self { parsed: LazyLock::new(load), empty: LazyLock::new(T::default) }
    }

    /// The corpus (empty if a file does not parse).
    pub(crate) fn get(&'static self) -> &'static T {
        self.parsed.as_ref().unwrap_or(&self.empty)
    }

    /// Fails when a file of the corpus does not parse.
    pub(crate) fn check(&'static self) -> std::result::Result<(), String> {
        self.parsed.as_ref().map(|_| ()).map_err(Clone::clone)
    }
}

pub(crate) fn rows(
    file: &str,
    text: &'static str,
    columns: usize,
) -> std::result::Result<Vec<Vec<&'static str>>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&'static str> = line.split('\t').collect();
        if fields.len() != columns {
            return Err(format!("{file}:{}: {} fields, expected {columns}", i + 1, fields.len()));
        }
        out.push(fields);
    }
    Ok(out)
}

/// The lists of a two-column `name`, `text` file, by name, in file order.
pub(crate) fn lists(file: &str, text: &'static str) -> std::result::Result<Lists, String> {
    let mut by_name: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    for row in rows(file, text, 2)? {
        if let [name, text] = row[..] {
            by_name.entry(name).or_default().push(text);
        }
    }
    Ok(Lists { file: file.to_string(), by_name })
}

/// The lists of one list file.
pub(crate) struct Lists {
    file: String,
    by_name: HashMap<&'static str, Vec<&'static str>>,
}

impl Lists {
    /// The list `name` (an error when the file has none).
    pub(crate) fn list(&self, name: &str) -> std::result::Result<Vec<&'static str>, String> {
        self.by_name.get(name).cloned().ok_or_else(|| format!("{}: no list {name}", self.file))
    }

    /// The one text of the list `name`.
    pub(crate) fn one(&self, name: &str) -> std::result::Result<&'static str, String> {
        match self.list(name)?[..] {
            [text] => Ok(text),
            ref other => Err(format!("{}: list {name} has {} texts, expected 1", self.file, other.len())),
        }
    }
}

/// A number field.
pub(crate) fn number<T: std::str::FromStr>(file: &str, field: &str) -> std::result::Result<T, String> {
    field.parse().map_err(|_| format!("{file}: {field:?} is not a number"))
}

/// A comma-separated list field ("" is the empty list).
pub(crate) fn split_list(field: &'static str) -> Vec<&'static str> {
    if field.is_empty() {
        Vec::new()
    } else {
        field.split(',').collect()
    }
}

/// Fails when a data file of the corpus does not parse.
pub fn check() -> Result<()> {
    crate::city::corpus::CORPUS
        .check()
        .and(crate::demands::corpus::CORPUS.check())
        .and(crate::visits::corpus::CORPUS.check())
        .map_err(AppError::Internal)
}

#[cfg(test)]
mod tests;
