//! Scheduled backups of `serve` (`[backup] dir, every, keep`): every
//! `every`, an archive `zhuqi-backup-<UTC timestamp>.zip` in `dir`, then the
//! oldest beyond `keep` deleted. Each run is logged and audited (action
//! `backup`, outcome `ok` or `failed`); a failure never stops the server,
//! the next run comes at its time.

use super::BackupConfig;
use crate::{App, RequestMeta};
use std::path::{Path, PathBuf};

/// The prefix and suffix of scheduled archives (what [`prune`] deletes).
const PREFIX: &str = "zhuqi-backup-";
const SUFFIX: &str = ".zip";

/// The archive name of a run at `ms`: `zhuqi-backup-20261204T035100Z.zip`
/// (names sort as the times do).
pub fn scheduled_name(ms: i64) -> String {
    format!("{PREFIX}{}{SUFFIX}", zhuqi_domain::clock::from_ms(ms).format("%Y%m%dT%H%M%SZ"))
}

/// Deletes the oldest scheduled archives in `dir` beyond `keep`; returns those deleted.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    let mut gone = Vec::new();
    for n in names.into_iter().take(excess) {
        let p = dir.join(n);
        std::fs::remove_file(&p)?;
        gone.push(p);
    }
    Ok(gone)
}

/// The background task of scheduled backups; stopped with the server.
#[derive(Debug)]
pub struct BackupScheduler {
    handle: tokio::task::JoinHandle<()>,
}

impl BackupScheduler {
    /// Starts the schedule when `[backup] dir` is set (the first run one
    /// `every` after the start); `None` when it is not.
    pub fn start(app: &App, cfg: &BackupConfig) -> Option<Self> {
        let dir = cfg.dir.trim();
        if dir.is_empty() {
            return None;
        }
        let (app, dir, every, keep) = (app.clone(), PathBuf::from(dir), cfg.every.0, cfg.keep as usize);
        tracing::info!(dir = %dir.display(), every = ?every, keep, "scheduled backups on");
        let handle = tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                // On a blocking thread of its own (the archive's I/O is
                // blocking anyway); `block_on` there needs no `Send` future,
                // which rustc cannot prove through the progress callback.
                let (app, dir) = (app.clone(), dir.clone());
                let rt = tokio::runtime::Handle::current();
                let done = tokio::task::spawn_blocking(move || rt.block_on(run_once(&app, &dir, keep))).await;
                if let Err(e) = done {
                    tracing::error!(error = %e, "scheduled backup task failed");
                }
            }
        });
        Some(Self { handle })
    }

    pub fn stop(self) {
        self.handle.abort();
    }
}

fn log_progress(m: &str) {
    tracing::debug!("backup: {m}");
}

/// One scheduled run: archive, prune, log and audit; never fails.
pub async fn run_once(app: &App, dir: &Path, keep: usize) -> Option<PathBuf> {
    let out = dir.join(scheduled_name(app.now_ms()));
    let meta = RequestMeta { ip: "scheduler".into(), request_id: String::new() };
    let target = out.display().to_string();
    match app.backup(&out, &log_progress).await {
        Ok(r) => {
            let detail = format!(
                "{} demands, {} events, {} attachments, {} users, {} enterprises; {} bytes; sha256 {}",
                r.counts.demands,
                r.counts.events,
                r.counts.attachments,
                r.counts.users,
                r.counts.enterprises,
                r.size,
                r.sha256
            );
            tracing::info!(path = %target, %detail, "scheduled backup made");
            for m in &r.missing_files {
                tracing::warn!(path = %target, file = %m, "scheduled backup: attachment file missing (see zhuqi check)");
            }
            app.audit(None, "backup", &target, "ok", &detail, &meta).await;
            match prune(dir, keep) {
                Ok(gone) => {
                    for g in gone {
                        tracing::info!(path = %g.display(), "old backup deleted (beyond keep = {keep})");
                    }
                }
                Err(e) => tracing::error!(dir = %dir.display(), error = %e, "cannot delete old backups"),
            }
            Some(out)
        }
        Err(e) => {
            tracing::error!(path = %target, error = %e, "scheduled backup failed");
            app.audit(None, "backup", &target, "failed", &e.to_string(), &meta).await;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_as_times_and_prune_keeps_the_newest() {
        assert_eq!(scheduled_name(0), "zhuqi-backup-19700101T000000Z.zip");
        let dir = std::env::temp_dir().join(format!("zhuqi-prune-{}-{:x}", std::process::id(), rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..5 {
            std::fs::write(dir.join(scheduled_name(i * 3_600_000)), b"x").unwrap();
        }
        std::fs::write(dir.join("other.zip"), b"x").unwrap();
        let gone = prune(&dir, 2).unwrap();
        assert_eq!(gone.len(), 3);
        let mut left: Vec<String> =
            std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
        left.sort();
        assert_eq!(left, ["other.zip", &scheduled_name(3 * 3_600_000), &scheduled_name(4 * 3_600_000)]);
        std::fs::remove_dir_all(&dir).ok();
    }
}
