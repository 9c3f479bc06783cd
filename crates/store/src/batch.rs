//! What the group commits share: their counters, the answer held until a
//! batch's fate is known, and the errors a caller gets when its batch fails
//! or its writer is gone. The SQLite writer thread ([`crate::sqlite_writer`])
//! and the PostgreSQL bulk submitter ([`crate::submit::PgSubmitter`]) use
//! them; so does the benchmark's generic sqlx writer (`bench/src/writer.rs`).

use crate::StoreError;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of a writer (for benchmarks and diagnostics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Transactions committed.
    pub batches: u64,
    /// Commands in those transactions (successful or failed).
    pub commands: u64,
    /// Batches that failed as a whole (BEGIN, savepoint or COMMIT failed).
    pub failed_batches: u64,
}

/// The live counters behind [`WriterStats`], shared by a writer's handles
/// and its tasks or threads.
#[derive(Debug, Default)]
pub struct Counters {
    batches: AtomicU64,
    commands: AtomicU64,
    failed_batches: AtomicU64,
}

impl Counters {
    /// A batch of `commands` committed.
    pub fn committed(&self, commands: u64) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.commands.fetch_add(commands, Ordering::Relaxed);
    }

    /// A batch failed as a whole.
    pub fn failed(&self) {
        self.failed_batches.fetch_add(1, Ordering::Relaxed);
    }

    pub fn stats(&self) -> WriterStats {
        WriterStats {
            batches: self.batches.load(Ordering::Relaxed),
            commands: self.commands.load(Ordering::Relaxed),
            failed_batches: self.failed_batches.load(Ordering::Relaxed),
        }
    }
}

/// Answers a caller: `None` when the batch committed, else the batch's error.
pub type Answer = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// The error of a caller whose command was dropped unanswered: the writer
/// stopped (runtime shutting down) or the command panicked.
pub fn gone() -> StoreError {
    StoreError::Db(sqlx::Error::WorkerCrashed)
}

/// The error given to each caller of a batch that failed as a whole
/// (`StoreError` is not `Clone`: constraint errors keep their kind, the
/// rest their message).
pub fn batch_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::Unique(m) => StoreError::Unique(m.clone()),
        StoreError::ForeignKey(m) => StoreError::ForeignKey(m.clone()),
        other => StoreError::Db(sqlx::Error::Io(std::io::Error::other(format!("write batch failed: {other}")))),
    }
}
