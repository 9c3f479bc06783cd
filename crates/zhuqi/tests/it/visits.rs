//! Visits (走访) through the application layer on both engines: the
//! counting rule across month boundaries and time zones, scope (an officer
//! never records or reads visits of an enterprise not assigned to them), the
//! 24-hour edit window with history, reminders sent once, compliance numbers
//! on a hand-made fixture, door-knock coverage, needs turned into demands.

use crate::harness::{engines, TestApp};
use chrono::{DateTime, Duration, TimeZone, Utc};
use zhuqi_app::visits::{CampaignInput, VisitFilter, VisitInput, VisitMode, VisitRuleUpdate};
use zhuqi_app::{Actor, AppError, RequestMeta};
use zhuqi_demo::Demo;
use zhuqi_domain::visit::{ProductionStatus, VisitRole};
use zhuqi_domain::Clock;
use zhuqi_store::Page;

/// (officer, enterprises, compliant, behind as (enterprise, visits, needed)).
type OfficerTally = (i64, i64, i64, Vec<(i64, u32, u32)>);

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn meta() -> RequestMeta {
    RequestMeta::default()
}

async fn actor(t: &TestApp, username: &str) -> Actor {
    t.app.actor_by_username(username).await.unwrap().unwrap()
}

fn input(enterprise_id: i64, mode: VisitMode, started_at: i64) -> VisitInput {
    VisitInput {
        enterprise_id,
        mode,
        started_at,
        ended_at: Some(started_at + 40 * 60_000),
        roles: vec![VisitRole::Confidence, VisitRole::Policy],
        policy: "研发费用加计扣除".into(),
        needs: String::new(),
        production_status: Some(ProductionStatus::Normal),
        staff_situation: "在岗86人，用工稳定".into(),
        guidance: String::new(),
        investment_leads: String::new(),
        notes: "企业生产经营正常".into(),
        lat: None,
        lon: None,
        accuracy_m: None,
    }
}

