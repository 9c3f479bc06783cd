//! The projection of a demand and what it is built from: the time limits,
//! a pending extension, the warnings raised, and what a submitter enters.

use super::event::{Event, EventKind};
use super::types::{Channel, Colour, Rating, Status, Urgency};
use crate::error::FieldError;
use serde::{Deserialize, Serialize};

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
