//! The scripts: the steps of each kind of demand, and of the wave.

use super::*;

/// The steps of a demand of `kind` and, for open demands, where "now" lies
/// (working minutes after submission; `None`: anywhere, the demand ended).
pub(super) fn script(kind: Kind, r: &mut Rng, x: &ScriptIn<'_>) -> Option<(Vec<Step>, Option<i64>)> {
    let mut b = B::new(r, x);
    let close = b.close();
    let now = match kind {
        Kind::Simple => {
            b.dispatch();
            b.sign();
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::Interim => {
            b.dispatch();
            b.sign();
            b.interim();
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::Assist => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.sign();
            b.add_assist();
            b.interim();
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::Transfer => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.transfer()?;
            b.sign();
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::Objection => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.objection_then_redispatch()?;
            b.sign();
            b.interim();
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::Extension => {
            b.dispatch();
            b.sign();
            b.interim();
            b.request_extension();
            let days = b.days_requested();
            b.approve_extension();
            b.reply_before(close + days * WD);
            b.rate_good();
            None
        }
        Kind::ExtensionRefused => {
            b.dispatch();
            b.sign();
            b.interim();
            b.request_extension();
            let d = b.r.range(30, 200);
            let reason = b.r.text(&corpus().refuse_reasons).to_string();
            b.step(d, W::Head, Command::RefuseExtension { reason });
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::SuspendResume => {
            b.dispatch();
            b.sign();
            b.suspend();
            b.add_info();
            let d = b.r.range(30, 300);
            b.step(d, W::Handler, Command::Resume);
            let d = b.r.range(WD / 2, 2 * WD);
            let text = x.reply.clone();
            let at = b.since() + d;
            b.reply_at(at, text);
            b.rate_good();
            None
        }
        Kind::Redo => {
            b.dispatch();
            b.sign();
            b.reply_on_time();
            let bad = if b.r.percent(75) { Rating::Dissatisfied } else { Rating::VeryDissatisfied };
            b.rate(bad);
            let d = b.r.range(30, WD - 60);
            let text = b.r.text(&corpus().callbacks).to_string();
            b.step(d, W::Handler, Command::InterimReply { text });
            let at = b.since() + b.r.range(WD, 3 * WD);
            b.reply_at(at, format!("{}{}", x.reply, corpus().redo_suffix));
            let rating = if b.r.percent(70) { Rating::Satisfied } else { Rating::Neutral };
            b.rate(rating);
            None
        }
        Kind::AutoClose => {
            b.dispatch();
            b.sign();
            b.reply_on_time();
            // The sweeper closes it when the rating period has run out.
            let est = b.pos + (i64::from(x.lim.auto_close_days) + 1) * WD + 30;
            b.pos = est;
            b.steps.push(Step { pos: est, who: W::System, op: Op::AutoClose });
            None
        }
        Kind::Late | Kind::LateSupervised => {
            b.dispatch();
            b.sign();
            if b.r.percent(50) {
                b.interim();
            }
            let urger = if b.r.percent(50) { W::DistrictAdmin } else { W::Coord };
            let at = close + WD + b.r.range(0, 90);
            b.urge(urger, at);
            if kind == Kind::LateSupervised {
                let who = if b.r.percent(50) { W::Admin } else { W::DistrictAdmin };
                b.supervise(who);
            }
            let at = b.since() + b.r.range(WD / 2, 3 * WD);
            b.reply_at(at, x.reply.clone());
            let rating = if b.r.percent(60) { Rating::Satisfied } else { Rating::Neutral };
            b.rate(rating);
            None
        }
        Kind::Withdrawn => {
            let d = b.r.range(20, WD);
            let reason = b.r.text(&corpus().withdraw_reasons).to_string();
            b.step(d, W::Submitter, Command::Withdraw { reason });
            None
        }
        Kind::WithdrawnAfterDispatch => {
            b.dispatch();
            let d = b.r.range(10, 200);
            let reason = b.r.text(&corpus().withdraw_reasons).to_string();
            b.step(d, W::Rater, Command::Withdraw { reason });
            None
        }
        Kind::Rejected => {
            let d = b.r.range(20, 400);
            let reason = x.reject_reason.clone()?;
            b.step(d, W::Coord, Command::Reject { reason });
            None
        }
        Kind::Submitted => Some(b.now_after(5, 400)),
        Kind::Objected => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.objection_then_redispatch_pending()?;
            Some(b.now_after(5, 200))
        }
        Kind::Dispatched => {
            b.dispatch();
            Some(b.now_after(5, 300))
        }
        Kind::DispatchedLate => {
            b.dispatch();
            let lo = 2 * WD;
            Some(b.now_after(lo, 3 * WD - 60))
        }
        Kind::Transferring => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.transfer()?;
            Some(b.now_after(5, 300))
        }
        Kind::HandlingFresh => {
            b.dispatch();
            b.sign();
            let hi = (close / 2 - WD).max(60);
            Some(b.now_after(20, hi))
        }
        Kind::HandlingInterim => {
            b.dispatch();
            b.sign();
            b.interim();
            let hi = (close - WD - 30 - b.since()).max(30);
            Some(b.now_after(20, hi))
        }
        Kind::HandlingYellow => {
            b.dispatch_to(x.lead, Vec::new(), true);
            b.sign_quick();
            let at = close - WD - b.r.range(0, 30);
            Some(b.now_since(at))
        }
        Kind::HandlingBlue => {
            b.dispatch_to(x.lead, Vec::new(), true);
            b.sign_quick();
            b.interim();
            let at = close - b.r.range(0, 20);
            Some(b.now_since(at))
        }
        Kind::HandlingRed | Kind::HandlingRedSupervised => {
            b.dispatch();
            b.sign();
            if b.r.percent(50) {
                b.interim();
            }
            if kind == Kind::HandlingRedSupervised {
                let at = close + WD + b.r.range(0, 90);
                b.urge(W::DistrictAdmin, at);
                let who = if b.r.percent(50) { W::Admin } else { W::DistrictAdmin };
                b.supervise(who);
                Some(b.now_after(30, WD))
            } else {
                let at = close + b.r.range(WD + 30, 5 * WD);
                Some(b.now_since(at))
            }
        }
        Kind::ExtensionPending => {
            b.dispatch();
            b.sign();
            b.interim();
            b.request_extension();
            Some(b.now_after(30, WD / 2))
        }
        Kind::ExtensionApproved => {
            b.dispatch();
            b.sign();
            b.interim();
            b.request_extension();
            b.approve_extension();
            Some(b.now_after(WD / 2, 2 * WD))
        }
        Kind::Redoing => {
            b.dispatch();
            b.sign();
            b.reply_on_time();
            b.rate(Rating::Dissatisfied);
            if b.r.percent(50) {
                let d = b.r.range(30, WD - 60);
                let text = b.r.text(&corpus().callbacks).to_string();
                b.step(d, W::Handler, Command::InterimReply { text });
            }
            Some(b.now_after(30, WD))
        }
        Kind::TransferredSigned => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.transfer()?;
            b.sign();
            Some(b.now_after(30, WD))
        }
        Kind::Suspended => {
            b.dispatch();
            b.sign();
            if b.r.percent(40) {
                b.interim();
            }
            b.suspend();
            if b.r.percent(50) {
                b.add_info();
            }
            Some(b.now_after(30, 4 * WD))
        }
        Kind::Replied => {
            b.dispatch();
            b.sign();
            if b.r.percent(50) {
                b.interim();
            }
            b.reply_on_time();
            let hi = (i64::from(x.lim.auto_close_days) - 1) * WD;
            Some(b.now_after(30, hi))
        }
    };
    Some((b.steps, now))
}

