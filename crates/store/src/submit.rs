//! The write of a new demand (诉求), the hottest write of the product, per
//! engine: everything of it in as few steps as the engine allows, inside
//! the group commit.
//!
//! - SQLite ([`sqlite`]): on the writer thread's own connection, with
//!   cached statements: idempotency key, enterprise in scope, demand row,
//!   full-text row, first event, projection, metric facts, key, audit —
//!   each a prepared statement costing what SQLite costs (a few µs).
//! - PostgreSQL: [`pg_prepare`] outside the transaction (idempotency key,
//!   enterprise in scope and the new id from the sequence, in ONE round
//!   trip on any pooled connection), then [`PgSubmitter`]: a whole batch of
//!   demands with their events, facts, keys and audit lines in ONE statement
//!   (data-modifying CTEs over `json_to_recordset`) and one COMMIT.
//!
//! In both, the metric aggregates are not written here: the command adds its
//! facts to the batch's [`AggDeltas`], written once per key per commit.
//! What the rows contain (state, event, facts) is decided by the caller's
//! `build` step, given the new id and the enterprise.

use crate::batch::{batch_error, gone, Counters, WriterStats};
use crate::demands::{new_demand_columns, NewDemandRow};
use crate::metrics::AggDeltas;
use crate::sql::Sql;
use crate::sqlite_writer::Deferred;
use crate::{Conn, Result, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use sqlx::AnyPool;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};
use zhuqi_domain::metrics::{Facts, COUNTERS};
use zhuqi_domain::Scope;

/// Who submits, under which idempotency key, for which enterprise.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub user_id: i64,
    pub key: Option<&'a str>,
    pub enterprise_id: i64,
    /// The submitter's enterprise scope: outside it the enterprise is not found.
    pub scope: Scope,
}

/// The enterprise of a new demand, as found in scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseInfo {
    pub id: i64,
    pub name: String,
    pub district_id: i64,
    pub district_name: String,
}

/// Everything written for a new demand, built once its id is known.
#[derive(Debug, Clone)]
pub struct Rows {
    /// The `demands` row.
    pub demand: NewDemandRow,
    pub event_seq: i64,
    pub event_kind: &'static str,
    pub event_payload: String,
    pub facts: Facts,
    pub audit_actor_name: String,
    pub audit_detail: String,
    pub ip: String,
    pub request_id: String,
}

/// What a submission did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new demand.
    Created { id: i64, version: i64, enterprise: EnterpriseInfo },
    /// The idempotency key was used before: that demand, nothing written.
    Existing(i64),
    /// No such enterprise in the submitter's scope; nothing written.
    NotInScope,
    /// PostgreSQL: the write hit the idempotency key's unique constraint,
    /// yet no demand is filed under the key; nothing written.
    KeyConflict,
}

impl crate::Store {
    /// Writes a new demand through this engine's group commit and answers
    /// once it is durable: on SQLite one command of the writer thread's
    /// batch (one savepoint in its shared transaction, see [`sqlite`]), on
    /// PostgreSQL [`pg_prepare`] then the bulk [`PgSubmitter`]. `build` gets
    /// the new id and the enterprise and returns the rows to write (pure: it
    /// may run on the writer thread); its error is the submission's.
    pub async fn submit_demand<E, B>(
        &self,
        user_id: i64,
        key: Option<String>,
        enterprise_id: i64,
        scope: Scope,
        build: B,
    ) -> std::result::Result<Outcome, E>
    where
        E: From<StoreError> + Send + 'static,
        B: FnOnce(i64, &EnterpriseInfo) -> std::result::Result<Rows, E> + Send + 'static,
    {
        if let Some(w) = &self.sqlite_writer {
            return w
                .run(move |c, deferred| {
                    let req = Request { user_id, key: key.as_deref(), enterprise_id, scope };
                    sqlite(c, deferred, &req, build)
                })
                .await;
        }
        let submitter = self.pg_submitter.as_ref().ok_or_else(|| E::from(no_writer()))?;
        let req = Request { user_id, key: key.as_deref(), enterprise_id, scope };
        let prepared = {
            let mut c = self.read().await?;
            pg_prepare(&mut c, &req).await?
        };
        let (id, ent) = match prepared {
            Prepared::Existing(id) => return Ok(Outcome::Existing(id)),
            Prepared::NotInScope => return Ok(Outcome::NotInScope),
            Prepared::Fresh { id, enterprise } => (id, enterprise),
        };
        let rows = build(id, &ent)?;
        let version = rows.demand.version;
        let item = PgItem { user_id, key: key.clone(), enterprise_id, id, district_id: ent.district_id, rows };
        let written = submitter.submit(item).await;
        match (written, key.as_deref()) {
            (Ok(()), _) => Ok(Outcome::Created { id, version, enterprise: ent }),
            // A retry with the same key committed first: answer with its demand.
            (Err(StoreError::Unique(_)), Some(k)) => {
                let mut c = self.read().await?;
                Ok(crate::demands::idempotent(&mut c, user_id, k)
                    .await?
                    .map_or(Outcome::KeyConflict, Outcome::Existing))
            }
            (Err(e), _) => Err(e.into()),
        }
    }
}

