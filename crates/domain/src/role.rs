//! Roles (DESIGN §2) and the scope each actor acts within. Authorization is
//! by scope, not only by role: the application layer turns an [`Actor`] into
//! a [`Scope`] and every query is filtered by it.

use crate::capability::{self, Capability, Reach};
use serde::{Deserialize, Serialize};

/// The eight roles. The string forms are part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CityAdmin,
    DistrictAdmin,
    Coordinator,
    DeptHandler,
    DeptHead,
    Officer,
    EnterpriseUser,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::CityAdmin,
        Role::DistrictAdmin,
        Role::Coordinator,
        Role::DeptHandler,
        Role::DeptHead,
        Role::Officer,
        Role::EnterpriseUser,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::CityAdmin => "city_admin",
            Role::DistrictAdmin => "district_admin",
            Role::Coordinator => "coordinator",
            Role::DeptHandler => "dept_handler",
            Role::DeptHead => "dept_head",
            Role::Officer => "officer",
            Role::EnterpriseUser => "enterprise_user",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::CityAdmin => "市级管理员",
            Role::DistrictAdmin => "片区管理员",
            Role::Coordinator => "平台受理员",
            Role::DeptHandler => "部门承办人",
            Role::DeptHead => "部门负责人",
            Role::Officer => "助企服务员",
            Role::EnterpriseUser => "企业用户",
            Role::Auditor => "审计员",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::CityAdmin => "City admin",
            Role::DistrictAdmin => "District admin",
            Role::Coordinator => "Coordinator",
            Role::DeptHandler => "Department handler",
            Role::DeptHead => "Department head",
            Role::Officer => "Service officer",
            Role::EnterpriseUser => "Enterprise user",
            Role::Auditor => "Auditor",
        }
    }

    /// Which scope attribute a user of this role must carry.
    pub fn required_scope(self) -> ScopeKind {
        match self {
            Role::CityAdmin | Role::Auditor => ScopeKind::None,
            Role::DistrictAdmin | Role::Officer => ScopeKind::District,
            Role::Coordinator => ScopeKind::OptionalDistrict,
            Role::DeptHandler | Role::DeptHead => ScopeKind::Department,
            Role::EnterpriseUser => ScopeKind::Enterprise,
        }
    }
}

/// What scope attribute a role needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    None,
    District,
    OptionalDistrict,
    Department,
    Enterprise,
}

/// The signed-in user as the application layer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub district_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
}

/// The set of enterprises (and what hangs off them) an actor may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole city.
    All,
    /// Enterprises located in one district.
    District(i64),
    /// Enterprises currently assigned to one officer.
    Officer(i64),
    /// One enterprise.
    Enterprise(i64),
    /// No enterprise (the actor reaches enterprises only through demands
    /// routed to their department).
    Nothing,
}

impl Actor {
    /// The enterprise scope of this actor. A user missing the scope
    /// attribute their role needs gets [`Scope::Nothing`], never more.
    pub fn enterprise_scope(&self) -> Scope {
        match self.role {
            Role::CityAdmin | Role::Auditor => Scope::All,
            Role::Coordinator => self.district_id.map_or(Scope::All, Scope::District),
            Role::DistrictAdmin => self.district_id.map_or(Scope::Nothing, Scope::District),
            Role::Officer => Scope::Officer(self.user_id),
            Role::EnterpriseUser => self.enterprise_id.map_or(Scope::Nothing, Scope::Enterprise),
            Role::DeptHandler | Role::DeptHead => Scope::Nothing,
        }
    }

    /// The officers this actor may read.
    pub fn officer_scope(&self) -> OfficerScope {
        match self.role {
            Role::CityAdmin | Role::Auditor => OfficerScope::All,
            Role::Coordinator => self.district_id.map_or(OfficerScope::All, OfficerScope::District),
            Role::DistrictAdmin => self.district_id.map_or(OfficerScope::Nothing, OfficerScope::District),
            Role::DeptHead => self.department_id.map_or(OfficerScope::Nothing, OfficerScope::HomeUnit),
            Role::Officer => OfficerScope::Self_(self.user_id),
            Role::EnterpriseUser => self.enterprise_id.map_or(OfficerScope::Nothing, OfficerScope::OfEnterprise),
            Role::DeptHandler => OfficerScope::Nothing,
        }
    }

    /// The enterprises this actor reads records of: its [`enterprise_scope`](Self::enterprise_scope)
    /// when its role reads enterprise records at all, else `None` (403).
    pub fn enterprise_read_scope(&self) -> Option<Scope> {
        match self.enterprise_scope() {
            Scope::Nothing => None,
            _ if !self.may(Capability::EnterpriseRead) => None,
            s => Some(s),
        }
    }

    /// The officers this actor reads records of, else `None` (403).
    pub fn officer_read_scope(&self) -> Option<OfficerScope> {
        match self.officer_scope() {
            OfficerScope::Nothing => None,
            _ if !self.may(Capability::OfficerRead) => None,
            s => Some(s),
        }
    }

