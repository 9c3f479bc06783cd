//! Who may do what: the one table of capabilities (role × relation to the
//! object → allowed). The application layer asks it before every command or
//! read it guards; the web layer reads it only to show or hide (navigation,
//! buttons); `GET /api/v1/me` publishes a user's capabilities and the route ×
//! role test derives its expectations from it.
//!
//! The table answers "may this role use this kind of command or page, and on
//! which objects". *Which* objects an actor reaches at all is its [`Scope`]
//! (crate::role); what a demand allows in each state is the demand state
//! machine (crate::demand::rules) — neither is repeated here.
//!
//! A new feature's permission goes here: add a [`Capability`] (its stable
//! name in [`Capability::as_str`]), its row in [`TABLE`], the table test, and
//! call [`allows`] / [`may`] from the app use case.
//!
//! [`Scope`]: crate::Scope

use crate::Role;

/// A kind of command or page an actor may be allowed. The string forms are
/// part of the API (`GET /api/v1/me`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// Read demands (in the actor's demand scope).
    DemandRead,
    /// Submit a demand (官方渠道: officer, enterprise, hotline).
    DemandSubmit,
    /// Upload attachments to a demand one is party to.
    DemandAttach,
    /// The visit work pages and the monthly visit reports (behind,
    /// compliance, officer figures), in the actor's visit scope.
    VisitRead,
    /// Open visit records — the list, one visit, its photos — in the
    /// actor's visit scope (own: an officer's own visits, an enterprise's
    /// users the visits to their enterprise).
    VisitView,
    /// Record, edit and attach to visits; turn a visit need into a demand.
    VisitRecord,
    /// Set the monthly visit rule (city-wide and per district).
    VisitRuleManage,
    /// Create visit campaigns.
    CampaignManage,
    /// Read door-knock campaigns and their coverage (own: an officer, the
    /// campaigns of their district).
    CampaignRead,
    /// Read campaign and visit coverage.
    CoverageRead,
    /// Read the dashboard and statistics.
    MetricsRead,
    /// Read hot issues.
    HotIssueRead,
    /// Confirm, merge or dismiss a hot issue.
    HotIssueDecide,
    /// Change the detection parameters.
    HotIssueConfigure,
    /// The enterprise directory in one's work (own: the enterprises one serves).
    EnterpriseList,
    /// Read enterprise records: the list and one enterprise with its
    /// assignments (own: the ones one serves, or one's own enterprise).
    EnterpriseRead,
    /// Create and edit enterprises.
    EnterpriseManage,
    /// Manage enterprise codes (企业码) and their bindings.
    EnterpriseCodeManage,
    /// The officer directory in one's work (own: the ones one's department sent).
    OfficerList,
    /// Read officer records: the list and one officer (own: the officers
    /// one's department sent, oneself, or one's enterprise's officer).
    OfficerRead,
    /// Read and rate one's own service officer (the enterprise side).
    MyOfficerRead,
    /// Assign officers to enterprises.
    AssignmentManage,
    /// Import enterprises, officers and assignments from files.
    ImportRun,
    /// List users.
    UserRead,
    /// Create, edit, deactivate and reactivate users, reset their passwords
    /// and unlock them (scope: the users of one's district).
    UserManage,
    /// Add, rename and retire districts and townships (the region tree).
    RegionManage,
    /// Create, rename and retire departments (涉企部门).
    DepartmentManage,
    /// Transfer an officer to another district or home unit, and hand all
    /// their enterprises over in one step (scope: one's district).
    OfficerManage,
    /// Read the audit log.
    AuditRead,
    /// Read one's notifications.
    NotificationRead,
    /// Edit the category catalogue: routing (in scope), time limits and
    /// review settings (city-wide).
    CategoryManage,
    /// Edit policies attached to categories.
    PolicyManage,
    /// Edit the working-day calendar.
    CalendarManage,
    /// See personal data (phone numbers) unmasked in lists.
    PersonalDataRead,
}