/// A store with neither group commit of new demands (never built so).
fn no_writer() -> StoreError {
    StoreError::Db(sqlx::Error::Configuration("no group commit for new demands".into()))
}

const AUDIT_ACTION: &str = "submit_demand";

/// ` WHERE e.id = $1 AND <scope>`; `None` when the scope holds nothing.
fn scope_where(req: &Request<'_>) -> Option<Sql> {
    if req.scope == Scope::Nothing {
        return None;
    }
    let mut w = Sql::new(" WHERE e.id = ");
    w.bind_i(req.enterprise_id);
    crate::enterprises::scope_sql(&mut w, req.scope);
    Some(w)
}

/// SQLite: the whole submission on the group-commit thread's connection.
/// `build` gets the new id and the enterprise and returns the rows; its
/// error aborts the command (its savepoint is rolled back).
pub fn sqlite<E: From<StoreError>>(
    c: &Connection,
    deferred: &mut Deferred,
    req: &Request<'_>,
    build: impl FnOnce(i64, &EnterpriseInfo) -> std::result::Result<Rows, E>,
) -> std::result::Result<Outcome, E> {
    let db = |e: rusqlite::Error| E::from(StoreError::from(e));
    if let Some(k) = req.key {
        let existing: Option<i64> = c
            .prepare_cached("SELECT demand_id FROM idempotency_keys WHERE user_id = ?1 AND key = ?2")
            .map_err(db)?
            .query_row(params![req.user_id, k], |r| r.get(0))
            .optional()
            .map_err(db)?;
        if let Some(id) = existing {
            return Ok(Outcome::Existing(id));
        }
    }
    let Some(w) = scope_where(req) else { return Ok(Outcome::NotInScope) };
    let sql = format!(
        "SELECT e.name, e.district_id, r.name FROM enterprises e JOIN regions r ON r.id = e.district_id{}",
        w.text
    );
    let ent = c
        .prepare_cached(&sql)
        .map_err(db)?
        .query_row(rusqlite::params_from_iter(w.sqlite_values()), |r| {
            Ok(EnterpriseInfo {
                id: req.enterprise_id,
                name: r.get(0)?,
                district_id: r.get(1)?,
                district_name: r.get(2)?,
            })
        })
        .optional()
        .map_err(db)?;
    let Some(ent) = ent else { return Ok(Outcome::NotInScope) };
    // The id first (the state holds it): the next rowid, exact because this
    // thread is the only writer while its transaction is open.
    let id: i64 = c
        .prepare_cached("SELECT COALESCE(MAX(id), 0) + 1 FROM demands")
        .map_err(db)?
        .query_row([], |r| r.get(0))
        .map_err(db)?;
    let rows = build(id, &ent)?;
    write_sqlite(c, deferred, req, id, ent.district_id, &rows).map_err(E::from)?;
    Ok(Outcome::Created { id, version: rows.demand.version, enterprise: ent })
}

