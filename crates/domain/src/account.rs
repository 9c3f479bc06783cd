//! User accounts as the admins manage them: which scope ids a role needs,
//! and which accounts an admin may manage.
//!
//! A user of each role carries exactly the scope its role needs (DESIGN §2):
//!
//! | role | `district_id` | `department_id` | `home_department_id` | `enterprise_id` |
//! |---|---|---|---|---|
//! | city_admin, auditor | – | – | – | – |
//! | district_admin | required | – | – | – |
//! | coordinator | optional | – | – | – |
//! | dept_handler, dept_head | – | required | – | – |
//! | officer | required | – | required (派出单位) | – |
//! | enterprise_user | – | – | – | required |
//!
//! An officer's home unit (派出单位) is stored in `users.department_id`, like
//! the import of officers does; the API calls it `home_department_id` so it
//! is not mistaken for a department the officer works for.

use crate::capability::{self, Capability, Relation};
use crate::error::FieldError;
use crate::role::{Actor, Role};

/// Whether a role takes a scope id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Required,
    Optional,
    /// The role does not take it: sending it is an error.
    Refused,
}

/// The scope id fields of a user as the API names them.
pub const SCOPE_FIELDS: [&str; 4] = ["district_id", "department_id", "home_department_id", "enterprise_id"];

/// What `role` needs of each of [`SCOPE_FIELDS`], in that order.
pub fn scope_needs(role: Role) -> [Need; 4] {
    use Need::{Optional as O, Refused as X, Required as R};
    match role {
        Role::CityAdmin | Role::Auditor => [X, X, X, X],
        Role::DistrictAdmin => [R, X, X, X],
        Role::Coordinator => [O, X, X, X],
        Role::DeptHandler | Role::DeptHead => [X, R, X, X],
        Role::Officer => [R, X, R, X],
        Role::EnterpriseUser => [X, X, X, R],
    }
}

/// The scope ids of a user as sent (API names).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScopeIds {
    pub district_id: Option<i64>,
    pub department_id: Option<i64>,
    pub home_department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
}

/// The scope of a user as stored (`users.district_id`, `department_id`,
/// `enterprise_id`; an officer's home unit is its `department_id`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredScope {
    pub district_id: Option<i64>,
    pub department_id: Option<i64>,
    pub enterprise_id: Option<i64>,
}

impl ScopeIds {
    fn values(&self) -> [Option<i64>; 4] {
        [self.district_id, self.department_id, self.home_department_id, self.enterprise_id]
    }

    /// The API form of a stored scope of `role`.
    pub fn of_stored(role: Role, s: StoredScope) -> Self {
        if role == Role::Officer {
            Self {
                district_id: s.district_id,
                department_id: None,
                home_department_id: s.department_id,
                enterprise_id: None,
            }
        } else {
            Self {
                district_id: s.district_id,
                department_id: s.department_id,
                home_department_id: None,
                enterprise_id: s.enterprise_id,
            }
        }
    }
}

/// Checks the scope ids sent for a user of `role`: each required one present,
/// none the role does not take. The error names the first field at fault.
pub fn check_scope(role: Role, ids: &ScopeIds) -> Result<StoredScope, FieldError> {
    for ((&field, need), value) in SCOPE_FIELDS.iter().zip(scope_needs(role)).zip(ids.values()) {
        match (need, value) {
            (Need::Required, None) => {
                return Err(FieldError::new(
                    field,
                    format!("该角色须填写{} ({} needs {field})", label_zh(field), role.as_str()),
                ));
            }
            (Need::Refused, Some(_)) => {
                return Err(FieldError::new(
                    field,
                    format!("该角色不设{} ({} takes no {field})", label_zh(field), role.as_str()),
                ));
            }
            _ => {}
        }
    }
    Ok(StoredScope {
        district_id: ids.district_id,
        department_id: ids.department_id.or(ids.home_department_id),
        enterprise_id: ids.enterprise_id,
    })
}

fn label_zh(field: &str) -> &'static str {
    match field {
        "district_id" => "片区",
        "department_id" => "部门",
        "home_department_id" => "派出单位",
        _ => "企业",
    }
}

/// The district a user belongs to for administration: their own district,
/// or for an enterprise user the district of their enterprise.
pub fn home_district(role: Role, district_id: Option<i64>, enterprise_district_id: Option<i64>) -> Option<i64> {
    match role {
        Role::EnterpriseUser => enterprise_district_id,
        Role::DistrictAdmin | Role::Coordinator | Role::Officer => district_id,
        // City-wide and department accounts belong to no district.
        Role::CityAdmin | Role::Auditor | Role::DeptHandler | Role::DeptHead => None,
    }
}

/// The roles a district admin may manage (within their district).
pub fn district_managed(role: Role) -> bool {
    matches!(role, Role::Officer | Role::DistrictAdmin | Role::Coordinator | Role::EnterpriseUser)
}

/// The actor's relation to an account of `role` belonging to `district`
/// (see [`home_district`]) for `user.manage`: in scope when the account is
/// of a role district admins manage and of the actor's own district.
pub fn relation(actor: &Actor, role: Role, district: Option<i64>) -> Relation {
    if district_managed(role) {
        capability::district_relation(actor.district_id, district)
    } else {
        Relation::Outside
    }
}

