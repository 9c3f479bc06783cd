//! The region tree: city → district (片区) → township/street. A district is
//! one level of the tree, so other campaigns (grids, communities) fit too.

use crate::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    City,
    District,
    Township,
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::City => "city",
            RegionLevel::District => "district",
            RegionLevel::Township => "township",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "city" => Some(RegionLevel::City),
            "district" => Some(RegionLevel::District),
            "township" => Some(RegionLevel::Township),
            _ => None,
        }
    }

    /// The level of a region added under a region of this level: a city
    /// holds districts, a district townships; a township holds nothing.
    pub fn child(self) -> Option<Self> {
        match self {
            RegionLevel::City => Some(RegionLevel::District),
            RegionLevel::District => Some(RegionLevel::Township),
            RegionLevel::Township => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RegionLevel::City => "市",
            RegionLevel::District => "片区",
            RegionLevel::Township => "乡镇街道",
        }
    }
}

/// The longest region name accepted (characters).
pub const MAX_REGION_NAME: usize = 50;

/// The level of a new region under `parent`, or the error naming
/// `parent_id` (a township holds no regions).
pub fn level_under(parent: RegionLevel) -> Result<RegionLevel, FieldError> {
    parent.child().ok_or_else(|| {
        FieldError::new(
            "parent_id",
            "乡镇街道下不能再添加区划，请选择市或片区 (a township holds no regions: choose the city or a district)",
        )
    })
}

/// A region's name, trimmed: 1 to [`MAX_REGION_NAME`] characters.
pub fn region_name(name: &str) -> Result<String, FieldError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > MAX_REGION_NAME {
        return Err(FieldError::new(
            "name",
            format!("名称不能为空且不超过{MAX_REGION_NAME}字 (name is required, at most {MAX_REGION_NAME} characters)"),
        ));
    }
    Ok(n.to_string())
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The 4-digit prefix every official code of the city shares (丽水: 3311),
/// read from the parent's code (the city's 331100, a district's 331102 or
/// the development zone's unofficial 331100KFQ alike); `None` when the
/// parent's code does not start with four digits.
fn city_prefix(parent_code: &str) -> Option<&str> {
    parent_code.get(..4).filter(|p| all_digits(p))
}

/// Checks an official division code (GB/T 2260 and the NBS township codes)
/// for a region of `level` under a parent with code `parent_code`:
///
/// - a district: 6 digits under the city's prefix (the first 4 digits of the
///   city's code), not the city's own code and not ending in `00`;
/// - a township: 9 digits under its district's 6-digit code, or — when the
///   district has no official code (a development zone) — under the city's
///   prefix.
///
/// The error names `code`.
pub fn check_official_code(level: RegionLevel, parent_code: &str, code: &str) -> Result<(), FieldError> {
    let bad = |why: String| Err(FieldError::new("code", why));
    match level {
        RegionLevel::City => bad("不能添加市级区划 (the city is not added here)".into()),
        RegionLevel::District => {
            let Some(prefix) = city_prefix(parent_code) else {
                return bad(format!("上级代码“{parent_code}”不是正式代码 (the parent's code is not official)"));
            };
            if code.len() != 6 || !all_digits(code) || !code.starts_with(prefix) || code.ends_with("00") {
                return bad(format!(
                    "片区代码应为以{prefix}开头的6位数字（如{prefix}02），实际为“{code}”；无正式代码的片区（如开发区）请留空自动生成 \
                     (a district code is 6 digits starting with {prefix}, e.g. {prefix}02, got '{code}'; \
                     leave it empty for a district without an official code, e.g. a development zone)"
                ));
            }
            Ok(())
        }
        RegionLevel::Township => {
            let prefix = if parent_code.len() == 6 && all_digits(parent_code) {
                parent_code
            } else {
                match city_prefix(parent_code) {
                    Some(p) => p,
                    None => {
                        return bad(format!("上级代码“{parent_code}”不是正式代码 (the parent's code is not official)"))
                    }
                }
            };
            if code.len() != 9 || !all_digits(code) || !code.starts_with(prefix) {
                return bad(format!(
                    "乡镇街道代码应为以{prefix}开头的9位数字，实际为“{code}”；无正式代码请留空自动生成 \
                     (a township code is 9 digits starting with {prefix}, got '{code}'; leave it empty to generate one)"
                ));
            }
            Ok(())
        }
    }
}