fn write_sqlite(
    c: &Connection,
    deferred: &mut Deferred,
    req: &Request<'_>,
    id: i64,
    district_id: i64,
    rows: &Rows,
) -> Result<()> {
    let d = &rows.demand;
    c.prepare_cached(concat!(
        "INSERT INTO demands (id, ",
        new_demand_columns!(),
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?13)"
    ))?
    .execute(params![
        id,
        req.enterprise_id,
        district_id,
        d.category_code,
        d.title,
        d.description,
        d.search_text,
        d.channel,
        d.urgency,
        i64::from(d.confidential),
        d.status,
        req.user_id,
        d.submitted_at,
        d.state_json,
        d.version
    ])?;
    deferred.demands_fts.push((id, d.search_text.clone()));
    c.prepare_cached(
        "INSERT INTO demand_events (demand_id, seq, at, actor_id, kind, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        id,
        rows.event_seq,
        rows.demand.submitted_at,
        req.user_id,
        rows.event_kind,
        rows.event_payload
    ])?;
    crate::metrics::insert_facts_sqlite(c, id, &rows.facts, rows.demand.submitted_at)?;
    deferred.deltas.add(&rows.facts, 1);
    if let Some(k) = req.key {
        c.prepare_cached("INSERT INTO idempotency_keys (user_id, key, demand_id, created_at) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![req.user_id, k, id, rows.demand.submitted_at])?;
    }
    c.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, target, outcome, detail, ip, request_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'success', ?6, ?7, ?8)",
    )?
    .execute(params![
        rows.demand.submitted_at,
        req.user_id,
        rows.audit_actor_name,
        AUDIT_ACTION,
        format!("demand:{id}"),
        rows.audit_detail,
        rows.ip,
        rows.request_id
    ])?;
    Ok(())
}

/// What [`pg_prepare`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// The key was used before.
    Existing(i64),
    NotInScope,
    /// Write it with [`PgSubmitter`] under this id (drawn from the sequence).
    Fresh {
        id: i64,
        enterprise: EnterpriseInfo,
    },
}

/// (key's demand, enterprise name, district id, district name, new id).
type PreparedRow = (Option<i64>, Option<String>, Option<i64>, Option<String>, Option<i64>);

/// PostgreSQL, outside the transaction: the idempotency key, the enterprise
/// in scope and (only when a demand will be written) a new id, in one round
/// trip. A retry racing with its first attempt is caught by the key's
/// primary key in [`PgSubmitter`] ([`StoreError::Unique`]).
pub async fn pg_prepare(c: &mut Conn, req: &Request<'_>) -> Result<Prepared> {
    let Some(w) = scope_where(req) else {
        return Ok(match req.key {
            Some(k) => {
                crate::demands::idempotent(c, req.user_id, k).await?.map_or(Prepared::NotInScope, Prepared::Existing)
            }
            None => Prepared::NotInScope,
        });
    };
    // The scope condition goes into the enterprise join's ON clause.
    let mut q = w.prefixed(
        "SELECT k.demand_id, e.name, e.district_id, r.name, \
         CASE WHEN k.demand_id IS NULL AND e.id IS NOT NULL THEN nextval(pg_get_serial_sequence('demands', 'id')) END \
         FROM (SELECT 1 AS one) o \
         LEFT JOIN (enterprises e JOIN regions r ON r.id = e.district_id)",
    );
    q.text = q.text.replacen(" WHERE e.id = ", " ON e.id = ", 1);
    q.push(" LEFT JOIN idempotency_keys k ON k.user_id = ").bind_i(req.user_id);
    q.push(" AND k.key = ").bind_s(req.key.unwrap_or_default());
    let row: PreparedRow = q.query_as().fetch_one(&mut *c).await?;
    Ok(match row {
        (Some(existing), ..) if req.key.is_some() => Prepared::Existing(existing),
        (_, Some(name), Some(district_id), Some(district_name), Some(id)) => Prepared::Fresh {
            id,
            enterprise: EnterpriseInfo { id: req.enterprise_id, name, district_id, district_name },
        },
        _ => Prepared::NotInScope,
    })
}

/// A prepared PostgreSQL submission, for [`PgSubmitter::submit`].
#[derive(Debug, Clone)]
pub struct PgItem {
    pub user_id: i64,
    pub key: Option<String>,
    pub enterprise_id: i64,
    /// From [`pg_prepare`].
    pub id: i64,
    pub district_id: i64,
    pub rows: Rows,
}

type Queued = (PgItem, oneshot::Sender<Result<()>>);

/// The PostgreSQL group commit of new demands, in bulk.
///
/// Per statement PostgreSQL spends more on starting the executor, opening
/// relations and firing triggers than on the rows themselves (measured:
/// with one statement per demand the server took ~750 µs of CPU per create).
/// So a task takes up to `max_batch` prepared submissions and writes them in
/// ONE transaction with ONE statement — a chain of data-modifying CTEs over
/// the batch passed as one JSON parameter — then the batch's aggregate deltas
/// (one upsert per key, keys sorted) and one COMMIT; every caller is answered
/// after it. If that statement or the COMMIT fails (a retry racing with its
/// first attempt on an idempotency key, say), the batch is rolled back and
/// each submission is written again on its own, so one bad submission never
/// fails the others. The tasks ([`PG_TASKS`]) share the queue, each with its
/// own connection per batch.
#[derive(Clone)]
pub struct PgSubmitter {
    queue: mpsc::Sender<Queued>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for PgSubmitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSubmitter").field("stats", &self.stats()).finish()
    }
}

