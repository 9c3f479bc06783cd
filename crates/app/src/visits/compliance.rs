//! Compliance with the visit rule: monthly reports, the "behind this month" list,
//! the officer's "today" order, the series by month and the monthly reminders.

use super::{rate, to_u32, Rules, MAX_SERIES_MONTHS};
use crate::{App, RequestMeta, Result};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use zhuqi_domain::role::OfficerScope;
use zhuqi_domain::visit::{self, VisitRule, YearMonth};
use zhuqi_domain::{Actor, FieldError};
use zhuqi_store::visits::{self as store, MonthCount, ServedRow};
use zhuqi_store::Conn;

/// One district's compliance in a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistrictCompliance {
    pub district_id: i64,
    pub name: String,
    /// The minimum in force there.
    pub min_per_month: u32,
    /// Enterprises served by an officer during the month.
    pub enterprises: i64,
    /// Of them, those with enough counted visits.
    pub compliant: i64,
    /// `compliant / enterprises` (0 when there are no enterprises).
    pub rate: f64,
}

/// An enterprise short of the rule in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BehindEnterprise {
    pub enterprise_id: i64,
    pub name: String,
    /// Counted visits so far.
    pub visits: u32,
    /// Visits still needed.
    pub needed: u32,
    /// The latest visit in the month (ms).
    pub last_visit_at: Option<i64>,
}

/// One officer's compliance in a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfficerCompliance {
    pub officer_id: i64,
    pub name: String,
    pub district_id: Option<i64>,
    /// The officer's district name.
    pub district: String,
    /// Enterprises the officer served during the month.
    pub enterprises: i64,
    pub compliant: i64,
    pub rate: f64,
    pub behind: Vec<BehindEnterprise>,
}

/// `GET /api/v1/visits/compliance?month=YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceReport {
    pub month: String,
    /// The city-wide rule (districts may override the minimum; see each row).
    pub rule: VisitRule,
    /// Empty for officers and department heads.
    pub districts: Vec<DistrictCompliance>,
    pub officers: Vec<OfficerCompliance>,
}

/// One row of the district admin's "behind this month" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BehindRow {
    pub officer_id: i64,
    pub officer_name: String,
    pub district_id: i64,
    pub district_name: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    /// Counted visits so far this month.
    pub visits: u32,
    pub needed: u32,
    pub last_visit_at: Option<i64>,
}

/// Who is behind this month, with the days left to catch up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BehindThisMonth {
    pub month: String,
    /// Days left in the month, today included.
    pub days_left: u32,
    pub rows: Vec<BehindRow>,
}

/// One enterprise of the officer's "today" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TodayRow {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub township_name: Option<String>,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// Counted visits this month.
    pub visits: u32,
    pub needed: u32,
    /// The latest visit by anyone, any mode (ms).
    pub last_visit_at: Option<i64>,
    pub last_mode: Option<String>,
}

/// One point of a district's compliance series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthPoint {
    pub month: String,
    pub enterprises: i64,
    pub compliant: i64,
    pub rate: f64,
}

/// A district's compliance month by month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistrictSeries {
    pub district_id: i64,
    pub name: String,
    pub points: Vec<MonthPoint>,
}

/// Compliance per district per month, for the chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceSeries {
    pub months: Vec<String>,
    pub districts: Vec<DistrictSeries>,
}

/// Compliance of one month over the served rows: per enterprise, district
/// and officer.
struct Tally {
    districts: Vec<DistrictCompliance>,
    officers: Vec<OfficerCompliance>,
}