/// The fixture's officers have served since the day before the fixture's
/// clock; move the start of every assignment back so earlier months count.
async fn assignments_since(t: &TestApp, at: DateTime<Utc>) {
    let mut tx = t.app.store.begin().await.unwrap();
    sqlx::query("UPDATE assignments SET valid_from = $1").bind(ms(at)).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn record(t: &TestApp, who: &Actor, enterprise_id: i64, mode: VisitMode, at: DateTime<Utc>) -> i64 {
    t.app.record_visit(who, &input(enterprise_id, mode, ms(at)), &meta()).await.unwrap().id
}

async fn reminders_of(t: &TestApp, user_id: i64) -> i64 {
    let mut c = t.app.store.read().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'visit_reminder'")
        .bind(user_id)
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_visit_counts_for_the_month_of_its_china_date_in_any_mode_or_on_site_only() {
    for e in engines() {
        let t = TestApp::new(e).await;
        assignments_since(&t, utc(2026, 1, 1, 0, 0)).await;
        // 2026-06-02 10:00 in China.
        t.clock.set(utc(2026, 6, 2, 2, 0));
        let officer = actor(&t, "officer-a").await;
        let admin = actor(&t, "admin").await;
        let a1 = t.ids.ent_a1;
        // 23:30 on May 31 in China (15:30Z) is May; 00:30 on June 1 (16:30Z) is June.
        let late = input(a1, VisitMode::OnSite, ms(utc(2026, 5, 31, 15, 30)));
        let may_late = t.app.record_visit(&officer, &late, &meta()).await.unwrap();
        assert_eq!(may_late.month, "2026-05", "{e}");
        let june_early =
            t.app.record_visit(&officer, &input(a1, VisitMode::Phone, ms(utc(2026, 5, 31, 16, 30))), &meta()).await;
        assert_eq!(june_early.unwrap().month, "2026-06", "{e}");
        record(&t, &officer, a1, VisitMode::Phone, utc(2026, 5, 20, 2, 0)).await;

        let behind = |r: &zhuqi_app::visits::ComplianceReport| {
            let o = r.officers.iter().find(|o| o.officer_id == t.ids.officer_a).unwrap();
            o.behind.iter().find(|b| b.enterprise_id == a1).map(|b| (b.visits, b.needed))
        };
        // Any mode: May has two visits (compliant), June one.
        let may = t.app.compliance(&admin, "2026-05", &meta()).await.unwrap();
        assert_eq!(behind(&may), None, "{e}");
        let june = t.app.compliance(&admin, "2026-06", &meta()).await.unwrap();
        assert_eq!(behind(&june), Some((1, 1)), "{e}");
        let may_visits = VisitFilter { month: Some("2026-05".into()), ..Default::default() };
        let listed = t.app.visits(&officer, &may_visits, Page::default(), &meta()).await.unwrap();
        assert_eq!(listed.total, 2, "{e}");

        // On-site only: May counts only the 23:30 on-site visit, June nothing.
        let rule = VisitRuleUpdate { min_per_month: 2, on_site_only: true, reminder_day: 20 };
        t.app.set_visit_rule(&admin, &rule, &meta()).await.unwrap();
        let may = t.app.compliance(&admin, "2026-05", &meta()).await.unwrap();
        assert!(may.rule.on_site_only);
        assert_eq!(behind(&may), Some((1, 1)), "{e}");
        let june = t.app.compliance(&admin, "2026-06", &meta()).await.unwrap();
        assert_eq!(behind(&june), Some((0, 2)), "{e}");
        // The officer's "today" uses the same rule.
        let today = t.app.officer_today(&officer).await.unwrap();
        assert_eq!((today[0].enterprise_id, today[0].visits, today[0].needed), (a1, 0, 2), "{e}");
        // Only the city admin sets the rule.
        let district = actor(&t, "district-a").await;
        assert!(matches!(t.app.set_visit_rule(&district, &rule, &meta()).await, Err(AppError::Forbidden(_))));
        let bad = VisitRuleUpdate { min_per_month: 0, ..rule };
        assert!(
            matches!(t.app.set_visit_rule(&admin, &bad, &meta()).await, Err(AppError::Invalid(f)) if f.field == "min_per_month")
        );
        assert!(
            matches!(t.app.compliance(&admin, "2026-5", &meta()).await, Err(AppError::Invalid(f)) if f.field == "month")
        );
    }
}

#[tokio::test]
async fn an_officer_cannot_record_or_read_visits_for_an_enterprise_not_assigned_to_them() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let now = t.clock.now();
        let a = actor(&t, "officer-a").await;
        let a2 = actor(&t, "officer-a2").await;
        let earlier = now - Duration::hours(2);
        // Not assigned to officer A: another officer's, an unassigned one, another district's.
        for ent in [t.ids.ent_a2, t.ids.ent_a3, t.ids.ent_b1] {
            let r = t.app.record_visit(&a, &input(ent, VisitMode::OnSite, ms(earlier)), &meta()).await;
            assert!(matches!(r, Err(AppError::NotFound(_))), "{e}: {ent}: {r:?}");
        }
        // Other roles may not record at all.
        for u in ["admin", "auditor", "coordinator", "district-a", "handler-t", "head-t", "ent-a1"] {
            let who = actor(&t, u).await;
            let r = t.app.record_visit(&who, &input(t.ids.ent_a1, VisitMode::OnSite, ms(earlier)), &meta()).await;
            assert!(matches!(r, Err(AppError::Forbidden(_))), "{e}: {u}: {r:?}");
        }
        let mut c = t.app.store.read().await.unwrap();
        let denied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'record_visit' AND outcome = 'denied'")
                .fetch_one(&mut *c)
                .await
                .unwrap();
        drop(c);
        assert_eq!(denied, 10, "{e}: every refusal is audited");

        let theirs = record(&t, &a2, t.ids.ent_a2, VisitMode::OnSite, earlier).await;
        let mine = record(&t, &a, t.ids.ent_a1, VisitMode::OnSite, earlier).await;
        assert!(matches!(t.app.visit(&a, theirs, &meta()).await, Err(AppError::NotFound(_))), "{e}");
        let f = VisitFilter { enterprise_id: Some(t.ids.ent_a2), ..Default::default() };
        assert!(matches!(t.app.visits(&a, &f, Page::default(), &meta()).await, Err(AppError::NotFound(_))), "{e}");
        let all = t.app.visits(&a, &VisitFilter::default(), Page::default(), &meta()).await.unwrap();
        assert_eq!(all.items.iter().map(|v| v.id).collect::<Vec<_>>(), [mine], "{e}");

        // Who else reads what.
        let reads = |u: &'static str, id: i64| {
            let t = &t;
            async move {
                let who = actor(t, u).await;
                match t.app.visit(&who, id, &meta()).await {
                    Ok(_) => "ok",
                    Err(AppError::NotFound(_)) => "404",
                    Err(AppError::Forbidden(_)) => "403",
                    Err(other) => panic!("{u}: {other}"),
                }
            }
        };
        assert_eq!(reads("district-a", theirs).await, "ok");
        assert_eq!(reads("district-b", theirs).await, "404");
        assert_eq!(reads("auditor", theirs).await, "ok");
        assert_eq!(reads("ent-a1", theirs).await, "404", "{e}: another enterprise's visit");
        assert_eq!(reads("ent-a1", mine).await, "ok", "{e}: a visit to its own enterprise");
        assert_eq!(reads("head-t", mine).await, "ok", "{e}: officer A was sent by the transport department");
        assert_eq!(reads("head-t", theirs).await, "404", "{e}: officer A2 was sent by finance");
        assert_eq!(reads("handler-t", mine).await, "403");

        // Once ent_a2 moves to officer A, its former officer can neither read nor record there.
        let admin = actor(&t, "admin").await;
        t.app.assign(&admin, t.ids.ent_a2, t.ids.officer_a, "调整", &meta()).await.unwrap();
        assert!(matches!(t.app.visit(&a2, theirs, &meta()).await, Err(AppError::NotFound(_))), "{e}");
        let r = t.app.record_visit(&a2, &input(t.ids.ent_a2, VisitMode::Phone, ms(earlier)), &meta()).await;
        assert!(matches!(r, Err(AppError::NotFound(_))), "{e}");
        record(&t, &a, t.ids.ent_a2, VisitMode::Phone, earlier).await;
    }
}

