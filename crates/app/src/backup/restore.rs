//! `zhuqi restore --from <FILE> --db <URL> [--force]`: the archive's
//! checksums first, then into an empty database (or, with `--force`, over
//! whatever is there). SQLite: the database file is replaced (refused while
//! a `zhuqi serve` holds `<db>.serve.lock`; the lock is held meanwhile so
//! none starts) and the attachment files written into the files directory.
//! PostgreSQL: `pg_restore` in one transaction (with `--force`, after the
//! `public` schema is dropped and recreated).

use super::{
    file_of, hash_reader, io, run_pg_tool, Manifest, FILES_PREFIX, FORMAT, MANIFEST, PG_MEMBER, SQLITE_MEMBER,
};
use crate::{AppError, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Read;
use std::path::{Path, PathBuf};
use zhuqi_store::backup as store;
use zhuqi_store::{Engine, Store};

/// What to restore where.
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    pub from: PathBuf,
    /// The `--db` value of the target.
    pub db: zhuqi_domain::DatabaseUrl,
    /// `[attachments] dir` of the target's configuration (empty: SQLite
    /// `<db>.files/`, PostgreSQL in the database).
    pub attachments_dir: String,
    /// Restore over a non-empty database.
    pub force: bool,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub manifest: Manifest,
    pub files: usize,
    /// Where the files went (when there were any).
    pub files_dir: Option<PathBuf>,
}

fn refused(e: impl Into<String>) -> AppError {
    AppError::Conflict(e.into())
}

/// Reads and checks the manifest and every member's size and SHA-256.
fn verify(from: &Path, progress: &(dyn Fn(&str) + Sync)) -> Result<Manifest> {
    let f = File::open(from).map_err(|e| io("cannot open", from, e))?;
    let mut z = zip::ZipArchive::new(std::io::BufReader::new(f))
        .map_err(|e| AppError::Internal(format!("{} is not a zhuqi backup archive: {e}", from.display())))?;
    let manifest: Manifest = {
        let mut m = z
            .by_name(MANIFEST)
            .map_err(|_| AppError::Internal(format!("{}: no {MANIFEST}: not a zhuqi backup", from.display())))?;
        let mut s = String::new();
        m.read_to_string(&mut s).map_err(|e| io("cannot read", from, e))?;
        serde_json::from_str(&s).map_err(|e| AppError::Internal(format!("{}: {MANIFEST}: {e}", from.display())))?
    };
    if manifest.format != FORMAT {
        return Err(AppError::Internal(format!(
            "{}: archive format {} (this zhuqi reads format {FORMAT})",
            from.display(),
            manifest.format
        )));
    }
    progress(&format!("verifying {} members of {} …", manifest.members.len(), from.display()));
    for m in &manifest.members {
        let mut r = z
            .by_name(&m.name)
            .map_err(|_| AppError::Internal(format!("{}: member {} is missing", from.display(), m.name)))?;
        let (sha, size) = hash_reader(&mut r).map_err(|e| io("cannot read", from, e))?;
        if sha != m.sha256 || size != m.size {
            return Err(AppError::Internal(format!(
                "{}: member {} does not match its checksum (sha256 {sha}, {size} bytes; the manifest says {}, {} bytes): nothing was restored",
                from.display(),
                m.name,
                m.sha256,
                m.size
            )));
        }
    }
    let listed: std::collections::HashSet<&str> = manifest.members.iter().map(|m| m.name.as_str()).collect();
    for name in z.file_names() {
        if name != MANIFEST && !listed.contains(name) {
            return Err(AppError::Internal(format!("{}: member {name} is not in the manifest", from.display())));
        }
    }
    Ok(manifest)
}

/// Extracts member `name` to `to` (via a temporary file, synced, renamed).
fn extract(from: &Path, name: &str, to: &Path) -> Result<()> {
    let f = File::open(from).map_err(|e| io("cannot open", from, e))?;
    let mut z =
        zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| AppError::Internal(format!("archive: {e}")))?;
    let mut r = z.by_name(name).map_err(|e| AppError::Internal(format!("archive member {name}: {e}")))?;
    extract_reader(&mut r, to)
}

