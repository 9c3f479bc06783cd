//! Metrics (issue 6): the per-demand facts and the additive aggregates kept
//! from them (`metric_day`, `metric_reply_wd`, `metric_officer_day`), the
//! sums behind the figures, officer ratings, and the full rebuild.
//!
//! [`apply_change`] is the one write: it runs in the transaction of the
//! demand event, subtracts the demand's old contribution under its old key
//! and adds the new one under the new key, so the aggregates always equal
//! the sum of `metric_facts`. Column names come from the domain's
//! [`COUNTERS`] list (constants, never input).

use crate::sql::Sql;
use crate::{Conn, Result};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;
use zhuqi_domain::metrics::{Counters, FactKey, Facts, COUNTERS, N};

fn counter_cols(prefix: &str) -> String {
    COUNTERS.iter().map(|c| format!("{prefix}{c}")).collect::<Vec<_>>().join(", ")
}

fn sum_cols() -> String {
    COUNTERS.iter().map(|c| format!("CAST(SUM({c}) AS BIGINT)")).collect::<Vec<_>>().join(", ")
}

fn read_counters(row: &sqlx::any::AnyRow, first: usize) -> Result<Counters> {
    let mut v = [0i64; N];
    for (k, x) in v.iter_mut().enumerate() {
        *x = row.try_get::<Option<i64>, _>(first + k)?.unwrap_or(0);
    }
    Ok(v)
}

/// The facts last filed for a demand.
pub async fn load_facts(c: &mut Conn, demand_id: i64) -> Result<Option<Facts>> {
    let sql = format!(
        "SELECT day, district_id, department_id, category_code, officer_id, reply_wd, {} FROM metric_facts \
         WHERE demand_id = $1",
        counter_cols("")
    );
    let Some(row) = sqlx::query(&sql).bind(demand_id).fetch_optional(&mut *c).await? else { return Ok(None) };
    Ok(Some(Facts {
        key: FactKey {
            day: row.try_get(0)?,
            district_id: row.try_get(1)?,
            department_id: row.try_get(2)?,
            category_code: row.try_get(3)?,
            officer_id: row.try_get(4)?,
        },
        reply_wd: row.try_get(5)?,
        v: read_counters(&row, 6)?,
    }))
}

/// Files a new demand's facts on a rusqlite connection (the SQLite submit).
pub(crate) fn insert_facts_sqlite(c: &rusqlite::Connection, demand_id: i64, f: &Facts, now: i64) -> Result<()> {
    use rusqlite::types::Value;
    let marks = (1..=(8 + N)).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let mut st = c.prepare_cached(&format!(
        "INSERT INTO metric_facts (demand_id, day, district_id, department_id, category_code, officer_id, reply_wd, \
         {}, updated_at) VALUES ({marks})",
        counter_cols("")
    ))?;
    let mut p: Vec<Value> = vec![
        demand_id.into(),
        f.key.day.into(),
        f.key.district_id.into(),
        f.key.department_id.into(),
        f.key.category_code.clone().into(),
        f.key.officer_id.into(),
        f.reply_wd.into(),
    ];
    p.extend(f.v.iter().map(|x| Value::from(*x)));
    p.push(now.into());
    st.execute(rusqlite::params_from_iter(p))?;
    Ok(())
}

