//! The plan of the city: pure and seeded, no database.

use super::*;

/// The city's own generators (names, phones, codes) on the shared RNG.
impl SplitMix64 {
    /// A Chinese personal name: surname and one or two given characters.
    pub(super) fn person_name(&mut self) -> String {
        let mut s = String::new();
        s.push(self.char_of(corpus().surnames));
        let pool = if self.percent(55) { corpus().given_male } else { corpus().given_female };
        s.push(self.char_of(pool));
        if self.percent(80) {
            s.push(self.char_of(pool));
        }
        s
    }

    /// An 11-digit mainland mobile number.
    pub(super) fn mobile(&mut self) -> String {
        let i = self.below(MOBILE_PREFIXES.len());
        let mut s = MOBILE_PREFIXES.get(i).copied().unwrap_or("138").to_string();
        for _ in 0..8 {
            s.push(char::from(b'0' + (self.below(10) as u8)));
        }
        s
    }

    /// A valid unified social credit code of an enterprise (登记管理部门 9,
    /// 类别 1) registered in `division`: either a post-2015 `MA…`
    /// organisation body or an older all-digit one, with its GB 11714 and
    /// GB 32100 check characters.
    pub(super) fn credit_code(&mut self, division: &str) -> Result<String> {
        let mut body = String::with_capacity(8);
        if self.percent(70) {
            body.push_str("MA");
            for _ in 0..6 {
                let i = self.below(ALPHABET.len());
                body.push(char::from(ALPHABET.get(i).copied().unwrap_or(b'0')));
            }
        } else {
            for _ in 0..8 {
                body.push(char::from(b'0' + (self.below(10) as u8)));
            }
        }
        let check = org_check_char(&body).ok_or_else(|| internal(format!("bad organisation body {body}")))?;
        let code = CreditCode::complete(&format!("91{division}{body}{check}")).map_err(|e| internal(e.to_string()))?;
        Ok(code.as_str().to_string())
    }
}

pub(super) fn internal(msg: impl Into<String>) -> AppError {
    AppError::Internal(msg.into())
}

/// A region row to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PlannedRegion {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PlannedDistrict {
    pub(super) region: PlannedRegion,
    /// The 6-digit division code put into credit codes.
    pub(super) division: String,
    pub(super) townships: Vec<PlannedRegion>,
    /// Indices of the townships enterprises are placed in (a township the
    /// development zone manages counts for the zone only).
    pub(super) eligible: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PlannedEnterprise {
    pub(super) district: usize,
    pub(super) township: usize,
    pub(super) credit_code: String,
    pub(super) name: String,
    /// Trade name plus industry word, e.g. 瑞华青瓷.
    pub(super) short_name: String,
    pub(super) industry_code: &'static str,
    pub(super) size: &'static str,
    pub(super) address: String,
    pub(super) contact_name: String,
    pub(super) contact_phone: String,
}

/// A user to insert; scope attributes are indices into the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PlannedUser {
    pub(super) username: String,
    pub(super) display_name: String,
    pub(super) role: Role,
    pub(super) district: Option<usize>,
    pub(super) department: Option<usize>,
    pub(super) enterprise: Option<usize>,
    pub(super) phone: String,
}

/// The whole demo city, before it gets database ids.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct CityPlan {
    pub(super) districts: Vec<PlannedDistrict>,
    pub(super) named: Vec<PlannedUser>,
    pub(super) enterprises: Vec<PlannedEnterprise>,
    pub(super) officers: Vec<PlannedUser>,
    /// (enterprise index, officer index).
    pub(super) assignments: Vec<(usize, usize)>,
    pub(super) enterprise_users: Vec<PlannedUser>,
}

impl CityPlan {
    pub(super) fn townships(&self) -> usize {
        self.districts.iter().map(|d| d.townships.len()).sum()
    }
}

/// Generates the demo city on the city's region tree. Pure and seeded.
pub(super) fn plan_city(regions: &CityRegions) -> Result<CityPlan> {
    let mut rng = SplitMix64(SEED);
    let mut plan = CityPlan { districts: plan_regions(regions)?, ..CityPlan::default() };
    plan.named = plan_named_accounts(&mut rng);
    plan_enterprises(&mut rng, &mut plan)?;
    plan_officers(&mut rng, &mut plan);
    plan_assignments(&mut rng, &mut plan);
    Ok(plan)
}

