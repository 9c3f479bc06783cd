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
use zhuqi_domain::demand::{DemandState, Event, EventKind, NewDemand, Status};
use zhuqi_domain::metrics::{self as m, Counters, Facts, Figures, N};
use zhuqi_domain::role::OfficerScope;
use zhuqi_domain::{Actor, FieldError, Role};
use zhuqi_store::metrics::{self as store, GroupBy, SumFilter};
use zhuqi_store::Conn;

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

/// The state before any event of a demand, from its current state (the
/// parts events never change).
fn initial_state(s: &DemandState) -> DemandState {
    let new = NewDemand {
        enterprise_id: s.enterprise_id,
        district_id: s.district_id,
        category_code: s.category_code.clone(),
        title: String::new(),
        description: String::new(),
        channel: s.channel,
        urgency: s.urgency,
        confidential: s.confidential,
    };
    DemandState::new_submitted(s.id, &new, s.submitted_by, s.submitted_at, s.limits, s.review_required)
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

// ---------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------

/// Figures of one named unit.
#[derive(Debug, Clone, Serialize)]
pub struct NamedFigures {
    /// Department or district id (0 = not yet dispatched).
    pub id: i64,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// `GET /api/v1/metrics/departments` and `…/districts`.
#[derive(Debug, Clone, Serialize)]
pub struct MetricsReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub scope: MetricsScope,
    /// The whole city (every role that sees figures may compare with it).
    pub city: Figures,
    /// The rows of the scope: all departments (districts) for the city, those
    /// of one district, or only the actor's own department.
    pub rows: Vec<NamedFigures>,
}

/// Officer figures over a period.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerFigures {
    pub officer_id: i64,
    pub name: String,
    pub department_id: Option<i64>,
    pub department: String,
    pub district_id: Option<i64>,
    pub district: String,
    /// Σ over the period's months of enterprises served.
    pub visit_enterprise_months: i64,
    /// Σ of those with enough counted visits.
    pub visit_compliant: i64,
    /// 走访达标率 = visit_compliant / visit_enterprise_months.
    pub visit_compliance: Option<f64>,
    /// Enterprises served at some time in the period.
    pub enterprises_served: i64,
    /// Of them, visited on site (敲门) at least once by this officer.
    pub door_knocked: i64,
    /// 敲门覆盖率 = door_knocked / enterprises_served.
    pub door_knock_coverage: Option<f64>,
    /// Demands the officer raised (服务员代报) in the period and their outcomes.
    pub demands: Figures,
    /// Enterprise ratings of the officer given in the period.
    pub ratings: i64,
    pub rating_mean: Option<f64>,
    /// Ratings of 3 (基本满意) or better / ratings.
    pub rating_satisfaction: Option<f64>,
}

/// `GET /api/v1/metrics/officers`.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub officers: Vec<OfficerFigures>,
}

/// A bar of a chart / a row of a breakdown.
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub key: String,
    pub label: String,
    pub value: i64,
    /// `/demands?…` showing the demands behind the number.
    pub href: String,
}

/// One week of the trend.
#[derive(Debug, Clone, Serialize)]
pub struct WeekPoint {
    /// Monday of the week.
    pub week: NaiveDate,
    pub received: i64,
    pub closed: i64,
}

/// A red demand now.
#[derive(Debug, Clone, Serialize)]
pub struct RedRow {
    pub id: i64,
    pub title: String,
    pub district: String,
    pub department: String,
    pub deadline: Option<i64>,
}

/// `/dashboard` and `GET /api/v1/metrics/dashboard`.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub scope: MetricsScope,
    /// The scope's name (city, district or department).
    pub title: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// This month in the scope.
    pub figures: Figures,
    /// This month in the whole city (for the department view's comparison).
    pub city: Figures,
    pub by_status: Vec<Bar>,
    pub by_category: Vec<Bar>,
    pub by_district: Vec<Bar>,
    pub by_department: Vec<Bar>,
    pub weeks: Vec<WeekPoint>,
    /// Open red demands in scope right now (first 10), and how many in all.
    pub red: Vec<RedRow>,
    pub red_total: i64,
    /// Base query of this scope for the click-through links (this month).
    pub base_query: String,
    /// The scope part alone (`&district_id=…` / `&lead_department_id=…`, or empty).
    pub scope_query: String,
}

