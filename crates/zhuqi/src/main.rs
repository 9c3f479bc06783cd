//! `zhuqi` — the one binary: serve, demo, migrate, import, export, config,
//! calendar. A thin adapter over the application layer.

mod backup_cmd;
mod calendar_cmd;
mod config;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use config::Config;
use std::io::Write;
use std::sync::Arc;
use zhuqi_app::import::ImportKind;
use zhuqi_app::{App, RequestMeta};
use zhuqi_demo::Demo;
use zhuqi_domain::{Actor, Clock, FixedClock, OffsetClock, SystemClock};
use zhuqi_store::Store;
use zhuqi_web::{AppState, WebConfig};

/// 助企 zhuqi: a city platform for serving enterprises — officers, visits,
/// and demands held to the 1-3-5 working-day limits.
#[derive(Debug, Parser)]
#[command(name = "zhuqi", version, about, long_about = None)]
struct Cli {
    /// Configuration file (TOML; see `zhuqi config example`). Env: ZHUQI_CONFIG.
    #[arg(long, global = true)]
    config: Option<String>,
    /// SQLite file path or postgres:// URL. Env: ZHUQI_DB.
    #[arg(long, global = true)]
    db: Option<String>,
    /// Address to listen on, e.g. 127.0.0.1:8080. Env: ZHUQI_LISTEN.
    #[arg(long, global = true)]
    listen: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Serve the web pages and the JSON API (migrates the database first). On SQLite one server per
    /// file: a second one on the same file is refused (lock file <db>.serve.lock).
    Serve {
        /// Start the server's clock at this instant (RFC 3339) and run on from there, as
        /// `demo --now` does: for tests and training. Default: the real time.
        #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Build (once) and serve the 丽水 demo city. Defaults: --db ./zhuqi-demo.db --listen 127.0.0.1:8080.
    Demo {
        /// Delete and rebuild the demo database.
        #[arg(long)]
        reset: bool,
        /// Build the demo data and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Build the demo "at" this instant (RFC 3339, e.g. 2026-11-18T10:00:00+08:00):
        /// the same city, demands, colours and deadlines whatever the real time;
        /// the server's clock then starts at that instant. Default: the real time.
        #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Create a city in an empty database: its region tree, the default departments (涉企部门), the
    /// default catalogue with its 1-3-5 limits, and one city admin whose one-time password is
    /// printed once (`password: …`). Refuses a database that already holds a city.
    Init(InitArgs),
    /// Apply the embedded schema migrations and exit.
    Migrate,
    /// Import enterprises, officers or assignments from .xlsx or .csv (UTF-8 or GB18030). All or nothing.
    Import(ImportArgs),
    /// Export enterprises, officers or coverage to .xlsx; or a report
    /// (`export report --kind … --period … [--id …] --out FILE.xlsx|.html`).
    Export(ExportArgs),
    /// Metrics aggregates (issue 6).
    Metrics {
        #[command(subcommand)]
        cmd: MetricsCmd,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
    /// The statutory working-day calendar and deadlines (1-3-5 rule).
    Calendar {
        #[command(subcommand)]
        cmd: calendar_cmd::CalendarCmd,
    },
    /// Hot issues (热点问题): waves of similar demands from many enterprises.
    HotIssues {
        #[command(subcommand)]
        cmd: HotIssuesCmd,
    },
    /// Write one consistent archive (zip) of the database and its attachment files while
    /// `serve` runs and writes go on: SQLite by VACUUM INTO, PostgreSQL by pg_dump (install
    /// postgresql-client). Prints the counts and the archive's SHA-256. Scheduled: `[backup]`.
    Backup {
        /// The archive file to write, e.g. zhuqi-2026-12-04.zip.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Restore an archive of `zhuqi backup` into the empty database --db (no users and no
    /// regions); refused for a non-empty one unless --force, and on SQLite while a server runs on
    /// it. Checksums are verified first; the same engine only.
    Restore {
        /// The archive to restore.
        #[arg(long, value_name = "FILE")]
        from: std::path::PathBuf,
        /// Replace a non-empty database.
        #[arg(long)]
        force: bool,
    },
    /// Verify the database: integrity and foreign keys, every demand against the replay of its
    /// events, metric aggregates against a rebuild, every attachment's bytes against its hash.
    /// One line per problem; exits non-zero when anything is wrong.
    Check,
    /// Give an account a new one-time password (for an operator who lost the admin's password): prints
    /// `password: <one-time password>` once; the user must change it at the next sign-in, which it
    /// allows once. Also clears a lockout and ends the account's sessions; audited.
    ResetPassword {
        /// The account's username.
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Subcommand)]
enum HotIssuesCmd {
    /// Run detection now (as `serve` does every ten minutes) and print what it found.
    Detect,
}

#[derive(Debug, Subcommand)]
enum MetricsCmd {
    /// Recompute every demand's contribution from its events and replace the
    /// aggregates (after a bulk load or to check incremental upkeep).
    Rebuild,
}

#[derive(Debug, Subcommand)]
enum ConfigCmd {
    /// Print an annotated example configuration file.
    Example,
}

#[derive(Debug, Args)]
struct InitArgs {
    /// The 6-digit city code (统计用区划代码), e.g. 331100 for 丽水市, 330800 for 衢州市. The
    /// districts and townships of 浙江's 11 cities are bundled; for any other city give --divisions
    /// (without it, the city's county-level districts are created from the bundled list of China's
    /// counties, without townships).
    #[arg(long, value_name = "CODE")]
    city: String,
    /// Username of the first city admin (e.g. admin).
    #[arg(long, value_name = "USERNAME")]
    admin: String,
    /// Display name of the admin; default "<city>管理员".
    #[arg(long, value_name = "NAME", default_value = "")]
    admin_name: String,
    /// The city's divisions as UTF-8 CSV with the header
    /// city_code,city,county_code,county,township_code,township,kind (the columns of the bundled
    /// data/zhejiang-divisions.csv), for a city outside the bundled data.
    #[arg(long, value_name = "FILE.csv")]
    divisions: Option<String>,
    /// A zone with no official division code (a development zone), as "名称" or
    /// "名称=TOWNSHIP_CODE;TOWNSHIP_CODE" with the 9-digit codes of the townships it lies in.
    /// Repeatable. 丽水经济技术开发区 is bundled for 331100.
    #[arg(long = "extra-district", value_name = "NAME[=CODES]")]
    extra_district: Vec<String>,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// What the file holds: enterprises, officers or assignments.
    kind: String,
    /// The .xlsx or .csv file.
    file: String,
    /// Act as this user (scope and audit log); default the city admin `admin`.
    #[arg(long = "as", default_value = "admin")]
    as_user: String,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// What to export: enterprises, officers, coverage or report.
    kind: String,
    /// Output file: .xlsx (a report may also be written as printable .html).
    #[arg(long, short)]
    out: String,
    /// Report kind: district-monthly, department-monthly or home-unit-half-year.
    #[arg(long = "kind", id = "report_kind", value_name = "KIND")]
    report_kind: Option<String>,
    /// Report period: YYYY-MM (monthly) or YYYY-H1 / YYYY-H2 (half-year).
    #[arg(long)]
    period: Option<String>,
    /// The district (district-monthly) or department (the others) reported on.
    #[arg(long)]
    id: Option<i64>,
    /// Act as this user (the export is limited to their scope); default `admin`.
    #[arg(long = "as", default_value = "admin")]
    as_user: String,
}

/// mimalloc: the request path allocates many small short-lived buffers
/// (HTTP, JSON, SQL rows); glibc's malloc spent ~10 % of the CPU of a
/// create in `malloc_consolidate` / `unlink_chunk` (perf, `bench/README.md`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Cmd::Calendar { cmd } = cli.cmd {
        // With --db (or ZHUQI_DB) the city's local adjustments and entered
        // years count too; without, the bundled official calendar alone.
        let db = cli.db.clone().or_else(|| std::env::var("ZHUQI_DB").ok());
        let mut out = std::io::stdout().lock();
        return match db {
            None => calendar_cmd::run(cmd, &mut out),
            Some(db) => {
                let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
                let cal = rt.block_on(async {
                    let db = zhuqi_domain::DatabaseUrl::new(db);
                    let store = Store::open(db.expose()).await.with_context(|| format!("cannot open database {db}"))?;
                    let app = App::new(store, Arc::new(SystemClock), Default::default());
                    anyhow::Ok(app.calendar().await?)
                })?;
                calendar_cmd::run_with(&cal, cmd, &mut out)
            }
        };
    }
    if let Cmd::Config { cmd: ConfigCmd::Example } = cli.cmd {
        print!("{}", config::EXAMPLE);
        return Ok(());
    }
    let mut cfg = Config::load(cli.config.as_deref(), &|k| std::env::var(k).ok())?;
    let is_demo = matches!(cli.cmd, Cmd::Demo { .. });
    if is_demo && cli.db.is_none() && std::env::var("ZHUQI_DB").is_err() {
        cfg.db = "./zhuqi-demo.db".into();
    }
    if let Some(db) = cli.db {
        cfg.db = db.into();
    }
    if let Some(l) = cli.listen {
        cfg.listen = l;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cfg.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        match cli.cmd {
            Cmd::Serve { now: None } => serve(&cfg, open(&cfg).await?).await,
            Cmd::Serve { now: Some(t) } => {
                serve(&cfg, open_with(&cfg, Arc::new(OffsetClock::starting_at(t))).await?).await
            }
            Cmd::Demo { reset, no_serve, now } => demo(&cfg, reset, no_serve, now).await,
            Cmd::Migrate => {
                let store = Store::connect(cfg.db.expose())
                    .await
                    .with_context(|| format!("cannot open database {}", cfg.db))?;
                let n = store.migrate().await?;
                println!("migrations applied: {n} (database {})", cfg.db);
                Ok(())
            }
            Cmd::Init(a) => init(&cfg, a).await,
            Cmd::Import(a) => import(&cfg, a).await,
            Cmd::Export(a) => export(&cfg, a).await,
            Cmd::Metrics { cmd: MetricsCmd::Rebuild } => {
                let n = open(&cfg).await?.rebuild_metrics().await?;
                println!("metrics rebuilt from the events of {n} demands");
                Ok(())
            }
            Cmd::HotIssues { cmd: HotIssuesCmd::Detect } => hot_issues_detect(&open(&cfg).await?).await,
            Cmd::Backup { out } => backup_cmd::backup(&cfg, out).await,
            Cmd::Restore { from, force } => backup_cmd::restore(&cfg, from, force).await,
            Cmd::Check => backup_cmd::check(&cfg).await,
            Cmd::ResetPassword { username } => {
                let meta = RequestMeta { ip: "cli".into(), request_id: String::new() };
                let otp = open(&cfg).await?.reset_password_by_username(&username, &meta).await?;
                println!("user: {}", username.trim());
                println!("password: {otp}");
                println!("The password signs in once; the user must change it then.");
                Ok(())
            }
            Cmd::Config { .. } | Cmd::Calendar { .. } => Ok(()),
        }
    })
}

async fn open(cfg: &Config) -> anyhow::Result<App> {
    open_with(cfg, Arc::new(SystemClock)).await
}

async fn open_with(cfg: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
    let store = Store::open(cfg.db.expose()).await.with_context(|| format!("cannot open database {}", cfg.db))?;
    Ok(App::new(store, clock, cfg.app_config()))
}

/// `--now`: an RFC 3339 instant with its offset.
fn parse_instant(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("not an RFC 3339 instant (e.g. 2026-11-18T10:00:00+08:00): {e}"))
}

