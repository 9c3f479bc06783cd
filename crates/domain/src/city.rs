//! What a new city is made of, before any database: its region tree (the
//! city, its county-level districts in the customary order, their
//! townships, and the zones without an official code), and the default
//! set of 涉企部门. Pure: `zhuqi init` and the demo both write what this
//! module plans (`zhuqi_app::city`).
//!
//! The facts are bundled in the binary (see `data/README.md`):
//! - `zhejiang-divisions.csv`: every township-level division of 浙江 (NBS
//!   2023 统计用区划代码), header
//!   `city_code,city,county_code,county,township_code,township,kind`;
//! - `cn-counties-2024.csv`: every province, city and county of China (2024),
//!   to place a city outside 浙江 and to check its codes;
//! - `zones.csv`: the development zones the product knows that have no
//!   official division code (丽水经济技术开发区), with the townships they lie in;
//! - `departments.csv`: the default departments, as templates of the city's name.
//!
//! A city outside the bundled townships brings its own file in the same
//! columns as `zhejiang-divisions.csv` ([`DivisionTable::parse`]).

use crate::error::FieldError;
use std::collections::BTreeMap;

const ZHEJIANG_CSV: &str = include_str!("../../../data/zhejiang-divisions.csv");
const COUNTIES_CSV: &str = include_str!("../../../data/cn-counties-2024.csv");
const ZONES_CSV: &str = include_str!("../../../data/zones.csv");
const DEPARTMENTS_CSV: &str = include_str!("../../../data/departments.csv");

/// The header of a divisions file.
pub const DIVISIONS_HEADER: &str = "city_code,city,county_code,county,township_code,township,kind";

/// One township-level division with its county and city.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    pub city_code: String,
    pub city: String,
    pub county_code: String,
    pub county: String,
    pub township_code: String,
    pub township: String,
    pub kind: String,
}

/// Township-level divisions of one or more cities.
#[derive(Debug, Clone, Default)]
pub struct DivisionTable {
    pub rows: Vec<Division>,
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn invalid(field: &str, msg: String) -> FieldError {
    FieldError::new(field, msg)
}

impl DivisionTable {
    /// Parses a divisions file (UTF-8, optional BOM, the [`DIVISIONS_HEADER`]
    /// columns). Every problem names its line and column; nothing is
    /// returned unless every row is valid.
    pub fn parse(text: &str) -> Result<DivisionTable, FieldError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let header = lines.next().map(|(_, l)| l.trim().replace(' ', "")).unwrap_or_default();
        if header != DIVISIONS_HEADER {
            return Err(invalid("divisions", format!("第 1 行表头应为 {DIVISIONS_HEADER} (line 1: the header must be {DIVISIONS_HEADER}), 实为 (found) {header}")));
        }
        let mut rows = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, line) in lines {
            let n = i + 1;
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            let [city_code, city, county_code, county, township_code, township, kind] = f.as_slice() else {
                return Err(invalid(
                    "divisions",
                    format!("第 {n} 行应有 7 列 (line {n}: expected 7 columns), 实为 (found) {}", f.len()),
                ));
            };
            let check = |col: &str, v: &str, digits: usize, prefix: &str| -> Result<(), FieldError> {
                if !is_digits(v, digits) || !v.starts_with(prefix) {
                    return Err(invalid(
                        "divisions",
                        format!("第 {n} 行 {col}: “{v}” 不是以 {prefix} 开头的 {digits} 位代码 (line {n}, {col}: not a {digits}-digit code starting with {prefix})"),
                    ));
                }
                Ok(())
            };
            check("city_code", city_code, 6, "")?;
            check("county_code", county_code, 6, city_code.get(..4).unwrap_or(""))?;
            check("township_code", township_code, 9, county_code)?;
            for (col, v) in [("city", city), ("county", county), ("township", township), ("kind", kind)] {
                if v.is_empty() {
                    return Err(invalid("divisions", format!("第 {n} 行 {col} 为空 (line {n}: {col} is empty)")));
                }
            }
            if !seen.insert(township_code.to_string()) {
                return Err(invalid(
                    "divisions",
                    format!(
                        "第 {n} 行: 乡镇代码 {township_code} 重复 (line {n}: township code {township_code} repeated)"
                    ),
                ));
            }
            rows.push(Division {
                city_code: city_code.to_string(),
                city: city.to_string(),
                county_code: county_code.to_string(),
                county: county.to_string(),
                township_code: township_code.to_string(),
                township: township.to_string(),
                kind: kind.to_string(),
            });
        }
        Ok(DivisionTable { rows })
    }

    /// The bundled divisions of 浙江 (1387 rows).
    pub fn zhejiang() -> DivisionTable {
        DivisionTable::parse(ZHEJIANG_CSV).unwrap_or_default()
    }
}

/// A county-level division of China (2024), from the bundled list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct County {
    pub province_code: String,
    pub province: String,
    pub city_code: String,
    pub city: String,
    /// Empty on a city's own row.
    pub county_code: String,
    pub county: String,
}

