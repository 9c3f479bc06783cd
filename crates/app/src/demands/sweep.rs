//! The deadline sweeper.

use super::parse_state;
use crate::{App, AppError, Result};
use serde::Serialize;
use zhuqi_domain::calendar::WorkCalendar;
use zhuqi_domain::demand::{self, Colour, Command, Status, Who};
use zhuqi_store::demands as store;

impl App {
    /// The deadline sweeper: refreshes colours, raises each blue / yellow /
    /// red warning once per deadline (idempotent, catches up after
    /// downtime), and auto-closes unrated replies. Returns what it did.
    pub async fn sweep(&self) -> Result<SweepReport> {
        let cal = self.work_calendar().await?;
        let now = self.now_ms();
        let mut report = SweepReport::default();
        let rows = {
            let mut c = self.store.read().await?;
            store::sweepable(&mut c).await?
        };
        for (id, json, _) in rows {
            let state = parse_state(&json)?;
            report.checked += 1;
            // Auto-close first: a reply left unrated closes by itself.
            if state.status == Status::Replied
                && demand::decide(&state, &Command::AutoClose, &Who::System, now, &cal).is_ok()
            {
                if self.system_act(id, &Command::AutoClose, &cal, now).await? {
                    report.auto_closed += 1;
                }
                continue;
            }
            // A supervision order past its own deadline: raised once per order.
            if let Some(due) = demand::supervision_lapse(&state, now) {
                let mut tx = self.store.begin().await?;
                if store::mark_escalation(&mut tx, id, "supervision", due, now).await? {
                    let (json, _) =
                        store::state(&mut tx, id).await?.ok_or_else(|| AppError::NotFound(format!("demand {id}")))?;
                    let before = parse_state(&json)?;
                    if let Ok(events) = demand::decide(&before, &Command::SupervisionLapse, &Who::System, now, &cal) {
                        let mut after = before.clone();
                        for ev in &events {
                            demand::apply(&mut after, ev);
                        }
                        self.persist(&mut tx, &before, &after, &events, Some(&cal), now).await?;
                        report.supervision_lapsed += 1;
                    }
                }
                tx.commit().await?;
            }
            let colour = demand::colour(&state, now, &cal);
            let Some(deadline) = demand::active_deadline(&state) else { continue };
            // Raise every level up to the current one (a demand found red after
            // downtime still gets its blue and yellow warnings recorded once).
            let levels: &[Colour] = match colour {
                Colour::Red => &[Colour::Blue, Colour::Yellow, Colour::Red],
                Colour::Yellow => &[Colour::Yellow],
                Colour::Blue => &[Colour::Blue],
                Colour::None => &[],
            };
            for level in levels {
                let mut tx = self.store.begin().await?;
                let fresh = store::mark_escalation(&mut tx, id, level.as_str(), deadline, now).await?;
                if !fresh {
                    continue;
                }
                let (json, _) =
                    store::state(&mut tx, id).await?.ok_or_else(|| AppError::NotFound(format!("demand {id}")))?;
                let before = parse_state(&json)?;
                match demand::decide(&before, &Command::Escalate { level: *level }, &Who::System, now, &cal) {
                    Ok(events) => {
                        let mut after = before.clone();
                        for ev in &events {
                            demand::apply(&mut after, ev);
                        }
                        self.persist(&mut tx, &before, &after, &events, Some(&cal), now).await?;
                        tx.commit().await?;
                        report.escalated += 1;
                    }
                    Err(_) => {
                        // Already raised for this deadline per the domain: keep the mark.
                        tx.commit().await?;
                    }
                }
            }
            let mut tx = self.store.begin().await?;
            store::set_colour(&mut tx, id, colour.as_str()).await?;
            tx.commit().await?;
        }
        Ok(report)
    }

    async fn system_act(&self, id: i64, cmd: &Command, cal: &WorkCalendar, now: i64) -> Result<bool> {
        let mut tx = self.store.begin().await?;
        let (json, _) = store::state(&mut tx, id).await?.ok_or_else(|| AppError::NotFound(format!("demand {id}")))?;
        let before = parse_state(&json)?;
        let Ok(events) = demand::decide(&before, cmd, &Who::System, now, cal) else { return Ok(false) };
        let mut after = before.clone();
        for ev in &events {
            demand::apply(&mut after, ev);
        }
        match self.persist(&mut tx, &before, &after, &events, Some(cal), now).await {
            Ok(()) => {
                tx.commit().await?;
                Ok(true)
            }
            Err(AppError::Conflict(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub checked: usize,
    pub escalated: usize,
    pub auto_closed: usize,
    /// Supervision orders (督办单) found past their own deadline.
    pub supervision_lapsed: usize,
}
