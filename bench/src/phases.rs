//! Phases (a) and (b): the same single-row INSERT, one transaction each or
//! through a group-commit writer.

use crate::measure::{drive, Outcome};
use crate::writer::{Writer, WriterConfig};
use crate::{Args, INSERT};
use anyhow::Result;
use std::future::Future;
use zhuqi_store::batch::WriterStats;
use zhuqi_store::{Engine, Store, StoreError};

async fn bench_table(store: &Store) -> Result<()> {
    let ddl = match store.engine() {
        Engine::Sqlite => "CREATE TABLE bench (id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
        Engine::Postgres => "CREATE TABLE bench (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)",
    };
    let mut tx = store.begin().await?;
    sqlx::query(ddl).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn bare(args: &Args, db: String) -> Result<Outcome> {
    let store = Store::connect(&db).await?;
    bench_table(&store).await?;
    let o = drive_inserts(args, &store, |store, v| async move {
        let mut tx = store.begin().await?;
        let _id: i64 = sqlx::query_scalar(INSERT).bind(v).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await;
    store.close().await;
    o
}

pub(crate) async fn writer(args: &Args, db: String, config: Option<WriterConfig>) -> Result<(Outcome, String)> {
    let store = Store::connect(&db).await?;
    bench_table(&store).await?;
    // SQLite: the writer thread the product uses (rusqlite, cached statements).
    if let (Some(w), None) = (store.sqlite_writer().cloned(), config) {
        let before = w.stats();
        let o = drive_inserts(args, &w, |w, v| async move {
            let _id: i64 = w
                .run(move |c, _deltas| Ok::<_, StoreError>(c.prepare_cached(INSERT)?.query_row([v], |r| r.get(0))?))
                .await?;
            Ok(())
        })
        .await;
        let after = w.stats();
        store.close().await;
        let mut o = o?;
        o.note = batches(before, after);
        return Ok((o, "writer thread, batch ≤ 512".into()));
    }
    let (w, pool) = match config {
        None => {
            (Writer::spawn(store.write_pool().clone(), store.engine(), WriterConfig::for_engine(store.engine())), None)
        }
        Some(config) => {
            let pool = sqlx::any::AnyPoolOptions::new().max_connections(16).connect(&db).await?;
            (Writer::spawn(pool.clone(), store.engine(), config), Some(pool))
        }
    };
    let c = w.config();
    let label = format!("{} task{}, batch ≤ {}", c.tasks, if c.tasks == 1 { "" } else { "s" }, c.max_batch);
    let before = w.stats();
    let o = drive_inserts(args, &w, |w, v| async move {
        let _id: i64 = w
            .run(move |c| {
                Box::pin(
                    async move { Ok::<_, StoreError>(sqlx::query_scalar(INSERT).bind(v).fetch_one(&mut *c).await?) },
                )
            })
            .await?;
        Ok(())
    })
    .await;
    let after = w.stats();
    if let Some(pool) = pool {
        pool.close().await;
    }
    store.close().await;
    let mut o = o?;
    o.note = batches(before, after);
    Ok((o, label))
}

/// Drives `insert(handle, v)` with a clone of `handle` per call and the
/// call's own value `v` (`client-seq`, unique in the phase).
async fn drive_inserts<H, F, Fut>(args: &Args, handle: &H, insert: F) -> Result<Outcome>
where
    H: Clone + Send + Sync + 'static,
    F: Fn(H, String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let handle = handle.clone();
    drive(args, move |client, seq| insert(handle.clone(), format!("{client}-{seq}"))).await
}

pub(crate) fn batches(before: WriterStats, after: WriterStats) -> String {
    let b = after.batches - before.batches;
    let n = after.commands - before.commands;
    if b == 0 {
        "writer unused".into()
    } else {
        format!("{:.1} commands/commit", n as f64 / b as f64)
    }
}