/// Every row of `cn-counties-2024.csv` (provinces, cities, counties).
pub fn counties() -> Vec<County> {
    COUNTIES_CSV
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.trim().split(',').collect();
            match f.as_slice() {
                [pc, p, cc, c, kc, k] => Some(County {
                    province_code: pc.to_string(),
                    province: p.to_string(),
                    city_code: cc.to_string(),
                    city: c.to_string(),
                    county_code: kc.to_string(),
                    county: k.to_string(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// A zone without an official division code (a development zone, 开发区).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneSpec {
    pub name: String,
    /// Its own code: the city code and a suffix of letters, visibly not official.
    pub code: String,
    pub kind: String,
    /// The official townships the zone lies in; each appears in the zone
    /// under its code plus the zone's suffix, and stays in its county too.
    pub township_codes: Vec<String>,
}

impl ZoneSpec {
    /// What the zone's code adds to the city code (KFQ for 331100KFQ).
    pub fn suffix(&self) -> &str {
        self.code.get(6..).unwrap_or("")
    }
}

/// The bundled zones of a city (`zones.csv`).
pub fn bundled_zones(city_code: &str) -> Vec<ZoneSpec> {
    ZONES_CSV
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.trim().split(',').collect();
            match f.as_slice() {
                [cc, name, code, kind, townships] if *cc == city_code => Some(ZoneSpec {
                    name: name.to_string(),
                    code: code.to_string(),
                    kind: kind.to_string(),
                    township_codes: townships.split(';').filter(|t| !t.is_empty()).map(str::to_string).collect(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// A region to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionSpec {
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// A district (county-level division or zone) with its townships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictSpec {
    pub region: RegionSpec,
    /// The 6-digit division code of the district's registrations (a zone:
    /// the city's).
    pub division: String,
    pub townships: Vec<RegionSpec>,
    /// Townships also listed under a zone (the official code, not suffixed).
    pub zone_managed: Vec<String>,
    /// True for a zone without an official code.
    pub is_zone: bool,
}

/// The region tree of a new city.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CityRegions {
    pub city: RegionSpec,
    /// 浙江省 for 丽水.
    pub province: String,
    pub districts: Vec<DistrictSpec>,
}

impl CityRegions {
    pub fn townships(&self) -> usize {
        self.districts.iter().map(|d| d.townships.len()).sum()
    }

    /// The city's name without 市 (丽水 for 丽水市), for names like 国网丽水供电公司.
    pub fn short_name(&self) -> &str {
        self.city.name.strip_suffix('市').unwrap_or(&self.city.name)
    }
}

/// The kind of a county-level division, from its name as the 统计用区划代码
/// names it: 市辖区, 县级市, 自治县, 县, 旗, 自治旗, 林区, 特区.
pub fn county_kind(name: &str) -> &'static str {
    if name.ends_with("自治县") {
        "自治县"
    } else if name.ends_with("自治旗") {
        "自治旗"
    } else if name.ends_with("林区") {
        "林区"
    } else if name.ends_with("特区") {
        "特区"
    } else if name.ends_with('区') {
        "市辖区"
    } else if name.ends_with('市') {
        "县级市"
    } else if name.ends_with('旗') {
        "旗"
    } else {
        "县"
    }
}

/// The customary listing order of county-level divisions in official
/// documents: 市辖区, then 县级市, then 县 and 旗, then the autonomous ones,
/// each by code (丽水: 莲都区, 龙泉市, 青田县 … 景宁畲族自治县).
fn kind_rank(kind: &str) -> u8 {
    match kind {
        "市辖区" => 0,
        "县级市" => 1,
        "县" | "旗" => 2,
        "自治县" | "自治旗" => 3,
        "林区" | "特区" => 4,
        _ => 5,
    }
}

/// An extra district (a zone with no official code) asked for on the
/// command line: `名称` or `名称=township_code;township_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraDistrict {
    pub name: String,
    pub township_codes: Vec<String>,
}

impl ExtraDistrict {
    /// `丽水经济技术开发区` or `丽水经济技术开发区=331102008`.
    pub fn parse(s: &str) -> Result<ExtraDistrict, FieldError> {
        let (name, towns) = s.split_once('=').unwrap_or((s, ""));
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(invalid(
                "extra_district",
                format!("片区名称应为 1–40 个字 (the name must be 1–40 characters): “{s}”"),
            ));
        }
        let township_codes: Vec<String> =
            towns.split([';', ',']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect();
        if let Some(bad) = township_codes.iter().find(|t| !is_digits(t, 9)) {
            return Err(invalid("extra_district", format!("“{bad}” 不是 9 位乡镇代码 (not a 9-digit township code)")));
        }
        Ok(ExtraDistrict { name: name.to_string(), township_codes })
    }
}

/// Plans the region tree of city `city_code` from `table` (the bundled 浙江
/// divisions or the city's own file), the bundled zones of that city and
/// the `extra` districts. A city found in the county list but not in the
/// table gets its districts without townships (an admin adds them later).
pub fn plan_regions(
    city_code: &str,
    table: &DivisionTable,
    extra: &[ExtraDistrict],
) -> Result<CityRegions, FieldError> {
    if !is_digits(city_code, 6) || !city_code.ends_with("00") || city_code.ends_with("0000") {
        return Err(invalid(
            "city",
            format!("“{city_code}” 不是 6 位地级市代码，如 331100 (not a 6-digit prefecture-level city code such as 331100)"),
        ));
    }
    let rows: Vec<&Division> = table.rows.iter().filter(|r| r.city_code == city_code).collect();
    let all_counties = counties();
    let listed: Vec<&County> = all_counties.iter().filter(|c| c.city_code == city_code).collect();
    let province_code = format!("{}0000", city_code.get(..2).unwrap_or(""));
    let province =
        all_counties.iter().find(|c| c.province_code == province_code).map(|c| c.province.clone()).unwrap_or_default();
    let city_name = rows
        .first()
        .map(|r| r.city.clone())
        .or_else(|| listed.first().map(|c| c.city.clone()))
        .ok_or_else(|| {
            invalid(
                "city",
                format!("未找到代码为 {city_code} 的地级市；请用 --divisions 提供区划文件 (no city with code {city_code} in the bundled data; give its divisions with --divisions FILE.csv)"),
            )
        })?;

    // County-level divisions: from the table when it has townships, else
    // from the county list.
    let mut counties_of: BTreeMap<String, (String, Vec<RegionSpec>)> = BTreeMap::new();
    for r in &rows {
        let e = counties_of.entry(r.county_code.clone()).or_insert_with(|| (r.county.clone(), Vec::new()));
        e.1.push(RegionSpec { code: r.township_code.clone(), name: r.township.clone(), kind: r.kind.clone() });
    }
    if rows.is_empty() {
        for c in listed.iter().filter(|c| !c.county_code.is_empty() && c.county != "市辖区") {
            counties_of.entry(c.county_code.clone()).or_insert_with(|| (c.county.clone(), Vec::new()));
        }
    }
    let mut districts: Vec<DistrictSpec> = counties_of
        .into_iter()
        .map(|(code, (name, mut townships))| {
            townships.sort_by(|a, b| a.code.cmp(&b.code));
            let kind = county_kind(&name).to_string();
            DistrictSpec {
                region: RegionSpec { code: code.clone(), name, kind },
                division: code,
                townships,
                zone_managed: Vec::new(),
                is_zone: false,
            }
        })
        .collect();
    districts
        .sort_by(|a, b| (kind_rank(&a.region.kind), &a.region.code).cmp(&(kind_rank(&b.region.kind), &b.region.code)));

    let mut zones = bundled_zones(city_code);
    for (i, x) in extra.iter().enumerate() {
        if zones.iter().any(|z| z.name == x.name) {
            continue;
        }
        zones.push(ZoneSpec {
            name: x.name.clone(),
            code: format!("{city_code}X{:02}", i + 1),
            kind: "开发区".to_string(),
            township_codes: x.township_codes.clone(),
        });
    }
    for z in &zones {
        if districts.iter().any(|d| d.region.name == z.name) {
            return Err(invalid(
                "extra_district",
                format!("{} 已是 {city_name} 的区县 (is already a district of {city_name})", z.name),
            ));
        }
        let mut townships = Vec::new();
        for t in &z.township_codes {
            let Some(official) = districts.iter_mut().find_map(|d| {
                let found = d.townships.iter().find(|x| &x.code == t).cloned();
                if found.is_some() {
                    d.zone_managed.push(t.clone());
                }
                found
            }) else {
                return Err(invalid("extra_district", format!("{} 的乡镇代码 {t} 不在 {city_name} 的区划中 (township {t} of {} is not a division of {city_name})", z.name, z.name)));
            };
            townships.push(RegionSpec { code: format!("{}{}", official.code, z.suffix()), ..official });
        }
        districts.push(DistrictSpec {
            region: RegionSpec { code: z.code.clone(), name: z.name.clone(), kind: z.kind.clone() },
            division: city_code.to_string(),
            townships,
            zone_managed: Vec::new(),
            is_zone: true,
        });
    }
    Ok(CityRegions {
        city: RegionSpec { code: city_code.to_string(), name: city_name, kind: String::new() },
        province,
        districts,
    })
}

/// A default department (涉企部门).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentSpec {
    /// Stable code the default catalogue routes to (transport, tax, …).
    pub code: String,
    pub name: String,
    /// 上级单位.
    pub parent_unit: String,
}

/// The default departments of `city`, from `departments.csv`: `{city}`
/// is the city's name (丽水市), `{short}` it without 市 (丽水), `{province}`
/// the province (浙江省).
pub fn default_departments(city: &CityRegions) -> Vec<DepartmentSpec> {
    let fill = |t: &str| {
        t.replace("{city}", &city.city.name).replace("{short}", city.short_name()).replace("{province}", &city.province)
    };
    DEPARTMENTS_CSV
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.trim().split(',').collect();
            match f.as_slice() {
                [code, name, parent] => {
                    Some(DepartmentSpec { code: code.to_string(), name: fill(name), parent_unit: fill(parent) })
                }
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "city_tests.rs"]
mod tests;
