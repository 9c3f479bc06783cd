//! Hot issues (热点问题): detection on a planted wave and a control set,
//! idempotent runs, dismissal and extension, the coordinator's decisions over
//! the API, scopes, and the 物流受限 wave of the real demo city.

use crate::harness::{credit_code, engines, TestApp};
use axum::http::{Method, StatusCode};
use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use zhuqi_app::demands::SubmitInput;
use zhuqi_app::RequestMeta;
use zhuqi_demo::Demo;
use zhuqi_store::enterprises;

fn meta() -> RequestMeta {
    RequestMeta::default()
}

const WAVE_TEXTS: &[(&str, &str)] = &[
    (
        "物流受限：原料运输车辆无法进入园区",
        "受疫情防控影响，外地货车进入须持通行证，我司原料运输车辆在高速口被劝返，急需办理通行证。",
    ),
    (
        "物流受限：高速卡口管控，原料车辆进不了园区",
        "高速卡口对外地货车实行管控，原料运不进来、成品发不出去，请求协调办理通行证。",
    ),
    (
        "物流受限：急需办理重点物资运输车辆通行证",
        "原料运输车辆无法进入园区，司机不清楚通行证办理渠道，生产线仅能维持三天。",
    ),
];

/// Unrelated problems in the same category (0102).
const OTHER_TEXTS: &[(&str, &str)] = &[
    ("厂区门口道路破损", "厂区门口市政道路破损严重，雨天积水，希望修复。"),
    ("快递网点撤并", "附近快递网点撤并，样品寄送要跑十公里，希望增设网点。"),
    ("冷链仓储不足", "本地冷链仓库容量不够，食品原料只能存放外地，成本高。"),
    ("铁路专用线运价", "铁路专用线运价上调，大宗原料运费增加，希望争取优惠。"),
    ("港口集装箱短缺", "出口旺季集装箱短缺，订舱困难，交货期延误。"),
    ("货车限行时段", "城区货车限行时段调整后，白天无法送货进城，希望放宽。"),
];

/// Adds `n` enterprises alternating between districts A and B; returns their ids.
async fn add_enterprises(t: &TestApp, first: u32, n: u32) -> Vec<i64> {
    let mut tx = t.app.store.begin().await.unwrap();
    let mut ids = Vec::new();
    for k in 0..n {
        let code = credit_code(first + k);
        let name = format!("丽水市测试{}号制造有限公司", first + k);
        let district = if k % 2 == 0 { t.ids.district_a } else { t.ids.district_b };
        let id = enterprises::insert(
            &mut tx,
            &enterprises::NewEnterprise {
                credit_code: &code,
                name: &name,
                district_id: district,
                township_id: None,
                industry_code: "C3443",
                size: "below",
                address: "工业园区1号",
                contact_name: "李四",
                contact_phone: "13800000002",
                at: t.app.now_ms(),
            },
        )
        .await
        .unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    ids
}

/// Submits a hotline demand as the coordinator at the clock's time plus `hours`.
async fn submit(t: &TestApp, base: chrono::DateTime<Utc>, hours: i64, ent: i64, cat: &str, text: (&str, &str)) -> i64 {
    t.clock.set(base + Duration::hours(hours));
    let coord = t.app.actor_by_username("coordinator").await.unwrap().unwrap();
    let input = SubmitInput {
        enterprise_id: ent,
        category: cat.into(),
        title: text.0.into(),
        description: text.1.into(),
        urgency: None,
        confidential: None,
    };
    t.app.submit_demand(&coord, &input, None, &meta()).await.unwrap().0.id
}

fn base() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap()
}

/// The control set: no hot issue in it. (a) the wave's texts from six
/// enterprises but ten days apart; (b) six enterprises within a day with
/// unrelated texts of one category; (c) the wave's texts from only K-1 = 4
/// enterprises (one of them twice) within two days.
async fn control(t: &TestApp, ents: &[i64]) {
    for (i, e) in ents.iter().take(6).enumerate() {
        submit(t, base(), i as i64 * 240, *e, "0101", WAVE_TEXTS[i % 3]).await;
    }
    for (i, e) in ents.iter().take(6).enumerate() {
        submit(t, base(), i as i64, *e, "0102", OTHER_TEXTS[i]).await;
    }
    for (i, e) in ents.iter().take(4).chain(ents.iter().take(1)).enumerate() {
        submit(t, base(), 100 + i as i64 * 9, *e, "0103", WAVE_TEXTS[i % 3]).await;
    }
}

