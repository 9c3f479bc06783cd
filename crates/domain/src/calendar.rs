//! The official working-day calendar and the deadline rule of DESIGN §3.1.
//!
//! Working days are Monday–Friday, minus statutory holidays, plus the make-up
//! working days (调休上班) the State Council announces each year. The official
//! lists for 2020–2026 ship in `data/cn-statutory-calendar-2020-2026.csv` and are
//! embedded here; an admin can add local adjustments and enter a new year
//! (stored in the database by the application layer, applied here with
//! [`WorkCalendar::with_adjustments`] and [`WorkCalendar::mark_year_official`]).
//!
//! Counting a period follows 民法典 art. 201/203 and 行政许可法 art. 82: the day
//! on which the period starts is not counted, only working days count, and the
//! period ends at 24:00 (Asia/Shanghai) of its last working day. A count that
//! walks through a year with no official data counts that year Monday–Friday
//! and says so ([`Due::provisional`]) — never a silent guess.
//!
//! Everything here is pure: no I/O, no wall clock.

use crate::clock::china_offset;
use crate::error::FieldError;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Weekday};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

/// The bundled official calendar: header `date,kind,name`, one row per day
/// that differs from "Monday–Friday work, Saturday–Sunday rest".
pub const OFFICIAL_CSV: &str = include_str!("../../../data/cn-statutory-calendar-2020-2026.csv");

/// The largest period a deadline may be counted over (about fourteen years).
pub const MAX_WORKING_DAYS: u32 = 3650;

/// How a day departs from the plain Monday–Friday rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DayKind {
    /// A statutory holiday, or a rest day joined to one (weekend days inside a
    /// holiday period included): not a working day.
    Holiday,
    /// A day declared a working day although it falls on a weekend (调休上班).
    Workday,
}

impl DayKind {
    /// The spelling used in the data file and in JSON: `holiday` or `workday`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::Workday => "workday",
        }
    }

    /// Parses the data-file spelling (`holiday` / `workday`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "holiday" => Some(Self::Holiday),
            "workday" => Some(Self::Workday),
            _ => None,
        }
    }
}

/// One local adjustment an admin enters: this date is a holiday, or a working
/// day, with a name to show (for example `元旦` or `调休上班`). It replaces the
/// official entry for the same date, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// What the calendar says about one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayInfo {
    pub date: NaiveDate,
    /// `Mon` … `Sun` in JSON.
    pub weekday: Weekday,
    /// Whether the date is a working day.
    pub working: bool,
    /// `None` when the plain Monday–Friday rule applies.
    pub kind: Option<DayKind>,
    /// The holiday's name, or `调休上班`; `None` for a plain day.
    pub name: Option<String>,
}

/// A number of working days to count: at least 1, at most [`MAX_WORKING_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkingDays(u32);

impl WorkingDays {
    /// The input field name used in errors.
    pub const FIELD: &'static str = "working_days";

    /// Accepts 1..=[`MAX_WORKING_DAYS`]; zero, negative and larger values are
    /// refused with a [`FieldError`] on `working_days`.
    pub fn new(n: i64) -> Result<Self, FieldError> {
        if n < 1 {
            return Err(FieldError::new(
                Self::FIELD,
                format!("工作日数至少为 1 (must be at least 1 working day, got {n})"),
            ));
        }
        match u32::try_from(n) {
            Ok(v) if v <= MAX_WORKING_DAYS => Ok(Self(v)),
            _ => Err(FieldError::new(
                Self::FIELD,
                format!(
                    "工作日数不能超过 {MAX_WORKING_DAYS} (must be at most {MAX_WORKING_DAYS} working days, got {n})"
                ),
            )),
        }
    }

    /// Parses a decimal count from form or command-line input.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        match s.parse::<i64>() {
            Ok(n) => Self::new(n),
            Err(_) => {
                Err(FieldError::new(Self::FIELD, format!("“{s}”不是整数 (a whole number of working days is required)")))
            }
        }
    }

    /// The count.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// The end of a period counted in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The last working day of the period (its 24:00 is the deadline).
    pub last_day: NaiveDate,
    /// The exclusive end instant: 00:00 (+08:00) of the day after `last_day`,
    /// serialized as RFC 3339 with seconds and no fraction.
    #[serde(serialize_with = "rfc3339_secs")]
    pub deadline: DateTime<FixedOffset>,
    /// True when some day counted over lies in a year without official data
    /// (that year was counted Monday–Friday).
    pub provisional: bool,
}

fn rfc3339_secs<S: Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, false))
}

/// 00:00 (+08:00) at the start of `date`.
pub fn start_of_day_cst(date: NaiveDate) -> DateTime<FixedOffset> {
    let off = china_offset();
    let local = date.and_time(NaiveTime::MIN);
    // A fixed offset maps every local time to exactly one instant; the
    // fallback only guards the ends of chrono's range.
    off.from_local_datetime(&local).single().unwrap_or_else(|| DateTime::from_naive_utc_and_offset(local, off))
}

/// The working-day calendar: per-date overrides of the Monday–Friday rule and
/// the years whose official lists are known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    overrides: BTreeMap<NaiveDate, (DayKind, String)>,
    official_years: BTreeSet<i32>,
}

impl WorkCalendar {
    /// The bundled official calendar (2020–2026). Rows that fail to parse are
    /// skipped; the tests prove the bundled file has none.
    pub fn official() -> Self {
        parse_rows(OFFICIAL_CSV).0
    }

