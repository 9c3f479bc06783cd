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
mod tests {
    use super::*;
    use chrono::Utc;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn wd(n: i64) -> WorkingDays {
        WorkingDays::new(n).unwrap()
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn bundled_file_parses_cleanly_and_covers_2020_to_2026() {
        let cal = WorkCalendar::from_csv(OFFICIAL_CSV).unwrap();
        assert_eq!(cal, WorkCalendar::official());
        assert_eq!(cal.years().collect::<Vec<_>>(), (2020..=2026).collect::<Vec<_>>());
        assert!(!cal.has_data(2019));
        assert!(!cal.has_data(2027));
        // Every year has 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节 and 国庆节.
        for year in 2020..=2026 {
            let names: BTreeSet<String> = cal.year_days(year).into_iter().filter_map(|i| i.name).collect();
            for festival in ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"] {
                // In 2020 中秋节 fell on 10-01 and is listed inside the 国庆节 run.
                assert!(
                    names.contains(festival) || (festival == "中秋节" && year == 2020),
                    "{year} lacks {festival}: {names:?}"
                );
            }
        }
    }

    #[test]
    fn yearly_working_day_totals_match_the_notices() {
        // Totals from the State Council notices, as counted by chinesecalendar.
        let cal = WorkCalendar::official();
        for (year, total) in [(2020, 249), (2021, 250), (2022, 249), (2023, 249), (2024, 251), (2025, 248), (2026, 248)]
        {
            let n = cal.year_days(year).iter().filter(|i| i.working).count();
            assert_eq!(n as i64, total, "{year}");
            let dec31 = NaiveDate::from_ymd_opt(year - 1, 12, 31).unwrap();
            let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
            assert_eq!(cal.working_days_between(dec31, end), total, "{year}");
        }
    }