/// Bulk writer tasks on PostgreSQL. One: every new demand adds to the same
/// few aggregate rows (today × district × category), which a batch locks
/// from its flush to its COMMIT, so parallel batches mostly wait for each
/// other; one task makes larger batches instead. Measured with
/// `zhuqi-bench` at 64 clients: 1 task 3 084/s (32 per commit), 2 tasks
/// 2 738/s (17), 4 tasks 2 427/s (10); see `bench/README.md`.
pub const PG_TASKS: usize = 1;
/// Most submissions per statement.
pub const PG_MAX_BATCH: usize = 64;

impl PgSubmitter {
    pub fn spawn(pool: AnyPool, tasks: usize, max_batch: usize) -> Self {
        let (queue, rx) = mpsc::channel::<Queued>(4096);
        let rx = Arc::new(Mutex::new(rx));
        let counters = Arc::new(Counters::default());
        for _ in 0..tasks.max(1) {
            let (pool, rx, counters) = (pool.clone(), rx.clone(), counters.clone());
            tokio::spawn(async move {
                let mut batch = Vec::with_capacity(max_batch);
                loop {
                    {
                        let mut rx = rx.lock().await;
                        if rx.recv_many(&mut batch, max_batch.max(1)).await == 0 {
                            return;
                        }
                    }
                    run_pg_batch(&pool, std::mem::take(&mut batch), &counters).await;
                }
            });
        }
        Self { queue, counters }
    }

    /// Writes one submission; answers once it is committed.
    pub async fn submit(&self, item: PgItem) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        if self.queue.send((item, reply)).await.is_err() {
            return Err(gone());
        }
        answer.await.unwrap_or_else(|_| Err(gone()))
    }

    pub fn stats(&self) -> WriterStats {
        self.counters.stats()
    }
}

async fn run_pg_batch(pool: &AnyPool, batch: Vec<Queued>, counters: &Counters) {
    let batch: Vec<Queued> = batch.into_iter().filter(|(_, r)| !r.is_closed()).collect();
    if batch.is_empty() {
        return;
    }
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => {
            let e = StoreError::from(e);
            for (_, reply) in batch {
                let _ = reply.send(Err(batch_error(&e)));
            }
            return;
        }
    };
    let items: Vec<&PgItem> = batch.iter().map(|(i, _)| i).collect();
    match write_bulk(&mut conn, &items).await {
        Ok(()) => {
            counters.committed(batch.len() as u64);
            for (_, reply) in batch {
                let _ = reply.send(Ok(()));
            }
        }
        Err(e) if batch.len() == 1 => {
            counters.failed();
            let _ = batch.into_iter().next().map(|(_, reply)| reply.send(Err(e)));
        }
        Err(e) => {
            // Each on its own: the one at fault fails alone.
            tracing::debug!(error = %e, submissions = batch.len(), "bulk submit failed; writing one by one");
            counters.failed();
            for (item, reply) in batch {
                let r = write_bulk(&mut conn, &[&item]).await;
                if r.is_ok() {
                    counters.committed(1);
                }
                let _ = reply.send(r);
            }
        }
    }
}

/// One transaction: every submission of `items` in one statement, their
/// aggregate deltas, COMMIT. On error nothing of it stays.
async fn write_bulk(conn: &mut Conn, items: &[&PgItem]) -> Result<()> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    let written: i64 = sqlx::query_scalar(bulk_sql()).bind(bulk_json(items)?).fetch_one(&mut *tx).await?;
    debug_assert_eq!(written, items.len() as i64);
    let mut deltas = AggDeltas::default();
    for it in items {
        deltas.add(&it.rows.facts, 1);
    }
    deltas.flush(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// One submission as a JSON record of [`bulk_sql`]'s `x`.
#[derive(serde::Serialize)]
struct BulkRow<'a> {
    id: i64,
    enterprise_id: i64,
    district_id: i64,
    category_code: &'a str,
    title: &'a str,
    description: &'a str,
    search_text: &'a str,
    channel: &'a str,
    urgency: &'a str,
    confidential: i64,
    status: &'a str,
    user_id: i64,
    at: i64,
    state: &'a str,
    version: i64,
    event_seq: i64,
    event_kind: &'a str,
    event_payload: &'a str,
    key: Option<&'a str>,
    actor_name: &'a str,
    detail: &'a str,
    ip: &'a str,
    request_id: &'a str,
    f_day: i64,
    f_district: i64,
    f_department: i64,
    f_category: &'a str,
    f_officer: i64,
    f_reply_wd: i64,
    f_v: &'a [i64],
}

