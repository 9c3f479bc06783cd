//! Tests of hot-issue detection: the window's edges, K against K-1
//! enterprises, repeats by one enterprise, the similarity threshold, groups
//! across districts, and reconciliation with stored issues.

use super::*;

const H: i64 = 3_600_000;
const DAY: i64 = 24 * H;
/// 2026-11-02 00:00 UTC, an arbitrary start.
const T0: i64 = 1_793_577_600_000;

/// The wave's words (as jieba would give them) and an unrelated problem's.
const WAVE: &[&str] = &["物流", "受限", "原料", "运输", "车辆", "园区", "通行证", "通行", "高速", "卡口"];
const LOAN: &[&str] = &["贷款", "到期", "续贷", "银行", "抵押", "资金", "周转", "利率"];

fn doc(id: i64, ent: i64, district: i64, cat: &str, at: i64, terms: &[&str]) -> Doc {
    Doc {
        id,
        enterprise_id: ent,
        district_id: district,
        category: cat.to_string(),
        submitted_at: at,
        terms: terms.iter().map(|s| s.to_string()).collect(),
    }
}

/// `n` wave demands of category 0102, one enterprise each, an hour apart.
fn wave(n: i64) -> Vec<Doc> {
    (0..n).map(|i| doc(i + 1, 100 + i, 1 + i % 4, "0102", T0 + i * H, WAVE)).collect()
}

/// Unrelated demands so that the IDF has a background, as in a real city
/// (each of its own category, so they never form a group themselves).
fn background() -> Vec<Doc> {
    (0..20).map(|i| doc(500 + i, 900 + i, 1, &format!("09{i:02}"), T0 - 30 * DAY + i * DAY, LOAN)).collect()
}

fn p() -> Params {
    Params::default()
}

#[test]
fn defaults_are_five_enterprises_in_seven_days() {
    assert_eq!(
        (p().min_enterprises, p().window_days, p().min_similarity_pct, p().min_significance_pct),
        (5, 7, 25, 300)
    );
    assert!(p().validate().is_ok());
}

#[test]
fn a_wave_of_exactly_k_enterprises_is_found() {
    let mut docs = wave(5);
    docs.extend(background());
    let g = detect(&docs, &p());
    assert_eq!(g.len(), 1, "{g:?}");
    assert_eq!(g[0].demand_ids, vec![1, 2, 3, 4, 5]);
    assert_eq!((g[0].enterprises, g[0].enterprises_in_window), (5, 5));
    assert_eq!(g[0].category, "0102");
    assert_eq!((g[0].first_at, g[0].last_at), (T0, T0 + 4 * H));
}

#[test]
fn k_minus_one_enterprises_are_not_a_hot_issue() {
    let mut docs = wave(4);
    docs.extend(background());
    assert!(detect(&docs, &p()).is_empty());
}

#[test]
fn one_enterprise_reporting_again_counts_once() {
    // Four enterprises, the first of them three times: 6 demands, 4 enterprises.
    let mut docs = wave(4);
    docs.push(doc(10, 100, 1, "0102", T0 + 5 * H, WAVE));
    docs.push(doc(11, 100, 1, "0102", T0 + 6 * H, WAVE));
    docs.extend(background());
    assert!(detect(&docs, &p()).is_empty());
    // A fifth enterprise makes it one.
    docs.push(doc(12, 105, 2, "0102", T0 + 7 * H, WAVE));
    let g = detect(&docs, &p());
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].demand_ids, vec![1, 2, 3, 4, 10, 11, 12]);
    assert_eq!(g[0].enterprises, 5);
}

#[test]
fn the_window_includes_exactly_d_days_and_not_a_millisecond_more() {
    // Five enterprises, the last exactly 7 days after the first.
    let mk = |last_at: i64| {
        let mut docs: Vec<Doc> = (0..4).map(|i| doc(i + 1, 100 + i, 1, "0102", T0 + i * H, WAVE)).collect();
        docs.push(doc(5, 104, 2, "0102", last_at, WAVE));
        docs.extend(background());
        docs
    };
    // The last one links to the others only when within D of one of them,
    // so put the others at the start: 7 days after T0 + 0 is the edge.
    let at_edge = mk(T0 + 7 * DAY);
    assert_eq!(detect(&at_edge, &p()).len(), 1);
    // With the four at the same instant and the fifth 7 days + 1 ms later,
    // the five never share one window (first to last submission).
    let past = mk(T0 + 7 * DAY + 1);
    let mut docs_far = past.clone();
    for d in docs_far.iter_mut().take(4) {
        d.submitted_at = T0; // all four at the same instant
    }
    assert!(detect(&docs_far, &p()).is_empty(), "7 days + 1 ms is outside the window");
    // With D = 8 the same demands are a hot issue.
    let wide = Params { window_days: 8, ..p() };
    assert_eq!(detect(&docs_far, &wide).len(), 1);
}

