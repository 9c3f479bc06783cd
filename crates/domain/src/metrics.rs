//! Scoring (issue 6): what one demand contributes to the department,
//! district and officer figures, and the formulas that turn summed
//! contributions into rates. Pure: the store keeps the sums, the application
//! feeds the events. Every formula is written out in `docs/metrics.md`.
//!
//! A demand's contribution is a vector of 0/1 counters (plus one sum, the
//! working days to its first reply) filed under a key: the day it was
//! submitted (China time), its district, its current lead department and
//! category, and the officer who raised it. Figures for a period are sums
//! over the keys whose day falls in the period (a cohort of demands
//! received in the period), so every counter is additive and an event only
//! moves one demand's vector from its old key to its new one.

use crate::calendar::WorkCalendar;
use crate::clock::{china_offset, from_ms};
use crate::demand::{apply, Channel, DemandState, Event, EventKind, Rating, Status};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Names of the counters, in vector order; also the column names of the
/// aggregate tables (migration `20261126000006_metrics.sql`).
pub const COUNTERS: [&str; 26] = [
    "received",
    "st_submitted",
    "st_dispatched",
    "st_handling",
    "st_suspended",
    "st_under_review",
    "st_replied",
    "st_closed",
    "st_withdrawn",
    "st_rejected",
    "st_merged",
    "dispatched",
    "signed",
    "signed_on_time",
    "replied",
    "replied_on_time_dispatch",
    "replied_on_time_sign",
    "reply_wd_sum",
    "urged",
    "redone",
    "rated",
    "rated_5",
    "rated_4",
    "rated_3",
    "rated_2",
    "rated_1",
];

/// Number of counters.
pub const N: usize = COUNTERS.len();

/// Indexes into a counter vector.
pub mod ix {
    pub const RECEIVED: usize = 0;
    /// `ST + k` is the one-hot of the k-th status of `Status::ALL`.
    pub const ST: usize = 1;
    pub const DISPATCHED: usize = 11;
    pub const SIGNED: usize = 12;
    pub const SIGNED_ON_TIME: usize = 13;
    pub const REPLIED: usize = 14;
    pub const REPLIED_ON_TIME_DISPATCH: usize = 15;
    pub const REPLIED_ON_TIME_SIGN: usize = 16;
    pub const REPLY_WD_SUM: usize = 17;
    pub const URGED: usize = 18;
    pub const REDONE: usize = 19;
    pub const RATED: usize = 20;
    /// `RATED_5 + (5 - score)` for scores 5..=1.
    pub const RATED_5: usize = 21;
}

/// The index of a status's one-hot counter.
pub fn status_ix(s: Status) -> usize {
    ix::ST + Status::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// A counter vector.
pub type Counters = [i64; N];

/// Where a demand's contribution is filed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
pub struct FactKey {
    /// Submission day in China time as `YYYYMMDD`.
    pub day: i64,
    pub district_id: i64,
    /// The current lead department, 0 while none.
    pub department_id: i64,
    pub category_code: String,
    /// The officer who raised it (channel 服务员代报), 0 otherwise.
    pub officer_id: i64,
}

/// One demand's contribution.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Facts {
    pub key: FactKey,
    /// Working days from the first dispatch to the first reply; -1 before it.
    pub reply_wd: i64,
    pub v: Counters,
}

/// `YYYYMMDD` of a date.
pub fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

/// The China-time date of an instant (ms).
pub fn china_day(ms: i64) -> NaiveDate {
    from_ms(ms).with_timezone(&china_offset()).date_naive()
}

