//! Demand (诉求) use cases: submit (idempotent), list and read in scope,
//! act (one domain decision per command, events appended and the projection
//! saved under an optimistic version in one transaction), notifications, and
//! the deadline sweeper.

use crate::{App, AppError, Result};
use serde_json::Value;
use zhuqi_domain::calendar::WorkCalendar;
use zhuqi_domain::demand::{DemandActor, DemandState, Who};
use zhuqi_domain::{Actor, Role};
use zhuqi_store::demands::{self as store, DemandScope};
use zhuqi_store::Conn;

mod act;
mod persist;
mod queries;
mod submit;
mod sweep;
mod xlsx;

pub use act::command;
pub use queries::{DemandDetail, TimelineEntry};
pub use submit::{idempotency_key, CatalogueCache, CatalogueSnapshot, SubmitInput, KEY_REUSED};
pub use sweep::SweepReport;

fn json_err(e: serde_json::Error) -> AppError {
    AppError::Internal(format!("json: {e}"))
}

fn text(body: &Value, name: &str) -> String {
    body.get(name).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// The domain's view of an actor, with the relation flags read from the database.
async fn who(c: &mut Conn, actor: &Actor, enterprise_id: i64) -> Result<Who> {
    let serves = actor.role == Role::Officer && store::officer_of(c, enterprise_id).await? == Some(actor.user_id);
    Ok(Who::User(DemandActor {
        user_id: actor.user_id,
        role: actor.role,
        department_id: actor.department_id,
        district_id: actor.district_id,
        enterprise_id: actor.enterprise_id,
        serves_enterprise: serves,
    }))
}

fn parse_state(json: &str) -> Result<DemandState> {
    serde_json::from_str(json).map_err(json_err)
}

impl App {
    /// The demands an actor may read. Confidential demands are hidden from
    /// those not handling them (district admins, auditors).
    pub fn demand_scope(&self, actor: &Actor) -> DemandScope {
        match actor.role {
            Role::CityAdmin => DemandScope::All { confidential: true },
            Role::Auditor => DemandScope::All { confidential: false },
            Role::Coordinator => match actor.district_id {
                Some(d) => DemandScope::District { district_id: d, confidential: true },
                None => DemandScope::All { confidential: true },
            },
            Role::DistrictAdmin => match actor.district_id {
                Some(d) => DemandScope::District { district_id: d, confidential: false },
                None => DemandScope::Nothing,
            },
            Role::DeptHandler | Role::DeptHead => {
                actor.department_id.map_or(DemandScope::Nothing, DemandScope::Department)
            }
            Role::Officer => DemandScope::Officer(actor.user_id),
            Role::EnterpriseUser => actor.enterprise_id.map_or(DemandScope::Nothing, DemandScope::Enterprise),
        }
    }

    /// The working-day calendar in force (official data plus local
    /// adjustments), shared and cached by the catalogue.
    pub async fn work_calendar(&self) -> Result<std::sync::Arc<WorkCalendar>> {
        self.calendar_shared().await
    }
}

impl App {
    /// The category tree for demand forms and filters (active categories).
    pub async fn demand_categories(&self) -> Result<Vec<zhuqi_store::catalogue::Category>> {
        let mut c = self.store.read().await?;
        Ok(zhuqi_store::catalogue::list_categories(&mut c).await?.into_iter().filter(|c| c.active != 0).collect())
    }
}
