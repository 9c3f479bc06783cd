//! Hot-issue pages (热点问题): the list (flagged first, a status filter, the
//! detection parameters with the city admin's form) and one issue with its
//! member demands, shared key terms, history and the coordinator's three
//! decisions (confirm, merge into a lead demand, dismiss with a reason).

use super::{chrome, query_string, render, Chrome, Pager};
use crate::api::hot_issues::HotIssueQuery;
use crate::ctx::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::flash::Flash;
use crate::i18n::Lang;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use serde::Deserialize;
use zhuqi_app::hot_issues::{DecisionInput, HotIssueDetail};
use zhuqi_app::AppError;
use zhuqi_domain::clock::display_cst;
use zhuqi_domain::hot_issues::{Decision, HotStatus, Params};
use zhuqi_domain::Capability;
use zhuqi_store::Page;

fn status_label(lang: Lang, s: &str) -> String {
    HotStatus::parse(s).map_or_else(
        || s.to_string(),
        |st| if lang == Lang::En { st.label_en().to_string() } else { st.label_zh().to_string() },
    )
}

fn day(ms: i64) -> String {
    display_cst(ms).chars().take(10).collect()
}

/// A list row, ready to show.
pub struct Row {
    pub id: i64,
    pub title: String,
    pub status: String,
    pub status_label: String,
    pub terms: Vec<String>,
    pub span: String,
    pub demands: i64,
    pub enterprises: i64,
    pub districts: i64,
}

#[derive(Template)]
#[template(path = "hot_issues.html")]
struct ListPage {
    c: Chrome,
    status: String,
    statuses: Vec<(String, String)>,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    params: Params,
    /// The similarity threshold and significance as people read them (0.25, 3.0).
    similarity: String,
    significance: String,
    can_configure: bool,
    message: Option<Flash>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    pub status: Option<String>,
    pub page: Option<i64>,
    /// A sealed one-time notice ([`crate::flash`]).
    pub flash: Option<String>,
}

/// GET /hot-issues
pub async fn list(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let hq = HotIssueQuery { status: q.status.clone(), page: q.page, per_page: Some(30) };
    let p = st.app.hot_issues(&ctx.actor, hq.status.as_deref(), Page::new(hq.page, hq.per_page), &ctx.meta).await?;
    let params = st.app.hot_issue_params().await?;
    let status = q.status.clone().unwrap_or_default();
    let rows = p
        .items
        .into_iter()
        .map(|i| Row {
            id: i.issue.id,
            title: format!(
                "{} {}",
                i.issue.category_name,
                i.key_terms.iter().take(3).cloned().collect::<Vec<_>>().join("·")
            ),
            status_label: status_label(lang, &i.issue.status),
            status: i.issue.status.clone(),
            terms: i.key_terms,
            span: format!("{} – {}", day(i.issue.first_at), day(i.issue.last_at)),
            demands: i.issue.demand_count,
            enterprises: i.issue.enterprise_count,
            districts: i.issue.district_count,
        })
        .collect();
    let page = ListPage {
        c: chrome(&ctx, "hot_issues", lang.t("hot_issues").into(), "hot_issues"),
        statuses: HotStatus::ALL.iter().map(|s| (s.as_str().to_string(), status_label(lang, s.as_str()))).collect(),
        pager: Pager::new("/hot-issues", &query_string(&[("status", status.clone())]), p.page, p.per_page, p.total),
        status,
        rows,
        total: p.total,
        similarity: format!("{:.2}", f64::from(params.min_similarity_pct) / 100.0),
        significance: format!("{:.1}", f64::from(params.min_significance_pct) / 100.0),
        params,
        can_configure: ctx.actor.may(Capability::HotIssueConfigure),
        message: crate::flash::read(&ctx, q.flash.as_deref()),
    };
    render(&ctx, &page)
}

/// A member demand, ready to show.
pub struct Member {
    pub id: i64,
    pub title: String,
    pub enterprise: String,
    pub district: String,
    pub at: String,
    pub status: String,
    pub status_label: String,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "hot_issue.html")]
struct DetailPage {
    c: Chrome,
    d: HotIssueDetail,
    status_label: String,
    span: String,
    members: Vec<Member>,
    events: Vec<(String, String, String, String)>,
    decided: Option<String>,
    message: Option<Flash>,
}

#[derive(Debug, Deserialize, Default)]
pub struct DetailQuery {
    /// A sealed one-time notice ([`crate::flash`]).
    pub flash: Option<String>,
}

