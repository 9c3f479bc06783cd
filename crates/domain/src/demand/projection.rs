//! The projection: folding an event into a demand's current row.

use super::event::{Event, EventKind};
use super::state::{DemandState, Escalation, ExtensionRequest};
use super::types::Status;

/// Applies one event to the projection; `version` grows by one per event.
/// Deterministic: it reads nothing but the state and the event.
pub fn apply(state: &mut DemandState, event: &Event) {
    state.version += 1;
    let at = event.at;
    let s = state;
    match &event.kind {
        EventKind::Submitted { channel, .. } => {
            s.status = Status::Submitted;
            s.channel = *channel;
            s.submitted_at = at;
            if let Some(by) = event.actor_id {
                s.submitted_by = by;
            }
        }
        EventKind::Dispatched { lead, assisting, sign_due, due_dispatch, provisional, .. } => {
            s.status = Status::Dispatched;
            s.lead_department_id = Some(*lead);
            s.assisting_department_ids.clone_from(assisting);
            s.first_dispatched_at.get_or_insert(at);
            s.dispatched_at = Some(at);
            s.sign_due = Some(*sign_due);
            s.due_dispatch = Some(*due_dispatch);
            s.provisional |= *provisional;
        }
        EventKind::Objected { .. } => {
            s.status = Status::Submitted;
            s.lead_department_id = None;
            s.assisting_department_ids.clear();
            s.sign_due = None;
            s.extension = None;
        }
        EventKind::Transferred { to, sign_due, provisional, .. } => {
            s.status = Status::Dispatched;
            s.lead_department_id = Some(*to);
            s.assisting_department_ids.retain(|d| d != to);
            s.dispatched_at = Some(at);
            s.sign_due = Some(*sign_due);
            s.extension = None;
            s.provisional |= *provisional;
        }
        EventKind::Signed { due_sign, interim_due, provisional } => {
            s.status = Status::Handling;
            s.signed_at = Some(at);
            s.signed_by = event.actor_id;
            s.due_sign = Some(*due_sign);
            s.interim_due = Some(*interim_due);
            s.provisional |= *provisional;
        }
        EventKind::AssistAdded { departments } => {
            for d in departments {
                if !s.assisting_department_ids.contains(d) {
                    s.assisting_department_ids.push(*d);
                }
            }
        }
        EventKind::InterimReplied { .. } => {
            s.interim_replied_at.get_or_insert(at);
        }
        EventKind::Replied { text, .. } => {
            s.status = if s.review_required { Status::UnderReview } else { Status::Replied };
            s.replied_at = Some(at);
            s.reply_text = Some(text.clone());
            s.extension = None;
        }
        EventKind::ReplyApproved => {
            s.status = Status::Replied;
            s.replied_at = Some(at);
        }
        EventKind::ReplyReturned { .. } => {
            s.status = Status::Handling;
            s.replied_at = None;
        }
        EventKind::Rated { rating, .. } => {
            s.rating = Some(*rating);
        }
        EventKind::Reopened { callback_due, due_sign, provisional } => {
            s.status = Status::Handling;
            s.callback_due = Some(*callback_due);
            s.due_sign = Some(*due_sign);
            s.redo_count += 1;
            s.reopened_at = Some(at);
            s.provisional |= *provisional;
        }
        EventKind::Closed { .. } => {
            s.status = Status::Closed;
            s.closed_at = Some(at);
        }
        EventKind::ExtensionRequested { days, reason } => {
            s.extension = Some(ExtensionRequest {
                days: *days,
                reason: reason.clone(),
                requested_at: at,
                requested_by: event.actor_id.unwrap_or_default(),
            });
        }
        EventKind::ExtensionApproved { due_sign, due_dispatch, provisional, .. } => {
            s.extension = None;
            if due_sign.is_some() {
                s.due_sign = *due_sign;
            }
            if due_dispatch.is_some() {
                s.due_dispatch = *due_dispatch;
            }
            s.provisional |= *provisional;
        }
        EventKind::ExtensionRefused { .. } => {
            s.extension = None;
        }
        EventKind::Suspended { .. } => {
            s.status = Status::Suspended;
            s.suspended_at = Some(at);
        }
        EventKind::Resumed { due_sign, due_dispatch, interim_due, provisional, .. } => {
            s.status = Status::Handling;
            s.suspended_at = None;
            if due_sign.is_some() {
                s.due_sign = *due_sign;
            }
            if due_dispatch.is_some() {
                s.due_dispatch = *due_dispatch;
            }
            if interim_due.is_some() {
                s.interim_due = *interim_due;
            }
            s.provisional |= *provisional;
        }
        EventKind::Withdrawn { .. } => s.status = Status::Withdrawn,
        EventKind::Rejected { .. } => s.status = Status::Rejected,
        EventKind::Merged { into } => {
            s.status = Status::Merged;
            s.merged_into = Some(*into);
        }
        EventKind::Supervised { due, .. } => s.supervision_due = Some(*due),
        EventKind::Urged { .. } | EventKind::InfoAdded { .. } => {}
        EventKind::Escalated { level, deadline } => {
            s.escalations.push(Escalation { level: *level, deadline: *deadline });
        }
        EventKind::SupervisionLapsed { due } => s.supervision_lapsed = Some(*due),
    }
}
