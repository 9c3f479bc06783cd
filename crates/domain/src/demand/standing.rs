//! Who may act on a demand: the actor's standing towards it (role ×
//! relation) and which actions each standing grants. [`permitted`] decides
//! for one demand; [`role_may`] answers whether a role could ever take an
//! action (in the best relation), for the route × role test and for pages
//! that show or hide an action.

use super::command::Action;
use super::state::DemandState;
use super::who::{DemandActor, Who};
use crate::role::Role;

/// How an actor stands towards one demand.
#[derive(Debug, Clone, Copy, Default)]
struct Standing {
    /// Coordinates it: the city admin, or a coordinator city-wide or of its district.
    coordinator: bool,
    /// Administers its district: the city admin, or the district's admin.
    district_admin: bool,
    /// Handles it: a handler or head of the lead department.
    lead: bool,
    /// Heads the lead department.
    lead_head: bool,
    /// Stands for its enterprise: the enterprise's user or its serving officer.
    enterprise: bool,
    /// Submitted it (an auditor never acts).
    submitter: bool,
}

impl Standing {
    /// The standing of `a` towards `state`.
    fn of(state: &DemandState, a: &DemandActor) -> Standing {
        let lead = matches!(a.role, Role::DeptHandler | Role::DeptHead)
            && a.department_id.is_some()
            && a.department_id == state.lead_department_id;
        Standing {
            coordinator: match a.role {
                Role::CityAdmin => true,
                Role::Coordinator => a.district_id.is_none_or(|d| d == state.district_id),
                _ => false,
            },
            district_admin: a.role == Role::CityAdmin
                || (a.role == Role::DistrictAdmin && a.district_id == Some(state.district_id)),
            lead,
            lead_head: lead && a.role == Role::DeptHead,
            enterprise: (a.role == Role::EnterpriseUser && a.enterprise_id == Some(state.enterprise_id))
                || (a.role == Role::Officer && a.serves_enterprise),
            submitter: a.role != Role::Auditor && a.user_id == state.submitted_by,
        }
    }

    /// The best standing `role` can have towards some demand: its district,
    /// its lead department, its enterprise, its own submission.
    fn best(role: Role) -> Standing {
        Standing {
            coordinator: matches!(role, Role::CityAdmin | Role::Coordinator),
            district_admin: matches!(role, Role::CityAdmin | Role::DistrictAdmin),
            lead: matches!(role, Role::DeptHandler | Role::DeptHead),
            lead_head: role == Role::DeptHead,
            enterprise: matches!(role, Role::EnterpriseUser | Role::Officer),
            submitter: role != Role::Auditor,
        }
    }

    /// Whether this standing grants `action` (the system's actions never).
    fn grants(self, action: Action) -> bool {
        match action {
            Action::Dispatch
            | Action::Transfer
            | Action::ApproveReply
            | Action::ReturnReply
            | Action::Reject
            | Action::MergeInto => self.coordinator,
            Action::Urge => self.coordinator || self.district_admin,
            Action::Supervise => self.district_admin,
            Action::Sign
            | Action::Object
            | Action::AddAssist
            | Action::InterimReply
            | Action::Reply
            | Action::RequestExtension
            | Action::Suspend
            | Action::Resume => self.lead,
            Action::ApproveExtension | Action::RefuseExtension => self.lead_head,
            Action::Rate | Action::AddInfo => self.enterprise,
            Action::Withdraw => self.enterprise || self.submitter,
            Action::AutoClose | Action::Escalate => false,
        }
    }
}

/// Whether `who` may perform `action` on this demand, by role and relation.
pub(super) fn permitted(state: &DemandState, action: Action, who: &Who) -> bool {
    match who {
        Who::System => matches!(action, Action::AutoClose | Action::Escalate),
        Who::User(a) => Standing::of(state, a).grants(action),
    }
}

/// Whether `role` may take `action` on some demand (in the best relation
/// to it); whether it may on a given demand is `permitted` (through
/// [`decide`](super::decide) and [`allowed_actions`](super::allowed_actions)).
pub fn role_may(role: Role, action: Action) -> bool {
    Standing::best(role).grants(action)
}

#[cfg(test)]
mod tests {
    use super::*;
    /// The roles that may ever take each action, as the module docs of
    /// `rules` list them.
    #[test]
    fn the_roles_that_may_ever_act_are_those_the_rules_name() {
        use Role::*;
        for action in Action::ALL {
            let want: &[Role] = match action {
                Action::Dispatch
                | Action::Transfer
                | Action::ApproveReply
                | Action::ReturnReply
                | Action::Reject
                | Action::MergeInto => &[CityAdmin, Coordinator],
                Action::Urge => &[CityAdmin, Coordinator, DistrictAdmin],
                Action::Supervise => &[CityAdmin, DistrictAdmin],
                Action::Sign
                | Action::Object
                | Action::AddAssist
                | Action::InterimReply
                | Action::Reply
                | Action::RequestExtension
                | Action::Suspend
                | Action::Resume => &[DeptHandler, DeptHead],
                Action::ApproveExtension | Action::RefuseExtension => &[DeptHead],
                Action::Rate | Action::AddInfo => &[Officer, EnterpriseUser],
                Action::Withdraw => {
                    &[CityAdmin, DistrictAdmin, Coordinator, DeptHandler, DeptHead, Officer, EnterpriseUser]
                }
                Action::AutoClose | Action::Escalate => &[],
            };
            for role in Role::ALL {
                assert_eq!(role_may(role, action), want.contains(&role), "{role:?} {action:?}");
            }
        }
    }
}
