//! zhuqi-bench-dashboard: how fast the dashboard answers over a million
//! demands. Bulk-loads `--demands` synthetic demands (ten districts, twenty
//! departments, the default catalogue, spread over `--days` days up to
//! today) straight through the store, builds the metric aggregates in the
//! same pass, then times `--calls` dashboard calls three ways: the
//! application call (`App::dashboard`), `GET /api/v1/metrics/dashboard` and
//! `GET /dashboard` through the real router (in process). Prints p50 / p99.
//! See `bench/README.md`.

use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use clap::Parser;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;
use zhuqi_app::{App, AppConfig, RequestMeta};
use zhuqi_domain::demand::Status;
use zhuqi_domain::metrics::{self as m, FactKey, Facts, N};
use zhuqi_domain::SystemClock;
use zhuqi_store::metrics::Aggregates;
use zhuqi_store::Store;
use zhuqi_web::{AppState, WebConfig};

#[derive(Parser, Debug)]
#[command(name = "zhuqi-bench-dashboard", about = "Dashboard response time over N bulk-loaded demands")]
struct Args {
    /// A SQLite file to create (must not exist) or a PostgreSQL URL of an EMPTY database you created.
    #[arg(long)]
    db: String,
    /// Demands to load.
    #[arg(long, default_value_t = 1_000_000)]
    demands: u64,
    /// Days the demands are spread over, ending today.
    #[arg(long, default_value_t = 1095)]
    days: i64,
    /// Dashboard calls to time (each way).
    #[arg(long, default_value_t = 50)]
    calls: usize,
    /// Time the dashboard on a database an earlier run loaded (no loading).
    #[arg(long)]
    reuse: bool,
}

/// One demand row to insert: enterprise, district, category, channel,
/// status, lead department, submitter, submitted at, active deadline,
/// closed at, rating, colour.
type Row = (
    i64,
    i64,
    String,
    &'static str,
    &'static str,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<&'static str>,
    &'static str,
);

/// SplitMix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn pcts(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort_unstable();
    let at = |p: usize| v.get((v.len() * p).div_ceil(100).saturating_sub(1)).copied().unwrap_or_default();
    (ms(at(50)), ms(at(99)))
}

/// mimalloc: the request path allocates many small short-lived buffers
/// (HTTP, JSON, SQL rows); glibc's malloc spent ~10 % of the CPU of a
/// create in `malloc_consolidate` / `unlink_chunk` (perf, `bench/README.md`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(args))
}

