//! The generic group commit over sqlx, measured by phase (b) on PostgreSQL:
//! durable writes at the rate of the disk's batches, not of its single
//! commits. The product's own group commits are the store's SQLite writer
//! thread (`zhuqi_store::sqlite_writer`) and PostgreSQL bulk submitter
//! (`zhuqi_store::submit::PgSubmitter`); this one runs any sqlx closure and
//! lives here, beside the benchmark that compares it with them.
//!
//! A [`Writer`] owns one or more writer tasks fed by a bounded queue. A task
//! takes every queued command (up to [`WriterConfig::max_batch`]), opens ONE
//! transaction, runs each command inside its own savepoint, commits once and
//! only then answers every caller:
//!
//! ```text
//! BEGIN [IMMEDIATE]
//! SAVEPOINT c            command 1 ... ok     → RELEASE SAVEPOINT c
//! SAVEPOINT c            command 2 ... failed → ROLLBACK TO SAVEPOINT c; RELEASE SAVEPOINT c
//! SAVEPOINT c            command 3 ... ok     → RELEASE SAVEPOINT c
//! COMMIT                 → answer 1 and 3 with their values, 2 with its error
//! ```
//!
//! One failing command never aborts the others: its savepoint is rolled back
//! and the batch goes on. If anything outside the commands fails (BEGIN, a
//! savepoint statement, the COMMIT), nothing of the batch was acknowledged:
//! every caller gets an error and the connection is closed.
//!
//! Each batch acquires the connection from the store's write pool
//! (`Store::write_pool`) and gives it back afterwards, so `Store::begin` keeps working beside the
//! writer. On SQLite that pool has one connection, so the writer is the
//! single writer of the database (fair FIFO with `Store::begin` callers);
//! `synchronous = FULL` makes every COMMIT durable before anyone is answered.
//!
//! On PostgreSQL one writer task would serialise every write through one
//! connection, so several tasks share the queue (an idle task takes the next
//! batch while another commits); see [`WriterConfig::for_engine`] for the
//! measured choice.
//!
//! Rules for a command: it must not end the transaction (no COMMIT or
//! ROLLBACK; nested `Connection::begin` is fine, it becomes a savepoint), and
//! it runs inside a transaction shared with other callers, so it should not
//! wait for anything outside the database. On SQLite, never call the writer
//! while holding a transaction from `Store::begin`: both need the one write
//! connection. A command whose caller stopped
//! waiting before the command started is skipped. A command that panics
//! fails alone (its caller gets an error), the writer goes on.

use sqlx::{AnyPool, Connection, Executor};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::{mpsc, oneshot, Mutex};
use zhuqi_store::batch::{batch_error, Answer, Counters, WriterStats};
use zhuqi_store::sqlite_writer::{held_answer, queue_and_wait};
use zhuqi_store::{Conn, Engine, StoreError};

/// A boxed future borrowing the connection (the same shape as sqlx's).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a [`Writer`] batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterConfig {
    /// Most commands in one transaction.
    pub max_batch: usize,
    /// Capacity of the queue; callers wait (back-pressure) when it is full.
    pub queue: usize,
    /// Writer tasks sharing the queue, each with its own connection per batch.
    pub tasks: usize,
}

impl WriterConfig {
    /// The defaults per engine, measured with `zhuqi-bench` at 64 clients on
    /// 2 cores (see `bench/README.md`).
    ///
    /// SQLite: one task — the database has one writer anyway; batches are as
    /// large as the queue (up to 256), which amortises each fsync.
    ///
    /// PostgreSQL: four tasks with batches of at most 16. One task serialises
    /// every write behind one connection's round trips (slower than a pool of
    /// plain transactions); four with small batches keep four backends busy
    /// while still sharing each WAL flush. With larger batches one task takes
    /// the whole queue and runs it alone while the others idle (4 × 64 was
    /// about 20 % slower than 4 × 16; 8 tasks no faster than 4).
    pub fn for_engine(engine: Engine) -> Self {
        match engine {
            Engine::Sqlite => Self { max_batch: 256, queue: 1024, tasks: 1 },
            Engine::Postgres => Self { max_batch: 16, queue: 1024, tasks: 4 },
        }
    }
}

