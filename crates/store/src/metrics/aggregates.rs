//! The additive aggregate tables (`metric_day`, `metric_reply_wd`,
//! `metric_officer_day`): the SQL text of their inserts and upserts, built
//! in one place for both executors (sqlx with `$n` placeholders, rusqlite
//! on the SQLite writer thread with `?n`), the deltas of a transaction or a
//! batch ([`AggDeltas`]) and the sums of a rebuild ([`Aggregates`]).

use super::facts::save_facts;
use crate::{Conn, Result};
use std::collections::BTreeMap;
use zhuqi_domain::metrics::{Counters, Facts, COUNTERS, N};

/// One aggregate table: its key columns, its value columns (added to on
/// conflict) and the unique key its upsert conflicts on.
struct AggTable {
    table: &'static str,
    keys: &'static [&'static str],
    /// The domain's counters, or the one count `n`.
    counters: bool,
    conflict: &'static str,
}

const DAY: AggTable = AggTable {
    table: "metric_day",
    keys: &["day", "district_id", "department_id", "category_code"],
    counters: true,
    conflict: "day, district_id, department_id, category_code",
};
const REPLY: AggTable = AggTable {
    table: "metric_reply_wd",
    keys: &["day", "district_id", "department_id", "wd"],
    counters: false,
    conflict: "day, district_id, department_id, wd",
};
const OFFICER: AggTable =
    AggTable { table: "metric_officer_day", keys: &["day", "officer_id"], counters: true, conflict: "officer_id, day" };

