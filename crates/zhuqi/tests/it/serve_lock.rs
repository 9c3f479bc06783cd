//! One server per SQLite file: a second `zhuqi serve` on the same file is
//! refused with a clear message and changes nothing; the lock dies with the
//! server, however it ends (the real binary, a real SQLite file).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts `zhuqi serve` on `db` (any free port) and waits for its "serving" line.
fn serve(db: &str) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhuqi"))
        .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        .env_remove("ZHUQI_DB")
        .env_remove("ZHUQI_CONFIG")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("zhuqi serving at http://127.0.0.1:"), "{line:?}");
    child
}

#[test]
fn a_second_server_on_the_same_sqlite_file_is_refused_until_the_first_is_gone() {
    let dir =
        std::env::temp_dir().join(format!("zhuqi-serve-lock-{}-{:016x}", std::process::id(), rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("city.db").to_string_lossy().into_owned();

    let mut first = serve(&db);
    // The same file under another spelling of its path is the same city.
    let other_spelling = dir.join(".").join("city.db").to_string_lossy().into_owned();
    for path in [&db, &other_spelling] {
        let mut second = Command::new(env!("CARGO_BIN_EXE_zhuqi"))
            .args(["serve", "--db", path, "--listen", "127.0.0.1:0"])
            .env_remove("ZHUQI_DB")
            .env_remove("ZHUQI_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Its first line of output, or the end of it when it exits.
        let mut line = String::new();
        BufReader::new(second.stdout.take().unwrap()).read_line(&mut line).unwrap();
        if !line.is_empty() {
            second.kill().unwrap();
            first.kill().unwrap();
            panic!("a second server started on {path}: {line}");
        }
        let out = second.wait_with_output().unwrap();
        assert!(!out.status.success(), "{path}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("another zhuqi serve is already running on"), "{err}");
        assert!(err.contains(".serve.lock"), "{err}");
    }

    // Killed without a chance to clean up: the lock goes with the process.
    first.kill().unwrap();
    first.wait().unwrap();
    let mut again = serve(&db);
    again.kill().unwrap();
    again.wait().unwrap();
    std::fs::remove_dir_all(&dir).ok();
}