#[tokio::test]
async fn a_visit_is_editable_by_its_author_for_24_hours_and_every_edit_is_kept() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let a = actor(&t, "officer-a").await;
        let start = ms(t.clock.now() - Duration::hours(1));
        let mut first = input(t.ids.ent_a1, VisitMode::OnSite, start);
        first.lat = Some(28.451_734);
        first.lon = Some(119.922_915);
        first.accuracy_m = Some(12.5);
        let v = t.app.record_visit(&a, &first, &meta()).await.unwrap();
        assert_eq!((v.version, v.lat, v.lon, v.accuracy_m), (1, Some(28.451_734), Some(119.922_915), Some(12.5)));
        assert_eq!(v.roles, "confidence,policy");
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["roles"], serde_json::json!(["confidence", "policy"]), "{e}");

        t.clock.advance(Duration::hours(23));
        let mut second = first.clone();
        second.notes = "补充：企业计划扩产".into();
        second.mode = VisitMode::Video;
        second.lat = None;
        second.lon = None;
        second.accuracy_m = None;
        let v2 = t.app.edit_visit(&a, v.id, &second, Some(1), &meta()).await.unwrap();
        assert_eq!((v2.version, v2.notes.as_str(), v2.mode.as_str(), v2.lat), (2, "补充：企业计划扩产", "video", None));
        // A stale version is a conflict.
        let r = t.app.edit_visit(&a, v.id, &first, Some(1), &meta()).await;
        assert!(matches!(r, Err(AppError::Conflict(_))), "{e}: {r:?}");
        // Another officer cannot see it; other roles may not edit.
        let a2 = actor(&t, "officer-a2").await;
        assert!(matches!(t.app.edit_visit(&a2, v.id, &second, None, &meta()).await, Err(AppError::NotFound(_))));
        let admin = actor(&t, "admin").await;
        assert!(matches!(t.app.edit_visit(&admin, v.id, &second, None, &meta()).await, Err(AppError::Forbidden(_))));
        // The enterprise stays.
        let mut moved = second.clone();
        moved.enterprise_id = t.ids.ent_a2;
        let r = t.app.edit_visit(&a, v.id, &moved, Some(2), &meta()).await;
        assert!(matches!(r, Err(AppError::Invalid(ref f)) if f.field == "enterprise_id"), "{r:?}");

        let d = t.app.visit(&a, v.id, &meta()).await.unwrap();
        assert!(d.editable);
        assert_eq!(d.edits.len(), 1, "{e}");
        assert_eq!(d.edits[0].version, 1);
        assert_eq!(d.edits[0].before["notes"], "企业生产经营正常");
        assert_eq!(d.edits[0].before["lat"], 28.451_734);
        assert_eq!(d.edits[0].before["mode"], "on_site");

        // 24 hours after recording the visit is closed, with a clear message.
        t.clock.advance(Duration::hours(1) + Duration::minutes(1));
        let r = t.app.edit_visit(&a, v.id, &first, Some(2), &meta()).await;
        match r {
            Err(AppError::Forbidden(m)) => assert!(m.contains("24"), "{m}"),
            other => panic!("{e}: {other:?}"),
        }
        let d = t.app.visit(&a, v.id, &meta()).await.unwrap();
        assert!(!d.editable);
        assert_eq!((d.row.version, d.edits.len()), (2, 1));

        // The history cannot be rewritten, on either engine.
        let mut tx = t.app.store.begin().await.unwrap();
        let r = sqlx::query("UPDATE visit_edits SET before = '{}'").execute(&mut *tx).await;
        assert!(r.is_err(), "{e}: visit_edits is append-only");
    }
}

