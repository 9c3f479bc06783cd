//! The sums behind the figures, over the aggregate tables.

use super::{counter_cols, read_counters, sum_cols};
use crate::sql::Sql;
use crate::{Conn, Result};
use sqlx::Row;
use zhuqi_domain::metrics::Counters;

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

/// Every aggregate row by its key (`metric_day day=…,district=…,department=…,category=…`,
/// `metric_officer_day day=…,officer=…`, `metric_reply_wd day=…,district=…,department=…,wd=…`),
/// zero rows dropped: what `zhuqi check` compares with a rebuild.
pub async fn aggregate_map(c: &mut Conn) -> Result<std::collections::BTreeMap<String, Vec<i64>>> {
    let mut out = std::collections::BTreeMap::new();
    let sql = format!("SELECT day, district_id, department_id, category_code, {} FROM metric_day", counter_cols(""));
    for r in sqlx::query(&sql).fetch_all(&mut *c).await? {
        let v = read_counters(&r, 4)?;
        if v.iter().any(|x| *x != 0) {
            let cat: String = r.try_get(3)?;
            out.insert(super::day_key(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, &cat), v.to_vec());
        }
    }
    let sql = format!("SELECT day, officer_id, {} FROM metric_officer_day", counter_cols(""));
    for r in sqlx::query(&sql).fetch_all(&mut *c).await? {
        let v = read_counters(&r, 2)?;
        if v.iter().any(|x| *x != 0) {
            out.insert(super::officer_key(r.try_get(0)?, r.try_get(1)?), v.to_vec());
        }
    }
    for r in sqlx::query("SELECT day, district_id, department_id, wd, n FROM metric_reply_wd WHERE n <> 0")
        .fetch_all(&mut *c)
        .await?
    {
        out.insert(super::reply_key(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?), vec![r.try_get(4)?]);
    }
    Ok(out)
}
