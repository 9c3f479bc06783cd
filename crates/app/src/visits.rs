//! Visit (走访) use cases: an officer records a visit to an enterprise
//! currently assigned to them and may edit it for 24 hours (every edit keeps
//! the previous version); a need found on a visit becomes a demand in one
//! step, linked both ways; the monthly rule (at least N visits per
//! enterprise per calendar month in China time, any mode or on-site only,
//! configurable city-wide and per district) drives the compliance reports,
//! the "behind this month" list, the officer's "today" order and the
//! monthly reminders; door-knock campaigns (敲门走访) report their coverage
//! per township.
//!
//! Who reads which visits ([`App::visit_scope`]): the city admin, auditors
//! and city-wide coordinators all; district admins and district
//! coordinators their district's; an officer their own visits to the
//! enterprises currently assigned to them; a department head the visits of
//! the officers their department sent; an enterprise user the visits to
//! their enterprise; department handlers none.

use crate::demands::SubmitInput;
use crate::{App, AppError, RequestMeta, Result};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use zhuqi_domain::capability::{self, Capability, Relation};
use zhuqi_domain::role::OfficerScope;
use zhuqi_domain::visit::{self, Campaign, VisitRole, VisitRule, YearMonth};
use zhuqi_domain::{Actor, FieldError, Role, Scope};
use zhuqi_store::demands::DemandRow;
use zhuqi_store::visits::{self as store, MonthCount, NewVisit, ServedRow, VisitScope};
use zhuqi_store::{Conn, Page, Paged};

pub use zhuqi_domain::visit::{ProductionStatus, VisitInput, VisitMode};
pub use zhuqi_store::visits::{CampaignRow, VisitFilter, VisitRow};

/// The longest range of months [`App::compliance_by_month`] reports.
pub const MAX_SERIES_MONTHS: usize = 36;

/// One earlier version of an edited visit.
#[derive(Debug, Clone, Serialize)]
pub struct VisitEdit {
    pub id: i64,
    /// The version this edit replaced.
    pub version: i64,
    pub edited_at: i64,
    pub editor_id: i64,
    pub editor_name: Option<String>,
    /// The replaced version (a visit row as JSON).
    pub before: serde_json::Value,
}

/// A visit as its page and `GET /api/v1/visits/{id}` show it.
#[derive(Debug, Clone, Serialize)]
pub struct VisitDetail {
    #[serde(flatten)]
    pub row: VisitRow,
    /// Earlier versions, oldest first.
    pub edits: Vec<VisitEdit>,
    /// Demands the visit's needs became.
    pub demand_ids: Vec<i64>,
    /// Photos and documents attached to the visit (bytes at `/attachments/{id}`).
    pub attachments: Vec<zhuqi_store::attachments::AttachmentRow>,
    /// The viewer may edit it now (its author, within 24 hours of recording).
    pub editable: bool,
    /// The last instant an edit is accepted (ms).
    pub editable_until: i64,
}

/// The visit rule as set: the city's rule, each district's override of the
/// minimum, and the reminder day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitRuleSettings {
    pub city: VisitRule,
    pub reminder_day: u32,
    pub overrides: Vec<DistrictMin>,
}

/// A district's own monthly minimum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DistrictMin {
    pub district_id: i64,
    pub district_name: String,
    pub min_per_month: u32,
}

/// A change of the city-wide rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct VisitRuleUpdate {
    pub min_per_month: u32,
    pub on_site_only: bool,
    pub reminder_day: u32,
}

/// The rule in force, per district.
#[derive(Debug, Clone)]
struct Rules {
    city: VisitRule,
    min_by_district: HashMap<i64, u32>,
    reminder_day: u32,
}

impl Rules {
    fn for_district(&self, district_id: i64) -> VisitRule {
        VisitRule {
            min_per_month: self.min_by_district.get(&district_id).copied().unwrap_or(self.city.min_per_month),
            on_site_only: self.city.on_site_only,
        }
    }
}