    /// Parses a calendar file in the bundled format (`date,kind,name`),
    /// refusing it on the first bad row. Every year that has a row counts as a
    /// year with official data.
    pub fn from_csv(text: &str) -> Result<Self, FieldError> {
        let (cal, problems) = parse_rows(text);
        match problems.into_iter().next() {
            Some(p) => Err(FieldError::new("calendar", p)),
            None => Ok(cal),
        }
    }

    /// Applies local adjustments; each replaces whatever the calendar said
    /// about its date. Adjusting a date does not make its year official.
    pub fn with_adjustments(&mut self, adjustments: impl IntoIterator<Item = Adjustment>) -> &mut Self {
        for a in adjustments {
            self.overrides.insert(a.date, (a.kind, a.name));
        }
        self
    }

    /// Records that `year`'s list is complete (an admin entered it), so counts
    /// through it are no longer provisional.
    pub fn mark_year_official(&mut self, year: i32) -> &mut Self {
        self.official_years.insert(year);
        self
    }

    /// Whether `year` has official (or admin-entered) holiday data.
    pub fn has_data(&self, year: i32) -> bool {
        self.official_years.contains(&year)
    }

    /// The years with data, ascending.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.official_years.iter().copied()
    }

    /// Monday–Friday unless a holiday; Saturday/Sunday only if a make-up
    /// working day. Years without data follow the plain Monday–Friday rule.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.overrides.get(&date) {
            Some((DayKind::Holiday, _)) => false,
            Some((DayKind::Workday, _)) => true,
            None => is_weekday(date),
        }
    }

    /// Everything the calendar says about `date`.
    pub fn day_info(&self, date: NaiveDate) -> DayInfo {
        let o = self.overrides.get(&date);
        DayInfo {
            date,
            weekday: date.weekday(),
            working: self.is_working_day(date),
            kind: o.map(|(k, _)| *k),
            name: o.map(|(_, n)| n.clone()),
        }
    }

    /// Every day of `year`, in order (empty for a year outside chrono's range).
    pub fn year_days(&self, year: i32) -> Vec<DayInfo> {
        let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
            return Vec::new();
        };
        first.iter_days().take_while(|d| d.year() == year).map(|d| self.day_info(d)).collect()
    }

    /// The end of a period of `working_days` starting at the instant `from`:
    /// `from` is taken in China time, its date is not counted, and the period
    /// ends at 24:00 of the N-th working day after it.
    pub fn due<Tz: TimeZone>(&self, from: DateTime<Tz>, working_days: WorkingDays) -> Due {
        let start = from.with_timezone(&china_offset()).date_naive();
        self.due_after(start, working_days)
    }

    /// Like [`WorkCalendar::due`], from a start date (not counted).
    pub fn due_after(&self, start: NaiveDate, working_days: WorkingDays) -> Due {
        let mut day = start;
        let mut counted = 0u32;
        let mut provisional = false;
        while counted < working_days.get() {
            let Some(next) = day.succ_opt() else {
                // The end of chrono's range: nothing more can be counted.
                provisional = true;
                break;
            };
            day = next;
            if !self.has_data(day.year()) {
                provisional = true;
            }
            if self.is_working_day(day) {
                counted += 1;
            }
        }
        let end = day.succ_opt().unwrap_or(day);
        Due { last_day: day, deadline: start_of_day_cst(end), provisional }
    }

    /// Working days in `(from, to]` — the start date excluded, the end date
    /// included, as periods are counted. Negative when `to` is before `from`
    /// (`between(a, b) == -between(b, a)`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut n = weekdays_through(to) - weekdays_through(from);
        // (from, to]: empty, never inverted, when from == to.
        let range = (Bound::Excluded(from), Bound::Included(to));
        for (date, (kind, _)) in self.overrides.range(range) {
            match (kind, is_weekday(*date)) {
                (DayKind::Holiday, true) => n -= 1,
                (DayKind::Workday, false) => n += 1,
                _ => {}
            }
        }
        n
    }
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday–Friday days from a fixed origin through `date` (a prefix count:
/// differences give the weekdays in a half-open range). Day 1 of the common
/// era, 0001-01-01, was a Monday.
fn weekdays_through(date: NaiveDate) -> i64 {
    let n = i64::from(date.num_days_from_ce());
    5 * n.div_euclid(7) + n.rem_euclid(7).min(5)
}

/// Parses the calendar file, collecting every problem instead of stopping.
fn parse_rows(text: &str) -> (WorkCalendar, Vec<String>) {
    let mut cal = WorkCalendar::default();
    let mut problems = Vec::new();
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim_start_matches('\u{feff}').trim() == "date,kind,name" => {}
        other => problems.push(format!(
            "line 1: header must be 'date,kind,name', got '{}'",
            other.map(|(_, h)| h).unwrap_or_default()
        )),
    }
    for (i, raw) in lines {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let mut cols = line.splitn(3, ',');
        let (date, kind, name) = (cols.next().unwrap_or(""), cols.next().unwrap_or(""), cols.next().unwrap_or(""));
        let Ok(date) = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") else {
            problems.push(format!("line {line_no}: bad date '{date}'"));
            continue;
        };
        let Some(kind) = DayKind::parse(kind) else {
            problems.push(format!("line {line_no}: kind must be holiday or workday, got '{kind}'"));
            continue;
        };
        let name = name.trim();
        if name.is_empty() {
            problems.push(format!("line {line_no}: {date} has no name"));
        }
        if kind == DayKind::Workday && is_weekday(date) {
            problems.push(format!("line {line_no}: {date} is a weekday, a make-up working day must fall on a weekend"));
        }
        if cal.overrides.insert(date, (kind, name.to_owned())).is_some() {
            problems.push(format!("line {line_no}: {date} appears twice"));
        }
        cal.official_years.insert(date.year());
    }
    (cal, problems)
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