#[tokio::test]
async fn the_reminder_job_run_twice_sends_nothing_twice() {
    for e in engines() {
        let t = TestApp::new(e).await;
        // 2026-11-26: on or after the default reminder day (20).
        let a = actor(&t, "officer-a").await;
        let now = t.clock.now();
        record(&t, &a, t.ids.ent_a1, VisitMode::OnSite, now - Duration::hours(3)).await;
        record(&t, &a, t.ids.ent_a1, VisitMode::Phone, now - Duration::hours(1)).await;
        // Officer A is compliant; A2 and B are behind.
        assert_eq!(t.app.send_visit_reminders(ms(now)).await.unwrap(), 2, "{e}");
        assert_eq!(t.app.send_visit_reminders(ms(now)).await.unwrap(), 0, "{e}");
        assert_eq!(t.app.send_visit_reminders(ms(now + Duration::days(2))).await.unwrap(), 0, "{e}");
        assert_eq!(reminders_of(&t, t.ids.officer_a).await, 0);
        assert_eq!(reminders_of(&t, t.ids.officer_a2).await, 1);
        assert_eq!(reminders_of(&t, t.ids.officer_b).await, 1);
        let a2 = actor(&t, "officer-a2").await;
        let inbox = t.app.notifications(&a2, true, Page::default()).await.unwrap();
        assert!(inbox.items[0].title.contains("走访提醒"), "{}", inbox.items[0].title);
        assert!(inbox.items[0].body.contains("丽水市乙合成革有限公司"), "{}", inbox.items[0].body);

        // December 5th is before the reminder day: nothing; with the day set to 1, everyone behind once.
        let dec5 = utc(2026, 12, 5, 2, 0);
        t.clock.set(dec5);
        assert_eq!(t.app.send_visit_reminders(ms(dec5)).await.unwrap(), 0, "{e}");
        let admin = actor(&t, "admin").await;
        let rule = VisitRuleUpdate { min_per_month: 2, on_site_only: false, reminder_day: 1 };
        t.app.set_visit_rule(&admin, &rule, &meta()).await.unwrap();
        assert_eq!(t.app.send_visit_reminders(ms(dec5)).await.unwrap(), 3, "{e}");
        assert_eq!(t.app.send_visit_reminders(ms(dec5)).await.unwrap(), 0, "{e}");
        assert_eq!(reminders_of(&t, t.ids.officer_a).await, 1);
        assert_eq!(reminders_of(&t, t.ids.officer_a2).await, 2);
    }
}

