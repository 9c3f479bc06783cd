//! The facts on a demand's timeline.

use super::types::{Channel, Colour, Rating};
use serde::{Deserialize, Serialize};

/// One fact on the timeline: when, by whom (`None` for the system), what.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub kind: EventKind,
}

/// What happened. Stored as JSON, tagged by `type` (the snake_case
/// [`EventKind::name`]). Every deadline change shows as the fields of these
/// events. `provisional` is true when a deadline in the event was counted
/// into a year without official calendar data.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Submitted {
        channel: Channel,
        title: String,
    },
    Dispatched {
        lead: i64,
        assisting: Vec<i64>,
        sign_due: i64,
        due_dispatch: i64,
        note: String,
        #[serde(default)]
        provisional: bool,
    },
    Objected {
        reason: String,
    },
    Transferred {
        from: i64,
        to: i64,
        reason: String,
        sign_due: i64,
        #[serde(default)]
        provisional: bool,
    },
    Signed {
        due_sign: i64,
        interim_due: i64,
        #[serde(default)]
        provisional: bool,
    },
    AssistAdded {
        departments: Vec<i64>,
    },
    InterimReplied {
        text: String,
    },
    Replied {
        text: String,
        outcome_count: Option<i64>,
    },
    ReplyApproved,
    ReplyReturned {
        reason: String,
    },
    Rated {
        rating: Rating,
        comment: String,
    },
    Reopened {
        callback_due: i64,
        due_sign: i64,
        #[serde(default)]
        provisional: bool,
    },
    Closed {
        auto: bool,
    },
    ExtensionRequested {
        days: u32,
        reason: String,
    },
    ExtensionApproved {
        days: u32,
        due_sign: Option<i64>,
        due_dispatch: Option<i64>,
        #[serde(default)]
        provisional: bool,
    },
    ExtensionRefused {
        reason: String,
    },
    Suspended {
        reason: String,
    },
    Resumed {
        shifted_days: i64,
        due_sign: Option<i64>,
        due_dispatch: Option<i64>,
        interim_due: Option<i64>,
        #[serde(default)]
        provisional: bool,
    },
    Withdrawn {
        reason: String,
    },
    Rejected {
        reason: String,
    },
    Merged {
        into: i64,
    },
    Urged {
        note: String,
    },
    Supervised {
        note: String,
        due: i64,
    },
    InfoAdded {
        text: String,
    },
    Escalated {
        level: Colour,
        deadline: i64,
    },
    /// A supervision order's deadline passed without a reply.
    SupervisionLapsed {
        due: i64,
    },
}

