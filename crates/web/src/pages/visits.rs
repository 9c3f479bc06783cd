//! Visit (走访) pages. An officer's `/visits` is "today" (their enterprises,
//! who most needs a visit first) and "this month" (their own visits), phone
//! first; they record a visit in one form (mode, the five roles each with
//! its own short fields, optional location), edit it for 24 hours and turn a
//! need into a demand from the visit page. Everyone else who reads visits
//! gets the scoped list with filters and an `.xlsx` export; district and
//! city roles also get "behind this month", the monthly compliance report
//! (tables and a server-rendered SVG chart; the city admin sets the rule
//! there) and door-knock campaigns with their coverage per township.
//!
//! Forms post, then redirect (POST-redirect-GET); a form with a mistake is
//! shown again with the message and what was typed (422).

use super::demands::CategoryGroup;
use super::enterprises::xlsx_response;
use super::form_files::{check_files, read_form_with_files};
use super::{chrome, query_string, render, Chrome, Pager};
use crate::api::visits::{month_or_now, parse_id, parse_instant, parse_mode, parse_status, VisitQuery};
use crate::ctx::{random_hex, urlencode, CsrfForm, Ctx, PageCtx};
use crate::error::{public_message, PageError};
use crate::i18n::Lang;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::TimeZone;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use zhuqi_app::visits::{
    BehindRow, CampaignCoverage, CampaignInput, ComplianceSeries, DistrictCompliance, TodayRow, VisitDetail,
    VisitFilter, VisitInput, VisitRow, VisitRuleUpdate,
};
use zhuqi_app::AppError;
use zhuqi_domain::capability::{self, Capability, Reach, Relation};
use zhuqi_domain::clock::{china_offset, display_cst, from_ms};
use zhuqi_domain::visit::{ProductionStatus, VisitMode, VisitRole, YearMonth};
use zhuqi_domain::{FieldError, Role};
use zhuqi_store::users::OfficerFilter;
use zhuqi_store::Page;

// ---------------------------------------------------------------------------
// Double submits
// ---------------------------------------------------------------------------

/// How many recent (session, form key) → visit pairs the server remembers.
const REMEMBERED: usize = 4096;

/// Recently recorded visits by (session, form key or `Idempotency-Key`): a
/// form sent twice (a double tap, a retry on a weak signal) records one
/// visit, not two that would both count toward the monthly rule. Only a
/// hash of the session token and key is kept.
static RECORDED: Mutex<VecDeque<(u64, i64)>> = Mutex::new(VecDeque::new());

fn fingerprint(token: &str, key: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (token, key).hash(&mut h);
    h.finish()
}

/// The visit this session already recorded with this key, if remembered.
pub fn recorded(token: &str, key: &str) -> Option<i64> {
    if key.is_empty() {
        return None;
    }
    let f = fingerprint(token, key);
    let g = RECORDED.lock().ok()?;
    g.iter().find(|(k, _)| *k == f).map(|(_, id)| *id)
}

/// Remembers the visit a key recorded.
pub fn remember(token: &str, key: &str, visit_id: i64) {
    if key.is_empty() {
        return;
    }
    if let Ok(mut g) = RECORDED.lock() {
        if g.len() >= REMEMBERED {
            g.pop_front();
        }
        g.push_back((fingerprint(token, key), visit_id));
    }
}

// ---------------------------------------------------------------------------
// Labels and formats
// ---------------------------------------------------------------------------

fn mode_label(lang: Lang, mode: &str) -> String {
    VisitMode::parse(mode).map_or_else(
        || mode.to_string(),
        |m| if lang == Lang::En { m.label_en().to_string() } else { m.label_zh().to_string() },
    )
}

fn role_label(lang: Lang, r: VisitRole) -> String {
    if lang == Lang::En {
        r.label_en().to_string()
    } else {
        r.label_zh().to_string()
    }
}

fn roles_label(lang: Lang, stored: &str) -> String {
    let sep = if lang == Lang::En { ", " } else { "、" };
    VisitRole::split(stored).into_iter().map(|r| role_label(lang, r)).collect::<Vec<_>>().join(sep)
}

fn status_label(lang: Lang, s: &str) -> String {
    ProductionStatus::parse(s).map_or_else(
        || s.to_string(),
        |p| if lang == Lang::En { p.label_en().to_string() } else { p.label_zh().to_string() },
    )
}

fn pct(rate: f64) -> String {
    format!("{:.1}%", zhuqi_app::metrics::round_half_up(rate * 100.0, 1))
}

/// An instant as a `datetime-local` value in China time.
fn local_input(ms: i64) -> String {
    from_ms(ms).with_timezone(&china_offset()).format("%Y-%m-%dT%H:%M").to_string()
}

/// Reads a `datetime-local` value as China time (RFC 3339 is accepted too).
fn parse_local(field: &str, s: &str) -> Result<i64, AppError> {
    let t = s.trim();
    for f in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(t, f) {
            if let Some(at) = china_offset().from_local_datetime(&n).single() {
                return Ok(at.timestamp_millis());
            }
        }
    }
    parse_instant(field, t).map_err(|_| {
        FieldError::new(field, format!("时间格式应为 YYYY-MM-DDTHH:MM (expected a date and time, got “{t}”)")).into()
    })
}

fn opt_f64(field: &str, s: &str) -> Result<Option<f64>, AppError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| FieldError::new(field, format!("“{t}”不是数字 (not a number)")).into())
}

fn fmt_f64(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}")).unwrap_or_default()
}

/// Turns a form mistake into the message shown above the form; other
/// errors (403, 404, 500) become the error page.
fn form_error(e: AppError, ctx: &Ctx) -> Result<String, PageError> {
    match e {
        AppError::Invalid(f) => {
            let key = match f.field.as_str() {
                "enterprise_id" => "enterprise",
                "category" => "category",
                "title" => "demand_title",
                "description" => "description",
                "name" => "campaign_name",
                "starts_on" => "starts_on",
                "ends_on" => "ends_on",
                "min_per_month" => "min_per_month",
                "reminder_day" => "reminder_day",
                "lat" | "lon" | "accuracy_m" => "location",
                other => field_label(other),
            };
            let label = Some(ctx.lang.t(key)).filter(|l| !l.is_empty()).unwrap_or(f.field.as_str());
            Ok(format!("{label}{}{}", ctx.lang.t("colon"), f.message))
        }
        e @ AppError::Conflict(_) => Ok(public_message(&e)),
        other => Err(other.into()),
    }
}

fn unprocessable(html: Html<String>) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Actors whose visits span districts (and so pick a district in filters).
fn city_wide(ctx: &Ctx) -> bool {
    ctx.actor.spans_districts(Capability::VisitView)
}

/// Roles that read the monthly reports (behind, compliance).
fn reads_reports(role: Role) -> bool {
    capability::may(role, Capability::VisitRead)
}