/// Counts one month: `served` are the (officer, enterprise) pairs responsible
/// in it, `counts` the month's visits per enterprise. `districts` lists the
/// districts to report (in order), each with its name.
fn tally(served: &[ServedRow], counts: &HashMap<i64, MonthCount>, rules: &Rules, districts: &[(i64, String)]) -> Tally {
    let status = |enterprise_id: i64, district_id: i64| {
        let rule = rules.for_district(district_id);
        let c = counts.get(&enterprise_id);
        let counted = rule.counted(to_u32(c.map_or(0, |c| c.visits)), to_u32(c.map_or(0, |c| c.on_site)));
        (counted, rule.needed(counted), c.map(|c| c.last_at))
    };
    // Districts: each enterprise once.
    let mut seen = HashSet::new();
    let mut per_district: HashMap<i64, (i64, i64)> = HashMap::new();
    for s in served {
        if seen.insert(s.enterprise_id) {
            let (_, needed, _) = status(s.enterprise_id, s.district_id);
            let e = per_district.entry(s.district_id).or_default();
            e.0 += 1;
            e.1 += i64::from(needed == 0);
        }
    }
    let districts = districts
        .iter()
        .map(|(id, name)| {
            let (enterprises, compliant) = per_district.get(id).copied().unwrap_or_default();
            DistrictCompliance {
                district_id: *id,
                name: name.clone(),
                min_per_month: rules.for_district(*id).min_per_month,
                enterprises,
                compliant,
                rate: rate(compliant, enterprises),
            }
        })
        .collect();
    // Officers, in the order served rows come (district, officer, enterprise).
    let mut officers: Vec<OfficerCompliance> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for s in served {
        let i = *index.entry(s.officer_id).or_insert_with(|| {
            officers.push(OfficerCompliance {
                officer_id: s.officer_id,
                name: s.officer_name.clone(),
                district_id: s.officer_district_id,
                district: s.officer_district_name.clone().unwrap_or_else(|| s.district_name.clone()),
                enterprises: 0,
                compliant: 0,
                rate: 0.0,
                behind: Vec::new(),
            });
            officers.len() - 1
        });
        let (visits, needed, last_visit_at) = status(s.enterprise_id, s.district_id);
        if let Some(o) = officers.get_mut(i) {
            o.enterprises += 1;
            if needed == 0 {
                o.compliant += 1;
            } else {
                o.behind.push(BehindEnterprise {
                    enterprise_id: s.enterprise_id,
                    name: s.enterprise_name.clone(),
                    visits,
                    needed,
                    last_visit_at,
                });
            }
        }
    }
    for o in &mut officers {
        o.rate = rate(o.compliant, o.enterprises);
    }
    Tally { districts, officers }
}

impl App {
    /// The districts a report lists for an officer scope.
    async fn report_districts(&self, c: &mut Conn, scope: OfficerScope) -> Result<Vec<(i64, String)>> {
        let all = zhuqi_store::regions::by_level(c, "district").await?;
        Ok(match scope {
            OfficerScope::All => all.into_iter().map(|d| (d.id, d.name)).collect(),
            OfficerScope::District(id) => all.into_iter().filter(|d| d.id == id).map(|d| (d.id, d.name)).collect(),
            _ => Vec::new(),
        })
    }

    /// Tallies one month. For the month under way only the current
    /// assignments count (an officer moved off an enterprise earlier this
    /// month is no longer behind on it); past months count everyone who
    /// served during the month.
    async fn tally_month(
        &self,
        c: &mut Conn,
        month: YearMonth,
        scope: OfficerScope,
        rules: &Rules,
        districts: &[(i64, String)],
    ) -> Result<Tally> {
        let now = self.now_ms();
        let (start, end) = (month.start_ms(), month.end_ms());
        let from = if (start..end).contains(&now) { now } else { start };
        let served = store::served_in(c, from, end, scope).await?;
        let district_filter = match scope {
            OfficerScope::District(d) => Some(d),
            _ => None,
        };
        let counts: HashMap<i64, MonthCount> = store::month_counts(c, &month.key(), district_filter)
            .await?
            .into_iter()
            .map(|m| (m.enterprise_id, m))
            .collect();
        Ok(tally(&served, &counts, rules, districts))
    }

