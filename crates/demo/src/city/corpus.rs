//! The city's fixed facts (`data/city_*.tsv`): the districts with their
//! quotas, industries and roads, the departments, and the character pools
//! of personal and trade names.

use crate::corpus::{number, rows, split_list, Loaded};

const DISTRICTS_TSV: &str = include_str!("../../data/city_districts.tsv");
const INDUSTRIES_TSV: &str = include_str!("../../data/city_industries.tsv");
const DEPARTMENTS_TSV: &str = include_str!("../../data/city_departments.tsv");
const NAMES_TSV: &str = include_str!("../../data/city_names.tsv");

/// An industry typical of a district: the word used in company names, its
/// GB/T 4754-2017 class and how common it is there.
#[derive(Debug)]
pub(crate) struct Industry {
    pub(crate) word: &'static str,
    pub(crate) code: &'static str,
    pub(crate) weight: u64,
}

/// One district of the demo and how much of the city it holds.
#[derive(Debug)]
pub(crate) struct DistrictSpec {
    /// The name as in the divisions file.
    pub(crate) name: &'static str,
    /// Used in usernames (`district-<slug>`).
    pub(crate) slug: &'static str,
    /// Place name at the head of company names.
    pub(crate) name_prefix: &'static str,
    pub(crate) enterprises: usize,
    pub(crate) officers: usize,
    pub(crate) industries: Vec<Industry>,
    pub(crate) roads: Vec<&'static str>,
}

/// A department: stable code, name, and how many officers it sends
/// relative to the others (经信局 leads the campaign). The departments
/// themselves are the city's defaults (`data/departments.csv`, written by
/// `zhuqi_app::city::seed_city`); this table must list them in that order.
#[derive(Debug)]
pub(crate) struct DepartmentSpec {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) officer_weight: u64,
}

/// The city's corpus, in file order.
#[derive(Debug, Default)]
pub(crate) struct Corpus {
    /// The districts in display order. Officers are the enterprises scaled to
    /// 1,038 / 1,254 by largest remainder, so each officer serves one or two.
    pub(crate) districts: Vec<DistrictSpec>,
    /// The departments. `approval` is 丽水市数据局, which in 浙江 runs the
    /// government service hall (行政服务中心) where approvals are handled.
    pub(crate) departments: Vec<DepartmentSpec>,
    /// Surnames, repeated by how common they are in 丽水 (蓝, 雷 and 钟 are
    /// the main 畲族 surnames).
    pub(crate) surnames: &'static str,
    pub(crate) given_male: &'static str,
    pub(crate) given_female: &'static str,
    /// Characters of trade names (字号).
    pub(crate) trade_chars: &'static str,
}

/// Mobile prefixes in use in 浙江.
pub(crate) const MOBILE_PREFIXES: [&str; 24] = [
    "130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "157", "158", "159", "177",
    "180", "181", "182", "183", "187", "188", "189", "199",
];

pub(crate) static CORPUS: Loaded<Corpus> = Loaded::new(load);

pub(crate) fn corpus() -> &'static Corpus {
    CORPUS.get()
}

fn load() -> std::result::Result<Corpus, String> {
    let f = "city_districts.tsv";
    let mut districts = Vec::new();
    for row in rows(f, DISTRICTS_TSV, 6)? {
        let [name, slug, name_prefix, enterprises, officers, roads] = row[..] else { continue };
        districts.push(DistrictSpec {
            name,
            slug,
            name_prefix,
            enterprises: number(f, enterprises)?,
            officers: number(f, officers)?,
            industries: Vec::new(),
            roads: split_list(roads),
        });
    }
    let f = "city_industries.tsv";
    for row in rows(f, INDUSTRIES_TSV, 4)? {
        let [district, word, code, weight] = row[..] else { continue };
        let d = districts
            .iter_mut()
            .find(|d| d.name == district)
            .ok_or_else(|| format!("{f}: no district {district} in city_districts.tsv"))?;
        d.industries.push(Industry { word, code, weight: number(f, weight)? });
    }
    let f = "city_departments.tsv";
    let mut departments = Vec::new();
    for row in rows(f, DEPARTMENTS_TSV, 3)? {
        let [code, name, weight] = row[..] else { continue };
        departments.push(DepartmentSpec { code, name, officer_weight: number(f, weight)? });
    }
    let f = "city_names.tsv";
    let pools = rows(f, NAMES_TSV, 2)?;
    let pool = |key: &str| {
        pools
            .iter()
            .find_map(|row| match row[..] {
                [k, v] if k == key => Some(v),
                _ => None,
            })
            .ok_or_else(|| format!("{f}: no pool {key}"))
    };
    Ok(Corpus {
        districts,
        departments,
        surnames: pool("surnames")?,
        given_male: pool("given_male")?,
        given_female: pool("given_female")?,
        trade_chars: pool("trade_chars")?,
    })
}