/// Actors who see door-knock campaigns.
fn reads_campaigns(ctx: &Ctx) -> bool {
    ctx.actor.campaign_district().is_some()
}

/// The links between the visit pages a role may use: (href, text key, test id).
fn subnav(ctx: &Ctx) -> Vec<(&'static str, String, &'static str)> {
    let t = |k: &str| ctx.lang.t(k).to_string();
    let mut v = Vec::new();
    if ctx.actor.may(Capability::VisitRecord) {
        v.push(("/visits", t("visits_today"), "sub-today"));
        v.push(("/visits?view=all", t("visits_history"), "sub-history"));
    } else {
        v.push(("/visits", t("visits_list"), "sub-list"));
    }
    if reads_reports(ctx.actor.role) {
        v.push(("/visits/behind", t("visits_behind"), "sub-behind"));
        v.push(("/visits/compliance", t("visits_compliance"), "sub-compliance"));
    }
    if reads_campaigns(ctx) {
        v.push(("/visits/campaigns", t("visits_campaigns"), "sub-campaigns"));
    }
    v
}

// ---------------------------------------------------------------------------
// GET /visits: the officer's "today" and "this month", or the scoped list
// ---------------------------------------------------------------------------

/// One enterprise of "today", ready to show.
pub struct TodayItem {
    pub row: TodayRow,
    pub last: String,
}

/// One visit of a list, ready to show.
pub struct ListItem {
    pub row: VisitRow,
    pub started: String,
    pub mode: String,
    pub roles: String,
}

fn list_item(lang: Lang, row: VisitRow) -> ListItem {
    ListItem {
        started: display_cst(row.started_at),
        mode: mode_label(lang, &row.mode),
        roles: roles_label(lang, &row.roles),
        row,
    }
}

#[derive(Template)]
#[template(path = "visits_today.html")]
struct TodayPage {
    c: Chrome,
    sub: Vec<(&'static str, String, &'static str)>,
    month: String,
    days_left: u32,
    today: Vec<TodayItem>,
    behind: usize,
    mine: Vec<ListItem>,
    mine_total: i64,
}

#[derive(Template)]
#[template(path = "visits.html")]
struct ListPage {
    c: Chrome,
    sub: Vec<(&'static str, String, &'static str)>,
    q: VisitQuery,
    view: String,
    rows: Vec<ListItem>,
    total: i64,
    query: String,
    pager: Pager,
    districts: Vec<(i64, String)>,
    officers: Vec<(i64, String)>,
    /// The officer picker needs a district first (city-wide viewers).
    officer_hint: bool,
    /// The enterprise filtered on: (id, name).
    enterprise: Option<(i64, String)>,
    district_sel: i64,
    officer_sel: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    pub officer_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub district_id: Option<String>,
    pub month: Option<String>,
    pub page: Option<String>,
    /// `all`: an officer's full list instead of "today".
    pub view: Option<String>,
}

/// GET /visits
pub async fn list(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(lq): Query<ListQuery>,
) -> Result<Response, PageError> {
    let filtered = [&lq.officer_id, &lq.enterprise_id, &lq.district_id, &lq.month, &lq.page]
        .iter()
        .any(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()));
    if ctx.actor.may(Capability::VisitRecord) && lq.view.is_none() && !filtered {
        return today(&st, &ctx).await.map(IntoResponse::into_response);
    }
    let lang = ctx.lang;
    let q = VisitQuery {
        officer_id: lq.officer_id,
        enterprise_id: lq.enterprise_id,
        district_id: lq.district_id,
        month: lq.month,
        page: lq.page.as_deref().and_then(|p| p.trim().parse().ok()),
        per_page: None,
    };
    let f = q.filter()?;
    let res = st.app.visits(&ctx.actor, &f, Page::new(q.page, Some(30)), &ctx.meta).await?;
    let districts: Vec<(i64, String)> = if city_wide(&ctx) {
        st.app.districts().await?.into_iter().map(|d| (d.id, d.name)).collect()
    } else {
        Vec::new()
    };
    let officer_district = match ctx.actor.role {
        Role::DistrictAdmin | Role::Coordinator => ctx.actor.district_id.or(f.district_id),
        _ => f.district_id,
    };
    // Who keeps an officer directory picks an officer; a long one (beyond
    // one's own sent officers) only once a district narrows it.
    let officers_reach = capability::reach(ctx.actor.role, Capability::OfficerList);
    let pick_officers = officers_reach.is_some();
    let officer_hint = pick_officers && officer_district.is_none() && officers_reach != Some(Reach::Own);
    let officers: Vec<(i64, String)> = if pick_officers && !officer_hint {
        let filter = OfficerFilter { district_id: officer_district, ..Default::default() };
        st.app
            .officers(&ctx.actor, &filter, Page::new(Some(1), Some(500)), &ctx.meta)
            .await?
            .items
            .into_iter()
            .map(|o| (o.id, o.display_name))
            .collect()
    } else {
        Vec::new()
    };
    let enterprise = f.enterprise_id.map(|id| {
        let name = res.items.first().map_or_else(|| format!("#{id}"), |r| r.enterprise_name.clone());
        (id, name)
    });
    let view = lq.view.unwrap_or_default();
    let query = query_string(&[
        ("view", view.clone()),
        ("month", f.month.clone().unwrap_or_default()),
        ("district_id", f.district_id.map(|v| v.to_string()).unwrap_or_default()),
        ("officer_id", f.officer_id.map(|v| v.to_string()).unwrap_or_default()),
        ("enterprise_id", f.enterprise_id.map(|v| v.to_string()).unwrap_or_default()),
    ]);
    let title = if ctx.actor.may(Capability::VisitRecord) { "visits_history" } else { "visits" };
    let p = ListPage {
        c: chrome(&ctx, "visits", lang.t(title).to_string(), "visits"),
        sub: subnav(&ctx),
        view,
        total: res.total,
        pager: Pager::new("/visits", &query, res.page, res.per_page, res.total),
        rows: res.items.into_iter().map(|r| list_item(lang, r)).collect(),
        query,
        districts,
        officers,
        officer_hint,
        enterprise,
        district_sel: f.district_id.unwrap_or(-1),
        officer_sel: f.officer_id.unwrap_or(-1),
        q,
    };
    render(&ctx, &p).map(IntoResponse::into_response)
}