    /// Compliance with the rule in a month (`YYYY-MM`), per district and per
    /// officer with the enterprises behind: the city sees every district,
    /// a district admin (or district coordinator) their district, a
    /// department head the officers their department sent, an officer
    /// themself. Enterprise users and department handlers: 403.
    pub async fn compliance(&self, actor: &Actor, month: &str, meta: &RequestMeta) -> Result<ComplianceReport> {
        let Some(scope) = Self::compliance_scope(actor) else {
            return Err(self.deny(actor, "read_visit_compliance", "visits", meta).await);
        };
        let month = YearMonth::parse(month)?;
        let mut c = self.store.read().await?;
        let rules = self.load_rules(&mut c).await?;
        let districts = self.report_districts(&mut c, scope).await?;
        let t = self.tally_month(&mut c, month, scope, &rules, &districts).await?;
        Ok(ComplianceReport { month: month.key(), rule: rules.city, districts: t.districts, officers: t.officers })
    }

    /// This month's enterprises short of the rule (officer, enterprise,
    /// visits so far, visits needed), scoped like [`App::compliance`].
    pub async fn behind_this_month(&self, actor: &Actor, meta: &RequestMeta) -> Result<BehindThisMonth> {
        let Some(scope) = Self::compliance_scope(actor) else {
            return Err(self.deny(actor, "read_visit_compliance", "visits", meta).await);
        };
        let now = self.now_ms();
        let month = YearMonth::of(now);
        let mut c = self.store.read().await?;
        let rules = self.load_rules(&mut c).await?;
        let t = self.tally_month(&mut c, month, scope, &rules, &[]).await?;
        let mut rows = Vec::new();
        for o in t.officers {
            for b in o.behind {
                rows.push(BehindRow {
                    officer_id: o.officer_id,
                    officer_name: o.name.clone(),
                    district_id: o.district_id.unwrap_or_default(),
                    district_name: o.district.clone(),
                    enterprise_id: b.enterprise_id,
                    enterprise_name: b.name,
                    visits: b.visits,
                    needed: b.needed,
                    last_visit_at: b.last_visit_at,
                });
            }
        }
        rows.sort_by(|a, b| {
            b.needed.cmp(&a.needed).then(a.officer_id.cmp(&b.officer_id)).then(a.enterprise_id.cmp(&b.enterprise_id))
        });
        Ok(BehindThisMonth { month: month.key(), days_left: month.days_left(now), rows })
    }

    /// The actor's enterprises (an officer's current assignments; empty for
    /// other roles) ordered by who most needs a visit this month: most
    /// visits still needed, then longest since the last visit (never
    /// visited first).
    pub async fn officer_today(&self, actor: &Actor) -> Result<Vec<TodayRow>> {
        let month = YearMonth::of(self.now_ms());
        let mut c = self.store.read().await?;
        let rules = self.load_rules(&mut c).await?;
        let mut rows: Vec<TodayRow> = store::served_now(&mut c, actor.user_id, &month.key())
            .await?
            .into_iter()
            .map(|s| {
                let rule = rules.for_district(s.district_id);
                let visits = rule.counted(to_u32(s.visits), to_u32(s.on_site));
                TodayRow {
                    enterprise_id: s.enterprise_id,
                    enterprise_name: s.enterprise_name,
                    township_name: s.township_name,
                    address: s.address,
                    contact_name: s.contact_name,
                    contact_phone: s.contact_phone,
                    visits,
                    needed: rule.needed(visits),
                    last_visit_at: s.last_visit_at,
                    last_mode: s.last_mode,
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            b.needed
                .cmp(&a.needed)
                .then(a.visits.cmp(&b.visits))
                .then(a.last_visit_at.unwrap_or(i64::MIN).cmp(&b.last_visit_at.unwrap_or(i64::MIN)))
                .then(a.enterprise_id.cmp(&b.enterprise_id))
        });
        Ok(rows)
    }

    /// Compliance rate per district per month from `from_month` to
    /// `to_month` (both `YYYY-MM`, at most 36 months), for the chart. The
    /// city sees every district, a district admin or coordinator theirs;
    /// other roles 403.
    pub async fn compliance_by_month(
        &self,
        actor: &Actor,
        from_month: &str,
        to_month: &str,
        meta: &RequestMeta,
    ) -> Result<ComplianceSeries> {
        let scope = match Self::compliance_scope(actor) {
            Some(s @ (OfficerScope::All | OfficerScope::District(_))) => s,
            _ => return Err(self.deny(actor, "read_visit_compliance", "visits", meta).await),
        };
        let from = YearMonth::parse_field("from", from_month)?;
        let to = YearMonth::parse_field("to", to_month)?;
        let months = from.through(to);
        if months.is_empty() {
            return Err(FieldError::new("to", "结束月份不能早于开始月份 (the last month is before the first)").into());
        }
        if months.len() > MAX_SERIES_MONTHS {
            return Err(FieldError::new(
                "to",
                format!("最多{MAX_SERIES_MONTHS}个月 (at most {MAX_SERIES_MONTHS} months at once)"),
            )
            .into());
        }
        let mut c = self.store.read().await?;
        let rules = self.load_rules(&mut c).await?;
        let districts = self.report_districts(&mut c, scope).await?;
        let mut series: Vec<DistrictSeries> = districts
            .iter()
            .map(|(id, name)| DistrictSeries { district_id: *id, name: name.clone(), points: Vec::new() })
            .collect();
        for m in &months {
            let t = self.tally_month(&mut c, *m, scope, &rules, &districts).await?;
            for (s, d) in series.iter_mut().zip(t.districts) {
                s.points.push(MonthPoint {
                    month: m.key(),
                    enterprises: d.enterprises,
                    compliant: d.compliant,
                    rate: d.rate,
                });
            }
        }
        Ok(ComplianceSeries { months: months.iter().map(|m| m.key()).collect(), districts: series })
    }
}

impl App {
    // -----------------------------------------------------------------------
    // Reminders
    // -----------------------------------------------------------------------

