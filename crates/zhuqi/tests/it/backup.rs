//! Backup, restore, check (issue 12 item 6) on both engines: a backup taken
//! while demands keep being submitted holds every demand acknowledged before
//! it began, restores into an empty database and passes `check`; a
//! non-empty target is refused with nothing changed unless `--force`;
//! `check` names an edited event row, a missing attachment file and a wrong
//! aggregate; an attachment whose bytes are gone answers "file missing", not
//! 500; and the real binary's `backup` / `restore` / `check`.

use crate::attachments::upload;
use crate::harness::{engines, fresh_db, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use zhuqi_app::backup::{restore, RestoreOptions};
use zhuqi_app::demands::SubmitInput;
use zhuqi_app::{App, AppError, RequestMeta};
use zhuqi_domain::DatabaseUrl;
use zhuqi_store::Store;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zhuqi-backup-{}-{:016x}", std::process::id(), rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn quiet(_: &str) {}

/// A demand of enterprise A1 by officer A, dispatched to the transport department.
async fn dispatched_demand(t: &TestApp) -> i64 {
    let officer = t.token("officer-a").await;
    let (s, d) = t
        .json(
            Method::POST,
            "/api/v1/demands",
            Some(&officer),
            Some(json!({"enterprise_id": t.ids.ent_a1, "category": "0102", "title": "物流受限", "description": "车辆无法进入园区"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    let coord = t.token("coordinator").await;
    let (s, d) = t
        .json(
            Method::POST,
            &format!("/api/v1/demands/{id}/actions/dispatch"),
            Some(&coord),
            Some(json!({"department_id": t.ids.dept_t})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    id
}

/// Removes the bytes of an attachment (its file, or its blob on PostgreSQL).
async fn lose_bytes(t: &TestApp, attachment: i64) {
    let mut c = t.app.store.read().await.unwrap();
    let row = zhuqi_store::attachments::get(&mut c, attachment).await.unwrap().unwrap();
    match t.app.attachment_dir().await.unwrap() {
        Some(dir) => std::fs::remove_file(dir.join(&row.sha256[..2]).join(&row.sha256)).unwrap(),
        None => {
            sqlx::query("DELETE FROM attachment_blobs WHERE sha256 = $1")
                .bind(&row.sha256)
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
}

/// Edits event rows behind the application's back (past the append-only
/// trigger, as a hand on the database could).
async fn tamper_events(app: &App, sql: &str, binds: &[String]) {
    let mut c = app.store.read().await.unwrap();
    let (off, on) = match app.store.engine() {
        zhuqi_store::Engine::Sqlite => ("DROP TRIGGER IF EXISTS demand_events_no_update", None),
        zhuqi_store::Engine::Postgres => (
            "ALTER TABLE demand_events DISABLE TRIGGER demand_events_no_change",
            Some("ALTER TABLE demand_events ENABLE TRIGGER demand_events_no_change"),
        ),
    };
    sqlx::raw_sql(off).execute(&mut *c).await.unwrap();
    let q = binds.iter().fold(sqlx::query(sql), |q, b| q.bind(b.clone()));
    assert!(q.execute(&mut *c).await.unwrap().rows_affected() > 0, "{sql}");
    if let Some(on) = on {
        sqlx::raw_sql(on).execute(&mut *c).await.unwrap();
    }
}

async fn open_app(db: &str, t: &TestApp) -> App {
    App::new(Store::open(db).await.unwrap(), t.clock.clone(), Default::default())
}

async fn count(app: &App, table: &str) -> i64 {
    let mut c = app.store.read().await.unwrap();
    sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut *c).await.unwrap()
}

fn options(from: &std::path::Path, db: &str, force: bool) -> RestoreOptions {
    RestoreOptions { from: from.to_path_buf(), db: DatabaseUrl::new(db), attachments_dir: String::new(), force }
}

#[tokio::test]
async fn a_backup_under_concurrent_writes_holds_every_acknowledged_demand_restores_and_passes_check() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let first = dispatched_demand(&t).await;
        let ent = t.token("ent-a1").await;
        let attachment = upload(&t, &ent, first).await;

        // A writer submits demands through the application all along.
        let officer = t.app.actor_by_username("officer-a").await.unwrap().unwrap();
        let acked = Arc::new(Mutex::new(vec![first]));
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (app, acked, stop, ent) = (t.app.clone(), acked.clone(), stop.clone(), t.ids.ent_a1);
            tokio::spawn(async move {
                let meta = RequestMeta::default();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let input = SubmitInput {
                        enterprise_id: ent,
                        category: "0102".into(),
                        title: format!("用电报装 {n}"),
                        description: "厂房扩建需要增容".into(),
                        urgency: None,
                        confidential: None,
                    };
                    let (row, _) = app.submit_demand(&officer, &input, None, &meta).await.unwrap();
                    acked.lock().unwrap().push(row.id);
                }
                n
            })
        };
        while acked.lock().unwrap().len() < 6 {
            tokio::task::yield_now().await;
        }
        let before: Vec<i64> = acked.lock().unwrap().clone();
        let out = tmp("under-load.zip");
        let r = t.app.backup(&out, &quiet).await.unwrap();
        // Keep writing a little after, then stop.
        let target = acked.lock().unwrap().len() + 3;
        while acked.lock().unwrap().len() < target {
            tokio::task::yield_now().await;
        }
        stop.store(true, Ordering::SeqCst);
        let written = writer.await.unwrap();
        assert!(written >= 8, "{e}: {written}");
        assert_eq!(r.sha256.len(), 64, "{e}");
        assert!(r.counts.demands >= i64::try_from(before.len()).unwrap(), "{e}: {:?}", r.counts);
        assert_eq!(r.counts.attachments, 1, "{e}");
        assert_eq!(r.files, usize::from(e == "sqlite"), "{e}: the files are archived where they are files");

        // Restored into an empty database: every demand acknowledged before the backup began.
        let db = fresh_db(e).await;
        let rr = restore(&options(&out, &db, false), &quiet).await.unwrap();
        assert_eq!(rr.manifest.counts, r.counts, "{e}");
        let restored = open_app(&db, &t).await;
        let mut c = restored.store.read().await.unwrap();
        for id in &before {
            let got = zhuqi_store::demands::state(&mut c, *id).await.unwrap();
            assert!(got.is_some(), "{e}: demand {id} acknowledged before the backup began is missing");
        }
        drop(c);
        assert_eq!(count(&restored, "demands").await, r.counts.demands, "{e}: the manifest counts the copy");
        assert_eq!(count(&restored, "demand_events").await, r.counts.events, "{e}");
        let report = restored.check(&quiet).await.unwrap();
        assert!(report.is_clean(), "{e}: {:?}", report.findings);
        assert_eq!(report.demands as i64, r.counts.demands, "{e}");
        // The attachment's bytes came along.
        let mut c = restored.store.read().await.unwrap();
        let row = zhuqi_store::attachments::get(&mut c, attachment).await.unwrap().unwrap();
        drop(c);
        assert_eq!(restored.attachment_bytes(&row).await.unwrap(), crate::attachments::png(), "{e}");
        restored.store.close().await;
        // And the source itself is consistent after all those writes.
        let report = t.app.check(&quiet).await.unwrap();
        assert!(report.is_clean(), "{e}: {:?}", report.findings);
    }
}

#[tokio::test]
async fn restore_refuses_a_non_empty_database_and_changes_nothing_unless_forced() {
    for e in engines() {
        let src = TestApp::new(e).await;
        dispatched_demand(&src).await;
        dispatched_demand(&src).await;
        let out = tmp("src.zip");
        let r = src.app.backup(&out, &quiet).await.unwrap();
        assert_eq!(r.counts.demands, 2, "{e}");

        // A city with its own data: refused, and nothing changed.
        let other = TestApp::new(e).await;
        let mine = dispatched_demand(&other).await;
        let users = other.count("users").await;
        let err = restore(&options(&out, &other.db, false), &quiet).await.unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)), "{e}: {err}");
        let msg = err.to_string();
        assert!(msg.contains("not empty") && msg.contains("--force") && msg.contains("nothing was changed"), "{msg}");
        assert_eq!(other.count("demands").await, 1, "{e}");
        assert_eq!(other.count("users").await, users, "{e}");
        let mut c = other.app.store.read().await.unwrap();
        let title = zhuqi_store::demands::title(&mut c, mine).await.unwrap();
        assert_eq!(title.as_deref(), Some("物流受限"), "{e}");
        drop(c);

        // A damaged archive is refused before anything is looked at.
        let bad = tmp("damaged.zip");
        let mut bytes = std::fs::read(&out).unwrap();
        let mid = bytes.len() / 3;
        bytes[mid] ^= 0xff;
        std::fs::write(&bad, &bytes).unwrap();
        let err = restore(&options(&bad, &other.db, true), &quiet).await.unwrap_err().to_string();
        assert!(!err.is_empty(), "{e}");
        assert_eq!(other.count("demands").await, 1, "{e}: a damaged archive changes nothing ({err})");

        // Across engines: out of scope, said so.
        if e == "sqlite" {
            let err = restore(&options(&out, "postgres://nobody@127.0.0.1:1/none", false), &quiet)
                .await
                .unwrap_err()
                .to_string();
            assert!(err.contains("across engines"), "{err}");
        }

        // --force replaces it.
        other.app.store.close().await;
        restore(&options(&out, &other.db, true), &quiet).await.unwrap();
        let restored = open_app(&other.db, &other).await;
        assert_eq!(count(&restored, "demands").await, 2, "{e}");
        let report = restored.check(&quiet).await.unwrap();
        assert!(report.is_clean(), "{e}: {:?}", report.findings);
        restored.store.close().await;
    }
}

#[tokio::test]
async fn check_names_an_edited_event_a_missing_file_and_a_wrong_aggregate() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let d = dispatched_demand(&t).await;
        dispatched_demand(&t).await;
        let ent = t.token("ent-a1").await;
        let a = upload(&t, &ent, d).await;
        let clean = t.app.check(&quiet).await.unwrap();
        assert!(clean.is_clean(), "{e}: {:?}", clean.findings);
        assert_eq!((clean.demands, clean.attachments), (2, 1), "{e}");
        assert!(clean.aggregate_rows > 0, "{e}");

        tamper_events(
            &t.app,
            &format!("UPDATE demand_events SET at = at + 3600000 WHERE demand_id = {d} AND seq = 2"),
            &[],
        )
        .await;
        let mut c = t.app.store.read().await.unwrap();
        let col = zhuqi_domain::metrics::COUNTERS[0];
        sqlx::query(&format!("UPDATE metric_day SET {col} = {col} + 7 WHERE day = (SELECT MIN(day) FROM metric_day)"))
            .execute(&mut *c)
            .await
            .unwrap();
        drop(c);
        lose_bytes(&t, a).await;

        let r = t.app.check(&quiet).await.unwrap();
        assert!(!r.is_clean(), "{e}");
        let all = r.findings.join("\n");
        assert!(r.findings.iter().any(|f| f.starts_with(&format!("demand {d}: "))), "{e}: the edited event: {all}");
        assert!(r.findings.iter().any(|f| f.starts_with("aggregate metric_day day=")), "{e}: the aggregate: {all}");
        assert!(
            r.findings.iter().any(|f| f.starts_with(&format!("attachment {a} (")) && f.contains("missing")),
            "{e}: the missing bytes: {all}"
        );
        assert!(!all.contains(&format!("demand {}: ", d + 1)), "{e}: the other demand is fine: {all}");
    }
}