/// Handle to the writer tasks; cheap to clone. The tasks end when the last
/// handle is dropped.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Box<dyn Command>>,
    config: WriterConfig,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("config", &self.config).field("stats", &self.stats()).finish()
    }
}

impl Writer {
    /// Starts the writer tasks on the current tokio runtime, writing through
    /// `pool` (the store's write pool).
    pub fn spawn(pool: AnyPool, engine: Engine, config: WriterConfig) -> Self {
        let config =
            WriterConfig { max_batch: config.max_batch.max(1), queue: config.queue.max(1), tasks: config.tasks.max(1) };
        let (queue, rx) = mpsc::channel(config.queue);
        let rx = Arc::new(Mutex::new(rx));
        let counters = Arc::new(Counters::default());
        let begin = match engine {
            // Take the write lock up front: never a failed upgrade from a read
            // transaction when another process writes too.
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => "BEGIN",
        };
        for _ in 0..config.tasks {
            tokio::spawn(work(pool.clone(), begin, rx.clone(), config.max_batch, counters.clone()));
        }
        Self { queue, config, counters }
    }

    /// Runs `f` in the next batch and answers once that batch is committed.
    ///
    /// `Ok` means the command's writes are durable; `Err` is either the
    /// command's own error (its writes were rolled back, the others' were
    /// not) or the batch's failure (nothing of it was committed), converted
    /// with `E::from`. With `E = StoreError`, write `Ok::<_, StoreError>(v)`
    /// at the end of the closure if the compiler asks for the error type.
    ///
    /// ```no_run
    /// # async fn f(writer: &Writer, k: String) -> Result<i64, zhuqi_store::StoreError> {
    /// use zhuqi_store::StoreError;
    /// let id = writer
    ///     .run(move |c| {
    ///         Box::pin(async move {
    ///             let id: i64 = sqlx::query_scalar("INSERT INTO t (k) VALUES ($1) RETURNING id")
    ///                 .bind(k)
    ///                 .fetch_one(&mut *c)
    ///                 .await?;
    ///             Ok::<_, StoreError>(id)
    ///         })
    ///     })
    ///     .await?;
    /// # Ok(id) }
    /// ```
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        queue_and_wait(&self.queue, |reply| Box::new(Pending { f, reply })).await
    }

    pub fn config(&self) -> WriterConfig {
        self.config
    }

    pub fn stats(&self) -> WriterStats {
        self.counters.stats()
    }

    /// Commands waiting in the queue (the tests hold a batch until enough queued).
    #[cfg(test)]
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }
}

/// A queued command with its caller's answer channel, type-erased.
trait Command: Send {
    /// The caller no longer waits.
    fn abandoned(&self) -> bool;
    /// Runs the command; the answer is held until the batch's fate is known.
    fn execute<'c>(self: Box<Self>, conn: &'c mut Conn) -> BoxFuture<'c, Executed>;
    /// The batch failed before this command ran.
    fn refuse(self: Box<Self>, error: &StoreError);
}

struct Executed {
    ok: bool,
    answer: Answer,
}

struct Pending<T, E, F> {
    f: F,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> Command for Pending<T, E, F>
where
    F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    fn abandoned(&self) -> bool {
        self.reply.is_closed()
    }

    fn execute<'c>(self: Box<Self>, conn: &'c mut Conn) -> BoxFuture<'c, Executed> {
        let Pending { f, reply } = *self;
        Box::pin(async move {
            let result = f(conn).await;
            Executed { ok: result.is_ok(), answer: held_answer(result, reply) }
        })
    }

    fn refuse(self: Box<Self>, error: &StoreError) {
        let _ = self.reply.send(Err(E::from(batch_error(error))));
    }
}