    /// The monthly reminder job: from the reminder day of the month (China
    /// time of `now`), each active officer behind on the rule this month gets
    /// one in-app notification (kind `visit_reminder`), at most once per
    /// month however often the job runs. Returns how many were sent.
    pub async fn send_visit_reminders(&self, now: i64) -> Result<usize> {
        let month = YearMonth::of(now);
        let key = month.key();
        let (behind, days_left) = {
            let mut c = self.store.read().await?;
            let rules = self.load_rules(&mut c).await?;
            if !visit::reminder_due(now, rules.reminder_day) {
                return Ok(0);
            }
            let done: HashSet<i64> = store::reminded(&mut c, &key).await?.into_iter().collect();
            let active: HashSet<i64> = store::active_officers(&mut c).await?.into_iter().collect();
            let end = month.end_ms();
            let from = if (month.start_ms()..end).contains(&now) { now } else { month.start_ms() };
            let served = store::served_in(&mut c, from, end, OfficerScope::All).await?;
            let counts: HashMap<i64, MonthCount> =
                store::month_counts(&mut c, &key, None).await?.into_iter().map(|m| (m.enterprise_id, m)).collect();
            let t = tally(&served, &counts, &rules, &[]);
            let behind: Vec<OfficerCompliance> = t
                .officers
                .into_iter()
                .filter(|o| !o.behind.is_empty() && active.contains(&o.officer_id) && !done.contains(&o.officer_id))
                .collect();
            (behind, month.days_left(now))
        };
        if behind.is_empty() {
            return Ok(0);
        }
        let mut sent = 0;
        let mut tx = self.store.begin().await?;
        for o in &behind {
            if !store::mark_reminder(&mut tx, o.officer_id, &key, now).await? {
                continue;
            }
            let list: Vec<String> =
                o.behind.iter().map(|b| format!("{}（已走访{}次，还需{}次）", b.name, b.visits, b.needed)).collect();
            let title = format!("走访提醒：本月还有{}家企业未达到走访要求", o.behind.len());
            let body = format!("{key}，本月还剩{days_left}天：{}", list.join("；"));
            zhuqi_store::demands::notify(&mut tx, &[o.officer_id], now, "visit_reminder", None, &title, &body).await?;
            sent += 1;
        }
        tx.commit().await?;
        Ok(sent)
    }
}
