//! Status and decisions: where a flagged hot issue stands and what a
//! coordinator may decide about it.

use serde::{Deserialize, Serialize};

/// Where a flagged hot issue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HotStatus {
    /// Found by detection, waiting for a coordinator.
    Flagged,
    /// A coordinator agrees it is one problem hitting many enterprises.
    Confirmed,
    /// Answered as one: the open members were merged into a lead demand.
    Merged,
    /// Not a hot issue (with a reason); new demands joining it raise it again.
    Dismissed,
}

impl HotStatus {
    pub const ALL: [HotStatus; 4] = [HotStatus::Flagged, HotStatus::Confirmed, HotStatus::Merged, HotStatus::Dismissed];

    pub fn as_str(self) -> &'static str {
        match self {
            HotStatus::Flagged => "flagged",
            HotStatus::Confirmed => "confirmed",
            HotStatus::Merged => "merged",
            HotStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<HotStatus> {
        HotStatus::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            HotStatus::Flagged => "待研判",
            HotStatus::Confirmed => "已确认",
            HotStatus::Merged => "已并案",
            HotStatus::Dismissed => "已排除",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            HotStatus::Flagged => "Flagged",
            HotStatus::Confirmed => "Confirmed",
            HotStatus::Merged => "Merged",
            HotStatus::Dismissed => "Dismissed",
        }
    }
}

/// What a coordinator decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Confirm,
    Merge,
    Dismiss,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Confirm => "confirm",
            Decision::Merge => "merge",
            Decision::Dismiss => "dismiss",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        [Decision::Confirm, Decision::Merge, Decision::Dismiss].into_iter().find(|d| d.as_str() == s)
    }
}

/// A decision the status does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("热点问题已并案，不能再{action_zh} (a merged hot issue cannot be {action_en})")]
pub struct Refused {
    pub action_zh: &'static str,
    pub action_en: &'static str,
}

/// The status after a decision: `Ok(None)` when the issue is already there
/// (a repeated click changes nothing), `Err` when refused. Decisions may be
/// revised (a dismissed issue can still be confirmed) until the issue is
/// merged: merged demands cannot be un-merged. Merging again is allowed, to
/// fold in demands that joined after the first merge.
pub fn decide(status: HotStatus, d: Decision) -> Result<Option<HotStatus>, Refused> {
    use HotStatus::*;
    match (status, d) {
        (Merged, Decision::Confirm) => Err(Refused { action_zh: "确认", action_en: "confirmed" }),
        (Merged, Decision::Dismiss) => Err(Refused { action_zh: "排除", action_en: "dismissed" }),
        (Merged, Decision::Merge) => Ok(Some(Merged)),
        (Confirmed, Decision::Confirm) | (Dismissed, Decision::Dismiss) => Ok(None),
        (_, Decision::Confirm) => Ok(Some(Confirmed)),
        (_, Decision::Dismiss) => Ok(Some(Dismissed)),
        (_, Decision::Merge) => Ok(Some(Merged)),
    }
}
