//! `zhuqi calendar …`: the official working-day calendar from the command
//! line, so operators can check a deadline by hand (DESIGN §3.1).
//!
//! Uses only the calendar bundled with the binary (statutory holidays and
//! make-up working days 2020–2026); local adjustments entered by an admin are
//! not applied here.

use anyhow::{anyhow, bail, Context};
use chrono::DateTime;
use std::io::Write;
use zhuqi_domain::calendar::{DayInfo, DayKind, Due, WorkCalendar, WorkingDays, MAX_WORKING_DAYS};

/// Working-day calendar commands.
#[derive(Debug, clap::Subcommand)]
pub enum CalendarCmd {
    /// List every statutory holiday and make-up working day (调休上班) of YEAR,
    /// and count its working days. Fails for a year with no official data.
    Show {
        /// Calendar year, e.g. 2026.
        year: i32,
        /// Print a JSON array of the listed days instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Compute the deadline of a period of N working days: the start day is not
    /// counted, only working days count, and the period ends at 24:00
    /// (Asia/Shanghai) of its last working day.
    Due {
        /// Start instant, RFC 3339, e.g. 2026-09-18T10:00:00+08:00 (any
        /// offset; its date is taken in China time).
        #[arg(long)]
        from: String,
        /// Number of working days, at least 1.
        #[arg(long = "working-days", allow_negative_numbers = true)]
        working_days: i64,
        /// Print one line of JSON:
        /// {"last_day":"YYYY-MM-DD","deadline":"<RFC 3339 +08:00>","provisional":bool},
        /// where deadline is the exclusive end (00:00 of the day after last_day).
        #[arg(long)]
        json: bool,
    },
}

/// Runs a calendar command, writing its output to `out`. Errors (bad input,
/// a year without data) are returned so the binary exits non-zero.
pub fn run(cmd: CalendarCmd, out: &mut dyn Write) -> anyhow::Result<()> {
    run_with(&WorkCalendar::official(), cmd, out)
}

/// Runs a calendar command against a given calendar (the official one plus
/// a city's local adjustments when `--db` names its database).
pub fn run_with(cal: &WorkCalendar, cmd: CalendarCmd, out: &mut dyn Write) -> anyhow::Result<()> {
    match cmd {
        CalendarCmd::Show { year, json } => show(cal, year, json, out),
        CalendarCmd::Due { from, working_days, json } => due(cal, &from, working_days, json, out),
    }
}

fn show(cal: &WorkCalendar, year: i32, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    if !cal.has_data(year) {
        bail!("no official calendar data for {year} (the bundled calendar covers {})", coverage(cal));
    }
    let days = cal.year_days(year);
    let listed: Vec<&DayInfo> = days.iter().filter(|d| d.kind.is_some()).collect();
    if json {
        writeln!(out, "{}", serde_json::to_string(&listed)?)?;
        return Ok(());
    }
    let working = days.iter().filter(|d| d.working).count();
    let holidays = listed.iter().filter(|d| d.kind == Some(DayKind::Holiday)).count();
    let make_up = listed.len() - holidays;
    writeln!(out, "{year}: statutory holidays and make-up working days (调休上班)")?;
    for d in &listed {
        let kind = d.kind.map(DayKind::as_str).unwrap_or_default();
        writeln!(out, "{} {}  {kind:<7}  {}", d.date, d.weekday, d.name.as_deref().unwrap_or_default())?;
    }
    writeln!(
        out,
        "{year}: {working} working days of {}; {holidays} holiday days, {make_up} make-up working days",
        days.len()
    )?;
    Ok(())
}

fn due(cal: &WorkCalendar, from: &str, n: i64, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let start = DateTime::parse_from_rfc3339(from.trim()).with_context(|| {
        format!("--from must be an RFC 3339 instant such as 2026-09-18T10:00:00+08:00, got '{from}'")
    })?;
    if n < 1 {
        bail!("--working-days must be at least 1, got {n}");
    }
    let n = WorkingDays::new(n).map_err(|_| anyhow!("--working-days must be at most {MAX_WORKING_DAYS}, got {n}"))?;
    let due: Due = cal.due(start, n);
    if json {
        writeln!(out, "{}", serde_json::to_string(&due)?)?;
        return Ok(());
    }
    let info = cal.day_info(due.last_day);
    let label = match &info.name {
        Some(name) => format!("{}, {name}", info.weekday),
        None => info.weekday.to_string(),
    };
    writeln!(
        out,
        "last working day {} ({label}); deadline {}",
        due.last_day,
        due.deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    )?;
    if due.provisional {
        writeln!(
            out,
            "warning: provisional — the count reaches a year with no official holiday data \
             (the bundled calendar covers {}), so those days were counted Monday–Friday",
            coverage(cal)
        )?;
    }
    Ok(())
}

/// "2020–2026", or "no years" for an empty calendar.
fn coverage(cal: &WorkCalendar) -> String {
    let mut years = cal.years();
    match (years.next(), years.last()) {
        (Some(first), Some(last)) => format!("{first}–{last}"),
        (Some(only), None) => only.to_string(),
        _ => "no years".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_to_string(cmd: CalendarCmd) -> anyhow::Result<String> {
        let mut out = Vec::new();
        run(cmd, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn due_cmd(from: &str, n: i64, json: bool) -> CalendarCmd {
        CalendarCmd::Due { from: from.into(), working_days: n, json }
    }

    #[test]
    fn due_json_is_exact_for_the_make_up_sunday_example() {
        let out = run_to_string(due_cmd("2026-09-18T10:00:00+08:00", 1, true)).unwrap();
        assert_eq!(
            out,
            "{\"last_day\":\"2026-09-20\",\"deadline\":\"2026-09-21T00:00:00+08:00\",\"provisional\":false}\n"
        );
    }

    #[test]
    fn due_text_names_the_day() {
        let out = run_to_string(due_cmd("2026-09-18T10:00:00+08:00", 1, false)).unwrap();
        assert_eq!(out, "last working day 2026-09-20 (Sun, 调休上班); deadline 2026-09-21T00:00:00+08:00\n");
        let out = run_to_string(due_cmd("2026-03-06T10:00:00+08:00", 1, false)).unwrap();
        assert_eq!(out, "last working day 2026-03-09 (Mon); deadline 2026-03-10T00:00:00+08:00\n");
    }

    #[test]
    fn due_into_a_year_without_data_is_provisional() {
        let out = run_to_string(due_cmd("2026-12-31T10:00:00+08:00", 1, true)).unwrap();
        assert_eq!(
            out,
            "{\"last_day\":\"2027-01-01\",\"deadline\":\"2027-01-02T00:00:00+08:00\",\"provisional\":true}\n"
        );
        let text = run_to_string(due_cmd("2026-12-31T10:00:00+08:00", 1, false)).unwrap();
        assert!(text.lines().nth(1).unwrap().starts_with("warning: provisional"), "{text}");
    }

    #[test]
    fn bad_input_is_an_error() {
        let e = run_to_string(due_cmd("2026-09-18T10:00:00+08:00", 0, true)).unwrap_err();
        assert!(e.to_string().contains("--working-days must be at least 1"), "{e}");
        let e = run_to_string(due_cmd("2026-09-18T10:00:00+08:00", -3, false)).unwrap_err();
        assert!(e.to_string().contains("--working-days must be at least 1"), "{e}");
        let e = run_to_string(due_cmd("2026-09-18T10:00:00+08:00", 3651, false)).unwrap_err();
        assert!(e.to_string().contains("at most 3650"), "{e}");
        let e = run_to_string(due_cmd("2026-09-18 10:00", 1, false)).unwrap_err();
        assert!(e.to_string().contains("--from"), "{e}");
    }

    #[test]
    fn show_lists_holidays_and_make_up_days() {
        let out = run_to_string(CalendarCmd::Show { year: 2026, json: false }).unwrap();
        assert!(out.contains("2026-09-20 Sun  workday  调休上班\n"), "{out}");
        assert!(out.contains("2026-10-01 Thu  holiday  国庆节\n"), "{out}");
        assert!(out.ends_with("2026: 248 working days of 365; 33 holiday days, 6 make-up working days\n"), "{out}");
        let json = run_to_string(CalendarCmd::Show { year: 2026, json: true }).unwrap();
        let days: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(days.len(), 39);
        assert_eq!(
            days[0],
            serde_json::json!({"date":"2026-01-01","weekday":"Thu","working":false,"kind":"holiday","name":"元旦"})
        );
    }

    #[test]
    fn show_refuses_a_year_without_data() {
        let e = run_to_string(CalendarCmd::Show { year: 2027, json: false }).unwrap_err();
        assert!(e.to_string().contains("no official calendar data for 2027"), "{e}");
    }
}
