//! The route × role matrix: every route of the router (taken from the one
//! route table) is requested as every role — and anonymously — against an
//! object in the role's scope and one outside it, and the status is checked
//! against the documented rule: allowed (2xx/3xx), 403 for a role that may
//! not use the route at all, 404 for an object outside the scope, and for
//! anonymous callers 303 to the sign-in page (pages) or 401 (API).
//! A route missing from [`spec`] fails the test.

use crate::harness::{credit_code, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::collections::HashMap;
use zhuqi_domain::capability::{self, Capability, Reach};
use zhuqi_domain::demand::Action;
use zhuqi_domain::Role;

/// The object a route's `{…}` parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Obj {
    None,
    Enterprise,
    Officer,
    District,
    Demand,
    /// An attachment of demand A (outside: one of demand B).
    Attachment,
    /// A visit by officer A to enterprise A1 (outside: officer B's to B1).
    Visit,
    /// A door-knock campaign of district A (outside: one of district B).
    Campaign,
    /// A hot issue with demand A (district A) as member (outside: one with demand B).
    HotIssue,
    /// A hot issue of district A kept for the merge routes (outside: the one with demand B).
    HotIssueMerge,
    /// The enterprise code token of enterprise A1 (public routes).
    Code,
    /// A pending binding request of enterprise A1 (outside: one of B1).
    Binding,
    Param(&'static str),
    /// The district-monthly report of district A (outside: district B's).
    DistrictReport,
    /// The transport department (city-wide object).
    Department,
    /// An officer account of district A made for the matrix (outside: one of district B).
    User,
}

/// What the route's body looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body_ {
    VisitForm,
    VisitEditForm,
    VisitJson,
    VisitEditJson,
    NeedForm,
    NeedJson,
    VisitRuleForm,
    CampaignForm,
    CampaignJson,
    Empty,
    AssignForm,
    BulkForm,
    LogoutForm,
    ImportMultipart,
    LoginJsonEmpty,
    LoginFormNoCsrf,
    EnterpriseJson,
    AssignJson,
    CsvHeaderOnly,
    DemandForm,
    DemandJson,
    UrgeForm,
    UrgeJson,
    CsrfOnly,
    RouteForm,
    RouteJson,
    LimitsForm,
    LimitsJson,
    ReviewForm,
    CalendarDayForm,
    CalendarDayJson,
    YearForm,
    /// A small PNG as a multipart form (page: the CSRF token its first field).
    Upload,
    /// A binding decision that is not approve/refuse: 422 once who and scope are checked.
    DecideBadForm,
    DecideBadJson,
    /// Removal of a user id that does not exist (404 once who and scope are checked).
    RemoveForm,
    HotReasonForm,
    HotReasonJson,
    /// The default detection rule again, so detection elsewhere does not change.
    HotSettingsForm,
    HotSettingsJson,
    /// A new township of district B (a fresh name each time).
    NewRegionJson,
    NewRegionForm,
    /// The region's sort order as it is: allowed, and nothing changes.
    RegionSameJson,
    RegionSameForm,
    /// A new department (a fresh name each time).
    NewDepartmentJson,
    NewDepartmentForm,
    /// The department's parent unit as it is: allowed, and nothing changes.
    DepartmentSameJson,
    DepartmentSameForm,
    /// A new officer of the target district (a fresh username each time).
    NewUserForm,
    NewUserJson,
    /// The target user's own district and home unit again, a new name.
    UserEditForm,
    UserPatchJson,
    /// A wrong current password: 422, nothing changes.
    PasswordWrongForm,
    PasswordWrongJson,
}

struct Spec {
    obj: Obj,
    body: Body_,
    /// Who may use the route at all, read from the capability table.
    who: Who,
    /// Status when allowed and in scope.
    ok: StatusCode,
}

/// Who may use a route, as the domain decides it: nobody needs to sign in,
/// anyone signed in, the holders of a capability (at least as far as a
/// reach), or the roles the demand state machine lets take an action.
#[derive(Debug, Clone, Copy)]
enum Who {
    Public,
    Signed,
    Cap(Capability),
    /// The capability with at least this reach (`Scope`: not only one's own objects; `All`: city-wide).
    CapAt(Capability, Reach),
    Act(Action),
}

/// The demo users of the matrix and their roles.
const ALL: &[(&str, Role)] = &[
    ("admin", Role::CityAdmin),
    ("auditor", Role::Auditor),
    ("coordinator", Role::Coordinator),
    ("district-a", Role::DistrictAdmin),
    ("handler-t", Role::DeptHandler),
    ("head-t", Role::DeptHead),
    ("officer-a", Role::Officer),
    ("ent-a1", Role::EnterpriseUser),
];

impl Who {
    fn admits(self, role: Role) -> bool {
        let rank = |r: Reach| match r {
            Reach::Own => 0,
            Reach::Scope => 1,
            Reach::All => 2,
        };
        match self {
            Who::Public | Who::Signed => true,
            Who::Cap(c) => capability::may(role, c),
            Who::CapAt(c, at) => capability::reach(role, c).is_some_and(|r| rank(r) >= rank(at)),
            Who::Act(a) => zhuqi_domain::demand::role_may(role, a),
        }
    }
}

