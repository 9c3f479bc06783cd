//! What a script is made of: who acts, the steps, the kinds of demand
//! life and the builder that lays steps out in working time.

use super::*;

/// Who performs a step, resolved when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum W {
    Submitter,
    /// The enterprise side (its user, or its officer on its behalf).
    Rater,
    Coord,
    /// Handler / head of the demand's lead department at that moment.
    Handler,
    Head,
    DistrictAdmin,
    Admin,
    System,
}

#[derive(Debug, Clone)]
pub(super) enum Op {
    Do(Command),
    /// Merge into the demand of this plan.
    MergeInto(usize),
    /// The sweeper's auto-close, at the instant the rating period ends.
    AutoClose,
}

#[derive(Debug, Clone)]
pub(super) struct Step {
    /// Working minutes after submission.
    pub(super) pos: i64,
    pub(super) who: W,
    pub(super) op: Op,
}

/// Where a demand's life should end up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    // Closed.
    Simple,
    Interim,
    Assist,
    Transfer,
    Objection,
    Extension,
    ExtensionRefused,
    SuspendResume,
    Redo,
    AutoClose,
    Late,
    LateSupervised,
    // Ended otherwise.
    Withdrawn,
    WithdrawnAfterDispatch,
    Rejected,
    // Open.
    Submitted,
    Objected,
    Dispatched,
    DispatchedLate,
    Transferring,
    HandlingFresh,
    HandlingInterim,
    HandlingYellow,
    HandlingBlue,
    HandlingRed,
    HandlingRedSupervised,
    ExtensionPending,
    ExtensionApproved,
    Redoing,
    TransferredSigned,
    Suspended,
    Replied,
}

impl Kind {
    /// Needs a category with another department (transfer, objection).
    pub(super) fn needs_other(self) -> bool {
        matches!(self, Kind::Transfer | Kind::Objection | Kind::Objected | Kind::Transferring | Kind::TransferredSigned)
    }
}

/// How many demands of each kind besides [`Kind::Simple`] (which fills the
/// rest), the merged duplicates and the wave.
pub(super) const MIX: &[(Kind, usize)] = &[
    (Kind::Interim, 58),
    (Kind::Assist, 28),
    (Kind::Transfer, 14),
    (Kind::Objection, 12),
    (Kind::Extension, 18),
    (Kind::ExtensionRefused, 6),
    (Kind::SuspendResume, 14),
    (Kind::Redo, 14),
    (Kind::AutoClose, 18),
    (Kind::Late, 14),
    (Kind::LateSupervised, 5),
    (Kind::Withdrawn, 8),
    (Kind::WithdrawnAfterDispatch, 4),
    (Kind::Rejected, 12),
    (Kind::Submitted, 16),
    (Kind::Objected, 3),
    (Kind::Dispatched, 10),
    (Kind::DispatchedLate, 4),
    (Kind::Transferring, 2),
    (Kind::HandlingFresh, 10),
    (Kind::HandlingInterim, 7),
    (Kind::HandlingYellow, 5),
    (Kind::HandlingBlue, 4),
    (Kind::HandlingRed, 5),
    (Kind::HandlingRedSupervised, 4),
    (Kind::ExtensionPending, 5),
    (Kind::ExtensionApproved, 5),
    (Kind::Redoing, 4),
    (Kind::TransferredSigned, 2),
    (Kind::Suspended, 10),
    (Kind::Replied, 24),
];
/// Duplicates merged into an earlier demand.
pub(super) const MERGED: usize = 10;

/// The texts and departments one script needs.
pub(super) struct ScriptIn<'a> {
    pub(super) lim: TimeLimits,
    pub(super) review: bool,
    pub(super) lead: i64,
    /// Assisting departments to add (not the lead).
    pub(super) assist: Vec<i64>,
    pub(super) other: Option<(i64, &'a Other)>,
    pub(super) reply: String,
    pub(super) outcome: Option<i64>,
    pub(super) vars: &'a Vars,
    pub(super) reject_reason: Option<String>,
}

