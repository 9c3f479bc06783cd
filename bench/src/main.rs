//! zhuqi-bench: durable creates per second on this machine, three ways in
//! one run, so that the ratio between them is what counts:
//!
//! (a) bare: single-row INSERTs, one transaction (one durable commit) each,
//!     through `Store::begin` — the ceiling of one-transaction-per-request;
//! (b) the same INSERTs through a group-commit writer (on SQLite the
//!     store's writer thread the demand path uses, on PostgreSQL the generic
//!     sqlx `Writer` of `writer.rs`, over the store's write pool);
//! (c) the full `POST /api/v1/demands` over real HTTP against the real
//!     router, served in-process on 127.0.0.1 over the demo city.
//!
//! Each phase gets a fresh scratch database (a SQLite file, or a PostgreSQL
//! database `zb_*` made on the given server and dropped afterwards), runs
//! `--clients` tasks in a closed loop for `--warmup` + `--seconds` and stops
//! by itself. See `bench/README.md`.

use anyhow::{bail, Result};
use clap::{Parser, ValueEnum};
use http_phase::http;
use phases::{bare, writer};
use scratch::with_scratch;
use std::path::PathBuf;
use writer::WriterConfig;
use zhuqi_store::Engine;

mod http_client;
mod http_phase;
mod measure;
mod phases;
mod scratch;
mod writer;

#[derive(Parser, Debug)]
#[command(
    name = "zhuqi-bench",
    about = "Durable creates/s: bare inserts, the group-commit writer, POST /api/v1/demands"
)]
struct Args {
    /// `sqlite` (scratch files in --dir) or a PostgreSQL server URL
    /// (postgres://user@127.0.0.1:5432/postgres): scratch databases are made there and dropped.
    #[arg(long, default_value = "sqlite")]
    db: String,
    /// Concurrent clients, each with one request in flight.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Measured seconds per phase.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Unmeasured seconds before each phase's measurement.
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// Phases to run, in order.
    #[arg(long, value_delimiter = ',', default_values = ["bare", "writer", "http"])]
    phases: Vec<Phase>,
    /// PostgreSQL only: extra writer configurations for phase (b), as
    /// TASKS[:MAX_BATCH], e.g. `1,2,4:64,8`; phase (b) then runs once per entry
    /// (each with its own pool of 16 connections, like the store's).
    #[arg(long, value_delimiter = ',')]
    writer: Vec<String>,
    /// Directory for the SQLite scratch files (default: the system temp dir).
    #[arg(long)]
    dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Phase {
    Bare,
    Writer,
    Http,
}

const INSERT: &str = "INSERT INTO bench (v) VALUES ($1) RETURNING id";

/// mimalloc: the request path allocates many small short-lived buffers
/// (HTTP, JSON, SQL rows); glibc's malloc spent ~10 % of the CPU of a
/// create in `malloc_consolidate` / `unlink_chunk` (perf, `bench/README.md`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    let args = Args::parse();
    if args.clients == 0 || args.seconds == 0 {
        bail!("--clients and --seconds must be at least 1");
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run(args))
}

async fn run(args: Args) -> Result<()> {
    sqlx::any::install_default_drivers();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let engine = if args.db == "sqlite" { "SQLite (WAL; every acknowledged commit fsynced)" } else { "PostgreSQL" };
    println!(
        "zhuqi-bench: {engine}, {} clients, {} s measured after {} s warm-up per phase, {cores} cores",
        args.clients, args.seconds, args.warmup
    );
    println!(
        "{:<44} {:>10} {:>8} {:>8} {:>12} {:>12}",
        "", "creates/s", "p50 ms", "p99 ms", "CPU/create", "CPU/create"
    );
    println!("{:<44} {:>10} {:>8} {:>8} {:>12} {:>12}", "", "", "", "", "this process", "+ PG server");
    println!("host load average at start: {}", loadavg());
    let mut bare_rate = None;
    let mut results = Vec::new();
    for phase in args.phases.clone() {
        match phase {
            Phase::Bare => {
                let o = with_scratch(&args, "bare", |db| bare(&args, db)).await?;
                o.print("(a) bare: one transaction per INSERT");
                bare_rate = Some(o.rate());
                results.push(("(a)", o.rate()));
            }
            Phase::Writer => {
                let configs: Vec<Option<WriterConfig>> = if args.writer.is_empty() {
                    vec![None]
                } else if args.db == "sqlite" {
                    bail!("--writer variants are for PostgreSQL; SQLite has one writer");
                } else {
                    args.writer.iter().map(|s| parse_writer(s).map(Some)).collect::<Result<_>>()?
                };
                for config in configs {
                    let (o, label) = with_scratch(&args, "writer", |db| writer(&args, db, config)).await?;
                    o.print(&format!("(b) group-commit writer, {label}"));
                    results.push(("(b)", o.rate()));
                }
            }
            Phase::Http => match with_scratch(&args, "http", |db| http(&args, db)).await {
                Ok(o) => {
                    o.print("(c) POST /api/v1/demands over HTTP");
                    results.push(("(c)", o.rate()));
                }
                Err(e) => println!("(c) POST /api/v1/demands: not measured: {e:#}"),
            },
        }
    }
    if let Some(base) = bare_rate.filter(|r| *r > 0.0) {
        for (name, rate) in results.iter().filter(|(n, _)| *n != "(a)") {
            println!("{name} / (a) = {:.2}×", rate / base);
        }
    }
    println!("host load average at end: {}", loadavg());
    Ok(())
}

/// The 1-, 5- and 15-minute load averages: other work on the host skews every figure.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn parse_writer(s: &str) -> Result<WriterConfig> {
    let base = WriterConfig::for_engine(Engine::Postgres);
    let (tasks, batch) = match s.split_once(':') {
        Some((t, b)) => (t.parse()?, b.parse()?),
        None => (s.parse()?, base.max_batch),
    };
    Ok(WriterConfig { tasks, max_batch: batch, ..base })
}
