//! The decision function: the events a command produces, or why it is
//! refused (the gates it passes first are in `gate.rs`).

use super::command::{Action, Command};
use super::event::{Event, EventKind};
use super::gate::{gate, pending_escalation};
use super::state::{check_len, DemandState};
use super::supervision::{date_of, last_day, level_deadline};
use super::types::Status;
use super::who::Who;
use crate::calendar::{WorkCalendar, WorkingDays, MAX_WORKING_DAYS};
use crate::clock::from_ms;
use crate::error::FieldError;
use crate::role::Role;

/// Why a command was refused. The messages are Chinese with English in
/// brackets, and name the state and the action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DemandError {
    /// The action is not possible in this state.
    #[error(
        "当前状态“{}”不能执行“{}” (cannot {} a demand that is {})",
        status.label_zh(),
        action_zh(action),
        action_verb(action),
        status.phrase_en()
    )]
    Illegal { status: Status, action: &'static str },
    /// This actor may not do it: wrong role, not the lead department, not
    /// their enterprise, another district… (`role` is `None` for the system).
    #[error(
        "“{}”无权对此诉求执行“{}” ({} may not {} this demand)",
        role.map_or("系统", Role::label_zh),
        action_zh(action),
        role.map_or("The system", Role::label_en),
        action_verb(action)
    )]
    Forbidden { role: Option<Role>, action: &'static str },
    /// The input, or the timing, is wrong.
    #[error("{0}")]
    Invalid(FieldError),
}

fn action_zh(name: &str) -> &'static str {
    Action::parse(name).map_or("未知操作", Action::label_zh)
}

fn action_verb(name: &str) -> &'static str {
    Action::parse(name).map_or("act on", Action::verb_en)
}

pub(super) fn invalid(field: &str, message: impl Into<String>) -> DemandError {
    DemandError::Invalid(FieldError::new(field, message))
}

/// A required text (reason, reply…), trimmed, at most `max` characters.
fn required(field: &str, label: &str, text: &str, max: usize) -> Result<String, DemandError> {
    check_len(field, label, text, max).map_err(DemandError::Invalid)?;
    Ok(text.trim().to_owned())
}

/// An optional text (note, comment), trimmed, at most `max` characters.
fn optional(field: &str, label: &str, text: &str, max: usize) -> Result<String, DemandError> {
    let t = text.trim();
    let n = t.chars().count();
    if n > max {
        return Err(invalid(
            field,
            format!("{label}不能超过 {max} 字 ({field} must be at most {max} characters, got {n})"),
        ));
    }
    Ok(t.to_owned())
}

const REASON_MAX: usize = 500;
const NOTE_MAX: usize = 1000;
const TEXT_MAX: usize = 5000;
/// The most working days one extension or supervision order may grant.
pub const MAX_EXTENSION_DAYS: u32 = 30;

/// A computed deadline, and whether it reached into a year without data.
#[derive(Clone, Copy)]
pub(super) struct Deadline {
    pub(super) at: i64,
    provisional: bool,
}

impl Deadline {
    /// The later of this and an existing deadline (deadlines never move
    /// earlier).
    fn at_least(self, existing: Option<i64>) -> Self {
        match existing {
            Some(e) if e > self.at => Deadline { at: e, provisional: false },
            _ => self,
        }
    }
}

/// `n` working days from the instant `from` (its day not counted).
pub(super) fn due(cal: &WorkCalendar, from: i64, n: u32, field: &str) -> Result<Deadline, DemandError> {
    let wd = WorkingDays::new(i64::from(n)).map_err(|e| invalid(field, e.message))?;
    let d = cal.due(from_ms(from), wd);
    Ok(Deadline { at: d.deadline.timestamp_millis(), provisional: d.provisional })
}

/// Moves a deadline `days` working days later: the new last day is the
/// `days`-th working day after the current last day. Zero or fewer leaves it.
fn shift(cal: &WorkCalendar, deadline: i64, days: i64) -> Deadline {
    let same = Deadline { at: deadline, provisional: false };
    if days <= 0 {
        return same;
    }
    let Ok(wd) = WorkingDays::new(days.min(i64::from(MAX_WORKING_DAYS))) else { return same };
    let d = cal.due_after(last_day(deadline), wd);
    Deadline { at: d.deadline.timestamp_millis(), provisional: d.provisional }.at_least(Some(deadline))
}

fn shift_opt(cal: &WorkCalendar, deadline: Option<i64>, days: i64) -> Option<Deadline> {
    deadline.map(|d| shift(cal, d, days))
}

fn any_provisional(ds: &[Option<Deadline>]) -> bool {
    ds.iter().flatten().any(|d| d.provisional)
}

