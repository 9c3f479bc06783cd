//! Visit (走访) use cases: an officer records a visit to an enterprise
//! currently assigned to them and may edit it for 24 hours (every edit keeps
//! the previous version); a need found on a visit becomes a demand in one
//! step, linked both ways; the monthly rule (at least N visits per
//! enterprise per calendar month in China time, any mode or on-site only,
//! configurable city-wide and per district) drives the compliance reports,
//! the "behind this month" list, the officer's "today" order and the
//! monthly reminders; door-knock campaigns (敲门走访) report their coverage
//! per township.
//!
//! Who reads which visits ([`App::visit_scope`]): the city admin, auditors
//! and city-wide coordinators all; district admins and district
//! coordinators their district's; an officer their own visits to the
//! enterprises currently assigned to them; a department head the visits of
//! the officers their department sent; an enterprise user the visits to
//! their enterprise; department handlers none.

use crate::App;
use std::collections::HashMap;
use zhuqi_domain::role::OfficerScope;
use zhuqi_domain::visit::VisitRule;
use zhuqi_domain::{Actor, Role};
use zhuqi_store::visits::VisitScope;

mod campaigns;
mod compliance;
mod records;
mod rules;

pub use campaigns::{CampaignCoverage, CampaignInput, TownshipCoverage};
pub use compliance::{
    BehindEnterprise, BehindRow, BehindThisMonth, ComplianceReport, ComplianceSeries, DistrictCompliance,
    DistrictSeries, MonthPoint, OfficerCompliance, TodayRow,
};
pub use records::{VisitDetail, VisitEdit};
pub use rules::{DistrictMin, VisitRuleSettings, VisitRuleUpdate};

pub use zhuqi_domain::visit::{ProductionStatus, VisitInput, VisitMode};
pub use zhuqi_store::visits::{CampaignRow, VisitFilter, VisitRow};

/// The longest range of months [`App::compliance_by_month`] reports.
pub const MAX_SERIES_MONTHS: usize = 36;

/// The rule in force, per district.
#[derive(Debug, Clone)]
struct Rules {
    city: VisitRule,
    min_by_district: HashMap<i64, u32>,
    reminder_day: u32,
}

impl Rules {
    fn for_district(&self, district_id: i64) -> VisitRule {
        VisitRule {
            min_per_month: self.min_by_district.get(&district_id).copied().unwrap_or(self.city.min_per_month),
            on_site_only: self.city.on_site_only,
        }
    }
}

fn rate(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn to_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

impl App {
    /// The visits an actor may read.
    pub fn visit_scope(&self, actor: &Actor) -> VisitScope {
        match actor.role {
            Role::CityAdmin | Role::Auditor => VisitScope::All,
            Role::Coordinator => actor.district_id.map_or(VisitScope::All, VisitScope::District),
            Role::DistrictAdmin => actor.district_id.map_or(VisitScope::Nothing, VisitScope::District),
            Role::Officer => VisitScope::Officer(actor.user_id),
            Role::DeptHead => actor.department_id.map_or(VisitScope::Nothing, VisitScope::HomeUnit),
            Role::EnterpriseUser => actor.enterprise_id.map_or(VisitScope::Nothing, VisitScope::Enterprise),
            Role::DeptHandler => VisitScope::Nothing,
        }
    }

    /// Whose compliance an actor may read (`None`: nobody's).
    fn compliance_scope(actor: &Actor) -> Option<OfficerScope> {
        match actor.role {
            Role::CityAdmin | Role::Auditor => Some(OfficerScope::All),
            Role::Coordinator => Some(actor.district_id.map_or(OfficerScope::All, OfficerScope::District)),
            Role::DistrictAdmin => actor.district_id.map(OfficerScope::District),
            Role::Officer => Some(OfficerScope::Self_(actor.user_id)),
            Role::DeptHead => actor.department_id.map(OfficerScope::HomeUnit),
            Role::EnterpriseUser | Role::DeptHandler => None,
        }
    }
}