pub(crate) async fn save_facts(c: &mut Conn, demand_id: i64, f: &Facts, now: i64) -> Result<()> {
    let mut q = Sql::new(&format!(
        "INSERT INTO metric_facts (demand_id, day, district_id, department_id, category_code, officer_id, reply_wd, \
         {}, updated_at) VALUES (",
        counter_cols("")
    ));
    q.bind_i(demand_id).push(", ").bind_i(f.key.day).push(", ").bind_i(f.key.district_id).push(", ");
    q.bind_i(f.key.department_id).push(", ").bind_s(f.key.category_code.clone()).push(", ");
    q.bind_i(f.key.officer_id).push(", ").bind_i(f.reply_wd);
    for x in f.v {
        q.push(", ").bind_i(x);
    }
    q.push(", ").bind_i(now).push(") ON CONFLICT (demand_id) DO UPDATE SET day = excluded.day, ");
    q.push("district_id = excluded.district_id, department_id = excluded.department_id, ");
    q.push("category_code = excluded.category_code, officer_id = excluded.officer_id, reply_wd = excluded.reply_wd, ");
    for c in COUNTERS {
        q.push(&format!("{c} = excluded.{c}, "));
    }
    q.push("updated_at = excluded.updated_at");
    q.query().execute(&mut *c).await?;
    Ok(())
}

/// Changes to the additive aggregates, summed per key before they are
/// written: one upsert per key however many demands moved it. The group
/// commit collects the deltas of a whole batch and writes them once just
/// before its COMMIT (so concurrent batches lock each hot aggregate row once,
/// briefly); every other write path flushes its own at once. Keys are kept
/// sorted, so every transaction locks aggregate rows in the same order (no
/// deadlocks between batches on PostgreSQL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AggDeltas {
    /// metric_day: (day, district, department, category).
    day: BTreeMap<(i64, i64, i64, String), Counters>,
    /// metric_reply_wd: (day, district, department, wd).
    reply: BTreeMap<(i64, i64, i64, i64), i64>,
    /// metric_officer_day: (officer, day).
    officer: BTreeMap<(i64, i64), Counters>,
}

fn add_counters(into: &mut Counters, v: &Counters, sign: i64) {
    for (a, b) in into.iter_mut().zip(v) {
        *a += sign * b;
    }
}

impl AggDeltas {
    /// Adds `sign` × the contribution of `f`.
    pub fn add(&mut self, f: &Facts, sign: i64) {
        let k = &f.key;
        add_counters(
            self.day.entry((k.day, k.district_id, k.department_id, k.category_code.clone())).or_insert([0; N]),
            &f.v,
            sign,
        );
        if f.reply_wd >= 0 {
            *self.reply.entry((k.day, k.district_id, k.department_id, f.reply_wd)).or_insert(0) += sign;
        }
        if k.officer_id != 0 {
            add_counters(self.officer.entry((k.officer_id, k.day)).or_insert([0; N]), &f.v, sign);
        }
    }

    /// Adds every delta of `other`.
    pub fn merge(&mut self, other: AggDeltas) {
        for (k, v) in other.day {
            add_counters(self.day.entry(k).or_insert([0; N]), &v, 1);
        }
        for (k, n) in other.reply {
            *self.reply.entry(k).or_insert(0) += n;
        }
        for (k, v) in other.officer {
            add_counters(self.officer.entry(k).or_insert([0; N]), &v, 1);
        }
    }

    /// Drops the keys whose deltas cancelled out.
    fn prune(&mut self) {
        self.day.retain(|_, v| v.iter().any(|x| *x != 0));
        self.reply.retain(|_, n| *n != 0);
        self.officer.retain(|_, v| v.iter().any(|x| *x != 0));
    }

    pub fn is_empty(&self) -> bool {
        self.day.is_empty() && self.reply.is_empty() && self.officer.is_empty()
    }

    /// Upserts (day rows, reply rows, officer rows) keys.
    pub fn len(&self) -> (usize, usize, usize) {
        (self.day.len(), self.reply.len(), self.officer.len())
    }

