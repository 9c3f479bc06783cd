//! `zhuqi init`: a city from zero with the real binary, on both engines —
//! the region tree, the departments, the catalogue and one city admin with
//! a one-time password printed once; a second init refused with nothing
//! changed; bad codes and bad division files named; a city from its own
//! divisions file and an extra zone.

use crate::harness::{engines, fresh_db};
use std::process::{Command, Output};
use zhuqi_store::Store;

fn zhuqi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhuqi"))
        .args(args)
        .env_remove("ZHUQI_DB")
        .env_remove("ZHUQI_CONFIG")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The printed one-time password: the value of the `password: ` line.
pub fn printed_password(stdout: &str) -> String {
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("password: ")).collect();
    assert_eq!(lines.len(), 1, "exactly one password line: {stdout}");
    lines[0].trim_start_matches("password: ").trim().to_string()
}

async fn scalar(db: &str, sql: &str) -> i64 {
    let store = Store::connect(db).await.unwrap();
    let mut c = store.read().await.unwrap();
    let n = sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut *c).await.unwrap();
    drop(c);
    store.close().await;
    n
}

async fn region_rows(db: &str) -> Vec<(String, String, String, String, i64, String)> {
    let store = Store::connect(db).await.unwrap();
    let mut c = store.read().await.unwrap();
    let rows = sqlx::query_as::<_, (String, String, String, String, i64, String)>(
        "SELECT r.level, r.code, r.name, r.kind, r.sort_order, COALESCE(p.code, '') FROM regions r \
         LEFT JOIN regions p ON p.id = r.parent_id ORDER BY r.id",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    drop(c);
    store.close().await;
    rows
}

#[tokio::test]
async fn init_creates_a_city_once_with_a_one_time_admin_password() {
    for engine in engines() {
        let db = fresh_db(engine).await;
        let out = zhuqi(&["init", "--db", &db, "--city", "331100", "--admin", "admin"]);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{engine}: {stdout} {}", text(&out.stderr));
        let password = printed_password(&stdout);
        assert!(password.len() >= 12, "{password}");
        assert!(stdout.contains("10 districts, 174 townships, 21 departments"), "{stdout}");

        let rows = region_rows(&db).await;
        assert_eq!(rows.len(), 1 + 10 + 174, "{engine}");
        assert_eq!(rows[0], ("city".into(), "331100".into(), "丽水市".into(), String::new(), 0, String::new()));
        let districts: Vec<&str> = rows.iter().filter(|r| r.0 == "district").map(|r| r.2.as_str()).collect();
        assert_eq!(districts[..2], ["莲都区", "龙泉市"]);
        assert_eq!(districts.last(), Some(&"丽水经济技术开发区"));
        assert!(rows.iter().any(|r| r.1 == "331102008KFQ" && r.5 == "331100KFQ"));
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM departments").await, 21);
        assert!(scalar(&db, "SELECT COUNT(*) FROM categories").await >= 40);
        assert!(scalar(&db, "SELECT COUNT(*) FROM dispatch_routes").await >= 27);
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM users").await, 1);
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM users WHERE username = 'admin' AND role = 'city_admin'").await, 1);
        // Only the hash is stored.
        assert_eq!(
            scalar(&db, &format!("SELECT COUNT(*) FROM users WHERE password_hash LIKE '%{password}%'")).await,
            0
        );

        // A second init is refused and changes nothing, on any city.
        for city in ["331100", "330800"] {
            let again = zhuqi(&["init", "--db", &db, "--city", city, "--admin", "root"]);
            assert!(!again.status.success(), "{engine}: second init succeeded");
            let err = text(&again.stderr);
            assert!(err.contains("already holds city 331100"), "{err}");
            assert!(!text(&again.stdout).contains("password:"));
        }
        assert_eq!(region_rows(&db).await, rows, "{engine}: nothing changed");
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM users").await, 1);
    }
}

#[tokio::test]
async fn init_names_what_is_wrong_and_writes_nothing() {
    let db = fresh_db("sqlite").await;
    for (args, needle) in [
        (vec!["--city", "3311", "--admin", "admin"], "city"),
        (vec!["--city", "999900", "--admin", "admin"], "--divisions"),
        (vec!["--city", "331100", "--admin", "ad min"], "username"),
        (vec!["--city", "331100", "--admin", "admin", "--extra-district", "某区=330802005"], "330802005"),
        (vec!["--city", "331100", "--admin", "admin", "--extra-district", "="], "extra-district"),
    ] {
        let mut all = vec!["init", "--db", db.as_str()];
        all.extend(args.iter().copied());
        let out = zhuqi(&all);
        assert!(!out.status.success(), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM regions").await, 0);
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM users").await, 0);

    // A divisions file with a bad row: its line and column are named.
    let file = std::env::temp_dir().join(format!("zhuqi-div-{:016x}.csv", rand::random::<u64>()));
    std::fs::write(
        &file,
        "city_code,city,county_code,county,township_code,township,kind\n320500,苏州市,320505,虎丘区,320505001,横塘街道,街道\n320500,苏州市,320505,虎丘区,32050500X,枫桥街道,街道\n",
    )
    .unwrap();
    let out =
        zhuqi(&["init", "--db", &db, "--city", "320500", "--admin", "admin", "--divisions", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("line 3") && err.contains("township_code"), "{err}");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM regions").await, 0);
}

#[tokio::test]
async fn a_city_from_its_own_divisions_file_with_an_extra_zone() {
    for engine in engines() {
        let db = fresh_db(engine).await;
        let file = std::env::temp_dir().join(format!("zhuqi-div-{:016x}.csv", rand::random::<u64>()));
        std::fs::write(
            &file,
            "\u{feff}city_code,city,county_code,county,township_code,township,kind\n\
             320500,苏州市,320505,虎丘区,320505001,横塘街道,街道\n\
             320500,苏州市,320505,虎丘区,320505002,枫桥街道,街道\n\
             320500,苏州市,320583,昆山市,320583001,玉山镇,镇\n",
        )
        .unwrap();
        let out = zhuqi(&[
            "init",
            "--db",
            &db,
            "--city",
            "320500",
            "--admin",
            "suzhou-admin",
            "--divisions",
            file.to_str().unwrap(),
            "--extra-district",
            "苏州工业园区=320505002",
        ]);
        assert!(out.status.success(), "{engine}: {}", text(&out.stderr));
        printed_password(&text(&out.stdout));
        let rows = region_rows(&db).await;
        let districts: Vec<(&str, &str, &str)> =
            rows.iter().filter(|r| r.0 == "district").map(|r| (r.1.as_str(), r.2.as_str(), r.3.as_str())).collect();
        assert_eq!(
            districts,
            [("320505", "虎丘区", "市辖区"), ("320583", "昆山市", "县级市"), ("320500X01", "苏州工业园区", "开发区")]
        );
        assert!(rows.iter().any(|r| r.1 == "320505002X01" && r.2 == "枫桥街道" && r.5 == "320500X01"));
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM departments WHERE name = '苏州市交通运输局' OR name = '国网苏州供电公司'"
            )
            .await,
            2
        );
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM departments WHERE parent_unit = '国家税务总局江苏省税务局'").await,
            1
        );
    }
}
