//! Officers: list (scoped), detail with the enterprises served, export.

use super::enterprises::{district_choices, xlsx_response};
use super::{chrome, parse_opt_i64, query_string, render, Chrome, Pager};
use crate::ctx::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect, Response};
use serde::Deserialize;
use zhuqi_app::directory::OfficerDetail;
use zhuqi_app::officers_enterprises::{HandoverInput, TransferInput};
use zhuqi_domain::clock::display_cst;
use zhuqi_store::regions::Region;
use zhuqi_store::users::{OfficerFilter, OfficerRow};
use zhuqi_store::Page;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    pub q: Option<String>,
    pub district: Option<String>,
    pub idle: Option<String>,
    pub page: Option<i64>,
}

impl ListQuery {
    pub fn filter(&self) -> OfficerFilter {
        OfficerFilter {
            q: self.q.clone(),
            district_id: parse_opt_i64(&self.district),
            idle: self.idle.as_deref() == Some("1"),
            ..Default::default()
        }
    }
}

#[derive(Template)]
#[template(path = "officers.html")]
struct ListPage {
    c: Chrome,
    q: String,
    district_sel: i64,
    idle: bool,
    districts: Vec<Region>,
    items: Vec<OfficerRow>,
    total: i64,
    query: String,
    pager: Pager,
}

/// GET /officers
pub async fn list(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let res = st.app.officers(&ctx.actor, &q.filter(), Page::new(q.page, Some(30)), &ctx.meta).await?;
    let districts = district_choices(&st, &ctx).await?;
    let query = query_string(&[
        ("q", q.q.clone().unwrap_or_default()),
        ("district", q.district.clone().unwrap_or_default()),
        ("idle", q.idle.clone().unwrap_or_default()),
    ]);
    let title = super::nav_label(ctx.actor.role, "officers", "officers");
    let p = ListPage {
        c: chrome(&ctx, "officers", ctx.lang.t(title).to_string(), "officers"),
        q: q.q.clone().unwrap_or_default(),
        district_sel: parse_opt_i64(&q.district).unwrap_or(-1),
        idle: q.idle.as_deref() == Some("1"),
        districts,
        total: res.total,
        pager: Pager::new("/officers", &query, res.page, res.per_page, res.total),
        query,
        items: res.items,
    };
    render(&ctx, &p)
}

/// GET /officers/export.xlsx
pub async fn export(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let bytes = st.app.export_officers_xlsx(&ctx.actor, &q.filter(), &ctx.meta).await?;
    Ok(xlsx_response("officers", bytes))
}

#[derive(Template)]
#[template(path = "officer.html")]
struct DetailPage {
    c: Chrome,
    o: OfficerDetail,
    /// Handover and transfer forms (officer.manage).
    can_manage: bool,
    /// Other active officers of the district (handover targets).
    others: Vec<OfficerRow>,
    districts: Vec<Region>,
    departments: Vec<zhuqi_store::departments::Department>,
    district_sel: i64,
    department_sel: i64,
    /// (when, by, from district, to district, from unit, to unit, reason)
    transfers: Vec<(String, String, String, String, String, String, String)>,
    /// (enterprise id, name, from, to)
    rows: Vec<(i64, String, String, String)>,
}

/// GET /officers/{id}
pub async fn detail(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let o = st.app.officer(&ctx.actor, id, &ctx.meta).await?;
    let current = ctx.lang.t("current").to_string();
    let rows = o
        .assignments
        .iter()
        .map(|a| {
            (
                a.enterprise_id,
                a.enterprise_name.clone(),
                display_cst(a.valid_from),
                a.valid_to.map_or_else(|| current.clone(), display_cst),
            )
        })
        .collect();
    let can_manage = ctx.actor.may(zhuqi_domain::Capability::OfficerManage)
        && ctx.actor.may_in_district(zhuqi_domain::Capability::OfficerManage, o.officer.district_id);
    let (others, districts, departments) = if can_manage {
        let f = OfficerFilter { district_id: o.officer.district_id, ..Default::default() };
        let mut others = st.app.officers(&ctx.actor, &f, Page::new(Some(1), Some(500)), &ctx.meta).await?.items;
        others.retain(|x| x.id != id);
        (others, st.app.districts().await?, st.app.departments().await?)
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let name = |v: &Option<String>| v.clone().unwrap_or_default();
    let transfers = o
        .transfers
        .iter()
        .map(|t| {
            (
                display_cst(t.at),
                name(&t.by_name),
                name(&t.from_district_name),
                name(&t.to_district_name),
                name(&t.from_department_name),
                name(&t.to_department_name),
                t.reason.clone(),
            )
        })
        .collect();
    let p = DetailPage {
        c: chrome(&ctx, "officer", o.officer.display_name.clone(), "officers"),
        rows,
        can_manage,
        others,
        districts,
        departments,
        district_sel: o.officer.district_id.unwrap_or(-1),
        department_sel: o.officer.department_id.unwrap_or(-1),
        transfers,
        o,
    };
    render(&ctx, &p)
}

/// The handover form: `target` is an officer id or `spread`.
#[derive(Debug, Deserialize)]
pub struct HandoverForm {
    pub target: Option<String>,
    pub reason: Option<String>,
}

/// POST /officers/{id}/handover
pub async fn handover(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<HandoverForm>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    let target = f.form.target.unwrap_or_default();
    let input = HandoverInput {
        to_officer_id: target.trim().parse().ok(),
        spread_in_district: Some(target.trim() == "spread"),
        reason: f.form.reason,
    };
    st.app.handover(&ctx.actor, id, &input, &ctx.meta).await?;
    Ok(Redirect::to(&format!("/officers/{id}")))
}

/// The transfer form.
#[derive(Debug, Deserialize)]
pub struct TransferForm {
    pub district_id: Option<String>,
    pub home_department_id: Option<String>,
    pub reason: Option<String>,
}

/// POST /officers/{id}/transfer
pub async fn transfer(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<TransferForm>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    let input = TransferInput {
        district_id: parse_opt_i64(&f.form.district_id),
        home_department_id: parse_opt_i64(&f.form.home_department_id),
        reason: f.form.reason,
    };
    st.app.transfer_officer(&ctx.actor, id, &input, &ctx.meta).await?;
    Ok(Redirect::to(&format!("/officers/{id}")))
}