    /// Writes the deltas: one multi-row upsert per table (in chunks).
    pub async fn flush(mut self, c: &mut Conn) -> Result<()> {
        self.prune();
        let upd =
            |t: &str| COUNTERS.iter().map(|c| format!("{c} = {t}.{c} + excluded.{c}")).collect::<Vec<_>>().join(", ");
        let day: Vec<_> = self.day.into_iter().collect();
        for chunk in day.chunks(FLUSH_CHUNK) {
            let mut q = Sql::new(&format!(
                "INSERT INTO metric_day (day, district_id, department_id, category_code, {}) VALUES ",
                counter_cols("")
            ));
            for (i, ((d, dist, dept, cat), v)) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" });
                q.bind_i(*d).push(", ").bind_i(*dist).push(", ").bind_i(*dept).push(", ").bind_s(cat.clone());
                for x in v {
                    q.push(", ").bind_i(*x);
                }
                q.push(")");
            }
            q.push(" ON CONFLICT (day, district_id, department_id, category_code) DO UPDATE SET ");
            q.push(&upd("metric_day"));
            q.query().execute(&mut *c).await?;
        }
        let reply: Vec<_> = self.reply.into_iter().collect();
        for chunk in reply.chunks(FLUSH_CHUNK) {
            let mut q = Sql::new("INSERT INTO metric_reply_wd (day, district_id, department_id, wd, n) VALUES ");
            for (i, ((d, dist, dept, wd), n)) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" });
                q.bind_i(*d).push(", ").bind_i(*dist).push(", ").bind_i(*dept).push(", ").bind_i(*wd);
                q.push(", ").bind_i(*n).push(")");
            }
            q.push(
                " ON CONFLICT (day, district_id, department_id, wd) DO UPDATE SET n = metric_reply_wd.n + excluded.n",
            );
            q.query().execute(&mut *c).await?;
        }
        let officer: Vec<_> = self.officer.into_iter().collect();
        for chunk in officer.chunks(FLUSH_CHUNK) {
            let mut q =
                Sql::new(&format!("INSERT INTO metric_officer_day (day, officer_id, {}) VALUES ", counter_cols("")));
            for (i, ((officer, d), v)) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" });
                q.bind_i(*d).push(", ").bind_i(*officer);
                for x in v {
                    q.push(", ").bind_i(*x);
                }
                q.push(")");
            }
            q.push(" ON CONFLICT (officer_id, day) DO UPDATE SET ");
            q.push(&upd("metric_officer_day"));
            q.query().execute(&mut *c).await?;
        }
        Ok(())
    }

    /// [`AggDeltas::flush`] on a rusqlite connection (the SQLite group
    /// commit), one cached upsert statement per row.
    pub fn flush_sqlite(mut self, c: &rusqlite::Connection) -> Result<()> {
        use rusqlite::types::Value;
        self.prune();
        let upd =
            |t: &str| COUNTERS.iter().map(|c| format!("{c} = {t}.{c} + excluded.{c}")).collect::<Vec<_>>().join(", ");
        let marks = |n: usize| (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        if !self.day.is_empty() {
            let mut st = c.prepare_cached(&format!(
                "INSERT INTO metric_day (day, district_id, department_id, category_code, {}) VALUES ({}) \
                 ON CONFLICT (day, district_id, department_id, category_code) DO UPDATE SET {}",
                counter_cols(""),
                marks(4 + N),
                upd("metric_day")
            ))?;
            for ((d, dist, dept, cat), v) in self.day {
                let mut p: Vec<Value> = vec![d.into(), dist.into(), dept.into(), cat.into()];
                p.extend(v.iter().map(|x| Value::from(*x)));
                st.execute(rusqlite::params_from_iter(p))?;
            }
        }
        if !self.reply.is_empty() {
            let mut st = c.prepare_cached(
                "INSERT INTO metric_reply_wd (day, district_id, department_id, wd, n) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (day, district_id, department_id, wd) DO UPDATE SET n = metric_reply_wd.n + excluded.n",
            )?;
            for ((d, dist, dept, wd), n) in self.reply {
                st.execute(rusqlite::params![d, dist, dept, wd, n])?;
            }
        }
        if !self.officer.is_empty() {
            let mut st = c.prepare_cached(&format!(
                "INSERT INTO metric_officer_day (day, officer_id, {}) VALUES ({}) \
                 ON CONFLICT (officer_id, day) DO UPDATE SET {}",
                counter_cols(""),
                marks(2 + N),
                upd("metric_officer_day")
            ))?;
            for ((officer, d), v) in self.officer {
                let mut p: Vec<Value> = vec![d.into(), officer.into()];
                p.extend(v.iter().map(|x| Value::from(*x)));
                st.execute(rusqlite::params_from_iter(p))?;
            }
        }
        Ok(())
    }
}