/// The districts of the city's region tree ([`zhuqi_app::city::plan`], the
/// same tree `zhuqi init --city 331100` writes), each matched by name to its
/// row in the demo's district table, in the tree's order. A township the
/// development zone manages counts for the zone only.
pub(super) fn plan_regions(regions: &CityRegions) -> Result<Vec<PlannedDistrict>> {
    regions
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            // The generators walk the demo's table and the tree side by side.
            if corpus().districts.get(i).map(|spec| spec.name) != Some(d.region.name.as_str()) {
                return Err(internal(format!(
                    "the demo's district table must list {} at position {} as the region tree does",
                    d.region.name,
                    i + 1
                )));
            }
            let planned = |r: &zhuqi_domain::city::RegionSpec| PlannedRegion {
                code: r.code.clone(),
                name: r.name.clone(),
                kind: r.kind.clone(),
            };
            let eligible = d
                .townships
                .iter()
                .enumerate()
                .filter(|(_, t)| !d.zone_managed.contains(&t.code))
                .map(|(i, _)| i)
                .collect();
            Ok(PlannedDistrict {
                region: planned(&d.region),
                division: d.division.clone(),
                townships: d.townships.iter().map(planned).collect(),
                eligible,
            })
        })
        .collect()
}

/// How likely an enterprise sits in a township of this kind: industry
/// gathers in 街道 and 镇.
pub(super) fn township_weight(kind: &str) -> u64 {
    match kind {
        "街道" => 5,
        "镇" => 3,
        _ => 1,
    }
}

pub(super) fn plan_enterprises(rng: &mut SplitMix64, plan: &mut CityPlan) -> Result<()> {
    let mut names = HashSet::new();
    let mut codes = HashSet::new();
    for (di, (spec, district)) in corpus().districts.iter().zip(&plan.districts).enumerate() {
        for _ in 0..spec.enterprises {
            let industry = rng
                .weighted(&spec.industries, |i| i.weight)
                .and_then(|i| spec.industries.get(i))
                .ok_or_else(|| internal(format!("{} has no industries", spec.name)))?;
            let (name, short_name) = unique(|| {
                let a = rng.char_of(corpus().trade_chars);
                let b = rng.char_of(corpus().trade_chars);
                let short = format!("{a}{b}{}", industry.word);
                let name = format!("{}{short}有限公司", spec.name_prefix);
                (a != b && !names.contains(&name)).then_some((name, short))
            })?;
            names.insert(name.clone());
            let credit_code = unique(|| rng.credit_code(&district.division).ok().filter(|c| !codes.contains(c)))?;
            codes.insert(credit_code.clone());
            let township = rng
                .weighted(&district.eligible, |&t| district.townships.get(t).map_or(0, |t| township_weight(&t.kind)))
                .and_then(|i| district.eligible.get(i).copied())
                .ok_or_else(|| internal(format!("{} has no townships", spec.name)))?;
            let township_name = district.townships.get(township).map(|t| t.name.as_str()).unwrap_or_default();
            let road = spec.roads.get(rng.below(spec.roads.len())).copied().unwrap_or("工业园区");
            let number = rng.below(898) + 1;
            let size = if rng.percent(30) { "above" } else { "below" };
            plan.enterprises.push(PlannedEnterprise {
                district: di,
                township,
                credit_code,
                name,
                short_name,
                industry_code: industry.code,
                size,
                address: format!("{township_name}{road}{number}号"),
                contact_name: rng.person_name(),
                contact_phone: rng.mobile(),
            });
        }
    }
    Ok(())
}

/// Retries a generator until it yields a fresh value (bounded, so a
/// too-small pool is an error instead of a hang).
pub(super) fn unique<T>(mut attempt: impl FnMut() -> Option<T>) -> Result<T> {
    (0..1000).find_map(|_| attempt()).ok_or_else(|| internal("demo generator ran out of unique values"))
}

