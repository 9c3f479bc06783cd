//! Working time: the windows of a working day, and the sweeper's looks.

use super::*;

pub(super) fn date_of(ms: i64) -> chrono::NaiveDate {
    from_ms(ms).with_timezone(&china_offset()).date_naive()
}

pub(super) fn day_start(d: chrono::NaiveDate) -> i64 {
    start_of_day_cst(d).timestamp_millis()
}

/// `minutes` of working time after the instant `t` (an instant outside
/// working time first moves to the start of the next window).
pub(super) fn add_work(cal: &WorkCalendar, t: i64, minutes: i64) -> i64 {
    let mut left = minutes.max(0) * MINUTE;
    let mut t = t;
    let mut d = date_of(t);
    for _ in 0..5000 {
        if cal.is_working_day(d) {
            for (a, b) in WINDOWS {
                let (s, e) = (day_start(d) + a * MINUTE, day_start(d) + b * MINUTE);
                if t >= e {
                    continue;
                }
                let from = t.max(s);
                if from + left <= e {
                    return from + left;
                }
                left -= e - from;
                t = e;
            }
        }
        let Some(next) = d.succ_opt() else { break };
        d = next;
        t = t.max(day_start(d));
    }
    t
}

/// `minutes` of working time before the instant `t` (an instant outside
/// working time first moves back to the end of the previous window).
pub(super) fn sub_work(cal: &WorkCalendar, t: i64, minutes: i64) -> i64 {
    let mut left = minutes.max(0) * MINUTE;
    let mut t = t;
    let mut d = date_of(t);
    for _ in 0..5000 {
        if cal.is_working_day(d) {
            for (a, b) in WINDOWS.iter().rev() {
                let (s, e) = (day_start(d) + a * MINUTE, day_start(d) + b * MINUTE);
                if t <= s {
                    continue;
                }
                let to = t.min(e);
                if to - left >= s {
                    return to - left;
                }
                left -= to - s;
                t = s;
            }
        }
        let Some(prev) = d.pred_opt() else { break };
        d = prev;
        t = t.min(day_start(d) + DAY);
    }
    t
}

/// Working minutes between two instants.
pub(super) fn work_between(cal: &WorkCalendar, from: i64, to: i64) -> i64 {
    let mut total = 0;
    let mut d = date_of(from);
    let last = date_of(to);
    while d <= last {
        if cal.is_working_day(d) {
            for (a, b) in WINDOWS {
                let (s, e) = (day_start(d) + a * MINUTE, day_start(d) + b * MINUTE);
                let (s, e) = (s.max(from), e.min(to));
                if e > s {
                    total += e - s;
                }
            }
        }
        let Some(next) = d.succ_opt() else { break };
        d = next;
    }
    total / MINUTE
}

/// The instants in `(from, to]` at which the simulated sweeper looks.
pub(super) fn ticks(from: i64, to: i64) -> Vec<i64> {
    let mut out = Vec::new();
    if to <= from {
        return out;
    }
    let mut d = date_of(from);
    let last = date_of(to);
    while d <= last {
        for off in TICKS {
            let t = day_start(d) + off;
            if t > from && t <= to {
                out.push(t);
            }
        }
        let Some(next) = d.succ_opt() else { break };
        d = next;
    }
    out
}