/// Polls a future, turning a panic into `Err(())`.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        }
    }
}

/// One writer task: take a batch, run it, repeat until every handle is gone.
async fn work(
    pool: AnyPool,
    begin: &'static str,
    rx: Arc<Mutex<mpsc::Receiver<Box<dyn Command>>>>,
    max_batch: usize,
    counters: Arc<Counters>,
) {
    let mut batch = Vec::with_capacity(max_batch);
    loop {
        {
            // While this task waits for work the others wait for the lock;
            // once it has a batch the next idle task collects the next one.
            let mut rx = rx.lock().await;
            if rx.recv_many(&mut batch, max_batch).await == 0 {
                return;
            }
        }
        run_batch(&pool, begin, std::mem::take(&mut batch), &counters).await;
    }
}

async fn run_batch(pool: &AnyPool, begin: &'static str, batch: Vec<Box<dyn Command>>, counters: &Counters) {
    let batch: Vec<_> = batch.into_iter().filter(|c| !c.abandoned()).collect();
    if batch.is_empty() {
        return;
    }
    let n = batch.len() as u64;
    let mut pending = batch.into_iter();
    let mut done = Vec::with_capacity(pending.len());
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => {
            let e = StoreError::from(e);
            tracing::warn!(error = %e, commands = n, "write batch: no connection");
            counters.failed();
            pending.for_each(|c| c.refuse(&e));
            return;
        }
    };
    match execute(&mut conn, begin, &mut pending, &mut done).await {
        Ok(()) => {
            counters.committed(n);
            drop(conn);
            for d in done {
                (d.answer)(None);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, commands = n, "write batch failed, nothing of it committed");
            counters.failed();
            // Its state is unknown (an open or aborted transaction): do not reuse it.
            conn.close_on_drop();
            drop(conn);
            for d in done {
                (d.answer)(Some(&e));
            }
            pending.for_each(|c| c.refuse(&e));
        }
    }
}

/// Runs the commands of `pending` in one transaction; `done` gets the answer
/// of each command that ran, `pending` keeps those that did not.
async fn execute(
    conn: &mut Conn,
    begin: &'static str,
    pending: &mut std::vec::IntoIter<Box<dyn Command>>,
    done: &mut Vec<Executed>,
) -> Result<(), StoreError> {
    let mut tx = conn.begin_with(begin).await?;
    // The statements closing the previous savepoint and opening the next go
    // in one round trip.
    let mut previous_ok = None;
    while pending.len() > 0 {
        let open = match previous_ok {
            None => "SAVEPOINT c",
            Some(true) => "RELEASE SAVEPOINT c; SAVEPOINT c",
            Some(false) => "ROLLBACK TO SAVEPOINT c; RELEASE SAVEPOINT c; SAVEPOINT c",
        };
        (&mut *tx).execute(open).await?;
        let Some(cmd) = pending.next() else { break };
        let executed = match std::panic::catch_unwind(AssertUnwindSafe(|| cmd.execute(&mut tx))) {
            Ok(fut) => CatchUnwind(fut).await.ok(),
            Err(_) => None,
        };
        previous_ok = Some(match executed {
            Some(executed) => {
                let ok = executed.ok;
                done.push(executed);
                ok
            }
            None => {
                tracing::error!("a write command panicked; its savepoint is rolled back");
                false
            }
        });
    }
    // Close the last savepoint explicitly: on PostgreSQL a COMMIT of an
    // aborted transaction answers ROLLBACK without an error, a RELEASE fails.
    let close = match previous_ok {
        None => None,
        Some(true) => Some("RELEASE SAVEPOINT c"),
        Some(false) => Some("ROLLBACK TO SAVEPOINT c; RELEASE SAVEPOINT c"),
    };
    if let Some(close) = close {
        (&mut *tx).execute(close).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests;
