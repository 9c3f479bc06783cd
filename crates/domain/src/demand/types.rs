//! The vocabulary of demands: states, channels, urgency, ratings and
//! colours.

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