impl Capability {
    pub const ALL: [Capability; 34] = [
        Capability::DemandRead,
        Capability::DemandSubmit,
        Capability::DemandAttach,
        Capability::VisitRead,
        Capability::VisitView,
        Capability::VisitRecord,
        Capability::VisitRuleManage,
        Capability::CampaignManage,
        Capability::CampaignRead,
        Capability::CoverageRead,
        Capability::MetricsRead,
        Capability::HotIssueRead,
        Capability::HotIssueDecide,
        Capability::HotIssueConfigure,
        Capability::EnterpriseList,
        Capability::EnterpriseRead,
        Capability::EnterpriseManage,
        Capability::EnterpriseCodeManage,
        Capability::OfficerList,
        Capability::OfficerRead,
        Capability::MyOfficerRead,
        Capability::AssignmentManage,
        Capability::ImportRun,
        Capability::UserRead,
        Capability::UserManage,
        Capability::RegionManage,
        Capability::DepartmentManage,
        Capability::OfficerManage,
        Capability::AuditRead,
        Capability::NotificationRead,
        Capability::CategoryManage,
        Capability::PolicyManage,
        Capability::CalendarManage,
        Capability::PersonalDataRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Capability::DemandRead => "demand.read",
            Capability::DemandSubmit => "demand.submit",
            Capability::DemandAttach => "demand.attach",
            Capability::VisitRead => "visit.read",
            Capability::VisitView => "visit.view",
            Capability::VisitRecord => "visit.record",
            Capability::VisitRuleManage => "visit_rule.manage",
            Capability::CampaignManage => "campaign.manage",
            Capability::CampaignRead => "campaign.read",
            Capability::CoverageRead => "coverage.read",
            Capability::MetricsRead => "metrics.read",
            Capability::HotIssueRead => "hot_issue.read",
            Capability::HotIssueDecide => "hot_issue.decide",
            Capability::HotIssueConfigure => "hot_issue.configure",
            Capability::EnterpriseList => "enterprise.list",
            Capability::EnterpriseRead => "enterprise.read",
            Capability::EnterpriseManage => "enterprise.manage",
            Capability::EnterpriseCodeManage => "enterprise_code.manage",
            Capability::OfficerList => "officer.list",
            Capability::OfficerRead => "officer.read",
            Capability::MyOfficerRead => "my_officer.read",
            Capability::AssignmentManage => "assignment.manage",
            Capability::ImportRun => "import.run",
            Capability::UserRead => "user.read",
            Capability::UserManage => "user.manage",
            Capability::RegionManage => "region.manage",
            Capability::DepartmentManage => "department.manage",
            Capability::OfficerManage => "officer.manage",
            Capability::AuditRead => "audit.read",
            Capability::NotificationRead => "notification.read",
            Capability::CategoryManage => "category.manage",
            Capability::PolicyManage => "policy.manage",
            Capability::CalendarManage => "calendar.manage",
            Capability::PersonalDataRead => "personal_data.read",
        }
    }

    pub fn parse(s: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
}

/// The relation of the actor to the object of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// Outside the actor's district or department, or a city-wide object
    /// (a setting, the calendar).
    Outside,
    /// Inside the district (or department) the actor administers.
    InScope,
    /// The actor's own: the enterprise an officer serves, the visit an
    /// officer recorded, the officers a department sent.
    Own,
}

/// How far a role's capability reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Any object, city-wide.
    All,
    /// Objects in the actor's district or department (or their own).
    Scope,
    /// Only the actor's own objects.
    Own,
}

impl Reach {
    pub fn covers(self, relation: Relation) -> bool {
        match self {
            Reach::All => true,
            Reach::Scope => relation != Relation::Outside,
            Reach::Own => relation == Relation::Own,
        }
    }
}

use Reach::{All, Own, Scope};
use Role::{Auditor, CityAdmin, Coordinator, DeptHandler, DeptHead, DistrictAdmin, EnterpriseUser, Officer};