fn spec(method: &str, path: &str) -> Option<Spec> {
    use Body_::*;
    use Capability as C;
    use Obj::{District, Enterprise, Officer, Param};
    use Who::{Act, Cap, CapAt, Public, Signed};
    let s = |obj, body, who, ok| Some(Spec { obj, body, who, ok });
    const OK: StatusCode = StatusCode::OK;
    const SEE: StatusCode = StatusCode::SEE_OTHER;
    match (method, path) {
        ("GET", "/healthz") => s(Obj::None, Empty, Public, OK),
        ("GET", "/static/{file}") => s(Param("app.css"), Empty, Public, OK),
        ("GET", "/login") => s(Obj::None, Empty, Public, OK),
        ("POST", "/login") => s(Obj::None, LoginFormNoCsrf, Public, StatusCode::FORBIDDEN),
        ("GET", "/lang/{lang}") => s(Param("en"), Empty, Public, SEE),
        ("GET", "/api/v1/openapi.json") => s(Obj::None, Empty, Public, OK),
        ("POST", "/api/v1/auth/login") => s(Obj::None, LoginJsonEmpty, Public, StatusCode::UNPROCESSABLE_ENTITY),
        ("POST", "/logout") => s(Obj::None, LogoutForm, Signed, SEE),
        ("GET", "/") => s(Obj::None, Empty, Signed, OK),
        ("GET", "/enterprises") | ("GET", "/enterprises/export.xlsx") => {
            s(Obj::None, Empty, Cap(C::EnterpriseRead), OK)
        }
        ("GET", "/enterprises/{id}") => s(Enterprise, Empty, Cap(C::EnterpriseRead), OK),
        ("POST", "/enterprises/{id}/assign") => s(Enterprise, AssignForm, Cap(C::AssignmentManage), SEE),
        // Only the token: an edit that changes nothing (303); a deregistration,
        // handover or transfer naming its missing field (422) once who and scope are checked.
        ("POST", "/enterprises/{id}/edit") => s(Enterprise, CsrfOnly, Cap(C::EnterpriseManage), SEE),
        ("POST", "/enterprises/{id}/deregister") => {
            s(Enterprise, CsrfOnly, Cap(C::EnterpriseManage), StatusCode::UNPROCESSABLE_ENTITY)
        }
        ("POST", "/officers/{id}/handover") | ("POST", "/officers/{id}/transfer") => {
            s(Officer, CsrfOnly, Cap(C::OfficerManage), StatusCode::UNPROCESSABLE_ENTITY)
        }
        ("GET", "/officers") | ("GET", "/officers/export.xlsx") => s(Obj::None, Empty, Cap(C::OfficerRead), OK),
        ("GET", "/officers/{id}") => s(Officer, Empty, Cap(C::OfficerRead), OK),
        ("GET", "/assignments") => s(Obj::None, Empty, Cap(C::AssignmentManage), OK),
        ("POST", "/assignments/bulk") => s(District, BulkForm, Cap(C::AssignmentManage), SEE),
        ("GET", "/coverage") | ("GET", "/coverage/export.xlsx") => s(Obj::None, Empty, Cap(C::CoverageRead), OK),
        ("GET", "/users") => s(Obj::None, Empty, Cap(C::UserRead), OK),
        ("GET", "/admin/import") => s(Obj::None, Empty, Cap(C::ImportRun), OK),
        ("POST", "/admin/import") => s(Obj::None, ImportMultipart, Cap(C::ImportRun), OK),
        ("GET", "/audit") => s(Obj::None, Empty, Cap(C::AuditRead), OK),
        ("POST", "/api/v1/auth/logout") => s(Obj::None, Empty, Signed, StatusCode::NO_CONTENT),
        ("GET", "/api/v1/me") | ("GET", "/api/v1/regions") | ("GET", "/api/v1/departments") => {
            s(Obj::None, Empty, Signed, OK)
        }
        ("GET", "/api/v1/users") => s(Obj::None, Empty, Cap(C::UserRead), OK),
        ("GET", "/api/v1/enterprises") => s(Obj::None, Empty, Cap(C::EnterpriseRead), OK),
        ("POST", "/api/v1/enterprises") => s(District, EnterpriseJson, Cap(C::EnterpriseManage), StatusCode::CREATED),
        ("GET", "/api/v1/enterprises/{id}") | ("GET", "/api/v1/enterprises/{id}/assignments") => {
            s(Enterprise, Empty, Cap(C::EnterpriseRead), OK)
        }
        // `{}`: an empty edit changes nothing (200); an empty deregistration
        // names the field (422) once who and scope are checked.
        ("PATCH", "/api/v1/enterprises/{id}") => s(Enterprise, LoginJsonEmpty, Cap(C::EnterpriseManage), OK),
        ("GET", "/api/v1/enterprises/{id}/history") => s(Enterprise, Empty, Cap(C::EnterpriseRead), OK),
        ("POST", "/api/v1/enterprises/{id}/deregister") => {
            s(Enterprise, LoginJsonEmpty, Cap(C::EnterpriseManage), StatusCode::UNPROCESSABLE_ENTITY)
        }
        // `{}` names the missing field (422) once who and scope are checked.
        ("PATCH", "/api/v1/officers/{id}") | ("POST", "/api/v1/officers/{id}/handover") => {
            s(Officer, LoginJsonEmpty, Cap(C::OfficerManage), StatusCode::UNPROCESSABLE_ENTITY)
        }
        ("PUT", "/api/v1/enterprises/{id}/officer") => s(Enterprise, AssignJson, Cap(C::AssignmentManage), OK),
        ("POST", "/api/v1/districts/{id}/assign-unassigned") => s(District, Empty, Cap(C::AssignmentManage), OK),
        ("GET", "/api/v1/officers") => s(Obj::None, Empty, Cap(C::OfficerRead), OK),
        ("GET", "/api/v1/officers/{id}") => s(Officer, Empty, Cap(C::OfficerRead), OK),
        ("GET", "/api/v1/coverage") => s(Obj::None, Empty, Cap(C::CoverageRead), OK),
        ("GET", "/api/v1/audit") => s(Obj::None, Empty, Cap(C::AuditRead), OK),
        ("POST", "/api/v1/imports/{kind}") => s(Param("enterprises"), CsvHeaderOnly, Cap(C::ImportRun), OK),
        ("GET", "/demands") | ("GET", "/demands/export.xlsx") | ("GET", "/notifications") => {
            s(Obj::None, Empty, Signed, OK)
        }
        ("GET", "/demands/new") => s(Obj::None, Empty, Cap(C::DemandSubmit), OK),
        ("POST", "/demands") => s(Obj::None, DemandForm, Cap(C::DemandSubmit), SEE),
        ("GET", "/demands/{id}") => s(Obj::Demand, Empty, Cap(C::DemandRead), OK),
        ("POST", "/demands/{id}/actions/{action}") => s(Obj::Demand, UrgeForm, Act(Action::Urge), SEE),
        ("POST", "/notifications/{id}/read") => s(Param("999999"), CsrfOnly, Cap(C::NotificationRead), SEE),
        ("POST", "/notifications/read-all") => s(Obj::None, CsrfOnly, Cap(C::NotificationRead), SEE),
        ("GET", "/api/v1/demands") | ("GET", "/api/v1/notifications") => s(Obj::None, Empty, Signed, OK),
        ("POST", "/api/v1/demands") => s(Obj::None, DemandJson, Cap(C::DemandSubmit), StatusCode::CREATED),
        ("GET", "/api/v1/demands/{id}") => s(Obj::Demand, Empty, Cap(C::DemandRead), OK),
        ("POST", "/api/v1/demands/{id}/actions/{action}") => s(Obj::Demand, UrgeJson, Act(Action::Urge), OK),
        // Someone else's or an unknown notification is simply not found.
        ("POST", "/api/v1/notifications/{id}/read") => {
            s(Param("999999"), Empty, Cap(C::NotificationRead), StatusCode::NOT_FOUND)
        }
        ("POST", "/api/v1/notifications/read-all") => s(Obj::None, Empty, Cap(C::NotificationRead), OK),
        // Catalogue and calendar: reference data for everyone; the city admin
        // changes it, a district admin sets their own district's lead department.
        ("GET", "/admin/categories") => s(Obj::None, Empty, Cap(C::CategoryManage), OK),
        ("POST", "/admin/categories/{code}/route") => s(Param("0101"), RouteForm, Cap(C::CategoryManage), SEE),
        ("POST", "/admin/categories/{code}/limits") => {
            s(Param("0101"), LimitsForm, CapAt(C::CategoryManage, Reach::All), SEE)
        }
        ("POST", "/admin/settings/review") => s(Obj::None, ReviewForm, CapAt(C::CategoryManage, Reach::All), SEE),
        ("GET", "/admin/calendar") => s(Obj::None, Empty, Cap(C::CalendarManage), OK),
        ("POST", "/admin/calendar/days") => s(Obj::None, CalendarDayForm, Cap(C::CalendarManage), SEE),
        ("POST", "/admin/calendar/days/{date}/delete") => s(Param("2027-02-01"), CsrfOnly, Cap(C::CalendarManage), SEE),
        // Runs after /admin/calendar/days (route table order) has entered 2027-01-01.
        ("POST", "/admin/calendar/years") => s(Obj::None, YearForm, Cap(C::CalendarManage), SEE),
        ("GET", "/api/v1/categories") => s(Obj::None, Empty, Signed, OK),
        ("GET", "/api/v1/categories/{code}/suggestion") => s(Param("0101"), Empty, Signed, OK),
        ("PUT", "/api/v1/categories/{code}/route") => s(Param("0101"), RouteJson, Cap(C::CategoryManage), OK),
        ("PUT", "/api/v1/categories/{code}/limits") => {
            s(Param("0101"), LimitsJson, CapAt(C::CategoryManage, Reach::All), OK)
        }
        ("GET", "/api/v1/calendar/{year}") => s(Param("2026"), Empty, Signed, OK),
        ("POST", "/api/v1/calendar/days") => s(Obj::None, CalendarDayJson, Cap(C::CalendarManage), StatusCode::CREATED),
        // Attachments: whoever reads the demand reads its files; parties upload.
        ("POST", "/api/v1/demands/{id}/attachments") => {
            s(Obj::Demand, Upload, Cap(C::DemandAttach), StatusCode::CREATED)
        }
        ("GET", "/api/v1/demands/{id}/attachments") => s(Obj::Demand, Empty, Cap(C::DemandRead), OK),
        ("POST", "/demands/{id}/attachments") => s(Obj::Demand, Upload, Cap(C::DemandAttach), SEE),
        ("GET", "/attachments/{id}") => s(Obj::Attachment, Empty, Cap(C::DemandRead), OK),
        // Visits: officers record, edit and turn needs into demands; readers by scope.
        ("GET", "/visits") | ("GET", "/visits/export.xlsx") => s(Obj::None, Empty, Cap(C::VisitView), OK),
        ("GET", "/visits/new") => s(Obj::None, Empty, Cap(C::VisitRecord), OK),
        ("POST", "/visits") => s(Obj::None, VisitForm, Cap(C::VisitRecord), SEE),
        ("GET", "/visits/behind") | ("GET", "/visits/compliance") | ("GET", "/visits/compliance.xlsx") => {
            s(Obj::None, Empty, Cap(C::VisitRead), OK)
        }
        ("POST", "/visits/rule") => s(Obj::None, VisitRuleForm, Cap(C::VisitRuleManage), SEE),
        ("GET", "/visits/campaigns") => s(Obj::None, Empty, Cap(C::CampaignRead), OK),
        ("POST", "/visits/campaigns") => s(Obj::None, CampaignForm, Cap(C::CampaignManage), SEE),
        ("GET", "/visits/campaigns/{id}") => s(Obj::Campaign, Empty, Cap(C::CampaignRead), OK),
        ("GET", "/visits/{id}") => s(Obj::Visit, Empty, Cap(C::VisitView), OK),
        ("POST", "/visits/{id}") => s(Obj::Visit, VisitEditForm, Cap(C::VisitRecord), SEE),
        ("GET", "/visits/{id}/edit") => s(Obj::Visit, Empty, Cap(C::VisitRecord), OK),
        ("POST", "/visits/{id}/demands") => s(Obj::Visit, NeedForm, Cap(C::VisitRecord), SEE),
        ("POST", "/api/v1/visits") => s(Obj::None, VisitJson, Cap(C::VisitRecord), StatusCode::CREATED),
        ("GET", "/api/v1/visits") => s(Obj::None, Empty, Cap(C::VisitView), OK),
        ("GET", "/api/v1/visits/compliance") | ("GET", "/api/v1/visits/behind") => {
            s(Obj::None, Empty, Cap(C::VisitRead), OK)
        }
        ("GET", "/api/v1/visits/{id}") => s(Obj::Visit, Empty, Cap(C::VisitView), OK),
        ("PUT", "/api/v1/visits/{id}") => s(Obj::Visit, VisitEditJson, Cap(C::VisitRecord), OK),
        ("POST", "/api/v1/visits/{id}/demands") => s(Obj::Visit, NeedJson, Cap(C::VisitRecord), StatusCode::CREATED),
        // Photos of a visit: its author adds them; whoever reads the visit reads them.
        ("POST", "/api/v1/visits/{id}/attachments") => s(Obj::Visit, Upload, Cap(C::VisitRecord), StatusCode::CREATED),
        ("GET", "/api/v1/visits/{id}/attachments") => s(Obj::Visit, Empty, Cap(C::VisitView), OK),
        ("POST", "/visits/{id}/attachments") => s(Obj::Visit, Upload, Cap(C::VisitRecord), SEE),
        ("GET", "/api/v1/campaigns") => s(Obj::None, Empty, Cap(C::CampaignRead), OK),
        ("POST", "/api/v1/campaigns") => s(Obj::None, CampaignJson, Cap(C::CampaignManage), StatusCode::CREATED),
        ("GET", "/api/v1/campaigns/{id}/coverage") => s(Obj::Campaign, Empty, Cap(C::CampaignRead), OK),
        // The enterprise code: public landing and binding (an unknown token is 404 for everyone).
        ("GET", "/c/{token}") => s(Obj::Code, Empty, Public, OK),
        ("POST", "/c/{token}") => s(Param("0123456789abcdef0123456789abcdef"), CsrfOnly, Public, StatusCode::NOT_FOUND),
        ("POST", "/api/v1/codes/{token}/bind") => {
            s(Param("0123456789abcdef0123456789abcdef"), LoginJsonEmpty, Public, StatusCode::NOT_FOUND)
        }
        ("GET", "/enterprises/{id}/poster") => s(Enterprise, Empty, Cap(C::EnterpriseCodeManage), OK),
        ("GET", "/districts/{id}/posters") | ("GET", "/districts/{id}/codes.zip") => {
            s(District, Empty, CapAt(C::EnterpriseCodeManage, Reach::Scope), OK)
        }
        ("POST", "/enterprises/{id}/code/rotate") => s(Enterprise, CsrfOnly, Cap(C::EnterpriseCodeManage), SEE),
        ("POST", "/enterprises/{id}/binding-codes") => s(Enterprise, CsrfOnly, Cap(C::EnterpriseCodeManage), OK),
        ("POST", "/enterprises/{id}/users/remove") => {
            s(Enterprise, RemoveForm, Cap(C::EnterpriseCodeManage), StatusCode::NOT_FOUND)
        }
        ("POST", "/bindings/{id}/decide") => {
            s(Obj::Binding, DecideBadForm, Cap(C::EnterpriseCodeManage), StatusCode::UNPROCESSABLE_ENTITY)
        }
        ("GET", "/my-officer") => s(Obj::None, Empty, Cap(C::MyOfficerRead), OK),
        ("GET", "/api/v1/enterprises/{id}/code")
        | ("GET", "/api/v1/enterprises/{id}/code.svg")
        | ("GET", "/api/v1/enterprises/{id}/code.png")
        | ("GET", "/api/v1/enterprises/{id}/bindings") => s(Enterprise, Empty, Cap(C::EnterpriseCodeManage), OK),
        ("POST", "/api/v1/enterprises/{id}/code/rotate") => s(Enterprise, Empty, Cap(C::EnterpriseCodeManage), OK),
        ("POST", "/api/v1/enterprises/{id}/binding-codes") => {
            s(Enterprise, Empty, Cap(C::EnterpriseCodeManage), StatusCode::CREATED)
        }
        ("POST", "/api/v1/bindings/{id}/decide") => {
            s(Obj::Binding, DecideBadJson, Cap(C::EnterpriseCodeManage), StatusCode::UNPROCESSABLE_ENTITY)
        }
        // Hot issues: coordinators and the city admin decide; a district admin and the auditor read.
        ("GET", "/hot-issues") | ("GET", "/api/v1/hot-issues") | ("GET", "/api/v1/hot-issues/settings") => {
            s(Obj::None, Empty, Cap(C::HotIssueRead), OK)
        }
        ("GET", "/hot-issues/{id}") | ("GET", "/api/v1/hot-issues/{id}") => {
            s(Obj::HotIssue, Empty, Cap(C::HotIssueRead), OK)
        }
        ("POST", "/hot-issues/settings") => s(Obj::None, HotSettingsForm, Cap(C::HotIssueConfigure), SEE),
        ("PUT", "/api/v1/hot-issues/settings") => s(Obj::None, HotSettingsJson, Cap(C::HotIssueConfigure), OK),
        ("POST", "/hot-issues/{id}/actions/confirm") => s(Obj::HotIssue, CsrfOnly, Cap(C::HotIssueDecide), SEE),
        ("POST", "/hot-issues/{id}/actions/dismiss") => s(Obj::HotIssue, HotReasonForm, Cap(C::HotIssueDecide), SEE),
        ("POST", "/hot-issues/{id}/actions/merge") => s(Obj::HotIssueMerge, CsrfOnly, Cap(C::HotIssueDecide), SEE),
        ("POST", "/api/v1/hot-issues/{id}/actions/confirm") => s(Obj::HotIssue, Empty, Cap(C::HotIssueDecide), OK),
        ("POST", "/api/v1/hot-issues/{id}/actions/dismiss") => {
            s(Obj::HotIssue, HotReasonJson, Cap(C::HotIssueDecide), OK)
        }
        ("POST", "/api/v1/hot-issues/{id}/actions/merge") => s(Obj::HotIssueMerge, Empty, Cap(C::HotIssueDecide), OK),
        // Metrics, dashboard, reports (issue 6).
        ("GET", "/dashboard") => s(Obj::None, Empty, Cap(C::MetricsRead), OK),
        ("GET", "/api/v1/metrics/departments")
        | ("GET", "/api/v1/metrics/districts")
        | ("GET", "/api/v1/metrics/dashboard") => s(Obj::None, Empty, Cap(C::MetricsRead), OK),
        ("GET", "/api/v1/metrics/officers") => s(Obj::None, Empty, Cap(C::VisitRead), OK),
        ("GET", "/reports/{kind}") | ("GET", "/reports/{kind}/export.xlsx") | ("GET", "/api/v1/reports/{kind}") => {
            s(Obj::DistrictReport, Empty, Cap(C::CoverageRead), OK)
        }
        ("GET", "/my-officer/rate") => s(Obj::None, Empty, Cap(C::MyOfficerRead), OK),
        // A form without a score: the enterprise user gets the field error, nothing is recorded.
        ("POST", "/my-officer/rate") => s(Obj::None, CsrfOnly, Cap(C::MyOfficerRead), StatusCode::UNPROCESSABLE_ENTITY),
        // People, managed by the admins (issue 12 item 2).
        ("POST", "/api/v1/users") => s(District, NewUserJson, Cap(C::UserManage), StatusCode::CREATED),
        ("GET", "/api/v1/users/{id}") | ("GET", "/users/{id}") => s(Obj::User, Empty, Cap(C::UserRead), OK),
        ("PATCH", "/api/v1/users/{id}") => s(Obj::User, UserPatchJson, Cap(C::UserManage), OK),
        ("POST", "/api/v1/users/{id}/deactivate")
        | ("POST", "/api/v1/users/{id}/reactivate")
        | ("POST", "/api/v1/users/{id}/reset-password")
        | ("POST", "/api/v1/users/{id}/unlock") => s(Obj::User, Empty, Cap(C::UserManage), OK),
        ("POST", "/api/v1/me/password") => s(Obj::None, PasswordWrongJson, Signed, StatusCode::UNPROCESSABLE_ENTITY),
        ("POST", "/users") => s(District, NewUserForm, Cap(C::UserManage), OK),
        ("POST", "/users/{id}") => s(Obj::User, UserEditForm, Cap(C::UserManage), SEE),
        ("POST", "/users/{id}/deactivate") | ("POST", "/users/{id}/reactivate") | ("POST", "/users/{id}/unlock") => {
            s(Obj::User, CsrfOnly, Cap(C::UserManage), SEE)
        }
        ("POST", "/users/{id}/reset-password") => s(Obj::User, CsrfOnly, Cap(C::UserManage), OK),
        ("GET", "/me/password") => s(Obj::None, Empty, Signed, OK),
        ("POST", "/me/password") => s(Obj::None, PasswordWrongForm, Signed, StatusCode::UNPROCESSABLE_ENTITY),
        ("POST", "/api/v1/officer-ratings") => {
            s(Obj::None, LoginJsonEmpty, Cap(C::MyOfficerRead), StatusCode::UNPROCESSABLE_ENTITY)
        }
        // Regions and departments, managed by the city admin (issue 12).
        ("POST", "/api/v1/regions") => s(Obj::None, NewRegionJson, Cap(C::RegionManage), StatusCode::CREATED),
        ("PATCH", "/api/v1/regions/{id}") => s(District, RegionSameJson, Cap(C::RegionManage), OK),
        ("POST", "/api/v1/departments") => {
            s(Obj::None, NewDepartmentJson, Cap(C::DepartmentManage), StatusCode::CREATED)
        }
        ("PATCH", "/api/v1/departments/{id}") => s(Obj::Department, DepartmentSameJson, Cap(C::DepartmentManage), OK),
        ("GET", "/admin/regions") => s(Obj::None, Empty, Cap(C::RegionManage), OK),
        ("POST", "/admin/regions") => s(Obj::None, NewRegionForm, Cap(C::RegionManage), SEE),
        ("POST", "/admin/regions/{id}") => s(District, RegionSameForm, Cap(C::RegionManage), SEE),
        ("GET", "/admin/departments") => s(Obj::None, Empty, Cap(C::DepartmentManage), OK),
        ("POST", "/admin/departments") => s(Obj::None, NewDepartmentForm, Cap(C::DepartmentManage), SEE),
        ("POST", "/admin/departments/{id}") => s(Obj::Department, DepartmentSameForm, Cap(C::DepartmentManage), SEE),
        _ => None,
    }
}