async fn today(st: &AppState, ctx: &Ctx) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let now = st.app.now_ms();
    let month = YearMonth::of(now);
    let rows = st.app.officer_today(&ctx.actor).await?;
    let f = VisitFilter { month: Some(month.key()), ..Default::default() };
    let mine = st.app.visits(&ctx.actor, &f, Page::new(Some(1), Some(100)), &ctx.meta).await?;
    let p = TodayPage {
        c: chrome(ctx, "visits-today", lang.t("visits_today").to_string(), "visits"),
        sub: subnav(ctx),
        month: month.key(),
        days_left: month.days_left(now),
        behind: rows.iter().filter(|r| r.needed > 0).count(),
        today: rows
            .into_iter()
            .map(|r| TodayItem {
                last: r.last_visit_at.map_or_else(|| lang.t("never_visited").to_string(), display_cst),
                row: r,
            })
            .collect(),
        mine_total: mine.total,
        mine: mine.items.into_iter().map(|r| list_item(lang, r)).collect(),
    };
    render(ctx, &p)
}

/// GET /visits/export.xlsx — the filtered list.
pub async fn export(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<VisitQuery>,
) -> Result<Response, PageError> {
    let f = q.filter()?;
    let bytes = st.app.export_visits_xlsx(&ctx.actor, &f, &ctx.meta).await?;
    Ok(xlsx_response("visits", bytes))
}

// ---------------------------------------------------------------------------
// The visit form: GET /visits/new, POST /visits, GET /visits/{id}/edit, POST /visits/{id}
// ---------------------------------------------------------------------------

/// What the form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct FormValues {
    pub enterprise_id: i64,
    pub mode: String,
    pub started_at: String,
    pub ended_at: String,
    pub roles: Vec<String>,
    pub policy: String,
    pub needs: String,
    pub production_status: String,
    pub staff_situation: String,
    pub guidance: String,
    pub investment_leads: String,
    pub notes: String,
    pub lat: String,
    pub lon: String,
    pub accuracy_m: String,
    pub version: String,
    pub key: String,
}

/// The fields each role reveals, in order.
fn role_fields(r: VisitRole) -> &'static [&'static str] {
    match r {
        VisitRole::Confidence => &["production_status", "staff_situation"],
        VisitRole::Policy => &["policy"],
        VisitRole::Investment => &["investment_leads"],
        VisitRole::Difficulty => &["needs"],
        VisitRole::Epidemic => &["guidance"],
    }
}

impl FormValues {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut v = FormValues::default();
        for (k, val) in pairs {
            match k.as_str() {
                "enterprise_id" => v.enterprise_id = val.trim().parse().unwrap_or_default(),
                "mode" => v.mode = val,
                "started_at" => v.started_at = val,
                "ended_at" => v.ended_at = val,
                "policy" => v.policy = val,
                "needs" => v.needs = val,
                "production_status" => v.production_status = val,
                "staff_situation" => v.staff_situation = val,
                "guidance" => v.guidance = val,
                "investment_leads" => v.investment_leads = val,
                "notes" => v.notes = val,
                "lat" => v.lat = val,
                "lon" => v.lon = val,
                "accuracy_m" => v.accuracy_m = val,
                "version" => v.version = val,
                "key" => v.key = val,
                other => {
                    if let Some(r) = other.strip_prefix("role_").and_then(VisitRole::parse) {
                        if !val.is_empty() && !v.roles.iter().any(|x| x == r.as_str()) {
                            v.roles.push(r.as_str().to_string());
                        }
                    }
                }
            }
        }
        v
    }

    fn from_row(r: &VisitRow) -> Self {
        FormValues {
            enterprise_id: r.enterprise_id,
            mode: r.mode.clone(),
            started_at: local_input(r.started_at),
            ended_at: r.ended_at.map(local_input).unwrap_or_default(),
            roles: VisitRole::split(&r.roles).into_iter().map(|x| x.as_str().to_string()).collect(),
            policy: r.policy.clone(),
            needs: r.needs.clone(),
            production_status: r.production_status.clone().unwrap_or_default(),
            staff_situation: r.staff_situation.clone(),
            guidance: r.guidance.clone(),
            investment_leads: r.investment_leads.clone(),
            notes: r.notes.clone(),
            lat: fmt_f64(r.lat, 6),
            lon: fmt_f64(r.lon, 6),
            accuracy_m: fmt_f64(r.accuracy_m, 0),
            version: r.version.to_string(),
            key: String::new(),
        }
    }

    fn has_role(&self, r: VisitRole) -> bool {
        self.roles.iter().any(|x| x == r.as_str())
    }

    fn field(&self, name: &str) -> &str {
        match name {
            "policy" => &self.policy,
            "needs" => &self.needs,
            "production_status" => &self.production_status,
            "staff_situation" => &self.staff_situation,
            "guidance" => &self.guidance,
            "investment_leads" => &self.investment_leads,
            _ => "",
        }
    }

    /// The use case's input. The short fields of a role left unticked are
    /// hidden on the form and are not kept.
    fn input(&self) -> Result<VisitInput, AppError> {
        if self.enterprise_id <= 0 {
            return Err(FieldError::new("enterprise_id", "请选择企业 (choose an enterprise)").into());
        }
        if self.mode.trim().is_empty() {
            return Err(FieldError::new("mode", "请选择走访方式 (choose how the visit was made)").into());
        }
        let mode = parse_mode(&self.mode)?;
        if self.started_at.trim().is_empty() {
            return Err(FieldError::new("started_at", "请填写走访时间 (the start is required)").into());
        }
        let started_at = parse_local("started_at", &self.started_at)?;
        let ended_at = match self.ended_at.trim() {
            "" => None,
            s => Some(parse_local("ended_at", s)?),
        };
        let roles: Vec<VisitRole> = VisitRole::ALL.into_iter().filter(|r| self.has_role(*r)).collect();
        let kept = |r: VisitRole, s: &str| if self.has_role(r) { s.to_string() } else { String::new() };
        let (lat, lon) = (opt_f64("lat", &self.lat)?, opt_f64("lon", &self.lon)?);
        let accuracy_m = if lat.is_some() { opt_f64("accuracy_m", &self.accuracy_m)? } else { None };
        Ok(VisitInput {
            enterprise_id: self.enterprise_id,
            mode,
            started_at,
            ended_at,
            policy: kept(VisitRole::Policy, &self.policy),
            needs: kept(VisitRole::Difficulty, &self.needs),
            production_status: if self.has_role(VisitRole::Confidence) {
                parse_status(Some(&self.production_status))?
            } else {
                None
            },
            staff_situation: kept(VisitRole::Confidence, &self.staff_situation),
            guidance: kept(VisitRole::Epidemic, &self.guidance),
            investment_leads: kept(VisitRole::Investment, &self.investment_leads),
            notes: self.notes.clone(),
            roles,
            lat,
            lon,
            accuracy_m,
        })
    }
}

/// One short field of a role.
pub struct FieldBlock {
    pub name: &'static str,
    pub label: String,
    /// "textarea" or "status".
    pub kind: &'static str,
    pub value: String,
}

/// A role's checkbox and the fields it reveals.
pub struct RoleBlock {
    pub key: &'static str,
    pub label: String,
    pub checked: bool,
    pub fields: Vec<FieldBlock>,
}

