use super::*;

#[test]
fn percentages_round_half_up_like_people_and_browsers_do() {
    assert_eq!(pct(Some(0.0625)), "6.3%"); // a tie: 1/16
    assert_eq!(pct(Some(0.0624)), "6.2%");
    assert_eq!(pct(Some(1.0 / 3.0)), "33.3%");
    assert_eq!(pct(Some(0.00125)), "0.1%");
    assert_eq!(pct(Some(1.0)), "100.0%");
    assert_eq!(pct(None), "—");
    assert_eq!(format!("{:.2}", round_half_up(2.125, 2)), "2.13");
}

#[test]
fn report_periods_parse() {
    let p = Period::parse_report("2026-H1").ok();
    assert_eq!(p.map(|p| (p.from.to_string(), p.to.to_string())), Some(("2026-01-01".into(), "2026-06-30".into())));
    let p = Period::parse_report("2026-12").ok();
    assert_eq!(p.map(|p| (p.from.to_string(), p.to.to_string())), Some(("2026-12-01".into(), "2026-12-31".into())));
    assert!(Period::parse_report("2026-H3").is_err());
    assert!(Period::parse_report("2026-13").is_err());
}

#[test]
fn quarters_follow_china_time() {
    // 2026-03-31T16:30Z is 2026-04-01 00:30 in China: Q2.
    let ms = chrono::DateTime::parse_from_rfc3339("2026-03-31T16:30:00Z").map(|d| d.timestamp_millis());
    assert_eq!(ms.map(quarter_of), Ok("2026-Q2".to_string()));
}