fn to_figures(v: &Counters, hist: &[(i64, i64)], overdue: i64) -> Figures {
    Figures::from_sums(v, hist, overdue)
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

    /// Department figures over a period, scoped (see [`App::metrics_scope`]);
    /// `district_id` narrows the city view to one district.
    pub async fn department_metrics(
        &self,
        actor: &Actor,
        period: Period,
        district_id: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<MetricsReport> {
        let scope = self.scope_or_deny(actor, "read_metrics", meta).await?;
        let mut c = self.store.read().await?;
        let overdue = store::overdue_now(&mut c).await?;
        let city = self.total(&mut c, &period.filter(), &overdue).await?;
        let mut f = scope.narrow(period.filter());
        if scope == MetricsScope::City {
            f.district_id = district_id;
        }
        let names: HashMap<i64, String> =
            zhuqi_store::departments::list(&mut c).await?.into_iter().map(|d| (d.id, d.name)).collect();
        let rows = self
            .grouped(&mut c, &f, GroupBy::Department, &overdue)
            .await?
            .into_iter()
            .map(|(k, figures)| {
                let id: i64 = k.parse().unwrap_or(0);
                let name = names.get(&id).cloned().unwrap_or_else(|| "未派单 (not dispatched)".to_string());
                NamedFigures { id, name, figures }
            })
            .collect();
        Ok(MetricsReport { from: period.from, to: period.to, scope, city, rows })
    }

    /// District figures over a period, scoped: the city sees every district,
    /// a district admin theirs, a department head their department's demands
    /// per district.
    pub async fn district_metrics(&self, actor: &Actor, period: Period, meta: &RequestMeta) -> Result<MetricsReport> {
        let scope = self.scope_or_deny(actor, "read_metrics", meta).await?;
        let mut c = self.store.read().await?;
        let overdue = store::overdue_now(&mut c).await?;
        let city = self.total(&mut c, &period.filter(), &overdue).await?;
        let f = scope.narrow(period.filter());
        let names: HashMap<i64, String> =
            zhuqi_store::regions::by_level(&mut c, "district").await?.into_iter().map(|d| (d.id, d.name)).collect();
        let rows = self
            .grouped(&mut c, &f, GroupBy::District, &overdue)
            .await?
            .into_iter()
            .map(|(k, figures)| {
                let id: i64 = k.parse().unwrap_or(0);
                NamedFigures { id, name: names.get(&id).cloned().unwrap_or_default(), figures }
            })
            .collect();
        Ok(MetricsReport { from: period.from, to: period.to, scope, city, rows })
    }

    /// Officer figures over a period for the officers in the actor's officer
    /// scope (city, district, home unit for a department head, oneself for
    /// an officer). Visit compliance reuses the visit compliance report of
    /// each month the period touches.
    pub async fn officer_metrics(&self, actor: &Actor, period: Period, meta: &RequestMeta) -> Result<OfficerReport> {
        let scope = match actor.role {
            Role::CityAdmin | Role::Auditor | Role::Coordinator => OfficerScope::All,
            Role::DistrictAdmin | Role::DeptHead | Role::Officer => actor.officer_scope(),
            _ => OfficerScope::Nothing,
        };
        if scope == OfficerScope::Nothing {
            return Err(self.deny(actor, "read_officer_metrics", "metrics", meta).await);
        }
        self.officer_figures(actor, scope, period, meta).await
    }

    async fn officer_figures(
        &self,
        actor: &Actor,
        scope: OfficerScope,
        period: Period,
        meta: &RequestMeta,
    ) -> Result<OfficerReport> {
        let mut c = self.store.read().await?;
        let officers = zhuqi_store::users::officers(
            &mut c,
            scope,
            &Default::default(),
            zhuqi_store::Page { page: 1, per_page: 100_000 },
        )
        .await?
        .items;
        let (start, end) = period.ms();
        let demands: HashMap<i64, Counters> =
            store::officer_sums(&mut c, period.from_day(), period.to_day()).await?.into_iter().collect();
        let ratings: HashMap<i64, (i64, i64, i64)> =
            store::rating_sums(&mut c, start, end).await?.into_iter().map(|(o, n, s, g)| (o, (n, s, g))).collect();
        let knocks: HashMap<i64, (i64, i64)> =
            store::door_knock(&mut c, start, end).await?.into_iter().map(|(o, a, b)| (o, (a, b))).collect();
        drop(c);
        // Visit compliance: the visits feature's monthly report, per officer.
        let mut comp: HashMap<i64, (i64, i64)> = HashMap::new();
        let visit_actor = Actor { role: compliance_role(actor.role), ..actor.clone() };
        for month in period.months() {
            let r = self.compliance(&visit_actor, &month, meta).await?;
            for o in r.officers {
                let e = comp.entry(o.officer_id).or_insert((0, 0));
                e.0 += o.enterprises;
                e.1 += o.compliant;
            }
        }
        let out = officers
            .into_iter()
            .map(|o| {
                let (em, ok) = comp.get(&o.id).copied().unwrap_or((0, 0));
                let (served, knocked) = knocks.get(&o.id).copied().unwrap_or((0, 0));
                let (n, sum, good) = ratings.get(&o.id).copied().unwrap_or((0, 0, 0));
                OfficerFigures {
                    officer_id: o.id,
                    name: o.display_name,
                    department_id: o.department_id,
                    department: o.department_name.unwrap_or_default(),
                    district_id: o.district_id,
                    district: o.district_name.unwrap_or_default(),
                    visit_enterprise_months: em,
                    visit_compliant: ok,
                    visit_compliance: m::ratio(ok, em),
                    enterprises_served: served,
                    door_knocked: knocked,
                    door_knock_coverage: m::ratio(knocked, served),
                    demands: to_figures(&demands.get(&o.id).copied().unwrap_or([0; N]), &[], 0),
                    ratings: n,
                    rating_mean: m::ratio(sum, n),
                    rating_satisfaction: m::ratio(good, n),
                }
            })
            .collect();
        Ok(OfficerReport { from: period.from, to: period.to, officers: out })
    }

    /// The dashboard of the actor's scope for the current month.
    pub async fn dashboard(&self, actor: &Actor, meta: &RequestMeta) -> Result<Dashboard> {
        let scope = self.scope_or_deny(actor, "read_dashboard", meta).await?;
        let today = self.today();
        let period = Period { from: today.with_day(1).unwrap_or(today), to: today };
        let mut c = self.store.read().await?;
        let overdue = store::overdue_now(&mut c).await?;
        let f = scope.narrow(period.filter());
        // One pass over the month: every breakdown is summed from it.
        let cube = store::sums_cube(&mut c, &period.filter()).await?;
        let in_scope =
            |dist: i64, dept: i64| f.district_id.is_none_or(|d| d == dist) && f.department_id.is_none_or(|d| d == dept);
        let mut city_v = [0; N];
        let mut tot = [0; N];
        let mut by_cat: std::collections::BTreeMap<String, i64> = Default::default();
        let mut by_dist: std::collections::BTreeMap<i64, i64> = Default::default();
        let mut by_dept: std::collections::BTreeMap<i64, i64> = Default::default();
        for (dist, dept, major, v) in &cube {
            m::add(&mut city_v, v);
            if in_scope(*dist, *dept) {
                m::add(&mut tot, v);
                *by_cat.entry(major.clone()).or_default() += v[m::ix::RECEIVED];
                *by_dist.entry(*dist).or_default() += v[m::ix::RECEIVED];
                *by_dept.entry(*dept).or_default() += v[m::ix::RECEIVED];
            }
        }
        let hist = store::reply_hist(&mut c, &period.filter(), GroupBy::Department).await?;
        let hist_of = |pred: &dyn Fn(i64) -> bool| -> Vec<(i64, i64)> {
            let mut h: std::collections::BTreeMap<i64, i64> = Default::default();
            for (k, w, n) in &hist {
                if pred(k.parse().unwrap_or(0)) {
                    *h.entry(*w).or_default() += n;
                }
            }
            h.into_iter().collect()
        };
        let overdue_of = |pred: &dyn Fn(i64, i64) -> bool| -> i64 {
            overdue.iter().filter(|(dept, dist, _)| pred(*dept, *dist)).map(|(_, _, n)| n).sum()
        };
        let city = to_figures(&city_v, &hist_of(&|_| true), overdue_of(&|_, _| true));
        let figures = match scope {
            MetricsScope::City => city.clone(),
            MetricsScope::Department(d) => to_figures(&tot, &hist_of(&|k| k == d), overdue_of(&|dp, _| dp == d)),
            // The histogram is per department; a district's p90 comes from its own rows.
            MetricsScope::District(d) => {
                let h: Vec<(i64, i64)> =
                    store::reply_hist(&mut c, &f, GroupBy::Total).await?.into_iter().map(|(_, w, n)| (w, n)).collect();
                to_figures(&tot, &h, overdue_of(&|_, dist| dist == d))
            }
        };
        let depts: HashMap<i64, String> =
            zhuqi_store::departments::list(&mut c).await?.into_iter().map(|d| (d.id, d.name)).collect();
        let districts: HashMap<i64, String> =
            zhuqi_store::regions::by_level(&mut c, "district").await?.into_iter().map(|d| (d.id, d.name)).collect();
        let (title, base) = match scope {
            MetricsScope::City => ("全市 (city)".to_string(), String::new()),
            MetricsScope::District(d) => (districts.get(&d).cloned().unwrap_or_default(), format!("&district_id={d}")),
            MetricsScope::Department(d) => {
                (depts.get(&d).cloned().unwrap_or_default(), format!("&lead_department_id={d}"))
            }
        };
        let month_q = format!("from={}&to={}{base}", period.from, period.to);
        let by_status = Status::ALL
            .iter()
            .map(|s| Bar {
                key: s.as_str().to_string(),
                label: s.label_zh().to_string(),
                value: tot[m::status_ix(*s)],
                href: format!("/demands?{month_q}&status={}", s.as_str()),
            })
            .collect::<Vec<_>>();
        let cats: HashMap<String, String> = zhuqi_store::catalogue::list_categories(&mut c)
            .await?
            .into_iter()
            .filter(|c| zhuqi_domain::CategoryCode::is_major_code(&c.code))
            .map(|c| (c.code, c.name))
            .collect();
        let by_category = by_cat
            .into_iter()
            .filter(|(_, v)| *v != 0)
            .map(|(k, v)| Bar {
                label: cats.get(&k).cloned().unwrap_or_else(|| k.clone()),
                value: v,
                href: format!("/demands?{month_q}&category={k}"),
                key: k,
            })
            .collect();
        let by_district = by_dist
            .into_iter()
            .filter(|(_, v)| *v != 0)
            .map(|(id, v)| Bar {
                label: districts.get(&id).cloned().unwrap_or_default(),
                value: v,
                href: format!("/demands?from={}&to={}&district_id={id}{}", period.from, period.to, dept_q(scope)),
                key: id.to_string(),
            })
            .collect();
        let by_department = by_dept
            .into_iter()
            .filter(|(id, v)| *id != 0 && *v != 0)
            .map(|(id, v)| Bar {
                label: depts.get(&id).cloned().unwrap_or_default(),
                value: v,
                href: format!(
                    "/demands?from={}&to={}&lead_department_id={id}{}",
                    period.from,
                    period.to,
                    district_q(scope)
                ),
                key: id.to_string(),
            })
            .collect();
        // Twelve weeks, Monday to Sunday, ending with this week.
        let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
        let first = monday - Duration::weeks(11);
        let wf = SumFilter { from_day: m::day_number(first), to_day: m::day_number(today), ..f };
        let days = store::day_trend(&mut c, &wf).await?;
        let mut weeks: Vec<WeekPoint> =
            (0..12).map(|i| WeekPoint { week: first + Duration::weeks(i), received: 0, closed: 0 }).collect();
        for (n, received, closed) in days {
            let Some(d) = ymd(n) else { continue };
            let i = usize::try_from((d - first).num_days() / 7).unwrap_or(usize::MAX);
            if let Some(w) = weeks.get_mut(i) {
                w.received += received;
                w.closed += closed;
            }
        }
        drop(c);
        // What is red right now, through the demand list (scoped as the actor reads demands).
        let filter = zhuqi_store::demands::DemandFilter {
            colour: Some("red".into()),
            statuses: Status::CLOCK_RUNNING.iter().map(|s| s.as_str().to_string()).collect(),
            // The same demands as the overdue count: lead department / district of the scope.
            lead_department_id: match scope {
                MetricsScope::Department(d) => Some(d),
                _ => None,
            },
            district_id: match scope {
                MetricsScope::District(d) => Some(d),
                _ => None,
            },
            ..Default::default()
        };
        let red_page = self.demands(actor, &filter, zhuqi_store::Page { page: 1, per_page: 10 }, meta).await?;
        let red = red_page
            .items
            .into_iter()
            .map(|r| RedRow {
                id: r.id,
                title: r.title,
                district: r.district_name,
                department: r.lead_department_name.unwrap_or_default(),
                deadline: r.active_deadline,
            })
            .collect();
        Ok(Dashboard {
            scope,
            title,
            from: period.from,
            to: period.to,
            figures,
            city,
            by_status,
            by_category,
            by_district,
            by_department,
            weeks,
            red,
            red_total: red_page.total,
            base_query: month_q,
            scope_query: base,
        })
    }
}

fn dept_q(scope: MetricsScope) -> String {
    match scope {
        MetricsScope::Department(d) => format!("&lead_department_id={d}"),
        _ => String::new(),
    }
}

fn district_q(scope: MetricsScope) -> String {
    match scope {
        MetricsScope::District(d) => format!("&district_id={d}"),
        _ => String::new(),
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

/// The role whose visit-compliance scope matches the metrics scope
/// (coordinators see the city's officers here).
fn compliance_role(r: Role) -> Role {
    match r {
        Role::Coordinator => Role::CityAdmin,
        other => other,
    }
}

// ---------------------------------------------------------------------------
// Rebuild
// ---------------------------------------------------------------------------

impl App {
    /// Recomputes every demand's facts by replaying its events through the
    /// same [`m::advance`] as live upkeep, and replaces the aggregates in one
    /// transaction. Returns the number of demands.
    pub async fn rebuild_metrics(&self) -> Result<usize> {
        let cal = self.work_calendar().await?;
        let now = self.now_ms();
        let mut facts: Vec<(i64, Facts)> = Vec::new();
        {
            let mut c = self.store.read().await?;
            let mut after = 0;
            loop {
                let batch = store::demand_states(&mut c, after, 1000).await?;
                if batch.is_empty() {
                    break;
                }
                for (id, json) in batch {
                    after = id;
                    let state: DemandState =
                        serde_json::from_str(&json).map_err(|e| AppError::Internal(format!("json: {e}")))?;
                    let mut events = Vec::new();
                    for e in zhuqi_store::demands::events(&mut c, id).await? {
                        let kind: EventKind =
                            serde_json::from_str(&e.payload).map_err(|e| AppError::Internal(format!("json: {e}")))?;
                        events.push(Event { at: e.at, actor_id: e.actor_id, kind });
                    }
                    facts.push((id, m::advance(None, &initial_state(&state), &events, Some(&cal))));
                }
            }
        }
        let n = facts.len();
        let mut tx = self.store.begin().await?;
        store::clear(&mut tx).await?;
        store::insert_bulk(&mut tx, &facts, now).await?;
        tx.commit().await?;
        Ok(n)
    }
}

// ---------------------------------------------------------------------------
// Officer ratings
// ---------------------------------------------------------------------------

/// The calendar quarter (China time) of an instant: `YYYY-Qn`.
pub fn quarter_of(ms: i64) -> String {
    let d = m::china_day(ms);
    format!("{}-Q{}", d.year(), (d.month() - 1) / 3 + 1)
}

/// The enterprise user's officer and this quarter's rating, for `/my-officer/rate`.
#[derive(Debug, Clone, Serialize)]
pub struct MyOfficer {
    pub officer_id: Option<i64>,
    pub officer_name: Option<String>,
    pub quarter: String,
    pub rating: Option<zhuqi_store::metrics::OfficerRating>,
}

impl App {
    /// The actor's (an enterprise user's) current officer and rating this quarter.
    pub async fn my_officer(&self, actor: &Actor, meta: &RequestMeta) -> Result<MyOfficer> {
        let (Role::EnterpriseUser, Some(ent)) = (actor.role, actor.enterprise_id) else {
            return Err(self.deny(actor, "rate_officer", "officer_ratings", meta).await);
        };
        let quarter = quarter_of(self.now_ms());
        let mut c = self.store.read().await?;
        let officer_id = zhuqi_store::demands::officer_of(&mut c, ent).await?;
        let officer_name = match officer_id {
            Some(o) => zhuqi_store::users::get(&mut c, o).await?.map(|u| u.display_name),
            None => None,
        };
        let rating = store::rating_of(&mut c, actor.user_id, &quarter).await?;
        Ok(MyOfficer { officer_id, officer_name, quarter, rating })
    }

    /// An enterprise user rates their enterprise's current officer, once per
    /// calendar quarter: score 1..=5 (5 = 非常满意). A second rating in the
    /// quarter is refused (409) and changes nothing.
    pub async fn rate_officer(
        &self,
        actor: &Actor,
        score: i64,
        comment: &str,
        meta: &RequestMeta,
    ) -> Result<zhuqi_store::metrics::OfficerRating> {
        let (Role::EnterpriseUser, Some(ent)) = (actor.role, actor.enterprise_id) else {
            return Err(self.deny(actor, "rate_officer", "officer_ratings", meta).await);
        };
        if !(1..=5).contains(&score) {
            return Err(FieldError::new("score", format!("评分应为 1 至 5 (score must be 1 to 5, got {score})")).into());
        }
        let comment = comment.trim();
        if comment.chars().count() > 500 {
            return Err(FieldError::new("comment", "评价内容不能超过 500 字 (at most 500 characters)").into());
        }
        let now = self.now_ms();
        let quarter = quarter_of(now);
        let mut tx = self.store.begin().await?;
        let Some(officer_id) = zhuqi_store::demands::officer_of(&mut tx, ent).await? else {
            return Err(AppError::NotFound("本企业当前没有助企服务员 (your enterprise has no officer now)".into()));
        };
        if let Some(prev) = store::rating_of(&mut tx, actor.user_id, &quarter).await? {
            return Err(AppError::Conflict(format!(
                "本季度（{quarter}）您已评价过服务员，每季度只能评价一次 (you already rated your officer in {quarter}: \
                 score {}; one rating per quarter)",
                prev.score
            )));
        }
        let mut r = zhuqi_store::metrics::OfficerRating {
            id: 0,
            enterprise_id: ent,
            officer_id,
            user_id: actor.user_id,
            quarter: quarter.clone(),
            score,
            comment: comment.to_string(),
            at: now,
        };
        r.id = match store::insert_rating(&mut tx, &r).await {
            Ok(id) => id,
            Err(zhuqi_store::StoreError::Unique(_)) => {
                return Err(AppError::Conflict(format!(
                    "本季度（{quarter}）您已评价过服务员 (you already rated your officer in {quarter})"
                )))
            }
            Err(e) => return Err(e.into()),
        };
        tx.commit().await?;
        self.audit(Some(actor), "rate_officer", &format!("officer:{officer_id}"), "success", &score.to_string(), meta)
            .await;
        Ok(r)
    }
}

#[cfg(test)]
mod rounding_tests {
    use super::*;

    #[test]
    fn percentages_round_half_up_like_people_and_browsers_do() {
        assert_eq!(pct(Some(0.0625)), "6.3%"); // a tie: 1/16
        assert_eq!(pct(Some(0.0624)), "6.2%");
        assert_eq!(pct(Some(1.0 / 3.0)), "33.3%");
        assert_eq!(pct(Some(0.00125)), "0.1%");
        assert_eq!(pct(Some(1.0)), "100.0%");
        assert_eq!(pct(None), "—");
        assert_eq!(format!("{:.2}", round_half_up(2.125, 2)), "2.13");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_periods_parse() {
        let p = Period::parse_report("2026-H1").ok();
        assert_eq!(p.map(|p| (p.from.to_string(), p.to.to_string())), Some(("2026-01-01".into(), "2026-06-30".into())));
        let p = Period::parse_report("2026-12").ok();
        assert_eq!(p.map(|p| (p.from.to_string(), p.to.to_string())), Some(("2026-12-01".into(), "2026-12-31".into())));
        assert!(Period::parse_report("2026-H3").is_err());
        assert!(Period::parse_report("2026-13").is_err());
    }

    #[test]
    fn quarters_follow_china_time() {
        // 2026-03-31T16:30Z is 2026-04-01 00:30 in China: Q2.
        let ms = chrono::DateTime::parse_from_rfc3339("2026-03-31T16:30:00Z").map(|d| d.timestamp_millis());
        assert_eq!(ms.map(quarter_of), Ok("2026-Q2".to_string()));
    }
}

// ---------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------

/// The three reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// 片区月报: one district, one month.
    DistrictMonthly,
    /// 部门月报: one department, one month.
    DepartmentMonthly,
    /// 派出单位半年报: the officers one department sent, one half-year.
    HomeUnitHalfYear,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] =
        [ReportKind::DistrictMonthly, ReportKind::DepartmentMonthly, ReportKind::HomeUnitHalfYear];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::DistrictMonthly => "district-monthly",
            ReportKind::DepartmentMonthly => "department-monthly",
            ReportKind::HomeUnitHalfYear => "home-unit-half-year",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or_else(|| {
            FieldError::new(
                "kind",
                format!("报表类型应为 district-monthly、department-monthly 或 home-unit-half-year (got “{s}”)"),
            )
            .into()
        })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ReportKind::DistrictMonthly => "片区月报",
            ReportKind::DepartmentMonthly => "部门月报",
            ReportKind::HomeUnitHalfYear => "派出单位半年报",
        }
    }
}

