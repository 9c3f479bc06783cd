//! Department, district and officer figures over a period, scoped by role.

use super::{department_names, district_names, named, to_figures, MetricsScope, Period};
use crate::{App, RequestMeta, Result};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use zhuqi_domain::metrics::{self as m, Counters, Figures, N};
use zhuqi_domain::role::OfficerScope;
use zhuqi_domain::{Actor, Role};
use zhuqi_store::metrics::{self as store, GroupBy};

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

impl App {
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
        let names = department_names(&mut c).await?;
        let rows =
            named(self.grouped(&mut c, &f, GroupBy::Department, &overdue).await?, &names, "未派单 (not dispatched)");
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
        let names = district_names(&mut c).await?;
        let rows = named(self.grouped(&mut c, &f, GroupBy::District, &overdue).await?, &names, "");
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

    pub(super) async fn officer_figures(
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
}

/// The role whose visit-compliance scope matches the metrics scope
/// (coordinators see the city's officers here).
fn compliance_role(r: Role) -> Role {
    match r {
        Role::Coordinator => Role::CityAdmin,
        other => other,
    }
}