#[tokio::test]
async fn compliance_per_district_and_officer_matches_a_hand_made_fixture() {
    for e in engines() {
        let t = TestApp::new(e).await;
        assignments_since(&t, utc(2026, 1, 1, 0, 0)).await;
        let (a, a2, b) = (actor(&t, "officer-a").await, actor(&t, "officer-a2").await, actor(&t, "officer-b").await);
        let admin = actor(&t, "admin").await;
        let ids = t.ids;
        // October: A1 twice (on site + phone), A2 once on site, B1 three video calls.
        record(&t, &a, ids.ent_a1, VisitMode::OnSite, utc(2026, 10, 9, 2, 0)).await;
        record(&t, &a, ids.ent_a1, VisitMode::Phone, utc(2026, 10, 20, 6, 0)).await;
        record(&t, &a2, ids.ent_a2, VisitMode::OnSite, utc(2026, 10, 15, 2, 0)).await;
        for d in [5, 12, 19] {
            record(&t, &b, ids.ent_b1, VisitMode::Video, utc(2026, 10, d, 7, 0)).await;
        }
        // November so far: A2 twice by phone.
        record(&t, &a2, ids.ent_a2, VisitMode::Phone, utc(2026, 11, 3, 2, 0)).await;
        record(&t, &a2, ids.ent_a2, VisitMode::Phone, utc(2026, 11, 17, 2, 0)).await;

        let r = t.app.compliance(&admin, "2026-10", &meta()).await.unwrap();
        let d: Vec<(&str, u32, i64, i64, f64)> = r
            .districts
            .iter()
            .map(|d| (d.name.as_str(), d.min_per_month, d.enterprises, d.compliant, d.rate))
            .collect();
        // District A: A1 and A2 served (A3 has no officer), A1 compliant.
        assert_eq!(d, [("莲都区", 2, 2, 1, 0.5), ("青田县", 2, 1, 1, 1.0)], "{e}");
        let o: Vec<OfficerTally> = r
            .officers
            .iter()
            .map(|o| {
                (
                    o.officer_id,
                    o.enterprises,
                    o.compliant,
                    o.behind.iter().map(|b| (b.enterprise_id, b.visits, b.needed)).collect(),
                )
            })
            .collect();
        assert_eq!(
            o,
            [
                (ids.officer_a, 1, 1, vec![]),
                (ids.officer_a2, 1, 0, vec![(ids.ent_a2, 1, 1)]),
                (ids.officer_b, 1, 1, vec![])
            ],
            "{e}"
        );

        // A district asking for four visits; then on-site only.
        t.app.set_district_visit_min(&admin, ids.district_b, Some(4), &meta()).await.unwrap();
        let r = t.app.compliance(&admin, "2026-10", &meta()).await.unwrap();
        assert_eq!((r.districts[1].min_per_month, r.districts[1].compliant), (4, 0), "{e}");
        assert_eq!(r.officers[2].behind[0].needed, 1);
        let settings = t.app.visit_rule_settings().await.unwrap();
        assert_eq!(settings.overrides.len(), 1);
        assert_eq!(t.app.visit_rule(Some(ids.district_b)).await.unwrap().min_per_month, 4);
        t.app.set_district_visit_min(&admin, ids.district_b, None, &meta()).await.unwrap();
        assert_eq!(t.app.visit_rule(Some(ids.district_b)).await.unwrap().min_per_month, 2);
        let r = t.app.set_district_visit_min(&admin, ids.township_a, Some(3), &meta()).await;
        assert!(matches!(r, Err(AppError::Invalid(f)) if f.field == "district_id"));

        // Scope: a district admin sees their district, an officer themself, a department head their officers.
        let r = t.app.compliance(&actor(&t, "district-a").await, "2026-10", &meta()).await.unwrap();
        assert_eq!(r.districts.iter().map(|d| d.district_id).collect::<Vec<_>>(), [ids.district_a]);
        assert_eq!(r.officers.iter().map(|o| o.officer_id).collect::<Vec<_>>(), [ids.officer_a, ids.officer_a2]);
        let r = t.app.compliance(&a2, "2026-10", &meta()).await.unwrap();
        assert!(r.districts.is_empty());
        assert_eq!(r.officers.iter().map(|o| o.officer_id).collect::<Vec<_>>(), [ids.officer_a2]);
        let r = t.app.compliance(&actor(&t, "head-t").await, "2026-10", &meta()).await.unwrap();
        assert_eq!(r.officers.iter().map(|o| o.officer_id).collect::<Vec<_>>(), [ids.officer_a]);
        for u in ["ent-a1", "handler-t"] {
            let r = t.app.compliance(&actor(&t, u).await, "2026-10", &meta()).await;
            assert!(matches!(r, Err(AppError::Forbidden(_))), "{u}");
        }

        // Month by month for the chart.
        let s = t.app.compliance_by_month(&admin, "2026-09", "2026-11", &meta()).await.unwrap();
        assert_eq!(s.months, ["2026-09", "2026-10", "2026-11"]);
        let rates: Vec<Vec<(i64, i64)>> =
            s.districts.iter().map(|d| d.points.iter().map(|p| (p.compliant, p.enterprises)).collect()).collect();
        assert_eq!(rates, [vec![(0, 2), (1, 2), (1, 2)], vec![(0, 1), (1, 1), (0, 1)]], "{e}");
        let r = t.app.compliance_by_month(&a, "2026-09", "2026-11", &meta()).await;
        assert!(matches!(r, Err(AppError::Forbidden(_))));
        let r = t.app.compliance_by_month(&admin, "2026-11", "2026-09", &meta()).await;
        assert!(matches!(r, Err(AppError::Invalid(f)) if f.field == "to"));

        // This month (2026-11-26): who is behind, with five days left.
        let behind = t.app.behind_this_month(&actor(&t, "district-a").await, &meta()).await.unwrap();
        assert_eq!((behind.month.as_str(), behind.days_left), ("2026-11", 5));
        let rows: Vec<(i64, i64, u32, u32)> =
            behind.rows.iter().map(|r| (r.officer_id, r.enterprise_id, r.visits, r.needed)).collect();
        assert_eq!(rows, [(ids.officer_a, ids.ent_a1, 0, 2)], "{e}");

        // Officer A's today: the never-visited enterprise first, then the one visited longest ago.
        t.app.assign(&admin, ids.ent_a3, ids.officer_a, "新增", &meta()).await.unwrap();
        let today = t.app.officer_today(&a).await.unwrap();
        assert_eq!(today.iter().map(|r| r.enterprise_id).collect::<Vec<_>>(), [ids.ent_a3, ids.ent_a1], "{e}");
        assert_eq!(today[0].last_visit_at, None);
        assert_eq!(today[1].last_mode.as_deref(), Some("phone"));
        record(&t, &a, ids.ent_a3, VisitMode::OnSite, t.clock.now() - Duration::hours(1)).await;
        let today = t.app.officer_today(&a).await.unwrap();
        assert_eq!(
            today.iter().map(|r| (r.enterprise_id, r.needed)).collect::<Vec<_>>(),
            [(ids.ent_a1, 2), (ids.ent_a3, 1)]
        );
    }
}