#[tokio::test]
async fn an_attachment_whose_bytes_are_gone_says_file_missing_not_500() {
    for e in engines() {
        let t = TestApp::new(e).await;
        let d = dispatched_demand(&t).await;
        let ent = t.token("ent-a1").await;
        let a = upload(&t, &ent, d).await;
        lose_bytes(&t, a).await;
        let (tok, _) = t.page_session("ent-a1").await;
        let get = |uri: String| {
            Request::get(uri).header(header::COOKIE, format!("zhuqi_session={tok}")).body(Body::empty()).unwrap()
        };
        let (s, _, body) = t.send(get(format!("/attachments/{a}"))).await;
        let body = String::from_utf8_lossy(&body).into_owned();
        assert_eq!(s, StatusCode::GONE, "{e}: {body}");
        assert!(body.contains("文件缺失") && body.contains("file missing"), "{e}: {body}");
        // The API client gets the JSON envelope with its code.
        let req = Request::get(format!("/attachments/{a}"))
            .header(header::AUTHORIZATION, format!("Bearer {ent}"))
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .unwrap();
        let (s, _, _) = t.send(req).await;
        assert_eq!(s, StatusCode::GONE, "{e}");
        // The demand page lists it as missing, without a link.
        let (s, _, page) = t.send(get(format!("/demands/{d}"))).await;
        let page = String::from_utf8(page).unwrap();
        assert_eq!(s, StatusCode::OK, "{e}");
        assert!(page.contains("data-testid=\"file-missing\"") && page.contains("文件缺失"), "{e}: {page}");
        assert!(!page.contains(&format!("href=\"/attachments/{a}\"")), "{e}");
        let r = t.app.check(&quiet).await.unwrap();
        assert_eq!(r.findings.len(), 1, "{e}: {:?}", r.findings);
    }
}

