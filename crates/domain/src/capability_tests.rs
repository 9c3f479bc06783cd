use super::*;
use Relation::{InScope, Outside};

/// Today's decisions, written out role by role as the code made them before
/// the table existed: (capability, relation) → allowed for `role`.
fn expected(role: Role, cap: Capability, rel: Relation) -> bool {
    use Capability as C;
    let admin_in = |r: Relation| match role {
        CityAdmin => true,
        DistrictAdmin => r != Outside,
        _ => false,
    };
    match cap {
        C::DemandRead => match rel {
            Outside => matches!(role, CityAdmin | Auditor),
            InScope => !matches!(role, Officer | EnterpriseUser),
            Relation::Own => true,
        },
        C::NotificationRead => rel == Relation::Own,
        C::DemandSubmit => match role {
            CityAdmin => true,
            Coordinator => rel != Outside,
            Officer | EnterpriseUser => rel == Relation::Own,
            _ => false,
        },
        C::DemandAttach => match role {
            CityAdmin => true,
            Coordinator | DeptHandler | DeptHead => rel != Outside,
            Officer | EnterpriseUser => rel == Relation::Own,
            _ => false,
        },
        C::VisitRead => match role {
            CityAdmin | Auditor => true,
            DistrictAdmin | Coordinator | DeptHead => rel != Outside,
            Officer => rel == Relation::Own,
            EnterpriseUser | DeptHandler => false,
        },
        C::VisitView => match role {
            CityAdmin | Auditor => true,
            DistrictAdmin | Coordinator | DeptHead => rel != Outside,
            Officer | EnterpriseUser => rel == Relation::Own,
            DeptHandler => false,
        },
        C::CampaignRead => match role {
            CityAdmin | Auditor => true,
            DistrictAdmin | Coordinator => rel != Outside,
            Officer => rel == Relation::Own,
            _ => false,
        },
        C::EnterpriseRead => match role {
            CityAdmin | Auditor => true,
            DistrictAdmin | Coordinator => rel != Outside,
            Officer | EnterpriseUser => rel == Relation::Own,
            _ => false,
        },
        C::OfficerRead => match role {
            CityAdmin | Auditor => true,
            DistrictAdmin | Coordinator => rel != Outside,
            DeptHead | Officer | EnterpriseUser => rel == Relation::Own,
            DeptHandler => false,
        },
        C::VisitRecord => role == Officer && rel == Relation::Own,
        C::VisitRuleManage
        | C::HotIssueConfigure
        | C::PolicyManage
        | C::CalendarManage
        | C::RegionManage
        | C::DepartmentManage => role == CityAdmin,
        C::CampaignManage
        | C::EnterpriseManage
        | C::AssignmentManage
        | C::ImportRun
        | C::CategoryManage
        | C::UserManage
        | C::OfficerManage => admin_in(rel),
        C::CoverageRead | C::HotIssueRead => match role {
            CityAdmin | Auditor => true,
            DistrictAdmin | Coordinator => rel != Outside,
            _ => false,
        },
        C::MetricsRead => match role {
            CityAdmin | Auditor => true,
            DistrictAdmin | Coordinator | DeptHead => rel != Outside,
            _ => false,
        },
        C::HotIssueDecide => match role {
            CityAdmin => true,
            Coordinator => rel != Outside,
            _ => false,
        },
        C::EnterpriseList => match role {
            CityAdmin | Auditor => true,
            DistrictAdmin | Coordinator => rel != Outside,
            Officer => rel == Relation::Own,
            _ => false,
        },
        C::EnterpriseCodeManage => match role {
            Officer => rel == Relation::Own,
            _ => admin_in(rel),
        },
        C::OfficerList => match role {
            CityAdmin | Auditor => true,
            DistrictAdmin | Coordinator => rel != Outside,
            DeptHead => rel == Relation::Own,
            _ => false,
        },
        C::MyOfficerRead => role == EnterpriseUser && rel == Relation::Own,
        C::UserRead => match role {
            CityAdmin | Auditor => true,
            DistrictAdmin => rel != Outside,
            _ => false,
        },
        C::AuditRead => matches!(role, CityAdmin | Auditor),
        C::PersonalDataRead => match role {
            CityAdmin => true,
            DistrictAdmin | Coordinator | DeptHead => rel != Outside,
            Officer => rel == Relation::Own,
            Auditor | EnterpriseUser | DeptHandler => false,
        },
    }
}

#[test]
fn every_role_capability_and_relation_is_decided_as_today() {
    for role in Role::ALL {
        for cap in Capability::ALL {
            for rel in [Outside, InScope, Relation::Own] {
                assert_eq!(allows(role, cap, rel), expected(role, cap, rel), "{role:?} {cap:?} {rel:?}");
            }
        }
    }
}

#[test]
fn a_role_may_what_it_is_allowed_on_its_own_objects() {
    for role in Role::ALL {
        for cap in Capability::ALL {
            assert_eq!(may(role, cap), allows(role, cap, Relation::Own), "{role:?} {cap:?}");
            assert_eq!(capabilities(role).contains(&cap), may(role, cap));
        }
    }
}

#[test]
fn capability_names_round_trip_and_are_unique() {
    for c in Capability::ALL {
        assert_eq!(Capability::parse(c.as_str()), Some(c));
    }
    let mut names: Vec<&str> = Capability::ALL.iter().map(|c| c.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Capability::ALL.len());
    assert_eq!(Capability::parse("root.everything"), None);
}

#[test]
fn every_capability_has_one_row() {
    for c in Capability::ALL {
        assert_eq!(TABLE.iter().filter(|(t, _)| *t == c).count(), 1, "{c:?}");
    }
    assert_eq!(TABLE.len(), Capability::ALL.len());
}

#[test]
fn the_old_role_helpers_agree_with_the_table() {
    // may_manage_registry, may_read_users, may_read_audit, sees_personal_data
    let registry = [CityAdmin, DistrictAdmin];
    let users = [CityAdmin, DistrictAdmin, Auditor];
    let audit = [CityAdmin, Auditor];
    for role in Role::ALL {
        assert_eq!(may(role, Capability::EnterpriseManage), registry.contains(&role));
        assert_eq!(may(role, Capability::ImportRun), registry.contains(&role));
        assert_eq!(may(role, Capability::UserRead), users.contains(&role));
        assert_eq!(may(role, Capability::AuditRead), audit.contains(&role));
        assert_eq!(
            may(role, Capability::PersonalDataRead),
            !matches!(role, Auditor | EnterpriseUser | DeptHandler),
            "{role:?}"
        );
    }
}

#[test]
fn district_relation_is_in_scope_only_for_the_same_district() {
    assert_eq!(district_relation(Some(1), Some(1)), InScope);
    assert_eq!(district_relation(Some(1), Some(2)), Outside);
    assert_eq!(district_relation(None, Some(1)), Outside);
    assert_eq!(district_relation(Some(1), None), Outside);
}

/// Every capability name is documented for integrators (docs/api.md).
#[test]
fn every_capability_name_is_documented() {
    let doc = include_str!("../../../docs/api.md");
    for cap in Capability::ALL {
        assert!(doc.contains(&format!("| `{}` |", cap.as_str())), "{} missing from docs/api.md", cap.as_str());
        assert_eq!(Capability::parse(cap.as_str()), Some(cap));
    }
}