#[tokio::test]
async fn a_door_knock_campaign_reports_on_site_coverage_per_township() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let ids = t.ids;
        let (a, a2, b) = (actor(&t, "officer-a").await, actor(&t, "officer-a2").await, actor(&t, "officer-b").await);
        let admin = actor(&t, "admin").await;
        let now = t.clock.now();
        record(&t, &a, ids.ent_a1, VisitMode::OnSite, now - Duration::hours(2)).await;
        record(&t, &a2, ids.ent_a2, VisitMode::Phone, now - Duration::hours(2)).await;
        record(&t, &b, ids.ent_b1, VisitMode::OnSite, now - Duration::days(20)).await;
        let input = CampaignInput {
            name: "2026年敲门走访".into(),
            district_id: None,
            starts_on: "2026-11-20".into(),
            ends_on: "2026-11-30".into(),
        };
        let c = t.app.create_campaign(&admin, &input, &meta()).await.unwrap();
        let cov = t.app.campaign_coverage(&admin, c.id, &meta()).await.unwrap();
        assert!(!cov.finished);
        let rows: Vec<(&str, i64, i64)> =
            cov.townships.iter().map(|r| (r.township_name.as_str(), r.enterprises, r.visited_on_site)).collect();
        // A phone call does not count; B1's visit was before the window; B1 has no township.
        assert_eq!(rows, [("碧湖镇", 3, 1), ("青田县", 1, 0)], "{e}");
        assert_eq!((cov.enterprises, cov.visited_on_site), (4, 1));
        let district_a = actor(&t, "district-a").await;
        let cov = t.app.campaign_coverage(&district_a, c.id, &meta()).await.unwrap();
        assert_eq!(cov.townships.len(), 1);
        let cov = t.app.campaign_coverage(&a, c.id, &meta()).await.unwrap();
        assert_eq!((cov.enterprises, cov.visited_on_site), (1, 1), "{e}: an officer sees their enterprises");

        // A district admin runs campaigns for their own district only.
        let own = CampaignInput { district_id: None, ..input.clone() };
        let c2 = t.app.create_campaign(&district_a, &own, &meta()).await.unwrap();
        assert_eq!(c2.district_id, Some(ids.district_a));
        let other = CampaignInput { district_id: Some(ids.district_b), ..input.clone() };
        assert!(matches!(t.app.create_campaign(&district_a, &other, &meta()).await, Err(AppError::Forbidden(_))));
        let district_b = actor(&t, "district-b").await;
        assert!(matches!(t.app.campaign_coverage(&district_b, c2.id, &meta()).await, Err(AppError::NotFound(_))));
        assert_eq!(t.app.campaigns(&district_b, &meta()).await.unwrap().len(), 1, "{e}: the city-wide one");
        assert_eq!(t.app.campaigns(&admin, &meta()).await.unwrap().len(), 2);
        let bad = CampaignInput { ends_on: "2026-11-01".into(), ..input.clone() };
        assert!(
            matches!(t.app.create_campaign(&admin, &bad, &meta()).await, Err(AppError::Invalid(f)) if f.field == "ends_on")
        );
        assert!(matches!(t.app.create_campaign(&a, &input, &meta()).await, Err(AppError::Forbidden(_))));

        // After the window the campaign is finished.
        t.clock.set(utc(2026, 12, 1, 2, 0));
        assert!(t.app.campaign_coverage(&admin, c.id, &meta()).await.unwrap().finished);
    }
}

#[tokio::test]
async fn a_need_found_on_a_visit_becomes_a_demand_linked_both_ways() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let a = actor(&t, "officer-a").await;
        let mut v = input(t.ids.ent_a1, VisitMode::OnSite, ms(t.clock.now() - Duration::hours(1)));
        v.roles.push(VisitRole::Difficulty);
        v.needs = "原料运输车辆无法进入园区".into();
        let visit = t.app.record_visit(&a, &v, &meta()).await.unwrap();
        let (title, desc) = ("物流受限：原料运输车辆无法进入园区", "原料运输车辆无法进入园区，需办理通行证。");
        let d = t.app.visit_need_to_demand(&a, visit.id, "0102", title, desc, &meta()).await.unwrap();
        assert_eq!((d.enterprise_id, d.channel.as_str(), d.status.as_str()), (t.ids.ent_a1, "officer", "submitted"));
        // A retry of the same need returns the same demand.
        let again = t.app.visit_need_to_demand(&a, visit.id, "0102", title, desc, &meta()).await.unwrap();
        assert_eq!(again.id, d.id, "{e}");
        // Visit → demand.
        let detail = t.app.visit(&a, visit.id, &meta()).await.unwrap();
        assert_eq!(detail.demand_ids, [d.id], "{e}");
        // Demand → visit, for the officer and for the coordinator handling it.
        let back = t.app.demand_visits(&a, d.id, &meta()).await.unwrap();
        assert_eq!(back.iter().map(|v| v.id).collect::<Vec<_>>(), [visit.id], "{e}");
        let coord = actor(&t, "coordinator").await;
        assert_eq!(t.app.demand_visits(&coord, d.id, &meta()).await.unwrap().len(), 1);
        let b = actor(&t, "officer-b").await;
        assert!(matches!(t.app.demand_visits(&b, d.id, &meta()).await, Err(AppError::NotFound(_))));
        // Only the author turns the visit's needs into demands.
        let a2 = actor(&t, "officer-a2").await;
        let r = t.app.visit_need_to_demand(&a2, visit.id, "0102", title, desc, &meta()).await;
        assert!(matches!(r, Err(AppError::NotFound(_))), "{e}");
        let r = t.app.visit_need_to_demand(&coord, visit.id, "0102", title, desc, &meta()).await;
        assert!(matches!(r, Err(AppError::Forbidden(_))), "{e}");
        // A bad category is a field error and links nothing.
        let r = t.app.visit_need_to_demand(&a, visit.id, "8888", title, "另一个需求", &meta()).await;
        assert!(matches!(r, Err(AppError::Invalid(ref f)) if f.field == "category"), "{r:?}");
        assert_eq!(t.count("visit_demands").await, 1);
    }
}

