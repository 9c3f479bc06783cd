//! What someone asks to do to a demand, and the names of those actions.

use super::types::{Colour, Rating, Status};
use serde::{Deserialize, Serialize};

/// One request to change a demand. The serde form is tagged by `action`
/// (the same snake_case names as [`ACTIONS`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    /// 受理并派单 (also the re-dispatch after an objection).
    Dispatch { lead: i64, assisting: Vec<i64>, note: String },
    /// 派单异议: the lead department refuses the dispatch within its signing
    /// period, with a reason; back to the coordinator.
    Object { reason: String },
    /// 转办: the coordinator moves the demand to another lead department.
    Transfer { lead: i64, reason: String },
    /// 签收.
    Sign,
    /// The lead department asks departments to assist (协办).
    AddAssist { departments: Vec<i64> },
    /// 阶段性答复.
    InterimReply { text: String },
    /// 答复 (with optional outcome counts, e.g. permits issued).
    Reply { text: String, outcome_count: Option<i64> },
    /// 审核通过: the coordinator lets the reply count.
    ApproveReply,
    /// 退回: the coordinator sends the reply back for more work.
    ReturnReply { reason: String },
    /// 评价 (回访): by the enterprise, or its serving officer on its behalf.
    Rate { rating: Rating, comment: String },
    /// 申请延期, before the deadline, 1..=30 working days.
    RequestExtension { days: u32, reason: String },
    /// 批准延期 (head of the lead department).
    ApproveExtension,
    /// 驳回延期 (head of the lead department).
    RefuseExtension { reason: String },
    /// 挂起: waiting for the enterprise; the clock stops.
    Suspend { reason: String },
    /// 恢复办理: the deadlines move by the working days spent suspended.
    Resume,
    /// 撤回, before signing.
    Withdraw { reason: String },
    /// 不予受理.
    Reject { reason: String },
    /// 合并 into another demand as a duplicate.
    MergeInto { target: i64 },
    /// 催办: no change of state, a notice on the timeline.
    Urge { note: String },
    /// 督办单 with its own deadline of `due_days` working days.
    Supervise { note: String, due_days: u32 },
    /// 补充材料 from the enterprise side.
    AddInfo { text: String },
    /// System only: an unrated reply closes by itself.
    AutoClose,
    /// System only: the sweeper records a blue / yellow / red warning.
    Escalate { level: Colour },
    /// System only: the sweeper records that a supervision order's own
    /// deadline passed with the demand still not replied (a kind of
    /// escalation, gated like one).
    SupervisionLapse,
}

impl Command {
    /// The action this command performs.
    pub fn action(&self) -> Action {
        match self {
            Command::Dispatch { .. } => Action::Dispatch,
            Command::Object { .. } => Action::Object,
            Command::Transfer { .. } => Action::Transfer,
            Command::Sign => Action::Sign,
            Command::AddAssist { .. } => Action::AddAssist,
            Command::InterimReply { .. } => Action::InterimReply,
            Command::Reply { .. } => Action::Reply,
            Command::ApproveReply => Action::ApproveReply,
            Command::ReturnReply { .. } => Action::ReturnReply,
            Command::Rate { .. } => Action::Rate,
            Command::RequestExtension { .. } => Action::RequestExtension,
            Command::ApproveExtension => Action::ApproveExtension,
            Command::RefuseExtension { .. } => Action::RefuseExtension,
            Command::Suspend { .. } => Action::Suspend,
            Command::Resume => Action::Resume,
            Command::Withdraw { .. } => Action::Withdraw,
            Command::Reject { .. } => Action::Reject,
            Command::MergeInto { .. } => Action::MergeInto,
            Command::Urge { .. } => Action::Urge,
            Command::Supervise { .. } => Action::Supervise,
            Command::AddInfo { .. } => Action::AddInfo,
            Command::AutoClose => Action::AutoClose,
            Command::Escalate { .. } | Command::SupervisionLapse => Action::Escalate,
        }
    }

    /// The snake_case action name used in URLs.
    pub fn name(&self) -> &'static str {
        self.action().as_str()
    }
}

/// The kinds of [`Command`], without their inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Dispatch,
    Object,
    Transfer,
    Sign,
    AddAssist,
    InterimReply,
    Reply,
    ApproveReply,
    ReturnReply,
    Rate,
    RequestExtension,
    ApproveExtension,
    RefuseExtension,
    Suspend,
    Resume,
    Withdraw,
    Reject,
    MergeInto,
    Urge,
    Supervise,
    AddInfo,
    AutoClose,
    Escalate,
}

/// Every action name, in [`Action::ALL`] order.
pub const ACTIONS: &[&str] = &[
    "dispatch",
    "object",
    "transfer",
    "sign",
    "add_assist",
    "interim_reply",
    "reply",
    "approve_reply",
    "return_reply",
    "rate",
    "request_extension",
    "approve_extension",
    "refuse_extension",
    "suspend",
    "resume",
    "withdraw",
    "reject",
    "merge_into",
    "urge",
    "supervise",
    "add_info",
    "auto_close",
    "escalate",
];

