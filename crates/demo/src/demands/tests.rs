use super::*;
use crate::Demo;
use chrono::TimeZone;
use std::sync::{Arc, Mutex};
use zhuqi_app::AppConfig;
use zhuqi_domain::demand::EventKind;
use zhuqi_domain::FixedClock;
use zhuqi_store::demands as store;
use zhuqi_store::demands::{DemandFilter, DemandScope};
use zhuqi_store::Store;

#[test]
fn working_time_adds_and_subtracts_consistently() {
    let cal = WorkCalendar::official();
    // Thursday 2026-11-26 10:00 China time.
    let now = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap().timestamp_millis();
    for m in [0, 1, 30, 119, 120, 121, 449, 450, 451, 2000, 20_000] {
        let back = sub_work(&cal, now, m);
        assert_eq!(add_work(&cal, back, m), now, "{m} minutes");
        assert_eq!(work_between(&cal, back, now), m, "{m} minutes");
    }
    // One working day back from Monday 09:00 is the previous Friday 09:00.
    let monday = chrono::Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap().timestamp_millis();
    assert_eq!(sub_work(&cal, monday, WD), monday - 3 * DAY);
    // The National Day holiday (2026-10-01..07) has no working time.
    let sept30 = chrono::Utc.with_ymd_and_hms(2026, 9, 30, 9, 29, 0).unwrap().timestamp_millis();
    assert_eq!(date_of(add_work(&cal, sept30, 1)).to_string(), "2026-09-30");
    assert_eq!(date_of(add_work(&cal, sept30, 2)).to_string(), "2026-10-08");
    assert_eq!(industry_of("景宁畲族自治县瑞华惠明茶有限公司"), "惠明茶");
    assert_eq!(industry_of("丽水市金华合成革有限公司"), "合成革");
}

async fn built(at: chrono::DateTime<chrono::Utc>) -> (App, std::path::PathBuf, std::time::Duration) {
    let path = std::env::temp_dir().join(format!("zhuqi-demo-demands-{:016x}.db", rand::random::<u64>()));
    let store = Store::open(path.to_str().unwrap()).await.unwrap();
    let app = App::new(store, Arc::new(FixedClock::new(at)), AppConfig::default());
    let stages = Mutex::new(Vec::new());
    let t0 = std::time::Instant::now();
    app.build_demo(&|m: &str| stages.lock().unwrap().push(m.to_string())).await.unwrap();
    let elapsed = t0.elapsed();
    let stages = stages.into_inner().unwrap();
    assert!(stages.iter().any(|s| s.contains(&format!("{DEMO_DEMANDS}/{DEMO_DEMANDS}"))), "{stages:?}");
    assert!(!stages.iter().any(|s| s.contains("truncated")), "{stages:?}");
    eprintln!("{}", stages.last().unwrap());
    (app, path, elapsed)
}

