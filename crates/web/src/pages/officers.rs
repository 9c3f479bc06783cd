//! Officers: list (scoped), detail with the enterprises served, export.

use super::enterprises::{district_choices, xlsx_response};
use super::{chrome, parse_opt_i64, query_string, render, Chrome, Pager};
use crate::ctx::PageCtx;
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use zhuqi_app::directory::OfficerDetail;
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
    let p = DetailPage { c: chrome(&ctx, "officer", o.officer.display_name.clone(), "officers"), rows, o };
    render(&ctx, &p)
}