    /// Whether `capability` reaches this actor over more than one district:
    /// city-wide, or a scope that is not one district (a coordinator
    /// without a district, a department head's department). Pages offer a
    /// district filter then.
    pub fn spans_districts(&self, capability: Capability) -> bool {
        match capability::reach(self.role, capability) {
            Some(Reach::All) => true,
            Some(Reach::Scope) => match self.role.required_scope() {
                ScopeKind::District => false,
                ScopeKind::OptionalDistrict => self.district_id.is_none(),
                ScopeKind::None | ScopeKind::Department | ScopeKind::Enterprise => true,
            },
            Some(Reach::Own) | None => false,
        }
    }

    /// The campaigns this actor reads: `Some(None)` city-wide, `Some(Some(d))`
    /// the city-wide ones and district `d`'s, `None` none (403).
    pub fn campaign_district(&self) -> Option<Option<i64>> {
        match capability::reach(self.role, Capability::CampaignRead)? {
            Reach::All => Some(None),
            _ if self.enterprise_scope() == Scope::All => Some(None),
            _ => self.district_id.map(Some),
        }
    }

    /// May this actor use `capability` at all (crate::capability)?
    pub fn may(&self, capability: Capability) -> bool {
        capability::may(self.role, capability)
    }

    /// May this actor use `capability` on an object in `district_id`
    /// (`None`: a city-wide object)?
    pub fn may_in_district(&self, capability: Capability, district_id: Option<i64>) -> bool {
        capability::allows(self.role, capability, capability::district_relation(self.district_id, district_id))
    }

    /// May this actor change officer assignments in `district_id`?
    pub fn may_assign_in(&self, district_id: i64) -> bool {
        self.may_in_district(Capability::AssignmentManage, Some(district_id))
    }

    /// May this actor create or edit enterprises and import files?
    pub fn may_manage_registry(&self) -> bool {
        self.may(Capability::EnterpriseManage)
    }

    /// May this actor list users and read the audit log?
    pub fn may_read_users(&self) -> bool {
        self.may(Capability::UserRead)
    }

    pub fn may_read_audit(&self) -> bool {
        self.may(Capability::AuditRead)
    }

    /// Roles that see personal data (phones) unmasked in lists.
    pub fn sees_personal_data(&self) -> bool {
        self.may(Capability::PersonalDataRead)
    }
}

/// The set of officers an actor may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficerScope {
    All,
    District(i64),
    /// Officers sent by one department (派出单位).
    HomeUnit(i64),
    /// Only oneself.
    Self_(i64),
    /// The officer currently serving one enterprise.
    OfEnterprise(i64),
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The campaigns read and the district filter of the visit pages, as
    /// the app and the pages decided them by role before the capability table.
    #[test]
    fn campaign_and_district_reach_are_decided_as_before() {
        for role in Role::ALL {
            for district in [None, Some(7)] {
                let a = actor(role, district, None, None);
                let campaigns = match role {
                    Role::CityAdmin | Role::Auditor => Some(None),
                    Role::Coordinator => Some(district),
                    Role::DistrictAdmin | Role::Officer if district.is_some() => Some(district),
                    _ => None,
                };
                assert_eq!(a.campaign_district(), campaigns, "{role:?} {district:?}");
                let spans = match role {
                    Role::CityAdmin | Role::Auditor | Role::DeptHead => true,
                    Role::Coordinator => district.is_none(),
                    _ => false,
                };
                assert_eq!(a.spans_districts(Capability::VisitView), spans, "{role:?} {district:?}");
            }
        }
    }

    fn actor(role: Role, d: Option<i64>, dept: Option<i64>, e: Option<i64>) -> Actor {
        Actor {
            user_id: 7,
            username: "u".into(),
            display_name: "u".into(),
            role,
            district_id: d,
            department_id: dept,
            enterprise_id: e,
        }
    }

    #[test]
    fn role_strings_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn scope_of_each_role_is_exactly_its_attribute() {
        let cases = [
            (actor(Role::CityAdmin, None, None, None), Scope::All),
            (actor(Role::Auditor, None, None, None), Scope::All),
            (actor(Role::Coordinator, None, None, None), Scope::All),
            (actor(Role::Coordinator, Some(3), None, None), Scope::District(3)),
            (actor(Role::DistrictAdmin, Some(3), None, None), Scope::District(3)),
            (actor(Role::DistrictAdmin, None, None, None), Scope::Nothing),
            (actor(Role::Officer, Some(3), None, None), Scope::Officer(7)),
            (actor(Role::EnterpriseUser, None, None, Some(9)), Scope::Enterprise(9)),
            (actor(Role::EnterpriseUser, None, None, None), Scope::Nothing),
            (actor(Role::DeptHandler, None, Some(2), None), Scope::Nothing),
            (actor(Role::DeptHead, None, Some(2), None), Scope::Nothing),
        ];
        for (a, want) in cases {
            assert_eq!(a.enterprise_scope(), want, "{:?}", a.role);
        }
    }

    #[test]
    fn only_admins_of_the_district_may_assign() {
        assert!(actor(Role::CityAdmin, None, None, None).may_assign_in(1));
        assert!(actor(Role::DistrictAdmin, Some(1), None, None).may_assign_in(1));
        assert!(!actor(Role::DistrictAdmin, Some(2), None, None).may_assign_in(1));
        for r in
            [Role::Coordinator, Role::DeptHandler, Role::DeptHead, Role::Officer, Role::EnterpriseUser, Role::Auditor]
        {
            assert!(!actor(r, Some(1), Some(1), Some(1)).may_assign_in(1), "{r:?}");
        }
    }
}
