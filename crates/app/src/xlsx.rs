//! Text cells of every Excel file the platform writes, safe from formula
//! injection by construction: a text that starts with `=`, `+`, `-`, `@`, a
//! tab or a carriage return is written with a leading apostrophe (the OWASP
//! rule for spreadsheet exports), so Excel and WPS show it as text and never
//! evaluate it — not when the file is opened, not after the cell is edited,
//! not after a save as CSV and a re-open. Every text cell of every export
//! goes through [`write_text`]; a test fails when a `write_string` call
//! appears anywhere else in the application layer.

use rust_xlsxwriter::{Format, Worksheet, XlsxError};
use std::borrow::Cow;

/// Whether Excel or WPS would read `s` as the start of a formula.
pub fn formula_like(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// `s` as it is written into a cell: formula-like text behind an apostrophe.
pub fn neutralised(s: &str) -> Cow<'_, str> {
    if formula_like(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Writes a text cell (with `format`, if any), neutralised.
pub fn write_text<'w>(
    ws: &'w mut Worksheet,
    row: u32,
    col: u16,
    text: impl AsRef<str>,
    format: Option<&Format>,
) -> Result<&'w mut Worksheet, XlsxError> {
    let text = neutralised(text.as_ref());
    match format {
        Some(f) => ws.write_string_with_format(row, col, text.as_ref(), f),
        None => ws.write_string(row, col, text.as_ref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_written_behind_an_apostrophe() {
        for s in ["=1+1", "+86 571", "-2", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"http://evil.example\",\"点此\")"]
        {
            assert_eq!(neutralised(s), format!("'{s}"), "{s:?}");
        }
        for s in ["", "丽水市金华合成革有限公司", "13800000001", "2026-11-18", "a=b", " =1", "'quoted"] {
            assert_eq!(neutralised(s), s, "{s:?}");
        }
    }

    /// Safe by construction: no other place in the application layer writes a text cell.
    #[test]
    fn every_text_cell_goes_through_write_text() {
        fn visit(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    visit(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("xlsx.rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let is_test_file = path.file_name().is_some_and(|n| n == "tests.rs");
                    if !is_test_file && text.contains(".write_string") {
                        found.push(path.display().to_string());
                    }
                }
            }
        }
        let mut found = Vec::new();
        visit(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
        assert!(found.is_empty(), "text cells written around crate::xlsx::write_text: {found:?}");
    }
}