/// The real binary on a real SQLite file: backup prints counts and the
/// archive's checksum; restore refuses a non-empty target; check exits
/// non-zero naming what is wrong, zero when clean.
#[tokio::test]
async fn the_binary_backs_up_restores_and_checks() {
    let t = TestApp::new("sqlite").await;
    dispatched_demand(&t).await;
    let zhuqi = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_zhuqi"))
            .args(args)
            .env_remove("ZHUQI_DB")
            .env_remove("ZHUQI_CONFIG")
            .env("ZHUQI_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = tmp("cli.zip");
    let o = zhuqi(&["backup", "--db", &t.db, "--out", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("counts: 1 demands, 2 events, 0 attachments"), "{stdout}");
    let sha = stdout.lines().find_map(|l| l.strip_prefix("sha256: ")).unwrap();
    assert_eq!(sha, zhuqi_app::backup::sha256_of(&std::fs::read(&out).unwrap()));

    let o = zhuqi(&["check", "--db", &t.db]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));

    let o = zhuqi(&["restore", "--from", out.to_str().unwrap(), "--db", &t.db]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not empty"), "{}", String::from_utf8_lossy(&o.stderr));

    // While a server runs on the file: backup goes on, restore is refused.
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_zhuqi"))
        .args(["serve", "--db", &t.db, "--listen", "127.0.0.1:0"])
        .env_remove("ZHUQI_DB")
        .env_remove("ZHUQI_CONFIG")
        .env("ZHUQI_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(server.stdout.take().unwrap()), &mut line).unwrap();
    assert!(line.starts_with("zhuqi serving at"), "{line}");
    let live = tmp("live.zip");
    let o = zhuqi(&["backup", "--db", &t.db, "--out", live.to_str().unwrap()]);
    let backed_up = o.status.success();
    let o2 = zhuqi(&["restore", "--from", out.to_str().unwrap(), "--db", &t.db, "--force"]);
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(backed_up, "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!o2.status.success());
    let err = String::from_utf8_lossy(&o2.stderr);
    assert!(err.contains("a zhuqi serve is running on") && err.contains(".serve.lock"), "{err}");

    let fresh = tmp("restored.db");
    let o = zhuqi(&["restore", "--from", out.to_str().unwrap(), "--db", fresh.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = zhuqi(&["check", "--db", fresh.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));

    tamper_events(
        &t.app,
        "UPDATE demand_events SET payload = REPLACE(payload, $1, $2) WHERE seq = 2",
        &[format!("\"lead\":{}", t.ids.dept_t), format!("\"lead\":{}", t.ids.dept_t + 1)],
    )
    .await;
    let o = zhuqi(&["check", "--db", &t.db]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "{stdout}");
    assert!(stdout.contains("lead_department_id"), "{stdout}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("check found"), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `serve`'s scheduled run: a timestamped archive in `[backup] dir`, the
/// oldest beyond `keep` deleted, each run audited; a failing run is audited
/// as failed and does not panic.
#[tokio::test]
async fn scheduled_backups_keep_the_newest_and_are_audited() {
    for e in engines() {
        let t = TestApp::new(e).await;
        dispatched_demand(&t).await;
        let dir = tmp("scheduled").parent().unwrap().join("backups");
        let mut made = Vec::new();
        for _ in 0..3 {
            made.push(zhuqi_app::backup::run_once(&t.app, &dir, 2).await.unwrap());
            t.clock.advance(chrono::Duration::hours(6));
        }
        let mut left: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().flatten().map(|d| d.path()).collect();
        left.sort();
        assert_eq!(left, made[1..].to_vec(), "{e}");
        assert!(left[0].file_name().unwrap().to_str().unwrap().starts_with("zhuqi-backup-20261126T"), "{left:?}");
        // A run that cannot write is audited as failed.
        let blocked = dir.join("not-a-dir");
        std::fs::write(&blocked, b"x").unwrap();
        assert!(zhuqi_app::backup::run_once(&t.app, &blocked, 2).await.is_none(), "{e}");
        let mut c = t.app.store.read().await.unwrap();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT outcome, target FROM audit_log WHERE action = 'backup' ORDER BY id")
                .fetch_all(&mut *c)
                .await
                .unwrap();
        assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["ok", "ok", "ok", "failed"], "{e}");
    }
}

/// The demo city (built by the real binary at a fixed instant) passes
/// `check`, and so does its backup restored into an empty database.
#[tokio::test]
async fn the_demo_city_passes_check_before_and_after_a_backup_and_restore() {
    for e in engines() {
        let zhuqi = |args: &[&str]| {
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_zhuqi"))
                .args(args)
                .env_remove("ZHUQI_DB")
                .env_remove("ZHUQI_CONFIG")
                .env("ZHUQI_LOG", "warn")
                .output()
                .unwrap();
            let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
            assert!(o.status.success(), "{e}: zhuqi {args:?}: {text}");
            text
        };
        let db = fresh_db(e).await;
        zhuqi(&["demo", "--db", &db, "--no-serve", "--now", "2026-11-18T10:00:00+08:00"]);
        let text = zhuqi(&["check", "--db", &db]);
        assert!(text.contains("576 demands") && text.contains(": ok"), "{e}: {text}");
        let out = tmp("demo.zip");
        zhuqi(&["backup", "--db", &db, "--out", out.to_str().unwrap()]);
        let restored = fresh_db(e).await;
        zhuqi(&["restore", "--from", out.to_str().unwrap(), "--db", &restored]);
        let text = zhuqi(&["check", "--db", &restored]);
        assert!(text.contains("576 demands") && text.contains(": ok"), "{e}: {text}");
    }
}