fn parse_min(key: &str, v: &str) -> Option<u32> {
    match v.trim().parse::<u32>() {
        Ok(n) if VisitRule::validate_min(n).is_ok() => Some(n),
        _ => {
            tracing::warn!(key, value = v, "ignoring a bad visit rule setting");
            None
        }
    }
}

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

/// A new door-knock campaign. Dates are `YYYY-MM-DD` (China time, both included).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignInput {
    pub name: String,
    /// None: the whole city (city admin only); a district admin's campaign is for their district.
    #[serde(default)]
    pub district_id: Option<i64>,
    pub starts_on: String,
    pub ends_on: String,
}

/// Coverage of one township in a campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TownshipCoverage {
    pub district_id: i64,
    pub district_name: String,
    pub township_id: Option<i64>,
    /// The township, or the district's name for enterprises without one.
    pub township_name: String,
    pub enterprises: i64,
    pub visited_on_site: i64,
    pub rate: f64,
}

/// A campaign's coverage within the viewer's scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignCoverage {
    pub campaign: CampaignRow,
    /// The window has ended.
    pub finished: bool,
    pub enterprises: i64,
    pub visited_on_site: i64,
    pub rate: f64,
    pub townships: Vec<TownshipCoverage>,
}

fn rate(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn to_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

fn json_err(e: serde_json::Error) -> AppError {
    AppError::Internal(format!("json: {e}"))
}

/// The row to store for an officer's input.
fn new_visit(officer_id: i64, district_id: i64, v: &VisitInput, now: i64) -> NewVisit {
    NewVisit {
        officer_id,
        enterprise_id: v.enterprise_id,
        district_id,
        started_at: v.started_at,
        ended_at: v.ended_at,
        month: YearMonth::of(v.started_at).key(),
        mode: v.mode.as_str().to_string(),
        roles: VisitRole::join(&v.roles),
        policy: v.policy.clone(),
        needs: v.needs.clone(),
        production_status: v.production_status.map(|p| p.as_str().to_string()),
        staff_situation: v.staff_situation.clone(),
        guidance: v.guidance.clone(),
        investment_leads: v.investment_leads.clone(),
        notes: v.notes.clone(),
        lat: v.lat,
        lon: v.lon,
        accuracy_m: v.accuracy_m,
        created_at: now,
    }
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
    /// The visits an actor may read.
    pub fn visit_scope(&self, actor: &Actor) -> VisitScope {
        match actor.role {
            Role::CityAdmin | Role::Auditor => VisitScope::All,
            Role::Coordinator => actor.district_id.map_or(VisitScope::All, VisitScope::District),
            Role::DistrictAdmin => actor.district_id.map_or(VisitScope::Nothing, VisitScope::District),
            Role::Officer => VisitScope::Officer(actor.user_id),
            Role::DeptHead => actor.department_id.map_or(VisitScope::Nothing, VisitScope::HomeUnit),
            Role::EnterpriseUser => actor.enterprise_id.map_or(VisitScope::Nothing, VisitScope::Enterprise),
            Role::DeptHandler => VisitScope::Nothing,
        }
    }

    /// Whose compliance an actor may read (`None`: nobody's).
    fn compliance_scope(actor: &Actor) -> Option<OfficerScope> {
        match actor.role {
            Role::CityAdmin | Role::Auditor => Some(OfficerScope::All),
            Role::Coordinator => Some(actor.district_id.map_or(OfficerScope::All, OfficerScope::District)),
            Role::DistrictAdmin => actor.district_id.map(OfficerScope::District),
            Role::Officer => Some(OfficerScope::Self_(actor.user_id)),
            Role::DeptHead => actor.department_id.map(OfficerScope::HomeUnit),
            Role::EnterpriseUser | Role::DeptHandler => None,
        }
    }

    // -----------------------------------------------------------------------
    // Recording, editing, reading
    // -----------------------------------------------------------------------

    /// Records a visit. Only an officer, only for an enterprise currently
    /// assigned to them (another enterprise is not found: 404); the visit
    /// counts for the month of its start in China time.
    pub async fn record_visit(&self, actor: &Actor, input: &VisitInput, meta: &RequestMeta) -> Result<VisitRow> {
        let target = format!("enterprise:{}", input.enterprise_id);
        if !actor.may(Capability::VisitRecord) {
            return Err(self.deny(actor, "record_visit", &target, meta).await);
        }
        let now = self.now_ms();
        let input = input.normalized();
        input.validate(now)?;
        let mut tx = self.store.begin().await?;
        let Some(ent) =
            zhuqi_store::enterprises::get(&mut tx, Scope::Officer(actor.user_id), input.enterprise_id).await?
        else {
            drop(tx);
            self.audit(Some(actor), "record_visit", &target, "denied", "enterprise not assigned to the officer", meta)
                .await;
            return Err(AppError::NotFound(format!("enterprise {}", input.enterprise_id)));
        };
        let id = store::insert(&mut tx, &new_visit(actor.user_id, ent.district_id, &input, now)).await?;
        let row = store::get(&mut tx, VisitScope::All, id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("visit {id} vanished")))?;
        tx.commit().await?;
        self.audit(Some(actor), "record_visit", &format!("visit:{id}"), "success", &target, meta).await;
        Ok(row)
    }

    /// Edits a visit: only its author, only within 24 hours of recording
    /// (403 afterwards), never its enterprise. The replaced version is kept
    /// in the visit's history. `expected_version`, when given, must be the
    /// current version (409 otherwise); two concurrent edits cannot both win.
    pub async fn edit_visit(
        &self,
        actor: &Actor,
        id: i64,
        input: &VisitInput,
        expected_version: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<VisitRow> {
        let target = format!("visit:{id}");
        if !actor.may(Capability::VisitRecord) {
            return Err(self.deny(actor, "edit_visit", &target, meta).await);
        }
        let now = self.now_ms();
        let input = input.normalized();
        let mut tx = self.store.begin().await?;
        let Some(before) = store::get(&mut tx, VisitScope::Officer(actor.user_id), id).await? else {
            return Err(AppError::NotFound(format!("visit {id}")));
        };
        if let Some(v) = expected_version {
            if v != before.version {
                return Err(AppError::Conflict(format!(
                    "走访记录已被更新（版本{}，您提交的是{v}），请刷新后重试 (stale version: current {}, yours {v})",
                    before.version, before.version
                )));
            }
        }
        if !visit::editable(before.created_at, now) {
            drop(tx);
            self.audit(Some(actor), "edit_visit", &target, "denied", "edit window over", meta).await;
            return Err(AppError::Forbidden(format!(
                "走访记录只能在录入后24小时内修改，本记录录入于{} (a visit can be edited only within 24 hours of recording; this one was recorded at {})",
                zhuqi_domain::clock::display_cst(before.created_at),
                zhuqi_domain::clock::rfc3339_cst(before.created_at)
            )));
        }
        if input.enterprise_id != before.enterprise_id {
            return Err(FieldError::new(
                "enterprise_id",
                "不能更改走访的企业，请另行录入 (a visit's enterprise cannot be changed; record a new visit)",
            )
            .into());
        }
        input.validate_edit(now, before.created_at)?;
        let json = serde_json::to_string(&before).map_err(json_err)?;
        store::append_edit(&mut tx, id, before.version, now, actor.user_id, &json).await?;
        let fresh = new_visit(actor.user_id, before.district_id, &input, now);
        if !store::update(&mut tx, id, before.version, &fresh, now).await? {
            return Err(AppError::Conflict(format!(
                "走访记录已被他人更新，请刷新后重试 (visit {id} was changed meanwhile; reload and retry)"
            )));
        }
        let row = store::get(&mut tx, VisitScope::All, id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("visit {id} vanished")))?;
        tx.commit().await?;
        self.audit(Some(actor), "edit_visit", &target, "success", &format!("version:{}", row.version), meta).await;
        Ok(row)
    }

    /// Checks a filter and its enterprise: an enterprise outside the actor's
    /// enterprise scope is not found (for roles that have one).
    async fn check_visit_filter(&self, c: &mut Conn, actor: &Actor, filter: &VisitFilter) -> Result<()> {
        if let Some(m) = &filter.month {
            YearMonth::parse(m)?;
        }
        if let Some(e) = filter.enterprise_id {
            let scope = actor.enterprise_scope();
            if scope != Scope::Nothing && zhuqi_store::enterprises::get(c, scope, e).await?.is_none() {
                return Err(AppError::NotFound(format!("enterprise {e}")));
            }
        }
        Ok(())
    }

    /// Visits in scope, newest first. Filtering by an enterprise outside
    /// the actor's scope is 404 (an officer's history of an enterprise not
    /// assigned to them does not exist for them).
    pub async fn visits(
        &self,
        actor: &Actor,
        filter: &VisitFilter,
        page: Page,
        meta: &RequestMeta,
    ) -> Result<Paged<VisitRow>> {
        let scope = self.visit_scope(actor);
        if scope == VisitScope::Nothing {
            return Err(self.deny(actor, "list_visits", "visits", meta).await);
        }
        let mut c = self.store.read().await?;
        self.check_visit_filter(&mut c, actor, filter).await?;
        Ok(store::list(&mut c, scope, filter, page).await?)
    }

    /// Every visit in scope matching the filter (exports; at most 100 000).
    pub async fn visits_all(&self, actor: &Actor, filter: &VisitFilter, meta: &RequestMeta) -> Result<Vec<VisitRow>> {
        let scope = self.visit_scope(actor);
        if scope == VisitScope::Nothing {
            return Err(self.deny(actor, "export_visits", "visits", meta).await);
        }
        let mut c = self.store.read().await?;
        self.check_visit_filter(&mut c, actor, filter).await?;
        Ok(store::all(&mut c, scope, filter, 100_000).await?)
    }

    /// One visit with its history and the demands it led to (404 out of scope).
    pub async fn visit(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<VisitDetail> {
        let scope = self.visit_scope(actor);
        if scope == VisitScope::Nothing {
            return Err(self.deny(actor, "read_visit", &format!("visit:{id}"), meta).await);
        }
        let mut c = self.store.read().await?;
        let row = store::get(&mut c, scope, id).await?.ok_or_else(|| AppError::NotFound(format!("visit {id}")))?;
        let mut edits = Vec::new();
        for e in store::edits(&mut c, id).await? {
            edits.push(VisitEdit {
                id: e.id,
                version: e.version,
                edited_at: e.edited_at,
                editor_id: e.editor_id,
                editor_name: e.editor_name,
                before: serde_json::from_str(&e.before).map_err(json_err)?,
            });
        }
        let demand_ids = store::demands_of(&mut c, id).await?;
        let attachments = zhuqi_store::attachments::of_visit(&mut c, id).await?;
        let editable_until = row.created_at + visit::EDIT_WINDOW_MS;
        let relation = if row.officer_id == actor.user_id { Relation::Own } else { Relation::Outside };
        let editable = capability::allows(actor.role, Capability::VisitRecord, relation)
            && visit::editable(row.created_at, self.now_ms());
        Ok(VisitDetail { row, edits, demand_ids, attachments, editable, editable_until })
    }

    /// Turns a need found on a visit into a demand in one step: submits it
    /// (as the officer, for the visit's enterprise) and links it to the
    /// visit. Only the visit's author. A retry with the same text returns
    /// the same demand (the submission is idempotent per visit and text).
    pub async fn visit_need_to_demand(
        &self,
        actor: &Actor,
        visit_id: i64,
        category: &str,
        title: &str,
        description: &str,
        meta: &RequestMeta,
    ) -> Result<DemandRow> {
        let target = format!("visit:{visit_id}");
        if !actor.may(Capability::VisitRecord) {
            return Err(self.deny(actor, "visit_need_to_demand", &target, meta).await);
        }
        let visit = {
            let mut c = self.store.read().await?;
            store::get(&mut c, VisitScope::Officer(actor.user_id), visit_id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("visit {visit_id}")))?
        };
        let key = {
            use sha2::{Digest, Sha256};
            let digest =
                Sha256::digest(format!("{}\u{1f}{}\u{1f}{}", category.trim(), title.trim(), description.trim()));
            format!("visit:{visit_id}:{}", &hex::encode(digest)[..32])
        };
        let input = SubmitInput {
            enterprise_id: visit.enterprise_id,
            category: category.to_string(),
            title: title.to_string(),
            description: description.to_string(),
            urgency: None,
            confidential: None,
        };
        let (demand, _) = self.submit_demand(actor, &input, Some(&key), meta).await?;
        let mut tx = self.store.begin().await?;
        store::link_demand(&mut tx, visit_id, demand.id, self.now_ms()).await?;
        tx.commit().await?;
        self.audit(Some(actor), "visit_need_to_demand", &target, "success", &format!("demand:{}", demand.id), meta)
            .await;
        Ok(demand)
    }

    /// The visits (in the actor's visit scope) whose needs became a demand
    /// (404 when the demand is outside the actor's demand scope).
    pub async fn demand_visits(&self, actor: &Actor, demand_id: i64, meta: &RequestMeta) -> Result<Vec<VisitRow>> {
        let dscope = self.demand_scope(actor);
        if dscope == zhuqi_store::demands::DemandScope::Nothing {
            return Err(self.deny(actor, "read_demand", &format!("demand:{demand_id}"), meta).await);
        }
        let mut c = self.store.read().await?;
        if zhuqi_store::demands::get(&mut c, dscope, demand_id).await?.is_none() {
            return Err(AppError::NotFound(format!("demand {demand_id}")));
        }
        Ok(store::visits_of_demand(&mut c, self.visit_scope(actor), demand_id).await?)
    }

    // -----------------------------------------------------------------------
    // The rule
    // -----------------------------------------------------------------------

    async fn load_rules(&self, c: &mut Conn) -> Result<Rules> {
        let mut rules = Rules {
            city: VisitRule::default(),
            min_by_district: HashMap::new(),
            reminder_day: visit::DEFAULT_REMINDER_DAY,
        };
        for (key, value) in store::rule_settings(c).await? {
            if key == store::MIN_PER_MONTH_KEY {
                if let Some(n) = parse_min(&key, &value) {
                    rules.city.min_per_month = n;
                }
            } else if key == store::ON_SITE_ONLY_KEY {
                rules.city.on_site_only = value.trim() == "1";
            } else if key == store::REMINDER_DAY_KEY {
                match value.trim().parse::<u32>() {
                    Ok(d) if visit::validate_reminder_day(d).is_ok() => rules.reminder_day = d,
                    _ => tracing::warn!(key, value, "ignoring a bad visit rule setting"),
                }
            } else if let Some(d) = key.strip_prefix(store::MIN_PER_MONTH_DISTRICT_PREFIX) {
                if let (Ok(d), Some(n)) = (d.parse::<i64>(), parse_min(&key, &value)) {
                    rules.min_by_district.insert(d, n);
                }
            }
        }
        Ok(rules)
    }

    /// The rule in force in a district (`None`: the city-wide rule).
    pub async fn visit_rule(&self, district_id: Option<i64>) -> Result<VisitRule> {
        let mut c = self.store.read().await?;
        let rules = self.load_rules(&mut c).await?;
        Ok(match district_id {
            Some(d) => rules.for_district(d),
            None => rules.city,
        })
    }

    /// The rule as set: city-wide, per-district minimums, reminder day.
    pub async fn visit_rule_settings(&self) -> Result<VisitRuleSettings> {
        let mut c = self.store.read().await?;
        let rules = self.load_rules(&mut c).await?;
        let mut overrides = Vec::new();
        for d in zhuqi_store::regions::by_level(&mut c, "district").await? {
            if let Some(n) = rules.min_by_district.get(&d.id) {
                overrides.push(DistrictMin { district_id: d.id, district_name: d.name, min_per_month: *n });
            }
        }
        Ok(VisitRuleSettings { city: rules.city, reminder_day: rules.reminder_day, overrides })
    }

    /// Sets the city-wide rule and reminder day (city admin).
    pub async fn set_visit_rule(&self, actor: &Actor, update: &VisitRuleUpdate, meta: &RequestMeta) -> Result<()> {
        if !actor.may_in_district(Capability::VisitRuleManage, None) {
            return Err(self.deny(actor, "set_visit_rule", "setting:visit_rule", meta).await);
        }
        VisitRule::validate_min(update.min_per_month)?;
        visit::validate_reminder_day(update.reminder_day)?;
        let mut tx = self.store.begin().await?;
        let set = zhuqi_store::catalogue::set_setting;
        set(&mut tx, store::MIN_PER_MONTH_KEY, &update.min_per_month.to_string()).await?;
        set(&mut tx, store::ON_SITE_ONLY_KEY, if update.on_site_only { "1" } else { "0" }).await?;
        set(&mut tx, store::REMINDER_DAY_KEY, &update.reminder_day.to_string()).await?;
        tx.commit().await?;
        let detail = format!(
            "min_per_month={} on_site_only={} reminder_day={}",
            update.min_per_month, update.on_site_only, update.reminder_day
        );
        self.audit(Some(actor), "set_visit_rule", "setting:visit_rule", "success", &detail, meta).await;
        Ok(())
    }

    /// Sets (or with `None` removes) a district's own monthly minimum (city admin).
    pub async fn set_district_visit_min(
        &self,
        actor: &Actor,
        district_id: i64,
        min_per_month: Option<u32>,
        meta: &RequestMeta,
    ) -> Result<()> {
        let key = format!("{}{district_id}", store::MIN_PER_MONTH_DISTRICT_PREFIX);
        let target = format!("setting:{key}");
        if !actor.may_in_district(Capability::VisitRuleManage, None) {
            return Err(self.deny(actor, "set_visit_rule", &target, meta).await);
        }
        if let Some(n) = min_per_month {
            VisitRule::validate_min(n)?;
        }
        let mut tx = self.store.begin().await?;
        if zhuqi_store::regions::get(&mut tx, district_id).await?.is_none_or(|r| r.level != "district") {
            return Err(FieldError::new("district_id", format!("no district {district_id}")).into());
        }
        match min_per_month {
            Some(n) => zhuqi_store::catalogue::set_setting(&mut tx, &key, &n.to_string()).await?,
            None => {
                store::delete_setting(&mut tx, &key).await?;
            }
        }
        tx.commit().await?;
        let detail = min_per_month.map_or_else(|| "cleared".to_string(), |n| format!("min_per_month={n}"));
        self.audit(Some(actor), "set_visit_rule", &target, "success", &detail, meta).await;
        Ok(())
    }

    // -----------------------------------------------------------------------
    // Reports
    // -----------------------------------------------------------------------

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

    // -----------------------------------------------------------------------
    // Campaigns
    // -----------------------------------------------------------------------

    /// Creates a door-knock campaign: the city admin for the city or any
    /// district, a district admin for their district.
    pub async fn create_campaign(
        &self,
        actor: &Actor,
        input: &CampaignInput,
        meta: &RequestMeta,
    ) -> Result<CampaignRow> {
        // City-wide reach: any district (or none); a district admin: their own.
        let district_id = if actor.may_in_district(Capability::CampaignManage, None) {
            input.district_id
        } else if actor.district_id.is_some()
            && actor.may_in_district(Capability::CampaignManage, input.district_id.or(actor.district_id))
        {
            actor.district_id
        } else {
            return Err(self.deny(actor, "create_campaign", "campaigns", meta).await);
        };
        let campaign = Campaign {
            id: 0,
            name: input.name.trim().to_string(),
            starts_on: Campaign::parse_date("starts_on", &input.starts_on)?,
            ends_on: Campaign::parse_date("ends_on", &input.ends_on)?,
        };
        campaign.validate()?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if let Some(d) = district_id {
            if zhuqi_store::regions::get(&mut tx, d).await?.is_none_or(|r| r.level != "district") {
                return Err(FieldError::new("district_id", format!("no district {d}")).into());
            }
        }
        let id = store::insert_campaign(
            &mut tx,
            &campaign.name,
            district_id,
            &campaign.starts_on.format("%Y-%m-%d").to_string(),
            &campaign.ends_on.format("%Y-%m-%d").to_string(),
            Some(actor.user_id),
            now,
        )
        .await?;
        let row =
            store::campaign(&mut tx, id).await?.ok_or_else(|| AppError::Internal(format!("campaign {id} vanished")))?;
        tx.commit().await?;
        self.audit(Some(actor), "create_campaign", &format!("campaign:{id}"), "success", &row.name, meta).await;
        Ok(row)
    }

    /// The campaigns an actor sees: city-wide ones and those of their
    /// district (all for the city). Department roles and enterprise users: 403.
    pub async fn campaigns(&self, actor: &Actor, meta: &RequestMeta) -> Result<Vec<CampaignRow>> {
        let district = match actor.role {
            Role::CityAdmin | Role::Auditor => None,
            Role::Coordinator => actor.district_id,
            Role::DistrictAdmin | Role::Officer if actor.district_id.is_some() => actor.district_id,
            _ => return Err(self.deny(actor, "list_campaigns", "campaigns", meta).await),
        };
        let mut c = self.store.read().await?;
        Ok(store::campaigns(&mut c, district).await?)
    }

    /// A campaign's coverage per township within the actor's enterprise
    /// scope: enterprises registered before the window ended, and how many
    /// got an on-site visit within it (404 for another district's campaign).
    pub async fn campaign_coverage(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<CampaignCoverage> {
        let scope = actor.enterprise_scope();
        if scope == Scope::Nothing || !actor.may(Capability::VisitRead) {
            return Err(self.deny(actor, "read_campaign", &format!("campaign:{id}"), meta).await);
        }
        let mut c = self.store.read().await?;
        let campaign =
            store::campaign(&mut c, id).await?.ok_or_else(|| AppError::NotFound(format!("campaign {id}")))?;
        let own_district = match actor.role {
            Role::CityAdmin | Role::Auditor => None,
            _ => actor.district_id,
        };
        if let (Some(cd), Some(own)) = (campaign.district_id, own_district) {
            if cd != own {
                return Err(AppError::NotFound(format!("campaign {id}")));
            }
        }
        let window = Campaign {
            id,
            name: campaign.name.clone(),
            starts_on: Campaign::parse_date("starts_on", &campaign.starts_on)?,
            ends_on: Campaign::parse_date("ends_on", &campaign.ends_on)?,
        };
        let (start, end) = window.window_ms();
        let rows = store::coverage(&mut c, start, end, campaign.district_id, scope).await?;
        let townships: Vec<TownshipCoverage> = rows
            .into_iter()
            .map(|r| TownshipCoverage {
                rate: rate(r.visited_on_site, r.enterprises),
                township_name: r.township_name.unwrap_or_else(|| r.district_name.clone()),
                district_id: r.district_id,
                district_name: r.district_name,
                township_id: r.township_id,
                enterprises: r.enterprises,
                visited_on_site: r.visited_on_site,
            })
            .collect();
        let enterprises = townships.iter().map(|t| t.enterprises).sum();
        let visited_on_site = townships.iter().map(|t| t.visited_on_site).sum();
        Ok(CampaignCoverage {
            finished: self.now_ms() >= end,
            campaign,
            enterprises,
            visited_on_site,
            rate: rate(visited_on_site, enterprises),
            townships,
        })
    }

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