    #[test]
    fn bad_files_are_refused() {
        for bad in [
            "date,kind\n2026-01-01,holiday,元旦\n",
            "date,kind,name\n2026-13-01,holiday,元旦\n",
            "date,kind,name\n2026-01-01,rest,元旦\n",
            "date,kind,name\n2026-01-01,holiday,\n",
            "date,kind,name\n2026-01-05,workday,调休上班\n",
            "date,kind,name\n2026-01-01,holiday,元旦\n2026-01-01,holiday,元旦\n",
        ] {
            assert!(WorkCalendar::from_csv(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn working_days_refuse_zero_and_huge_counts() {
        for bad in [0, -1, 3651, i64::MAX] {
            assert_eq!(WorkingDays::new(bad).unwrap_err().field, "working_days", "{bad}");
        }
        assert_eq!(WorkingDays::new(1).unwrap().get(), 1);
        assert_eq!(WorkingDays::new(3650).unwrap().get(), 3650);
        assert_eq!(WorkingDays::parse(" 5 ").unwrap().get(), 5);
        assert_eq!(WorkingDays::parse("five").unwrap_err().field, "working_days");
        assert!(WorkingDays::parse("0").is_err());
    }

    #[test]
    fn days_are_classified() {
        let cal = WorkCalendar::official();
        let cases = [
            ("2026-09-18", true),  // Fri
            ("2026-09-19", false), // Sat
            ("2026-09-20", true),  // Sun, 调休上班
            ("2026-10-01", false), // 国庆节
            ("2026-10-10", true),  // Sat, 调休上班
            ("2026-02-23", false), // Mon, 春节
            ("2024-02-09", true),  // Fri, 除夕 2024 was not a statutory holiday
            ("2025-01-28", false), // 除夕 2025
        ];
        for (date, working) in cases {
            assert_eq!(cal.is_working_day(d(date)), working, "{date}");
        }
        let info = cal.day_info(d("2026-09-20"));
        assert_eq!(
            (info.weekday, info.kind, info.name.as_deref()),
            (Weekday::Sun, Some(DayKind::Workday), Some("调休上班"))
        );
        let plain = cal.day_info(d("2026-09-18"));
        assert_eq!((plain.kind, plain.name), (None, None));
        assert_eq!(cal.year_days(2024).len(), 366);
        assert_eq!(cal.year_days(2026).len(), 365);
    }

    /// (from, N, last_day): periods around the 2024–2026 holidays, read off the
    /// State Council notices.
    const PINNED: &[(&str, i64, &str)] = &[
        // 2024 春节: 2-10..2-17 off; Sun 2-04 and Sun 2-18 work.
        ("2024-02-02T10:00:00+08:00", 1, "2024-02-04"),
        ("2024-02-08T10:00:00+08:00", 1, "2024-02-09"),
        ("2024-02-09T10:00:00+08:00", 1, "2024-02-18"),
        ("2024-02-09T10:00:00+08:00", 2, "2024-02-19"),
        // 2024 劳动节: 5-01..5-05 off; Sun 4-28 and Sat 5-11 work.
        ("2024-04-26T10:00:00+08:00", 1, "2024-04-28"),
        ("2024-04-30T10:00:00+08:00", 3, "2024-05-08"),
        ("2024-05-10T10:00:00+08:00", 1, "2024-05-11"),
        // 2024 中秋节: 9-15..9-17 off; Sat 9-14 works.
        ("2024-09-13T10:00:00+08:00", 1, "2024-09-14"),
        ("2024-09-14T10:00:00+08:00", 1, "2024-09-18"),
        // 2024 国庆节: 10-01..10-07 off; Sun 9-29 and Sat 10-12 work.
        ("2024-09-27T10:00:00+08:00", 1, "2024-09-29"),
        ("2024-09-30T10:00:00+08:00", 1, "2024-10-08"),
        ("2024-10-11T10:00:00+08:00", 1, "2024-10-12"),
        // 2025 春节: 1-28..2-04 off; Sun 1-26 and Sat 2-08 work.
        ("2025-01-24T10:00:00+08:00", 1, "2025-01-26"),
        ("2025-01-24T10:00:00+08:00", 2, "2025-01-27"),
        ("2025-01-27T10:00:00+08:00", 1, "2025-02-05"),
        ("2025-02-07T10:00:00+08:00", 1, "2025-02-08"),
        // 2025 端午节: 5-31..6-02 off.
        ("2025-05-30T10:00:00+08:00", 1, "2025-06-03"),
        // 2025 国庆节+中秋节: 10-01..10-08 off; Sun 9-28 and Sat 10-11 work.
        ("2025-09-26T10:00:00+08:00", 1, "2025-09-28"),
        ("2025-09-30T10:00:00+08:00", 1, "2025-10-09"),
        ("2025-09-30T10:00:00+08:00", 3, "2025-10-11"),
        // 2026 元旦: 1-01..1-03 off; Sun 1-04 works (across the year boundary).
        ("2025-12-31T10:00:00+08:00", 1, "2026-01-04"),
        // 2026 春节: 2-15..2-23 off; Sat 2-14 and Sat 2-28 work.
        ("2026-02-13T10:00:00+08:00", 1, "2026-02-14"),
        ("2026-02-14T10:00:00+08:00", 1, "2026-02-24"),
        ("2026-02-15T10:00:00+08:00", 1, "2026-02-24"), // 10:00 on the first holiday
        ("2026-02-27T10:00:00+08:00", 1, "2026-02-28"),
        // Plain week: Friday 10:00 + 1 ends Monday 24:00.
        ("2026-03-06T10:00:00+08:00", 1, "2026-03-09"),
        ("2026-03-06T10:00:00+08:00", 5, "2026-03-13"),
        // 2026 清明节: 4-04..4-06 off.
        ("2026-04-03T10:00:00+08:00", 1, "2026-04-07"),
        // 2026 劳动节: 5-01..5-05 off; Sat 5-09 works.
        ("2026-04-30T10:00:00+08:00", 1, "2026-05-06"),
        ("2026-05-08T10:00:00+08:00", 1, "2026-05-09"),
        // 2026 端午节: 6-19..6-21 off.
        ("2026-06-18T10:00:00+08:00", 1, "2026-06-22"),
        // 2026 中秋节: 9-25..9-27 off; Sun 9-20 works (for 国庆).
        ("2026-09-18T10:00:00+08:00", 1, "2026-09-20"),
        ("2026-09-18T10:00:00+08:00", 2, "2026-09-21"),
        ("2026-09-24T10:00:00+08:00", 1, "2026-09-28"),
        // 2026 国庆节: 10-01..10-07 off; Sat 10-10 works.
        ("2026-09-30T10:00:00+08:00", 1, "2026-10-08"),
        ("2026-10-01T10:00:00+08:00", 1, "2026-10-08"), // 10:00 on the first holiday
        ("2026-09-30T10:00:00+08:00", 3, "2026-10-10"),
    ];

    #[test]
    fn pinned_2024_to_2026_holiday_periods() {
        let cal = WorkCalendar::official();
        for &(from, n, last) in PINNED {
            let due = cal.due(at(from), wd(n));
            assert_eq!(due.last_day, d(last), "{from} + {n}");
            assert!(!due.provisional, "{from} + {n}");
            assert_eq!(due.deadline, start_of_day_cst(d(last).succ_opt().unwrap()), "{from} + {n}");
        }
    }

    #[test]
    fn signed_friday_2026_09_18_ends_at_24_00_on_make_up_sunday() {
        // The exact JSON is pinned in the CLI's tests (serde_json lives there).
        let due = WorkCalendar::official().due(at("2026-09-18T10:00:00+08:00"), wd(1));
        assert_eq!(due.last_day, d("2026-09-20"));
        assert_eq!(due.deadline.to_rfc3339_opts(SecondsFormat::Secs, false), "2026-09-21T00:00:00+08:00");
        assert!(!due.provisional);
    }

    #[test]
    fn instants_are_dated_in_china_time() {
        let cal = WorkCalendar::official();
        // 15:30Z is 23:30 on Sunday 2026-05-31 in China: counted from the 31st.
        let late_sunday = Utc.with_ymd_and_hms(2026, 5, 31, 15, 30, 0).unwrap();
        assert_eq!(cal.due(late_sunday, wd(1)).last_day, d("2026-06-01"));
        // 16:30Z is already 00:30 on Monday 2026-06-01 in China.
        let early_monday = Utc.with_ymd_and_hms(2026, 5, 31, 16, 30, 0).unwrap();
        assert_eq!(cal.due(early_monday, wd(1)).last_day, d("2026-06-02"));
        // The deadline is always shown at +08:00, whatever the input offset.
        let due = cal.due(at("2026-09-18T02:00:00Z"), wd(1));
        assert_eq!(due.deadline.to_rfc3339(), "2026-09-21T00:00:00+08:00");
    }

    #[test]
    fn years_without_data_count_monday_to_friday_and_are_provisional() {
        let mut cal = WorkCalendar::official();
        let into_2027 = cal.due(at("2026-12-31T10:00:00+08:00"), wd(1));
        assert_eq!((into_2027.last_day, into_2027.provisional), (d("2027-01-01"), true));
        let in_2027 = cal.due(at("2027-03-05T10:00:00+08:00"), wd(1));
        assert_eq!((in_2027.last_day, in_2027.provisional), (d("2027-03-08"), true));
        // Starting on the last day of a year without data walks only 2020 days.
        let from_2019 = cal.due(at("2019-12-31T10:00:00+08:00"), wd(1));
        assert_eq!((from_2019.last_day, from_2019.provisional), (d("2020-01-02"), false));
        // An admin enters 2027 (元旦 on Friday 1-01): no longer provisional.
        cal.with_adjustments([Adjustment { date: d("2027-01-01"), kind: DayKind::Holiday, name: "元旦".into() }])
            .mark_year_official(2027);
        let entered = cal.due(at("2026-12-31T10:00:00+08:00"), wd(1));
        assert_eq!((entered.last_day, entered.provisional), (d("2027-01-04"), false));
    }

    #[test]
    fn local_adjustments_change_results() {
        let mut cal = WorkCalendar::official();
        let friday = at("2026-03-06T10:00:00+08:00");
        assert_eq!(cal.due(friday, wd(1)).last_day, d("2026-03-09"));
        cal.with_adjustments([Adjustment {
            date: d("2026-03-09"), kind: DayKind::Holiday, name: "地方假日".into()
        }]);
        assert_eq!(cal.due(friday, wd(1)).last_day, d("2026-03-10"));
        cal.with_adjustments([Adjustment {
            date: d("2026-03-07"), kind: DayKind::Workday, name: "调休上班".into()
        }]);
        assert_eq!(cal.due(friday, wd(1)).last_day, d("2026-03-07"));
        // A local adjustment can also reopen an official holiday.
        cal.with_adjustments([Adjustment { date: d("2026-10-02"), kind: DayKind::Workday, name: "值班".into() }]);
        assert_eq!(cal.due(at("2026-09-30T10:00:00+08:00"), wd(1)).last_day, d("2026-10-02"));
        assert_eq!(cal.working_days_between(d("2026-03-06"), d("2026-03-13")), 5);
    }

    #[test]
    fn working_days_between_is_half_open_and_antisymmetric() {
        let cal = WorkCalendar::official();
        assert_eq!(cal.working_days_between(d("2026-09-18"), d("2026-09-18")), 0);
        assert_eq!(cal.working_days_between(d("2026-09-18"), d("2026-09-20")), 1);
        assert_eq!(cal.working_days_between(d("2026-09-30"), d("2026-10-10")), 3);
        assert_eq!(cal.working_days_between(d("2026-10-10"), d("2026-09-30")), -3);
    }

    fn calendar_days() -> impl Strategy<Value = NaiveDate> {
        // 2019-01-01 .. 2028-12-31: includes the years around the data.
        (0u32..3653).prop_map(|k| d("2019-01-01") + chrono::Duration::days(i64::from(k)))
    }

    fn slow_between(cal: &WorkCalendar, from: NaiveDate, to: NaiveDate) -> i64 {
        from.iter_days().skip(1).take_while(|x| *x <= to).filter(|x| cal.is_working_day(*x)).count() as i64
    }

    proptest! {
        #[test]
        fn last_day_is_a_working_day_after_the_start(start in calendar_days(), secs in 0u32..86_400, n in 1i64..40) {
            let cal = WorkCalendar::official();
            let from = start_of_day_cst(start) + chrono::Duration::seconds(i64::from(secs));
            let due = cal.due(from, wd(n));
            prop_assert!(cal.is_working_day(due.last_day));
            prop_assert!(due.last_day > start);
            prop_assert_eq!(due.deadline, start_of_day_cst(due.last_day.succ_opt().unwrap()));
            prop_assert_eq!(cal.working_days_between(start, due.last_day), n);
            prop_assert_eq!(
                due.provisional,
                start.iter_days().skip(1).take_while(|x| *x <= due.last_day).any(|x| !cal.has_data(x.year()))
            );
        }

        #[test]
        fn deadlines_grow_strictly_with_n(start in calendar_days(), n in 1i64..60) {
            let cal = WorkCalendar::official();
            let a = cal.due_after(start, wd(n));
            let b = cal.due_after(start, wd(n + 1));
            prop_assert!(b.last_day > a.last_day);
            prop_assert!(b.deadline > a.deadline);
        }

        #[test]
        fn later_starts_never_end_earlier(start in calendar_days(), gap in 0i64..20, n in 1i64..20) {
            let cal = WorkCalendar::official();
            let later = start + chrono::Duration::days(gap);
            prop_assert!(cal.due_after(later, wd(n)).last_day >= cal.due_after(start, wd(n)).last_day);
        }

        #[test]
        fn adding_a_workday_never_delays_and_a_holiday_never_hastens(
            start in calendar_days(), n in 1i64..30, offset in 0i64..60,
        ) {
            let base = WorkCalendar::official();
            let day = start + chrono::Duration::days(offset);
            let before = base.due_after(start, wd(n)).last_day;
            let mut more_work = base.clone();
            more_work.with_adjustments([Adjustment { date: day, kind: DayKind::Workday, name: "调休上班".into() }]);
            prop_assert!(more_work.due_after(start, wd(n)).last_day <= before);
            let mut more_rest = base.clone();
            more_rest.with_adjustments([Adjustment { date: day, kind: DayKind::Holiday, name: "地方假日".into() }]);
            prop_assert!(more_rest.due_after(start, wd(n)).last_day >= before);
        }

        #[test]
        fn between_matches_a_day_by_day_count(a in calendar_days(), b in calendar_days()) {
            let cal = WorkCalendar::official();
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let slow = slow_between(&cal, lo, hi);
            prop_assert_eq!(cal.working_days_between(lo, hi), slow);
            prop_assert_eq!(cal.working_days_between(hi, lo), -slow);
        }
    }
}