/// GET /hot-issues/{id}
pub async fn detail(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let d = st.app.hot_issue(&ctx.actor, id, &ctx.meta).await?;
    let demand_status = |s: &str| {
        zhuqi_domain::demand::Status::parse(s).map_or_else(
            || s.to_string(),
            |st| if lang == Lang::En { st.label_en().to_string() } else { st.label_zh().to_string() },
        )
    };
    let members = d
        .members
        .iter()
        .map(|m| Member {
            id: m.demand_id,
            title: m.title.clone(),
            enterprise: m.enterprise_name.clone(),
            district: m.district_name.clone(),
            at: display_cst(m.submitted_at),
            status_label: demand_status(&m.status),
            open: !matches!(m.status.as_str(), "merged" | "withdrawn" | "rejected"),
            status: m.status.clone(),
        })
        .collect();
    let events = d
        .events
        .iter()
        .map(|e| {
            (
                display_cst(e.at),
                e.actor_name.clone().unwrap_or_else(|| lang.t("system").to_string()),
                lang.t(&format!("hot_event_{}", e.kind)).to_string(),
                e.note.clone(),
            )
        })
        .collect();
    let decided = match (&d.issue.decided_by_name, d.issue.decided_at) {
        (Some(n), Some(at)) => Some(format!("{n} · {}", display_cst(at))),
        _ => None,
    };
    let title = format!("{} {}", lang.t("hot_issue"), d.issue.category_name);
    let p = DetailPage {
        c: chrome(&ctx, "hot_issue", title, "hot_issues"),
        status_label: status_label(lang, &d.issue.status),
        span: format!("{} – {}", display_cst(d.issue.first_at), display_cst(d.issue.last_at)),
        members,
        events,
        decided,
        message: crate::flash::read(&ctx, q.flash.as_deref()),
        d,
    };
    render(&ctx, &p)
}

#[derive(Debug, Deserialize, Default)]
pub struct DecisionForm {
    pub reason: Option<String>,
    pub lead_demand_id: Option<String>,
}

async fn decide(st: AppState, id: i64, d: Decision, f: CsrfForm<DecisionForm>) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    let lead = match f.form.lead_demand_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let flash = Flash::error(format!("lead_demand_id: '{s}' is not a number"));
                return Ok(Redirect::to(&format!("/hot-issues/{id}?{}", crate::flash::query(&ctx, &flash))));
            }
        },
    };
    let input = DecisionInput { reason: f.form.reason.unwrap_or_default(), lead_demand_id: lead };
    let flash = match st.app.decide_hot_issue(&ctx.actor, id, d, &input, &ctx.meta).await {
        Ok(_) => Flash::ok(ctx.lang.t("saved")),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => Flash::error(crate::error::public_message(&e)),
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/hot-issues/{id}?{}", crate::flash::query(&ctx, &flash))))
}

/// POST /hot-issues/{id}/actions/confirm
pub async fn confirm(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<DecisionForm>,
) -> Result<Redirect, PageError> {
    decide(st, id, Decision::Confirm, f).await
}

/// POST /hot-issues/{id}/actions/merge
pub async fn merge(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<DecisionForm>,
) -> Result<Redirect, PageError> {
    decide(st, id, Decision::Merge, f).await
}

/// POST /hot-issues/{id}/actions/dismiss
pub async fn dismiss(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<DecisionForm>,
) -> Result<Redirect, PageError> {
    decide(st, id, Decision::Dismiss, f).await
}

#[derive(Debug, Deserialize, Default)]
pub struct SettingsForm {
    pub min_enterprises: String,
    pub window_days: String,
    pub min_similarity: String,
    pub min_significance: String,
}

/// POST /hot-issues/settings (city admin): K, D, the threshold (0.01–1.00)
/// and the significance (0–20).
pub async fn set_settings(State(st): State<AppState>, f: CsrfForm<SettingsForm>) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    let form = f.form;
    let whole = |name: &str, v: &str| -> Result<u32, String> {
        v.trim().parse::<u32>().map_err(|_| format!("{name}: '{}' 不是正整数 (not a whole number)", v.trim()))
    };
    let hundredths = |name: &str, v: &str| -> Result<u32, String> {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0 && *x <= 1000.0)
            .map(|x| (x * 100.0).round() as u32)
            .ok_or_else(|| format!("{name}: '{}' 不是数字 (not a number)", v.trim()))
    };
    let parsed = (|| {
        Ok::<_, String>(Params {
            min_enterprises: whole("min_enterprises", &form.min_enterprises)?,
            window_days: whole("window_days", &form.window_days)?,
            min_similarity_pct: hundredths("min_similarity_pct", &form.min_similarity)?,
            min_significance_pct: hundredths("min_significance_pct", &form.min_significance)?,
        })
    })();
    let flash = match parsed {
        Err(m) => Flash::error(m),
        Ok(p) => match st.app.set_hot_issue_params(&ctx.actor, &p, &ctx.meta).await {
            Ok(()) => Flash::ok(ctx.lang.t("saved")),
            Err(e @ AppError::Invalid(_)) => Flash::error(crate::error::public_message(&e)),
            Err(e) => return Err(e.into()),
        },
    };
    Ok(Redirect::to(&format!("/hot-issues?{}", crate::flash::query(&ctx, &flash))))
}
