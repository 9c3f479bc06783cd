//! The full rebuild of the metrics aggregates from the demands' events.

use crate::{App, AppError, Result};
use zhuqi_domain::demand::{DemandState, Event, EventKind, NewDemand};
use zhuqi_domain::metrics::{self as m, Facts};
use zhuqi_store::metrics as store;

/// The state before any event of a demand, from its current state (the
/// parts events never change).
pub(crate) fn initial_state(s: &DemandState) -> DemandState {
    let new = NewDemand {
        enterprise_id: s.enterprise_id,
        district_id: s.district_id,
        category_code: s.category_code.clone(),
        title: String::new(),
        description: String::new(),
        channel: s.channel,
        urgency: s.urgency,
        confidential: s.confidential,
    };
    DemandState::new_submitted(s.id, &new, s.submitted_by, s.submitted_at, s.limits, s.review_required)
}

impl App {
    /// Recomputes every demand's facts by replaying its events through the
    /// same [`m::advance`] as live upkeep, and replaces the aggregates in one
    /// transaction. Returns the number of demands.
    pub async fn rebuild_metrics(&self) -> Result<usize> {
        let cal = self.work_calendar().await?;
        let now = self.now_ms();
        let mut facts: Vec<(i64, Facts)> = Vec::new();
        {
            let mut c = self.store.read().await?;
            let mut after = 0;
            loop {
                let batch = store::demand_states(&mut c, after, 1000).await?;
                if batch.is_empty() {
                    break;
                }
                for (id, json) in batch {
                    after = id;
                    let state: DemandState =
                        serde_json::from_str(&json).map_err(|e| AppError::Internal(format!("json: {e}")))?;
                    let mut events = Vec::new();
                    for e in zhuqi_store::demands::events(&mut c, id).await? {
                        let kind: EventKind =
                            serde_json::from_str(&e.payload).map_err(|e| AppError::Internal(format!("json: {e}")))?;
                        events.push(Event { at: e.at, actor_id: e.actor_id, kind });
                    }
                    facts.push((id, m::advance(None, &initial_state(&state), &events, Some(&cal))));
                }
            }
        }
        let n = facts.len();
        let mut tx = self.store.begin().await?;
        store::clear(&mut tx).await?;
        store::insert_bulk(&mut tx, &facts, now).await?;
        tx.commit().await?;
        Ok(n)
    }
}
