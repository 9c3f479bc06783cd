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

use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use clap::{Parser, ValueEnum};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use writer::{Writer, WriterConfig};
use zhuqi_app::{App, AppConfig};
use zhuqi_demo::Demo;
use zhuqi_domain::SystemClock;
use zhuqi_store::batch::WriterStats;
use zhuqi_store::{Engine, Store, StoreError};
use zhuqi_web::{AppState, WebConfig};

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

// ---------------------------------------------------------------- phases

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

async fn bare(args: &Args, db: String) -> Result<Outcome> {
    let store = Store::connect(&db).await?;
    bench_table(&store).await?;
    let s = store.clone();
    let o = drive(args, move |client, seq| {
        let store = s.clone();
        async move {
            let mut tx = store.begin().await?;
            let _id: i64 = sqlx::query_scalar(INSERT).bind(format!("{client}-{seq}")).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        }
    })
    .await;
    store.close().await;
    o
}

async fn writer(args: &Args, db: String, config: Option<WriterConfig>) -> Result<(Outcome, String)> {
    let store = Store::connect(&db).await?;
    bench_table(&store).await?;
    // SQLite: the writer thread the product uses (rusqlite, cached statements).
    if let (Some(w), None) = (store.sqlite_writer().cloned(), config) {
        let before = w.stats();
        let w2 = w.clone();
        let o = drive(args, move |client, seq| {
            let w = w2.clone();
            async move {
                let v = format!("{client}-{seq}");
                let _id: i64 = w
                    .run(move |c, _deltas| Ok::<_, StoreError>(c.prepare_cached(INSERT)?.query_row([v], |r| r.get(0))?))
                    .await?;
                Ok(())
            }
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
    let w2 = w.clone();
    let o = drive(args, move |client, seq| {
        let w = w2.clone();
        async move {
            let v = format!("{client}-{seq}");
            let _id: i64 = w
                .run(move |c| {
                    Box::pin(async move {
                        Ok::<_, StoreError>(sqlx::query_scalar(INSERT).bind(v).fetch_one(&mut *c).await?)
                    })
                })
                .await?;
            Ok(())
        }
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

fn batches(before: WriterStats, after: WriterStats) -> String {
    let b = after.batches - before.batches;
    let n = after.commands - before.commands;
    if b == 0 {
        "writer unused".into()
    } else {
        format!("{:.1} commands/commit", n as f64 / b as f64)
    }
}

async fn http(args: &Args, db: String) -> Result<Outcome> {
    let store = Store::open(&db).await?;
    let app = App::new(store.clone(), Arc::new(SystemClock), AppConfig::default());
    app.build_demo(&|_: &str| {}).await.context("building the demo city")?;
    let router = zhuqi_web::build_router(AppState::new(app.clone(), WebConfig::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server =
        tokio::spawn(
            async move { axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await },
        );
    let result = http_load(args, addr, &store).await;
    server.abort();
    store.close().await;
    result
}

async fn http_load(args: &Args, addr: SocketAddr, store: &Store) -> Result<Outcome> {
    let mut c = Http::new(addr);
    let login = json!({"username": "officer0001", "password": zhuqi_demo::DEMO_PASSWORD});
    let (st, body) = c.send(Method::POST, "/api/v1/auth/login", None, None, Some(&login)).await?;
    if st != StatusCode::OK {
        bail!("sign-in as officer0001: {st} {}", String::from_utf8_lossy(&body));
    }
    let token = serde_json::from_slice::<Value>(&body)?["token"]
        .as_str()
        .ok_or_else(|| anyhow!("no token in the sign-in answer"))?
        .to_string();
    let (st, body) = c.send(Method::GET, "/api/v1/enterprises?per_page=100", Some(&token), None, None).await?;
    if st != StatusCode::OK {
        bail!("GET /api/v1/enterprises: {st}");
    }
    let enterprises: Vec<i64> = serde_json::from_slice::<Value>(&body)?["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["id"].as_i64()).collect())
        .unwrap_or_default();
    if enterprises.is_empty() {
        bail!("officer0001 serves no enterprise");
    }
    // The category of the example ("0102" 物流受阻), or the first leaf listed.
    let (st, body) = c.send(Method::GET, "/api/v1/categories", Some(&token), None, None).await?;
    let mut codes = Vec::new();
    if st == StatusCode::OK {
        collect_codes(&serde_json::from_slice(&body)?, &mut codes);
    } else {
        codes.push("0102".to_string());
    }
    let category = Arc::new(if codes.iter().any(|c| c == "0102") {
        "0102".to_string()
    } else {
        codes.iter().find(|c| c.len() == 4).or(codes.first()).cloned().ok_or_else(|| anyhow!("no categories"))?
    });
    // One probe, so a missing endpoint is reported instead of measured.
    let run = run_id();
    let (st, body) = c
        .send(
            Method::POST,
            "/api/v1/demands",
            Some(&token),
            Some(&format!("{run}-probe")),
            Some(&demand(enterprises[0], &category, 0, 0)),
        )
        .await?;
    if st != StatusCode::CREATED {
        bail!("POST /api/v1/demands answered {st}: {}", String::from_utf8_lossy(&body));
    }

    let clients: Arc<Vec<Mutex<Http>>> = Arc::new((0..args.clients).map(|_| Mutex::new(Http::new(addr))).collect());
    let token = Arc::new(token);
    let enterprises = Arc::new(enterprises);
    let before = store.submit_stats();
    let o = drive(args, move |client, seq| {
        let clients = clients.clone();
        let token = token.clone();
        let enterprises = enterprises.clone();
        let run = run.clone();
        let category = category.clone();
        async move {
            let ent = enterprises[(client + seq as usize) % enterprises.len()];
            let key = format!("{run}-{client}-{seq}");
            let mut http = clients[client].lock().await;
            let (st, body) = http
                .send(
                    Method::POST,
                    "/api/v1/demands",
                    Some(&token),
                    Some(&key),
                    Some(&demand(ent, &category, client, seq)),
                )
                .await?;
            if st != StatusCode::CREATED {
                bail!("{st}: {}", String::from_utf8_lossy(&body));
            }
            Ok(())
        }
    })
    .await;
    let mut o = o?;
    o.note = batches(before, store.submit_stats());
    Ok(o)
}

/// Every `"code"` string in a JSON tree, in document order.
fn collect_codes(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(c)) = m.get("code") {
                out.push(c.clone());
            }
            m.values().for_each(|x| collect_codes(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_codes(x, out)),
        _ => {}
    }
}

fn demand(enterprise_id: i64, category: &str, client: usize, seq: u64) -> Value {
    json!({
        "enterprise_id": enterprise_id,
        "category": category,
        "title": format!("物流受限：原料运输车辆无法进入园区 {client}-{seq}"),
        "description": "园区道路限行，原料运输车辆无法进入，需办理通行证。",
    })
}

fn run_id() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("bench-{:016x}", h.finish())
}

// ------------------------------------------------------------ HTTP client

/// One keep-alive HTTP/1.1 connection to the server (reconnects if closed).
struct Http {
    addr: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Http {
    fn new(addr: SocketAddr) -> Self {
        Self { addr, sender: None }
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        idempotency_key: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Bytes)> {
        let mut sender = match self.sender.take() {
            Some(s) if !s.is_closed() => s,
            _ => {
                let stream = tokio::net::TcpStream::connect(self.addr).await?;
                stream.set_nodelay(true)?;
                let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
                tokio::spawn(conn);
                sender
            }
        };
        sender.ready().await?;
        let mut req = Request::builder().method(method).uri(path).header(hyper::header::HOST, self.addr.to_string());
        if let Some(t) = token {
            req = req.header(hyper::header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(k) = idempotency_key {
            req = req.header("idempotency-key", k);
        }
        let body = match body {
            Some(v) => {
                req = req.header(hyper::header::CONTENT_TYPE, "application/json");
                Bytes::from(serde_json::to_vec(v)?)
            }
            None => Bytes::new(),
        };
        let res = sender.send_request(req.body(Full::new(body))?).await?;
        let status = res.status();
        let bytes = res.into_body().collect().await?.to_bytes();
        self.sender = Some(sender);
        Ok((status, bytes))
    }
}

// ----------------------------------------------------- scratch databases

/// Runs `f` on a fresh scratch database and removes it afterwards, also when `f` fails.
async fn with_scratch<T, F, Fut>(args: &Args, tag: &str, f: F) -> Result<T>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let pid = std::process::id();
    if args.db == "sqlite" {
        let dir = args.dir.clone().unwrap_or_else(std::env::temp_dir).join(format!("zhuqi-bench-{pid}-{tag}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let r = f(dir.join("bench.db").to_string_lossy().into_owned()).await;
        let _ = std::fs::remove_dir_all(&dir);
        r
    } else if args.db.starts_with("postgres://") || args.db.starts_with("postgresql://") {
        let name = format!("zb_{pid}_{tag}");
        let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&args.db).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await?;
        let (prefix, _) = args.db.rsplit_once('/').ok_or_else(|| anyhow!("a PostgreSQL URL with a path"))?;
        let r = f(format!("{prefix}/{name}")).await;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await?;
        r
    } else {
        bail!("--db is `sqlite` or a postgres:// URL")
    }
}

// ----------------------------------------------------------- measurement

struct Outcome {
    ops: usize,
    errors: usize,
    first_error: Option<String>,
    lat_us: Vec<u32>,
    secs: f64,
    cpu_process: f64,
    cpu_server: f64,
    note: String,
}

impl Outcome {
    fn rate(&self) -> f64 {
        self.ops as f64 / self.secs
    }

    fn pct(&self, p: f64) -> f64 {
        if self.lat_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.lat_us.len() as f64 * p).ceil() as usize).clamp(1, self.lat_us.len()) - 1;
        f64::from(self.lat_us[i]) / 1000.0
    }

    fn print(&self, label: &str) {
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
async fn drive<F, Fut>(args: &Args, op: F) -> Result<Outcome>
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