impl EventKind {
    /// The snake_case name (the serde `type` tag).
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Submitted { .. } => "submitted",
            EventKind::Dispatched { .. } => "dispatched",
            EventKind::Objected { .. } => "objected",
            EventKind::Transferred { .. } => "transferred",
            EventKind::Signed { .. } => "signed",
            EventKind::AssistAdded { .. } => "assist_added",
            EventKind::InterimReplied { .. } => "interim_replied",
            EventKind::Replied { .. } => "replied",
            EventKind::ReplyApproved => "reply_approved",
            EventKind::ReplyReturned { .. } => "reply_returned",
            EventKind::Rated { .. } => "rated",
            EventKind::Reopened { .. } => "reopened",
            EventKind::Closed { .. } => "closed",
            EventKind::ExtensionRequested { .. } => "extension_requested",
            EventKind::ExtensionApproved { .. } => "extension_approved",
            EventKind::ExtensionRefused { .. } => "extension_refused",
            EventKind::Suspended { .. } => "suspended",
            EventKind::Resumed { .. } => "resumed",
            EventKind::Withdrawn { .. } => "withdrawn",
            EventKind::Rejected { .. } => "rejected",
            EventKind::Merged { .. } => "merged",
            EventKind::Urged { .. } => "urged",
            EventKind::Supervised { .. } => "supervised",
            EventKind::SupervisionLapsed { .. } => "supervision_lapsed",
            EventKind::InfoAdded { .. } => "info_added",
            EventKind::Escalated { .. } => "escalated",
        }
    }

    /// The timeline label.
    pub fn label_zh(&self) -> &'static str {
        match self {
            EventKind::Submitted { .. } => "提交诉求",
            EventKind::Dispatched { .. } => "受理派单",
            EventKind::Objected { .. } => "派单异议",
            EventKind::Transferred { .. } => "转办",
            EventKind::Signed { .. } => "签收",
            EventKind::AssistAdded { .. } => "增加协办",
            EventKind::InterimReplied { .. } => "阶段性答复",
            EventKind::Replied { .. } => "答复",
            EventKind::ReplyApproved => "审核通过",
            EventKind::ReplyReturned { .. } => "退回答复",
            EventKind::Rated { .. } => "评价",
            EventKind::Reopened { .. } => "重办",
            EventKind::Closed { auto: false } => "办结",
            EventKind::Closed { auto: true } => "逾期未评价自动办结",
            EventKind::ExtensionRequested { .. } => "申请延期",
            EventKind::ExtensionApproved { .. } => "批准延期",
            EventKind::ExtensionRefused { .. } => "驳回延期",
            EventKind::Suspended { .. } => "挂起",
            EventKind::Resumed { .. } => "恢复办理",
            EventKind::Withdrawn { .. } => "撤回",
            EventKind::Rejected { .. } => "不予受理",
            EventKind::Merged { .. } => "合并",
            EventKind::Urged { .. } => "催办",
            EventKind::Supervised { .. } => "督办",
            EventKind::SupervisionLapsed { .. } => "督办逾期",
            EventKind::InfoAdded { .. } => "补充材料",
            EventKind::Escalated { level: Colour::Blue, .. } => "临期预警",
            EventKind::Escalated { level: Colour::Yellow, .. } => "滞后预警",
            EventKind::Escalated { level: Colour::Red, .. } => "超期预警",
            EventKind::Escalated { level: Colour::None, .. } => "预警",
        }
    }

    /// The timeline label in English.
    pub fn label_en(&self) -> &'static str {
        match self {
            EventKind::Submitted { .. } => "Submitted",
            EventKind::Dispatched { .. } => "Accepted and dispatched",
            EventKind::Objected { .. } => "Dispatch objected to",
            EventKind::Transferred { .. } => "Transferred",
            EventKind::Signed { .. } => "Signed for",
            EventKind::AssistAdded { .. } => "Assisting departments added",
            EventKind::InterimReplied { .. } => "Interim reply",
            EventKind::Replied { .. } => "Replied",
            EventKind::ReplyApproved => "Reply approved",
            EventKind::ReplyReturned { .. } => "Reply returned",
            EventKind::Rated { .. } => "Rated",
            EventKind::Reopened { .. } => "Reopened for redo",
            EventKind::Closed { auto: false } => "Closed",
            EventKind::Closed { auto: true } => "Closed automatically (not rated in time)",
            EventKind::ExtensionRequested { .. } => "Extension requested",
            EventKind::ExtensionApproved { .. } => "Extension approved",
            EventKind::ExtensionRefused { .. } => "Extension refused",
            EventKind::Suspended { .. } => "Suspended",
            EventKind::Resumed { .. } => "Resumed",
            EventKind::Withdrawn { .. } => "Withdrawn",
            EventKind::Rejected { .. } => "Rejected",
            EventKind::Merged { .. } => "Merged",
            EventKind::Urged { .. } => "Urged",
            EventKind::Supervised { .. } => "Supervision order",
            EventKind::SupervisionLapsed { .. } => "Supervision order overdue",
            EventKind::InfoAdded { .. } => "Information added",
            EventKind::Escalated { level: Colour::Blue, .. } => "Due-soon warning",
            EventKind::Escalated { level: Colour::Yellow, .. } => "Behind-schedule warning",
            EventKind::Escalated { level: Colour::Red, .. } => "Overdue warning",
            EventKind::Escalated { level: Colour::None, .. } => "Warning",
        }
    }
}
