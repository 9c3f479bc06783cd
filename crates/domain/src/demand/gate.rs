//! Who may do what: the three gates every command passes.
//!
//! Every command passes three gates, in this order, before its input is
//! validated: the state ([`Action::legal_in`], else
//! [`DemandError::Illegal`]), the actor ([`DemandError::Forbidden`]), and the
//! timing conditions of the state (an objection within the signing period, an
//! extension requested before the deadline and none pending, a pending
//! request to approve or refuse, the auto-close period run out, a warning
//! level due and not yet raised — else [`DemandError::Invalid`]).
//! [`allowed_actions`] is exactly the actions that pass the three gates.
//!
//! Who may act (role × relation to the demand):
//! - coordinator (city-wide when it has no district, else only its
//!   district's demands) and city admin: dispatch, transfer, approve / return
//!   a reply, reject, merge, urge;
//! - district admin (own district) and city admin: urge, supervise;
//! - handler or head of the lead department: sign, object, add assisting
//!   departments, interim reply, reply, request an extension, suspend,
//!   resume; the head alone approves or refuses an extension;
//! - the enterprise's users and its serving officer: rate, add information,
//!   withdraw; the submitter may withdraw too;
//! - the system: auto-close and escalate, which no user may do;
//! - an auditor: nothing.

use super::command::Action;
use super::rules::{due, invalid, DemandError};
use super::standing::permitted;
use super::state::DemandState;
use super::supervision::{close_deadline, level_deadline};
use super::types::Colour;
use super::who::Who;
use crate::calendar::WorkCalendar;

/// The levels the sweeper may still raise: due at `now`, not yet raised for
/// their deadline.
pub(super) fn pending_escalation(state: &DemandState, level: Colour, now: i64, cal: &WorkCalendar) -> Option<i64> {
    let deadline = level_deadline(state, level, now, cal)?;
    let raised = state.escalations.iter().any(|e| e.level == level && e.deadline == deadline);
    (!raised).then_some(deadline)
}

/// The three gates: state, actor, timing.
pub(super) fn gate(
    state: &DemandState,
    action: Action,
    who: &Who,
    now: i64,
    cal: &WorkCalendar,
) -> Result<(), DemandError> {
    if !action.legal_in().contains(&state.status) {
        return Err(DemandError::Illegal { status: state.status, action: action.as_str() });
    }
    if !permitted(state, action, who) {
        return Err(DemandError::Forbidden { role: who.role(), action: action.as_str() });
    }
    match action {
        Action::Object if state.sign_due.is_none_or(|d| now >= d) => Err(invalid(
            "reason",
            "派单异议须在派单后签收时限内（1 个工作日）提出 (an objection must be raised within the signing period after the dispatch)",
        )),
        Action::RequestExtension if state.extension.is_some() => {
            Err(invalid("days", "已有待审批的延期申请 (an extension request is already pending)"))
        }
        Action::RequestExtension if close_deadline(state).is_none_or(|d| now >= d) => Err(invalid(
            "days",
            "已超过办理期限，延期须在期限届满前申请 (the deadline has passed; an extension must be requested before it)",
        )),
        Action::ApproveExtension | Action::RefuseExtension if state.extension.is_none() => {
            Err(invalid("extension", "没有待审批的延期申请 (no extension request is pending)"))
        }
        Action::AutoClose => {
            let Some(replied) = state.replied_at else {
                return Err(invalid("replied_at", "尚未答复 (there is no reply yet)"));
            };
            let days = state.limits.auto_close_days;
            if now < due(cal, replied, days, "auto_close_days")?.at {
                return Err(invalid(
                    "auto_close_days",
                    format!(
                        "答复后 {days} 个工作日内仍可评价 (the enterprise may still rate the reply: {days} working days after it)"
                    ),
                ));
            }
            Ok(())
        }
        Action::Escalate
            if ![Colour::Blue, Colour::Yellow, Colour::Red]
                .into_iter()
                .any(|l| pending_escalation(state, l, now, cal).is_some())
                && super::supervision::supervision_lapse(state, now).is_none() =>
        {
            Err(invalid("level", "没有需要发出的预警 (no warning is due)"))
        }
        _ => Ok(()),
    }
}

/// The actions this actor may take now: every action whose state, actor and
/// timing gates pass (input is not validated), in [`ACTIONS`](super::ACTIONS) order.
pub fn allowed_actions(state: &DemandState, who: &Who, now: i64, cal: &WorkCalendar) -> Vec<Action> {
    Action::ALL.into_iter().filter(|a| gate(state, *a, who, now, cal).is_ok()).collect()
}
