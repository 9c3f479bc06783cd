//! Backup, restore, check (issue 12).
//!
//! **The archive** is one zip file:
//! - `manifest.json`: [`Manifest`] — format version, engine, the schema's
//!   migration version, when, the counts of demands, events, attachments,
//!   users and enterprises, and the size and SHA-256 of every other member;
//! - `database.sqlite` (SQLite: a `VACUUM INTO` copy, made in one read
//!   transaction, so it is consistent while `serve` goes on writing) or
//!   `database.pgdump` (PostgreSQL: `pg_dump --format=custom` of the
//!   database named in the URL, taken on a snapshot exported by a
//!   REPEATABLE READ transaction in which the manifest's counts are read
//!   too; attachment blobs kept in the database are in the dump);
//! - `files/<sha[0..2]>/<sha>`: the attachment files, when they live in a
//!   directory (SQLite's `<db>.files/`, or `[attachments] dir`), those the
//!   copied database refers to.
//!
//! Every demand acknowledged before a backup began is in it: an answer is
//! sent only after the commit is durable, and the copy's snapshot starts
//! after. The archive is written to `<out>.partial` and renamed into place.
//!
//! **Restore** ([`restore`]) checks the manifest's checksums first, then
//! restores into an **empty** database only — one without a `users` table,
//! or without any row in `users` and in `regions` (so a freshly migrated
//! database is empty) — unless `--force`. Across engines is out of scope.
//!
//! **Check** ([`App::check`], `check.rs`): integrity, demands against the
//! replay of their events, metric aggregates against a rebuild, and every
//! attachment's bytes against its hash.
//!
//! **Scheduled backups** (`schedule.rs`): `[backup] dir, every, keep`.

mod check;
mod restore;
mod schedule;

pub use check::CheckReport;
pub use restore::{restore, sqlite_path, RestoreOptions, RestoreReport};
pub use schedule::{prune, run_once, scheduled_name, BackupScheduler};

use crate::attachments::sha256_hex;
use crate::{App, AppError, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use zhuqi_store::backup::{self as store, Counts, Snapshot};
use zhuqi_store::Engine;

/// The archive format this build writes and reads.
pub const FORMAT: u32 = 1;
/// The manifest's member name.
pub const MANIFEST: &str = "manifest.json";
/// The database member of a SQLite archive.
pub const SQLITE_MEMBER: &str = "database.sqlite";
/// The database member of a PostgreSQL archive.
pub const PG_MEMBER: &str = "database.pgdump";
/// The prefix of attachment file members.
pub const FILES_PREFIX: &str = "files/";

/// One member of the archive besides the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// `sqlite` or `postgres`.
    pub engine: String,
    /// The highest schema migration applied in the copied database.
    pub migration_version: i64,
    /// RFC 3339 (UTC).
    pub created_at: String,
    pub counts: Counts,
    pub members: Vec<Member>,
}

/// What a backup made.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub path: PathBuf,
    pub counts: Counts,
    /// Attachment files in the archive (0 when the bytes are in the database).
    pub files: usize,
    /// Attachment files the database refers to that were not on disk (see `zhuqi check`).
    pub missing_files: Vec<String>,
    pub size: u64,
    /// SHA-256 of the whole archive file.
    pub sha256: String,
}

pub(crate) fn engine_name(e: Engine) -> &'static str {
    match e {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    }
}

pub(crate) fn io(what: &str, path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("{what} {}: {e}", path.display()))
}

fn zip_err(e: zip::result::ZipError) -> AppError {
    AppError::Internal(format!("archive: {e}"))
}

/// Where the file of a content hash lives under an attachment directory.
pub(crate) fn file_of(dir: &Path, sha: &str) -> Option<PathBuf> {
    let prefix = sha.get(..2)?;
    (sha.len() == 64 && sha.bytes().all(|c| c.is_ascii_hexdigit())).then(|| dir.join(prefix).join(sha))
}