/// Builds a script step by step; positions are working minutes after
/// submission.
pub(super) struct B<'a, 'r> {
    pub(super) r: &'r mut Rng,
    pub(super) x: &'a ScriptIn<'a>,
    pub(super) steps: Vec<Step>,
    pub(super) pos: i64,
    /// Position of the first dispatch (the clock from dispatch starts there).
    pub(super) disp: i64,
}

impl<'a, 'r> B<'a, 'r> {
    pub(super) fn new(r: &'r mut Rng, x: &'a ScriptIn<'a>) -> Self {
        Self { r, x, steps: Vec::new(), pos: 0, disp: 0 }
    }

    pub(super) fn close(&self) -> i64 {
        i64::from(self.x.lim.close_days) * WD
    }

    pub(super) fn interim_limit(&self) -> i64 {
        i64::from(self.x.lim.reply_days) * WD
    }

    pub(super) fn since(&self) -> i64 {
        self.pos - self.disp
    }

    pub(super) fn step(&mut self, delay: i64, who: W, cmd: Command) {
        self.pos += delay.max(1);
        self.steps.push(Step { pos: self.pos, who, op: Op::Do(cmd) });
    }

    /// A step at `since` working minutes after the first dispatch (at least
    /// one minute after the previous step).
    pub(super) fn at_since(&mut self, since: i64, who: W, cmd: Command) {
        let delay = self.disp + since - self.pos;
        self.step(delay, who, cmd);
    }

    pub(super) fn dispatch_to(&mut self, lead: i64, assisting: Vec<i64>, quick: bool) {
        let note = if assisting.is_empty() { self.r.text(&corpus().dispatch_notes) } else { corpus().assist_note };
        let delay = if quick { self.r.range(10, 90) } else { self.r.range(10, 420) };
        let first = !self.steps.iter().any(|s| matches!(&s.op, Op::Do(Command::Dispatch { .. })));
        self.step(delay, W::Coord, Command::Dispatch { lead, assisting, note: note.to_string() });
        if first {
            self.disp = self.pos;
        }
    }

    /// Dispatch to the suggested lead department, sometimes with assisting
    /// departments.
    pub(super) fn dispatch(&mut self) {
        let assisting = if !self.x.assist.is_empty() && self.r.percent(20) {
            self.x.assist.iter().take(1).copied().collect()
        } else {
            Vec::new()
        };
        self.dispatch_to(self.x.lead, assisting, false);
    }

    pub(super) fn sign(&mut self) {
        let d = self.r.range(10, 400);
        self.step(d, W::Handler, Command::Sign);
    }

    pub(super) fn sign_quick(&mut self) {
        let d = self.r.range(5, 40);
        self.step(d, W::Handler, Command::Sign);
    }

    pub(super) fn interim_text(&mut self) -> String {
        let t = self.r.text(&corpus().interims);
        self.x.vars.fill(t)
    }

    /// An interim reply within the interim-reply period.
    pub(super) fn interim(&mut self) {
        let lo = self.since() + 60;
        let hi = (self.interim_limit() - 30).max(lo);
        let at = self.r.range(lo, hi);
        let text = self.interim_text();
        self.at_since(at, W::Handler, Command::InterimReply { text });
    }

    pub(super) fn add_assist(&mut self) {
        if self.x.assist.is_empty() {
            return;
        }
        let d = self.r.range(30, 300);
        self.step(d, W::Handler, Command::AddAssist { departments: self.x.assist.clone() });
    }

    /// The reply, at `since` working minutes after the first dispatch; then
    /// the coordinator's approval when replies are reviewed.
    pub(super) fn reply_at(&mut self, since: i64, text: String) {
        self.at_since(since, W::Handler, Command::Reply { text, outcome_count: self.x.outcome });
        if self.x.review {
            let d = self.r.range(20, 240);
            self.step(d, W::Coord, Command::ApproveReply);
        }
    }

    /// A reply before the close deadline `limit` (working minutes after
    /// dispatch).
    pub(super) fn reply_before(&mut self, limit: i64) {
        let lo = self.since() + 60;
        let hi = (limit - 30).max(lo);
        let at = self.r.range(lo, hi);
        self.reply_at(at, self.x.reply.clone());
    }