/// Rows per multi-row upsert (30 binds each; well under both engines' limits).
const FLUSH_CHUNK: usize = 500;

/// Moves a demand's contribution from `old` to `new` (nothing when equal)
/// and files `new`. Run it inside the transaction that writes the events.
pub async fn apply_change(c: &mut Conn, demand_id: i64, old: Option<&Facts>, new: &Facts, now: i64) -> Result<()> {
    if old == Some(new) {
        return Ok(());
    }
    let mut d = AggDeltas::default();
    if let Some(o) = old {
        d.add(o, -1);
    }
    d.add(new, 1);
    d.flush(c).await?;
    save_facts(c, demand_id, new, now).await
}

/// Empties the facts and aggregates (before a rebuild).
pub async fn clear(c: &mut Conn) -> Result<()> {
    for t in ["metric_day", "metric_reply_wd", "metric_officer_day", "metric_facts"] {
        sqlx::query(&format!("DELETE FROM {t}")).execute(&mut *c).await?;
    }
    Ok(())
}

/// What to sum over: submission days `from..=to` (`YYYYMMDD`), optionally
/// one district and/or one lead department.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SumFilter {
    pub from_day: i64,
    pub to_day: i64,
    pub district_id: Option<i64>,
    pub department_id: Option<i64>,
}

fn where_of(f: &SumFilter) -> Sql {
    let mut w = Sql::new(" WHERE day >= ");
    w.bind_i(f.from_day).push(" AND day <= ").bind_i(f.to_day);
    if let Some(d) = f.district_id {
        w.push(" AND district_id = ").bind_i(d);
    }
    if let Some(d) = f.department_id {
        w.push(" AND department_id = ").bind_i(d);
    }
    w
}

/// A grouping of [`sums`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One row with key "".
    Total,
    Department,
    District,
    Category,
    /// The 2-digit major category.
    MajorCategory,
    Day,
}

impl GroupBy {
    fn expr(self) -> &'static str {
        match self {
            GroupBy::Total => "CAST('' AS TEXT)",
            GroupBy::Department => "CAST(department_id AS TEXT)",
            GroupBy::District => "CAST(district_id AS TEXT)",
            GroupBy::Category => "category_code",
            GroupBy::MajorCategory => "SUBSTR(category_code, 1, 2)",
            GroupBy::Day => "CAST(day AS TEXT)",
        }
    }
}

/// Summed counters per group (key as text).
pub async fn sums(c: &mut Conn, filter: &SumFilter, group: GroupBy) -> Result<Vec<(String, Counters)>> {
    let w = where_of(filter);
    let g = group.expr();
    let tail = if group == GroupBy::Total { String::new() } else { format!(" GROUP BY {g} ORDER BY {g}") };
    let q = w.prefixed(&format!("SELECT {g}, {} FROM metric_day", sum_cols()));
    let mut q = q;
    q.push(&tail);
    let rows = q.query().fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let v = read_counters(&r, 1)?;
        if group == GroupBy::Total || v[0] != 0 || v.iter().any(|x| *x != 0) {
            out.push((r.try_get::<String, _>(0)?, v));
        }
    }
    Ok(out)
}