/// SHA-256 and length of a file, streamed.
pub(crate) fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut f = std::fs::File::open(path).map_err(|e| io("cannot open", path, e))?;
    hash_reader(&mut f).map_err(|e| io("cannot read", path, e))
}

pub(crate) fn hash_reader(r: &mut dyn Read) -> std::io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(buf.get(..k).unwrap_or_default());
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// Splits the password out of a `postgres://user:password@host/db` URL: the
/// tools get it in `PGPASSWORD`, never on their command line (which other
/// users of the machine can read).
pub(crate) fn split_password(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return (url.to_string(), None) };
    let (scheme, rest) = url.split_at(scheme_end);
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let Some(at) = authority.rfind('@') else { return (url.to_string(), None) };
    let (user_info, host) = authority.split_at(at);
    let Some((user, password)) = user_info.split_once(':') else { return (url.to_string(), None) };
    (format!("{scheme}{user}{host}{tail}"), Some(percent_decode(password)))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex =
            b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b.get(i), hex) {
            (Some(b'%'), Some(v)) => {
                out.push(v);
                i += 3;
            }
            (Some(c), _) => {
                out.push(*c);
                i += 1;
            }
            (None, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The program `name` (`pg_dump`, `pg_restore`) run with `args` and
/// `--dbname` (its password in `PGPASSWORD`); a clear error naming what to
/// install when it is not there.
pub(crate) async fn run_pg_tool(name: &str, args: &[String], url: &str) -> Result<()> {
    let (url, password) = split_password(url);
    let mut cmd = tokio::process::Command::new(name);
    cmd.args(args).arg(format!("--dbname={url}"));
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd.output().await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            AppError::Internal(format!("{name} not found: install postgresql-client"))
        } else {
            AppError::Internal(format!("cannot run {name}: {e}"))
        }
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(AppError::Internal(format!("{name} failed ({}): {}", out.status, err.trim())));
    }
    Ok(())
}

impl App {
    /// Makes one consistent archive of the database and its attachment
    /// files at `out` (see the module documentation), while the server may
    /// go on writing. `progress` hears each step.
    pub async fn backup(&self, out: &Path, progress: &(dyn Fn(&str) + Sync)) -> Result<BackupReport> {
        let engine = self.store.engine();
        let partial = PathBuf::from(format!("{}.partial", out.display()));
        let db_tmp = PathBuf::from(format!("{}.db.tmp", out.display()));
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| io("cannot create", parent, e))?;
        }
        let res = self.backup_to(engine, out, &partial, &db_tmp, progress).await;
        let _ = std::fs::remove_file(&db_tmp);
        if res.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        res
    }

    async fn backup_to(
        &self,
        engine: Engine,
        out: &Path,
        partial: &Path,
        db_tmp: &Path,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<BackupReport> {
        let snap: Snapshot = match engine {
            Engine::Sqlite => {
                let src = {
                    let mut c = self.store.read().await?;
                    zhuqi_store::attachments::sqlite_file(&mut c).await?
                };
                progress(&format!("copying the database {src} (VACUUM INTO) …"));
                let (src, dst) = (PathBuf::from(src), db_tmp.to_path_buf());
                tokio::task::spawn_blocking(move || store::sqlite_vacuum_into(&src, &dst))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))??
            }
            Engine::Postgres => {
                progress("dumping the database (pg_dump --format=custom) …");
                let url = self.store.url().expose().to_string();
                let mut c = self.store.read().await?;
                let id = store::pg_export_snapshot(&mut c).await?;
                let res = pg_dump_in_snapshot(&mut c, &id, &url, db_tmp).await;
                let _ = store::pg_end_snapshot(&mut c).await;
                res?
            }
        };
        let dir = self.attachment_dir().await?;
        let created_at = zhuqi_domain::clock::from_ms(self.now_ms()).to_rfc3339();
        let db_member = match engine {
            Engine::Sqlite => SQLITE_MEMBER,
            Engine::Postgres => PG_MEMBER,
        };
        progress(&format!(
            "writing the archive: {} demands, {} events, {} attachments, {} users, {} enterprises …",
            snap.counts.demands,
            snap.counts.events,
            snap.counts.attachments,
            snap.counts.users,
            snap.counts.enterprises
        ));
        let job = ArchiveJob {
            partial: partial.to_path_buf(),
            db_tmp: db_tmp.to_path_buf(),
            db_member,
            dir,
            shas: snap.attachment_shas.clone(),
            manifest: Manifest {
                format: FORMAT,
                engine: engine_name(engine).into(),
                migration_version: snap.migration_version,
                created_at,
                counts: snap.counts,
                members: Vec::new(),
            },
        };
        let (files, missing) =
            tokio::task::spawn_blocking(move || job.write()).await.map_err(|e| AppError::Internal(e.to_string()))??;
        for m in &missing {
            progress(&format!("warning: attachment file missing, not in the archive: {m}"));
        }
        std::fs::rename(partial, out).map_err(|e| io("cannot move into place", out, e))?;
        let (sha256, size) = {
            let p = out.to_path_buf();
            tokio::task::spawn_blocking(move || hash_file(&p))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))??
        };
        Ok(BackupReport { path: out.to_path_buf(), counts: snap.counts, files, missing_files: missing, size, sha256 })
    }
}