impl AggTable {
    fn values(&self) -> &'static [&'static str] {
        if self.counters {
            &COUNTERS
        } else {
            &["n"]
        }
    }

    /// Columns per row.
    fn width(&self) -> usize {
        self.keys.len() + self.values().len()
    }

    /// `INSERT INTO t (keys, values) VALUES (…), (…)` for `rows` rows, the
    /// placeholders `{mark}1`, `{mark}2`, … numbered in order (`$` for sqlx,
    /// `?` for rusqlite).
    fn insert_sql(&self, rows: usize, mark: char) -> String {
        let cols: Vec<&str> = self.keys.iter().chain(self.values()).copied().collect();
        let w = self.width();
        let tuples: Vec<String> = (0..rows)
            .map(|r| {
                let marks: Vec<String> = (1..=w).map(|i| format!("{mark}{}", r * w + i)).collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        format!("INSERT INTO {} ({}) VALUES {}", self.table, cols.join(", "), tuples.join(", "))
    }

    /// [`AggTable::insert_sql`] adding to the rows already there.
    fn upsert_sql(&self, rows: usize, mark: char) -> String {
        let t = self.table;
        let set: Vec<String> = self.values().iter().map(|c| format!("{c} = {t}.{c} + excluded.{c}")).collect();
        format!("{} ON CONFLICT ({}) DO UPDATE SET {}", self.insert_sql(rows, mark), self.conflict, set.join(", "))
    }
}

/// A `(day, district, department, category)` key with its counters, bound in column order.
fn bind_day<'q>(q: AnyQuery<'q>, (d, dist, dept, cat): &(i64, i64, i64, String), v: &Counters) -> AnyQuery<'q> {
    let q = q.bind(*d).bind(*dist).bind(*dept).bind(cat.clone());
    v.iter().fold(q, |q, x| q.bind(*x))
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

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
        let day: Vec<_> = self.day.into_iter().collect();
        for chunk in day.chunks(FLUSH_CHUNK) {
            let sql = DAY.upsert_sql(chunk.len(), '$');
            let q = chunk.iter().fold(sqlx::query(&sql), |q, (k, v)| bind_day(q, k, v));
            q.execute(&mut *c).await?;
        }
        let reply: Vec<_> = self.reply.into_iter().collect();
        for chunk in reply.chunks(FLUSH_CHUNK) {
            let sql = REPLY.upsert_sql(chunk.len(), '$');
            let q = chunk.iter().fold(sqlx::query(&sql), |q, ((d, dist, dept, wd), n)| {
                q.bind(*d).bind(*dist).bind(*dept).bind(*wd).bind(*n)
            });
            q.execute(&mut *c).await?;
        }
        let officer: Vec<_> = self.officer.into_iter().collect();
        for chunk in officer.chunks(FLUSH_CHUNK) {
            let sql = OFFICER.upsert_sql(chunk.len(), '$');
            let q = chunk.iter().fold(sqlx::query(&sql), |q, ((officer, d), v)| {
                v.iter().fold(q.bind(*d).bind(*officer), |q, x| q.bind(*x))
            });
            q.execute(&mut *c).await?;
        }
        Ok(())
    }

    /// [`AggDeltas::flush`] on a rusqlite connection (the SQLite group
    /// commit), one cached upsert statement per row.
    pub fn flush_sqlite(mut self, c: &rusqlite::Connection) -> Result<()> {
        use rusqlite::types::Value;
        self.prune();
        if !self.day.is_empty() {
            let mut st = c.prepare_cached(&DAY.upsert_sql(1, '?'))?;
            for ((d, dist, dept, cat), v) in self.day {
                let mut p: Vec<Value> = vec![d.into(), dist.into(), dept.into(), cat.into()];
                p.extend(v.iter().map(|x| Value::from(*x)));
                st.execute(rusqlite::params_from_iter(p))?;
            }
        }
        if !self.reply.is_empty() {
            let mut st = c.prepare_cached(&REPLY.upsert_sql(1, '?'))?;
            for ((d, dist, dept, wd), n) in self.reply {
                st.execute(rusqlite::params![d, dist, dept, wd, n])?;
            }
        }
        if !self.officer.is_empty() {
            let mut st = c.prepare_cached(&OFFICER.upsert_sql(1, '?'))?;
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

    /// The sums keyed as [`super::aggregate_map`] keys the stored rows
    /// (zero rows dropped), for `zhuqi check`'s comparison with a rebuild.
    pub fn to_map(&self) -> BTreeMap<String, Vec<i64>> {
        let mut out = BTreeMap::new();
        for ((d, dist, dept, cat), v) in &self.day {
            if v.iter().any(|x| *x != 0) {
                out.insert(super::day_key(*d, *dist, *dept, cat), v.to_vec());
            }
        }
        for ((d, o), v) in &self.officer {
            if v.iter().any(|x| *x != 0) {
                out.insert(super::officer_key(*d, *o), v.to_vec());
            }
        }
        for ((d, dist, dept, w), n) in &self.wd {
            if *n != 0 {
                out.insert(super::reply_key(*d, *dist, *dept, *w), vec![*n]);
            }
        }
        out
    }

    /// Rows of `metric_day`.
    pub fn day_rows(&self) -> usize {
        self.day.len()
    }

    /// Writes the sums into EMPTY aggregate tables (multi-row INSERTs).
    pub async fn write(&self, c: &mut Conn) -> Result<()> {
        const PER: usize = 200;
        let day: Vec<_> = self.day.iter().collect();
        for chunk in day.chunks(PER) {
            let sql = DAY.insert_sql(chunk.len(), '$');
            chunk.iter().fold(sqlx::query(&sql), |q, (k, v)| bind_day(q, k, v)).execute(&mut *c).await?;
        }
        let off: Vec<_> = self.officer.iter().collect();
        for chunk in off.chunks(PER) {
            let sql = OFFICER.insert_sql(chunk.len(), '$');
            let q = chunk
                .iter()
                .fold(sqlx::query(&sql), |q, ((d, o), v)| v.iter().fold(q.bind(*d).bind(*o), |q, x| q.bind(*x)));
            q.execute(&mut *c).await?;
        }
        let wd: Vec<_> = self.wd.iter().collect();
        for chunk in wd.chunks(PER) {
            let sql = REPLY.insert_sql(chunk.len(), '$');
            let q = chunk.iter().fold(sqlx::query(&sql), |q, ((d, dist, dept, w), n)| {
                q.bind(*d).bind(*dist).bind(*dept).bind(*w).bind(**n)
            });
            q.execute(&mut *c).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_builder_numbers_the_placeholders_of_every_row_for_either_executor() {
        assert_eq!(
            REPLY.upsert_sql(1, '?'),
            "INSERT INTO metric_reply_wd (day, district_id, department_id, wd, n) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (day, district_id, department_id, wd) DO UPDATE SET n = metric_reply_wd.n + excluded.n"
        );
        assert_eq!(
            OFFICER.insert_sql(2, '$'),
            format!(
                "INSERT INTO metric_officer_day (day, officer_id, {}) VALUES ({}), ({})",
                COUNTERS.join(", "),
                (1..=2 + N).map(|i| format!("${i}")).collect::<Vec<_>>().join(", "),
                (3 + N..=4 + 2 * N).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
            )
        );
        assert!(DAY.upsert_sql(1, '$').ends_with(&format!(
            "ON CONFLICT (day, district_id, department_id, category_code) DO UPDATE SET {}",
            COUNTERS.iter().map(|c| format!("{c} = metric_day.{c} + excluded.{c}")).collect::<Vec<_>>().join(", ")
        )));
    }
}
