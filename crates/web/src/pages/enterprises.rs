//! Enterprises: list with search, district filter and pagination; detail
//! with officer and history; (re)assignment form; Excel export.

use super::{chrome, parse_opt_i64, query_string, render, Chrome, Pager};
use crate::ctx::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhuqi_app::directory::EnterpriseDetail;
use zhuqi_domain::capability::Capability;
use zhuqi_domain::clock::display_cst;
use zhuqi_store::enterprises::{EnterpriseFilter, EnterpriseRow};
use zhuqi_store::regions::Region;
use zhuqi_store::users::{OfficerFilter, OfficerRow};
use zhuqi_store::Page;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    pub q: Option<String>,
    pub district: Option<String>,
    pub unassigned: Option<String>,
    /// `1` or `true`: also deregistered enterprises (shown as 已注销).
    pub include_deregistered: Option<String>,
    pub page: Option<i64>,
}

impl ListQuery {
    fn with_deregistered(&self) -> bool {
        matches!(self.include_deregistered.as_deref(), Some("1" | "true"))
    }

    pub fn filter(&self) -> EnterpriseFilter {
        EnterpriseFilter {
            q: self.q.clone(),
            district_id: parse_opt_i64(&self.district),
            unassigned: self.unassigned.as_deref() == Some("1"),
            include_deregistered: self.with_deregistered(),
            ..Default::default()
        }
    }

    fn query(&self) -> String {
        query_string(&[
            ("q", self.q.clone().unwrap_or_default()),
            ("district", self.district.clone().unwrap_or_default()),
            ("unassigned", self.unassigned.clone().unwrap_or_default()),
            ("include_deregistered", self.include_deregistered.clone().unwrap_or_default()),
        ])
    }
}

#[derive(Template)]
#[template(path = "enterprises.html")]
struct ListPage {
    c: Chrome,
    q: String,
    district_sel: i64,
    unassigned: bool,
    include_deregistered: bool,
    districts: Vec<Region>,
    items: Vec<EnterpriseRow>,
    total: i64,
    query: String,
    pager: Pager,
}

/// Districts the actor may filter by (all for actors whose reach spans
/// districts, else their own).
pub async fn district_choices(st: &AppState, ctx: &crate::ctx::Ctx) -> Result<Vec<Region>, PageError> {
    let all = st.app.districts().await?;
    Ok(match ctx.actor.district_id {
        Some(d) if !ctx.actor.spans_districts(Capability::EnterpriseRead) => {
            all.into_iter().filter(|r| r.id == d).collect()
        }
        _ => all,
    })
}

/// GET /enterprises
pub async fn list(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let page = Page::new(q.page, Some(30));
    let res = st.app.enterprises(&ctx.actor, &q.filter(), page, &ctx.meta).await?;
    let districts = district_choices(&st, &ctx).await?;
    let title = super::nav_label(ctx.actor.role, "enterprises", "enterprises");
    let query = q.query();
    let p = ListPage {
        c: chrome(&ctx, "enterprises", ctx.lang.t(title).to_string(), "enterprises"),
        q: q.q.clone().unwrap_or_default(),
        district_sel: parse_opt_i64(&q.district).unwrap_or(-1),
        unassigned: q.unassigned.as_deref() == Some("1"),
        include_deregistered: q.with_deregistered(),
        districts,
        total: res.total,
        pager: Pager::new("/enterprises", &query, res.page, res.per_page, res.total),
        query,
        items: res.items,
    };
    render(&ctx, &p)
}

/// GET /enterprises/export.xlsx
pub async fn export(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let bytes = st.app.export_enterprises_xlsx(&ctx.actor, &q.filter(), &ctx.meta).await?;
    Ok(xlsx_response("enterprises", bytes))
}

/// An `.xlsx` download.
pub fn xlsx_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.xlsx\"")),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct DetailPage {
    c: Chrome,
    e: EnterpriseDetail,
    industry_name: String,
    can_assign: bool,
    officer_sel: i64,
    candidates: Vec<OfficerRow>,
    /// (officer, from, to, by, reason)
    history: Vec<(String, String, String, String, String)>,
    /// The enterprise code, for those who manage the enterprise.
    code: Option<super::enterprise_code::CodeSection>,
    /// Edit and deregister forms (enterprise.manage, not deregistered).
    can_manage: bool,
    townships: Vec<Region>,
    township_sel: i64,
    /// (when, who, field label, old, new)
    changes: Vec<(String, String, String, String, String)>,
    /// "注销 2026-11-20：reason" when deregistered.
    deregistered: Option<String>,
    today: String,
}