#[tokio::test]
async fn a_visit_input_breaking_a_rule_names_the_field() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let a = actor(&t, "officer-a").await;
        let now = ms(t.clock.now());
        let mut v = input(t.ids.ent_a1, VisitMode::OnSite, now);
        v.roles.clear();
        let r = t.app.record_visit(&a, &v, &meta()).await;
        assert!(matches!(r, Err(AppError::Invalid(ref f)) if f.field == "roles"), "{e}: {r:?}");
        let v = input(t.ids.ent_a1, VisitMode::OnSite, now + 3_600_000);
        let r = t.app.record_visit(&a, &v, &meta()).await;
        assert!(matches!(r, Err(AppError::Invalid(ref f)) if f.field == "started_at"), "{e}: {r:?}");
        // A late record within the window is accepted (and counts for its own month).
        let v = input(t.ids.ent_a1, VisitMode::Phone, ms(utc(2026, 10, 1, 2, 0)));
        assert_eq!(t.app.record_visit(&a, &v, &meta()).await.unwrap().month, "2026-10");
        assert_eq!(t.count("visits").await, 1);
    }
}

#[tokio::test]
async fn locations_with_and_without_coordinates_round_trip_on_both_engines() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let a = actor(&t, "officer-a").await;
        let start = ms(t.clock.now() - Duration::hours(3));
        // Absent first, then present, through the same cached statements.
        let mut v = input(t.ids.ent_a1, VisitMode::Phone, start);
        let first = t.app.record_visit(&a, &v, &meta()).await.unwrap();
        assert_eq!((first.lat, first.lon, first.accuracy_m), (None, None, None), "{e}");
        v.mode = VisitMode::OnSite;
        (v.lat, v.lon, v.accuracy_m) = (Some(27.619_012), Some(-119.062_7), Some(14.999_000_549));
        let second = t.app.record_visit(&a, &v, &meta()).await.unwrap();
        assert_eq!(
            (second.lat, second.lon, second.accuracy_m),
            (Some(27.619_012), Some(-119.062_7), Some(15.0)),
            "{e}"
        );
        let edited = t.app.edit_visit(&a, first.id, &v, Some(1), &meta()).await.unwrap();
        assert_eq!(edited.lat, Some(27.619_012), "{e}");
        (v.lat, v.lon, v.accuracy_m) = (None, None, None);
        let edited = t.app.edit_visit(&a, second.id, &v, Some(1), &meta()).await.unwrap();
        assert_eq!(edited.lat, None, "{e}");

        // The bulk load mixes both in statements of 200 rows.
        let rows: Vec<zhuqi_store::visits::NewVisit> = (0..450)
            .map(|i| zhuqi_store::visits::NewVisit {
                officer_id: t.ids.officer_a,
                enterprise_id: t.ids.ent_a1,
                district_id: t.ids.district_a,
                started_at: start - i64::from(i) * 60_000,
                ended_at: (i % 3 == 0).then_some(start),
                month: "2026-11".into(),
                mode: "on_site".into(),
                roles: "confidence".into(),
                policy: String::new(),
                needs: String::new(),
                production_status: (i % 2 == 0).then(|| "normal".to_string()),
                staff_situation: String::new(),
                guidance: String::new(),
                investment_leads: String::new(),
                notes: format!("批量{i}"),
                lat: (i % 7 != 0).then_some(28.0 + f64::from(i) / 1000.0),
                lon: (i % 7 != 0).then_some(119.5),
                accuracy_m: (i % 5 != 0).then_some(10.0),
                created_at: start,
            })
            .collect();
        let mut tx = t.app.store.begin().await.unwrap();
        zhuqi_store::visits::insert_many(&mut tx, &rows).await.unwrap();
        tx.commit().await.unwrap();
        let admin = actor(&t, "admin").await;
        let f = VisitFilter { month: Some("2026-11".into()), ..Default::default() };
        let listed = t.app.visits(&admin, &f, Page::new(Some(1), Some(500)), &meta()).await.unwrap();
        assert_eq!(listed.total, 452, "{e}");
        let with_location = listed.items.iter().filter(|v| v.lat.is_some()).count();
        assert_eq!(with_location, 450 - 65 + 1, "{e}");
    }
}

