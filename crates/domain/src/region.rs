//! The region tree: city → district (片区) → township/street. A district is
//! one level of the tree, so other campaigns (grids, communities) fit too.

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
}

/// One row of the bundled 丽水 divisions file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionRow {
    pub district_code: String,
    pub district: String,
    pub township_code: String,
    pub township: String,
    pub kind: String,
}

/// The official township-level divisions of 丽水 (NBS 2023 codes) and the
/// development zone, bundled in the binary.
pub const LISHUI_DIVISIONS_CSV: &str = include_str!("../../../data/lishui-divisions.csv");

/// Parses the bundled divisions file (header skipped, blank lines ignored).
pub fn lishui_divisions() -> Vec<DivisionRow> {
    LISHUI_DIVISIONS_CSV
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.trim().split(',').collect();
            match f.as_slice() {
                [dc, d, tc, t, k] => Some(DivisionRow {
                    district_code: dc.to_string(),
                    district: d.to_string(),
                    township_code: tc.to_string(),
                    township: t.to_string(),
                    kind: k.to_string(),
                }),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn bundled_divisions_hold_ten_districts_and_173_official_townships() {
        let rows = lishui_divisions();
        let districts: BTreeSet<&str> = rows.iter().map(|r| r.district.as_str()).collect();
        assert_eq!(districts.len(), 10, "{districts:?}");
        assert!(districts.contains("丽水经济技术开发区"));
        let official = rows.iter().filter(|r| r.district != "丽水经济技术开发区").count();
        assert_eq!(official, 173);
    }
}