impl Action {
    pub const ALL: [Action; 23] = [
        Action::Dispatch,
        Action::Object,
        Action::Transfer,
        Action::Sign,
        Action::AddAssist,
        Action::InterimReply,
        Action::Reply,
        Action::ApproveReply,
        Action::ReturnReply,
        Action::Rate,
        Action::RequestExtension,
        Action::ApproveExtension,
        Action::RefuseExtension,
        Action::Suspend,
        Action::Resume,
        Action::Withdraw,
        Action::Reject,
        Action::MergeInto,
        Action::Urge,
        Action::Supervise,
        Action::AddInfo,
        Action::AutoClose,
        Action::Escalate,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Dispatch => "dispatch",
            Action::Object => "object",
            Action::Transfer => "transfer",
            Action::Sign => "sign",
            Action::AddAssist => "add_assist",
            Action::InterimReply => "interim_reply",
            Action::Reply => "reply",
            Action::ApproveReply => "approve_reply",
            Action::ReturnReply => "return_reply",
            Action::Rate => "rate",
            Action::RequestExtension => "request_extension",
            Action::ApproveExtension => "approve_extension",
            Action::RefuseExtension => "refuse_extension",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Withdraw => "withdraw",
            Action::Reject => "reject",
            Action::MergeInto => "merge_into",
            Action::Urge => "urge",
            Action::Supervise => "supervise",
            Action::AddInfo => "add_info",
            Action::AutoClose => "auto_close",
            Action::Escalate => "escalate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// The button / timeline label.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Action::Dispatch => "受理派单",
            Action::Object => "派单异议",
            Action::Transfer => "转办",
            Action::Sign => "签收",
            Action::AddAssist => "增加协办",
            Action::InterimReply => "阶段性答复",
            Action::Reply => "答复",
            Action::ApproveReply => "审核通过",
            Action::ReturnReply => "退回答复",
            Action::Rate => "评价",
            Action::RequestExtension => "申请延期",
            Action::ApproveExtension => "批准延期",
            Action::RefuseExtension => "驳回延期",
            Action::Suspend => "挂起",
            Action::Resume => "恢复办理",
            Action::Withdraw => "撤回",
            Action::Reject => "不予受理",
            Action::MergeInto => "合并",
            Action::Urge => "催办",
            Action::Supervise => "督办",
            Action::AddInfo => "补充材料",
            Action::AutoClose => "自动办结",
            Action::Escalate => "预警",
        }
    }

    /// The button label in English.
    pub const fn label_en(self) -> &'static str {
        match self {
            Action::Dispatch => "Accept and dispatch",
            Action::Object => "Object to dispatch",
            Action::Transfer => "Transfer",
            Action::Sign => "Sign for",
            Action::AddAssist => "Add assisting departments",
            Action::InterimReply => "Interim reply",
            Action::Reply => "Reply",
            Action::ApproveReply => "Approve reply",
            Action::ReturnReply => "Return reply",
            Action::Rate => "Rate",
            Action::RequestExtension => "Request extension",
            Action::ApproveExtension => "Approve extension",
            Action::RefuseExtension => "Refuse extension",
            Action::Suspend => "Suspend",
            Action::Resume => "Resume",
            Action::Withdraw => "Withdraw",
            Action::Reject => "Reject",
            Action::MergeInto => "Merge",
            Action::Urge => "Urge",
            Action::Supervise => "Supervise",
            Action::AddInfo => "Add information",
            Action::AutoClose => "Close automatically",
            Action::Escalate => "Escalate",
        }
    }

    /// The action as a verb phrase ("cannot … a demand").
    pub const fn verb_en(self) -> &'static str {
        match self {
            Action::Dispatch => "dispatch",
            Action::Object => "object to the dispatch of",
            Action::Transfer => "transfer",
            Action::Sign => "sign",
            Action::AddAssist => "add assisting departments to",
            Action::InterimReply => "give an interim reply to",
            Action::Reply => "reply to",
            Action::ApproveReply => "approve the reply to",
            Action::ReturnReply => "return the reply to",
            Action::Rate => "rate",
            Action::RequestExtension => "request an extension for",
            Action::ApproveExtension => "approve an extension for",
            Action::RefuseExtension => "refuse an extension for",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Withdraw => "withdraw",
            Action::Reject => "reject",
            Action::MergeInto => "merge",
            Action::Urge => "urge",
            Action::Supervise => "supervise",
            Action::AddInfo => "add information to",
            Action::AutoClose => "auto-close",
            Action::Escalate => "escalate",
        }
    }

    /// The states in which the action is legal at all (who may do it, and
    /// any timing condition, are checked besides).
    pub const fn legal_in(self) -> &'static [Status] {
        use Status as S;
        match self {
            Action::Dispatch | Action::Reject => &[S::Submitted],
            Action::Object | Action::Sign => &[S::Dispatched],
            Action::Transfer | Action::Escalate => &[S::Dispatched, S::Handling],
            Action::AddAssist | Action::InterimReply | Action::Reply | Action::RequestExtension | Action::Suspend => {
                &[S::Handling]
            }
            Action::ApproveExtension | Action::RefuseExtension => &[S::Handling, S::Suspended],
            Action::ApproveReply | Action::ReturnReply => &[S::UnderReview],
            Action::Rate | Action::AutoClose => &[S::Replied],
            Action::Resume => &[S::Suspended],
            Action::Withdraw | Action::MergeInto => &[S::Submitted, S::Dispatched],
            Action::Urge | Action::Supervise => &Status::OPEN,
            Action::AddInfo => &[S::Submitted, S::Dispatched, S::Handling, S::Suspended],
        }
    }
}