/// May `actor` manage (create, edit, deactivate, reset, unlock) an account
/// of `role` in `district`?
pub fn may_manage(actor: &Actor, role: Role, district: Option<i64>) -> bool {
    capability::allows(actor.role, Capability::UserManage, relation(actor, role, district))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(d: Option<i64>, dept: Option<i64>, home: Option<i64>, e: Option<i64>) -> ScopeIds {
        ScopeIds { district_id: d, department_id: dept, home_department_id: home, enterprise_id: e }
    }

    #[test]
    fn each_role_takes_exactly_its_scope_ids() {
        let none = ids(None, None, None, None);
        for role in [Role::CityAdmin, Role::Auditor] {
            assert_eq!(check_scope(role, &none), Ok(StoredScope::default()));
            assert_eq!(check_scope(role, &ids(Some(1), None, None, None)).unwrap_err().field, "district_id");
            assert_eq!(check_scope(role, &ids(None, None, None, Some(1))).unwrap_err().field, "enterprise_id");
        }
        let da = check_scope(Role::DistrictAdmin, &ids(Some(3), None, None, None)).unwrap();
        assert_eq!(da, StoredScope { district_id: Some(3), department_id: None, enterprise_id: None });
        assert_eq!(check_scope(Role::DistrictAdmin, &none).unwrap_err().field, "district_id");
        assert_eq!(
            check_scope(Role::DistrictAdmin, &ids(Some(3), Some(4), None, None)).unwrap_err().field,
            "department_id"
        );
        // A coordinator may or may not have a district.
        assert!(check_scope(Role::Coordinator, &none).is_ok());
        assert_eq!(check_scope(Role::Coordinator, &ids(Some(3), None, None, None)).unwrap().district_id, Some(3));
        assert_eq!(check_scope(Role::Coordinator, &ids(None, Some(4), None, None)).unwrap_err().field, "department_id");
        for role in [Role::DeptHandler, Role::DeptHead] {
            assert_eq!(check_scope(role, &ids(None, Some(4), None, None)).unwrap().department_id, Some(4));
            assert_eq!(check_scope(role, &none).unwrap_err().field, "department_id");
            assert_eq!(check_scope(role, &ids(None, Some(4), Some(4), None)).unwrap_err().field, "home_department_id");
            assert_eq!(check_scope(role, &ids(Some(1), Some(4), None, None)).unwrap_err().field, "district_id");
        }
        // An officer: district and home unit, stored as department_id.
        let o = check_scope(Role::Officer, &ids(Some(3), None, Some(7), None)).unwrap();
        assert_eq!(o, StoredScope { district_id: Some(3), department_id: Some(7), enterprise_id: None });
        assert_eq!(
            check_scope(Role::Officer, &ids(Some(3), None, None, None)).unwrap_err().field,
            "home_department_id"
        );
        assert_eq!(check_scope(Role::Officer, &ids(None, None, Some(7), None)).unwrap_err().field, "district_id");
        assert_eq!(
            check_scope(Role::Officer, &ids(Some(3), Some(7), Some(7), None)).unwrap_err().field,
            "department_id"
        );
        assert_eq!(ScopeIds::of_stored(Role::Officer, o), ids(Some(3), None, Some(7), None));
        let e = check_scope(Role::EnterpriseUser, &ids(None, None, None, Some(9))).unwrap();
        assert_eq!(e.enterprise_id, Some(9));
        assert_eq!(check_scope(Role::EnterpriseUser, &none).unwrap_err().field, "enterprise_id");
        assert_eq!(
            check_scope(Role::EnterpriseUser, &ids(Some(1), None, None, Some(9))).unwrap_err().field,
            "district_id"
        );
        // Messages name the role and the field.
        let m = check_scope(Role::Officer, &ids(Some(3), None, None, None)).unwrap_err().message;
        assert!(m.contains("officer needs home_department_id") && m.contains("派出单位"), "{m}");
    }

    #[test]
    fn the_needs_agree_with_the_roles_required_scope() {
        use crate::role::ScopeKind;
        for role in Role::ALL {
            let [d, dept, home, e] = scope_needs(role);
            match role.required_scope() {
                ScopeKind::None => assert!([d, dept, home, e].iter().all(|n| *n == Need::Refused)),
                ScopeKind::District => assert_eq!(d, Need::Required, "{role:?}"),
                ScopeKind::OptionalDistrict => assert_eq!(d, Need::Optional),
                ScopeKind::Department => assert_eq!(dept, Need::Required),
                ScopeKind::Enterprise => assert_eq!(e, Need::Required),
            }
        }
    }

    fn actor(role: Role, district_id: Option<i64>) -> Actor {
        Actor {
            user_id: 1,
            username: "a".into(),
            display_name: "a".into(),
            role,
            district_id,
            department_id: None,
            enterprise_id: None,
        }
    }

    #[test]
    fn a_district_admin_manages_only_the_district_s_own_accounts() {
        let da = actor(Role::DistrictAdmin, Some(3));
        for role in [Role::Officer, Role::DistrictAdmin, Role::Coordinator, Role::EnterpriseUser] {
            assert!(may_manage(&da, role, Some(3)), "{role:?}");
            assert!(!may_manage(&da, role, Some(4)), "{role:?} of another district");
            assert!(!may_manage(&da, role, None), "{role:?} of no district");
        }
        for role in [Role::CityAdmin, Role::Auditor, Role::DeptHandler, Role::DeptHead] {
            assert!(!may_manage(&da, role, Some(3)), "{role:?}");
        }
        let ca = actor(Role::CityAdmin, None);
        for role in Role::ALL {
            assert!(may_manage(&ca, role, None) && may_manage(&ca, role, Some(4)), "{role:?}");
        }
        for role in
            [Role::Coordinator, Role::Auditor, Role::Officer, Role::DeptHead, Role::DeptHandler, Role::EnterpriseUser]
        {
            assert!(!may_manage(&actor(role, Some(3)), Role::Officer, Some(3)), "{role:?}");
        }
        assert_eq!(home_district(Role::EnterpriseUser, None, Some(3)), Some(3));
        assert_eq!(home_district(Role::Officer, Some(2), None), Some(2));
        assert_eq!(home_district(Role::DeptHead, Some(2), None), None);
    }
}
