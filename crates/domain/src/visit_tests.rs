use super::*;
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap().timestamp_millis()
}

fn input(now: i64) -> VisitInput {
    VisitInput {
        enterprise_id: 1,
        mode: VisitMode::OnSite,
        started_at: now - 3_600_000,
        ended_at: Some(now - 1_800_000),
        roles: vec![VisitRole::Policy, VisitRole::Confidence, VisitRole::Policy],
        policy: " 研发费用加计扣除 ".into(),
        needs: String::new(),
        production_status: Some(ProductionStatus::Normal),
        staff_situation: String::new(),
        guidance: String::new(),
        investment_leads: String::new(),
        notes: "一切正常".into(),
        lat: Some(28.45),
        lon: Some(119.92),
        accuracy_m: Some(15.0),
    }
}

#[test]
fn strings_round_trip_and_labels_are_the_official_words() {
    for m in VisitMode::ALL {
        assert_eq!(VisitMode::parse(m.as_str()), Some(m));
    }
    for r in VisitRole::ALL {
        assert_eq!(VisitRole::parse(r.as_str()), Some(r));
    }
    for p in ProductionStatus::ALL {
        assert_eq!(ProductionStatus::parse(p.as_str()), Some(p));
    }
    assert_eq!(VisitMode::ALL.map(VisitMode::label_zh), ["上门", "电话", "视频"]);
    assert_eq!(
        VisitRole::ALL.map(VisitRole::label_zh),
        ["信心传递员", "政策宣传员", "招商信息员", "困难协调员", "防疫指导员"]
    );
    assert_eq!(ProductionStatus::ALL.map(ProductionStatus::label_zh), ["正常", "部分停产", "停产"]);
    assert_eq!(VisitMode::parse("onsite"), None);
}

#[test]
fn roles_are_stored_as_a_sorted_comma_list_each_once() {
    let stored = VisitRole::join(&[VisitRole::Epidemic, VisitRole::Confidence, VisitRole::Epidemic]);
    assert_eq!(stored, "confidence,epidemic");
    assert_eq!(VisitRole::split(&stored), vec![VisitRole::Confidence, VisitRole::Epidemic]);
    assert_eq!(VisitRole::split(""), vec![]);
    assert_eq!(VisitRole::split("policy,bogus"), vec![VisitRole::Policy]);
}

#[test]
fn a_good_visit_passes_and_normalizing_trims_and_dedups() {
    let now = at(2026, 5, 20, 3, 0);
    let v = input(now);
    assert_eq!(v.validate(now), Ok(()));
    let n = v.normalized();
    assert_eq!(n.roles, vec![VisitRole::Confidence, VisitRole::Policy]);
    assert_eq!(n.policy, "研发费用加计扣除");
}

#[test]
fn each_broken_rule_names_its_field() {
    let now = at(2026, 5, 20, 3, 0);
    let field = |f: &dyn Fn(&mut VisitInput)| {
        let mut v = input(now);
        f(&mut v);
        v.validate(now).err().map(|e| e.field)
    };
    assert_eq!(field(&|v| v.roles.clear()).as_deref(), Some("roles"));
    assert_eq!(field(&|v| v.started_at = now + 11 * 60_000).as_deref(), Some("started_at"));
    assert_eq!(
        field(&|v| {
            v.started_at = now + 9 * 60_000;
            v.ended_at = None
        }),
        None,
        "phone clocks drift"
    );
    assert_eq!(field(&|v| v.started_at = now - 63 * DAY_MS).as_deref(), Some("started_at"));
    assert_eq!(
        field(&|v| {
            v.started_at = now - 61 * DAY_MS;
            v.ended_at = None
        }),
        None,
        "late record"
    );
    let mut late = input(now);
    (late.started_at, late.ended_at) = (now - 62 * DAY_MS + 60_000, None);
    assert_eq!(late.validate_edit(now + 3_600_000, now), Ok(()), "an edit keeps the recording's window");
    assert_eq!(late.validate(now + 3_600_000).unwrap_err().field, "started_at");
    assert_eq!(field(&|v| v.ended_at = Some(v.started_at - 1)).as_deref(), Some("ended_at"));
    assert_eq!(field(&|v| v.ended_at = Some(v.started_at)), None);
    assert_eq!(field(&|v| v.notes = "字".repeat(2001)).as_deref(), Some("notes"));
    assert_eq!(field(&|v| v.notes = "字".repeat(2000)), None);
    assert_eq!(field(&|v| v.needs = "x".repeat(2001)).as_deref(), Some("needs"));
    assert_eq!(field(&|v| v.lat = Some(90.5)).as_deref(), Some("lat"));
    assert_eq!(field(&|v| v.lon = Some(-181.0)).as_deref(), Some("lon"));
    assert_eq!(field(&|v| v.lat = Some(f64::NAN)).as_deref(), Some("lat"));
    assert_eq!(field(&|v| v.lon = None).as_deref(), Some("lon"));
    assert_eq!(field(&|v| v.accuracy_m = Some(-1.0)).as_deref(), Some("accuracy_m"));
    assert_eq!(
        field(&|v| {
            v.lat = None;
            v.lon = None;
        })
        .as_deref(),
        Some("accuracy_m")
    );
    assert_eq!(
        field(&|v| {
            v.lat = None;
            v.lon = None;
            v.accuracy_m = None;
        }),
        None
    );
}

#[test]
fn a_visit_counts_for_the_month_of_its_china_date() {
    // 2026-05-31 23:30 +08:00 is still May; 2026-06-01 00:30 +08:00 is June.
    assert_eq!(month_of(at(2026, 5, 31, 15, 30)), (2026, 5));
    assert_eq!(month_of(at(2026, 5, 31, 16, 30)), (2026, 6));
    // 2026-06-30 20:00 UTC is already July 1 in China.
    assert_eq!(month_of(at(2026, 6, 30, 20, 0)), (2026, 7));
    assert_eq!(month_of(at(2026, 12, 31, 16, 0)), (2027, 1));
    assert_eq!(YearMonth::of(at(2026, 5, 31, 15, 30)).key(), "2026-05");
}