/// The table: for each capability, the roles that have it and how far.
/// A role not listed lacks the capability.
pub const TABLE: &[(Capability, &[(Role, Reach)])] = &[
    (
        Capability::DemandRead,
        &[
            (CityAdmin, All),
            (DistrictAdmin, Scope),
            (Coordinator, Scope),
            (DeptHandler, Scope),
            (DeptHead, Scope),
            (Officer, Own),
            (EnterpriseUser, Own),
            (Auditor, All),
        ],
    ),
    (Capability::DemandSubmit, &[(CityAdmin, All), (Coordinator, Scope), (Officer, Own), (EnterpriseUser, Own)]),
    (
        Capability::DemandAttach,
        &[
            (CityAdmin, All),
            (Coordinator, Scope),
            (DeptHandler, Scope),
            (DeptHead, Scope),
            (Officer, Own),
            (EnterpriseUser, Own),
        ],
    ),
    (
        Capability::VisitRead,
        &[
            (CityAdmin, All),
            (DistrictAdmin, Scope),
            (Coordinator, Scope),
            (DeptHead, Scope),
            (Officer, Own),
            (Auditor, All),
        ],
    ),
    (
        Capability::VisitView,
        &[
            (CityAdmin, All),
            (DistrictAdmin, Scope),
            (Coordinator, Scope),
            (DeptHead, Scope),
            (Officer, Own),
            (EnterpriseUser, Own),
            (Auditor, All),
        ],
    ),
    (Capability::VisitRecord, &[(Officer, Own)]),
    (Capability::VisitRuleManage, &[(CityAdmin, All)]),
    (Capability::CampaignManage, &[(CityAdmin, All), (DistrictAdmin, Scope)]),
    (
        Capability::CampaignRead,
        &[(CityAdmin, All), (DistrictAdmin, Scope), (Coordinator, Scope), (Officer, Own), (Auditor, All)],
    ),
    (Capability::CoverageRead, &[(CityAdmin, All), (DistrictAdmin, Scope), (Coordinator, Scope), (Auditor, All)]),
    (
        Capability::MetricsRead,
        &[(CityAdmin, All), (DistrictAdmin, Scope), (Coordinator, Scope), (DeptHead, Scope), (Auditor, All)],
    ),
    (Capability::HotIssueRead, &[(CityAdmin, All), (DistrictAdmin, Scope), (Coordinator, Scope), (Auditor, All)]),
    (Capability::HotIssueDecide, &[(CityAdmin, All), (Coordinator, Scope)]),
    (Capability::HotIssueConfigure, &[(CityAdmin, All)]),
    (
        Capability::EnterpriseList,
        &[(CityAdmin, All), (DistrictAdmin, Scope), (Coordinator, Scope), (Officer, Own), (Auditor, All)],
    ),
    (
        Capability::EnterpriseRead,
        &[
            (CityAdmin, All),
            (DistrictAdmin, Scope),
            (Coordinator, Scope),
            (Officer, Own),
            (EnterpriseUser, Own),
            (Auditor, All),
        ],
    ),
    (Capability::EnterpriseManage, &[(CityAdmin, All), (DistrictAdmin, Scope)]),
    (Capability::EnterpriseCodeManage, &[(CityAdmin, All), (DistrictAdmin, Scope), (Officer, Own)]),
    (
        Capability::OfficerList,
        &[(CityAdmin, All), (DistrictAdmin, Scope), (Coordinator, Scope), (DeptHead, Own), (Auditor, All)],
    ),
    (
        Capability::OfficerRead,
        &[
            (CityAdmin, All),
            (DistrictAdmin, Scope),
            (Coordinator, Scope),
            (DeptHead, Own),
            (Officer, Own),
            (EnterpriseUser, Own),
            (Auditor, All),
        ],
    ),
    (Capability::MyOfficerRead, &[(EnterpriseUser, Own)]),
    (Capability::AssignmentManage, &[(CityAdmin, All), (DistrictAdmin, Scope)]),
    (Capability::ImportRun, &[(CityAdmin, All), (DistrictAdmin, Scope)]),
    (Capability::UserRead, &[(CityAdmin, All), (DistrictAdmin, Scope), (Auditor, All)]),
    (Capability::UserManage, &[(CityAdmin, All), (DistrictAdmin, Scope)]),
    (Capability::RegionManage, &[(CityAdmin, All)]),
    (Capability::DepartmentManage, &[(CityAdmin, All)]),
    (Capability::OfficerManage, &[(CityAdmin, All), (DistrictAdmin, Scope)]),
    (Capability::AuditRead, &[(CityAdmin, All), (Auditor, All)]),
    (
        Capability::NotificationRead,
        &[
            (CityAdmin, Own),
            (DistrictAdmin, Own),
            (Coordinator, Own),
            (DeptHandler, Own),
            (DeptHead, Own),
            (Officer, Own),
            (EnterpriseUser, Own),
            (Auditor, Own),
        ],
    ),
    (Capability::CategoryManage, &[(CityAdmin, All), (DistrictAdmin, Scope)]),
    (Capability::PolicyManage, &[(CityAdmin, All)]),
    (Capability::CalendarManage, &[(CityAdmin, All)]),
    (
        Capability::PersonalDataRead,
        &[(CityAdmin, All), (DistrictAdmin, Scope), (Coordinator, Scope), (DeptHead, Scope), (Officer, Own)],
    ),
];

/// How far `role` has `capability`; `None` when it lacks it.
pub fn reach(role: Role, capability: Capability) -> Option<Reach> {
    TABLE
        .iter()
        .find(|(c, _)| *c == capability)
        .and_then(|(_, roles)| roles.iter().find(|(r, _)| *r == role))
        .map(|(_, reach)| *reach)
}

/// May `role` use `capability` at all (on some object)?
pub fn may(role: Role, capability: Capability) -> bool {
    reach(role, capability).is_some()
}

/// May `role` use `capability` on an object it stands in `relation` to?
pub fn allows(role: Role, capability: Capability, relation: Relation) -> bool {
    reach(role, capability).is_some_and(|r| r.covers(relation))
}

/// Everything `role` may do at all, in [`Capability::ALL`] order.
pub fn capabilities(role: Role) -> Vec<Capability> {
    Capability::ALL.into_iter().filter(|c| may(role, *c)).collect()
}

/// The relation of an actor administering `actor_district` (if any) to an
/// object in `object_district` (`None`: a city-wide object).
pub fn district_relation(actor_district: Option<i64>, object_district: Option<i64>) -> Relation {
    match (actor_district, object_district) {
        (Some(a), Some(o)) if a == o => Relation::InScope,
        _ => Relation::Outside,
    }
}

#[cfg(test)]
#[path = "capability_tests.rs"]
mod tests;