/// Summed counters per (district, lead department, major category): one
/// pass over the period's rows from which every breakdown of the dashboard
/// is added up in memory.
pub async fn sums_cube(c: &mut Conn, filter: &SumFilter) -> Result<Vec<(i64, i64, String, Counters)>> {
    let mut q = where_of(filter).prefixed(&format!(
        "SELECT district_id, department_id, SUBSTR(category_code, 1, 2), {} FROM metric_day",
        sum_cols()
    ));
    q.push(" GROUP BY district_id, department_id, SUBSTR(category_code, 1, 2)");
    let rows = q.query().fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?, r.try_get::<String, _>(2)?, read_counters(&r, 3)?));
    }
    Ok(out)
}

/// Received and closed per submission day (the dashboard's weekly trend:
/// two sums, not all counters).
pub async fn day_trend(c: &mut Conn, filter: &SumFilter) -> Result<Vec<(i64, i64, i64)>> {
    let mut q = where_of(filter)
        .prefixed("SELECT day, CAST(SUM(received) AS BIGINT), CAST(SUM(st_closed) AS BIGINT) FROM metric_day");
    q.push(" GROUP BY day");
    let rows = q.query().fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?, r.try_get::<i64, _>(2)?));
    }
    Ok(out)
}

/// The reply-days histogram per group: (group key, working days, count).
pub async fn reply_hist(c: &mut Conn, filter: &SumFilter, group: GroupBy) -> Result<Vec<(String, i64, i64)>> {
    let (g, by) = match group {
        GroupBy::Department | GroupBy::District => (group.expr(), format!(" GROUP BY {}, wd", group.expr())),
        _ => (GroupBy::Total.expr(), " GROUP BY wd".to_string()),
    };
    let mut q = where_of(filter).prefixed(&format!("SELECT {g}, wd, CAST(SUM(n) AS BIGINT) FROM metric_reply_wd"));
    q.push(&by);
    let rows = q.query().fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?, r.try_get::<Option<i64>, _>(2)?.unwrap_or(0)));
    }
    Ok(out)
}

/// Open red demands now per (lead department or 0, district).
pub async fn overdue_now(c: &mut Conn) -> Result<Vec<(i64, i64, i64)>> {
    let sql = format!(
        "SELECT COALESCE(lead_department_id, 0), district_id, COUNT(*) FROM demands \
         WHERE colour = 'red' AND status IN ({}) GROUP BY COALESCE(lead_department_id, 0), district_id",
        crate::sql::status_list(&zhuqi_domain::demand::Status::CLOCK_RUNNING)
    );
    let rows = sqlx::query(&sql).fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?, r.try_get::<i64, _>(2)?));
    }
    Ok(out)
}

/// Summed counters of demands raised by officers, per officer.
pub async fn officer_sums(c: &mut Conn, from_day: i64, to_day: i64) -> Result<Vec<(i64, Counters)>> {
    let sql = format!(
        "SELECT officer_id, {} FROM metric_officer_day WHERE day >= $1 AND day <= $2 GROUP BY officer_id",
        sum_cols()
    );
    let rows = sqlx::query(&sql).bind(from_day).bind(to_day).fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get::<i64, _>(0)?, read_counters(&r, 1)?));
    }
    Ok(out)
}

/// Facts as stored, for comparing a rebuild with incremental upkeep.
pub async fn all_facts(c: &mut Conn) -> Result<Vec<(i64, Facts)>> {
    let sql = format!(
        "SELECT demand_id, day, district_id, department_id, category_code, officer_id, reply_wd, {} FROM metric_facts \
         ORDER BY demand_id",
        counter_cols("")
    );
    let rows = sqlx::query(&sql).fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push((
            row.try_get(0)?,
            Facts {
                key: FactKey {
                    day: row.try_get(1)?,
                    district_id: row.try_get(2)?,
                    department_id: row.try_get(3)?,
                    category_code: row.try_get(4)?,
                    officer_id: row.try_get(5)?,
                },
                reply_wd: row.try_get(6)?,
                v: read_counters(&row, 7)?,
            },
        ));
    }
    Ok(out)
}