#[tokio::test]
async fn the_demo_city_has_realistic_compliance_one_district_behind_and_a_completed_door_knock() {
    for e in engines() {
        let db = crate::harness::fresh_db(e).await;
        let store = zhuqi_store::Store::open(&db).await.unwrap();
        let clock = std::sync::Arc::new(zhuqi_domain::FixedClock::new(utc(2026, 11, 26, 2, 0)));
        let app = zhuqi_app::App::new(store, clock, zhuqi_app::AppConfig::default());
        app.build_demo(&|_: &str| {}).await.unwrap();
        let admin = app.actor_by_username("admin").await.unwrap().unwrap();

        // Past months: 庆元县 clearly behind, every other district mostly compliant.
        for month in ["2026-08", "2026-09", "2026-10"] {
            let r = app.compliance(&admin, month, &meta()).await.unwrap();
            assert_eq!(r.districts.iter().map(|d| d.enterprises).sum::<i64>(), 1254, "{e} {month}");
            for d in &r.districts {
                if d.name == "庆元县" {
                    assert!((0.35..0.65).contains(&d.rate), "{e} {month}: {} {}", d.name, d.rate);
                } else {
                    assert!(d.rate > 0.8, "{e} {month}: {} {}", d.name, d.rate);
                }
            }
            let behind = r.officers.iter().filter(|o| !o.behind.is_empty()).count();
            assert!(behind * 100 / r.officers.len() < 25, "{e} {month}: most officers comply ({behind})");
        }
        // The month under way is partly done.
        let now = app.compliance(&admin, "2026-11", &meta()).await.unwrap();
        let rate = now.districts.iter().map(|d| d.compliant).sum::<i64>() as f64 / 1254.0;
        assert!((0.4..0.95).contains(&rate), "{e}: {rate}");
        let district = app.actor_by_username("district-qingyuan").await.unwrap().unwrap();
        let behind = app.behind_this_month(&district, &meta()).await.unwrap();
        assert!(!behind.rows.is_empty() && behind.days_left == 5, "{e}");

        // The door-knock campaign reached every enterprise on site.
        let campaigns = app.campaigns(&admin, &meta()).await.unwrap();
        assert_eq!(campaigns.len(), 1);
        assert_eq!(campaigns[0].name, "2026年敲门走访");
        let cov = app.campaign_coverage(&admin, campaigns[0].id, &meta()).await.unwrap();
        assert!(cov.finished, "{e}");
        assert_eq!((cov.enterprises, cov.visited_on_site), (1254, 1254), "{e}");

        // Visits are in working hours on working days, never in the future; some needs became demands.
        let mut c = app.store.read().await.unwrap();
        let (n, linked): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), (SELECT COUNT(*) FROM visit_demands) FROM visits WHERE started_at <= $1")
                .bind(ms(utc(2026, 11, 26, 2, 0)))
                .fetch_one(&mut *c)
                .await
                .unwrap();
        drop(c);
        assert_eq!(n as usize, app.visits_all(&admin, &VisitFilter::default(), &meta()).await.unwrap().len());
        assert!(n > 9000 && linked > 100, "{e}: {n} visits, {linked} linked");
        let all = app.visits_all(&admin, &VisitFilter::default(), &meta()).await.unwrap();
        let cal = app.work_calendar().await.unwrap();
        for v in &all {
            let local = zhuqi_domain::clock::from_ms(v.started_at).with_timezone(&zhuqi_domain::clock::china_offset());
            let minute = chrono::Timelike::hour(&local) * 60 + chrono::Timelike::minute(&local);
            assert!((8 * 60 + 30..=17 * 60 + 30).contains(&minute), "{e}: visit {} at {local}", v.id);
            assert!(cal.is_working_day(local.date_naive()), "{e}: visit {} on {local}", v.id);
        }
        let on_site = all.iter().filter(|v| v.mode == "on_site").count();
        assert!(on_site * 100 / all.len() > 70, "{e}: mostly on site");
        // A demand that came from a visit points back to it.
        let mut c = app.store.read().await.unwrap();
        let (visit_id, demand_id): (i64, i64) =
            sqlx::query_as("SELECT visit_id, demand_id FROM visit_demands ORDER BY visit_id LIMIT 1")
                .fetch_one(&mut *c)
                .await
                .unwrap();
        drop(c);
        let back = app.demand_visits(&admin, demand_id, &meta()).await.unwrap();
        assert_eq!(back.iter().map(|v| v.id).collect::<Vec<_>>(), [visit_id], "{e}");
        // Officers behind were reminded once.
        assert_eq!(app.send_visit_reminders(ms(utc(2026, 11, 26, 2, 0))).await.unwrap(), 0, "{e}");
        assert!(matches!(app.build_demo_visits(&|_: &str| {}).await, Err(AppError::Conflict(_))));
        app.store.close().await;
    }
}
