//! Measurement: the closed-loop clients, latency percentiles, CPU per
//! create, and one report line per phase.

use crate::Args;
use anyhow::{anyhow, Result};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) struct Outcome {
    ops: usize,
    errors: usize,
    first_error: Option<String>,
    lat_us: Vec<u32>,
    secs: f64,
    cpu_process: f64,
    cpu_server: f64,
    pub(crate) note: String,
}

impl Outcome {
    pub(crate) fn rate(&self) -> f64 {
        self.ops as f64 / self.secs
    }

    fn pct(&self, p: f64) -> f64 {
        if self.lat_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.lat_us.len() as f64 * p).ceil() as usize).clamp(1, self.lat_us.len()) - 1;
        f64::from(self.lat_us[i]) / 1000.0
    }

    pub(crate) fn print(&self, label: &str) {
        let per = |cpu: f64| {
            if self.ops == 0 {
                "-".to_string()
            } else {
                format!("{:.0} µs", cpu / self.ops as f64 * 1e6)
            }
        };
        println!(
            "{label:<44} {:>10.0} {:>8.2} {:>8.2} {:>12} {:>12}  {}",
            self.rate(),
            self.pct(0.50),
            self.pct(0.99),
            per(self.cpu_process),
            per(self.cpu_process + self.cpu_server),
            self.note
        );
        if self.errors > 0 {
            println!("    {} errors, first: {}", self.errors, self.first_error.as_deref().unwrap_or(""));
        }
    }
}

/// `--clients` closed-loop tasks calling `op(client, seq)` until the end of
/// the phase; counts the operations that started and ended inside the
/// measured window.
pub(crate) async fn drive<F, Fut>(args: &Args, op: F) -> Result<Outcome>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let op = Arc::new(op);
    let measure = Instant::now() + Duration::from_secs(args.warmup);
    let stop = measure + Duration::from_secs(args.seconds);
    let mut tasks = Vec::with_capacity(args.clients);
    for client in 0..args.clients {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors, mut first) = (Vec::new(), 0usize, None);
            let mut seq = 0u64;
            loop {
                let s = Instant::now();
                if s >= stop {
                    break;
                }
                let r = op(client, seq).await;
                seq += 1;
                let e = Instant::now();
                match r {
                    Ok(()) if s >= measure && e <= stop => {
                        lat.push(u32::try_from((e - s).as_micros()).unwrap_or(u32::MAX))
                    }
                    Ok(()) => {}
                    Err(err) => {
                        errors += 1;
                        first.get_or_insert_with(|| format!("{err:#}"));
                    }
                }
            }
            (lat, errors, first)
        }));
    }
    tokio::time::sleep_until(measure.into()).await;
    let (c0, t0) = (Cpu::now()?, Instant::now());
    tokio::time::sleep_until(stop.into()).await;
    let (c1, t1) = (Cpu::now()?, Instant::now());
    let mut o = Outcome {
        ops: 0,
        errors: 0,
        first_error: None,
        lat_us: Vec::new(),
        secs: (t1 - t0).as_secs_f64(),
        cpu_process: c1.process - c0.process,
        cpu_server: c1.server_since(&c0),
        note: String::new(),
    };
    for t in tasks {
        let (lat, errors, first) = t.await?;
        o.lat_us.extend(lat);
        o.errors += errors;
        if o.first_error.is_none() {
            o.first_error = first;
        }
    }
    o.ops = o.lat_us.len();
    o.lat_us.sort_unstable();
    Ok(o)
}

/// CPU seconds used so far by this process (user + system, from
/// `/proc/self/stat`) and by each PostgreSQL server process (`/proc/<pid>/stat`
/// of every process named `postgres`: the backends serving the bench's
/// connections, the WAL writer, the checkpointer).
struct Cpu {
    process: f64,
    postgres: std::collections::HashMap<u32, f64>,
}

/// Linux reports these files in USER_HZ ticks, 100 per second on every
/// architecture Linux exposes to user space.
const USER_HZ: f64 = 100.0;

/// utime + stime of one `/proc/<pid>/stat`, with the command name.
fn proc_cpu(path: &std::path::Path) -> Option<(String, f64)> {
    let stat = std::fs::read_to_string(path).ok()?;
    let (head, rest) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_string();
    // Fields after the command name (which may contain spaces) start at field 3.
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    Some((comm, (utime + stime) as f64 / USER_HZ))
}

impl Cpu {
    fn now() -> Result<Self> {
        let (_, process) =
            proc_cpu(std::path::Path::new("/proc/self/stat")).ok_or_else(|| anyhow!("unreadable /proc/self/stat"))?;
        let mut postgres = std::collections::HashMap::new();
        for e in std::fs::read_dir("/proc")?.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            if let Some((comm, cpu)) = proc_cpu(&e.path().join("stat")) {
                if comm == "postgres" {
                    postgres.insert(pid, cpu);
                }
            }
        }
        Ok(Self { process, postgres })
    }

    /// CPU the PostgreSQL processes used since `before` (a process that
    /// started meanwhile counts whole; one that ended meanwhile is lost).
    fn server_since(&self, before: &Cpu) -> f64 {
        self.postgres.iter().map(|(pid, cpu)| cpu - before.postgres.get(pid).copied().unwrap_or(0.0)).sum()
    }
}