/// Every aggregate row as text lines (sorted), zero rows dropped: two
/// databases hold the same aggregates iff these are equal.
pub async fn aggregate_digest(c: &mut Conn) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (t, keys) in
        [("metric_day", "day, district_id, department_id, category_code"), ("metric_officer_day", "day, officer_id")]
    {
        let sql = format!("SELECT {keys}, {} FROM {t}", counter_cols(""));
        let nk = keys.split(',').count();
        for r in sqlx::query(&sql).fetch_all(&mut *c).await? {
            let v = read_counters(&r, nk)?;
            if v.iter().all(|x| *x == 0) {
                continue;
            }
            let mut k = Vec::new();
            for i in 0..nk {
                k.push(match r.try_get::<i64, _>(i) {
                    Ok(x) => x.to_string(),
                    Err(_) => r.try_get::<String, _>(i)?,
                });
            }
            out.push(format!("{t}|{}|{v:?}", k.join(",")));
        }
    }
    for r in sqlx::query("SELECT day, district_id, department_id, wd, n FROM metric_reply_wd WHERE n <> 0")
        .fetch_all(&mut *c)
        .await?
    {
        let v: Vec<i64> = (0..5).map(|i| r.try_get::<i64, _>(i)).collect::<std::result::Result<_, _>>()?;
        out.push(format!("metric_reply_wd|{v:?}"));
    }
    out.sort();
    Ok(out)
}

/// One officer rating.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OfficerRating {
    pub id: i64,
    pub enterprise_id: i64,
    pub officer_id: i64,
    pub user_id: i64,
    pub quarter: String,
    pub score: i64,
    pub comment: String,
    pub at: i64,
}

/// Records a rating; a second one by the same user in the quarter is a
/// unique violation ([`crate::StoreError::Unique`]).
pub async fn insert_rating(c: &mut Conn, r: &OfficerRating) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO officer_ratings (enterprise_id, officer_id, user_id, quarter, score, comment, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(r.enterprise_id)
    .bind(r.officer_id)
    .bind(r.user_id)
    .bind(&r.quarter)
    .bind(r.score)
    .bind(&r.comment)
    .bind(r.at)
    .fetch_one(&mut *c)
    .await?;
    Ok(id)
}

/// The user's rating in a quarter, if any.
pub async fn rating_of(c: &mut Conn, user_id: i64, quarter: &str) -> Result<Option<OfficerRating>> {
    Ok(sqlx::query_as(
        "SELECT id, enterprise_id, officer_id, user_id, quarter, score, comment, at FROM officer_ratings \
         WHERE user_id = $1 AND quarter = $2",
    )
    .bind(user_id)
    .bind(quarter)
    .fetch_optional(&mut *c)
    .await?)
}

/// Per officer: (ratings, sum of scores, ratings of 3 or more) in `[from, to)` (ms).
pub async fn rating_sums(c: &mut Conn, from: i64, to: i64) -> Result<Vec<(i64, i64, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT officer_id, COUNT(*), CAST(SUM(score) AS BIGINT), CAST(SUM(CASE WHEN score >= 3 THEN 1 ELSE 0 END) AS BIGINT) \
         FROM officer_ratings WHERE at >= $1 AND at < $2 GROUP BY officer_id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((
            r.try_get::<i64, _>(0)?,
            r.try_get::<i64, _>(1)?,
            r.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
            r.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
        ));
    }
    Ok(out)
}

/// Per officer: (enterprises served at some time in `[from, to)`, of them
/// with at least one on-site visit by that officer in the window).
pub async fn door_knock(c: &mut Conn, from: i64, to: i64) -> Result<Vec<(i64, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT a.officer_id, COUNT(DISTINCT a.enterprise_id), \
         COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM visits v WHERE v.officer_id = a.officer_id \
           AND v.enterprise_id = a.enterprise_id AND v.mode = 'on_site' AND v.started_at >= $1 AND v.started_at < $2) \
           THEN a.enterprise_id END) \
         FROM assignments a WHERE a.valid_from < $2 AND (a.valid_to IS NULL OR a.valid_to > $1) GROUP BY a.officer_id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?, r.try_get::<i64, _>(2)?));
    }
    Ok(out)
}

