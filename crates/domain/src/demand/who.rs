//! Who acts on a demand: a user and their relation to it, or the system.

use crate::role::{Actor, Role};

/// Who acts on a demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    User(DemandActor),
    /// The sweeper (auto-close and escalations only).
    System,
}

impl Who {
    /// The acting user's id (`None` for the system).
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Who::User(a) => Some(a.user_id),
            Who::System => None,
        }
    }

    /// The acting user's role (`None` for the system).
    pub fn role(&self) -> Option<Role> {
        match self {
            Who::User(a) => Some(a.role),
            Who::System => None,
        }
    }
}

/// A user and how they relate to one demand; the application layer fills the
/// relation flag from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandActor {
    pub user_id: i64,
    pub role: Role,
    pub department_id: Option<i64>,
    pub district_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    /// An officer currently assigned to the demand's enterprise.
    pub serves_enterprise: bool,
}

impl DemandActor {
    /// The signed-in actor, with whether they serve the demand's enterprise.
    pub fn from_actor(actor: &Actor, serves_enterprise: bool) -> Self {
        Self {
            user_id: actor.user_id,
            role: actor.role,
            department_id: actor.department_id,
            district_id: actor.district_id,
            enterprise_id: actor.enterprise_id,
            serves_enterprise: actor.role == Role::Officer && serves_enterprise,
        }
    }

    /// May this actor raise a demand for an enterprise of `district_id`
    /// (`enterprise_id`)? Its own people, its serving officer, a coordinator
    /// in scope (hotline, import), and the admins.
    pub fn may_submit_for(&self, enterprise_id: i64, district_id: i64) -> bool {
        match self.role {
            Role::EnterpriseUser => self.enterprise_id == Some(enterprise_id),
            Role::Officer => self.serves_enterprise,
            Role::Coordinator => self.district_id.is_none_or(|d| d == district_id),
            Role::CityAdmin => true,
            Role::DistrictAdmin => self.district_id == Some(district_id),
            Role::DeptHandler | Role::DeptHead | Role::Auditor => false,
        }
    }
}
