//! `zhuqi backup`, `zhuqi restore`, `zhuqi check`: thin adapters over
//! `zhuqi_app::backup` (issue 12). Progress goes to stderr, results to stdout.

use crate::config::Config;
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use zhuqi_app::App;
use zhuqi_domain::SystemClock;
use zhuqi_store::Store;

fn progress(m: &str) {
    eprintln!("  {m}");
}

/// Opens the database without migrating it (a backup or a check changes nothing).
async fn open_unmigrated(cfg: &Config) -> anyhow::Result<App> {
    if !cfg.db.is_postgres() {
        let file = zhuqi_app::backup::sqlite_path(cfg.db.expose());
        anyhow::ensure!(file.is_file(), "no database at {} (give --db the SQLite file or a postgres:// URL)", cfg.db);
    }
    let store = Store::connect(cfg.db.expose()).await.with_context(|| format!("cannot open database {}", cfg.db))?;
    Ok(App::new(store, Arc::new(SystemClock), cfg.app_config()))
}

/// `zhuqi backup --db <URL> --out <FILE>`.
pub async fn backup(cfg: &Config, out: PathBuf) -> anyhow::Result<()> {
    let app = open_unmigrated(cfg).await?;
    eprintln!("backing up {} to {} …", cfg.db, out.display());
    let r = app.backup(&out, &progress).await;
    app.store.close().await;
    let r = r?;
    let c = r.counts;
    let mut o = std::io::stdout().lock();
    writeln!(o, "backup written: {} ({} bytes)", r.path.display(), r.size)?;
    writeln!(
        o,
        "counts: {} demands, {} events, {} attachments, {} users, {} enterprises; {} attachment files",
        c.demands, c.events, c.attachments, c.users, c.enterprises, r.files
    )?;
    writeln!(o, "sha256: {}", r.sha256)?;
    if !r.missing_files.is_empty() {
        writeln!(
            o,
            "warning: {} attachment file(s) missing, not in the archive (run zhuqi check)",
            r.missing_files.len()
        )?;
    }
    Ok(())
}

/// `zhuqi restore --from <FILE> --db <URL> [--force]`.
pub async fn restore(cfg: &Config, from: PathBuf, force: bool) -> anyhow::Result<()> {
    eprintln!("restoring {} into {} …", from.display(), cfg.db);
    let opts = zhuqi_app::backup::RestoreOptions {
        from,
        db: cfg.db.clone(),
        attachments_dir: cfg.attachments.dir.clone(),
        force,
    };
    let r = zhuqi_app::backup::restore(&opts, &progress).await?;
    let c = r.manifest.counts;
    let mut o = std::io::stdout().lock();
    writeln!(
        o,
        "restored into {}: {} demands, {} events, {} attachments, {} users, {} enterprises (schema {})",
        cfg.db, c.demands, c.events, c.attachments, c.users, c.enterprises, r.manifest.migration_version
    )?;
    if let Some(d) = r.files_dir {
        writeln!(o, "attachment files: {} into {}", r.files, d.display())?;
    }
    writeln!(o, "run `zhuqi check` to verify, then `zhuqi serve` (which applies newer migrations)")?;
    Ok(())
}

/// `zhuqi check --db <URL>`: exit 0 only when nothing is wrong.
pub async fn check(cfg: &Config) -> anyhow::Result<()> {
    let app = open_unmigrated(cfg).await?;
    eprintln!("checking {} …", cfg.db);
    let r = app.check(&progress).await;
    app.store.close().await;
    let r = r?;
    let mut o = std::io::stdout().lock();
    for f in &r.findings {
        writeln!(o, "{f}")?;
    }
    writeln!(
        o,
        "checked: {} demands, {} events, {} aggregate rows, {} attachments: {}",
        r.demands,
        r.events,
        r.aggregate_rows,
        r.attachments,
        if r.is_clean() { "ok".to_string() } else { format!("{} problem(s)", r.findings.len()) }
    )?;
    drop(o);
    anyhow::ensure!(r.is_clean(), "check found {} problem(s) in {}", r.findings.len(), cfg.db);
    Ok(())
}
