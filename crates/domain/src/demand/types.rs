//! The vocabulary of demands: states, channels, ratings, colours, time
//! limits, the projection and who acts.

use super::event::{Event, EventKind};
use crate::error::FieldError;
use crate::role::{Actor, Role};
use serde::{Deserialize, Serialize};

/// Where a demand stands in its life (DESIGN §3.2). The string forms are
/// part of the API and of the stored rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 待受理: waiting for a coordinator to accept and dispatch it.
    Submitted,
    /// 待签收: dispatched to a lead department that has not signed yet.
    Dispatched,
    /// 办理中: signed and being handled.
    Handling,
    /// 已挂起: waiting for the enterprise; the clock is stopped.
    Suspended,
    /// 待审核: replied, waiting for the coordinator's review (审核报结).
    UnderReview,
    /// 已答复: the reply reached the enterprise, waiting for its rating.
    Replied,
    /// 已办结.
    Closed,
    /// 已撤回 by the enterprise before signing.
    Withdrawn,
    /// 不予受理: out of scope.
    Rejected,
    /// 已合并 into another demand as a duplicate.
    Merged,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Submitted,
        Status::Dispatched,
        Status::Handling,
        Status::Suspended,
        Status::UnderReview,
        Status::Replied,
        Status::Closed,
        Status::Withdrawn,
        Status::Rejected,
        Status::Merged,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Dispatched => "dispatched",
            Status::Handling => "handling",
            Status::Suspended => "suspended",
            Status::UnderReview => "under_review",
            Status::Replied => "replied",
            Status::Closed => "closed",
            Status::Withdrawn => "withdrawn",
            Status::Rejected => "rejected",
            Status::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub const fn label_zh(self) -> &'static str {
        match self {
            Status::Submitted => "待受理",
            Status::Dispatched => "待签收",
            Status::Handling => "办理中",
            Status::Suspended => "已挂起",
            Status::UnderReview => "待审核",
            Status::Replied => "已答复",
            Status::Closed => "已办结",
            Status::Withdrawn => "已撤回",
            Status::Rejected => "不予受理",
            Status::Merged => "已合并",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Status::Submitted => "Submitted",
            Status::Dispatched => "Dispatched",
            Status::Handling => "Handling",
            Status::Suspended => "Suspended",
            Status::UnderReview => "Under review",
            Status::Replied => "Replied",
            Status::Closed => "Closed",
            Status::Withdrawn => "Withdrawn",
            Status::Rejected => "Rejected",
            Status::Merged => "Merged",
        }
    }

    /// The state as the end of an English sentence ("a demand that is …").
    pub const fn phrase_en(self) -> &'static str {
        match self {
            Status::Submitted => "waiting to be accepted",
            Status::Dispatched => "waiting to be signed for",
            Status::Handling => "being handled",
            Status::Suspended => "suspended",
            Status::UnderReview => "under review",
            Status::Replied => "replied",
            Status::Closed => "closed",
            Status::Withdrawn => "withdrawn",
            Status::Rejected => "rejected",
            Status::Merged => "merged",
        }
    }

    /// Open: not closed, withdrawn, rejected or merged.
    pub const fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Withdrawn | Status::Rejected | Status::Merged)
    }
}

/// How a demand reached the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The enterprise's own people, through the enterprise code (企业码).
    EnterpriseCode,
    /// A service officer on the enterprise's behalf.
    Officer,
    /// Taken by phone (热线).
    Hotline,
    /// Imported from a file.
    Import,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::EnterpriseCode, Channel::Officer, Channel::Hotline, Channel::Import];

    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::EnterpriseCode => "enterprise_code",
            Channel::Officer => "officer",
            Channel::Hotline => "hotline",
            Channel::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub const fn label_zh(self) -> &'static str {
        match self {
            Channel::EnterpriseCode => "企业码",
            Channel::Officer => "服务员代报",
            Channel::Hotline => "热线",
            Channel::Import => "导入",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Channel::EnterpriseCode => "Enterprise code",
            Channel::Officer => "Officer on behalf",
            Channel::Hotline => "Hotline",
            Channel::Import => "Import",
        }
    }
}