#[test]
fn demands_spread_over_weeks_are_not_a_wave() {
    // Ten enterprises, one every 8 days: no two within one window.
    let mut docs: Vec<Doc> = (0..10).map(|i| doc(i + 1, 100 + i, 1, "0102", T0 + i * 8 * DAY, WAVE)).collect();
    docs.extend(background());
    assert!(detect(&docs, &p()).is_empty());
    // Every 2 days: a chain, and 4 fit in any 7-day window (0, 2, 4, 6): still none.
    let docs2: Vec<Doc> = (0..10).map(|i| doc(i + 1, 100 + i, 1, "0102", T0 + i * 2 * DAY, WAVE)).collect();
    assert!(detect(&docs2, &p()).is_empty());
    // Every 1.5 days: 5 fit in 6 days, but that is the steady level of
    // the whole input, not a sudden rise; with the burst test off it is
    // found, the chain as one group.
    let docs3: Vec<Doc> = (0..10).map(|i| doc(i + 1, 100 + i, 1, "0102", T0 + i * 36 * H, WAVE)).collect();
    assert!(detect(&docs3, &p()).is_empty());
    let g = detect(&docs3, &Params { min_significance_pct: 0, ..p() });
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].demand_ids.len(), 10);
}

/// Eight weeks of a busy category: four enterprises a week with the same
/// complaint (loans), then one week with `last_week`; beside it, ten other
/// demands a week, each of its own kind.
fn busy_category(last_week: i64) -> Vec<Doc> {
    let mut docs = Vec::new();
    for k in 0..80 {
        docs.push(doc(1000 + k, 2000 + k, 2, &format!("1{k:03}"), T0 + k * 17 * H, &["别的", "事情"]));
    }
    let mut id = 1;
    for week in 0..8 {
        let n = if week == 7 { last_week } else { 4 };
        for k in 0..n {
            let gap = if week == 7 { 8 * H } else { 30 * H };
            docs.push(doc(id, 100 + (id % 40), 1, "0301", T0 + week * 7 * DAY + k * gap, LOAN));
            id += 1;
        }
    }
    docs
}

#[test]
fn a_busy_category_at_its_usual_level_is_not_sudden() {
    // Six in the last week against about four a week before: not a burst.
    let docs = busy_category(6);
    assert!(detect(&docs, &p()).is_empty());
    // With the burst test off (1×), the rule of K and D alone flags it.
    let off = Params { min_significance_pct: 0, ..p() };
    assert!(!detect(&docs, &off).is_empty());
}

#[test]
fn a_sudden_rise_in_a_busy_category_is_significant() {
    // Eighteen in the last week against four a week (with the same volume
    // of everything else): far beyond chance.
    let g = detect(&busy_category(18), &p());
    assert_eq!(g.len(), 1, "{g:?}");
    assert!(g[0].significance_pct >= 300 && g[0].expected_pct >= 300, "{g:?}");
    // A quiet category: K enterprises against the floor of half a demand.
    let wave_only = detect(&wave(5), &p());
    assert_eq!((wave_only.len(), wave_only[0].expected_pct), (1, 50));
}

#[test]
fn significance_is_minus_log10_of_the_poisson_tail() {
    // P(X >= 5 | 1) = 1 - e^-1 (1 + 1 + 1/2 + 1/6 + 1/24) = 0.003660
    assert!((significance(5, 1.0) - -(0.003_659_846_f64).log10()).abs() < 1e-6);
    // P(X >= 1 | 2) = 1 - e^-2
    assert!((significance(1, 2.0) - -(1.0 - (-2.0f64).exp()).log10()).abs() < 1e-9);
    assert_eq!(significance(0, 3.0), 0.0);
    // Far tails do not underflow: P(X >= 100 | 0.5) is about 10^-188.
    let far = significance(100, 0.5);
    assert!(far > 150.0 && far.is_finite(), "{far}");
}

