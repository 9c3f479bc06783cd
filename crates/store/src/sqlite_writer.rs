//! The SQLite group commit on a thread of its own.
//!
//! The group-commit protocol — every queued command in ONE
//! transaction, a savepoint per command, one COMMIT, callers answered only
//! after it — but the batch runs synchronously on a dedicated OS thread that
//! owns its own connection (rusqlite, with cached prepared statements).
//! Through sqlx every statement is a hand-off to the connection's worker
//! thread and back (measured: 57 % of the request path's CPU was kernel
//! time, a third of it in task switches); here a whole batch costs two
//! hand-offs, and a statement costs what SQLite itself costs.
//!
//! ```text
//! callers ──queue──▶ batcher task ──(batch, write lock)──▶ writer thread
//!                    takes ≤ max_batch, then the           BEGIN IMMEDIATE
//!                    store's write connection as a          SAVEPOINT / command / RELEASE …
//!                    lock (fair FIFO with Store::begin)     aggregate deltas, once per key
//!                                                           COMMIT ──answers──▶ syncer thread:
//!                                                                               fsync(WAL), answer
//! ```
//!
//! The store's sqlx write pool has one connection; the batcher holds it while
//! the thread writes, so the thread and [`crate::Store::begin`] callers take
//! turns as the single writer of the database (no `SQLITE_BUSY` between the
//! two connections).
//!
//! Durable before answered, with the fsync off the writer's path: the
//! writer's connection commits with `synchronous = NORMAL` (the WAL frames
//! are written, not yet flushed) and hands the batch's answers to a syncer
//! thread, which fsyncs the WAL file and only then answers them; meanwhile
//! the writer already runs the next batch, and every batch committed during
//! one fsync shares the next. A caller's `Ok` therefore still means its
//! writes are on disk: the fsync of the WAL after its COMMIT covers every
//! frame written before it (checkpoints, for their part, sync the WAL before
//! copying it into the database). What changes is visibility: a committed
//! batch can be read by others a few milliseconds before its callers are
//! answered; if the machine loses power in between, those unanswered writes
//! may be lost, but nothing acknowledged is.
//!
//! Rules for a command: a plain synchronous closure over the connection; it
//! must not end the transaction (no COMMIT / ROLLBACK; `SAVEPOINT`s are fine)
//! and should not block on anything but the database. A failing or panicking
//! command fails alone (its savepoint is rolled back, its aggregate deltas
//! dropped); if BEGIN, a savepoint statement, the deltas or the COMMIT fail,
//! the batch is rolled back and every caller gets the error. A command whose
//! caller stopped waiting before it started is skipped.

use crate::batch::{batch_error, gone, Answer, Counters, WriterStats};
use crate::metrics::AggDeltas;
use crate::{Result, StoreError};
use rusqlite::Connection;
use sqlx::AnyPool;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most commands in one transaction.
const MAX_BATCH: usize = 512;
/// Queue capacity; callers wait (back-pressure) when it is full.
const QUEUE: usize = 2048;
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;

/// Handle to the writer thread; cheap to clone. The thread ends when the
/// last handle is dropped.
#[derive(Clone)]
pub struct SqliteWriter {
    queue: mpsc::Sender<Box<dyn SyncCommand>>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter").field("stats", &self.stats()).finish()
    }
}

/// A batch handed to the thread, with the signal the batcher waits for.
type Handoff = (Vec<Box<dyn SyncCommand>>, oneshot::Sender<()>);

