//! Three-colour supervision (三色督办) and the deadline that matters now.

use super::state::DemandState;
use super::types::{Colour, Status};
use crate::calendar::{start_of_day_cst, WorkCalendar};
use crate::clock::{china_offset, from_ms};
use chrono::NaiveDate;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The date (China time) of an instant.
pub(crate) fn date_of(ms: i64) -> NaiveDate {
    from_ms(ms).with_timezone(&china_offset()).date_naive()
}

/// The last day of a period whose exclusive end is `deadline` (00:00 of the
/// following day).
pub(crate) fn last_day(deadline: i64) -> NaiveDate {
    date_of(deadline.saturating_sub(1))
}

/// The close deadline the colours and the extension rule follow.
///
/// Before signing (Submitted, Dispatched) it is `due_dispatch`. After
/// signing it is the EARLIER of `due_sign` and `due_dispatch`: the clock from
/// dispatch keeps running across objections and transfers, so bouncing a
/// demand between departments never hides lateness (DESIGN §3.1), while
/// `due_sign` only binds if it is somehow earlier. After a reopen (重办) the
/// redo has its own new deadline, so it is `due_sign` alone — the dispatch
/// clock was spent on the first reply and stays in the reports.
pub fn close_deadline(state: &DemandState) -> Option<i64> {
    match state.status {
        Status::Submitted | Status::Dispatched => state.due_dispatch,
        _ if state.redo_count > 0 => state.due_sign.or(state.due_dispatch),
        _ => match (state.due_sign, state.due_dispatch) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
    }
}

/// A supervision order (督办单) whose own deadline has passed while the
/// demand is still being handled (dispatched or handling: not replied,
/// closed or stopped) and whose lapse has not been raised yet: its deadline.
/// A later order with a new deadline can lapse again.
pub fn supervision_lapse(state: &DemandState, now: i64) -> Option<i64> {
    let due = state.supervision_due?;
    let open = matches!(state.status, Status::Dispatched | Status::Handling);
    (open && now >= due && state.supervision_lapsed != Some(due)).then_some(due)
}

/// The deadline that matters now, for sorting queues by time left:
/// `sign_due` while Dispatched, the [`close_deadline`] while Handling, `None`
/// otherwise (not yet dispatched, clock stopped, or waiting on others).
pub fn active_deadline(state: &DemandState) -> Option<i64> {
    match state.status {
        Status::Dispatched => state.sign_due,
        Status::Handling => close_deadline(state),
        _ => None,
    }
}

/// Whether the condition of `level` holds at `now`, and if so the deadline
/// it is about (the sweeper raises each level once per deadline):
///
/// - Red: `now` is at or past the [`close_deadline`];
/// - Yellow: Dispatched and at or past `sign_due` (that deadline); or
///   Handling without an interim reply and more than half the working time
///   between signing and the close deadline used (the close deadline);
/// - Blue: less than one working day left, i.e. `now` is on or after the
///   last working day of the close deadline.
///
/// Only Dispatched and Handling demands have a running clock; everything
/// else gives `None`, as does `Colour::None`.
pub fn level_deadline(state: &DemandState, level: Colour, now: i64, cal: &WorkCalendar) -> Option<i64> {
    if !matches!(state.status, Status::Dispatched | Status::Handling) {
        return None;
    }
    let close = close_deadline(state)?;
    match level {
        Colour::None => None,
        Colour::Red => (now >= close).then_some(close),
        Colour::Yellow => {
            if state.status == Status::Dispatched {
                state.sign_due.filter(|d| now >= *d)
            } else {
                (state.interim_replied_at.is_none() && half_used(state, close, now, cal)).then_some(close)
            }
        }
        Colour::Blue => (now >= start_of_day_cst(last_day(close)).timestamp_millis()).then_some(close),
    }
}

/// The colour at `now`: the most severe level whose condition holds (see
/// [`level_deadline`]). Always `None` for Submitted (not yet dispatched),
/// Suspended (clock stopped), UnderReview, Replied and the closed states.
pub fn colour(state: &DemandState, now: i64, cal: &WorkCalendar) -> Colour {
    [Colour::Red, Colour::Yellow, Colour::Blue]
        .into_iter()
        .find(|l| level_deadline(state, *l, now, cal).is_some())
        .unwrap_or(Colour::None)
}

/// More than half the working time from signing to `close` is used at `now`.
/// A working day counts as 24 hours and today's elapsed part counts if today
/// is a working day; the signing day itself is not counted (as periods are).
fn half_used(state: &DemandState, close: i64, now: i64, cal: &WorkCalendar) -> bool {
    let Some(signed) = state.signed_at else { return false };
    // After a reopening (重办) the handling period restarts at the reopening.
    let start = date_of(state.reopened_at.map_or(signed, |r| r.max(signed)));
    let total = cal.working_days_between(start, last_day(close));
    if total <= 0 {
        return true;
    }
    let today = date_of(now);
    if today <= start {
        return false;
    }
    let yesterday = today.pred_opt().unwrap_or(today);
    let completed = cal.working_days_between(start, yesterday);
    let partial = if cal.is_working_day(today) { now - start_of_day_cst(today).timestamp_millis() } else { 0 };
    let elapsed = i128::from(completed) * i128::from(DAY_MS) + i128::from(partial);
    elapsed * 2 > i128::from(total) * i128::from(DAY_MS)
}