/// The one bulk statement: the batch travels as ONE JSON parameter
/// (`json_to_recordset`), so the text is the same whatever the batch size —
/// one prepared statement per connection, planned once — and PostgreSQL
/// decodes one value instead of ~70 per submission.
fn bulk_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let counters = COUNTERS.join(", ");
        let columns = new_demand_columns!();
        let values = (1..=COUNTERS.len()).map(|i| format!("f_v[{i}]")).collect::<Vec<_>>().join(", ");
        format!(
            "WITH x AS MATERIALIZED (SELECT * FROM json_to_recordset($1::json) AS r(id bigint, enterprise_id bigint, \
             district_id bigint, category_code text, title text, description text, search_text text, channel text, \
             urgency text, confidential bigint, status text, user_id bigint, at bigint, state text, version bigint, \
             event_seq bigint, event_kind text, event_payload text, key text, actor_name text, detail text, ip text, \
             request_id text, f_day bigint, f_district bigint, f_department bigint, f_category text, f_officer bigint, \
             f_reply_wd bigint, f_v bigint[])), \
             d AS (INSERT INTO demands (id, {columns}) \
             SELECT id, enterprise_id, district_id, category_code, title, description, search_text, channel, urgency, \
             confidential, status, user_id, at, state, version, at FROM x), \
             ev AS (INSERT INTO demand_events (demand_id, seq, at, actor_id, kind, payload) \
             SELECT id, event_seq, at, user_id, event_kind, event_payload FROM x), \
             fa AS (INSERT INTO metric_facts (demand_id, day, district_id, department_id, category_code, officer_id, \
             reply_wd, {counters}, updated_at) \
             SELECT id, f_day, f_district, f_department, f_category, f_officer, f_reply_wd, {values}, at FROM x), \
             k AS (INSERT INTO idempotency_keys (user_id, key, demand_id, created_at) \
             SELECT user_id, key, id, at FROM x WHERE key IS NOT NULL), \
             a AS (INSERT INTO audit_log (at, actor_id, actor_name, action, target, outcome, detail, ip, request_id) \
             SELECT at, user_id, actor_name, '{AUDIT_ACTION}', 'demand:' || id, 'success', detail, ip, request_id FROM x) \
             SELECT COUNT(*) FROM x"
        )
    })
}

fn bulk_json(items: &[&PgItem]) -> Result<String> {
    let rows: Vec<BulkRow<'_>> = items
        .iter()
        .map(|it| {
            let (r, d, f) = (&it.rows, &it.rows.demand, &it.rows.facts);
            BulkRow {
                id: it.id,
                enterprise_id: it.enterprise_id,
                district_id: it.district_id,
                category_code: &d.category_code,
                title: &d.title,
                description: &d.description,
                search_text: &d.search_text,
                channel: d.channel,
                urgency: d.urgency,
                confidential: i64::from(d.confidential),
                status: d.status,
                user_id: it.user_id,
                at: d.submitted_at,
                state: &d.state_json,
                version: d.version,
                event_seq: r.event_seq,
                event_kind: r.event_kind,
                event_payload: &r.event_payload,
                key: it.key.as_deref(),
                actor_name: &r.audit_actor_name,
                detail: &r.audit_detail,
                ip: &r.ip,
                request_id: &r.request_id,
                f_day: f.key.day,
                f_district: f.key.district_id,
                f_department: f.key.department_id,
                f_category: &f.key.category_code,
                f_officer: f.key.officer_id,
                f_reply_wd: f.reply_wd,
                f_v: &f.v,
            }
        })
        .collect();
    serde_json::to_string(&rows).map_err(|e| StoreError::Db(sqlx::Error::Encode(Box::new(e))))
}