/// PostgreSQL: the manifest's facts and `pg_dump`, both on the exported snapshot `id`.
async fn pg_dump_in_snapshot(c: &mut zhuqi_store::Conn, id: &str, url: &str, db_tmp: &Path) -> Result<Snapshot> {
    let snap = store::snapshot(c).await?;
    run_pg_tool(
        "pg_dump",
        &["--format=custom".into(), format!("--snapshot={id}"), format!("--file={}", db_tmp.display())],
        url,
    )
    .await?;
    Ok(snap)
}

/// The blocking part of a backup: the zip file.
struct ArchiveJob {
    partial: PathBuf,
    db_tmp: PathBuf,
    db_member: &'static str,
    dir: Option<PathBuf>,
    shas: Vec<String>,
    manifest: Manifest,
}

impl ArchiveJob {
    /// Writes the archive; returns (files archived, files missing).
    fn write(mut self) -> Result<(usize, Vec<String>)> {
        let f = std::fs::File::create(&self.partial).map_err(|e| io("cannot create", &self.partial, e))?;
        let mut z = zip::ZipWriter::new(std::io::BufWriter::new(f));
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        // Photos and PDFs are compressed already.
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let m = add_file(&mut z, self.db_member, &self.db_tmp, deflated)?;
        self.manifest.members.push(m);
        let mut files = 0;
        let mut missing = Vec::new();
        if let Some(dir) = &self.dir {
            for sha in &self.shas {
                let Some(path) = file_of(dir, sha) else {
                    missing.push(format!("{sha} (not a sha256)"));
                    continue;
                };
                if !path.is_file() {
                    missing.push(path.display().to_string());
                    continue;
                }
                let name = format!("{FILES_PREFIX}{}/{sha}", sha.get(..2).unwrap_or_default());
                let m = add_file(&mut z, &name, &path, stored)?;
                self.manifest.members.push(m);
                files += 1;
            }
        }
        let json = serde_json::to_vec_pretty(&self.manifest).map_err(|e| AppError::Internal(format!("json: {e}")))?;
        z.start_file(MANIFEST, deflated).map_err(zip_err)?;
        z.write_all(&json).map_err(|e| io("cannot write", &self.partial, e))?;
        let w = z.finish().map_err(zip_err)?;
        let f = w.into_inner().map_err(|e| io("cannot write", &self.partial, e.error()))?;
        f.sync_all().map_err(|e| io("cannot sync", &self.partial, e))?;
        Ok((files, missing))
    }
}

