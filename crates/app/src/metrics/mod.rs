//! Metrics use cases (issue 6): the aggregate upkeep hooked into the demand
//! write paths ([`on_event`]; a new demand's facts go with its submit in
//! `zhuqi_store::submit`), the full [`App::rebuild_metrics`],
//! department / district / officer figures scoped by role, the dashboard,
//! and enterprises' quarterly rating of their officer. Formulas:
//! `docs/metrics.md` and `zhuqi_domain::metrics`.

use crate::{App, AppError, RequestMeta, Result};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;
use zhuqi_domain::calendar::{start_of_day_cst, WorkCalendar};
use zhuqi_domain::demand::{DemandState, Event};
use zhuqi_domain::metrics::{self as m, Counters, Figures, N};
use zhuqi_domain::{Actor, FieldError, Role};
use zhuqi_store::metrics::{self as store, GroupBy, SumFilter};
use zhuqi_store::Conn;

mod dashboard;
mod figures;
mod ratings;
pub(crate) mod rebuild;
mod reports;
#[cfg(test)]
mod tests;

pub use dashboard::{Bar, Dashboard, RedRow, WeekPoint};
pub use figures::{MetricsReport, NamedFigures, OfficerFigures, OfficerReport};
pub use ratings::{quarter_of, MyOfficer};
pub use reports::{figure_cells, officer_cells, pct, round_half_up, Report, ReportKind};

// ---------------------------------------------------------------------------
// Upkeep: one call per demand write path
// ---------------------------------------------------------------------------

/// Moves a demand's contribution across `events` applied to `before` (the
/// persist path of `act`, the sweeper and the demo), in the caller's
/// transaction. Cheap when nothing counted changes (an escalation, a note).
pub async fn on_event(
    c: &mut Conn,
    before: &DemandState,
    events: &[Event],
    cal: Option<&WorkCalendar>,
    now: i64,
) -> Result<()> {
    let old = store::load_facts(c, before.id).await?;
    let new = m::advance(old.as_ref(), before, events, cal);
    store::apply_change(c, before.id, old.as_ref(), &new, now).await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------

/// A period of China-time dates, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The longest period asked at once.
pub const MAX_PERIOD_DAYS: i64 = 1100;

impl Period {
    /// `from`/`to` as `YYYY-MM-DD`; a missing one defaults to this month's
    /// first day / today.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<Self> {
        let date = |field: &str, s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                AppError::from(FieldError::new(
                    field,
                    format!("日期格式应为 YYYY-MM-DD (expected YYYY-MM-DD, got “{s}”)"),
                ))
            })
        };
        let from = match from.filter(|s| !s.trim().is_empty()) {
            Some(s) => date("from", s)?,
            None => today.with_day(1).unwrap_or(today),
        };
        let to = match to.filter(|s| !s.trim().is_empty()) {
            Some(s) => date("to", s)?,
            None => today,
        };
        if to < from {
            return Err(FieldError::new("to", "结束日期早于开始日期 (to is before from)").into());
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(FieldError::new(
                "to",
                format!("期间最长 {MAX_PERIOD_DAYS} 天 (at most {MAX_PERIOD_DAYS} days)"),
            )
            .into());
        }
        Ok(Self { from, to })
    }

    /// A report period: `YYYY-MM`, `YYYY-H1` or `YYYY-H2`.
    pub fn parse_report(s: &str) -> Result<Self> {
        let bad = || {
            AppError::from(FieldError::new(
                "period",
                format!("期间应为 YYYY-MM、YYYY-H1 或 YYYY-H2 (expected YYYY-MM, YYYY-H1 or YYYY-H2, got “{s}”)"),
            ))
        };
        let s = s.trim();
        let (y, rest) = s.split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let (a, b) = match rest {
            "H1" | "h1" => ((year, 1), (year, 6)),
            "H2" | "h2" => ((year, 7), (year, 12)),
            mm if mm.len() == 2 => {
                let mo: u32 = mm.parse().map_err(|_| bad())?;
                ((year, mo), (year, mo))
            }
            _ => return Err(bad()),
        };
        let from = NaiveDate::from_ymd_opt(a.0, a.1, 1).ok_or_else(bad)?;
        let next =
            if b.1 == 12 { NaiveDate::from_ymd_opt(b.0 + 1, 1, 1) } else { NaiveDate::from_ymd_opt(b.0, b.1 + 1, 1) };
        let to = next.and_then(|d| d.pred_opt()).ok_or_else(bad)?;
        Ok(Self { from, to })
    }

    pub fn from_day(self) -> i64 {
        m::day_number(self.from)
    }

    pub fn to_day(self) -> i64 {
        m::day_number(self.to)
    }

    /// `[start, end)` in ms.
    pub fn ms(self) -> (i64, i64) {
        let end = self.to.succ_opt().unwrap_or(self.to);
        (start_of_day_cst(self.from).timestamp_millis(), start_of_day_cst(end).timestamp_millis())
    }

    fn filter(self) -> SumFilter {
        SumFilter { from_day: self.from_day(), to_day: self.to_day(), district_id: None, department_id: None }
    }

    /// The months (`YYYY-MM`) the period touches.
    pub fn months(self) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = self.from.with_day(1).unwrap_or(self.from);
        while d <= self.to {
            out.push(format!("{:04}-{:02}", d.year(), d.month()));
            d = if d.month() == 12 {
                NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
            }
            .unwrap_or(self.to + Duration::days(1));
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Scope
// ---------------------------------------------------------------------------

/// What figures an actor may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum MetricsScope {
    /// Every department and district.
    City,
    /// One district's demands (department detail within it).
    District(i64),
    /// One department's own figures beside the city totals.
    Department(i64),
}