#[test]
fn the_same_category_with_unrelated_texts_is_not_a_wave() {
    let topics: [&[&str]; 5] = [
        &["物流", "受限", "车辆", "通行证"],
        &["电费", "上涨", "电价", "用电"],
        &["招工", "工人", "用工", "短缺"],
        &["环评", "审批", "排污", "许可"],
        &["厂房", "租金", "减免", "租赁"],
    ];
    let mut docs: Vec<Doc> =
        topics.iter().enumerate().map(|(i, t)| doc(i as i64 + 1, 100 + i as i64, 1, "0102", T0, t)).collect();
    docs.extend(background());
    assert!(detect(&docs, &p()).is_empty());
}

#[test]
fn different_categories_never_group() {
    let mut docs: Vec<Doc> =
        (0..6).map(|i| doc(i + 1, 100 + i, 1, if i % 2 == 0 { "0102" } else { "0101" }, T0 + i * H, WAVE)).collect();
    docs.extend(background());
    assert!(detect(&docs, &p()).is_empty());
}

#[test]
fn the_similarity_threshold_decides_the_link() {
    // Five demands sharing half of their words with the first one.
    let a: &[&str] = &["物流", "受限", "车辆", "通行证", "原料", "园区"];
    let b: &[&str] = &["物流", "受限", "车辆", "电费", "上涨", "工人"];
    let mut docs = vec![doc(1, 100, 1, "0102", T0, a)];
    for i in 0..4 {
        docs.push(doc(i + 2, 101 + i, 1, "0102", T0 + (i + 1) * H, if i % 2 == 0 { a } else { b }));
    }
    docs.extend(background());
    // Cosine of a and b with these weights.
    let corpus: Vec<Vec<String>> = docs.iter().map(|d| d.terms.clone()).collect();
    let s = similarity(&corpus, 0, 2);
    assert!(s > 0.2 && s < 0.8, "similarity {s}");
    let pct = (s * 100.0).floor() as u32;
    // At the measured similarity the link holds; one point above, it breaks.
    let at = Params { min_similarity_pct: pct, ..p() };
    assert_eq!(detect(&docs, &at).len(), 1);
    let above = Params { min_similarity_pct: pct + 1, ..p() };
    assert!(detect(&docs, &above).is_empty());
}

#[test]
fn a_wave_across_districts_is_one_group_naming_every_district() {
    let mut docs = wave(8);
    docs.extend(background());
    let g = detect(&docs, &p());
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].district_ids, vec![1, 2, 3, 4]);
    assert_eq!(g[0].enterprises, 8);
}

#[test]
fn two_waves_in_one_category_stay_apart() {
    let mut docs = wave(5);
    docs.extend((0..5).map(|i| doc(50 + i, 300 + i, 2, "0102", T0 + i * H, &["电费", "上涨", "电价", "用电", "峰谷"])));
    docs.extend(background());
    let g = detect(&docs, &p());
    assert_eq!(g.len(), 2, "{g:?}");
    assert_eq!(g[0].demand_ids, vec![1, 2, 3, 4, 5]);
    assert_eq!(g[1].demand_ids, vec![50, 51, 52, 53, 54]);
}

#[test]
fn key_terms_are_the_shared_words_without_their_fragments() {
    let mut docs = wave(5);
    docs.extend(background());
    let g = detect(&docs, &p());
    let k = &g[0].key_terms;
    assert!(k.contains(&"通行证".to_string()), "{k:?}");
    assert!(!k.contains(&"通行".to_string()), "fragment of 通行证 kept: {k:?}");
    assert!(k.len() <= 8);
}

#[test]
fn stop_words_numbers_and_single_characters_are_dropped() {
    let t = clean_terms(&["我司", "物流", "的", "12", "12月", "企业反映", "通行证", "物流", "，", "GPS"]);
    assert_eq!(t, vec!["物流", "12月", "通行证", "gps"]);
}