/// Carries a demand's contribution across `events` applied to `before`.
///
/// `prev` is what was filed for the demand before (`None` for a new one).
/// Most counters follow the state after the events; three are decided at
/// the moment they happen and then kept ("sticky"), because the state does
/// not remember them:
/// - signed / signed on time: the current lead department's signature, on
///   time when at or before the sign deadline in force at that moment; a
///   transfer or an objection clears both (the new department must sign);
/// - replied, on time on each clock, working days: the FIRST reply that
///   reached the enterprise (status 已答复), compared with `due_dispatch` and
///   `due_sign` as they stood then (extensions and suspensions included);
///   a later redo (重办) does not change them;
/// - urged: any 催办 or 督办 ever.
///
/// `cal` counts the working days to the reply (0 when unavailable).
pub fn advance(prev: Option<&Facts>, before: &DemandState, events: &[Event], cal: Option<&WorkCalendar>) -> Facts {
    let mut f = prev.cloned().unwrap_or(Facts { reply_wd: -1, ..Facts::default() });
    let mut s = before.clone();
    for ev in events {
        let pre_sign_due = s.sign_due;
        apply(&mut s, ev);
        match &ev.kind {
            EventKind::Transferred { .. } | EventKind::Objected { .. } => {
                f.v[ix::SIGNED] = 0;
                f.v[ix::SIGNED_ON_TIME] = 0;
            }
            EventKind::Signed { .. } => {
                f.v[ix::SIGNED] = 1;
                f.v[ix::SIGNED_ON_TIME] = i64::from(pre_sign_due.is_none_or(|d| ev.at <= d));
            }
            EventKind::Urged { .. } | EventKind::Supervised { .. } => f.v[ix::URGED] = 1,
            _ => {}
        }
        if s.status == Status::Replied && f.v[ix::REPLIED] == 0 {
            let at = s.replied_at.unwrap_or(ev.at);
            f.v[ix::REPLIED] = 1;
            f.v[ix::REPLIED_ON_TIME_DISPATCH] = i64::from(s.due_dispatch.is_some_and(|d| at <= d));
            f.v[ix::REPLIED_ON_TIME_SIGN] = i64::from(s.due_sign.is_some_and(|d| at <= d));
            let wd = match (cal, s.first_dispatched_at) {
                (Some(cal), Some(disp)) => cal.working_days_between(china_day(disp), china_day(at)).max(0),
                _ => 0,
            };
            f.reply_wd = wd;
            f.v[ix::REPLY_WD_SUM] = wd;
        }
    }
    f.v[ix::RECEIVED] = 1;
    for st in Status::ALL {
        f.v[status_ix(st)] = i64::from(s.status == st);
    }
    f.v[ix::DISPATCHED] = i64::from(s.first_dispatched_at.is_some());
    f.v[ix::REDONE] = i64::from(s.redo_count > 0);
    f.v[ix::RATED] = i64::from(s.rating.is_some());
    for r in Rating::ALL {
        let k = ix::RATED_5 + usize::try_from(5 - r.score()).unwrap_or(0);
        f.v[k] = i64::from(s.rating == Some(r));
    }
    f.key = FactKey {
        day: day_number(china_day(s.submitted_at)),
        district_id: s.district_id,
        department_id: s.lead_department_id.unwrap_or(0),
        category_code: s.category_code.clone(),
        officer_id: if s.channel == Channel::Officer { s.submitted_by } else { 0 },
    };
    f
}

/// A ratio, `None` when the denominator is 0.
pub fn ratio(num: i64, den: i64) -> Option<f64> {
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    (den > 0).then(|| num as f64 / den as f64)
}

/// The p-th percentile (0 < p ≤ 100) of a histogram `(value, count)` by the
/// nearest-rank method: the smallest value whose cumulative count reaches
/// ⌈p/100 · n⌉. `None` for an empty histogram.
pub fn percentile(hist: &[(i64, i64)], p: i64) -> Option<i64> {
    let mut h: Vec<(i64, i64)> = hist.iter().copied().filter(|(_, n)| *n > 0).collect();
    h.sort_unstable();
    let n: i64 = h.iter().map(|(_, c)| c).sum();
    if n == 0 {
        return None;
    }
    let rank = (p * n + 99) / 100;
    let mut cum = 0;
    for (v, c) in h {
        cum += c;
        if cum >= rank {
            return Some(v);
        }
    }
    None
}

/// The figures of one department, district or the city over a period:
/// counts from the summed counters plus the rates of `docs/metrics.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Figures {
    /// 受理量: demands submitted in the period.
    pub received: i64,
    /// 无效件: withdrawn, rejected or merged.
    pub invalid: i64,
    /// 有效件 = received − invalid.
    pub valid: i64,
    /// Currently open (not closed / withdrawn / rejected / merged).
    pub open: i64,
    /// 办结 (status closed).
    pub closed: i64,
    pub dispatched: i64,
    pub signed: i64,
    pub signed_on_time: i64,
    pub replied: i64,
    pub replied_on_time_dispatch: i64,
    pub replied_on_time_sign: i64,
    pub urged: i64,
    pub redone: i64,
    pub rated: i64,
    /// Ratings 非常满意, 满意, 基本满意, 不满意, 非常不满意.
    pub ratings: [i64; 5],
    /// 办结率 = closed / valid.
    pub completion_rate: Option<f64>,
    /// 按时签收率 = signed_on_time / signed.
    pub on_time_sign_rate: Option<f64>,
    /// 及时办结率 (派单时钟) = replied_on_time_dispatch / replied.
    pub on_time_rate_dispatch: Option<f64>,
    /// 及时办结率 (签收时钟) = replied_on_time_sign / replied.
    pub on_time_rate_sign: Option<f64>,
    /// 催办率 = urged / dispatched.
    pub urge_rate: Option<f64>,
    /// 重办率 = redone / replied.
    pub redo_rate: Option<f64>,
    /// 满意率 = (非常满意 + 满意 + 基本满意) / rated.
    pub satisfaction_rate: Option<f64>,
    /// 满意度均分 = Σ score / rated (5 = 非常满意 … 1 = 非常不满意).
    pub mean_rating: Option<f64>,
    /// Mean working days from first dispatch to first reply.
    pub mean_reply_days: Option<f64>,
    /// p90 (nearest rank) of the same.
    pub p90_reply_days: Option<i64>,
    /// 当前超期: open demands whose colour is red now (not period-bound).
    pub overdue_now: i64,
}