async fn serve(cfg: &Config, app: App) -> anyhow::Result<()> {
    // One server per SQLite file: the jobs below must never run twice.
    let _serving = app.store.claim_server()?;
    let trusted_proxies =
        zhuqi_web::client_ip::TrustedProxies::parse(&cfg.server.trusted_proxies).map_err(anyhow::Error::msg)?;
    let state = AppState::new(app.clone(), WebConfig { secure_cookies: cfg.secure_cookies, trusted_proxies });
    let router = zhuqi_web::build_router(state);
    let listener =
        tokio::net::TcpListener::bind(&cfg.listen).await.with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    println!("zhuqi serving at http://{addr}");
    tracing::info!(%addr, "serving");
    // The background jobs (deadline sweep, visit reminders, webhooks, hot
    // issues, session purge): one table in the application layer.
    if !app.config.webhook.url.trim().is_empty() {
        tracing::info!(url = %app.config.webhook.url, "webhook channel on");
    }
    let jobs = zhuqi_app::jobs::JobRunner::start(&app, app.jobs());
    let backups = zhuqi_app::backup::BackupScheduler::start(&app, &cfg.backup);
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    jobs.stop().await;
    if let Some(b) = backups {
        b.stop();
    }
    app.store.close().await;
    Ok(())
}

