use super::*;

fn l(s: i64, r: i64, c: i64, a: i64) -> LimitsInput {
    LimitsInput { sign_days: s, reply_days: r, close_days: c, auto_close_days: a, reason: String::new() }
}

#[test]
fn time_limits_rules_name_the_field() {
    let field = |t: LimitsInput| validate_time_limits(&t).err().map(|e| e.field);
    assert_eq!(validate_time_limits(&l(1, 3, 5, 5)), Ok(TimeLimits::default()));
    assert_eq!(field(l(1, 1, 1, 1)), None);
    assert_eq!(field(l(60, 60, 60, 30)), None);
    assert_eq!(field(l(0, 3, 5, 5)).as_deref(), Some("sign_days"));
    assert_eq!(field(l(-1, 3, 5, 5)).as_deref(), Some("sign_days"));
    assert_eq!(field(l(1, 61, 61, 5)).as_deref(), Some("reply_days"));
    assert_eq!(field(l(1, 3, 61, 5)).as_deref(), Some("close_days"));
    assert_eq!(field(l(2, 1, 5, 5)).as_deref(), Some("reply_days"));
    assert_eq!(field(l(1, 3, 2, 5)).as_deref(), Some("close_days"));
    assert_eq!(field(l(1, 3, 5, 0)).as_deref(), Some("auto_close_days"));
    assert_eq!(field(l(1, 3, 5, 31)).as_deref(), Some("auto_close_days"));
}

#[test]
fn calendar_dates_must_be_exact() {
    assert!(parse_calendar_date("2026-10-10").is_ok());
    for bad in ["2026-1-5", "2026/10/10", "10-10-2026", "2026-02-30", "", "1999-01-01", "2101-01-01"] {
        assert_eq!(parse_calendar_date(bad).map_err(|e| e.field), Err("date".to_string()), "{bad}");
    }
}
