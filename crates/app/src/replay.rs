//! Replay: writing a demand whose history was decided elsewhere — by the
//! demo generator today, later by an import from the old platform —
//! through the same persistence as a live command: the insert, the events,
//! the state, the escalation marks and the notifications.
//!
//! The caller decides every step with the real rules
//! ([`zhuqi_domain::demand::decide`]) at the instant it happened and hands
//! the events here; nothing in this module decides. Each function writes on
//! the caller's connection, so a whole batch of replayed demands can share
//! one transaction. No authorization happens here: replay is for trusted
//! generators and imports, never for a request.

use crate::{App, AppError, Result};
use zhuqi_domain::calendar::WorkCalendar;
use zhuqi_domain::demand::{self, Colour, DemandState, Event, NewDemand, Status, TimeLimits};
use zhuqi_domain::Role;
use zhuqi_store::demands as store;
use zhuqi_store::{Conn, Page};

impl App {
    /// Inserts a demand submitted by `submitted_by` at `at` (validated as a
    /// live submission is) and persists its submission event; returns its
    /// state after the event.
    #[expect(clippy::too_many_arguments, reason = "the facts of a submission decided elsewhere")]
    pub async fn replay_submission(
        &self,
        c: &mut Conn,
        new: &NewDemand,
        submitted_by: i64,
        at: i64,
        limits: TimeLimits,
        review: bool,
        cal: &WorkCalendar,
    ) -> Result<DemandState> {
        new.validate()?;
        let search = crate::search::index_text(&format!("{} {}", new.title, new.description));
        let id = store::insert(
            c,
            new.enterprise_id,
            new.district_id,
            submitted_by,
            &store::NewDemandRow {
                category_code: new.category_code.clone(),
                title: new.title.clone(),
                description: new.description.clone(),
                search_text: search,
                channel: new.channel.as_str(),
                urgency: new.urgency.as_str(),
                confidential: new.confidential,
                status: Status::Submitted.as_str(),
                submitted_at: at,
                // A placeholder: the state holds the id; persist writes it.
                state_json: "{}".into(),
                version: 0,
            },
        )
        .await?;
        let base = DemandState::new_submitted(id, new, submitted_by, at, limits, review);
        let event = new.submitted_event(submitted_by, at);
        let mut state = base.clone();
        demand::apply(&mut state, &event);
        self.persist(c, &base, &state, std::slice::from_ref(&event), Some(cal), at).await?;
        Ok(state)
    }

    /// Applies events decided elsewhere to `state` and persists them at `at`
    /// as a live command would (events, projection, routing, notifications).
    pub async fn replay_events(
        &self,
        c: &mut Conn,
        cal: &WorkCalendar,
        state: &mut DemandState,
        events: &[Event],
        at: i64,
    ) -> Result<()> {
        let mut after = state.clone();
        for ev in events {
            demand::apply(&mut after, ev);
        }
        self.persist(c, state, &after, events, Some(cal), at).await?;
        *state = after;
        Ok(())
    }

    /// Records that the sweeper raised warning `level` for the deadline
    /// `deadline` of a demand at `at`, as [`App::sweep`] does; false when
    /// that warning was already raised (then nothing is to be replayed).
    pub async fn replay_escalation_mark(
        &self,
        c: &mut Conn,
        demand_id: i64,
        level: Colour,
        deadline: i64,
        at: i64,
    ) -> Result<bool> {
        Ok(store::mark_escalation(c, demand_id, level.as_str(), deadline, at).await?)
    }

    /// Tells the coordinators of the demand's district that it waits in
    /// their queue, as a live submission does.
    pub async fn replay_waiting_notice(&self, c: &mut Conn, state: &DemandState, title: &str, at: i64) -> Result<()> {
        let to = store::recipients(c, Role::Coordinator.as_str(), None, Some(state.district_id), None).await?;
        store::notify(c, &to, at, "submitted", Some(state.id), &format!("新诉求待受理：{title}"), "").await?;
        Ok(())
    }

    /// A user reads their inbox: every unread notification that came before
    /// `before` is marked read `delay` ms after it came (never after `now`).
    pub async fn replay_read_notifications(
        &self,
        c: &mut Conn,
        user_id: i64,
        before: i64,
        delay: i64,
        now: i64,
    ) -> Result<()> {
        let inbox = store::inbox(c, user_id, true, Page { page: 1, per_page: 100_000 }).await?;
        for n in inbox.items.iter().filter(|n| n.at < before) {
            store::mark_read(c, user_id, Some(n.id), (n.at + delay).min(now)).await?;
        }
        Ok(())
    }

    /// The current status of each replayed demand (ids without a demand
    /// are left out).
    pub async fn replayed_statuses(&self, ids: &[i64]) -> Result<Vec<Status>> {
        let mut c = self.store.read().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some((json, _)) = store::state(&mut c, *id).await? {
                let s: DemandState =
                    serde_json::from_str(&json).map_err(|e| AppError::Internal(format!("demand {id} state: {e}")))?;
                out.push(s.status);
            }
        }
        Ok(out)
    }
}