/// How urgent the enterprise says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    #[default]
    Normal,
    Urgent,
}

impl Urgency {
    pub const ALL: [Urgency; 2] = [Urgency::Normal, Urgency::Urgent];

    pub const fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub const fn label_zh(self) -> &'static str {
        match self {
            Urgency::Normal => "一般",
            Urgency::Urgent => "紧急",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Urgency::Normal => "Normal",
            Urgency::Urgent => "Urgent",
        }
    }
}

/// The enterprise's five-level rating of a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    VerySatisfied,
    Satisfied,
    Neutral,
    Dissatisfied,
    VeryDissatisfied,
}

impl Rating {
    pub const ALL: [Rating; 5] =
        [Rating::VerySatisfied, Rating::Satisfied, Rating::Neutral, Rating::Dissatisfied, Rating::VeryDissatisfied];

    pub const fn as_str(self) -> &'static str {
        match self {
            Rating::VerySatisfied => "very_satisfied",
            Rating::Satisfied => "satisfied",
            Rating::Neutral => "neutral",
            Rating::Dissatisfied => "dissatisfied",
            Rating::VeryDissatisfied => "very_dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// 5 (非常满意) down to 1 (非常不满意).
    pub const fn score(self) -> i64 {
        match self {
            Rating::VerySatisfied => 5,
            Rating::Satisfied => 4,
            Rating::Neutral => 3,
            Rating::Dissatisfied => 2,
            Rating::VeryDissatisfied => 1,
        }
    }

    /// The rating with this score (1..=5).
    pub fn from_score(score: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.score() == score)
    }

    pub const fn label_zh(self) -> &'static str {
        match self {
            Rating::VerySatisfied => "非常满意",
            Rating::Satisfied => "满意",
            Rating::Neutral => "基本满意",
            Rating::Dissatisfied => "不满意",
            Rating::VeryDissatisfied => "非常不满意",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Rating::VerySatisfied => "Very satisfied",
            Rating::Satisfied => "Satisfied",
            Rating::Neutral => "Neutral",
            Rating::Dissatisfied => "Dissatisfied",
            Rating::VeryDissatisfied => "Very dissatisfied",
        }
    }

    /// 不满意 or worse reopens the demand (重办).
    pub const fn reopens(self) -> bool {
        matches!(self, Rating::Dissatisfied | Rating::VeryDissatisfied)
    }
}

/// Three-colour supervision (三色督办); ordered by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    #[default]
    None,
    /// Less than one working day left.
    Blue,
    /// Behind schedule: overdue for signing, or more than half the time used
    /// without an interim reply.
    Yellow,
    /// Overdue.
    Red,
}

impl Colour {
    pub const ALL: [Colour; 4] = [Colour::None, Colour::Blue, Colour::Yellow, Colour::Red];

    pub const fn as_str(self) -> &'static str {
        match self {
            Colour::None => "none",
            Colour::Blue => "blue",
            Colour::Yellow => "yellow",
            Colour::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub const fn label_zh(self) -> &'static str {
        match self {
            Colour::None => "正常",
            Colour::Blue => "临期(蓝)",
            Colour::Yellow => "滞后(黄)",
            Colour::Red => "超期(红)",
        }
    }

    pub const fn label_en(self) -> &'static str {
        match self {
            Colour::None => "On time",
            Colour::Blue => "Due soon (blue)",
            Colour::Yellow => "Behind (yellow)",
            Colour::Red => "Overdue (red)",
        }
    }
}

/// The time limits of a category, in working days (the 1-3-5 rule of DESIGN
/// §3.1). A demand keeps a snapshot taken at submission, so a later policy
/// change applies to new demands only.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeLimits {
    /// To sign for a dispatched demand and contact the enterprise.
    pub sign_days: u32,
    /// To resolve a simple demand or give an interim reply (阶段性答复).
    pub reply_days: u32,
    /// To close (reply to) the demand.
    pub close_days: u32,
    /// An unrated reply closes by itself after this many working days.
    pub auto_close_days: u32,
}