#[test]
fn bad_parameters_name_the_setting() {
    assert_eq!(Params { min_enterprises: 1, ..p() }.validate().unwrap_err().field, "min_enterprises");
    assert_eq!(Params { window_days: 0, ..p() }.validate().unwrap_err().field, "window_days");
    assert_eq!(Params { window_days: 91, ..p() }.validate().unwrap_err().field, "window_days");
    assert_eq!(Params { min_similarity_pct: 101, ..p() }.validate().unwrap_err().field, "min_similarity_pct");
    assert_eq!(Params { min_significance_pct: 2001, ..p() }.validate().unwrap_err().field, "min_significance_pct");
}

#[test]
fn decisions_can_be_revised_until_merged() {
    use HotStatus::*;
    assert_eq!(decide(Flagged, Decision::Confirm), Ok(Some(Confirmed)));
    assert_eq!(decide(Flagged, Decision::Dismiss), Ok(Some(Dismissed)));
    assert_eq!(decide(Flagged, Decision::Merge), Ok(Some(Merged)));
    assert_eq!(decide(Confirmed, Decision::Confirm), Ok(None));
    assert_eq!(decide(Dismissed, Decision::Dismiss), Ok(None));
    assert_eq!(decide(Dismissed, Decision::Confirm), Ok(Some(Confirmed)));
    assert_eq!(decide(Confirmed, Decision::Merge), Ok(Some(Merged)));
    assert_eq!(decide(Merged, Decision::Merge), Ok(Some(Merged)));
    assert!(decide(Merged, Decision::Confirm).is_err());
    assert!(decide(Merged, Decision::Dismiss).is_err());
    for s in HotStatus::ALL {
        assert_eq!(HotStatus::parse(s.as_str()), Some(s));
    }
}

fn group(ids: &[i64]) -> Group {
    Group {
        category: "0102".into(),
        demand_ids: ids.to_vec(),
        enterprises: ids.len(),
        enterprises_in_window: ids.len(),
        expected_pct: 0,
        significance_pct: 0,
        district_ids: vec![1],
        first_at: T0,
        last_at: T0,
        key_terms: vec![],
    }
}

#[test]
fn a_new_group_is_flagged_and_a_known_one_is_not_flagged_twice() {
    assert_eq!(reconcile(&[group(&[1, 2, 3, 4, 5])], &[]), vec![Change::Flag { group: 0 }]);
    let stored = [Stored { id: 9, status: HotStatus::Flagged, demand_ids: vec![1, 2, 3, 4, 5] }];
    assert!(reconcile(&[group(&[1, 2, 3, 4, 5])], &stored).is_empty());
}

#[test]
fn a_dismissed_issue_is_not_raised_again_for_the_same_demands() {
    let stored = [Stored { id: 9, status: HotStatus::Dismissed, demand_ids: vec![1, 2, 3, 4, 5] }];
    assert!(reconcile(&[group(&[1, 2, 3, 4, 5])], &stored).is_empty());
    // A subset (one demand withdrawn since) changes nothing either.
    assert!(reconcile(&[group(&[1, 2, 3, 4])], &stored).is_empty());
    // Newcomers extend it and raise it again.
    assert_eq!(
        reconcile(&[group(&[1, 2, 3, 4, 5, 6, 7])], &stored),
        vec![Change::Extend { issue_id: 9, group: 0, new_demand_ids: vec![6, 7], reflag: true }]
    );
}

#[test]
fn newcomers_extend_a_confirmed_issue_without_reflagging_it() {
    let stored = [Stored { id: 9, status: HotStatus::Confirmed, demand_ids: vec![1, 2, 3, 4, 5] }];
    assert_eq!(
        reconcile(&[group(&[2, 3, 4, 5, 8])], &stored),
        vec![Change::Extend { issue_id: 9, group: 0, new_demand_ids: vec![8], reflag: false }]
    );
}

#[test]
fn a_group_bridging_two_issues_extends_the_older() {
    let stored = [
        Stored { id: 12, status: HotStatus::Flagged, demand_ids: vec![6, 7, 8] },
        Stored { id: 9, status: HotStatus::Confirmed, demand_ids: vec![1, 2, 3] },
    ];
    assert_eq!(
        reconcile(&[group(&[1, 2, 3, 6, 7, 8, 10])], &stored),
        vec![Change::Extend { issue_id: 9, group: 0, new_demand_ids: vec![10], reflag: false }]
    );
}