/// A report as its page, its `.xlsx` and `GET /api/v1/reports/{kind}` show it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub kind: ReportKind,
    /// The district or department reported on.
    pub id: i64,
    pub name: String,
    /// `YYYY-MM` or `YYYY-H1` / `YYYY-H2`.
    pub period: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The unit's own figures, then the city's for comparison.
    pub summary: Vec<NamedFigures>,
    /// Breakdown: departments within the district (district report),
    /// districts of the department's demands (department report); empty for
    /// the home-unit report.
    pub rows: Vec<NamedFigures>,
    /// Officers: of the district (district report) or sent by the
    /// department (home-unit report).
    pub officers: Vec<OfficerFigures>,
}

impl App {
    /// Builds a report. `period` is `YYYY-MM` for the monthly reports and
    /// `YYYY-H1|H2` for the half-year one. The city admin, coordinators and
    /// auditors get any; a district admin their district's monthly report; a
    /// department head their department's monthly and home-unit reports.
    /// Another unit in a permitted kind is not found (404); a kind the role
    /// never gets is 403.
    pub async fn report(
        &self,
        actor: &Actor,
        kind: ReportKind,
        period: &str,
        id: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<Report> {
        let scope = self.scope_or_deny(actor, "read_report", meta).await?;
        let p = Period::parse_report(period)?;
        let monthly = p.from.month() == p.to.month();
        match (kind, monthly) {
            (ReportKind::HomeUnitHalfYear, true) => {
                return Err(
                    FieldError::new("period", "半年报的期间应为 YYYY-H1 或 YYYY-H2 (use YYYY-H1 or YYYY-H2)").into()
                )
            }
            (ReportKind::DistrictMonthly | ReportKind::DepartmentMonthly, false) => {
                return Err(FieldError::new("period", "月报的期间应为 YYYY-MM (use YYYY-MM)").into())
            }
            _ => {}
        }
        // Which unit, and may the actor read it?
        let own = match (kind, scope) {
            (_, MetricsScope::City) => None,
            (ReportKind::DistrictMonthly, MetricsScope::District(d)) => Some(d),
            (ReportKind::DepartmentMonthly | ReportKind::HomeUnitHalfYear, MetricsScope::Department(d)) => Some(d),
            _ => return Err(self.deny(actor, "read_report", kind.as_str(), meta).await),
        };
        let id = match (id, own) {
            (Some(i), Some(o)) if i != o => return Err(AppError::NotFound(format!("{} {i}", kind.as_str()))),
            (Some(i), _) => i,
            (None, Some(o)) => o,
            (None, None) => return Err(FieldError::new("id", "请指定片区或部门编号 (id is required)").into()),
        };
        let mut c = self.store.read().await?;
        let name = match kind {
            ReportKind::DistrictMonthly => {
                zhuqi_store::regions::get(&mut c, id).await?.filter(|r| r.level == "district").map(|r| r.name)
            }
            _ => zhuqi_store::departments::get(&mut c, id).await?.map(|d| d.name),
        }
        .ok_or_else(|| AppError::NotFound(format!("{} {id}", kind.as_str())))?;
        let overdue = store::overdue_now(&mut c).await?;
        let city = self.total(&mut c, &p.filter(), &overdue).await?;
        let mut unit_filter = p.filter();
        match kind {
            ReportKind::DistrictMonthly => unit_filter.district_id = Some(id),
            _ => unit_filter.department_id = Some(id),
        }
        let unit = self.total(&mut c, &unit_filter, &overdue).await?;
        let summary = vec![
            NamedFigures { id, name: name.clone(), figures: unit },
            NamedFigures { id: 0, name: "全市 (city)".into(), figures: city },
        ];
        let rows = match kind {
            ReportKind::DistrictMonthly => {
                let names: HashMap<i64, String> =
                    zhuqi_store::departments::list(&mut c).await?.into_iter().map(|d| (d.id, d.name)).collect();
                self.grouped(&mut c, &unit_filter, GroupBy::Department, &overdue)
                    .await?
                    .into_iter()
                    .map(|(k, figures)| {
                        let i: i64 = k.parse().unwrap_or(0);
                        NamedFigures {
                            id: i, name: names.get(&i).cloned().unwrap_or_else(|| "未派单".into()), figures
                        }
                    })
                    .collect()
            }
            ReportKind::DepartmentMonthly => {
                let names: HashMap<i64, String> = zhuqi_store::regions::by_level(&mut c, "district")
                    .await?
                    .into_iter()
                    .map(|d| (d.id, d.name))
                    .collect();
                self.grouped(&mut c, &unit_filter, GroupBy::District, &overdue)
                    .await?
                    .into_iter()
                    .map(|(k, figures)| {
                        let i: i64 = k.parse().unwrap_or(0);
                        NamedFigures { id: i, name: names.get(&i).cloned().unwrap_or_default(), figures }
                    })
                    .collect()
            }
            ReportKind::HomeUnitHalfYear => Vec::new(),
        };
        drop(c);
        let officers = match kind {
            ReportKind::DistrictMonthly => {
                self.officer_figures(actor, OfficerScope::District(id), p, meta).await?.officers
            }
            ReportKind::HomeUnitHalfYear => {
                self.officer_figures(actor, OfficerScope::HomeUnit(id), p, meta).await?.officers
            }
            ReportKind::DepartmentMonthly => Vec::new(),
        };
        let period_key = match kind {
            ReportKind::HomeUnitHalfYear => format!("{}-H{}", p.from.year(), if p.from.month() <= 6 { 1 } else { 2 }),
            _ => format!("{:04}-{:02}", p.from.year(), p.from.month()),
        };
        Ok(Report { kind, id, name, period: period_key, from: p.from, to: p.to, summary, rows, officers })
    }

    /// A report as `.xlsx` (two sheets: figures, officers), built on a
    /// blocking thread and audited as an export.
    pub async fn report_xlsx(
        &self,
        actor: &Actor,
        kind: ReportKind,
        period: &str,
        id: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<(Report, Vec<u8>)> {
        let report = self.report(actor, kind, period, id, meta).await?;
        let r = report.clone();
        let bytes = tokio::task::spawn_blocking(move || report_workbook(&r))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        self.audit(
            Some(actor),
            "export",
            &format!("report:{}:{}:{}", kind.as_str(), report.id, report.period),
            "success",
            "",
            meta,
        )
        .await;
        Ok((report, bytes))
    }
}

/// Rounds half away from zero (四舍五入) to `decimals` places, as figures
/// are read in reports. Rust's `{:.1}` rounds an exact tie to even (6.25 →
/// "6.2"), which is neither what people expect nor what a browser's
/// `toFixed` shows (6.3).
pub fn round_half_up(x: f64, decimals: i32) -> f64 {
    let m = 10f64.powi(decimals);
    (x * m).round() / m
}

/// A rate as a percentage with one decimal (四舍五入), "—" when undefined.
pub fn pct(r: Option<f64>) -> String {
    r.map(|x| format!("{:.1}%", round_half_up(x * 100.0, 1))).unwrap_or_else(|| "—".into())
}

/// The figure columns of reports and the dashboard: (header, value).
pub fn figure_cells(f: &Figures) -> Vec<(&'static str, String)> {
    vec![
        ("受理量", f.received.to_string()),
        ("办结", f.closed.to_string()),
        ("办结率", pct(f.completion_rate)),
        ("按时签收率", pct(f.on_time_sign_rate)),
        ("及时办结率(派单时钟)", pct(f.on_time_rate_dispatch)),
        ("及时办结率(签收时钟)", pct(f.on_time_rate_sign)),
        ("催办率", pct(f.urge_rate)),
        ("重办率", pct(f.redo_rate)),
        ("满意率", pct(f.satisfaction_rate)),
        (
            "平均答复工作日",
            f.mean_reply_days.map(|x| format!("{:.2}", round_half_up(x, 2))).unwrap_or_else(|| "—".into()),
        ),
        ("答复工作日P90", f.p90_reply_days.map(|x| x.to_string()).unwrap_or_else(|| "—".into())),
        ("当前超期", f.overdue_now.to_string()),
    ]
}

/// The officer columns of reports: (header, value).
pub fn officer_cells(o: &OfficerFigures) -> Vec<(&'static str, String)> {
    vec![
        ("服务员", o.name.clone()),
        ("派出单位", o.department.clone()),
        ("片区", o.district.clone()),
        ("走访达标率", pct(o.visit_compliance)),
        ("达标企业·月/应走访企业·月", format!("{}/{}", o.visit_compliant, o.visit_enterprise_months)),
        ("敲门覆盖率", pct(o.door_knock_coverage)),
        ("上门企业/服务企业", format!("{}/{}", o.door_knocked, o.enterprises_served)),
        ("代报诉求", o.demands.received.to_string()),
        ("已办结", o.demands.closed.to_string()),
        ("办理中", o.demands.open.to_string()),
        ("诉求满意率", pct(o.demands.satisfaction_rate)),
        ("企业评价数", o.ratings.to_string()),
        ("评价均分", o.rating_mean.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into())),
        ("评价满意率", pct(o.rating_satisfaction)),
    ]
}

fn report_workbook(r: &Report) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let xe = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let c16 = |i: usize| u16::try_from(i).unwrap_or(u16::MAX);
    let r32 = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("指标").map_err(xe)?;
    ws.write_string_with_format(0, 0, format!("{} {} {}", r.name, r.kind.label_zh(), r.period), &bold).map_err(xe)?;
    ws.write_string(1, 0, format!("{} 至 {}（按受理日期统计，见 docs/metrics.md）", r.from, r.to)).map_err(xe)?;
    let mut row = 3;
    let blank = Figures::default();
    let headers = figure_cells(&blank);
    for (title, list) in [("汇总", &r.summary), ("分项", &r.rows)] {
        if list.is_empty() {
            continue;
        }
        ws.write_string_with_format(r32(row), 0, title, &bold).map_err(xe)?;
        row += 1;
        ws.write_string_with_format(r32(row), 0, "单位", &bold).map_err(xe)?;
        for (j, (h, _)) in headers.iter().enumerate() {
            ws.write_string_with_format(r32(row), c16(j + 1), *h, &bold).map_err(xe)?;
        }
        row += 1;
        for nf in list.iter() {
            ws.write_string(r32(row), 0, &nf.name).map_err(xe)?;
            for (j, (_, v)) in figure_cells(&nf.figures).iter().enumerate() {
                ws.write_string(r32(row), c16(j + 1), v).map_err(xe)?;
            }
            row += 1;
        }
        row += 1;
    }
    ws.set_column_width(0, 22).map_err(xe)?;
    if !r.officers.is_empty() || r.kind != ReportKind::DepartmentMonthly {
        let ws = wb.add_worksheet();
        ws.set_name("服务员").map_err(xe)?;
        let blank = OfficerFigures {
            officer_id: 0,
            name: String::new(),
            department_id: None,
            department: String::new(),
            district_id: None,
            district: String::new(),
            visit_enterprise_months: 0,
            visit_compliant: 0,
            visit_compliance: None,
            enterprises_served: 0,
            door_knocked: 0,
            door_knock_coverage: None,
            demands: Figures::default(),
            ratings: 0,
            rating_mean: None,
            rating_satisfaction: None,
        };
        for (j, (h, _)) in officer_cells(&blank).iter().enumerate() {
            ws.write_string_with_format(0, c16(j), *h, &bold).map_err(xe)?;
            ws.set_column_width(c16(j), 14).map_err(xe)?;
        }
        for (i, o) in r.officers.iter().enumerate() {
            for (j, (_, v)) in officer_cells(o).iter().enumerate() {
                ws.write_string(r32(i + 1), c16(j), v).map_err(xe)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(xe)?;
    }
    wb.save_to_buffer().map_err(xe)
}