impl SqliteWriter {
    /// Opens a connection to the database file `path` and starts the thread
    /// and its batcher task (on the current tokio runtime); `lock` is the
    /// store's write pool (one connection).
    pub fn spawn(path: &Path, lock: AnyPool) -> Result<Self> {
        let conn = Connection::open(path)?;
        // synchronous = NORMAL: the COMMIT writes the WAL frames without
        // waiting for the disk; the syncer thread makes them durable (see
        // the module doc) before anyone is answered. temp_store = MEMORY: the
        // savepoints' sub-journals stay in memory (in a file they cost a write
        // per page per command); a large page cache keeps the hot b-tree
        // pages of the batch's tables.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
             PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;",
        )?;
        let mut wal = WalFile::new(format!("{}-wal", path.display()).into());
        let (to_syncer, committed) = std::sync::mpsc::channel::<Vec<Answer>>();
        std::thread::Builder::new()
            .name("zhuqi-sqlite-sync".into())
            .spawn(move || {
                while let Ok(first) = committed.recv() {
                    // Every batch committed meanwhile shares this fsync.
                    let mut answers = first;
                    while let Ok(more) = committed.try_recv() {
                        answers.extend(more);
                    }
                    match wal.sync() {
                        Ok(()) => answers.into_iter().for_each(|a| a(None)),
                        Err(e) => {
                            tracing::error!(error = %e, "fsync of the WAL failed: the last batches may not be durable");
                            let e = StoreError::Db(sqlx::Error::Io(e));
                            answers.into_iter().for_each(|a| a(Some(&e)));
                        }
                    }
                }
            })
            .map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let counters = Arc::new(Counters::default());
        let (queue, mut rx) = mpsc::channel::<Box<dyn SyncCommand>>(QUEUE);
        let (to_thread, from_batcher) = std::sync::mpsc::channel::<Handoff>();
        let c = counters.clone();
        std::thread::Builder::new()
            .name("zhuqi-sqlite-writer".into())
            .spawn(move || {
                while let Ok((batch, finished)) = from_batcher.recv() {
                    let answers = run_batch(&conn, batch, &c);
                    // Committed: the write lock goes back at once, the
                    // callers are answered by the syncer after the fsync.
                    let _ = finished.send(());
                    if !answers.is_empty() && to_syncer.send(answers).is_err() {
                        tracing::error!("the WAL syncer stopped; callers are left unanswered");
                    }
                }
            })
            .map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let batch = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
                // The write connection, held as the database's write lock.
                let held = match lock.acquire().await {
                    Ok(c) => c,
                    Err(e) => {
                        let e = StoreError::from(e);
                        tracing::warn!(error = %e, commands = batch.len(), "write batch: no write lock");
                        batch.into_iter().for_each(|c| c.refuse(&e));
                        continue;
                    }
                };
                let (finished, wait) = oneshot::channel();
                if let Err(std::sync::mpsc::SendError((batch, _))) = to_thread.send((batch, finished)) {
                    batch.into_iter().for_each(|c| c.refuse(&gone()));
                    return;
                }
                let _ = wait.await;
                drop(held);
            }
        });
        Ok(Self { queue, counters })
    }

    /// Runs `f` in the next batch and answers once that batch is committed.
    /// `f` gets the connection (inside the batch's transaction, in its own
    /// savepoint) and the command's [`Deferred`] writes to add to.
    ///
    /// `Ok` means the command's writes are durable; `Err` is either the
    /// command's own error (its writes were rolled back, the others' were
    /// not) or the batch's failure (nothing of it was committed).
    pub async fn run<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&Connection, &mut Deferred) -> std::result::Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        if self.queue.send(Box::new(Pending { f, reply })).await.is_err() {
            return Err(E::from(gone()));
        }
        match answer.await {
            Ok(result) => result,
            Err(_) => Err(E::from(gone())),
        }
    }

    pub fn stats(&self) -> WriterStats {
        self.counters.stats()
    }

    /// Commands waiting in the queue.
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }
}

/// Writes a command leaves to the end of its batch, after every savepoint
/// is closed and just before the COMMIT: the metric aggregates (summed per
/// key, one upsert each) and full-text rows (FTS5 writes its pending terms
/// out as a new segment at every savepoint; deferred, a batch makes one).
/// A failed command's deferred writes are dropped with its savepoint.
#[derive(Debug, Default)]
pub struct Deferred {
    pub deltas: AggDeltas,
    /// `(rowid, search_text)` rows for `demands_fts`.
    pub demands_fts: Vec<(i64, String)>,
}

impl Deferred {
    fn merge(&mut self, other: Deferred) {
        self.deltas.merge(other.deltas);
        self.demands_fts.extend(other.demands_fts);
    }

    fn write(self, conn: &Connection) -> Result<()> {
        if !self.demands_fts.is_empty() {
            let mut st = conn.prepare_cached("INSERT INTO demands_fts (rowid, search_text) VALUES (?1, ?2)")?;
            for (id, text) in &self.demands_fts {
                st.execute(rusqlite::params![id, text])?;
            }
        }
        if !self.deltas.is_empty() {
            self.deltas.flush_sqlite(conn)?;
        }
        Ok(())
    }
}

trait SyncCommand: Send {
    fn abandoned(&self) -> bool;
    fn execute(self: Box<Self>, conn: &Connection, deltas: &mut Deferred) -> Executed;
    fn refuse(self: Box<Self>, error: &StoreError);
}

struct Executed {
    ok: bool,
    answer: Answer,
}

struct Pending<T, E, F> {
    f: F,
    reply: oneshot::Sender<std::result::Result<T, E>>,
}