/// Adds a file as member `name`, hashing it on the way.
fn add_file<W: Write + std::io::Seek>(
    z: &mut zip::ZipWriter<W>,
    name: &str,
    path: &Path,
    opts: zip::write::SimpleFileOptions,
) -> Result<Member> {
    let len = std::fs::metadata(path).map_err(|e| io("cannot read", path, e))?.len();
    z.start_file(name, opts.large_file(len >= u64::from(u32::MAX))).map_err(zip_err)?;
    let mut f = std::fs::File::open(path).map_err(|e| io("cannot open", path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| io("cannot read", path, e))?;
        if k == 0 {
            break;
        }
        let chunk = buf.get(..k).unwrap_or_default();
        h.update(chunk);
        z.write_all(chunk).map_err(|e| io("cannot write the archive with", path, e))?;
        size += k as u64;
    }
    Ok(Member { name: name.into(), size, sha256: hex::encode(h.finalize()) })
}

/// `[backup]`: scheduled backups by `serve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// Directory of the archives. Empty: no scheduled backups.
    pub dir: String,
    /// Time between two backups, e.g. "24h", "6h", "30m", "7d".
    pub every: Every,
    /// How many archives to keep (the oldest beyond are deleted); at least 1.
    pub keep: u32,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self { dir: String::new(), every: Every(Duration::from_secs(24 * 3600)), keep: 7 }
    }
}

/// A duration written as a number and a unit: `s`, `m`, `h` or `d` ("6h").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Every(pub Duration);

impl TryFrom<String> for Every {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Every::parse(&s)
    }
}

impl From<Every> for String {
    fn from(e: Every) -> String {
        let s = e.0.as_secs();
        match s {
            _ if s > 0 && s.is_multiple_of(3600) => format!("{}h", s / 3600),
            _ if s > 0 && s.is_multiple_of(60) => format!("{}m", s / 60),
            _ => format!("{s}s"),
        }
    }
}

impl Every {
    /// "24h" → 24 hours. At least one minute.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("backup.every: '{s}' is not a duration such as \"30m\", \"6h\", \"24h\" or \"7d\"");
        let t = s.trim();
        let unit = t.chars().last().ok_or_else(bad)?;
        let n: u64 = t.get(..t.len() - unit.len_utf8()).unwrap_or_default().trim().parse().map_err(|_| bad())?;
        let secs = match unit {
            's' => n,
            'm' => n.saturating_mul(60),
            'h' => n.saturating_mul(3600),
            'd' => n.saturating_mul(86_400),
            _ => return Err(bad()),
        };
        if secs < 60 {
            return Err(format!("backup.every: '{s}' is too short: at least one minute (\"1m\")"));
        }
        Ok(Every(Duration::from_secs(secs)))
    }
}

impl BackupConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.keep == 0 {
            return Err("backup.keep: keep at least 1 archive".into());
        }
        Ok(())
    }
}

/// SHA-256 of bytes (re-exported for the check's and the tests' use).
pub fn sha256_of(bytes: &[u8]) -> String {
    sha256_hex(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reads_units_and_refuses_nonsense_with_the_key_named() {
        assert_eq!(Every::parse("24h").unwrap().0, Duration::from_secs(86_400));
        assert_eq!(Every::parse("6h").unwrap().0, Duration::from_secs(6 * 3600));
        assert_eq!(Every::parse("30m").unwrap().0, Duration::from_secs(1800));
        assert_eq!(Every::parse("7d").unwrap().0, Duration::from_secs(7 * 86_400));
        for bad in ["", "h", "6", "6x", "-1h", "1.5h", "十h"] {
            let e = Every::parse(bad).unwrap_err();
            assert!(e.contains("backup.every"), "{bad}: {e}");
        }
        assert!(Every::parse("30s").unwrap_err().contains("at least one minute"));
        assert_eq!(
            split_password("postgres://zhuqi:p%40ss:w@db:5432/city?sslmode=disable"),
            ("postgres://zhuqi@db:5432/city?sslmode=disable".to_string(), Some("p@ss:w".to_string()))
        );
        assert_eq!(split_password("postgres://zhuqi@db/city"), ("postgres://zhuqi@db/city".to_string(), None));
        for s in ["24h", "6h", "30m", "168h", "90s"] {
            if let Ok(e) = Every::parse(s) {
                assert_eq!(String::from(e), s);
            }
        }
    }
}