async fn demo(
    cfg: &Config,
    reset: bool,
    no_serve: bool,
    fixed_now: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    if reset {
        if cfg.db.expose().starts_with("postgres") {
            let store = Store::connect(cfg.db.expose()).await?;
            store.reset_schema().await?;
            store.close().await;
        } else {
            for suffix in ["", "-wal", "-shm"] {
                let p = format!("{}{suffix}", cfg.db.expose());
                if std::path::Path::new(&p).exists() {
                    std::fs::remove_file(&p).with_context(|| format!("cannot delete {p}"))?;
                }
            }
        }
    }
    // With --now the build runs on a clock frozen at that instant (the data
    // cannot depend on how long the build takes); without, on the real time.
    let clock: Arc<dyn Clock> = match fixed_now {
        Some(t) => Arc::new(FixedClock::new(t)),
        None => Arc::new(SystemClock),
    };
    let app = open_with(cfg, clock).await?;
    if app.demo_is_built().await? {
        eprintln!("demo city already in {} (use --reset to rebuild)", cfg.db);
    } else {
        eprintln!("building the 丽水 demo city in {} …", cfg.db);
        let s = app
            .build_demo(&|msg: &str| {
                eprintln!("  {msg}");
            })
            .await?;
        eprintln!(
            "built: {} districts, {} townships, {} departments, {} officers, {} enterprises, {} enterprise users in {:.1}s",
            s.districts,
            s.townships,
            s.departments,
            s.officers,
            s.enterprises,
            s.enterprise_users,
            started.elapsed().as_secs_f64()
        );
    }
    // Flag the demo's hot issues (the 物流受限 wave) before anyone signs in.
    let r = app.detect_hot_issues().await?;
    if !r.flagged.is_empty() {
        eprintln!("hot issues flagged: {} (see /hot-issues)", r.flagged.len());
    }
    let accounts = app.demo_accounts().await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "\n演示账号 demo accounts (password for all: {}):", zhuqi_demo::DEMO_PASSWORD)?;
    writeln!(out, "  {:<20} {:<16} scope", "username", "role")?;
    for a in &accounts {
        writeln!(out, "  {:<20} {:<16} {}", a.username, a.role.as_str(), a.scope)?;
    }
    writeln!(
        out,
        "  (also officer0001…officer1038, enterprise0001…enterprise0040, district-<name>, handler-<dept>, head-<dept>)"
    )?;
    drop(out);
    if no_serve {
        return Ok(());
    }
    match fixed_now {
        // The server's clock starts at --now and runs on from there.
        Some(t) => {
            serve(cfg, App::new(app.store.clone(), Arc::new(OffsetClock::starting_at(t)), cfg.app_config())).await
        }
        None => serve(cfg, app).await,
    }
}

