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
