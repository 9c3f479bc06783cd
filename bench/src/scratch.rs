//! Scratch databases: a SQLite file in `--dir`, or a PostgreSQL database
//! `zb_<pid>_<phase>` made on the given server and dropped afterwards.

use crate::Args;
use anyhow::{anyhow, bail, Context, Result};
use std::future::Future;

/// Runs `f` on a fresh scratch database and removes it afterwards, also when `f` fails.
pub(crate) async fn with_scratch<T, F, Fut>(args: &Args, tag: &str, f: F) -> Result<T>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let pid = std::process::id();
    if args.db == "sqlite" {
        let dir = args.dir.clone().unwrap_or_else(std::env::temp_dir).join(format!("zhuqi-bench-{pid}-{tag}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let r = f(dir.join("bench.db").to_string_lossy().into_owned()).await;
        let _ = std::fs::remove_dir_all(&dir);
        r
    } else if args.db.starts_with("postgres://") || args.db.starts_with("postgresql://") {
        let name = format!("zb_{pid}_{tag}");
        let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&args.db).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await?;
        let (prefix, _) = args.db.rsplit_once('/').ok_or_else(|| anyhow!("a PostgreSQL URL with a path"))?;
        let r = f(format!("{prefix}/{name}")).await;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await?;
        r
    } else {
        bail!("--db is `sqlite` or a postgres:// URL")
    }
}