impl<T, E, F> SyncCommand for Pending<T, E, F>
where
    F: FnOnce(&Connection, &mut Deferred) -> std::result::Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    fn abandoned(&self) -> bool {
        self.reply.is_closed()
    }

    fn execute(self: Box<Self>, conn: &Connection, deferred: &mut Deferred) -> Executed {
        let Pending { f, reply } = *self;
        let result = f(conn, deferred);
        let ok = result.is_ok();
        let answer: Answer = Box::new(move |batch: Option<&StoreError>| {
            let result = match (result, batch) {
                (Ok(_), Some(e)) => Err(E::from(batch_error(e))),
                (result, _) => result,
            };
            let _ = reply.send(result);
        });
        Executed { ok, answer }
    }

    fn refuse(self: Box<Self>, error: &StoreError) {
        let _ = self.reply.send(Err(E::from(batch_error(error))));
    }
}

fn exec(conn: &Connection, sql: &str) -> Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Runs a batch; returns the answers to give once its COMMIT is durable
/// (empty when the batch failed: its callers are answered at once).
fn run_batch(conn: &Connection, batch: Vec<Box<dyn SyncCommand>>, counters: &Counters) -> Vec<Answer> {
    let batch: Vec<_> = batch.into_iter().filter(|c| !c.abandoned()).collect();
    if batch.is_empty() {
        return Vec::new();
    }
    let n = batch.len() as u64;
    let mut pending = batch.into_iter();
    let mut done = Vec::with_capacity(pending.len());
    match execute(conn, &mut pending, &mut done) {
        Ok(()) => {
            counters.committed(n);
            done.into_iter().map(|d| d.answer).collect()
        }
        Err(e) => {
            tracing::warn!(error = %e, commands = n, "write batch failed, nothing of it committed");
            counters.failed();
            if !conn.is_autocommit() {
                if let Err(r) = conn.execute_batch("ROLLBACK") {
                    tracing::error!(error = %r, "write batch: ROLLBACK failed");
                }
            }
            for d in done {
                (d.answer)(Some(&e));
            }
            pending.for_each(|c| c.refuse(&e));
            Vec::new()
        }
    }
}

/// The WAL file, opened by the syncer to fsync it. fsync acts on the file,
/// whichever descriptor asks; the file is reopened if it was replaced (it
/// is not while the writer's connection keeps the database open).
struct WalFile {
    path: std::path::PathBuf,
    open: Option<(std::fs::File, u64)>,
}

impl WalFile {
    fn new(path: std::path::PathBuf) -> Self {
        Self { path, open: None }
    }

    fn sync(&mut self) -> std::io::Result<()> {
        let id = file_id(&std::fs::metadata(&self.path)?);
        if self.open.as_ref().map(|(_, i)| *i) != Some(id) {
            self.open = Some((std::fs::File::open(&self.path)?, id));
        }
        match &self.open {
            Some((f, _)) => f.sync_data(),
            None => Ok(()),
        }
    }
}

#[cfg(unix)]
fn file_id(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(m)
}

/// Without inode numbers the file is taken as never replaced (it is not
/// while the writer's connection keeps the database open).
#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> u64 {
    u64::MAX
}

