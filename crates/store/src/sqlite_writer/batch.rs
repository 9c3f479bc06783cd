//! One batch on the writer thread: BEGIN IMMEDIATE, a savepoint per
//! command, the batch's deferred writes, COMMIT; the answers held for the
//! syncer.

use super::Deferred;
use crate::batch::{batch_error, Answer, Counters};
use crate::{Result, StoreError};
use rusqlite::Connection;
use std::panic::AssertUnwindSafe;
use tokio::sync::oneshot;

pub(super) trait SyncCommand: Send {
    fn abandoned(&self) -> bool;
    fn execute(self: Box<Self>, conn: &Connection, deltas: &mut Deferred) -> Executed;
    fn refuse(self: Box<Self>, error: &StoreError);
}

pub(super) struct Executed {
    ok: bool,
    answer: Answer,
}

pub(super) struct Pending<T, E, F> {
    pub(super) f: F,
    pub(super) reply: oneshot::Sender<std::result::Result<T, E>>,
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
        Executed { ok: result.is_ok(), answer: held_answer(result, reply) }
    }

    fn refuse(self: Box<Self>, error: &StoreError) {
        let _ = self.reply.send(Err(E::from(batch_error(error))));
    }
}

/// The answer of a command that ran, held until its batch's fate is known:
/// its own result, except that a success becomes the batch's error when the
/// batch fails. The caller may have stopped waiting; the outcome stands anyway.
pub fn held_answer<T, E>(result: std::result::Result<T, E>, reply: oneshot::Sender<std::result::Result<T, E>>) -> Answer
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    Box::new(move |batch: Option<&StoreError>| {
        let result = match (result, batch) {
            (Ok(_), Some(e)) => Err(E::from(batch_error(e))),
            (result, _) => result,
        };
        let _ = reply.send(result);
    })
}

fn exec(conn: &Connection, sql: &str) -> Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Runs a batch; returns the answers to give once its COMMIT is durable
/// (empty when the batch failed: its callers are answered at once).
pub(super) fn run_batch(conn: &Connection, batch: Vec<Box<dyn SyncCommand>>, counters: &Counters) -> Vec<Answer> {
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