/// The marker of a generated, unofficial region code.
pub const GENERATED_MARK: char = 'X';

/// The `n`-th generated code under a parent: `<parent code>X01`, `X02`, …
/// (three digits from 100 on). Official codes are all digits, so a code
/// with `X` in it is visibly not one, and never collides with one.
pub fn generated_code(parent_code: &str, n: u32) -> String {
    format!("{parent_code}{GENERATED_MARK}{n:02}")
}

/// True for a code that is not an official division code (generated, or
/// like the demo's development zone 331100KFQ).
pub fn is_unofficial(code: &str) -> bool {
    !all_digits(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_follows_from_the_parent() {
        assert_eq!(level_under(RegionLevel::City), Ok(RegionLevel::District));
        assert_eq!(level_under(RegionLevel::District), Ok(RegionLevel::Township));
        assert_eq!(level_under(RegionLevel::Township).map_err(|e| e.field), Err("parent_id".to_string()));
        for l in [RegionLevel::City, RegionLevel::District, RegionLevel::Township] {
            assert_eq!(RegionLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(RegionLevel::parse("grid"), None);
    }

    #[test]
    fn district_codes_are_six_digits_under_the_city() {
        let d = RegionLevel::District;
        assert!(check_official_code(d, "331100", "331102").is_ok());
        assert!(check_official_code(d, "331100", "331181").is_ok());
        for bad in ["33110", "3311022", "330102", "331100", "3311A2", "", "331100X01"] {
            let e = check_official_code(d, "331100", bad).unwrap_err();
            assert_eq!(e.field, "code", "{bad}");
            assert!(e.message.contains("3311"), "{}", e.message);
        }
    }

    #[test]
    fn township_codes_are_nine_digits_under_the_district() {
        let t = RegionLevel::Township;
        assert!(check_official_code(t, "331102", "331102100").is_ok());
        assert!(check_official_code(t, "331102", "331121101").is_err(), "another district's prefix");
        assert!(check_official_code(t, "331102", "33110210").is_err());
        assert!(check_official_code(t, "331102", "3311021000").is_err());
        assert!(check_official_code(t, "331102", "33110210A").is_err());
        // A development zone has no official code: its townships keep their
        // official codes, which only share the city's prefix.
        assert!(check_official_code(t, "331100KFQ", "331102008").is_ok());
        assert!(check_official_code(t, "331100X01", "331102008").is_ok());
        assert!(check_official_code(t, "331100KFQ", "330102008").is_err());
        assert!(check_official_code(RegionLevel::City, "", "331100").is_err());
    }

    #[test]
    fn generated_codes_are_visibly_unofficial() {
        assert_eq!(generated_code("331100", 1), "331100X01");
        assert_eq!(generated_code("331102", 12), "331102X12");
        assert_eq!(generated_code("331100", 100), "331100X100");
        assert!(is_unofficial("331100X01"));
        assert!(is_unofficial("331100KFQ"));
        assert!(!is_unofficial("331102"));
        // A generated code is never accepted as an official one.
        assert!(check_official_code(RegionLevel::District, "331100", &generated_code("331100", 1)).is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(region_name("  开发区 "), Ok("开发区".to_string()));
        assert_eq!(region_name("   ").unwrap_err().field, "name");
        assert!(region_name(&"区".repeat(MAX_REGION_NAME)).is_ok());
        assert!(region_name(&"区".repeat(MAX_REGION_NAME + 1)).is_err());
    }
}