impl Figures {
    /// Figures from summed counters, the reply-days histogram and the
    /// overdue count.
    pub fn from_sums(v: &Counters, hist: &[(i64, i64)], overdue_now: i64) -> Self {
        let st = |s: Status| v[status_ix(s)];
        let invalid = st(Status::Withdrawn) + st(Status::Rejected) + st(Status::Merged);
        let closed = st(Status::Closed);
        let ratings = [v[ix::RATED_5], v[ix::RATED_5 + 1], v[ix::RATED_5 + 2], v[ix::RATED_5 + 3], v[ix::RATED_5 + 4]];
        let score_sum: i64 = ratings.iter().zip([5, 4, 3, 2, 1]).map(|(n, s)| n * s).sum();
        Figures {
            received: v[ix::RECEIVED],
            invalid,
            valid: v[ix::RECEIVED] - invalid,
            open: v[ix::RECEIVED] - invalid - closed,
            closed,
            dispatched: v[ix::DISPATCHED],
            signed: v[ix::SIGNED],
            signed_on_time: v[ix::SIGNED_ON_TIME],
            replied: v[ix::REPLIED],
            replied_on_time_dispatch: v[ix::REPLIED_ON_TIME_DISPATCH],
            replied_on_time_sign: v[ix::REPLIED_ON_TIME_SIGN],
            urged: v[ix::URGED],
            redone: v[ix::REDONE],
            rated: v[ix::RATED],
            ratings,
            completion_rate: ratio(closed, v[ix::RECEIVED] - invalid),
            on_time_sign_rate: ratio(v[ix::SIGNED_ON_TIME], v[ix::SIGNED]),
            on_time_rate_dispatch: ratio(v[ix::REPLIED_ON_TIME_DISPATCH], v[ix::REPLIED]),
            on_time_rate_sign: ratio(v[ix::REPLIED_ON_TIME_SIGN], v[ix::REPLIED]),
            urge_rate: ratio(v[ix::URGED], v[ix::DISPATCHED]),
            redo_rate: ratio(v[ix::REDONE], v[ix::REPLIED]),
            satisfaction_rate: ratio(ratings[0] + ratings[1] + ratings[2], v[ix::RATED]),
            mean_rating: ratio(score_sum, v[ix::RATED]),
            mean_reply_days: ratio(v[ix::REPLY_WD_SUM], v[ix::REPLIED]),
            p90_reply_days: percentile(hist, 90),
            overdue_now,
        }
    }
}

/// Adds `b` into `a`.
pub fn add(a: &mut Counters, b: &Counters) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        // 10 values: 1×0, 4×1, 3×2, 1×5, 1×9 → rank ⌈0.9·10⌉ = 9 → the 9th smallest is 5.
        assert_eq!(percentile(&[(0, 1), (1, 4), (2, 3), (5, 1), (9, 1)], 90), Some(5));
        assert_eq!(percentile(&[(3, 1)], 90), Some(3));
        assert_eq!(percentile(&[], 90), None);
        // 11 values → rank ⌈9.9⌉ = 10.
        assert_eq!(percentile(&[(1, 9), (2, 1), (7, 1)], 90), Some(2));
    }

    #[test]
    fn day_number_is_china_date() {
        // 2026-11-25T16:30Z is 2026-11-26 00:30 in China.
        let ms = chrono::DateTime::parse_from_rfc3339("2026-11-25T16:30:00Z").map(|d| d.timestamp_millis());
        assert_eq!(ms.map(|m| day_number(china_day(m))), Ok(20_261_126));
    }

    #[test]
    fn ratios_are_none_without_denominator() {
        assert_eq!(ratio(1, 0), None);
        assert_eq!(ratio(1, 4), Some(0.25));
    }
}