#[tokio::test]
async fn the_control_set_flags_nothing() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let ents = add_enterprises(&t, 100, 6).await;
        control(&t, &ents).await;
        // The day after the last control demand: all 17 are in the lookback.
        t.clock.set(base() + Duration::days(51));
        let r = t.app.detect_hot_issues().await.unwrap();
        assert_eq!(r.demands, 17, "{e}");
        assert_eq!((r.groups, r.flagged.len()), (0, 0), "{e}: {r:?}");
        assert_eq!(t.count("hot_issues").await, 0, "{e}");
    }
}

#[tokio::test]
async fn a_planted_wave_is_flagged_once_then_kept_dismissed_and_extended_by_newcomers() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let ents = add_enterprises(&t, 200, 8).await;
        control(&t, &ents).await;
        // The wave: six demands from five enterprises in two districts within three days.
        let wave_base = base() + Duration::days(20);
        let mut wave = Vec::new();
        for (i, ent) in [ents[2], ents[3], ents[4], ents[5], ents[6], ents[2]].into_iter().enumerate() {
            wave.push(submit(&t, wave_base, i as i64 * 13, ent, "0102", WAVE_TEXTS[i % 3]).await);
        }
        t.clock.set(wave_base + Duration::days(3));
        let r = t.app.detect_hot_issues().await.unwrap();
        assert_eq!((r.groups, r.flagged.len()), (1, 1), "{e}: {r:?}");
        let admin = t.app.actor_by_username("admin").await.unwrap().unwrap();
        let id = r.flagged[0];
        let d = t.app.hot_issue(&admin, id, &meta()).await.unwrap();
        let mut members: Vec<i64> = d.members.iter().map(|m| m.demand_id).collect();
        members.sort_unstable();
        assert_eq!(members, wave, "{e}: exactly the wave");
        assert_eq!((d.issue.status.as_str(), d.issue.enterprise_count, d.issue.district_count), ("flagged", 5, 2));
        assert_eq!(d.issue.category_code, "0102");
        assert!(d.key_terms.iter().any(|k| k == "通行证"), "{e}: {:?}", d.key_terms);
        assert_eq!(d.events.len(), 1);

        // The city admin and the (city-wide) coordinator are told once each.
        let told = |n: i64| {
            let t = &t;
            async move {
                let mut c = t.app.store.read().await.unwrap();
                let got: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE kind = 'hot_issue'")
                    .fetch_one(&mut *c)
                    .await
                    .unwrap();
                assert_eq!(got, n);
            }
        };
        told(2).await;
        // Running again flags nothing twice.
        let again = t.app.detect_hot_issues().await.unwrap();
        assert_eq!((again.groups, again.flagged.len(), again.extended.len()), (1, 0, 0), "{e}");
        assert_eq!((t.count("hot_issues").await, t.count("hot_issue_demands").await), (1, 6), "{e}");

        // Dismissed: not raised again for the same demands.
        let coord = t.token("coordinator").await;
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/hot-issues/{id}/actions/dismiss"),
                Some(&coord),
                Some(json!({"reason": "各企业情况不同，分别办理"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!(v["status"], "dismissed");
        let r = t.app.detect_hot_issues().await.unwrap();
        assert!(r.flagged.is_empty() && r.extended.is_empty(), "{e}: {r:?}");
        assert_eq!(t.app.hot_issue(&admin, id, &meta()).await.unwrap().issue.status, "dismissed");

        // A newcomer joins: the issue grows and is raised again.
        let newcomer = submit(&t, wave_base, 60, ents[7], "0102", WAVE_TEXTS[0]).await;
        let r = t.app.detect_hot_issues().await.unwrap();
        assert_eq!((r.flagged.len(), r.extended.clone(), r.reflagged.clone()), (0, vec![(id, 1)], vec![id]), "{e}");
        let d = t.app.hot_issue(&admin, id, &meta()).await.unwrap();
        assert_eq!(d.issue.status, "flagged");
        assert_eq!((d.issue.demand_count, d.issue.enterprise_count), (7, 6));
        assert!(d.members.iter().any(|m| m.demand_id == newcomer));
        told(4).await;
        let kinds: Vec<&str> = d.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["flagged", "dismissed", "extended", "reflagged"], "{e}");
        // The audit log holds the detection and the decision.
        let mut c = t.app.store.read().await.unwrap();
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE target = $1 AND action IN ('hot_issue_flagged', 'hot_issue_dismiss', 'hot_issue_extended')",
        )
        .bind(format!("hot_issue:{id}"))
        .fetch_one(&mut *c)
        .await
        .unwrap();
        assert_eq!(audited, 3, "{e}");
    }
}

