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
use zhuqi_store::batch::{batch_error, gone, Answer, Counters, WriterStats};
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
        let (reply, answer) = oneshot::channel();
        if self.queue.send(Box::new(Pending { f, reply })).await.is_err() {
            return Err(E::from(gone()));
        }
        match answer.await {
            Ok(result) => result,
            Err(_) => Err(E::from(gone())),
        }
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
            let ok = result.is_ok();
            let answer: Answer = Box::new(move |batch: Option<&StoreError>| {
                let result = match (result, batch) {
                    (Ok(_), Some(e)) => Err(E::from(batch_error(e))),
                    (result, _) => result,
                };
                // The caller may have stopped waiting; the outcome stands anyway.
                let _ = reply.send(result);
            });
            Executed { ok, answer }
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
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};
    use std::hash::{BuildHasher, Hasher};
    use std::time::Duration;
    use tokio::sync::Notify;
    use zhuqi_store::Store;

    fn random() -> u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.finish()
    }

    /// A scratch database per test (SQLite file, or a PostgreSQL database
    /// `zt_writer_*` on the server of `ZHUQI_TEST_PG`), with a table `wt`.
    struct Db {
        store: Store,
        /// A writer over the store's write pool, with the engine's defaults.
        writer: Writer,
        pg: Option<(String, String)>,
        dir: Option<std::path::PathBuf>,
    }

    impl Db {
        async fn new(engine: &str) -> Db {
            let (db, pg, dir) = match engine {
                "postgres" => {
                    let base = std::env::var("ZHUQI_TEST_PG").unwrap();
                    let name = format!("zt_writer_{:016x}", random());
                    sqlx::any::install_default_drivers();
                    let mut c = <Conn as Connection>::connect(&base).await.unwrap();
                    c.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
                    let (prefix, _) = base.rsplit_once('/').unwrap();
                    (format!("{prefix}/{name}"), Some((base, name)), None)
                }
                _ => {
                    let dir = std::env::temp_dir().join(format!("zhuqi-writer-{:016x}", random()));
                    std::fs::create_dir_all(&dir).unwrap();
                    (dir.join("w.db").to_string_lossy().into_owned(), None, Some(dir))
                }
            };
            let store = Store::connect(&db).await.unwrap();
            let ddl = match store.engine() {
                Engine::Sqlite => {
                    "CREATE TABLE wt (id INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT NOT NULL UNIQUE);
                     CREATE TABLE parent (id INTEGER PRIMARY KEY);
                     CREATE TABLE child (id INTEGER PRIMARY KEY,
                        parent_id INTEGER NOT NULL REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
                }
                Engine::Postgres => {
                    "CREATE TABLE wt (id BIGSERIAL PRIMARY KEY, k TEXT NOT NULL UNIQUE);
                     CREATE TABLE parent (id BIGINT PRIMARY KEY);
                     CREATE TABLE child (id BIGINT PRIMARY KEY,
                        parent_id BIGINT NOT NULL REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
                }
            };
            let mut tx = store.begin().await.unwrap();
            sqlx::raw_sql(ddl).execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            let writer =
                Writer::spawn(store.write_pool().clone(), store.engine(), WriterConfig::for_engine(store.engine()));
            Db { store, writer, pg, dir }
        }

        async fn drop_db(self) {
            self.store.close().await;
            if let Some((base, name)) = self.pg {
                let mut c = <Conn as Connection>::connect(&base).await.unwrap();
                c.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await.unwrap();
            }
            if let Some(dir) = self.dir {
                let _ = std::fs::remove_dir_all(dir);
            }
        }

        /// The committed rows, as seen by a reader.
        async fn rows(&self) -> HashMap<String, i64> {
            let mut c = self.store.read().await.unwrap();
            let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, k FROM wt").fetch_all(&mut *c).await.unwrap();
            rows.into_iter().map(|(id, k)| (k, id)).collect()
        }
    }

    fn engines() -> Vec<&'static str> {
        let mut v = vec!["sqlite"];
        if std::env::var("ZHUQI_TEST_PG").is_ok_and(|s| !s.is_empty()) {
            v.push("postgres");
        }
        v
    }

    async fn insert(w: &Writer, k: String) -> Result<i64, StoreError> {
        w.run(move |c| {
            Box::pin(async move {
                let id: i64 = sqlx::query_scalar("INSERT INTO wt (k) VALUES ($1) RETURNING id")
                    .bind(k)
                    .fetch_one(&mut *c)
                    .await?;
                Ok(id)
            })
        })
        .await
    }

    /// Holds the writer inside a batch until `release` is notified, so that
    /// the commands queued meanwhile form the next batch together.
    async fn hold(w: &Writer) -> (tokio::task::JoinHandle<Result<(), StoreError>>, Arc<Notify>) {
        let (started_tx, started) = oneshot::channel();
        let release = Arc::new(Notify::new());
        let r = release.clone();
        let h = tokio::spawn({
            let w = w.clone();
            async move {
                w.run(move |_c| {
                    Box::pin(async move {
                        let _ = started_tx.send(());
                        r.notified().await;
                        Ok::<_, StoreError>(())
                    })
                })
                .await
            }
        });
        started.await.unwrap();
        (h, release)
    }

    /// A writer with one task, so that a held batch holds every command
    /// queued behind it (the engine's default on SQLite; PostgreSQL's has several).
    fn single(db: &Db) -> Writer {
        let config = db.writer.config();
        if config.tasks == 1 {
            db.writer.clone()
        } else {
            Writer::spawn(db.store.write_pool().clone(), db.store.engine(), WriterConfig { tasks: 1, ..config })
        }
    }

    async fn wait_queued(w: &Writer, n: usize) {
        for _ in 0..500 {
            if w.queued() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("only {} of {n} commands queued", w.queued());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_thousand_concurrent_inserts_all_commit_each_with_its_own_id() {
        for engine in engines() {
            let db = Db::new(engine).await;
            let w = db.writer.clone();
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
            let ids: HashSet<i64> = answered.values().copied().collect();
            assert_eq!(ids.len(), 1000, "{engine}: distinct ids");
            assert_eq!(db.rows().await, answered, "{engine}: each caller got the id of its own row");
            let s = w.stats();
            assert_eq!(s.commands, 1000, "{engine}");
            assert!(s.batches < 1000, "{engine}: commands were grouped ({} batches)", s.batches);
            db.drop_db().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_command_fails_alone_and_its_writes_are_rolled_back() {
        for engine in engines() {
            let db = Db::new(engine).await;
            let w = single(&db);
            insert(&w, "dup".into()).await.unwrap();
            let before = w.stats();

            let (held, release) = hold(&w).await;
            let mut tasks = Vec::new();
            for k in ["a", "b", "dup", "c"] {
                let w = w.clone();
                tasks.push(tokio::spawn(async move { insert(&w, k.to_string()).await }));
            }
            // Writes, then fails with its own error: the write must not survive.
            let partial = tokio::spawn({
                let w = w.clone();
                async move {
                    w.run(|c| {
                        Box::pin(async move {
                            sqlx::query("INSERT INTO wt (k) VALUES ('partial')").execute(&mut *c).await?;
                            Err::<(), _>(StoreError::Db(sqlx::Error::RowNotFound))
                        })
                    })
                    .await
                }
            });
            // Panics after writing: fails alone too.
            let panicking = tokio::spawn({
                let w = w.clone();
                async move {
                    w.run(|c| {
                        Box::pin(async move {
                            sqlx::query("INSERT INTO wt (k) VALUES ('panic')").execute(&mut *c).await?;
                            panic!("a bug in a command");
                            #[expect(unreachable_code, reason = "the panic above is the point")]
                            Ok::<(), StoreError>(())
                        })
                    })
                    .await
                }
            });
            wait_queued(&w, 6).await;
            release.notify_one();
            held.await.unwrap().unwrap();

            let results: Vec<_> = {
                let mut v = Vec::new();
                for t in tasks {
                    v.push(t.await.unwrap());
                }
                v
            };
            assert!(results[0].is_ok() && results[1].is_ok() && results[3].is_ok(), "{engine}: {results:?}");
            assert!(matches!(results[2], Err(StoreError::Unique(_))), "{engine}: {:?}", results[2]);
            assert!(matches!(partial.await.unwrap(), Err(StoreError::Db(sqlx::Error::RowNotFound))), "{engine}");
            assert!(panicking.await.unwrap().is_err(), "{engine}");

            let after = w.stats();
            assert_eq!(after.batches - before.batches, 2, "{engine}: the hold, then one batch of six");
            assert_eq!(after.commands - before.commands, 7, "{engine}");
            let rows = db.rows().await;
            let mut keys: Vec<_> = rows.keys().cloned().collect();
            keys.sort();
            assert_eq!(keys, ["a", "b", "c", "dup"], "{engine}");
            assert_eq!(rows["a"], results[0].as_ref().copied().unwrap(), "{engine}");

            // The writer goes on.
            insert(&w, "after".into()).await.unwrap();
            db.drop_db().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rows_are_visible_once_the_caller_is_answered_and_not_before() {
        for engine in engines() {
            let db = Db::new(engine).await;
            let w = db.writer.clone();
            let (inserted_tx, inserted) = oneshot::channel();
            let release = Arc::new(Notify::new());
            let r = release.clone();
            let mut writing = tokio::spawn({
                let w = w.clone();
                async move {
                    w.run(move |c| {
                        Box::pin(async move {
                            let id: i64 = sqlx::query_scalar("INSERT INTO wt (k) VALUES ('v') RETURNING id")
                                .fetch_one(&mut *c)
                                .await?;
                            let _ = inserted_tx.send(());
                            r.notified().await;
                            Ok::<_, StoreError>(id)
                        })
                    })
                    .await
                }
            });
            inserted.await.unwrap();
            // Written but not committed: readers do not see it, the caller is not answered.
            assert!(db.rows().await.is_empty(), "{engine}");
            assert!(tokio::time::timeout(Duration::from_millis(50), &mut writing).await.is_err(), "{engine}");
            release.notify_one();
            let id = writing.await.unwrap().unwrap();
            // Answered: committed, a reader on another connection sees it.
            assert_eq!(db.rows().await.get("v"), Some(&id), "{engine}");

            // A plain answer-then-read from many callers.
            for i in 0..50 {
                let id = insert(&w, format!("r{i}")).await.unwrap();
                let mut c = db.store.read().await.unwrap();
                let seen: Option<i64> = sqlx::query_scalar("SELECT id FROM wt WHERE k = $1")
                    .bind(format!("r{i}"))
                    .fetch_optional(&mut *c)
                    .await
                    .unwrap();
                assert_eq!(seen, Some(id), "{engine}");
            }
            db.drop_db().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_commit_fails_every_caller_of_the_batch_and_commits_nothing() {
        for engine in engines() {
            let db = Db::new(engine).await;
            let w = single(&db);
            let (held, release) = hold(&w).await;
            let mut tasks = Vec::new();
            for k in ["x", "y"] {
                let w = w.clone();
                tasks.push(tokio::spawn(async move { insert(&w, k.to_string()).await }));
            }
            // A dangling reference to a deferred foreign key: the statement
            // passes, the COMMIT refuses.
            let dangling = tokio::spawn({
                let w = w.clone();
                async move {
                    w.run(|c| {
                        Box::pin(async move {
                            sqlx::query("INSERT INTO child (id, parent_id) VALUES (1, 999)").execute(&mut *c).await?;
                            Ok::<_, StoreError>(())
                        })
                    })
                    .await
                }
            });
            wait_queued(&w, 3).await;
            release.notify_one();
            held.await.unwrap().unwrap();
            for t in tasks {
                assert!(t.await.unwrap().is_err(), "{engine}");
            }
            assert!(dangling.await.unwrap().is_err(), "{engine}");
            assert!(db.rows().await.is_empty(), "{engine}: nothing of the failed batch committed");
            assert_eq!(w.stats().failed_batches, 1, "{engine}");

            // The writer and Store::begin go on.
            insert(&w, "after".into()).await.unwrap();
            let mut tx = db.store.begin().await.unwrap();
            sqlx::query("INSERT INTO wt (k) VALUES ('tx')").execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(db.rows().await.len(), 2, "{engine}");
            db.drop_db().await;
        }
    }

    /// On the single-threaded runtime too.
    #[tokio::test]
    async fn a_command_can_nest_a_transaction_and_store_begin_interleaves() {
        for engine in engines() {
            let db = Db::new(engine).await;
            let w = db.writer.clone();
            let nested = w
                .run(|c| {
                    Box::pin(async move {
                        let mut t = c.begin().await?;
                        sqlx::query("INSERT INTO wt (k) VALUES ('n1')").execute(&mut *t).await?;
                        t.commit().await?;
                        let mut t = c.begin().await?;
                        sqlx::query("INSERT INTO wt (k) VALUES ('n2')").execute(&mut *t).await?;
                        t.rollback().await?;
                        Ok::<_, StoreError>(())
                    })
                })
                .await;
            assert!(nested.is_ok(), "{engine}: {nested:?}");
            let mut tasks = Vec::new();
            for i in 0..100 {
                let w = w.clone();
                let store = db.store.clone();
                tasks.push(tokio::spawn(async move {
                    if i % 10 == 0 {
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
            let rows = db.rows().await;
            assert_eq!(rows.len(), 101, "{engine}");
            assert!(rows.contains_key("n1") && !rows.contains_key("n2"), "{engine}");
            db.drop_db().await;
        }
    }
}
