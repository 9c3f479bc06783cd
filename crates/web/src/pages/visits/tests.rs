use super::detail::title_from;
use super::reports::chart;
use super::*;
use zhuqi_app::visits::{DistrictSeries, MonthPoint};

#[test]
fn a_datetime_local_value_is_china_time() {
    let at = chrono::Utc.with_ymd_and_hms(2026, 5, 31, 15, 30, 0).unwrap().timestamp_millis();
    assert_eq!(parse_local("started_at", "2026-05-31T23:30").unwrap(), at);
    assert_eq!(parse_local("started_at", "2026-05-31T23:30:00+08:00").unwrap(), at);
    assert_eq!(local_input(at), "2026-05-31T23:30");
    let e = parse_local("ended_at", "31/05/2026").unwrap_err();
    assert!(matches!(e, AppError::Invalid(f) if f.field == "ended_at"));
}

#[test]
fn the_chart_breaks_a_line_where_a_month_has_no_enterprises() {
    let point = |month: &str, enterprises: i64, compliant: i64| MonthPoint {
        month: month.into(),
        enterprises,
        compliant,
        rate: if enterprises > 0 { compliant as f64 / enterprises as f64 } else { 0.0 },
    };
    let series = ComplianceSeries {
        months: vec!["2026-04".into(), "2026-05".into(), "2026-06".into(), "2026-07".into()],
        districts: vec![DistrictSeries {
            district_id: 1,
            name: "莲都区".into(),
            points: vec![
                point("2026-04", 10, 10),
                point("2026-05", 10, 5),
                point("2026-06", 0, 0),
                point("2026-07", 4, 1),
            ],
        }],
    };
    let c = chart(Lang::Zh, &series);
    assert_eq!(c.months.iter().map(|m| m.1.as_str()).collect::<Vec<_>>(), ["26/04", "26/05", "26/06", "26/07"]);
    let line = &c.lines[0];
    // 100% at the top, 50% half-way down; June has no enterprises: one segment and a lone dot.
    assert_eq!(line.segments, ["40.0,12.0 178.7,120.0"]);
    assert_eq!(line.dots.len(), 3);
    assert!(line.dots[2].2.contains("25.0%（1/4）"), "{}", line.dots[2].2);
    assert_eq!(c.grid.first().map(|g| g.1.as_str()), Some("0%"));
}

#[test]
fn a_demand_title_comes_from_the_first_line_of_the_needs() {
    assert_eq!(title_from("\n 货车进不了园区，物流受限。\n第二行"), "货车进不了园区，物流受限");
    assert_eq!(title_from(&"长".repeat(40)).chars().count(), 30);
    assert_eq!(title_from(""), "");
}
