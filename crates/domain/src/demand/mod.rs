//! Demands (诉求): the pure lifecycle of DESIGN §3.2 and the deadlines and
//! three colours of §3.1.
//!
//! A demand is a stream of [`Event`]s; its current row is their projection,
//! a [`DemandState`]. The one function [`decide`] takes the state, a
//! [`Command`], who acts ([`Who`]), the instant `now` and the working-day
//! calendar, and returns the events the command produces — or refuses it with
//! a [`DemandError`] that names the state and the action. [`apply`] folds an
//! event into the projection. Nothing here performs I/O or reads the clock.
//!
//! Building a projection: start from [`DemandState::new_submitted`]
//! (version 0, no event yet), apply the `Submitted` event made by
//! [`NewDemand::submitted_event`] (version 1), then every later event in
//! order. So `version` is always the number of events on the timeline, and
//! the sequence number of the next event is `version + 1`.
//!
//! # Deadlines
//! Every deadline is an instant in milliseconds: the exclusive end of a
//! period counted by [`WorkCalendar::due`](crate::calendar::WorkCalendar::due)
//! (00:00 +08:00 after the last working day). Two clocks run (DESIGN §3.1):
//! `due_dispatch`, counted once from the first dispatch and never reset by an
//! objection or a transfer, and `due_sign`, counted from signing. Only an
//! approved extension or the end of a suspension moves a deadline, and only
//! later; both are events carrying the new values. See [`close_deadline`] for
//! which clock the colours follow.

mod action_needs;
mod command;
mod event;
mod gate;
mod limits;
mod projection;
mod rules;
mod standing;
mod state;
mod status_set;
mod supervision;
mod types;
mod who;

#[cfg(test)]
mod tests;

pub use action_needs::{ActionField, FieldKind};
pub use command::{Action, Command, ACTIONS};
pub use event::{Event, EventKind};
pub use gate::allowed_actions;
pub use projection::apply;
pub use rules::{decide, DemandError};
pub use standing::role_may;
pub use state::{DemandState, Escalation, ExtensionRequest, NewDemand, TimeLimits};
pub use supervision::{active_deadline, close_deadline, colour, level_deadline, supervision_lapse};
pub use types::{Channel, Colour, Rating, Status, Urgency};
pub use who::{DemandActor, Who};
