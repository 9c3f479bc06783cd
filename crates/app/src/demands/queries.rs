//! Reading demands in scope, one demand's page, notifications.

use super::{json_err, parse_state, who};
use crate::{App, AppError, RequestMeta, Result};
use serde::Serialize;
use serde_json::Value;
use zhuqi_domain::demand::{self, Colour, DemandState, EventKind};
use zhuqi_domain::{Actor, Capability, Scope};
use zhuqi_store::demands::{self as store, DemandFilter, DemandRow, DemandScope, EventRow, Notification};
use zhuqi_store::{Page, Paged};

/// One entry of a demand's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub kind: String,
    pub label_zh: String,
    pub label_en: String,
    pub event: Value,
}

/// A demand as its page and `GET /api/v1/demands/{id}` show it.
#[derive(Debug, Clone, Serialize)]
pub struct DemandDetail {
    #[serde(flatten)]
    pub row: DemandRow,
    pub state: DemandState,
    pub colour_now: Colour,
    /// Exactly the actions the viewer may take now (serialized by name).
    pub allowed_actions: Vec<demand::Action>,
    pub departments: Vec<(i64, String, String)>,
    pub timeline: Vec<TimelineEntry>,
}

impl App {
    /// Demands in scope, filtered.
    pub async fn demands(
        &self,
        actor: &Actor,
        filter: &DemandFilter,
        page: Page,
        meta: &RequestMeta,
    ) -> Result<Paged<DemandRow>> {
        let scope = self.demand_scope(actor);
        if scope == DemandScope::Nothing {
            return Err(self.deny(actor, "list_demands", "demands", meta).await);
        }
        let mut c = self.store.read().await?;
        Ok(store::list(&mut c, scope, filter, page).await?)
    }

    /// Every demand in scope matching the filter (for exports, capped at 100 000).
    pub async fn demands_all(
        &self,
        actor: &Actor,
        filter: &DemandFilter,
        meta: &RequestMeta,
    ) -> Result<Vec<DemandRow>> {
        let scope = self.demand_scope(actor);
        if scope == DemandScope::Nothing {
            return Err(self.deny(actor, "export_demands", "demands", meta).await);
        }
        let mut c = self.store.read().await?;
        Ok(store::all(&mut c, scope, filter, 100_000).await?)
    }

    /// One demand with its timeline, clocks and the viewer's allowed actions.
    pub async fn demand(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<DemandDetail> {
        let scope = self.demand_scope(actor);
        if scope == DemandScope::Nothing {
            return Err(self.deny(actor, "read_demand", &format!("demand:{id}"), meta).await);
        }
        let cal = self.work_calendar().await?;
        let mut c = self.store.read().await?;
        let row = store::get(&mut c, scope, id).await?.ok_or_else(|| AppError::NotFound(format!("demand {id}")))?;
        let (json, _) = store::state(&mut c, id).await?.ok_or_else(|| AppError::NotFound(format!("demand {id}")))?;
        let state = parse_state(&json)?;
        let w = who(&mut c, actor, state.enterprise_id).await?;
        let now = self.now_ms();
        let events: Vec<EventRow> = store::events(&mut c, id).await?;
        let mut timeline = Vec::with_capacity(events.len());
        for e in events {
            let kind: EventKind = serde_json::from_str(&e.payload).map_err(json_err)?;
            timeline.push(TimelineEntry {
                seq: e.seq,
                at: e.at,
                actor_id: e.actor_id,
                actor_name: e.actor_name,
                kind: e.kind,
                label_zh: kind.label_zh().to_string(),
                label_en: kind.label_en().to_string(),
                event: serde_json::to_value(&kind).map_err(json_err)?,
            });
        }
        let mut departments = Vec::new();
        let depts = zhuqi_store::departments::list(&mut c).await?;
        if let Some(l) = state.lead_department_id {
            if let Some(d) = depts.iter().find(|d| d.id == l) {
                departments.push((d.id, d.name.clone(), "lead".to_string()));
            }
        }
        for a in &state.assisting_department_ids {
            if let Some(d) = depts.iter().find(|d| d.id == *a) {
                departments.push((d.id, d.name.clone(), "assist".to_string()));
            }
        }
        Ok(DemandDetail {
            colour_now: demand::colour(&state, now, &cal),
            allowed_actions: demand::allowed_actions(&state, &w, now, &cal),
            row,
            state,
            departments,
            timeline,
        })
    }
}

impl App {
    /// A user's notifications, newest first.
    pub async fn notifications(&self, actor: &Actor, unread_only: bool, page: Page) -> Result<Paged<Notification>> {
        let mut c = self.store.read().await?;
        Ok(store::inbox(&mut c, actor.user_id, unread_only, page).await?)
    }

    pub async fn unread_count(&self, actor: &Actor) -> Result<i64> {
        let mut c = self.store.read().await?;
        Ok(store::unread(&mut c, actor.user_id).await?)
    }

    /// Marks one notification (or all with `None`) of the actor read.
    pub async fn mark_read(&self, actor: &Actor, id: Option<i64>) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        let n = store::mark_read(&mut tx, actor.user_id, id, self.now_ms()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The enterprises a submitter may pick from (officer: served; enterprise user: own).
    pub async fn submittable_enterprises(&self, actor: &Actor) -> Result<Vec<(i64, String)>> {
        let scope = actor.enterprise_scope();
        if scope == Scope::Nothing || !actor.may(Capability::DemandSubmit) {
            return Ok(Vec::new());
        }
        let mut c = self.store.read().await?;
        let p =
            zhuqi_store::enterprises::list(&mut c, scope, &Default::default(), Page::new(Some(1), Some(200))).await?;
        Ok(p.items.into_iter().map(|e| (e.id, e.name)).collect())
    }
}