fn execute(
    conn: &Connection,
    pending: &mut std::vec::IntoIter<Box<dyn SyncCommand>>,
    done: &mut Vec<Executed>,
) -> Result<()> {
    // Take the write lock up front: never a failed upgrade from a read.
    exec(conn, "BEGIN IMMEDIATE")?;
    let mut deferred = Deferred::default();
    for cmd in pending.by_ref() {
        if let Err(e) = exec(conn, "SAVEPOINT c") {
            cmd.refuse(&e);
            return Err(e);
        }
        let mut own = Deferred::default();
        let executed = std::panic::catch_unwind(AssertUnwindSafe(|| cmd.execute(conn, &mut own))).ok();
        let ok = executed.as_ref().is_some_and(|e| e.ok);
        if executed.is_none() {
            tracing::error!("a write command panicked; its savepoint is rolled back");
        }
        done.extend(executed);
        if ok {
            exec(conn, "RELEASE SAVEPOINT c")?;
            deferred.merge(own);
        } else {
            exec(conn, "ROLLBACK TO SAVEPOINT c")?;
            exec(conn, "RELEASE SAVEPOINT c")?;
        }
    }
    deferred.write(conn)?;
    exec(conn, "COMMIT")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use std::collections::{HashMap, HashSet};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;
    use tokio::sync::Notify;
    use zhuqi_domain::metrics::{FactKey, Facts, N};

    /// A scratch SQLite store with tables `wt`, `parent` / `child` (a
    /// deferred foreign key) and the metric tables.
    struct Db {
        store: Store,
        dir: std::path::PathBuf,
    }

    impl Db {
        async fn new() -> Self {
            // One directory per test, even when two start within the clock's resolution.
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let dir = std::env::temp_dir().join(format!(
                "zhuqi-sqlite-writer-{}-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed),
                {
                    use std::hash::{BuildHasher, Hasher};
                    std::collections::hash_map::RandomState::new().build_hasher().finish()
                }
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let store = Store::open(&dir.join("w.db").to_string_lossy()).await.unwrap();
            let mut tx = store.begin().await.unwrap();
            sqlx::raw_sql(
                "CREATE TABLE wt (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE);
                 CREATE TABLE parent (id INTEGER PRIMARY KEY);
                 CREATE TABLE child (id INTEGER PRIMARY KEY,
                    parent_id INTEGER NOT NULL REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)",
            )
            .execute(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
            Self { store, dir }
        }

        fn w(&self) -> SqliteWriter {
            self.store.sqlite_writer().unwrap().clone()
        }

        async fn rows(&self) -> HashMap<String, i64> {
            let mut c = self.store.read().await.unwrap();
            let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, k FROM wt").fetch_all(&mut *c).await.unwrap();
            rows.into_iter().map(|(id, k)| (k, id)).collect()
        }

        async fn received(&self) -> i64 {
            let mut c = self.store.read().await.unwrap();
            sqlx::query_scalar("SELECT COALESCE(SUM(received), 0) FROM metric_day").fetch_one(&mut *c).await.unwrap()
        }

        async fn close(self) {
            self.store.close().await;
            let _ = std::fs::remove_dir_all(self.dir);
        }
    }

    fn facts(day: i64) -> Facts {
        let mut v = [0; N];
        v[0] = 1;
        Facts {
            key: FactKey { day, district_id: 1, department_id: 0, category_code: "0102".into(), officer_id: 0 },
            reply_wd: -1,
            v,
        }
    }

    async fn insert(w: &SqliteWriter, k: String) -> Result<i64> {
        w.run(move |c, d| {
            d.deltas.add(&facts(20261127), 1);
            Ok(c.prepare_cached("INSERT INTO wt (k) VALUES (?1) RETURNING id")?.query_row([k], |r| r.get(0))?)
        })
        .await
    }

    /// Holds the writer thread inside a batch until `release` is notified.
    async fn hold(w: &SqliteWriter) -> (tokio::task::JoinHandle<Result<()>>, Arc<Notify>) {
        let (started_tx, started) = oneshot::channel();
        let release = Arc::new(Notify::new());
        let r = release.clone();
        let handle = tokio::runtime::Handle::current();
        let h = tokio::spawn({
            let w = w.clone();
            async move {
                w.run(move |_c, _d| {
                    let _ = started_tx.send(());
                    handle.block_on(r.notified());
                    Ok::<_, StoreError>(())
                })
                .await
            }
        });
        started.await.unwrap();
        (h, release)
    }

    async fn wait_queued(w: &SqliteWriter, n: usize) {
        for _ in 0..500 {
            if w.queued() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("only {} of {n} commands queued", w.queued());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_thousand_concurrent_inserts_commit_each_with_its_own_id_and_one_delta_row() {
        let db = Db::new().await;
        let w = db.w();
        let mut tasks = Vec::new();
        for i in 0..1000 {
            let w = w.clone();
            tasks.push(tokio::spawn(async move { (format!("k{i}"), insert(&w, format!("k{i}")).await) }));
        }
        let mut answered = HashMap::new();
        for t in tasks {
            let (k, id) = t.await.unwrap();
            answered.insert(k, id.unwrap());
        }
        assert_eq!(answered.values().copied().collect::<HashSet<_>>().len(), 1000);
        assert_eq!(db.rows().await, answered, "each caller got the id of its own row");
        let s = w.stats();
        assert_eq!(s.commands, 1000);
        assert!(s.batches < 1000, "commands were grouped ({} batches)", s.batches);
        assert_eq!(db.received().await, 1000, "every command's deltas, summed per key");
        let mut c = db.store.read().await.unwrap();
        let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_day").fetch_one(&mut *c).await.unwrap();
        assert_eq!(keys, 1);
        drop(c);
        db.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_or_panicking_command_fails_alone_and_its_writes_and_deltas_are_dropped() {
        let db = Db::new().await;
        let w = db.w();
        insert(&w, "dup".into()).await.unwrap();
        let before = w.stats();
        let (held, release) = hold(&w).await;
        let mut tasks = Vec::new();
        for k in ["a", "b", "dup", "c"] {
            let w = w.clone();
            tasks.push(tokio::spawn(async move { insert(&w, k.to_string()).await }));
        }
        let partial = tokio::spawn({
            let w = w.clone();
            async move {
                w.run(|c, d| {
                    d.deltas.add(&facts(20261127), 1);
                    d.demands_fts.push((1, "x".into()));
                    c.execute("INSERT INTO wt (k) VALUES ('partial')", [])?;
                    Err::<(), _>(StoreError::Unique("refused by the command".into()))
                })
                .await
            }
        });
        let panicking = tokio::spawn({
            let w = w.clone();
            async move {
                w.run(|c, _d| {
                    c.execute("INSERT INTO wt (k) VALUES ('panic')", [])?;
                    panic!("a bug in a command");
                    #[expect(unreachable_code, reason = "the panic above is the point")]
                    Ok::<(), StoreError>(())
                })
                .await
            }
        });
        wait_queued(&w, 6).await;
        release.notify_one();
        held.await.unwrap().unwrap();
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        assert!(results[0].is_ok() && results[1].is_ok() && results[3].is_ok(), "{results:?}");
        assert!(matches!(results[2], Err(StoreError::Unique(_))), "{:?}", results[2]);
        assert!(matches!(partial.await.unwrap(), Err(StoreError::Unique(m)) if m == "refused by the command"));
        assert!(panicking.await.unwrap().is_err());
        let after = w.stats();
        assert_eq!(after.batches - before.batches, 2, "the hold, then one batch of six");
        assert_eq!(after.commands - before.commands, 7);
        let mut keys: Vec<_> = db.rows().await.into_keys().collect();
        keys.sort();
        assert_eq!(keys, ["a", "b", "c", "dup"]);
        assert_eq!(db.received().await, 4, "dup, a, b, c: the failed commands' deltas were dropped");
        insert(&w, "after".into()).await.unwrap();
        db.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn nothing_is_visible_before_the_answer_and_a_failed_commit_fails_every_caller() {
        let db = Db::new().await;
        let w = db.w();
        // Written but not committed: a reader does not see it.
        let (inserted_tx, inserted) = oneshot::channel();
        let release = Arc::new(Notify::new());
        let r = release.clone();
        let handle = tokio::runtime::Handle::current();
        let writing = tokio::spawn({
            let w = w.clone();
            async move {
                w.run(move |c, _d| {
                    c.execute("INSERT INTO wt (k) VALUES ('v')", [])?;
                    let _ = inserted_tx.send(());
                    handle.block_on(r.notified());
                    Ok::<_, StoreError>(())
                })
                .await
            }
        });
        inserted.await.unwrap();
        assert!(db.rows().await.is_empty());
        release.notify_one();
        writing.await.unwrap().unwrap();
        assert!(db.rows().await.contains_key("v"));

        // A dangling deferred reference: the statement passes, the COMMIT refuses.
        let (held, release) = hold(&w).await;
        let mut tasks = Vec::new();
        for k in ["x", "y"] {
            let w = w.clone();
            tasks.push(tokio::spawn(async move { insert(&w, k.to_string()).await }));
        }
        let dangling = tokio::spawn({
            let w = w.clone();
            async move {
                w.run(|c, _d| {
                    c.execute("INSERT INTO child (id, parent_id) VALUES (1, 999)", [])?;
                    Ok::<_, StoreError>(())
                })
                .await
            }
        });
        wait_queued(&w, 3).await;
        release.notify_one();
        held.await.unwrap().unwrap();
        for t in tasks {
            assert!(t.await.unwrap().is_err());
        }
        assert!(dangling.await.unwrap().is_err());
        assert_eq!(db.rows().await.len(), 1, "nothing of the failed batch committed");
        assert_eq!(db.received().await, 0);
        assert_eq!(w.stats().failed_batches, 1);
        // The writer and Store::begin go on, taking turns.
        let mut tasks = Vec::new();
        for i in 0..60 {
            let (w, store) = (w.clone(), db.store.clone());
            tasks.push(tokio::spawn(async move {
                if i % 6 == 0 {
                    let mut tx = store.begin().await?;
                    sqlx::query("INSERT INTO wt (k) VALUES ($1)").bind(format!("t{i}")).execute(&mut *tx).await?;
                    tx.commit().await?;
                    Ok(0)
                } else {
                    insert(&w, format!("t{i}")).await
                }
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(db.rows().await.len(), 61);
        db.close().await;
    }
}