/// `zhuqi hot-issues detect`: one detection run, then every issue it touched.
async fn hot_issues_detect(app: &App) -> anyhow::Result<()> {
    let p = app.hot_issue_params().await?;
    let r = app.detect_hot_issues().await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "detection: K={} enterprises within D={} days, similarity >= {:.2}, significance >= {:.1}; {} demands read, {} groups found",
        p.min_enterprises,
        p.window_days,
        f64::from(p.min_similarity_pct) / 100.0,
        f64::from(p.min_significance_pct) / 100.0,
        r.demands,
        r.groups
    )?;
    writeln!(
        out,
        "new: {}, extended: {}, raised again after dismissal: {}",
        r.flagged.len(),
        r.extended.len(),
        r.reflagged.len()
    )?;
    drop(out);
    let system = Actor {
        user_id: 0,
        username: "cli".into(),
        display_name: "cli".into(),
        role: zhuqi_domain::Role::Auditor,
        district_id: None,
        department_id: None,
        enterprise_id: None,
    };
    let meta = RequestMeta { ip: "cli".into(), request_id: String::new() };
    let page = zhuqi_store::Page::new(Some(1), Some(500));
    let list = app.hot_issues(&system, None, page, &meta).await?;
    let mut out = std::io::stdout().lock();
    for i in &list.items {
        let h = &i.issue;
        let tag = if r.flagged.contains(&h.id) {
            "NEW "
        } else if r.extended.iter().any(|(id, _)| *id == h.id) {
            "GREW"
        } else {
            "    "
        };
        writeln!(
            out,
            "{tag} #{:<4} {:<10} {} {}: {} demands, {} enterprises, {} districts, {} .. {} [{}]",
            h.id,
            h.status,
            h.category_code,
            h.category_name,
            h.demand_count,
            h.enterprise_count,
            h.district_count,
            zhuqi_domain::clock::from_ms(h.first_at)
                .with_timezone(&zhuqi_domain::clock::china_offset())
                .format("%Y-%m-%d"),
            zhuqi_domain::clock::from_ms(h.last_at)
                .with_timezone(&zhuqi_domain::clock::china_offset())
                .format("%Y-%m-%d"),
            i.key_terms.join(" ")
        )?;
    }
    Ok(())
}

