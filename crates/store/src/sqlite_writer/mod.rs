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
//!
//! Files: this one (the handle, its threads and batcher), `batch.rs` (one
//! batch: savepoints, deferred writes, COMMIT), `wal.rs` (the syncer's fsync).

mod batch;
#[cfg(test)]
mod tests;
mod wal;

use crate::batch::{gone, Answer, Counters, WriterStats};
use crate::metrics::AggDeltas;
use crate::{Result, StoreError};
pub use batch::held_answer;
use batch::{run_batch, Pending, SyncCommand};
use rusqlite::Connection;
use sqlx::AnyPool;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use wal::WalFile;

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
        queue_and_wait(&self.queue, |reply| Box::new(Pending { f, reply })).await
    }

    pub fn stats(&self) -> WriterStats {
        self.counters.stats()
    }

    /// Commands waiting in the queue.
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }
}

/// Queues the command `make(reply)`, built around its caller's answer
/// channel, and waits for the answer; [`gone`] when the writer has stopped
/// (the queue or the answer channel closed unanswered).
pub async fn queue_and_wait<C, T, E>(
    queue: &mpsc::Sender<Box<C>>,
    make: impl FnOnce(oneshot::Sender<std::result::Result<T, E>>) -> Box<C>,
) -> std::result::Result<T, E>
where
    C: ?Sized,
    E: From<StoreError>,
{
    let (reply, answer) = oneshot::channel();
    if queue.send(make(reply)).await.is_err() {
        return Err(E::from(gone()));
    }
    match answer.await {
        Ok(result) => result,
        Err(_) => Err(E::from(gone())),
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
    pub(crate) fn merge(&mut self, other: Deferred) {
        self.deltas.merge(other.deltas);
        self.demands_fts.extend(other.demands_fts);
    }

    pub(crate) fn write(self, conn: &Connection) -> Result<()> {
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
