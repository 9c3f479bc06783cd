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
            let id: i64 =
                sqlx::query_scalar("INSERT INTO wt (k) VALUES ($1) RETURNING id").bind(k).fetch_one(&mut *c).await?;
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