    pub(super) fn reply_on_time(&mut self) {
        let close = self.close();
        self.reply_before(close);
    }

    pub(super) fn rate(&mut self, rating: Rating) {
        let comment = match rating {
            Rating::VerySatisfied => self.r.text(&corpus().comments_very),
            Rating::Satisfied => self.r.text(&corpus().comments_good),
            Rating::Neutral => self.r.text(&corpus().comments_neutral),
            Rating::Dissatisfied | Rating::VeryDissatisfied => self.r.text(&corpus().comments_bad),
        };
        let hi = (i64::from(self.x.lim.auto_close_days) * WD - 60).min(3 * WD);
        let d = self.r.range(30, hi);
        self.step(d, W::Rater, Command::Rate { rating, comment: comment.to_string() });
    }

    /// A good rating: mostly 非常满意 / 满意, a few 基本满意.
    pub(super) fn rate_good(&mut self) {
        let rating = match self.r.below(20) {
            0..=10 => Rating::VerySatisfied,
            11..=17 => Rating::Satisfied,
            _ => Rating::Neutral,
        };
        self.rate(rating);
    }

    pub(super) fn request_extension(&mut self) {
        let close = self.close();
        let lo = (close - 2 * WD).max(self.since() + 60);
        let hi = (close - 60).max(lo);
        let at = self.r.range(lo, hi);
        let days = self.r.range(3, 10) as u32;
        let reason = self.r.text(&corpus().extension_reasons).to_string();
        self.at_since(at, W::Handler, Command::RequestExtension { days, reason });
    }

    pub(super) fn days_requested(&self) -> i64 {
        self.steps
            .iter()
            .rev()
            .find_map(|s| match &s.op {
                Op::Do(Command::RequestExtension { days, .. }) => Some(i64::from(*days)),
                _ => None,
            })
            .unwrap_or(0)
    }

    pub(super) fn approve_extension(&mut self) {
        let d = self.r.range(30, 300);
        self.step(d, W::Head, Command::ApproveExtension);
    }

    pub(super) fn suspend(&mut self) {
        let lo = self.since() + 60;
        let at = self.r.range(lo, lo + WD);
        let reason = self.x.vars.fill(self.r.text(&corpus().suspend_reasons));
        self.at_since(at, W::Handler, Command::Suspend { reason });
    }

    pub(super) fn add_info(&mut self) {
        let d = self.r.range(60, 2 * WD);
        let text = self.x.vars.fill(self.r.text(&corpus().add_info));
        self.step(d, W::Rater, Command::AddInfo { text });
    }

    pub(super) fn urge(&mut self, who: W, since: i64) {
        let note = self.r.text(&corpus().urge_notes).to_string();
        self.at_since(since, who, Command::Urge { note });
    }

    pub(super) fn supervise(&mut self, who: W) {
        let d = self.r.range(60, WD);
        let note = self.r.text(&corpus().supervise_notes).to_string();
        self.step(d, who, Command::Supervise { note, due_days: 3 });
    }

    pub(super) fn other_dept(&self) -> Option<(i64, &'a Other)> {
        self.x.other
    }

    pub(super) fn objection_then_redispatch(&mut self) -> Option<()> {
        let (other, o) = self.other_dept()?;
        let d = self.r.range(20, 300);
        self.step(d, W::Handler, Command::Object { reason: format!("本单位非该事项主管部门：{}", o.objection) });
        self.dispatch_to(other, Vec::new(), false);
        Some(())
    }

    pub(super) fn transfer(&mut self) -> Option<()> {
        let (other, o) = self.other_dept()?;
        let d = self.r.range(30, 300);
        self.step(d, W::Coord, Command::Transfer { lead: other, reason: o.transfer.to_string() });
        Some(())
    }

    /// "Now" this many working minutes after the first dispatch.
    pub(super) fn now_since(&self, since: i64) -> i64 {
        (self.disp + since).max(self.pos + 5)
    }

    /// "Now" a while after the last step.
    pub(super) fn now_after(&mut self, lo: i64, hi: i64) -> i64 {
        self.pos + self.r.range(lo.max(5), hi.max(5))
    }
}