/// GET /enterprises/{id}
pub async fn detail(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let e = st.app.enterprise(&ctx.actor, id, &ctx.meta).await?;
    let can_assign = ctx.actor.may_assign_in(e.enterprise.district_id);
    let candidates = if can_assign {
        let f = OfficerFilter { district_id: Some(e.enterprise.district_id), ..Default::default() };
        st.app.officers(&ctx.actor, &f, Page::new(Some(1), Some(500)), &ctx.meta).await?.items
    } else {
        Vec::new()
    };
    let current = ctx.lang.t("current").to_string();
    let history = e
        .history
        .iter()
        .map(|h| {
            (
                h.officer_name.clone(),
                display_cst(h.valid_from),
                h.valid_to.map_or_else(|| current.clone(), display_cst),
                h.assigned_by_name.clone().unwrap_or_default(),
                h.reason.clone(),
            )
        })
        .collect();
    let code = super::enterprise_code::section(&st, &ctx, id, e.enterprise.district_id).await;
    let can_manage = ctx.actor.may_in_district(Capability::EnterpriseManage, Some(e.enterprise.district_id))
        && !e.enterprise.is_deregistered();
    let townships = if can_manage { st.app.townships_of(e.enterprise.district_id).await? } else { Vec::new() };
    let changes = e
        .changes
        .iter()
        .map(|x| {
            let key = format!("field_{}", x.field);
            let label = match ctx.lang.t(&key) {
                "" => x.field.clone(),
                l => l.to_string(),
            };
            (
                display_cst(x.changed_at),
                x.changed_by_name.clone().unwrap_or_default(),
                label,
                x.old_value.clone(),
                x.new_value.clone(),
            )
        })
        .collect();
    let deregistered = e.enterprise.deregister_kind.as_deref().map(|k| {
        let kind = ctx.lang.t(if k == "moved_out" { "dereg_moved_out" } else { "dereg_cancelled" });
        format!(
            "{kind} {}：{}",
            e.enterprise.deregistered_on.clone().unwrap_or_default(),
            e.enterprise.deregister_reason
        )
    });
    let today = zhuqi_domain::clock::rfc3339_cst(st.app.now_ms()).chars().take(10).collect();
    let p = DetailPage {
        can_manage,
        township_sel: e.enterprise.township_id.unwrap_or(-1),
        townships,
        changes,
        deregistered,
        today,
        code,
        c: chrome(&ctx, "enterprise", e.enterprise.name.clone(), "enterprises"),
        industry_name: zhuqi_domain::enterprise::industry_section_name(&e.enterprise.industry_code).to_string(),
        can_assign,
        officer_sel: e.enterprise.officer_id.unwrap_or(-1),
        candidates,
        history,
        e,
    };
    render(&ctx, &p)
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    pub officer_id: i64,
    #[serde(default)]
    pub reason: String,
}

/// POST /enterprises/{id}/assign
pub async fn assign(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<AssignForm>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    st.app.assign(&ctx.actor, id, f.form.officer_id, &f.form.reason, &ctx.meta).await?;
    Ok(Redirect::to(&format!("/enterprises/{id}")))
}

/// The edit form: every field is sent; only those that differ change.
#[derive(Debug, Deserialize)]
pub struct EditForm {
    pub name: Option<String>,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub industry_code: Option<String>,
    pub size: Option<String>,
    pub township_id: Option<String>,
}

/// POST /enterprises/{id}/edit
pub async fn edit(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<EditForm>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    let mut body = serde_json::Map::new();
    let form = f.form;
    for (k, v) in [
        ("name", form.name),
        ("address", form.address),
        ("contact_name", form.contact_name),
        ("contact_phone", form.contact_phone),
        ("industry_code", form.industry_code),
        ("size", form.size),
        ("township_id", form.township_id),
    ] {
        if let Some(v) = v {
            body.insert(k.to_string(), serde_json::Value::String(v));
        }
    }
    st.app.edit_enterprise(&ctx.actor, id, &serde_json::Value::Object(body), &ctx.meta).await?;
    Ok(Redirect::to(&format!("/enterprises/{id}")))
}

/// POST /enterprises/{id}/deregister (the form asks for a confirmation tick).
pub async fn deregister(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<zhuqi_app::officers_enterprises::DeregisterInput>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    st.app.deregister_enterprise(&ctx.actor, id, &f.form, &ctx.meta).await?;
    Ok(Redirect::to(&format!("/enterprises/{id}")))
}