impl B<'_, '_> {
    /// The lead department objects; the coordinator has not re-dispatched yet.
    pub(super) fn objection_then_redispatch_pending(&mut self) -> Option<()> {
        let (_, o) = self.other_dept()?;
        let d = self.r.range(20, 300);
        self.step(d, W::Handler, Command::Object { reason: format!("本单位非该事项主管部门：{}", o.objection) });
        Some(())
    }
}

/// The 物流受限 wave's script, fitted into the `avail` working minutes
/// between its submission and now: closed, replied, handling or waiting to
/// be signed for, by how long ago it came in.
pub(super) fn wave_script(i: usize, r: &mut Rng, x: &ScriptIn<'_>, avail: i64) -> (Vec<Step>, &'static str) {
    // Preferred outcome by age (oldest first), then shorter fallbacks.
    let wanted = match i {
        0..=4 => 0,
        5..=7 => 1,
        8..=9 => 2,
        10 => 3,
        _ => 4,
    };
    for stage in wanted..=4 {
        let mut b = B::new(r, x);
        b.dispatch_to(x.lead, x.assist.clone(), true);
        let label = match stage {
            0 | 1 => {
                b.sign_quick();
                let d = b.r.range(30, 240);
                b.step(d, W::Handler, Command::InterimReply { text: corpus().wave_interim.to_string() });
                let at = b.since() + b.r.range(WD / 2, WD + WD / 2);
                b.reply_at(at, x.reply.clone());
                if stage == 0 {
                    b.rate_good();
                    "closed"
                } else {
                    "replied"
                }
            }
            2 => {
                b.sign_quick();
                let d = b.r.range(30, 240);
                b.step(d, W::Handler, Command::InterimReply { text: corpus().wave_interim.to_string() });
                "handling"
            }
            3 => {
                b.sign_quick();
                "handling"
            }
            _ => "dispatched",
        };
        if b.pos + 10 <= avail || stage == 4 {
            return (b.steps, label);
        }
    }
    (Vec::new(), "submitted")
}
