//! Who is who: the demo city as read from the database.

use super::*;

/// An enterprise as the generator needs it.
#[derive(Debug, Clone)]
pub(super) struct Ent {
    pub(super) id: i64,
    pub(super) district_id: i64,
    pub(super) district_name: String,
    pub(super) town: String,
    pub(super) ind: String,
    pub(super) officer: Option<i64>,
    /// Its enterprise user (the demo has at most one per enterprise).
    pub(super) user: Option<i64>,
}

impl Ent {
    pub(super) fn officer_actor(&self) -> Option<DemandActor> {
        self.officer.map(|o| DemandActor {
            user_id: o,
            role: Role::Officer,
            department_id: None,
            district_id: Some(self.district_id),
            enterprise_id: None,
            serves_enterprise: true,
        })
    }

    pub(super) fn user_actor(&self) -> Option<DemandActor> {
        self.user.map(|u| DemandActor {
            user_id: u,
            role: Role::EnterpriseUser,
            department_id: None,
            district_id: None,
            enterprise_id: Some(self.id),
            serves_enterprise: false,
        })
    }
}

/// The city as read from the database.
pub(super) struct Directory {
    pub(super) ents: Vec<Ent>,
    pub(super) admin: DemandActor,
    pub(super) coordinator: DemandActor,
    pub(super) district_coordinators: HashMap<i64, DemandActor>,
    pub(super) district_admins: HashMap<i64, DemandActor>,
    pub(super) handlers: HashMap<i64, DemandActor>,
    pub(super) heads: HashMap<i64, DemandActor>,
    pub(super) dept_by_code: HashMap<String, i64>,
    /// (category, district or None) → lead department.
    pub(super) routes: HashMap<(String, Option<i64>), i64>,
    pub(super) categories: HashSet<String>,
    pub(super) limits: HashMap<String, TimeLimits>,
    pub(super) review: bool,
}

impl Directory {
    pub(super) fn lead_for(&self, code: &str, district: i64) -> Option<i64> {
        self.routes
            .get(&(code.to_string(), Some(district)))
            .or_else(|| self.routes.get(&(code.to_string(), None)))
            .copied()
    }

    pub(super) fn dept(&self, code: &str) -> Option<i64> {
        self.dept_by_code.get(code).copied()
    }

    pub(super) fn limits(&self, code: &str) -> TimeLimits {
        self.limits.get(code).copied().unwrap_or_default()
    }

    /// Categories of the corpus present and routed.
    pub(super) fn usable(&self, c: &CategoryDemo) -> bool {
        self.categories.contains(c.code) && self.routes.contains_key(&(c.code.to_string(), None))
    }
}

pub(super) fn actor_of(u: &users::UserRow) -> Option<DemandActor> {
    Some(DemandActor {
        user_id: u.id,
        role: Role::parse(&u.role)?,
        department_id: u.department_id,
        district_id: u.district_id,
        enterprise_id: u.enterprise_id,
        serves_enterprise: false,
    })
}

/// The industry word of a demo company name: 丽水市瑞华合成革有限公司 → 合成革.
pub(super) fn industry_of(name: &str) -> String {
    let mut s = name;
    for p in &corpus().name_prefixes {
        if let Some(rest) = s.strip_prefix(p) {
            s = rest;
            break;
        }
    }
    let s = s.strip_suffix("有限公司").unwrap_or(s);
    let ind: String = s.chars().skip(2).collect();
    if ind.is_empty() {
        "产品".to_string()
    } else {
        ind
    }
}