#[derive(Template)]
#[template(path = "visit_form.html")]
struct FormPage {
    c: Chrome,
    action: String,
    editing: bool,
    visit_id: i64,
    enterprises: Vec<(i64, String)>,
    enterprise_name: String,
    v: FormValues,
    modes: Vec<(&'static str, String)>,
    roles: Vec<RoleBlock>,
    statuses: Vec<(&'static str, String)>,
    error: Option<String>,
}

fn field_label(name: &str) -> &'static str {
    match name {
        "photos" => "visit_photos",
        "policy" => "visit_policy",
        "needs" => "visit_needs",
        "production_status" => "visit_production",
        "staff_situation" => "visit_staff",
        "guidance" => "visit_guidance",
        "investment_leads" => "visit_investment",
        "started_at" => "visit_started",
        "ended_at" => "visit_ended",
        "mode" => "visit_mode",
        "roles" => "visit_roles",
        "notes" => "notes",
        _ => "",
    }
}

fn form_page(
    ctx: &Ctx,
    editing: Option<(i64, String)>,
    enterprises: Vec<(i64, String)>,
    v: FormValues,
    error: Option<String>,
) -> FormPage {
    let lang = ctx.lang;
    let roles = VisitRole::ALL
        .into_iter()
        .map(|r| RoleBlock {
            key: r.as_str(),
            label: role_label(lang, r),
            checked: v.has_role(r),
            fields: role_fields(r)
                .iter()
                .map(|name| FieldBlock {
                    name,
                    label: lang.t(field_label(name)).to_string(),
                    kind: if *name == "production_status" { "status" } else { "textarea" },
                    value: v.field(name).to_string(),
                })
                .collect(),
        })
        .collect();
    let modes = VisitMode::ALL.into_iter().map(|m| (m.as_str(), mode_label(lang, m.as_str()))).collect();
    let statuses = ProductionStatus::ALL.into_iter().map(|p| (p.as_str(), status_label(lang, p.as_str()))).collect();
    let (title, page, action, visit_id, enterprise_name) = match editing {
        Some((id, name)) => ("visit_edit", "visit-edit", format!("/visits/{id}"), id, name),
        None => ("visit_new", "visit-new", "/visits".to_string(), 0, String::new()),
    };
    FormPage {
        c: chrome(ctx, page, lang.t(title).to_string(), "visits"),
        editing: visit_id > 0,
        action,
        visit_id,
        enterprises,
        enterprise_name,
        v,
        modes,
        roles,
        statuses,
        error,
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewQuery {
    pub enterprise_id: Option<String>,
}

/// GET /visits/new?enterprise_id= — officers only.
pub async fn new_form(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<NewQuery>,
) -> Result<Html<String>, PageError> {
    st.app.require(&ctx.actor, Capability::VisitRecord, "record_visit", "form", &ctx.meta).await?;
    let enterprises = st.app.submittable_enterprises(&ctx.actor).await?;
    let wanted = parse_id("enterprise_id", &q.enterprise_id).ok().flatten();
    let v = FormValues {
        enterprise_id: wanted.filter(|w| enterprises.iter().any(|e| e.0 == *w)).unwrap_or_default(),
        mode: VisitMode::OnSite.as_str().to_string(),
        started_at: local_input(st.app.now_ms()),
        key: random_hex(),
        ..Default::default()
    };
    render(&ctx, &form_page(&ctx, None, enterprises, v, None))
}

/// POST /visits → the new visit's page. The form is multipart when photos
/// come with it: they are checked first (a refused photo records nothing),
/// then stored with the visit.
pub async fn create(State(st): State<AppState>, PageCtx(ctx): PageCtx, req: Request) -> Result<Response, PageError> {
    st.app.require(&ctx.actor, Capability::VisitRecord, "record_visit", "visits", &ctx.meta).await?;
    let (pairs, photos) = read_form_with_files(&st, &ctx, req, "photos").await?;
    let v = FormValues::from_pairs(pairs);
    if let Some(id) = recorded(&ctx.token, &v.key) {
        return Ok(see_other(&format!("/visits/{id}")));
    }
    let result = match v.input() {
        Ok(input) => match check_files(&st, &photos, "photos") {
            Ok(()) => st.app.record_visit(&ctx.actor, &input, &ctx.meta).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(row) => {
            remember(&ctx.token, &v.key, row.id);
            let mut failed = Vec::new();
            for (name, bytes) in &photos {
                let Some(bytes) = bytes else { continue };
                if let Err(e) = st
                    .app
                    .attach_to(&ctx.actor, zhuqi_app::attachments::Owner::Visit(row.id), name, bytes, &ctx.meta)
                    .await
                {
                    tracing::warn!(visit = row.id, error = %e, "a photo of a recorded visit was not stored");
                    failed.push(name.clone());
                }
            }
            let msg = if failed.is_empty() {
                ctx.lang.t("visit_saved").to_string()
            } else {
                format!("{}{}{}", ctx.lang.t("visit_photo_failed"), ctx.lang.t("colon"), failed.join("、"))
            };
            Ok(see_other(&format!("/visits/{}?msg={}", row.id, urlencode(&msg))))
        }
        Err(e) => {
            let msg = form_error(e, &ctx)?;
            let enterprises = st.app.submittable_enterprises(&ctx.actor).await?;
            Ok(unprocessable(render(&ctx, &form_page(&ctx, None, enterprises, v, Some(msg)))?))
        }
    }
}

/// The visit an officer may edit now: theirs, within 24 hours (403 after).
async fn editable_visit(st: &AppState, ctx: &Ctx, id: i64) -> Result<VisitDetail, PageError> {
    let target = format!("visit:{id}");
    st.app.require(&ctx.actor, Capability::VisitRecord, "edit_visit", &target, &ctx.meta).await?;
    let d = st.app.visit(&ctx.actor, id, &ctx.meta).await?;
    if !d.editable {
        return Err(AppError::Forbidden(format!(
            "走访记录只能在录入后24小时内修改 (visit {id} can no longer be edited)"
        ))
        .into());
    }
    Ok(d)
}

/// GET /visits/{id}/edit
pub async fn edit_form(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let d = editable_visit(&st, &ctx, id).await?;
    let v = FormValues { key: random_hex(), ..FormValues::from_row(&d.row) };
    render(&ctx, &form_page(&ctx, Some((id, d.row.enterprise_name.clone())), Vec::new(), v, None))
}

/// POST /visits/{id} — the edit (hidden `version`: a stale form is refused).
pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let target = format!("visit:{id}");
    st.app.require(&ctx.actor, Capability::VisitRecord, "edit_visit", &target, &ctx.meta).await?;
    let d = st.app.visit(&ctx.actor, id, &ctx.meta).await?;
    let mut v = FormValues::from_pairs(f.form);
    v.enterprise_id = d.row.enterprise_id;
    let version = v.version.trim().parse::<i64>().ok();
    let result = match v.input() {
        Ok(input) => st.app.edit_visit(&ctx.actor, id, &input, version, &ctx.meta).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/visits/{id}?msg={}", urlencode(ctx.lang.t("saved"))))),
        Err(e) => {
            let msg = form_error(e, &ctx)?;
            let page = form_page(&ctx, Some((id, d.row.enterprise_name.clone())), Vec::new(), v, Some(msg));
            Ok(unprocessable(render(&ctx, &page)?))
        }
    }
}

// ---------------------------------------------------------------------------
// GET /visits/{id}, POST /visits/{id}/demands
// ---------------------------------------------------------------------------

/// One earlier version, as what changed.
pub struct EditView {
    pub version: i64,
    pub at: String,
    pub by: String,
    /// (field, before, after)
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "visit.html")]
struct DetailPage {
    c: Chrome,
    v: VisitRow,
    mode: String,
    roles: String,
    started: String,
    ended: String,
    recorded: String,
    updated: String,
    editable: bool,
    editable_until: String,
    location: Option<(String, String, String)>,
    /// (label, text) of the fields filled in.
    facts: Vec<(String, String)>,
    edits: Vec<EditView>,
    demands: Vec<(i64, String)>,
    can_demand: bool,
    groups: Vec<CategoryGroup>,
    demand_category: String,
    demand_title: String,
    demand_description: String,
    message: Option<String>,
    error: Option<String>,
    /// Photos and documents: (id, file name, shown inline as an image, "kind · size").
    photos: Vec<(i64, String, bool, String)>,
    /// The viewer may add photos (the author, within 24 hours).
    can_attach: bool,
}

/// A value of a stored visit (as JSON) in words.
fn shown(lang: Lang, field: &str, v: &Value) -> String {
    match (field, v) {
        (_, Value::Null) => String::new(),
        ("started_at" | "ended_at", Value::Number(n)) => n.as_i64().map(display_cst).unwrap_or_default(),
        ("mode", Value::String(s)) => mode_label(lang, s),
        ("production_status", Value::String(s)) => status_label(lang, s),
        ("roles", Value::Array(a)) => {
            let joined = a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",");
            roles_label(lang, &joined)
        }
        ("lat" | "lon", Value::Number(n)) => fmt_f64(n.as_f64(), 6),
        ("accuracy_m", Value::Number(n)) => fmt_f64(n.as_f64(), 0),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The fields an edit may change, in the order the page lists them.
const EDITABLE: [&str; 14] = [
    "started_at",
    "ended_at",
    "mode",
    "roles",
    "policy",
    "needs",
    "production_status",
    "staff_situation",
    "guidance",
    "investment_leads",
    "notes",
    "lat",
    "lon",
    "accuracy_m",
];

fn edit_views(lang: Lang, d: &VisitDetail) -> Vec<EditView> {
    let current = serde_json::to_value(&d.row).unwrap_or(Value::Null);
    let mut out = Vec::new();
    for (i, e) in d.edits.iter().enumerate() {
        let after = d.edits.get(i + 1).map_or(&current, |n| &n.before);
        let changes = EDITABLE
            .iter()
            .filter_map(|k| {
                let (b, a) = (shown(lang, k, &e.before[*k]), shown(lang, k, &after[*k]));
                let label = match *k {
                    "lat" => lang.t("latitude"),
                    "lon" => lang.t("longitude"),
                    "accuracy_m" => lang.t("accuracy"),
                    other => lang.t(field_label(other)),
                };
                (b != a).then(|| (label.to_string(), b, a))
            })
            .collect();
        out.push(EditView {
            version: e.version,
            at: display_cst(e.edited_at),
            by: e.editor_name.clone().unwrap_or_default(),
            changes,
        });
    }
    out
}

async fn category_groups(st: &AppState) -> Result<Vec<CategoryGroup>, PageError> {
    Ok(super::demands::category_groups(&st.app.demand_categories().await?))
}

/// A demand title from the needs: their first line, at most 30 characters.
fn title_from(needs: &str) -> String {
    let first = needs.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let cut: String = first.chars().take(30).collect();
    cut.trim_end_matches(['，', '。', '；', ',', '.', ';']).to_string()
}

/// What the need → demand form holds: (category, title, description).
type NeedForm = (String, String, String);

async fn detail_page(
    st: &AppState,
    ctx: &Ctx,
    id: i64,
    message: Option<String>,
    need: Option<NeedForm>,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let d = st.app.visit(&ctx.actor, id, &ctx.meta).await?;
    let r = &d.row;
    let mut facts = Vec::new();
    for (k, val) in [
        ("visit_policy", r.policy.clone()),
        ("visit_needs", r.needs.clone()),
        ("visit_production", r.production_status.as_deref().map(|s| status_label(lang, s)).unwrap_or_default()),
        ("visit_staff", r.staff_situation.clone()),
        ("visit_guidance", r.guidance.clone()),
        ("visit_investment", r.investment_leads.clone()),
        ("notes", r.notes.clone()),
    ] {
        if !val.trim().is_empty() {
            facts.push((lang.t(k).to_string(), val));
        }
    }
    let location = match (r.lat, r.lon) {
        (Some(la), Some(lo)) => Some((
            fmt_f64(Some(la), 6),
            fmt_f64(Some(lo), 6),
            r.accuracy_m.map(|a| format!("±{a:.0} m")).unwrap_or_default(),
        )),
        _ => None,
    };
    let mut demands = Vec::new();
    let may_read_demands = st.app.demand_scope(&ctx.actor) != zhuqi_store::demands::DemandScope::Nothing;
    for did in &d.demand_ids {
        let title = if may_read_demands {
            st.app.demand(&ctx.actor, *did, &ctx.meta).await.map(|x| x.row.title).unwrap_or_default()
        } else {
            String::new()
        };
        demands.push((*did, title));
    }
    let relation = if r.officer_id == ctx.actor.user_id { Relation::Own } else { Relation::Outside };
    let can_demand = capability::allows(ctx.actor.role, Capability::VisitRecord, relation);
    let groups = if can_demand { category_groups(st).await? } else { Vec::new() };
    let (demand_category, demand_title, demand_description) =
        need.unwrap_or_else(|| (String::new(), title_from(&r.needs), r.needs.clone()));
    let p = DetailPage {
        c: chrome(ctx, "visit", format!("{} · {}", r.enterprise_name, display_cst(r.started_at)), "visits"),
        mode: mode_label(lang, &r.mode),
        roles: roles_label(lang, &r.roles),
        started: display_cst(r.started_at),
        ended: r.ended_at.map(display_cst).unwrap_or_default(),
        recorded: display_cst(r.created_at),
        updated: display_cst(r.updated_at),
        editable: d.editable,
        editable_until: display_cst(d.editable_until),
        location,
        facts,
        edits: edit_views(lang, &d),
        demands,
        can_demand,
        groups,
        demand_category,
        demand_title,
        demand_description,
        message,
        error,
        photos: d
            .attachments
            .iter()
            .map(|a| {
                let size = if a.size >= 1024 * 1024 {
                    format!("{:.1} MB", a.size as f64 / (1024.0 * 1024.0))
                } else {
                    format!("{} KB", (a.size + 1023) / 1024)
                };
                (a.id, a.file_name.clone(), zhuqi_app::attachments::is_inline_image(&a.content_type), size)
            })
            .collect(),
        can_attach: d.editable,
        v: d.row.clone(),
    };
    render(ctx, &p)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MsgQuery {
    pub msg: Option<String>,
}

/// GET /visits/{id}
pub async fn detail(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> Result<Html<String>, PageError> {
    detail_page(&st, &ctx, id, q.msg, None, None).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NeedFormBody {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
}

/// POST /visits/{id}/demands → the new demand's page.
pub async fn to_demand(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<NeedFormBody>,
) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let b = f.form;
    let target = format!("visit:{id}");
    st.app.require(&ctx.actor, Capability::VisitRecord, "visit_need_to_demand", &target, &ctx.meta).await?;
    match st.app.visit_need_to_demand(&ctx.actor, id, &b.category, &b.title, &b.description, &ctx.meta).await {
        Ok(demand) => Ok(see_other(&format!("/demands/{}", demand.id))),
        Err(e) => {
            let msg = form_error(e, &ctx)?;
            let html = detail_page(&st, &ctx, id, None, Some((b.category, b.title, b.description)), Some(msg)).await?;
            Ok(unprocessable(html))
        }
    }
}

// ---------------------------------------------------------------------------
// GET /visits/behind
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "visits_behind.html")]
struct BehindPage {
    c: Chrome,
    sub: Vec<(&'static str, String, &'static str)>,
    month: String,
    days_left: u32,
    rows: Vec<(BehindRow, String)>,
    officers: usize,
}

/// GET /visits/behind — this month's enterprises short of the rule.
pub async fn behind(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Html<String>, PageError> {
    let b = st.app.behind_this_month(&ctx.actor, &ctx.meta).await?;
    let lang = ctx.lang;
    let officers = b.rows.iter().map(|r| r.officer_id).collect::<std::collections::HashSet<_>>().len();
    let p = BehindPage {
        c: chrome(&ctx, "visits-behind", lang.t("visits_behind").to_string(), "visits"),
        sub: subnav(&ctx),
        days_left: b.days_left,
        officers,
        rows: b
            .rows
            .into_iter()
            .map(|r| {
                let last = r.last_visit_at.map_or_else(|| lang.t("none_this_month").to_string(), display_cst);
                (r, last)
            })
            .collect(),
        month: b.month,
    };
    render(&ctx, &p)
}

// ---------------------------------------------------------------------------
// GET /visits/compliance, GET /visits/compliance.xlsx, POST /visits/rule
// ---------------------------------------------------------------------------

/// One line of the chart: a district's rate month by month.
pub struct ChartLine {
    pub name: String,
    pub colour: &'static str,
    /// `points` attributes of the polylines (a month without enterprises breaks the line).
    pub segments: Vec<String>,
    /// (x, y, tooltip)
    pub dots: Vec<(String, String, String)>,
}

/// A line chart of compliance rates, drawn server-side as SVG.
pub struct Chart {
    pub width: i64,
    pub height: i64,
    pub left: String,
    pub right: String,
    /// (x, label) under the axis.
    pub months: Vec<(String, String)>,
    /// (y, label) of the horizontal grid lines.
    pub grid: Vec<(String, String)>,
    pub lines: Vec<ChartLine>,
    pub label_y: String,
}

const PALETTE: [&str; 12] = [
    "#c8102e", "#1f5fbf", "#2e7d32", "#f79009", "#6941c6", "#0e9384", "#dd2590", "#667085", "#b54708", "#155eef",
    "#4e5ba6", "#66c61c",
];

/// Lays the series out on a 480 × 260 canvas (scaled to the page width).
fn chart(lang: Lang, series: &ComplianceSeries) -> Chart {
    let (width, height) = (480_i64, 260_i64);
    // Room on the left for the percentages, on the right for the last month's label.
    let (left, right, top, bottom) = (40.0, 456.0, 12.0, 228.0);
    let n = series.months.len().max(1);
    let step = if n > 1 { (right - left) / (n - 1) as f64 } else { 0.0 };
    let x = |i: usize| if n > 1 { left + step * i as f64 } else { (left + right) / 2.0 };
    let y = |rate: f64| bottom - (bottom - top) * rate.clamp(0.0, 1.0);
    let f = |v: f64| format!("{v:.1}");
    let months =
        series.months.iter().enumerate().map(|(i, m)| (f(x(i)), m.get(2..).unwrap_or(m).replace('-', "/"))).collect();
    let grid = [0.0, 0.25, 0.5, 0.75, 1.0].iter().map(|r| (f(y(*r)), format!("{:.0}%", r * 100.0))).collect();
    let lines = series
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut segments = Vec::new();
            let mut current: Vec<String> = Vec::new();
            let mut dots = Vec::new();
            for (j, p) in d.points.iter().enumerate() {
                if p.enterprises == 0 {
                    if current.len() > 1 {
                        segments.push(current.join(" "));
                    }
                    current.clear();
                    continue;
                }
                let (px, py) = (f(x(j)), f(y(p.rate)));
                current.push(format!("{px},{py}"));
                let tip = if lang == Lang::En {
                    format!("{} {}: {} ({}/{})", d.name, p.month, pct(p.rate), p.compliant, p.enterprises)
                } else {
                    format!("{} {}：{}（{}/{}）", d.name, p.month, pct(p.rate), p.compliant, p.enterprises)
                };
                dots.push((px, py, tip));
            }
            if current.len() > 1 {
                segments.push(current.join(" "));
            }
            ChartLine { name: d.name.clone(), colour: PALETTE[i % PALETTE.len()], segments, dots }
        })
        .collect();
    Chart { width, height, left: f(left), right: f(right), months, grid, lines, label_y: f(bottom + 20.0) }
}

/// A district row of the report, ready to show.
pub struct DistrictView {
    pub d: DistrictCompliance,
    pub rate: String,
}

/// An officer row of the report, ready to show.
pub struct OfficerView {
    pub id: i64,
    pub name: String,
    pub district: String,
    pub enterprises: i64,
    pub compliant: i64,
    pub rate: String,
    pub behind: usize,
    /// The first enterprises behind, by name.
    pub behind_names: String,
}

/// The city admin's rule form.
pub struct RuleView {
    pub min_per_month: u32,
    pub on_site_only: bool,
    pub reminder_day: u32,
    /// (district id, name, its own minimum or empty)
    pub districts: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "visits_compliance.html")]
struct CompliancePage {
    c: Chrome,
    sub: Vec<(&'static str, String, &'static str)>,
    month: String,
    rule_text: String,
    districts: Vec<DistrictView>,
    officers: Vec<OfficerView>,
    chart: Option<Chart>,
    rule: Option<RuleView>,
    message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ComplianceQuery {
    pub month: Option<String>,
    pub msg: Option<String>,
}

fn rule_text(lang: Lang, min: u32, on_site_only: bool) -> String {
    let key = if on_site_only { "rule_on_site_only" } else { "rule_any_mode" };
    lang.t(key).replace("{n}", &min.to_string())
}

/// GET /visits/compliance?month=YYYY-MM
pub async fn compliance(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<ComplianceQuery>,
) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let month = month_or_now(&st, q.month.as_deref());
    let report = st.app.compliance(&ctx.actor, &month, &ctx.meta).await?;
    let chart = if ctx.actor.may(Capability::CoverageRead) {
        let to = YearMonth::parse(&report.month).map_err(AppError::from)?;
        let mut from = to;
        for _ in 0..5 {
            from = from.prev();
        }
        let series = st.app.compliance_by_month(&ctx.actor, &from.key(), &to.key(), &ctx.meta).await?;
        Some(chart(lang, &series))
    } else {
        None
    };
    let rule = if ctx.actor.may(Capability::VisitRuleManage) {
        let s = st.app.visit_rule_settings().await?;
        let own: HashMap<i64, u32> = s.overrides.iter().map(|o| (o.district_id, o.min_per_month)).collect();
        let districts = st
            .app
            .districts()
            .await?
            .into_iter()
            .map(|d| (d.id, d.name, own.get(&d.id).map(|n| n.to_string()).unwrap_or_default()))
            .collect();
        Some(RuleView {
            min_per_month: s.city.min_per_month,
            on_site_only: s.city.on_site_only,
            reminder_day: s.reminder_day,
            districts,
        })
    } else {
        None
    };
    let sep = if lang == Lang::En { ", " } else { "、" };
    // The officers furthest behind first.
    let mut by_rate: Vec<&zhuqi_app::visits::OfficerCompliance> = report.officers.iter().collect();
    by_rate.sort_by(|a, b| a.rate.total_cmp(&b.rate).then(b.behind.len().cmp(&a.behind.len())));
    let officers = by_rate
        .into_iter()
        .map(|o| {
            let mut names: Vec<&str> = o.behind.iter().take(3).map(|b| b.name.as_str()).collect();
            if o.behind.len() > 3 {
                names.push("…");
            }
            OfficerView {
                id: o.officer_id,
                name: o.name.clone(),
                district: o.district.clone(),
                enterprises: o.enterprises,
                compliant: o.compliant,
                rate: pct(o.rate),
                behind: o.behind.len(),
                behind_names: names.join(sep),
            }
        })
        .collect();
    let p = CompliancePage {
        c: chrome(&ctx, "visits-compliance", lang.t("visits_compliance").to_string(), "visits"),
        sub: subnav(&ctx),
        rule_text: rule_text(lang, report.rule.min_per_month, report.rule.on_site_only),
        districts: report.districts.iter().map(|d| DistrictView { rate: pct(d.rate), d: d.clone() }).collect(),
        officers,
        chart,
        rule,
        message: q.msg,
        month: report.month,
    };
    render(&ctx, &p)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MonthOnly {
    pub month: Option<String>,
}

/// GET /visits/compliance.xlsx?month=YYYY-MM
pub async fn compliance_export(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<MonthOnly>,
) -> Result<Response, PageError> {
    let month = month_or_now(&st, q.month.as_deref());
    let bytes = st.app.export_compliance_xlsx(&ctx.actor, &month, &ctx.meta).await?;
    Ok(xlsx_response(&format!("visit-compliance-{month}"), bytes))
}

fn u32_field(field: &str, v: &str) -> Result<u32, AppError> {
    v.trim()
        .parse()
        .map_err(|_| FieldError::new(field, format!("“{}”不是正整数 (a whole number is required)", v.trim())).into())
}

/// POST /visits/rule — the city admin sets the rule: the minimum per month,
/// whether only on-site visits count, the reminder day, and each district's
/// own minimum (`district_<id>`, empty: the city's).
pub async fn set_rule(State(st): State<AppState>, f: CsrfForm<Vec<(String, String)>>) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    st.app.require(&ctx.actor, Capability::VisitRuleManage, "set_visit_rule", "setting:visit_rule", &ctx.meta).await?;
    let form: HashMap<String, String> = f.form.into_iter().collect();
    let get = |k: &str| form.get(k).map_or("", String::as_str);
    let month = get("month").trim().to_string();
    let result = async {
        let update = VisitRuleUpdate {
            min_per_month: u32_field("min_per_month", get("min_per_month"))?,
            on_site_only: !get("on_site_only").is_empty(),
            reminder_day: u32_field("reminder_day", get("reminder_day"))?,
        };
        st.app.set_visit_rule(&ctx.actor, &update, &ctx.meta).await?;
        let current: HashMap<i64, u32> = st
            .app
            .visit_rule_settings()
            .await?
            .overrides
            .into_iter()
            .map(|o| (o.district_id, o.min_per_month))
            .collect();
        for (k, v) in &form {
            let Some(d) = k.strip_prefix("district_").and_then(|d| d.parse::<i64>().ok()) else { continue };
            let wanted = match v.trim() {
                "" => None,
                s => Some(u32_field(k, s)?),
            };
            if wanted != current.get(&d).copied() {
                st.app.set_district_visit_min(&ctx.actor, d, wanted, &ctx.meta).await?;
            }
        }
        Ok::<(), AppError>(())
    }
    .await;
    let msg = match result {
        Ok(()) => ctx.lang.t("saved").to_string(),
        Err(e) => form_error(e, &ctx)?,
    };
    let m = if YearMonth::parse(&month).is_ok() { format!("month={month}&") } else { String::new() };
    Ok(Redirect::to(&format!("/visits/compliance?{m}msg={}#rule", urlencode(&msg))))
}

// ---------------------------------------------------------------------------
// Campaigns: GET/POST /visits/campaigns, GET /visits/campaigns/{id}
// ---------------------------------------------------------------------------

/// A campaign as the list shows it.
pub struct CampaignView {
    pub id: i64,
    pub name: String,
    pub area: String,
    pub starts_on: String,
    pub ends_on: String,
    /// "upcoming", "running" or "finished".
    pub state: &'static str,
    pub state_label: String,
}

/// What the create form holds.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub district_id: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
}

