//! The dashboard (驾驶舱) of the actor's scope for the current month.

use super::{department_names, district_names, to_figures, ymd, MetricsScope, Period};
use crate::{App, RequestMeta, Result};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;
use zhuqi_domain::demand::Status;
use zhuqi_domain::metrics::{self as m, Figures, N};
use zhuqi_domain::Actor;
use zhuqi_store::metrics::{self as store, GroupBy, SumFilter};

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

impl App {
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
        let depts = department_names(&mut c).await?;
        let districts = district_names(&mut c).await?;
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
