//! Time is a parameter. Everything that needs "now" receives a [`Clock`];
//! only [`SystemClock`] reads the wall clock (clippy's `disallowed-methods`
//! enforces this everywhere else), so tests can set and move time.

#[cfg(test)]
use chrono::TimeZone;
use chrono::{DateTime, FixedOffset, Offset, Utc};
use std::sync::Mutex;

/// China Standard Time, +08:00 (no daylight saving since 1991). Working-day
/// deadlines and "this month" are computed in it.
pub fn china_offset() -> FixedOffset {
    // 8 hours east is always a valid offset.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Source of the current instant.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Milliseconds since the Unix epoch, the storage format of instants.
    fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(clippy::disallowed_methods, reason = "the one sanctioned wall-clock read")]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock tests can set and advance.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut g) = self.0.lock() {
            *g = at;
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut g) = self.0.lock() {
            *g += by;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().map(|g| *g).unwrap_or_default()
    }
}

/// A clock that starts at a chosen instant and then runs with real elapsed
/// time: `zhuqi demo --now` builds the demo city "at" that instant and the
/// server goes on from there, whatever the wall clock says. Elapsed time is
/// read from the monotonic [`std::time::Instant`], never from the wall clock.
#[derive(Debug, Clone, Copy)]
pub struct OffsetClock {
    start: DateTime<Utc>,
    origin: std::time::Instant,
}

impl OffsetClock {
    /// A clock reading `start` now and advancing from here.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self::new(start, std::time::Instant::now())
    }

    /// A clock that read `start` at the monotonic instant `origin`.
    pub fn new(start: DateTime<Utc>, origin: std::time::Instant) -> Self {
        Self { start, origin }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.origin.elapsed()).unwrap_or(chrono::Duration::zero());
        self.start + elapsed
    }
}

/// Converts stored milliseconds back to an instant (the epoch if out of range).
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Formats stored milliseconds as RFC 3339 in China time, the form the API
/// and pages show.
pub fn rfc3339_cst(ms: i64) -> String {
    from_ms(ms).with_timezone(&china_offset()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Formats stored milliseconds as `YYYY-MM-DD HH:MM` in China time.
pub fn display_cst(ms: i64) -> String {
    from_ms(ms).with_timezone(&china_offset()).format("%Y-%m-%d %H:%M").to_string()
}

/// Formats an exclusive deadline instant the way people read a working-day
/// limit: 00:00 of a day is shown as 24:00 of the day before
/// (`2026-09-21 00:00` → `2026-09-20 24:00`).
pub fn display_deadline(ms: i64) -> String {
    let t = from_ms(ms).with_timezone(&china_offset());
    if t.format("%H:%M:%S").to_string() == "00:00:00" {
        let day = t.date_naive().pred_opt().unwrap_or(t.date_naive());
        format!("{} 24:00", day.format("%Y-%m-%d"))
    } else {
        t.format("%Y-%m-%d %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let t = Utc.with_ymd_and_hms(2026, 5, 31, 15, 30, 0).unwrap();
        let c = FixedClock::new(t);
        assert_eq!(c.now(), t);
        c.advance(Duration::minutes(45));
        assert_eq!(c.now(), t + Duration::minutes(45));
    }

    #[test]
    fn offset_clock_starts_at_its_instant_and_runs_with_elapsed_time() {
        let t = Utc.with_ymd_and_hms(2026, 11, 18, 2, 0, 0).unwrap();
        let c = OffsetClock::starting_at(t);
        let first = c.now();
        assert!(first >= t && first - t < Duration::seconds(5), "{first}");
        assert!(c.now() >= first, "never runs backwards");
    }

    #[test]
    fn offset_clock_counts_from_its_origin_not_from_construction() {
        let t = Utc.with_ymd_and_hms(2026, 11, 18, 2, 0, 0).unwrap();
        // Started 90 seconds ago (no sleeping: the origin is set back).
        let origin = std::time::Instant::now().checked_sub(std::time::Duration::from_secs(90)).unwrap();
        let c = OffsetClock::new(t, origin);
        let elapsed = c.now() - t;
        assert!(elapsed >= Duration::seconds(90) && elapsed < Duration::seconds(95), "{elapsed}");
        // Two clocks started at the same instant read (almost) the same.
        let d = OffsetClock::new(t, origin);
        assert!((d.now() - c.now()).num_milliseconds().abs() < 1000);
    }

    #[test]
    fn deadlines_at_midnight_read_as_24_00_of_the_last_day() {
        let t = Utc.with_ymd_and_hms(2026, 9, 20, 16, 0, 0).unwrap(); // 2026-09-21 00:00 +08:00
        assert_eq!(display_deadline(t.timestamp_millis()), "2026-09-20 24:00");
        let t = Utc.with_ymd_and_hms(2026, 9, 20, 2, 0, 0).unwrap();
        assert_eq!(display_deadline(t.timestamp_millis()), "2026-09-20 10:00");
    }

    #[test]
    fn instants_are_shown_in_china_time() {
        let t = Utc.with_ymd_and_hms(2026, 5, 31, 15, 30, 0).unwrap();
        assert_eq!(rfc3339_cst(t.timestamp_millis()), "2026-05-31T23:30:00+08:00");
        assert_eq!(display_cst(t.timestamp_millis()), "2026-05-31 23:30");
    }
}
