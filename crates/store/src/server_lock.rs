//! One server per SQLite file: `zhuqi serve` holds an exclusive lock on
//! `<database file>.serve.lock` for as long as it runs, so the deadline
//! sweeper, the reminders and the webhook deliveries never run twice on
//! the same city. The operating system releases the lock when the process
//! ends, however it ends (kill -9 included): a stale lock file is harmless.
//! Other commands (import, export, migrate…) do not take it: SQLite itself
//! serialises their writes with the server's.

use crate::{Engine, Store, StoreError};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::PathBuf;

/// Held while a server runs; dropping it releases the lock.
#[derive(Debug)]
pub struct ServerLock {
    /// SQLite: the locked file (PostgreSQL: none, several servers may share a database).
    _file: Option<File>,
    pub path: Option<PathBuf>,
}

/// The lock file of a SQLite database file.
pub fn lock_path(database_file: &str) -> PathBuf {
    PathBuf::from(format!("{database_file}.serve.lock"))
}

impl Store {
    /// Claims the right to serve this database: on SQLite an exclusive lock
    /// on its lock file, refused with [`StoreError::InUse`] while another
    /// process holds it; on PostgreSQL nothing to claim.
    pub fn claim_server(&self) -> Result<ServerLock, StoreError> {
        let (Engine::Sqlite, Some(db)) = (self.engine, self.sqlite_file.as_deref()) else {
            return Ok(ServerLock { _file: None, path: None });
        };
        let path = lock_path(db);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::InUse(format!("cannot open the lock file {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(StoreError::InUse(in_use(db, &path))),
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::InUse(format!("cannot lock {}: {e}", path.display())));
            }
        }
        // Who holds it, for whoever looks at the file.
        let _ = file.set_len(0).and_then(|()| writeln!(file, "{}", std::process::id()));
        Ok(ServerLock { _file: Some(file), path: Some(path) })
    }
}

/// The refusal of a second server.
fn in_use(db: &str, lock: &std::path::Path) -> String {
    let lock = lock.display();
    format!("另一个 zhuqi serve 正在使用数据库 {db} (another zhuqi serve is already running on {db}: {lock} is locked)")
}