fn extract_reader(r: &mut dyn Read, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io("cannot create", parent, e))?;
    }
    let tmp = PathBuf::from(format!("{}.restoring", to.display()));
    let res = (|| {
        let mut w = File::create(&tmp).map_err(|e| io("cannot create", &tmp, e))?;
        std::io::copy(r, &mut w).map_err(|e| io("cannot write", &tmp, e))?;
        w.sync_all().map_err(|e| io("cannot sync", &tmp, e))?;
        std::fs::rename(&tmp, to).map_err(|e| io("cannot move into place", to, e))
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// Writes the archive's attachment files into `dir`; returns how many.
fn extract_files(from: &Path, manifest: &Manifest, dir: &Path, progress: &(dyn Fn(&str) + Sync)) -> Result<usize> {
    let f = File::open(from).map_err(|e| io("cannot open", from, e))?;
    let mut z =
        zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| AppError::Internal(format!("archive: {e}")))?;
    let mut n: usize = 0;
    let total = manifest.members.iter().filter(|m| m.name.starts_with(FILES_PREFIX)).count();
    for m in manifest.members.iter().filter(|m| m.name.starts_with(FILES_PREFIX)) {
        let sha = m.name.rsplit('/').next().unwrap_or_default();
        let to = file_of(dir, sha).ok_or_else(|| AppError::Internal(format!("archive member {}: bad name", m.name)))?;
        let mut r = z.by_name(&m.name).map_err(|e| AppError::Internal(format!("archive member {}: {e}", m.name)))?;
        extract_reader(&mut r, &to)?;
        n += 1;
        if n.is_multiple_of(500) {
            progress(&format!("  {n}/{total} attachment files"));
        }
    }
    Ok(n)
}

/// The file of a SQLite `--db` value (a path or a `sqlite:` URL), made absolute
/// as SQLite names it (so the server's lock file is found).
pub fn sqlite_path(db: &str) -> PathBuf {
    let s = db.strip_prefix("sqlite://").or_else(|| db.strip_prefix("sqlite:")).unwrap_or(db);
    let s = s.split('?').next().unwrap_or(s);
    let p = PathBuf::from(s);
    let (Some(parent), Some(name)) = (p.parent(), p.file_name()) else { return p };
    let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
    match std::fs::canonicalize(parent) {
        Ok(dir) => dir.join(name),
        Err(_) => p,
    }
}

/// Holds `<db>.serve.lock` while restoring, refused while a server holds it.
fn lock_out_servers(db_file: &Path) -> Result<File> {
    let path = zhuqi_store::server_lock::lock_path(&db_file.to_string_lossy());
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io("cannot open the lock file", &path, e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(TryLockError::WouldBlock) => Err(refused(format!(
            "zhuqi serve 正在使用数据库 {db}，请先停止服务 (a zhuqi serve is running on {db} ({lock} is locked): stop it before restoring; nothing was changed)",
            db = db_file.display(),
            lock = path.display()
        ))),
        Err(TryLockError::Error(e)) => Err(io("cannot lock", &path, e)),
    }
}

fn not_empty(db: &str, users: i64, regions: i64) -> AppError {
    refused(format!(
        "目标数据库非空，未做任何更改 (the target database {db} is not empty: {users} users, {regions} regions; nothing was changed; use --force to replace it)"
    ))
}

/// Restores an archive (see the module documentation).
pub async fn restore(opts: &RestoreOptions, progress: &(dyn Fn(&str) + Sync)) -> Result<RestoreReport> {
    let from = opts.from.clone();
    let manifest = {
        // Progress from the blocking thread goes through a channel-free
        // buffer: the lines are few.
        let lines = std::sync::Mutex::new(Vec::<String>::new());
        let f = from.clone();
        let (m, lines) = tokio::task::spawn_blocking(move || {
            let m = verify(&f, &|s: &str| {
                if let Ok(mut l) = lines.lock() {
                    l.push(s.to_string());
                }
            });
            (m, lines.into_inner().unwrap_or_default())
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        for l in lines {
            progress(&l);
        }
        m?
    };
    progress(&format!(
        "archive of {} made {} (schema {}): {} demands, {} events, {} attachments, {} users, {} enterprises; checksums ok",
        manifest.engine,
        manifest.created_at,
        manifest.migration_version,
        manifest.counts.demands,
        manifest.counts.events,
        manifest.counts.attachments,
        manifest.counts.users,
        manifest.counts.enterprises
    ));
    let target = if opts.db.is_postgres() { Engine::Postgres } else { Engine::Sqlite };
    let target_name = super::engine_name(target);
    if manifest.engine != target_name {
        return Err(refused(format!(
            "the archive is of a {} database and the target is {target_name}: restoring across engines is not supported; nothing was changed",
            manifest.engine
        )));
    }
    let has_files = manifest.members.iter().any(|m| m.name.starts_with(FILES_PREFIX));
    match target {
        Engine::Sqlite => restore_sqlite(opts, &manifest, progress).await,
        Engine::Postgres => {
            let files_dir = opts.attachments_dir.trim();
            if has_files && files_dir.is_empty() {
                return Err(refused(
                    "the archive holds attachment files but the target keeps them in the database: set [attachments] dir; nothing was changed",
                ));
            }
            let store = Store::connect(opts.db.expose())
                .await
                .map_err(|e| AppError::Internal(format!("cannot open database {}: {e}", opts.db)))?;
            let occupied = {
                let mut c = store.read().await?;
                store::occupancy(&mut c, true).await?
            };
            if let Some((users, regions)) = occupied {
                if !opts.force {
                    store.close().await;
                    return Err(not_empty(&opts.db.to_string(), users, regions));
                }
            }
            let tmp = std::env::temp_dir().join(format!(
                "zhuqi-restore-{}-{:016x}.pgdump",
                std::process::id(),
                rand::random::<u64>()
            ));
            {
                let (f, t) = (from.clone(), tmp.clone());
                tokio::task::spawn_blocking(move || extract(&f, PG_MEMBER, &t))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))??;
            }
            let tables = {
                let mut c = store.read().await?;
                store::pg_table_count(&mut c).await?
            };
            if tables > 0 {
                // An empty database (no users, no regions) may still hold a
                // migrated schema, which the dump would collide with.
                progress(&format!("dropping and recreating the schema public ({tables} tables) …"));
                store.reset_schema().await?;
            }
            store.close().await;
            progress("pg_restore …");
            let res = run_pg_tool(
                "pg_restore",
                &[
                    "--no-owner".into(),
                    "--no-privileges".into(),
                    "--single-transaction".into(),
                    "--exit-on-error".into(),
                    tmp.display().to_string(),
                ],
                opts.db.expose(),
            )
            .await;
            let _ = std::fs::remove_file(&tmp);
            res?;
            let (files, files_dir) = if has_files {
                let dir = PathBuf::from(files_dir);
                let (f, m, d) = (from.clone(), manifest.clone(), dir.clone());
                let n = tokio::task::spawn_blocking(move || extract_files(&f, &m, &d, &|_| {}))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))??;
                (n, Some(dir))
            } else {
                (0, None)
            };
            Ok(RestoreReport { manifest, files, files_dir })
        }
    }
}