impl Default for TimeLimits {
    fn default() -> Self {
        Self { sign_days: 1, reply_days: 3, close_days: 5, auto_close_days: 5 }
    }
}

/// A pending request for more time (延期申请).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ExtensionRequest {
    pub days: u32,
    pub reason: String,
    pub requested_at: i64,
    pub requested_by: i64,
}

/// A warning the sweeper raised: which level, for which deadline. The same
/// level is raised at most once per deadline.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Escalation {
    pub level: Colour,
    pub deadline: i64,
}

/// The projection of a demand: everything the rules need. Instants are
/// milliseconds since the epoch (UTC).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DemandState {
    pub id: i64,
    pub status: Status,
    /// The number of events applied (the optimistic-concurrency version).
    pub version: i64,
    pub enterprise_id: i64,
    pub district_id: i64,
    pub category_code: String,
    pub channel: Channel,
    pub urgency: Urgency,
    pub confidential: bool,
    pub submitted_by: i64,
    pub submitted_at: i64,
    pub lead_department_id: Option<i64>,
    pub assisting_department_ids: Vec<i64>,
    /// Snapshot of the category policy, taken at submission.
    pub limits: TimeLimits,
    /// Coordinator reviews replies before they count (审核报结); snapshot at
    /// submission.
    pub review_required: bool,
    pub first_dispatched_at: Option<i64>,
    pub dispatched_at: Option<i64>,
    /// The lead department must sign by then; counted from the latest
    /// dispatch or transfer.
    pub sign_due: Option<i64>,
    /// When the current lead department signed (kept through a transfer; the
    /// new department's signature replaces it).
    pub signed_at: Option<i64>,
    pub signed_by: Option<i64>,
    pub interim_due: Option<i64>,
    /// The first interim reply.
    pub interim_replied_at: Option<i64>,
    /// Close deadline on the clock from the FIRST dispatch (never reset by an
    /// objection or a transfer).
    pub due_dispatch: Option<i64>,
    /// Close deadline on the clock from signing.
    pub due_sign: Option<i64>,
    /// Set while suspended.
    pub suspended_at: Option<i64>,
    /// A pending extension request.
    pub extension: Option<ExtensionRequest>,
    /// When the latest reply reached the enterprise: the reply's time, or the
    /// approval's when replies are reviewed. `None` after a returned reply.
    pub replied_at: Option<i64>,
    pub reply_text: Option<String>,
    pub rating: Option<Rating>,
    pub closed_at: Option<i64>,
    /// How many times a rating reopened the demand (重办).
    pub redo_count: i64,
    /// When the demand was last reopened (重办): the handling period restarts there.
    #[serde(default)]
    pub reopened_at: Option<i64>,
    /// After a reopen, the lead department must call the enterprise back by
    /// then.
    pub callback_due: Option<i64>,
    pub merged_into: Option<i64>,
    /// Some deadline was counted into a year without official calendar data.
    pub provisional: bool,
    /// The warnings raised so far (the sweeper's marks).
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    /// The deadline of the latest supervision order (督办单), if any.
    #[serde(default)]
    pub supervision_due: Option<i64>,
    /// The supervision deadline whose lapse was already raised.
    #[serde(default)]
    pub supervision_lapsed: Option<i64>,
}