async fn cleanup(app: App, path: std::path::PathBuf) {
    app.store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn demo_demands_cover_every_state_and_replay() {
    let at = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
    let now = at.timestamp_millis();
    let (app, path, elapsed) = built(at).await;
    let mut c = app.store.read().await.unwrap();
    let rows =
        store::all(&mut c, DemandScope::All { confidential: true }, &DemandFilter::default(), 100_000).await.unwrap();
    assert_eq!(rows.len(), DEMO_DEMANDS);

    // Every status (replies are not reviewed in the demo, so none waits for review).
    let statuses: HashMap<&str, usize> = rows.iter().fold(HashMap::new(), |mut m, r| {
        *m.entry(r.status.as_str()).or_default() += 1;
        m
    });
    for s in Status::ALL.iter().filter(|s| **s != Status::UnderReview) {
        assert!(statuses.get(s.as_str()).is_some_and(|n| *n > 0), "no {s:?} demand: {statuses:?}");
    }
    let colours: HashMap<&str, usize> = rows.iter().fold(HashMap::new(), |mut m, r| {
        *m.entry(r.colour.as_str()).or_default() += 1;
        m
    });
    for colour in ["red", "yellow", "blue"] {
        assert!(colours.get(colour).is_some_and(|n| *n > 0), "no {colour} demand: {colours:?}");
    }
    assert!(rows.iter().all(|r| r.submitted_at <= now && r.submitted_at >= now - (HISTORY_DAYS + 1) * DAY));
    let channels: HashSet<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
    assert_eq!(channels.len(), 3, "{channels:?}");

    // Every timeline replays to the stored projection; events = Σ versions.
    let mut events_total = 0i64;
    let mut versions_total = 0i64;
    let mut kinds: HashSet<String> = HashSet::new();
    let mut supervised_open = 0;
    for r in &rows {
        let (json, version) = store::state(&mut c, r.id).await.unwrap().unwrap();
        let stored: DemandState = serde_json::from_str(&json).unwrap();
        let events = store::events(&mut c, r.id).await.unwrap();
        events_total += events.len() as i64;
        versions_total += version;
        assert_eq!(stored.version, version);
        let new = NewDemand {
            enterprise_id: r.enterprise_id,
            district_id: r.district_id,
            category_code: r.category_code.clone(),
            title: r.title.clone(),
            description: r.description.clone(),
            channel: Channel::parse(&r.channel).unwrap(),
            urgency: Urgency::parse(&r.urgency).unwrap(),
            confidential: r.confidential != 0,
        };
        let mut replay = DemandState::new_submitted(
            r.id,
            &new,
            r.submitted_by,
            r.submitted_at,
            stored.limits,
            stored.review_required,
        );
        let mut at = i64::MIN;
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e.seq, i as i64 + 1, "demand {}", r.id);
            assert!(e.at >= at && e.at <= now, "demand {}: events out of order", r.id);
            at = e.at;
            let kind: EventKind = serde_json::from_str(&e.payload).unwrap();
            kinds.insert(kind.name().to_string());
            if matches!(kind, EventKind::Supervised { .. }) && Status::parse(&r.status).unwrap().is_open() {
                supervised_open += 1;
            }
            demand::apply(&mut replay, &Event { at: e.at, actor_id: e.actor_id, kind });
        }
        assert_eq!(replay, stored, "demand {} does not replay", r.id);
        assert_eq!(r.status, stored.status.as_str());
    }
    assert_eq!(events_total, versions_total);
    for k in [
        "objected",
        "transferred",
        "assist_added",
        "interim_replied",
        "reopened",
        "extension_requested",
        "extension_approved",
        "extension_refused",
        "suspended",
        "resumed",
        "info_added",
        "urged",
        "supervised",
        "merged",
        "escalated",
    ] {
        assert!(kinds.contains(k), "no {k} event on any timeline");
    }
    assert!(supervised_open >= 1, "no open demand under supervision");
    let auto_closed = rows.iter().filter(|r| r.status == "closed" && r.rating.is_none()).count();
    assert!(auto_closed >= 5, "{auto_closed} auto-closed");
    let redone = rows.iter().filter(|r| r.status == "closed" && r.redo_count > 0).count();
    assert!(redone >= 5, "{redone} redone and closed");

    // The 物流受限 wave: ≥ 8 enterprises of ≥ 3 districts within 7 days.
    let mut wave: Vec<_> = rows.iter().filter(|r| r.category_code == WAVE_CATEGORY).collect();
    wave.sort_by_key(|r| r.submitted_at);
    let best = wave
        .iter()
        .map(|first| {
            let week: Vec<_> = wave
                .iter()
                .filter(|r| r.submitted_at >= first.submitted_at && r.submitted_at < first.submitted_at + 7 * DAY)
                .collect();
            let ents: HashSet<i64> = week.iter().map(|r| r.enterprise_id).collect();
            let districts: HashSet<i64> = week.iter().map(|r| r.district_id).collect();
            (week.len(), ents.len(), districts.len())
        })
        .max()
        .unwrap();
    assert!(best.0 >= WAVE_DEMANDS && best.1 >= 8 && best.2 >= 3, "wave {best:?}");

    // Old notifications are read, new ones not.
    let handler = users::by_username(&mut c, "handler-transport").await.unwrap().unwrap();
    let unread = store::unread(&mut c, handler.id).await.unwrap();
    let total = store::inbox(&mut c, handler.id, false, Page::default()).await.unwrap().total;
    assert!(unread > 0 && unread < total, "{unread} of {total} unread");
    drop(c);

    // The sweep already ran: running it again changes nothing.
    let again = app.sweep().await.unwrap();
    assert_eq!((again.escalated, again.auto_closed), (0, 0));
    assert!(matches!(app.build_demo_demands(&|_: &str| {}).await, Err(AppError::Conflict(_))));
    eprintln!(
        "demo city with {DEMO_DEMANDS} demands built in {:.1}s; {statuses:?}; {colours:?}",
        elapsed.as_secs_f64()
    );
    cleanup(app, path).await;
}

/// Whenever the demo is built — right after a long holiday, or in a year
/// without official calendar data — every script runs to its end.
#[tokio::test]
async fn demo_demands_look_right_whenever_built() {
    for at in [
        chrono::Utc.with_ymd_and_hms(2026, 10, 9, 1, 0, 0).unwrap(),
        chrono::Utc.with_ymd_and_hms(2027, 2, 15, 12, 0, 0).unwrap(),
    ] {
        let (app, path, _) = built(at).await;
        let mut c = app.store.read().await.unwrap();
        let rows = store::all(&mut c, DemandScope::All { confidential: true }, &DemandFilter::default(), 100_000)
            .await
            .unwrap();
        assert_eq!(rows.len(), DEMO_DEMANDS, "{at}");
        let statuses: HashSet<&str> = rows.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(statuses.len(), Status::ALL.len() - 1, "{at}: {statuses:?}");
        assert!(rows.iter().any(|r| r.colour == "red"), "{at}");
        drop(c);
        cleanup(app, path).await;
    }
}