async fn restore_sqlite(
    opts: &RestoreOptions,
    manifest: &Manifest,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<RestoreReport> {
    let raw = sqlite_path(opts.db.expose());
    if let Some(parent) = raw.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io("cannot create", parent, e))?;
    }
    let file = sqlite_path(opts.db.expose());
    let _lock = lock_out_servers(&file)?;
    if let Some((users, regions)) = store::sqlite_occupancy(&file)? {
        if !opts.force {
            return Err(not_empty(&file.display().to_string(), users, regions));
        }
        progress(&format!("--force: replacing {} ({users} users, {regions} regions)", file.display()));
    }
    let files_dir = if opts.attachments_dir.trim().is_empty() {
        PathBuf::from(format!("{}.files", file.display()))
    } else {
        PathBuf::from(opts.attachments_dir.trim())
    };
    let (from, m, f, d) = (opts.from.clone(), manifest.clone(), file.clone(), files_dir.clone());
    progress(&format!("restoring the database into {} …", file.display()));
    let files = tokio::task::spawn_blocking(move || {
        let tmp = PathBuf::from(format!("{}.restore-tmp", f.display()));
        extract(&from, SQLITE_MEMBER, &tmp)?;
        // The old WAL must never be replayed onto the restored file.
        for suffix in ["-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", f.display()));
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| io("cannot remove", &p, e))?;
            }
        }
        std::fs::rename(&tmp, &f).map_err(|e| io("cannot move into place", &f, e))?;
        extract_files(&from, &m, &d, &|_| {})
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(RestoreReport { manifest: manifest.clone(), files, files_dir: Some(files_dir) })
}