/// (in scope, out of scope) object ids per user, by object kind.
/// The fixture plus the two demands the matrix reads.
struct Fixture<'a> {
    ids: crate::harness::Ids,
    demand_a: i64,
    demand_b: i64,
    attachment_a: i64,
    attachment_b: i64,
    visit_a: i64,
    visit_b: i64,
    campaign_a: i64,
    campaign_b: i64,
    hot_a: i64,
    hot_b: i64,
    hot_merge: i64,
    code_a: String,
    binding_a: i64,
    binding_b: i64,
    managed_a: i64,
    managed_b: i64,
    app: &'a TestApp,
}

fn objects(t: &Fixture<'_>, user: &str, obj: Obj) -> (String, Option<String>) {
    let i = t.ids;
    let (a, b): (i64, Option<i64>) = match (obj, user) {
        // Assignment targets use the unassigned enterprise so reads stay stable.
        (Obj::Enterprise, "district-a") => (i.ent_a1, Some(i.ent_b1)),
        (Obj::Enterprise, "officer-a") | (Obj::Enterprise, "ent-a1") => (i.ent_a1, Some(i.ent_a2)),
        (Obj::Enterprise, _) => (i.ent_a1, None),
        (Obj::Officer, "district-a") => (i.officer_a, Some(i.officer_b)),
        (Obj::Officer, "head-t") => (i.officer_a, Some(i.officer_b)),
        (Obj::Officer, "officer-a") => (i.officer_a, Some(i.officer_a2)),
        (Obj::Officer, "ent-a1") => (i.officer_a, Some(i.officer_b)),
        (Obj::Officer, _) => (i.officer_a, None),
        (Obj::District, "district-a") => (i.district_a, Some(i.district_b)),
        (Obj::District, _) => (i.district_a, None),
        // Demand A: enterprise A1, dispatched to the transport department; demand B: enterprise B1, not dispatched.
        (Obj::Demand, "admin") | (Obj::Demand, "auditor") | (Obj::Demand, "coordinator") => (t.demand_a, None),
        (Obj::Demand, _) => (t.demand_a, Some(t.demand_b)),
        (Obj::Attachment, "admin") | (Obj::Attachment, "auditor") | (Obj::Attachment, "coordinator") => {
            (t.attachment_a, None)
        }
        (Obj::Attachment, _) => (t.attachment_a, Some(t.attachment_b)),
        // Visit A: officer A at enterprise A1 (district A, officer of the transport department); B: officer B at B1.
        (Obj::Visit, "admin") | (Obj::Visit, "auditor") | (Obj::Visit, "coordinator") => (t.visit_a, None),
        (Obj::Visit, _) => (t.visit_a, Some(t.visit_b)),
        (Obj::Campaign, "admin") | (Obj::Campaign, "auditor") | (Obj::Campaign, "coordinator") => (t.campaign_a, None),
        (Obj::Campaign, _) => (t.campaign_a, Some(t.campaign_b)),
        (Obj::HotIssue, "admin") | (Obj::HotIssue, "auditor") | (Obj::HotIssue, "coordinator") => (t.hot_a, None),
        (Obj::HotIssue, _) => (t.hot_a, Some(t.hot_b)),
        (Obj::HotIssueMerge, "admin") | (Obj::HotIssueMerge, "coordinator") => (t.hot_merge, None),
        (Obj::HotIssueMerge, _) => (t.hot_merge, Some(t.hot_b)),
        (Obj::Binding, "admin") | (Obj::Binding, "auditor") | (Obj::Binding, "coordinator") => (t.binding_a, None),
        (Obj::Binding, _) => (t.binding_a, Some(t.binding_b)),
        (Obj::Code, _) => return (t.code_a.clone(), None),
        (Obj::DistrictReport, u) => {
            let r = |d: i64| format!("district-monthly?period=2026-11&id={d}");
            let outside = (u == "district-a").then(|| r(i.district_b));
            return (r(i.district_a), outside);
        }
        (Obj::User, "district-a") => (t.managed_a, Some(t.managed_b)),
        (Obj::User, _) => (t.managed_a, None),
        (Obj::Param(p), _) => return (p.to_string(), None),
        (Obj::Department, _) => (i.dept_t, None),
        (Obj::None, _) => return (String::new(), None),
    };
    (a.to_string(), b.map(|x| x.to_string()))
}