async fn run(a: Args) -> Result<()> {
    if a.reuse {
        let store = Store::open(&a.db).await.with_context(|| format!("cannot open {}", a.db))?;
        let app = App::new(store, Arc::new(SystemClock), AppConfig::default());
        return time_dashboard(&app, a.calls).await;
    }
    if !a.db.starts_with("postgres") && std::path::Path::new(&a.db).exists() {
        anyhow::bail!("{} exists: give a new SQLite file", a.db);
    }
    let store = Store::open(&a.db).await.with_context(|| format!("cannot open {}", a.db))?;
    let app = App::new(store.clone(), Arc::new(SystemClock), AppConfig::default());
    let now = app.now_ms();
    let t0 = Instant::now();
    // Directory: a city, 10 districts, 20 departments, the catalogue, 1000 enterprises, one admin.
    let (districts, depts, ents, admin, officers, cats) = {
        use zhuqi_store::{departments, enterprises, regions, users};
        let mut tx = store.begin().await?;
        let city = regions::insert(&mut tx, None, "city", "331100", "丽水市", "", 0).await?;
        let mut districts = Vec::new();
        for i in 0..10 {
            districts.push(
                regions::insert(&mut tx, Some(city), "district", &format!("3312{i:02}"), &format!("片区{i}"), "", i)
                    .await?,
            );
        }
        let mut depts = Vec::new();
        for i in 0..20 {
            depts.push(departments::insert(&mut tx, &format!("d{i}"), &format!("部门{i}"), "市政府", now).await?);
        }
        zhuqi_store::catalogue::seed_default_catalogue(&mut tx, now).await?;
        let cats: Vec<String> = zhuqi_store::catalogue::list_categories(&mut tx)
            .await?
            .into_iter()
            .filter(|c| c.code.len() == 4)
            .map(|c| c.code)
            .collect();
        let hash = zhuqi_app::auth::hash_password("bench-pass-1").await?;
        let user = |username: &'static str, role: &'static str| new_user(username, role, &hash, now);
        let admin = users::insert(&mut tx, &user("admin", "city_admin")).await?;
        let mut officers = Vec::new();
        for i in 0..50 {
            let name = format!("officer{i}");
            officers.push(users::insert(&mut tx, &new_user(&name, "officer", &hash, now)).await?);
        }
        let mut ents = Vec::new();
        for i in 0..1000u32 {
            let body = format!("91331102{:08}", i + 1);
            let org = zhuqi_domain::credit_code::org_check_char(&body[8..16]).context("org check")?;
            let code = zhuqi_domain::CreditCode::complete(&format!("{body}{org}")).context("credit code")?;
            let d = districts[(i % 10) as usize];
            let id = enterprises::insert(
                &mut tx,
                &enterprises::NewEnterprise {
                    credit_code: code.as_str(),
                    name: &format!("企业{i}"),
                    district_id: d,
                    township_id: None,
                    industry_code: "C3443",
                    size: "below",
                    address: "",
                    contact_name: "",
                    contact_phone: "",
                    at: now,
                },
            )
            .await?;
            ents.push((id, d));
        }
        tx.commit().await?;
        (districts, depts, ents, admin, officers, cats)
    };
    let _ = districts;
    // Demands: a deterministic mix of states; the facts are built alongside.
    let mut rng = Rng(0x5A48_5551_4245_4E43);
    let mut agg = Aggregates::default();
    let day_ms = 86_400_000_i64;
    let start = now - a.days * day_ms;
    let span = u64::try_from(a.days * day_ms).unwrap_or(1);
    const PER: u64 = 400;
    let mut loaded = 0u64;
    let mut tx = store.begin().await?;
    while loaded < a.demands {
        let n = PER.min(a.demands - loaded);
        let mut sql = String::from(
            "INSERT INTO demands (enterprise_id, district_id, category_code, title, description, channel, urgency, \
             status, lead_department_id, submitted_by, submitted_at, active_deadline, closed_at, rating, colour, state, \
             version, updated_at) VALUES ",
        );
        let mut rows: Vec<Row> = Vec::new();
        for _ in 0..n {
            let (ent, district) = ents[rng.below(ents.len() as u64) as usize];
            let cat = cats[rng.below(cats.len() as u64) as usize].clone();
            let dept = depts[(cat.bytes().map(u64::from).sum::<u64>() % depts.len() as u64) as usize];
            let at = start + i64::try_from(rng.below(span)).unwrap_or(0);
            let old = now - at > 10 * day_ms;
            let roll = rng.below(100);
            let status = if old {
                match roll {
                    0..=79 => Status::Closed,
                    80..=84 => Status::Withdrawn,
                    85..=87 => Status::Rejected,
                    88..=94 => Status::Replied,
                    _ => Status::Handling,
                }
            } else {
                match roll {
                    0..=19 => Status::Submitted,
                    20..=39 => Status::Dispatched,
                    40..=69 => Status::Handling,
                    70..=84 => Status::Replied,
                    _ => Status::Closed,
                }
            };
            let dispatched = !matches!(status, Status::Submitted | Status::Withdrawn | Status::Rejected);
            let replied = matches!(status, Status::Replied | Status::Closed);
            let lead = dispatched.then_some(dept);
            let officer = if roll.is_multiple_of(2) { officers[rng.below(officers.len() as u64) as usize] } else { 0 };
            let rating = (status == Status::Closed && !roll.is_multiple_of(3))
                .then(|| 1 + i64::try_from(rng.below(5)).unwrap_or(0));
            let red = matches!(status, Status::Handling) && rng.below(20) == 0;
            let wd = i64::try_from(rng.below(9)).unwrap_or(0);
            let mut v = [0i64; N];
            v[m::ix::RECEIVED] = 1;
            v[m::status_ix(status)] = 1;
            v[m::ix::DISPATCHED] = i64::from(dispatched);
            v[m::ix::SIGNED] = i64::from(dispatched && status != Status::Dispatched);
            v[m::ix::SIGNED_ON_TIME] = i64::from(dispatched && status != Status::Dispatched && !roll.is_multiple_of(7));
            v[m::ix::REPLIED] = i64::from(replied);
            v[m::ix::REPLIED_ON_TIME_DISPATCH] = i64::from(replied && wd <= 5);
            v[m::ix::REPLIED_ON_TIME_SIGN] = i64::from(replied && wd <= 6);
            v[m::ix::REPLY_WD_SUM] = if replied { wd } else { 0 };
            v[m::ix::URGED] = i64::from(dispatched && roll.is_multiple_of(11));
            v[m::ix::REDONE] = i64::from(replied && roll.is_multiple_of(13));
            if let Some(r) = rating {
                v[m::ix::RATED] = 1;
                v[m::ix::RATED_5 + usize::try_from(5 - r).unwrap_or(0)] = 1;
            }
            agg.add(&Facts {
                key: FactKey {
                    day: m::day_number(m::china_day(at)),
                    district_id: district,
                    department_id: lead.unwrap_or(0),
                    category_code: cat.clone(),
                    officer_id: officer,
                },
                reply_wd: if replied { wd } else { -1 },
                v,
            });
            let channel = if officer != 0 { "officer" } else { "enterprise_code" };
            let rating_s = rating.and_then(zhuqi_domain::demand::Rating::from_score).map(|r| r.as_str());
            rows.push((
                ent,
                district,
                cat,
                channel,
                status.as_str(),
                lead,
                if officer != 0 { officer } else { admin },
                at,
                matches!(status, Status::Dispatched | Status::Handling).then_some(at + 5 * day_ms),
                (status == Status::Closed).then_some(at + 3 * day_ms),
                rating_s,
                if red { "red" } else { "none" },
            ));
        }
        let mut k = 0;
        for (i, _) in rows.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for j in 0..18 {
                if j > 0 {
                    sql.push_str(", ");
                }
                k += 1;
                sql.push_str(&format!("${k}"));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for r in rows {
            q = q
                .bind(r.0)
                .bind(r.1)
                .bind(r.2)
                .bind("批量生成的诉求")
                .bind("用于测试驾驶舱的响应时间。")
                .bind(r.3)
                .bind("normal")
                .bind(r.4)
                .bind(r.5)
                .bind(r.6)
                .bind(r.7)
                .bind(r.8)
                .bind(r.9)
                .bind(r.10)
                .bind(r.11)
                .bind("{}")
                .bind(1_i64)
                .bind(r.7);
        }
        q.execute(&mut *tx).await?;
        loaded += n;
        if loaded.is_multiple_of(100_000) {
            eprintln!("  {loaded} demands loaded ({:.0} s)", t0.elapsed().as_secs_f64());
        }
    }
    agg.write(&mut tx).await?;
    tx.commit().await?;
    {
        // Fresh statistics for the planner (both engines accept ANALYZE).
        let mut c = store.read().await?;
        sqlx::query("ANALYZE").execute(&mut *c).await?;
    }
    println!(
        "loaded {} demands ({} metric_day rows) on {:?} in {:.1} s",
        a.demands,
        agg.day_rows(),
        store.engine(),
        t0.elapsed().as_secs_f64()
    );
    time_dashboard(&app, a.calls).await
}

/// Times the dashboard three ways and prints p50 / p99.
async fn time_dashboard(app: &App, calls: usize) -> Result<()> {
    // 1. The application call.
    let actor = app.actor_by_username("admin").await?.context("admin")?;
    let meta = RequestMeta::default();
    let d = app.dashboard(&actor, &meta).await?;
    println!("this month: {} received, {} red now", d.figures.received, d.red_total);
    let mut times = Vec::new();
    for _ in 0..calls {
        let t = Instant::now();
        std::hint::black_box(app.dashboard(&actor, &meta).await?);
        times.push(t.elapsed());
    }
    let (p50, p99) = pcts(times);
    println!("App::dashboard                   p50 {p50:8.2} ms  p99 {p99:8.2} ms  ({calls} calls)");
    // 2–3. Through the router, signed in as the admin.
    let router = zhuqi_web::build_router(AppState::new(app.clone(), WebConfig::default()));
    let session = app.login("admin", "bench-pass-1", &meta).await?;
    for (path, cookie) in [("/api/v1/metrics/dashboard", false), ("/dashboard", true)] {
        let mut times = Vec::new();
        for _ in 0..calls {
            let b = Request::get(path);
            let b = if cookie {
                b.header(header::COOKIE, format!("zhuqi_session={}", session.token))
            } else {
                b.header(header::AUTHORIZATION, format!("Bearer {}", session.token))
            };
            let t = Instant::now();
            let res = router.clone().oneshot(b.body(Body::empty())?).await?;
            let status = res.status();
            let body = res.into_body().collect().await?.to_bytes();
            times.push(t.elapsed());
            if status != StatusCode::OK {
                anyhow::bail!("GET {path}: {status}: {}", String::from_utf8_lossy(&body));
            }
        }
        let (p50, p99) = pcts(times);
        println!("GET {path:<29} p50 {p50:8.2} ms  p99 {p99:8.2} ms  ({calls} calls)");
    }
    Ok(())
}

/// A user row to insert.
fn new_user<'a>(username: &'a str, role: &'a str, hash: &'a str, now: i64) -> zhuqi_store::users::NewUser<'a> {
    zhuqi_store::users::NewUser {
        username,
        display_name: username,
        role,
        district_id: None,
        department_id: None,
        enterprise_id: None,
        phone: "",
        password_hash: hash,
        created_at: now,
    }
}
