//! Metrics (issue 6): the per-demand facts and the additive aggregates kept
//! from them (`metric_day`, `metric_reply_wd`, `metric_officer_day`), the
//! sums behind the figures, officer ratings, and the full rebuild.
//!
//! [`apply_change`] is the one write: it runs in the transaction of the
//! demand event, subtracts the demand's old contribution under its old key
//! and adds the new one under the new key, so the aggregates always equal
//! the sum of `metric_facts`. Column names come from the domain's
//! [`COUNTERS`] list (constants, never input).
//!
//! - `facts.rs`: `metric_facts`, the change of one demand's contribution, the rebuild's reads;
//! - `aggregates.rs`: the aggregate tables' SQL (one builder per upsert for
//!   both executors), [`AggDeltas`] and the bulk [`Aggregates`];
//! - `sums.rs`: the sums behind the figures;
//! - `ratings.rs`: officer ratings and door-knock counts.

mod aggregates;
mod facts;
mod ratings;
mod sums;

pub use aggregates::{insert_bulk, AggDeltas, Aggregates};
pub(crate) use facts::insert_facts_sqlite;
pub use facts::{all_facts, apply_change, clear, demand_states, load_facts};
pub use ratings::{door_knock, insert_rating, rating_of, rating_sums, OfficerRating};
pub use sums::{
    aggregate_digest, aggregate_map, day_trend, officer_sums, overdue_now, reply_hist, sums, sums_cube, GroupBy,
    SumFilter,
};

use crate::Result;
use sqlx::Row;
use zhuqi_domain::metrics::{Counters, COUNTERS, N};

pub(crate) fn counter_cols(prefix: &str) -> String {
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

/// The key of a `metric_day` row in [`aggregate_map`].
pub(crate) fn day_key(day: i64, district: i64, department: i64, category: &str) -> String {
    format!("metric_day day={day},district={district},department={department},category={category}")
}

/// The key of a `metric_officer_day` row in [`aggregate_map`].
pub(crate) fn officer_key(day: i64, officer: i64) -> String {
    format!("metric_officer_day day={day},officer={officer}")
}

/// The key of a `metric_reply_wd` row in [`aggregate_map`].
pub(crate) fn reply_key(day: i64, district: i64, department: i64, wd: i64) -> String {
    format!("metric_reply_wd day={day},district={district},department={department},wd={wd}")
}