/// Decides the events of a command, or refuses it. Pure: the same inputs
/// always give the same answer.
pub fn decide(
    state: &DemandState,
    cmd: &Command,
    who: &Who,
    now: i64,
    cal: &WorkCalendar,
) -> Result<Vec<Event>, DemandError> {
    gate(state, cmd.action(), who, now, cal)?;
    let limits = state.limits;
    let kinds: Vec<EventKind> = match cmd {
        Command::Dispatch { lead, assisting, note } => {
            if *lead <= 0 {
                return Err(invalid("lead", "请选择主办部门 (choose a lead department)"));
            }
            let assisting = departments(assisting, *lead, &[], "assisting")?;
            let note = optional("note", "派单说明", note, NOTE_MAX)?;
            let sign = due(cal, now, limits.sign_days, "sign_days")?;
            let dispatch = match state.due_dispatch {
                Some(at) => Deadline { at, provisional: false },
                None => due(cal, state.first_dispatched_at.unwrap_or(now), limits.close_days, "close_days")?,
            };
            vec![EventKind::Dispatched {
                lead: *lead,
                assisting,
                sign_due: sign.at,
                due_dispatch: dispatch.at,
                note,
                provisional: sign.provisional || dispatch.provisional,
            }]
        }
        Command::Object { reason } => {
            vec![EventKind::Objected { reason: required("reason", "异议理由", reason, REASON_MAX)? }]
        }
        Command::Transfer { lead, reason } => {
            let from = state.lead_department_id.unwrap_or_default();
            if *lead <= 0 || *lead == from {
                return Err(invalid("lead", "请选择另一个主办部门 (choose a different lead department)"));
            }
            let reason = required("reason", "转办理由", reason, REASON_MAX)?;
            let sign = due(cal, now, limits.sign_days, "sign_days")?;
            vec![EventKind::Transferred { from, to: *lead, reason, sign_due: sign.at, provisional: sign.provisional }]
        }
        Command::Sign => {
            let close = due(cal, now, limits.close_days, "close_days")?.at_least(state.due_sign);
            let interim = due(cal, now, limits.reply_days, "reply_days")?.at_least(state.interim_due);
            vec![EventKind::Signed {
                due_sign: close.at,
                interim_due: interim.at,
                provisional: close.provisional || interim.provisional,
            }]
        }
        Command::AddAssist { departments: asked } => {
            let lead = state.lead_department_id.unwrap_or_default();
            let new = departments(asked, lead, &state.assisting_department_ids, "departments")?;
            if new.is_empty() {
                return Err(invalid(
                    "departments",
                    "请选择新的协办部门 (choose at least one new assisting department)",
                ));
            }
            vec![EventKind::AssistAdded { departments: new }]
        }
        Command::InterimReply { text } => {
            vec![EventKind::InterimReplied { text: required("text", "答复内容", text, TEXT_MAX)? }]
        }
        Command::Reply { text, outcome_count } => {
            let text = required("text", "答复内容", text, TEXT_MAX)?;
            if outcome_count.is_some_and(|n| n < 0) {
                return Err(invalid("outcome_count", "办理数量不能为负 (outcome count cannot be negative)"));
            }
            vec![EventKind::Replied { text, outcome_count: *outcome_count }]
        }
        Command::ApproveReply => vec![EventKind::ReplyApproved],
        Command::ReturnReply { reason } => {
            vec![EventKind::ReplyReturned { reason: required("reason", "退回理由", reason, REASON_MAX)? }]
        }
        Command::Rate { rating, comment } => {
            let comment = optional("comment", "评价意见", comment, NOTE_MAX)?;
            let rated = EventKind::Rated { rating: *rating, comment };
            if rating.reopens() {
                let callback = due(cal, now, 1, "callback")?;
                let close = due(cal, now, limits.close_days, "close_days")?.at_least(state.due_sign);
                vec![
                    rated,
                    EventKind::Reopened {
                        callback_due: callback.at,
                        due_sign: close.at,
                        provisional: callback.provisional || close.provisional,
                    },
                ]
            } else {
                vec![rated, EventKind::Closed { auto: false }]
            }
        }
        Command::RequestExtension { days, reason } => {
            if !(1..=MAX_EXTENSION_DAYS).contains(days) {
                return Err(invalid(
                    "days",
                    format!(
                        "延期天数应为 1 至 {MAX_EXTENSION_DAYS} 个工作日 (must be 1 to {MAX_EXTENSION_DAYS} working days, got {days})"
                    ),
                ));
            }
            let reason = required("reason", "延期理由", reason, REASON_MAX)?;
            vec![EventKind::ExtensionRequested { days: *days, reason }]
        }
        Command::ApproveExtension => {
            let days = state.extension.as_ref().map_or(0, |e| e.days);
            let ds = shift_opt(cal, state.due_sign, i64::from(days));
            let dd = shift_opt(cal, state.due_dispatch, i64::from(days));
            vec![EventKind::ExtensionApproved {
                days,
                due_sign: ds.map(|d| d.at),
                due_dispatch: dd.map(|d| d.at),
                provisional: any_provisional(&[ds, dd]),
            }]
        }
        Command::RefuseExtension { reason } => {
            vec![EventKind::ExtensionRefused { reason: required("reason", "驳回理由", reason, REASON_MAX)? }]
        }
        Command::Suspend { reason } => {
            vec![EventKind::Suspended { reason: required("reason", "挂起原因", reason, REASON_MAX)? }]
        }
        Command::Resume => {
            let from = date_of(state.suspended_at.unwrap_or(now));
            let days = cal.working_days_between(from, date_of(now)).max(0);
            let ds = shift_opt(cal, state.due_sign, days);
            let dd = shift_opt(cal, state.due_dispatch, days);
            let interim = if state.interim_replied_at.is_none() {
                shift_opt(cal, state.interim_due, days)
            } else {
                state.interim_due.map(|at| Deadline { at, provisional: false })
            };
            vec![EventKind::Resumed {
                shifted_days: days,
                due_sign: ds.map(|d| d.at),
                due_dispatch: dd.map(|d| d.at),
                interim_due: interim.map(|d| d.at),
                provisional: any_provisional(&[ds, dd, interim]),
            }]
        }
        Command::Withdraw { reason } => {
            vec![EventKind::Withdrawn { reason: required("reason", "撤回原因", reason, REASON_MAX)? }]
        }
        Command::Reject { reason } => {
            vec![EventKind::Rejected { reason: required("reason", "不予受理理由", reason, REASON_MAX)? }]
        }
        Command::MergeInto { target } => {
            if *target == state.id || *target <= 0 {
                return Err(invalid("target", "不能合并到自身 (a demand cannot be merged into itself)"));
            }
            vec![EventKind::Merged { into: *target }]
        }
        Command::Urge { note } => vec![EventKind::Urged { note: optional("note", "催办意见", note, NOTE_MAX)? }],
        Command::Supervise { note, due_days } => {
            let note = required("note", "督办要求", note, NOTE_MAX)?;
            if !(1..=MAX_EXTENSION_DAYS).contains(due_days) {
                return Err(invalid(
                    "due_days",
                    format!(
                        "督办时限应为 1 至 {MAX_EXTENSION_DAYS} 个工作日 (must be 1 to {MAX_EXTENSION_DAYS} working days, got {due_days})"
                    ),
                ));
            }
            vec![EventKind::Supervised { note, due: due(cal, now, *due_days, "due_days")?.at }]
        }
        Command::AddInfo { text } => {
            vec![EventKind::InfoAdded { text: required("text", "补充内容", text, TEXT_MAX)? }]
        }
        Command::AutoClose => vec![EventKind::Closed { auto: true }],
        Command::Escalate { level } => {
            if level_deadline(state, *level, now, cal).is_none() {
                return Err(invalid(
                    "level",
                    format!(
                        "当前不满足“{}”预警条件 (the {} condition does not hold)",
                        level.label_zh(),
                        level.as_str()
                    ),
                ));
            }
            let Some(deadline) = pending_escalation(state, *level, now, cal) else {
                return Err(invalid(
                    "level",
                    format!(
                        "该期限的“{}”预警已发出 (the {} warning was already raised for this deadline)",
                        level.label_zh(),
                        level.as_str()
                    ),
                ));
            };
            vec![EventKind::Escalated { level: *level, deadline }]
        }
        Command::SupervisionLapse => {
            let Some(due) = super::supervision::supervision_lapse(state, now) else {
                return Err(invalid(
                    "due",
                    "没有已到期且未报结的督办单 (no supervision order has lapsed, or its lapse was already raised)",
                ));
            };
            vec![EventKind::SupervisionLapsed { due }]
        }
    };
    let actor_id = who.user_id();
    Ok(kinds.into_iter().map(|kind| Event { at: now, actor_id, kind }).collect())
}

/// Department ids to add: positive, distinct, not the lead, not already
/// present. An id that breaks the rule is refused, not silently dropped,
/// except duplicates.
fn departments(asked: &[i64], lead: i64, present: &[i64], field: &str) -> Result<Vec<i64>, DemandError> {
    let mut out: Vec<i64> = Vec::with_capacity(asked.len());
    for &d in asked {
        if d <= 0 {
            return Err(invalid(field, format!("无效的部门 {d} (invalid department {d})")));
        }
        if d == lead {
            return Err(invalid(field, "主办部门不能同时为协办部门 (the lead department cannot also assist)"));
        }
        if !present.contains(&d) && !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}