#[test]
fn months_parse_print_and_bound_their_instants() {
    let may = YearMonth::parse("2026-05").unwrap();
    assert_eq!(may.to_string(), "2026-05");
    assert_eq!(may.start_ms(), at(2026, 4, 30, 16, 0));
    assert_eq!(may.end_ms(), at(2026, 5, 31, 16, 0));
    assert_eq!(may.days(), 31);
    assert_eq!(YearMonth::parse("2026-02").unwrap().days(), 28);
    assert_eq!(YearMonth::parse("2028-02").unwrap().days(), 29);
    assert_eq!(YearMonth::parse("2026-12").unwrap().next().key(), "2027-01");
    assert_eq!(YearMonth::parse("2026-01").unwrap().prev().key(), "2025-12");
    for bad in ["2026-13", "2026-00", "2026-5", "26-05", "2026/05", "", "2026-05-01"] {
        assert_eq!(YearMonth::parse(bad).unwrap_err().field, "month", "{bad}");
    }
    let months = YearMonth::parse("2025-11").unwrap().through(YearMonth::parse("2026-02").unwrap());
    assert_eq!(months.iter().map(|m| m.key()).collect::<Vec<_>>(), ["2025-11", "2025-12", "2026-01", "2026-02"]);
    assert!(may.through(may.prev()).is_empty());
    // Days left count today; the last day leaves 1.
    assert_eq!(may.days_left(at(2026, 5, 31, 15, 30)), 1);
    assert_eq!(may.days_left(at(2026, 5, 1, 0, 0)), 31, "09:00 on May 1 in China");
    assert_eq!(may.days_left(at(2026, 5, 31, 16, 30)), 0);
    assert_eq!(may.days_left(at(2026, 4, 1, 0, 0)), 31);
}

#[test]
fn the_rule_counts_any_mode_or_only_on_site() {
    let any = VisitRule::default();
    assert_eq!(any, VisitRule { min_per_month: 2, on_site_only: false });
    let on_site = VisitRule { min_per_month: 2, on_site_only: true };
    let visits = [VisitMode::Phone, VisitMode::OnSite, VisitMode::Video];
    assert_eq!(compliance(&visits, &any), (3, true));
    assert_eq!(compliance(&visits, &on_site), (1, false));
    assert_eq!(compliance(&[VisitMode::OnSite, VisitMode::OnSite], &on_site), (2, true));
    assert_eq!(compliance(&[], &any), (0, false));
    for rule in [any, on_site] {
        let (counted, _) = compliance(&visits, &rule);
        assert_eq!(rule.counted(3, 1), counted);
    }
    assert_eq!(any.needed(0), 2);
    assert_eq!(any.needed(5), 0);
    assert!(VisitRule::validate_min(0).is_err());
    assert!(VisitRule::validate_min(32).is_err());
    assert!(VisitRule::validate_min(2).is_ok());
}

#[test]
fn a_door_knock_counts_only_on_site_within_the_window_in_china_time() {
    let c = Campaign {
        id: 1,
        name: "2026年敲门走访".into(),
        starts_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        ends_on: NaiveDate::from_ymd_opt(2026, 4, 30).unwrap(),
    };
    assert_eq!(c.validate(), Ok(()));
    assert!(c.counts(VisitMode::OnSite, at(2026, 2, 28, 16, 0)), "00:00 on March 1 in China");
    assert!(!c.counts(VisitMode::OnSite, at(2026, 2, 28, 15, 59)));
    assert!(c.counts(VisitMode::OnSite, at(2026, 4, 30, 15, 59)), "23:59 on April 30 in China");
    assert!(!c.counts(VisitMode::OnSite, at(2026, 4, 30, 16, 0)));
    assert!(!c.counts(VisitMode::Phone, at(2026, 3, 15, 2, 0)));
    assert_eq!(c.window_ms(), (at(2026, 2, 28, 16, 0), at(2026, 4, 30, 16, 0)));
    let mut bad = c.clone();
    bad.ends_on = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    assert_eq!(bad.validate().unwrap_err().field, "ends_on");
    bad = c.clone();
    bad.name = " ".into();
    assert_eq!(bad.validate().unwrap_err().field, "name");
    assert_eq!(Campaign::parse_date("starts_on", "2026-3-1x").unwrap_err().field, "starts_on");
}

#[test]
fn edits_are_allowed_for_24_hours_and_reminders_from_their_day() {
    let t = at(2026, 5, 1, 2, 0);
    assert!(editable(t, t + EDIT_WINDOW_MS));
    assert!(!editable(t, t + EDIT_WINDOW_MS + 1));
    assert!(!reminder_due(at(2026, 5, 19, 15, 59), 20), "23:59 on the 19th");
    assert!(reminder_due(at(2026, 5, 19, 16, 0), 20), "00:00 on the 20th");
    assert!(reminder_due(at(2026, 2, 28, 2, 0), 31), "a day past the month's end means its last day");
    assert!(validate_reminder_day(29).is_err());
    assert!(validate_reminder_day(20).is_ok());
}

proptest! {
    /// The month of an instant always contains it.
    #[test]
    fn every_instant_lies_within_its_month(ms in 0i64..4_102_444_800_000) {
        let m = YearMonth::of(ms);
        prop_assert!(m.start_ms() <= ms && ms < m.end_ms());
        prop_assert_eq!(YearMonth::parse(&m.key()).unwrap(), m);
    }
}