/// One flagged wave of five enterprises (three in district A, two in B); returns (issue, demand ids).
async fn flagged_wave(t: &TestApp) -> (i64, Vec<i64>) {
    let ents = add_enterprises(t, 300, 5).await;
    // A background of ordinary demands, as any city has (the IDF weights need one).
    for (i, text) in OTHER_TEXTS.iter().enumerate() {
        submit(t, base() - Duration::days(20), i as i64 * 30, ents[i % 5], "0301", *text).await;
    }
    let mut ids = Vec::new();
    for (i, ent) in ents.iter().enumerate() {
        ids.push(submit(t, base(), i as i64, *ent, "0102", WAVE_TEXTS[i % 3]).await);
    }
    let r = t.app.detect_hot_issues().await.unwrap();
    assert_eq!(r.flagged.len(), 1, "{r:?}");
    (r.flagged[0], ids)
}

#[tokio::test]
async fn the_api_lists_filters_and_confirms_with_the_decider_recorded() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let (id, _) = flagged_wave(&t).await;
        let coord = t.token("coordinator").await;
        let (s, v) = t.json(Method::GET, "/api/v1/hot-issues?status=flagged&per_page=10", Some(&coord), None).await;
        assert_eq!(s, StatusCode::OK, "{e}: {v}");
        assert_eq!((v["total"].as_i64(), v["page"].as_i64(), v["per_page"].as_i64()), (Some(1), Some(1), Some(10)));
        assert_eq!(v["items"][0]["id"], id);
        assert_eq!(v["items"][0]["enterprise_count"], 5);
        assert!(v["items"][0]["key_terms"].as_array().is_some_and(|a| !a.is_empty()));
        let (s, v) = t.json(Method::GET, "/api/v1/hot-issues?status=bogus", Some(&coord), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}: {v}");
        assert!(v.to_string().contains("status"), "{v}");

        let (s, v) = t.json(Method::GET, &format!("/api/v1/hot-issues/{id}"), Some(&coord), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["members"].as_array().map(Vec::len), Some(5));
        assert_eq!(v["allowed_actions"], json!(["confirm", "merge", "dismiss"]));

        // Dismissing without a reason is refused and changes nothing.
        let (s, v) = t
            .json(Method::POST, &format!("/api/v1/hot-issues/{id}/actions/dismiss"), Some(&coord), Some(json!({})))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains("reason"), "{v}");
        let (s, v) = t
            .json(Method::POST, &format!("/api/v1/hot-issues/{id}/actions/confirm"), Some(&coord), Some(json!({})))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "confirmed");
        assert_eq!(v["decided_by_name"], "coordinator");
        assert!(v["decided_at"].is_i64());
        let (_, v) = t.json(Method::GET, "/api/v1/hot-issues?status=flagged", Some(&coord), None).await;
        assert_eq!(v["total"], 0);
        // A repeated click changes nothing.
        let (s, v) =
            t.json(Method::POST, &format!("/api/v1/hot-issues/{id}/actions/confirm"), Some(&coord), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["events"].as_array().map(Vec::len), Some(2));
        // Officers and department staff may not read; the auditor reads but may not act.
        let (s, _) = t.json(Method::GET, "/api/v1/hot-issues", Some(&t.token("officer-a").await), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let auditor = t.token("auditor").await;
        let (s, v) = t.json(Method::GET, &format!("/api/v1/hot-issues/{id}"), Some(&auditor), None).await;
        assert_eq!((s, v["allowed_actions"].clone()), (StatusCode::OK, json!([])));
        let (s, _) =
            t.json(Method::POST, &format!("/api/v1/hot-issues/{id}/actions/confirm"), Some(&auditor), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn merging_folds_the_open_members_into_the_lead_demand() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let (id, ids) = flagged_wave(&t).await;
        let coord = t.token("coordinator").await;
        // One member is already being handled by the transport department.
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/demands/{}/actions/dispatch", ids[4]),
                Some(&coord),
                Some(json!({"department_id": t.ids.dept_t})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = t
            .json(
                Method::POST,
                &format!("/api/v1/demands/{}/actions/sign", ids[4]),
                Some(&t.token("handler-t").await),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        // A lead that is not a member is refused, naming the field, and nothing changes.
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/hot-issues/{id}/actions/merge"),
                Some(&coord),
                Some(json!({"lead_demand_id": 999_999})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains("lead_demand_id"), "{v}");
        let (s, v) = t
            .json(
                Method::POST,
                &format!("/api/v1/hot-issues/{id}/actions/merge"),
                Some(&coord),
                Some(json!({"lead_demand_id": ids[1]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!((v["status"].as_str(), v["lead_demand_id"].as_i64()), (Some("merged"), Some(ids[1])));
        let status_of = |m: &serde_json::Value| m["status"].as_str().unwrap_or_default().to_string();
        let by_id: std::collections::HashMap<i64, String> =
            v["members"].as_array().unwrap().iter().map(|m| (m["demand_id"].as_i64().unwrap(), status_of(m))).collect();
        assert_eq!(by_id[&ids[1]], "submitted", "the lead stays open");
        for d in [ids[0], ids[2], ids[3]] {
            assert_eq!(by_id[&d], "merged", "{e}: {d}");
        }
        assert_eq!(by_id[&ids[4]], "handling", "already in hand: keeps its course");
        // The merged demand's timeline has the lifecycle's 合并 event.
        let (_, dv) = t.json(Method::GET, &format!("/api/v1/demands/{}", ids[0]), Some(&coord), None).await;
        assert!(dv.to_string().contains("\"merged\""), "{dv}");
        // A merged issue cannot be dismissed.
        let (s, _) = t
            .json(
                Method::POST,
                &format!("/api/v1/hot-issues/{id}/actions/dismiss"),
                Some(&coord),
                Some(json!({"reason": "x"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // Detection afterwards changes nothing (merged members leave the input).
        let r = t.app.detect_hot_issues().await.unwrap();
        assert!(r.flagged.is_empty() && r.extended.is_empty(), "{e}: {r:?}");
    }
}

#[tokio::test]
async fn a_district_admin_sees_the_issues_touching_their_district_and_only_their_members() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let (id, _) = flagged_wave(&t).await;
        let da = t.token("district-a").await;
        let (s, v) = t.json(Method::GET, &format!("/api/v1/hot-issues/{id}"), Some(&da), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let members = v["members"].as_array().unwrap();
        assert_eq!(members.len(), 3, "only district A's members: {v}");
        assert!(members.iter().all(|m| m["district_id"] == t.ids.district_a));
        assert_eq!(v["hidden_members"], 2);
        assert_eq!(v["allowed_actions"], json!([]));
        let (s, _) = t.json(Method::POST, &format!("/api/v1/hot-issues/{id}/actions/confirm"), Some(&da), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // The settings: city admin only, validated.
        let admin = t.token("admin").await;
        let (s, v) = t
            .json(
                Method::PUT,
                "/api/v1/hot-issues/settings",
                Some(&admin),
                Some(json!({"min_enterprises": 1, "window_days": 7, "min_similarity_pct": 30})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains("min_enterprises"), "{v}");
        let (s, _) = t
            .json(
                Method::PUT,
                "/api/v1/hot-issues/settings",
                Some(&da),
                Some(json!({"min_enterprises": 6, "window_days": 7, "min_similarity_pct": 30})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = t
            .json(
                Method::PUT,
                "/api/v1/hot-issues/settings",
                Some(&admin),
                Some(json!({"min_enterprises": 6, "window_days": 10, "min_similarity_pct": 40})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let p = t.app.hot_issue_params().await.unwrap();
        assert_eq!((p.min_enterprises, p.window_days, p.min_similarity_pct), (6, 10, 40));
    }
}

/// Demo build instants (UTC): a Thursday morning, a Friday dawn in China
/// (twice: at 07:06 an ordinary 0102 demand with the wave's symptom falls in
/// its week), a Sunday, a Friday after the National Day holiday, a Wednesday
/// in spring.
type Instant = (i32, u32, u32, u32, u32);
const DEMO_BUILDS: &[Instant] = &[
    (2026, 11, 26, 2, 0),
    (2026, 11, 26, 22, 40),
    (2026, 11, 26, 23, 6),
    (2026, 11, 29, 3, 0),
    (2026, 10, 9, 1, 0),
    (2026, 4, 15, 6, 30),
];

#[tokio::test]
async fn the_demo_city_flags_the_logistics_wave_and_nothing_else() {
    // On SQLite at every build instant; on PostgreSQL at the first.
    let runs: Vec<(&str, Instant)> = engines()
        .into_iter()
        .flat_map(|e| DEMO_BUILDS.iter().take(if e == "sqlite" { DEMO_BUILDS.len() } else { 1 }).map(move |b| (e, *b)))
        .collect();
    for (e, (y, mo, d, h, mi)) in runs {
        let e = &format!("{e} {y}-{mo:02}-{d:02}T{h:02}:{mi:02}Z");
        let engine = if e.starts_with("postgres") { "postgres" } else { "sqlite" };
        let db = crate::harness::fresh_db(engine).await;
        let store = zhuqi_store::Store::open(&db).await.unwrap();
        let clock =
            std::sync::Arc::new(zhuqi_domain::FixedClock::new(Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()));
        let app = zhuqi_app::App::new(store, clock, zhuqi_app::AppConfig::default());
        app.build_demo(&|_: &str| {}).await.unwrap();
        let r = app.detect_hot_issues().await.unwrap();
        let admin = app.actor_by_username("admin").await.unwrap().unwrap();
        let all = app.hot_issues(&admin, None, zhuqi_store::Page::default(), &meta()).await.unwrap();
        let summary: Vec<String> = all
            .items
            .iter()
            .map(|i| {
                format!(
                    "{} {} d{} e{} [{}]",
                    i.issue.category_code,
                    i.issue.category_name,
                    i.issue.demand_count,
                    i.issue.enterprise_count,
                    i.key_terms.join(" ")
                )
            })
            .collect();
        assert_eq!(r.flagged.len(), 1, "{e}: {}", summary.join(" | "));
        let d = app.hot_issue(&admin, r.flagged[0], &meta()).await.unwrap();
        // The planted wave: every 0102 demand titled 物流受限 of the last week.
        let mut c = app.store.read().await.unwrap();
        let mut planted: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM demands WHERE category_code = '0102' AND title LIKE '物流受限%' ORDER BY id",
        )
        .fetch_all(&mut *c)
        .await
        .unwrap();
        planted.sort_unstable();
        let mut found: Vec<i64> = d.members.iter().map(|m| m.demand_id).collect();
        found.sort_unstable();
        assert_eq!(planted.len(), zhuqi_demo::WAVE_DEMANDS, "{e}");
        // Every planted demand is found. The only other members allowed are
        // ordinary 0102 demands of the same days describing the same symptom
        // (raw-material trucks that cannot enter the park: the demo's
        // "运输受阻：道路施工大型货车进不了园区" shares 原料运输车辆无法进入工业园区
        // and 交通管制 with the wave); at some build instants one falls in the week.
        assert!(planted.iter().all(|p| found.contains(p)), "{e}: planted {planted:?}, found {found:?}");
        let (first, last) =
            (d.members.iter().map(|m| m.submitted_at).min(), d.members.iter().map(|m| m.submitted_at).max());
        let extras: Vec<&zhuqi_store::hot_issues::MemberRow> =
            d.members.iter().filter(|m| !planted.contains(&m.demand_id)).collect();
        assert!(extras.len() <= 1, "{e}: {extras:?}");
        for x in &extras {
            assert!(x.description.contains("车辆无法进入") && x.title.contains("园区"), "{e}: {x:?}");
            assert!(Some(x.submitted_at) > first && Some(x.submitted_at) < last, "{e}: inside the wave's days");
        }
        assert!(d.issue.category_code == "0102" && d.issue.district_count >= 4, "{e}");
        assert_eq!(d.issue.enterprise_count, 11 + extras.len() as i64, "{e}");
        assert!(d.key_terms.iter().any(|k| k.contains("通行")), "{e}: {:?}", d.key_terms);
        // Idempotent on the demo too.
        let again = app.detect_hot_issues().await.unwrap();
        assert!(again.flagged.is_empty() && again.extended.is_empty(), "{e}: {again:?}");
    }
}

#[tokio::test]
async fn the_pages_show_the_wave_and_the_city_admin_sets_the_rule_by_form() {
    use axum::body::Body;
    use axum::http::{header, Request};
    let t = TestApp::new("sqlite").await;
    let (id, _) = flagged_wave(&t).await;
    let page = |tok: String, path: String| {
        let t = &t;
        async move {
            let req = Request::builder()
                .uri(path)
                .header(header::COOKIE, format!("zhuqi_session={tok}"))
                .body(Body::empty())
                .unwrap();
            let (s, h, b) = t.send(req).await;
            (s, h, String::from_utf8_lossy(&b).into_owned())
        }
    };
    let form = |tok: String, csrf: String, path: &'static str, body: String| {
        let t = &t;
        async move {
            let req = Request::builder()
                .method("POST")
                .uri(path)
                .header(header::COOKIE, format!("zhuqi_session={tok}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("_csrf={csrf}&{body}")))
                .unwrap();
            let (s, h, _) = t.send(req).await;
            (s, h.get(header::LOCATION).and_then(|l| l.to_str().ok()).unwrap_or_default().to_string())
        }
    };
    let (coord, _) = t.page_session("coordinator").await;
    let (s, _, html) = page(coord.clone(), "/hot-issues".into()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&format!("data-id=\"{id}\"")) && html.contains("通行证"), "{html}");
    assert!(!html.contains("data-testid=\"hot-settings\""), "only the city admin gets the form");
    let (s, _, html) = page(coord, format!("/hot-issues/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("data-testid=\"do-confirm\"") && html.contains("data-testid=\"do-dismiss\""));
    assert_eq!(html.matches("<li data-id=").count(), 5, "five member demands");

    let (admin, csrf) = t.page_session("admin").await;
    let (s, _, html) = page(admin.clone(), "/hot-issues".into()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("data-testid=\"hot-settings\""));
    // A bad value names the field and changes nothing.
    let (s, loc) = form(
        admin.clone(),
        csrf.clone(),
        "/hot-issues/settings",
        "min_enterprises=1&window_days=7&min_similarity=0.25&min_significance=3".into(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, html) = page(admin.clone(), loc.clone()).await;
    assert!(html.contains("min_enterprises") && html.contains(r#"data-kind="error""#), "{loc}: {html}");
    assert_eq!(t.app.hot_issue_params().await.unwrap(), zhuqi_domain::hot_issues::Params::default());
    let (s, loc) = form(
        admin,
        csrf,
        "/hot-issues/settings",
        "min_enterprises=6&window_days=14&min_similarity=0.4&min_significance=2.5".into(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let p = t.app.hot_issue_params().await.unwrap();
    assert_eq!((p.min_enterprises, p.window_days, p.min_similarity_pct, p.min_significance_pct), (6, 14, 40, 250));
}