fn fill(path: &str, value: &str) -> String {
    // A value with a query ("kind?period=…") fills the parameter; its query goes last.
    if let Some((v, q)) = value.split_once('?') {
        return format!("{}?{q}", fill(path, v));
    }
    let path = path.replace("{action}", "urge");
    let mut out = String::new();
    let mut rest = path.as_str();
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e + 1);
        out.push_str(value);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(9000);
/// Alternates the officer of assignment requests so each successful one is a real change.
static ASSIGN_SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn build(
    t: &Fixture<'_>,
    method: &str,
    path: &str,
    spec: &Spec,
    target: &str,
    auth: Option<(&str, &str)>,
) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    let is_api = path.starts_with("/api/");
    if let Some((tok, _)) = auth {
        b = if is_api {
            b.header(header::AUTHORIZATION, format!("Bearer {tok}"))
        } else {
            b.header(header::COOKIE, format!("zhuqi_session={tok}"))
        };
    }
    let csrf = auth.map_or("", |a| a.1);
    let form = |b: axum::http::request::Builder, s: String| {
        b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(s)).unwrap()
    };
    let json = |b: axum::http::request::Builder, v: serde_json::Value| {
        b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap()
    };
    // Assignment requests target the unassigned enterprise (in scope) so that
    // the read checks of other routes keep their scope.
    let ent_target = if target == t.ids.ent_a1.to_string() { t.ids.ent_a3.to_string() } else { target.to_string() };
    let officer_for = |e: &str| if e == t.ids.ent_b1.to_string() { t.ids.officer_b } else { t.ids.officer_a2 };
    match spec.body {
        Body_::Empty => b.body(Body::empty()).unwrap(),
        Body_::AssignForm => {
            let uri = fill("/enterprises/{id}/assign", &ent_target);
            let n = ASSIGN_SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let officer = if n.is_multiple_of(2) { t.ids.officer_a } else { t.ids.officer_a2 };
            let officer = if ent_target == t.ids.ent_b1.to_string() { officer_for(&ent_target) } else { officer };
            form(b.uri(uri), format!("_csrf={csrf}&officer_id={officer}"))
        }
        Body_::BulkForm => form(b, format!("_csrf={csrf}&district_id={target}")),
        Body_::LogoutForm => form(b, format!("_csrf={csrf}")),
        Body_::ImportMultipart => {
            let boundary = "zhuqiboundary";
            let body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nenterprises\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"e.csv\"\r\nContent-Type: text/csv\r\n\r\n统一社会信用代码,企业名称,片区,行业代码,规模\r\n\r\n--{boundary}--\r\n"
            );
            b.uri("/admin/import")
                .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
                .body(Body::from(body))
                .unwrap()
        }
        Body_::LoginJsonEmpty => json(b, serde_json::json!({})),
        Body_::LoginFormNoCsrf => form(b, "username=admin&password=zhuqi-demo".into()),
        Body_::EnterpriseJson => {
            let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            json(
                b,
                serde_json::json!({"credit_code": credit_code(n), "name": format!("测试企业{n}有限公司"), "district_id": target.parse::<i64>().unwrap(),
                    "industry_code": "C3443", "size": "below"}),
            )
        }
        Body_::AssignJson => {
            let uri = fill("/api/v1/enterprises/{id}/officer", &ent_target);
            let n = ASSIGN_SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let officer = if ent_target == t.ids.ent_b1.to_string() {
                officer_for(&ent_target)
            } else if n.is_multiple_of(2) {
                t.ids.officer_a
            } else {
                t.ids.officer_a2
            };
            json(b.uri(uri), serde_json::json!({"officer_id": officer}))
        }
        Body_::CsvHeaderOnly => b
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from("统一社会信用代码,企业名称,片区,行业代码,规模\n"))
            .unwrap(),
        Body_::DemandForm => {
            let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            form(b, format!("_csrf={csrf}&enterprise_id={}&category=0102&title=t&description=d&key=k{n}", t.ids.ent_a1))
        }
        Body_::DemandJson => json(
            b,
            serde_json::json!({"enterprise_id": t.ids.ent_a1, "category": "0102", "title": "t", "description": "d"}),
        ),
        Body_::UrgeForm => form(b, format!("_csrf={csrf}&note=%E5%82%AC")),
        Body_::UrgeJson => json(b, serde_json::json!({"note": "催办"})),
        Body_::CsrfOnly => form(b, format!("_csrf={csrf}")),
        // District A's lead department for the category (in district-a's scope).
        Body_::RouteForm => {
            form(b, format!("_csrf={csrf}&district_id={}&department_id={}", t.ids.district_a, t.ids.dept_t))
        }
        Body_::RouteJson => {
            json(b, serde_json::json!({"district_id": t.ids.district_a, "department_id": t.ids.dept_t}))
        }
        // The default limits again, so the other routes' deadlines do not move.
        Body_::LimitsForm => {
            form(b, format!("_csrf={csrf}&sign_days=1&reply_days=3&close_days=5&auto_close_days=5&reason=check"))
        }
        Body_::LimitsJson => json(
            b,
            serde_json::json!({"sign_days": 1, "reply_days": 3, "close_days": 5, "auto_close_days": 5, "reason": "check"}),
        ),
        // Unticked: review stays off, as by default.
        Body_::ReviewForm => form(b, format!("_csrf={csrf}")),
        Body_::CalendarDayForm => form(b, format!("_csrf={csrf}&date=2027-01-01&kind=holiday&name=%E5%85%83%E6%97%A6")),
        Body_::CalendarDayJson => json(b, serde_json::json!({"date": "2027-01-01", "kind": "holiday", "name": "元旦"})),
        Body_::YearForm => form(b, format!("_csrf={csrf}&year=2027")),
        // 2026-11-26 09:00 in China, an hour before the fixture's clock.
        Body_::VisitForm => {
            let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            form(
                b,
                format!(
                    "_csrf={csrf}&enterprise_id={}&mode=on_site&started_at=2026-11-26T09:00&role_confidence=1&production_status=normal&notes=n&key=v{n}",
                    t.ids.ent_a1
                ),
            )
        }
        Body_::VisitEditForm => {
            form(b, format!("_csrf={csrf}&mode=phone&started_at=2026-11-26T09:10&role_policy=1&policy=p&notes=edited"))
        }
        Body_::VisitJson => json(
            b,
            serde_json::json!({"enterprise_id": t.ids.ent_a1, "mode": "on_site", "started_at": "2026-11-26T09:00:00+08:00",
                "roles": ["confidence"], "notes": "n"}),
        ),
        Body_::VisitEditJson => json(
            b,
            serde_json::json!({"mode": "video", "started_at": "2026-11-26T09:20:00+08:00", "roles": ["policy"], "policy": "p"}),
        ),
        Body_::NeedForm => form(b, format!("_csrf={csrf}&category=0102&title=t&description=d")),
        Body_::NeedJson => json(b, serde_json::json!({"category": "0102", "title": "t", "description": "d"})),
        // The default rule again, so the reports of other routes do not change.
        Body_::VisitRuleForm => form(b, format!("_csrf={csrf}&min_per_month=2&reminder_day=20")),
        Body_::CampaignForm => {
            form(b, format!("_csrf={csrf}&name=c&district_id=&starts_on=2026-11-01&ends_on=2026-11-30"))
        }
        Body_::CampaignJson => {
            json(b, serde_json::json!({"name": "c", "starts_on": "2026-11-01", "ends_on": "2026-11-30"}))
        }
        Body_::Upload if path.starts_with("/api/") => {
            b.header("x-file-name", "photo.png").body(Body::from(crate::attachments::png())).unwrap()
        }
        Body_::Upload => {
            let (ct, body) = if path.starts_with("/api/") {
                crate::attachments::multipart("photo.png", &crate::attachments::png())
            } else {
                crate::attachments::multipart_with_csrf(csrf, "photo.png", &crate::attachments::png())
            };
            b.header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap()
        }
        Body_::DecideBadForm => form(b, format!("_csrf={csrf}&decision=maybe")),
        Body_::DecideBadJson => json(b, serde_json::json!({"decision": "maybe"})),
        Body_::RemoveForm => form(b, format!("_csrf={csrf}&user_id=999999")),
        Body_::HotReasonForm => form(b, format!("_csrf={csrf}&reason=%E5%90%84%E8%87%AA%E5%8A%9E%E7%90%86")),
        Body_::HotReasonJson => json(b, serde_json::json!({"reason": "各自办理"})),
        Body_::HotSettingsForm => {
            form(b, format!("_csrf={csrf}&min_enterprises=5&window_days=7&min_similarity=0.25&min_significance=3.0"))
        }
        Body_::NewRegionJson => {
            let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            json(b, serde_json::json!({"parent_id": t.ids.district_b, "name": format!("测试镇{n}"), "kind": "镇"}))
        }
        Body_::NewRegionForm => {
            let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            form(b, format!("_csrf={csrf}&parent_id={}&name=Town{n}&code=&kind=", t.ids.district_b))
        }
        // Both districts of the fixture have sort order 1 and 2; A is the in-scope one.
        Body_::RegionSameJson => {
            json(b, serde_json::json!({"sort_order": if target == t.ids.district_a.to_string() { 1 } else { 2 }}))
        }
        Body_::RegionSameForm => {
            form(b, format!("_csrf={csrf}&sort_order={}", if target == t.ids.district_a.to_string() { 1 } else { 2 }))
        }
        Body_::NewDepartmentJson => {
            let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            json(b, serde_json::json!({"name": format!("测试部门{n}"), "short_name": "测试"}))
        }
        Body_::NewDepartmentForm => {
            let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            form(b, format!("_csrf={csrf}&name=Dept{n}&short_name=&parent_unit=&code="))
        }
        Body_::DepartmentSameJson => json(b, serde_json::json!({"parent_unit": "丽水市人民政府"})),
        Body_::DepartmentSameForm => {
            form(b, format!("_csrf={csrf}&parent_unit=%E4%B8%BD%E6%B0%B4%E5%B8%82%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C"))
        }
        Body_::NewUserForm => {
            let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            form(b, format!("_csrf={csrf}&username=new-{n}&display_name=n{n}&role=officer&district_id={target}&home_department_id={}", t.ids.dept_t))
        }
        Body_::NewUserJson => {
            let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            json(
                b,
                serde_json::json!({"username": format!("new-{n}"), "display_name": format!("n{n}"), "role": "officer",
                    "district_id": target.parse::<i64>().unwrap(), "home_department_id": t.ids.dept_t}),
            )
        }
        Body_::UserEditForm => {
            let d = if target == t.managed_b.to_string() { t.ids.district_b } else { t.ids.district_a };
            form(
                b,
                format!(
                    "_csrf={csrf}&display_name=edited&role=officer&district_id={d}&home_department_id={}",
                    t.ids.dept_t
                ),
            )
        }
        Body_::UserPatchJson => json(b, serde_json::json!({"display_name": "edited"})),
        Body_::PasswordWrongForm => form(
            b,
            format!(
                "_csrf={csrf}&current_password=wrong-pass1&new_password=new-pass-123&confirm_password=new-pass-123"
            ),
        ),
        Body_::PasswordWrongJson => {
            json(b, serde_json::json!({"current_password": "wrong-pass1", "new_password": "new-pass-123"}))
        }
        Body_::HotSettingsJson => json(
            b,
            serde_json::json!({"min_enterprises": 5, "window_days": 7, "min_similarity_pct": 25, "min_significance_pct": 300}),
        ),
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_documented() {
    let app = TestApp::new("sqlite").await;
    let mut sessions: HashMap<&str, (String, String)> = HashMap::new();
    for &(u, _) in ALL {
        sessions.insert(u, app.page_session(u).await);
    }
    let post = |tok: String, path: String, body: serde_json::Value| {
        let app = &app;
        async move { app.json(axum::http::Method::POST, &path, Some(&tok), Some(body)).await }
    };
    let new = |e: i64| serde_json::json!({"enterprise_id": e, "category": "0102", "title": "物流受限", "description": "车辆无法进入园区"});
    let (_, a) = post(sessions["officer-a"].0.clone(), "/api/v1/demands".into(), new(app.ids.ent_a1)).await;
    let demand_a = a["id"].as_i64().expect("demand a");
    let (s, _) = post(
        sessions["coordinator"].0.clone(),
        format!("/api/v1/demands/{demand_a}/actions/dispatch"),
        serde_json::json!({"department_id": app.ids.dept_t}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let officer_b = app.token("officer-b").await;
    let (_, b) = post(officer_b, "/api/v1/demands".into(), new(app.ids.ent_b1)).await;
    let demand_b = b["id"].as_i64().expect("demand b");
    let attachment_a = crate::attachments::upload(&app, &sessions["officer-a"].0, demand_a).await;
    let attachment_b = crate::attachments::upload(&app, &app.token("officer-b").await, demand_b).await;
    let visit = |e: i64| {
        serde_json::json!({"enterprise_id": e, "mode": "on_site", "started_at": "2026-11-26T09:00:00+08:00",
            "roles": ["confidence", "difficulty"], "needs": "用工紧张", "notes": "生产正常"})
    };
    let (s, v) = post(sessions["officer-a"].0.clone(), "/api/v1/visits".into(), visit(app.ids.ent_a1)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let visit_a = v["id"].as_i64().expect("visit a");
    let (_, v) = post(app.token("officer-b").await, "/api/v1/visits".into(), visit(app.ids.ent_b1)).await;
    let visit_b = v["id"].as_i64().expect("visit b");
    let campaign = |d: i64| serde_json::json!({"name": "敲门走访", "district_id": d, "starts_on": "2026-11-01", "ends_on": "2026-12-15"});
    let (s, v) = post(sessions["admin"].0.clone(), "/api/v1/campaigns".into(), campaign(app.ids.district_a)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let campaign_a = v["id"].as_i64().expect("campaign a");
    let (_, v) = post(sessions["admin"].0.clone(), "/api/v1/campaigns".into(), campaign(app.ids.district_b)).await;
    let campaign_b = v["id"].as_i64().expect("campaign b");
    // Enterprise codes and a pending binding request of A1 and of B1 (straight
    // through the application, so the matrix's own requests have the rate budget).
    let code = |e: i64| {
        let app = &app;
        async move {
            let admin = app.app.actor_by_username("admin").await.unwrap().unwrap();
            let meta = zhuqi_app::RequestMeta::default();
            let v = app.app.enterprise_code(&admin, e, &meta).await.unwrap();
            let input = zhuqi_app::enterprise_code::BindInput {
                name: "王经理".into(),
                phone: format!("1370000{e:04}"),
                password: "secret-pass1".into(),
                code: String::new(),
            };
            let out = app.app.bind(&v.token, &input, &meta).await.unwrap();
            let zhuqi_app::enterprise_code::BindOutcome::Pending { request_id } = out else { panic!("{out:?}") };
            (v.token, request_id)
        }
    };
    let (code_a, binding_a) = code(app.ids.ent_a1).await;
    // Hot issues straight through the store: A with demand A, B with demand B,
    // and one more of district A (a fresh demand) for the merge routes.
    let (_, c) = post(sessions["officer-a"].0.clone(), "/api/v1/demands".into(), new(app.ids.ent_a1)).await;
    let demand_c = c["id"].as_i64().expect("demand c");
    let hot = |demand: i64| {
        let app = &app;
        async move {
            let mut tx = app.app.store.begin().await.unwrap();
            let id = zhuqi_store::hot_issues::insert(&mut tx, "0102", "物流 通行证", app.app.now_ms()).await.unwrap();
            zhuqi_store::hot_issues::add_members(&mut tx, id, &[demand], app.app.now_ms()).await.unwrap();
            tx.commit().await.unwrap();
            id
        }
    };
    let (hot_a, hot_b, hot_merge) = (hot(demand_a).await, hot(demand_b).await, hot(demand_c).await);
    let (_, binding_b) = code(app.ids.ent_b1).await;
    // Two officer accounts for the user administration routes (not signed in by the matrix).
    let managed = |username: &'static str, district: i64| {
        let app = &app;
        async move {
            let mut tx = app.app.store.begin().await.unwrap();
            let new = zhuqi_app::accounts::NewAccount {
                username: username.into(),
                display_name: username.into(),
                role: "officer".into(),
                scope: zhuqi_domain::account::ScopeIds {
                    district_id: Some(district),
                    home_department_id: Some(app.ids.dept_t),
                    ..Default::default()
                },
                phone: String::new(),
            };
            let policy = zhuqi_domain::password::PasswordPolicy::default();
            let (id, _) = zhuqi_app::accounts::insert_with_one_time_password(&mut tx, &new, &policy, app.app.now_ms())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            id
        }
    };
    let (managed_a, managed_b) =
        (managed("managed-a", app.ids.district_a).await, managed("managed-b", app.ids.district_b).await);
    let t = Fixture {
        managed_a,
        managed_b,
        code_a,
        binding_a,
        binding_b,
        ids: app.ids,
        demand_a,
        demand_b,
        attachment_a,
        attachment_b,
        visit_a,
        visit_b,
        campaign_a,
        campaign_b,
        hot_a,
        hot_b,
        hot_merge,
        app: &app,
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    let routes = zhuqi_web::route_list();
    let missing: Vec<String> = routes
        .iter()
        .filter(|r| spec(r.method, r.path).is_none())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(missing.is_empty(), "routes without an access rule in tests/it/routes.rs: {missing:?}");
    for r in &routes {
        let Some(sp) = spec(r.method, r.path) else { continue };
        let is_api = r.path.starts_with("/api/");
        let public = matches!(sp.who, Who::Public);
        // Anonymous.
        let (target, _) = objects(&t, "admin", sp.obj);
        let path = fill(r.path, &target);
        let (s, h, _) = t.app.send(build(&t, r.method, &path, &sp, &target, None)).await;
        checked += 1;
        let want_anon = if public {
            sp.ok
        } else if is_api {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::SEE_OTHER
        };
        let location_ok =
            public || is_api || h.get(header::LOCATION).is_some_and(|l| l.to_str().unwrap_or("").starts_with("/login"));
        if s != want_anon || !location_ok {
            failures.push(format!("anonymous {} {path}: got {s}, want {want_anon}", r.method));
        }
        for &(u, role) in ALL {
            let mut auth = sessions[u].clone();
            if matches!(sp.body, Body_::LogoutForm) || r.path == "/api/v1/auth/logout" {
                auth = t.app.page_session(u).await;
            }
            let (inside, outside) = objects(&t, u, sp.obj);
            let allowed = sp.who.admits(role);
            let cases: Vec<(String, StatusCode)> = {
                let mut v = vec![(inside, if allowed { sp.ok } else { StatusCode::FORBIDDEN })];
                if let Some(o) = outside {
                    // Outside the scope: 404 for reads of an object; writes
                    // naming a district outside the scope are refused with 403.
                    // A demand outside the scope is not found whatever the role (who may
                    // act on a demand depends on the demand, so scope comes first).
                    let want = if sp.obj == Obj::Demand {
                        StatusCode::NOT_FOUND
                    } else if !allowed || sp.obj == Obj::District {
                        StatusCode::FORBIDDEN
                    } else {
                        StatusCode::NOT_FOUND
                    };
                    v.push((o, want));
                }
                v
            };
            for (target, want) in cases {
                let path = fill(r.path, &target);
                let (s, _, body) = t.app.send(build(&t, r.method, &path, &sp, &target, Some((&auth.0, &auth.1)))).await;
                checked += 1;
                if s != want {
                    failures.push(format!(
                        "{u} {} {path}: got {s}, want {want}: {}",
                        r.method,
                        String::from_utf8_lossy(&body).chars().take(160).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 300, "only {checked} checks ran");
}

#[tokio::test]
async fn denials_are_audited() {
    let t = TestApp::new("sqlite").await;
    let tok = t.token("handler-t").await;
    let (s, _) = t.json(axum::http::Method::GET, "/api/v1/enterprises", Some(&tok), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, v) = t
        .json(axum::http::Method::GET, "/api/v1/audit?action=list_enterprises", Some(&t.token("auditor").await), None)
        .await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["outcome"], "denied");
    assert_eq!(v["items"][0]["actor_name"], "handler-t");
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let doc = zhuqi_web::openapi::document();
    for r in zhuqi_web::route_list().iter().filter(|r| r.path.starts_with("/api/")) {
        let op = &doc["paths"][r.path][r.method.to_ascii_lowercase()];
        assert!(op.is_object(), "{} {} missing from openapi.json", r.method, r.path);
        assert!(!op["summary"].as_str().unwrap_or("").is_empty());
    }
    assert!(doc["components"]["schemas"]["Error"].is_object());
}