/// Officers numbered across districts in display order, so officer0001 is
/// in 莲都区; each is sent by one department (派出单位).
pub(super) fn plan_officers(rng: &mut SplitMix64, plan: &mut CityPlan) {
    let mut n = 0;
    for (di, spec) in corpus().districts.iter().enumerate() {
        for _ in 0..spec.officers {
            n += 1;
            plan.officers.push(PlannedUser {
                username: format!("officer{n:04}"),
                display_name: rng.person_name(),
                role: Role::Officer,
                district: Some(di),
                department: rng.weighted(&corpus().departments, |d| d.officer_weight),
                enterprise: None,
                phone: rng.mobile(),
            });
        }
    }
}

/// Within each district: every officer gets one enterprise, the remaining
/// enterprises go to distinct officers, who then serve two. The first
/// enterprises of each district's shuffled order get an enterprise user;
/// the very first is served by the district's first officer, so
/// enterprise0001 belongs to officer0001.
pub(super) fn plan_assignments(rng: &mut SplitMix64, plan: &mut CityPlan) {
    let mut n = 0;
    for di in 0..plan.districts.len() {
        let mut ents: Vec<usize> = (0..plan.enterprises.len())
            .filter(|&e| plan.enterprises.get(e).is_some_and(|e| e.district == di))
            .collect();
        let offs: Vec<usize> = (0..plan.officers.len())
            .filter(|&o| plan.officers.get(o).is_some_and(|o| o.district == Some(di)))
            .collect();
        if offs.is_empty() {
            continue;
        }
        rng.shuffle(&mut ents);
        let mut extra_offs = offs.clone();
        rng.shuffle(&mut extra_offs);
        for (k, &e) in ents.iter().enumerate() {
            let officer =
                if k < offs.len() { offs.get(k) } else { extra_offs.get((k - offs.len()) % extra_offs.len()) };
            if let Some(&o) = officer {
                plan.assignments.push((e, o));
            }
        }
        for &e in ents.iter().take(ENTERPRISE_USERS_PER_DISTRICT) {
            let Some(ent) = plan.enterprises.get(e) else {
                continue;
            };
            n += 1;
            plan.enterprise_users.push(PlannedUser {
                username: format!("enterprise{n:04}"),
                display_name: format!("{}负责人 {}", ent.short_name, ent.contact_name),
                role: Role::EnterpriseUser,
                district: None,
                department: None,
                enterprise: Some(e),
                phone: ent.contact_phone.clone(),
            });
        }
    }
}

/// The department name without the city, as people say it: 交通运输局.
pub(super) fn department_short_name(name: &str) -> &str {
    name.strip_prefix(CITY_NAME).unwrap_or(name)
}

/// One login per role and scope, with names that say what they are.
pub(super) fn plan_named_accounts(rng: &mut SplitMix64) -> Vec<PlannedUser> {
    let mut out = Vec::new();
    let mut push =
        |username: String, display_name: String, role: Role, district: Option<usize>, department: Option<usize>| {
            let phone = rng.mobile();
            out.push(PlannedUser { username, display_name, role, district, department, enterprise: None, phone });
        };
    push("admin".into(), "市级管理员".into(), Role::CityAdmin, None, None);
    push("auditor".into(), "审计员".into(), Role::Auditor, None, None);
    push("coordinator".into(), "平台受理员".into(), Role::Coordinator, None, None);
    push("coordinator-liandu".into(), "莲都区平台受理员".into(), Role::Coordinator, Some(0), None);
    for (di, spec) in corpus().districts.iter().enumerate() {
        push(
            format!("district-{}", spec.slug),
            format!("{}片区管理员", spec.name),
            Role::DistrictAdmin,
            Some(di),
            None,
        );
    }
    for (i, d) in corpus().departments.iter().enumerate() {
        let short = department_short_name(d.name);
        push(format!("handler-{}", d.code), format!("{short}承办人"), Role::DeptHandler, None, Some(i));
        push(format!("head-{}", d.code), format!("{short}负责人"), Role::DeptHead, None, Some(i));
    }
    out
}
