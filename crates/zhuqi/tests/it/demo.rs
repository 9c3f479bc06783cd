//! `zhuqi demo --now`: the demo city built on a fixed clock is the same
//! whatever the real time of the build (the real binary, SQLite files).

use std::collections::BTreeMap;

/// Columns holding secrets, random on every build by design: password
/// hashes, session and CSRF tokens, enterprise-code tokens, one-time code hashes.
const SECRET_COLUMNS: [&str; 5] = ["password_hash", "token", "token_hash", "csrf_token", "code_hash"];

/// Builds the demo with `--now` into a fresh SQLite file and returns its path.
fn build(now: &str) -> String {
    let dir =
        std::env::temp_dir().join(format!("zhuqi-demo-now-{}-{:016x}", std::process::id(), rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("demo.db").to_string_lossy().into_owned();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhuqi"))
        .args(["demo", "--db", &db, "--no-serve", "--now", now])
        .env_remove("ZHUQI_DB")
        .env_remove("ZHUQI_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    db
}

/// Every table's rows (secret columns left out), each row as quoted SQL values.
async fn dump(db: &str) -> BTreeMap<String, Vec<String>> {
    use sqlx::{Connection, Row};
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{db}")).await.unwrap();
    let tables: Vec<String> =
        sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name")
            .fetch_all(&mut c)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
    let mut out = BTreeMap::new();
    for t in tables {
        let cols: Vec<String> = sqlx::query(&format!("SELECT name FROM pragma_table_info('{t}') ORDER BY cid"))
            .fetch_all(&mut c)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .filter(|n| !SECRET_COLUMNS.contains(&n.as_str()))
            .collect();
        let expr = cols.iter().map(|n| format!("quote(\"{n}\")")).collect::<Vec<_>>().join(" || '|' || ");
        let rows: Vec<String> = sqlx::query(&format!("SELECT {expr} FROM \"{t}\" ORDER BY 1"))
            .fetch_all(&mut c)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
        out.insert(t, rows);
    }
    out
}

#[tokio::test]
async fn two_demo_builds_with_the_same_now_hold_the_same_data_and_another_now_differs() {
    let now = "2026-11-18T10:00:00+08:00";
    let first = dump(&build(now)).await;
    // A second build, seconds later in real time, on the same --now.
    let second = dump(&build(now)).await;
    assert!(first.get("demands").is_some_and(|d| d.len() >= 576), "the demo has its demands");
    assert!(first.get("visits").is_some_and(|v| !v.is_empty()), "the demo has its visits");
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (table, rows) in &first {
        let other = &second[table];
        assert_eq!(rows.len(), other.len(), "table {table}: row counts differ");
        if let Some((a, b)) = rows.iter().zip(other).find(|(a, b)| a != b) {
            panic!("table {table} differs between two builds at the same --now:\n  {a}\n  {b}");
        }
    }
    // Another instant builds another demo (other timestamps, other deadlines).
    let third = dump(&build("2026-10-09T09:00:00+08:00")).await;
    assert_ne!(first["demands"], third["demands"]);
    assert_ne!(first["meta"], third["meta"]);
}
