//! Demand category codes (诉求分类, DESIGN §3.1): a two-digit major code
//! ("01") or a four-digit minor code whose first two digits are its major
//! ("0101"), and the major → minors tree pages and reports show.

use crate::error::FieldError;
use std::fmt;

/// A category code that follows the rule: two ASCII digits (a major) or four
/// (a minor). Once a value exists it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategoryCode(String);

impl CategoryCode {
    /// Digits of a major code.
    pub const MAJOR_LEN: usize = 2;
    /// Digits of a minor code.
    pub const MINOR_LEN: usize = 4;

    /// Accepts `01` or `0101` (surrounding spaces trimmed); the error names
    /// the `category` field.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        let digits = s.bytes().all(|b| b.is_ascii_digit());
        if digits && (s.len() == Self::MAJOR_LEN || s.len() == Self::MINOR_LEN) {
            Ok(Self(s.to_string()))
        } else {
            Err(FieldError::new("category", format!("“{s}”不是有效的诉求类别代码 (a category code is 2 or 4 digits)")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A major category (大类), e.g. `01`.
    pub fn is_major(&self) -> bool {
        self.0.len() == Self::MAJOR_LEN
    }

    /// A minor category (小类), e.g. `0101`: what a demand is filed under.
    pub fn is_minor(&self) -> bool {
        self.0.len() == Self::MINOR_LEN
    }

    /// The major code this code belongs to (itself for a major).
    pub fn major(&self) -> &str {
        &self.0[..Self::MAJOR_LEN]
    }

    /// Whether the text is a valid major code (for codes read back from rows).
    pub fn is_major_code(s: &str) -> bool {
        Self::parse(s).is_ok_and(|c| c.is_major())
    }

    /// Whether the text is a valid minor code (for codes read back from rows).
    pub fn is_minor_code(s: &str) -> bool {
        Self::parse(s).is_ok_and(|c| c.is_minor())
    }
}

impl fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CategoryCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The category tree: each major (in the order given) with its minors (in the
/// order given). Items whose code is neither are left out; a minor whose
/// major is absent is left out too.
pub fn group_by_major<T>(items: &[T], code: impl Fn(&T) -> &str) -> Vec<(&T, Vec<&T>)> {
    let parsed: Vec<(Option<CategoryCode>, &T)> =
        items.iter().map(|i| (CategoryCode::parse(code(i)).ok(), i)).collect();
    parsed
        .iter()
        .filter_map(|(c, major)| c.as_ref().filter(|c| c.is_major()).map(|c| (c, *major)))
        .map(|(mc, major)| {
            let minors = parsed
                .iter()
                .filter(|(c, _)| c.as_ref().is_some_and(|c| c.is_minor() && c.major() == mc.as_str()))
                .map(|(_, m)| *m)
                .collect();
            (major, minors)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_two_or_four_digits() {
        for ok in ["01", "0101", " 09 ", "9999"] {
            assert!(CategoryCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "0", "012", "01011", "0a", "01 1", "０１", "-1", "01-1"] {
            assert_eq!(CategoryCode::parse(bad).unwrap_err().field, "category", "{bad}");
        }
    }

    #[test]
    fn a_code_knows_its_major() {
        let major = CategoryCode::parse("01").unwrap();
        let minor = CategoryCode::parse(" 0102").unwrap();
        assert!(major.is_major() && !major.is_minor());
        assert!(minor.is_minor() && !minor.is_major());
        assert_eq!((major.major(), minor.major(), minor.as_str()), ("01", "01", "0102"));
        assert!(CategoryCode::is_major_code("02") && !CategoryCode::is_major_code("0201"));
        assert!(CategoryCode::is_minor_code("0201") && !CategoryCode::is_minor_code("02x1"));
    }

    #[test]
    fn the_tree_keeps_order_and_drops_orphans() {
        let items = ["02", "0101", "01", "0201", "0102", "0301", "x", "0202"];
        let tree = group_by_major(&items, |s| s);
        let got: Vec<(&str, Vec<&str>)> =
            tree.into_iter().map(|(m, ms)| (*m, ms.into_iter().copied().collect())).collect();
        assert_eq!(got, vec![("02", vec!["0201", "0202"]), ("01", vec!["0101", "0102"])]);
    }
}