#[derive(Template)]
#[template(path = "visits_campaigns.html")]
struct CampaignsPage {
    c: Chrome,
    sub: Vec<(&'static str, String, &'static str)>,
    rows: Vec<CampaignView>,
    can_create: bool,
    /// The city admin picks the area (empty: the whole city).
    districts: Vec<(i64, String)>,
    form: CampaignForm,
    error: Option<String>,
}

async fn campaigns_page(
    st: &AppState,
    ctx: &Ctx,
    form: Option<CampaignForm>,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let list = st.app.campaigns(&ctx.actor, &ctx.meta).await?;
    let today = zhuqi_domain::visit::china_date(st.app.now_ms()).format("%Y-%m-%d").to_string();
    let rows = list
        .into_iter()
        .map(|c| {
            let state = if today < c.starts_on {
                "upcoming"
            } else if today > c.ends_on {
                "finished"
            } else {
                "running"
            };
            CampaignView {
                id: c.id,
                area: c.district_name.clone().unwrap_or_else(|| lang.t("whole_city").to_string()),
                name: c.name,
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                state,
                state_label: lang.t(&format!("campaign_{state}")).to_string(),
            }
        })
        .collect();
    let can_create = ctx.actor.may_in_district(Capability::CampaignManage, None)
        || ctx.actor.may_in_district(Capability::CampaignManage, ctx.actor.district_id);
    let districts = if capability::reach(ctx.actor.role, Capability::CampaignManage) == Some(Reach::All) {
        st.app.districts().await?.into_iter().map(|d| (d.id, d.name)).collect()
    } else {
        Vec::new()
    };
    let p = CampaignsPage {
        c: chrome(ctx, "visits-campaigns", lang.t("visits_campaigns").to_string(), "visits"),
        sub: subnav(ctx),
        rows,
        can_create,
        districts,
        form: form.unwrap_or_default(),
        error,
    };
    render(ctx, &p)
}