impl DemandState {
    /// The state before any event: status Submitted, version 0. Apply the
    /// event of [`NewDemand::submitted_event`] to get version 1.
    pub fn new_submitted(
        id: i64,
        input: &NewDemand,
        submitted_by: i64,
        now: i64,
        limits: TimeLimits,
        review_required: bool,
    ) -> Self {
        Self {
            id,
            status: Status::Submitted,
            version: 0,
            enterprise_id: input.enterprise_id,
            district_id: input.district_id,
            category_code: input.category_code.clone(),
            channel: input.channel,
            urgency: input.urgency,
            confidential: input.confidential,
            submitted_by,
            submitted_at: now,
            lead_department_id: None,
            assisting_department_ids: Vec::new(),
            limits,
            review_required,
            first_dispatched_at: None,
            dispatched_at: None,
            sign_due: None,
            signed_at: None,
            signed_by: None,
            interim_due: None,
            interim_replied_at: None,
            due_dispatch: None,
            due_sign: None,
            suspended_at: None,
            extension: None,
            replied_at: None,
            reply_text: None,
            rating: None,
            closed_at: None,
            redo_count: 0,
            reopened_at: None,
            callback_due: None,
            merged_into: None,
            provisional: false,
            escalations: Vec::new(),
            supervision_due: None,
            supervision_lapsed: None,
        }
    }
}

/// What a submitter enters.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NewDemand {
    pub enterprise_id: i64,
    pub district_id: i64,
    pub category_code: String,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub urgency: Urgency,
    pub confidential: bool,
}

impl NewDemand {
    pub const TITLE_MAX: usize = 100;
    pub const DESCRIPTION_MAX: usize = 5000;

    /// Title 1..=100 characters and description 1..=5000, both counted
    /// after trimming.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_len("title", "标题", &self.title, Self::TITLE_MAX)?;
        check_len("description", "描述", &self.description, Self::DESCRIPTION_MAX)?;
        Ok(())
    }

    /// The first event of the timeline.
    pub fn submitted_event(&self, submitted_by: i64, now: i64) -> Event {
        Event {
            at: now,
            actor_id: Some(submitted_by),
            kind: EventKind::Submitted { channel: self.channel, title: self.title.trim().to_owned() },
        }
    }
}

/// A required text of at most `max` characters after trimming.
pub(crate) fn check_len(field: &str, label: &str, text: &str, max: usize) -> Result<(), FieldError> {
    let n = text.trim().chars().count();
    if n == 0 {
        return Err(FieldError::new(field, format!("{label}不能为空 ({field} is required)")));
    }
    if n > max {
        return Err(FieldError::new(
            field,
            format!("{label}不能超过 {max} 字 ({field} must be at most {max} characters, got {n})"),
        ));
    }
    Ok(())
}

/// Who acts on a demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    User(DemandActor),
    /// The sweeper (auto-close and escalations only).
    System,
}

impl Who {
    /// The acting user's id (`None` for the system).
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Who::User(a) => Some(a.user_id),
            Who::System => None,
        }
    }

    /// The acting user's role (`None` for the system).
    pub fn role(&self) -> Option<Role> {
        match self {
            Who::User(a) => Some(a.role),
            Who::System => None,
        }
    }
}

/// A user and how they relate to one demand; the application layer fills the
/// relation flag from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandActor {
    pub user_id: i64,
    pub role: Role,
    pub department_id: Option<i64>,
    pub district_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    /// An officer currently assigned to the demand's enterprise.
    pub serves_enterprise: bool,
}

impl DemandActor {
    /// The signed-in actor, with whether they serve the demand's enterprise.
    pub fn from_actor(actor: &Actor, serves_enterprise: bool) -> Self {
        Self {
            user_id: actor.user_id,
            role: actor.role,
            department_id: actor.department_id,
            district_id: actor.district_id,
            enterprise_id: actor.enterprise_id,
            serves_enterprise: actor.role == Role::Officer && serves_enterprise,
        }
    }

    /// May this actor raise a demand for an enterprise of `district_id`
    /// (`enterprise_id`)? Its own people, its serving officer, a coordinator
    /// in scope (hotline, import), and the admins.
    pub fn may_submit_for(&self, enterprise_id: i64, district_id: i64) -> bool {
        match self.role {
            Role::EnterpriseUser => self.enterprise_id == Some(enterprise_id),
            Role::Officer => self.serves_enterprise,
            Role::Coordinator => self.district_id.is_none_or(|d| d == district_id),
            Role::CityAdmin => true,
            Role::DistrictAdmin => self.district_id == Some(district_id),
            Role::DeptHandler | Role::DeptHead | Role::Auditor => false,
        }
    }
}