/// `zhuqi init`: a city from zero. The one-time password goes to stdout on
/// a line of its own; progress to stderr.
async fn init(cfg: &Config, a: InitArgs) -> anyhow::Result<()> {
    let divisions = match &a.divisions {
        Some(f) => Some(std::fs::read_to_string(f).with_context(|| format!("cannot read {f} (UTF-8 CSV expected)"))?),
        None => None,
    };
    let extra_districts = a
        .extra_district
        .iter()
        .map(|s| zhuqi_domain::city::ExtraDistrict::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("--extra-district: {}", e.message))?;
    let req = zhuqi_app::city::InitCity {
        city_code: a.city,
        divisions,
        extra_districts,
        admin_username: a.admin,
        admin_display_name: a.admin_name,
    };
    let app = open(cfg).await?;
    eprintln!("creating the city in {} …", cfg.db);
    let s = app.init_city(&req, &|msg: &str| eprintln!("  {msg}")).await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "city {} {}: {} districts, {} townships, {} departments, {} categories ({} default routes)",
        s.city_code, s.city_name, s.districts, s.townships, s.departments, s.categories, s.routes
    )?;
    writeln!(out, "city admin: {} (one-time password, shown once; change it at the first sign-in)", s.admin_username)?;
    writeln!(out, "password: {}", s.one_time_password)?;
    Ok(())
}

async fn cli_actor(app: &App, username: &str) -> anyhow::Result<Actor> {
    app.actor_by_username(username).await?.with_context(|| format!("no active user '{username}' (use --as USERNAME)"))
}

async fn import(cfg: &Config, a: ImportArgs) -> anyhow::Result<()> {
    let kind = ImportKind::parse(&a.kind)
        .with_context(|| format!("unknown import kind '{}': use enterprises, officers or assignments", a.kind))?;
    let bytes = std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file))?;
    let app = open(cfg).await?;
    let actor = cli_actor(&app, &a.as_user).await?;
    let meta = RequestMeta { ip: "cli".into(), request_id: String::new() };
    let progress = |done: usize, total: usize| eprint!("\r  {done}/{total} rows");
    match app.import(&actor, kind, &a.file, &bytes, &meta, &progress).await {
        Ok(r) => {
            eprintln!();
            println!("imported {} rows from {}: {} created, {} updated", r.rows, a.file, r.created, r.updated);
            Ok(())
        }
        Err(zhuqi_app::AppError::InvalidRows(rows)) => {
            eprintln!();
            for r in &rows {
                eprintln!("{}: row {}, column {}: {}", a.file, r.row, r.column, r.message);
            }
            anyhow::bail!("{} problem(s) in {}; nothing was imported", rows.len(), a.file)
        }
        Err(e) => Err(e.into()),
    }
}

async fn export(cfg: &Config, a: ExportArgs) -> anyhow::Result<()> {
    let app = open(cfg).await?;
    let actor = cli_actor(&app, &a.as_user).await?;
    let meta = RequestMeta { ip: "cli".into(), request_id: String::new() };
    let bytes = match a.kind.as_str() {
        "enterprises" => app.export_enterprises_xlsx(&actor, &Default::default(), &meta).await?,
        "officers" => app.export_officers_xlsx(&actor, &Default::default(), &meta).await?,
        "coverage" => app.export_coverage_xlsx(&actor, &meta).await?,
        "report" => {
            let kind = zhuqi_app::metrics::ReportKind::parse(a.report_kind.as_deref().unwrap_or_default())?;
            let Some(period) = a.period.as_deref() else {
                anyhow::bail!("export report needs --period YYYY-MM or YYYY-H1|H2");
            };
            if a.out.ends_with(".html") {
                let r = app.report(&actor, kind, period, a.id, &meta).await?;
                zhuqi_web::pages::metrics::report_html(r)?.into_bytes()
            } else {
                app.report_xlsx(&actor, kind, period, a.id, &meta).await?.1
            }
        }
        other => anyhow::bail!("unknown export kind '{other}': use enterprises, officers, coverage or report"),
    };
    std::fs::write(&a.out, &bytes).with_context(|| format!("cannot write {}", a.out))?;
    println!("wrote {} ({} bytes)", a.out, bytes.len());
    Ok(())
}