/// GET /visits/campaigns
pub async fn campaigns(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Html<String>, PageError> {
    campaigns_page(&st, &ctx, None, None).await
}

/// POST /visits/campaigns → the new campaign's coverage.
pub async fn create_campaign(State(st): State<AppState>, f: CsrfForm<CampaignForm>) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let form = f.form;
    let result = match crate::api::visits::parse_id("district_id", &Some(form.district_id.clone())) {
        Ok(district_id) => {
            let input = CampaignInput {
                name: form.name.clone(),
                district_id,
                starts_on: form.starts_on.clone(),
                ends_on: form.ends_on.clone(),
            };
            st.app.create_campaign(&ctx.actor, &input, &ctx.meta).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(see_other(&format!("/visits/campaigns/{}", c.id))),
        Err(e) => {
            let msg = form_error(e, &ctx)?;
            Ok(unprocessable(campaigns_page(&st, &ctx, Some(form), Some(msg)).await?))
        }
    }
}

/// A township row of the coverage, ready to show.
pub struct TownshipView {
    pub district: String,
    pub township: String,
    pub enterprises: i64,
    pub visited: i64,
    pub missing: i64,
    pub rate: String,
    /// Whole percent, for the bar.
    pub percent: i64,
}

#[derive(Template)]
#[template(path = "visit_campaign.html")]
struct CampaignPage {
    c: Chrome,
    sub: Vec<(&'static str, String, &'static str)>,
    cov: CampaignCoverage,
    area: String,
    rate: String,
    percent: i64,
    rows: Vec<TownshipView>,
}

/// GET /visits/campaigns/{id} — coverage per township.
pub async fn campaign(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let cov = st.app.campaign_coverage(&ctx.actor, id, &ctx.meta).await?;
    let whole = |r: f64| (r * 100.0).floor() as i64;
    let rows = cov
        .townships
        .iter()
        .map(|t| TownshipView {
            district: t.district_name.clone(),
            township: t.township_name.clone(),
            enterprises: t.enterprises,
            visited: t.visited_on_site,
            missing: t.enterprises - t.visited_on_site,
            rate: pct(t.rate),
            percent: whole(t.rate),
        })
        .collect();
    let p = CampaignPage {
        c: chrome(&ctx, "visit-campaign", cov.campaign.name.clone(), "visits"),
        sub: subnav(&ctx),
        area: cov.campaign.district_name.clone().unwrap_or_else(|| lang.t("whole_city").to_string()),
        rate: pct(cov.rate),
        percent: whole(cov.rate),
        rows,
        cov,
    };
    render(&ctx, &p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhuqi_app::visits::{DistrictSeries, MonthPoint};

    #[test]
    fn a_datetime_local_value_is_china_time() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 5, 31, 15, 30, 0).unwrap().timestamp_millis();
        assert_eq!(parse_local("started_at", "2026-05-31T23:30").unwrap(), at);
        assert_eq!(parse_local("started_at", "2026-05-31T23:30:00+08:00").unwrap(), at);
        assert_eq!(local_input(at), "2026-05-31T23:30");
        let e = parse_local("ended_at", "31/05/2026").unwrap_err();
        assert!(matches!(e, AppError::Invalid(f) if f.field == "ended_at"));
    }

    #[test]
    fn the_chart_breaks_a_line_where_a_month_has_no_enterprises() {
        let point = |month: &str, enterprises: i64, compliant: i64| MonthPoint {
            month: month.into(),
            enterprises,
            compliant,
            rate: if enterprises > 0 { compliant as f64 / enterprises as f64 } else { 0.0 },
        };
        let series = ComplianceSeries {
            months: vec!["2026-04".into(), "2026-05".into(), "2026-06".into(), "2026-07".into()],
            districts: vec![DistrictSeries {
                district_id: 1,
                name: "莲都区".into(),
                points: vec![
                    point("2026-04", 10, 10),
                    point("2026-05", 10, 5),
                    point("2026-06", 0, 0),
                    point("2026-07", 4, 1),
                ],
            }],
        };
        let c = chart(Lang::Zh, &series);
        assert_eq!(c.months.iter().map(|m| m.1.as_str()).collect::<Vec<_>>(), ["26/04", "26/05", "26/06", "26/07"]);
        let line = &c.lines[0];
        // 100% at the top, 50% half-way down; June has no enterprises: one segment and a lone dot.
        assert_eq!(line.segments, ["40.0,12.0 178.7,120.0"]);
        assert_eq!(line.dots.len(), 3);
        assert!(line.dots[2].2.contains("25.0%（1/4）"), "{}", line.dots[2].2);
        assert_eq!(c.grid.first().map(|g| g.1.as_str()), Some("0%"));
    }

    #[test]
    fn a_demand_title_comes_from_the_first_line_of_the_needs() {
        assert_eq!(title_from("\n 货车进不了园区，物流受限。\n第二行"), "货车进不了园区，物流受限");
        assert_eq!(title_from(&"长".repeat(40)).chars().count(), 30);
        assert_eq!(title_from(""), "");
    }
}