impl MetricsScope {
    fn narrow(self, mut f: SumFilter) -> SumFilter {
        match self {
            MetricsScope::City => {}
            MetricsScope::District(d) => f.district_id = Some(d),
            MetricsScope::Department(d) => f.department_id = Some(d),
        }
        f
    }
}

fn to_figures(v: &Counters, hist: &[(i64, i64)], overdue: i64) -> Figures {
    Figures::from_sums(v, hist, overdue)
}

/// Department names by id.
async fn department_names(c: &mut Conn) -> Result<HashMap<i64, String>> {
    Ok(zhuqi_store::departments::list(c).await?.into_iter().map(|d| (d.id, d.name)).collect())
}

/// District names by id.
async fn district_names(c: &mut Conn) -> Result<HashMap<i64, String>> {
    Ok(zhuqi_store::regions::by_level(c, "district").await?.into_iter().map(|d| (d.id, d.name)).collect())
}

/// Grouped figures (keyed by a department or district id, as
/// [`App::grouped`] returns them) as named rows, in the same order; an id
/// without a name (0: not yet dispatched) is called `unnamed`.
fn named(rows: Vec<(String, Figures)>, names: &HashMap<i64, String>, unnamed: &str) -> Vec<NamedFigures> {
    rows.into_iter()
        .map(|(k, figures)| {
            let id: i64 = k.parse().unwrap_or(0);
            NamedFigures { id, name: names.get(&id).cloned().unwrap_or_else(|| unnamed.to_string()), figures }
        })
        .collect()
}

impl App {
    /// The figures an actor may see: city for the city admin, coordinators
    /// and auditors; their district for a district admin; their department
    /// (beside city totals) for a department head; nothing (403) for others.
    pub fn metrics_scope(actor: &Actor) -> Option<MetricsScope> {
        match actor.role {
            Role::CityAdmin | Role::Coordinator | Role::Auditor => Some(MetricsScope::City),
            Role::DistrictAdmin => actor.district_id.map(MetricsScope::District),
            Role::DeptHead => actor.department_id.map(MetricsScope::Department),
            _ => None,
        }
    }

    async fn scope_or_deny(&self, actor: &Actor, what: &str, meta: &RequestMeta) -> Result<MetricsScope> {
        match Self::metrics_scope(actor) {
            Some(s) => Ok(s),
            None => Err(self.deny(actor, what, "metrics", meta).await),
        }
    }

    fn today(&self) -> NaiveDate {
        m::china_day(self.now_ms())
    }

    /// Parses `from`/`to` against today.
    pub fn period(&self, from: Option<&str>, to: Option<&str>) -> Result<Period> {
        Period::parse(from, to, self.today())
    }

    /// Summed figures of a filter grouped, with the reply-day histograms and
    /// overdue counts of the same groups.
    async fn grouped(
        &self,
        c: &mut Conn,
        filter: &SumFilter,
        group: GroupBy,
        overdue: &[(i64, i64, i64)],
    ) -> Result<Vec<(String, Figures)>> {
        let sums = store::sums(c, filter, group).await?;
        let hist = store::reply_hist(c, filter, group).await?;
        let mut out = Vec::with_capacity(sums.len());
        for (k, v) in sums {
            let h: Vec<(i64, i64)> = hist.iter().filter(|(g, _, _)| *g == k).map(|(_, w, n)| (*w, *n)).collect();
            let od: i64 = overdue
                .iter()
                .filter(|(dept, dist, _)| {
                    filter.department_id.is_none_or(|d| d == *dept)
                        && filter.district_id.is_none_or(|d| d == *dist)
                        && match group {
                            GroupBy::Department => k == dept.to_string(),
                            GroupBy::District => k == dist.to_string(),
                            _ => true,
                        }
                })
                .map(|(_, _, n)| n)
                .sum();
            out.push((k, to_figures(&v, &h, od)));
        }
        Ok(out)
    }

    async fn total(&self, c: &mut Conn, filter: &SumFilter, overdue: &[(i64, i64, i64)]) -> Result<Figures> {
        let mut g = self.grouped(c, filter, GroupBy::Total, overdue).await?;
        Ok(g.pop().map(|(_, f)| f).unwrap_or_else(|| to_figures(&[0; N], &[], 0)))
    }
}

/// `YYYYMMDD` back to a date.
pub fn ymd(n: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        i32::try_from(n / 10_000).ok()?,
        u32::try_from(n / 100 % 100).ok()?,
        u32::try_from(n % 100).ok()?,
    )
}
