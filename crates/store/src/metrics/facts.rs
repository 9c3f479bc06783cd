//! `metric_facts`: what each demand contributes, filed beside its events;
//! the move of a contribution from its old key to its new one; the reads
//! of a rebuild.

use super::{counter_cols, read_counters, AggDeltas};
use crate::sql::Sql;
use crate::{Conn, Result};
use sqlx::Row;
use zhuqi_domain::metrics::{FactKey, Facts, COUNTERS, N};

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

/// Every demand id with its stored state (JSON), for a rebuild, in id order
/// after `after_id`, at most `limit`.
pub async fn demand_states(c: &mut Conn, after_id: i64, limit: i64) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as("SELECT id, state FROM demands WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after_id)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?)
}
