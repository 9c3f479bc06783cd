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
    for (year, total) in [(2020, 249), (2021, 250), (2022, 249), (2023, 249), (2024, 251), (2025, 248), (2026, 248)] {
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
    cal.with_adjustments([Adjustment { date: d("2026-03-09"), kind: DayKind::Holiday, name: "地方假日".into() }]);
    assert_eq!(cal.due(friday, wd(1)).last_day, d("2026-03-10"));
    cal.with_adjustments([Adjustment { date: d("2026-03-07"), kind: DayKind::Workday, name: "调休上班".into() }]);
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