/// Every demand id with its stored state (JSON), for a rebuild, in id order
/// after `after_id`, at most `limit`.
pub async fn demand_states(c: &mut Conn, after_id: i64, limit: i64) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as("SELECT id, state FROM demands WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after_id)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?)
}

/// Aggregates summed in memory, written in bulk (rebuild, bench).
#[derive(Debug, Default)]
pub struct Aggregates {
    day: std::collections::HashMap<(i64, i64, i64, String), Counters>,
    officer: std::collections::HashMap<(i64, i64), Counters>,
    wd: std::collections::HashMap<(i64, i64, i64, i64), i64>,
}

impl Aggregates {
    /// Adds one demand's contribution.
    pub fn add(&mut self, f: &Facts) {
        let k = &f.key;
        zhuqi_domain::metrics::add(
            self.day.entry((k.day, k.district_id, k.department_id, k.category_code.clone())).or_insert([0; N]),
            &f.v,
        );
        if k.officer_id != 0 {
            zhuqi_domain::metrics::add(self.officer.entry((k.day, k.officer_id)).or_insert([0; N]), &f.v);
        }
        if f.reply_wd >= 0 {
            *self.wd.entry((k.day, k.district_id, k.department_id, f.reply_wd)).or_insert(0) += 1;
        }
    }

    /// Rows of `metric_day`.
    pub fn day_rows(&self) -> usize {
        self.day.len()
    }

    /// Writes the sums into EMPTY aggregate tables (multi-row INSERTs).
    pub async fn write(&self, c: &mut Conn) -> Result<()> {
        const PER: usize = 200;
        let cols = counter_cols("");
        let day: Vec<_> = self.day.iter().collect();
        for chunk in day.chunks(PER) {
            let mut q = Sql::new(&format!(
                "INSERT INTO metric_day (day, district_id, department_id, category_code, {cols}) VALUES "
            ));
            for (i, ((d, dist, dept, cat), v)) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" });
                q.bind_i(*d).push(", ").bind_i(*dist).push(", ").bind_i(*dept).push(", ").bind_s(cat.clone());
                for x in v.iter() {
                    q.push(", ").bind_i(*x);
                }
                q.push(")");
            }
            q.query().execute(&mut *c).await?;
        }
        let off: Vec<_> = self.officer.iter().collect();
        for chunk in off.chunks(PER) {
            let mut q = Sql::new(&format!("INSERT INTO metric_officer_day (day, officer_id, {cols}) VALUES "));
            for (i, ((d, o), v)) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" });
                q.bind_i(*d).push(", ").bind_i(*o);
                for x in v.iter() {
                    q.push(", ").bind_i(*x);
                }
                q.push(")");
            }
            q.query().execute(&mut *c).await?;
        }
        let wd: Vec<_> = self.wd.iter().collect();
        for chunk in wd.chunks(PER) {
            let mut q = Sql::new("INSERT INTO metric_reply_wd (day, district_id, department_id, wd, n) VALUES ");
            for (i, ((d, dist, dept, w), n)) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" });
                q.bind_i(*d).push(", ").bind_i(*dist).push(", ").bind_i(*dept).push(", ").bind_i(*w);
                q.push(", ").bind_i(**n).push(")");
            }
            q.query().execute(&mut *c).await?;
        }
        Ok(())
    }
}

/// Files precomputed facts and their aggregates in bulk (rebuild): the
/// aggregate tables must be empty.
pub async fn insert_bulk(c: &mut Conn, facts: &[(i64, Facts)], now: i64) -> Result<()> {
    let mut agg = Aggregates::default();
    for (id, f) in facts {
        save_facts(c, *id, f, now).await?;
        agg.add(f);
    }
    agg.write(c).await
}
