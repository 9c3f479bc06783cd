//! Administration of the region tree and of the departments (city admin):
//! add, rename, retire and restore. The forms of one district or
//! department show at a time (`?edit=ID`), which keeps the pages light on a
//! phone. Forms post, then redirect (POST-redirect-GET); a form with a
//! mistake renders the page again with the message (422), nothing changed.

use super::{chrome, render, Chrome};
use crate::ctx::{CsrfForm, Ctx, PageCtx};
use crate::error::{public_message, PageError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhuqi_app::org::{DepartmentInput, DepartmentPatch, RegionInput, RegionPatch};
use zhuqi_app::AppError;
use zhuqi_domain::FieldError;

/// Turns a form mistake into the message shown above the forms; other
/// errors (403, 404, 500) become the error page.
fn form_error(e: AppError) -> Result<String, PageError> {
    match e {
        e @ (AppError::Invalid(_) | AppError::Conflict(_)) => Ok(public_message(&e)),
        other => Err(other.into()),
    }
}

fn unprocessable(html: axum::response::Html<String>) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
}

/// An optional whole number of a form (empty means absent).
fn opt_i64(v: Option<&str>, field: &str) -> Result<Option<i64>, AppError> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    v.parse()
        .map(Some)
        .map_err(|_| AppError::Invalid(FieldError::new(field, format!("“{v}”不是整数 (not a whole number)"))))
}

/// A checkbox-like flag of a form: `1`/`true`/`on` or `0`/`false`; absent or empty: `None`.
fn opt_flag(v: Option<&str>) -> Option<bool> {
    match v.map(str::trim) {
        Some("1" | "true" | "on") => Some(true),
        Some("0" | "false" | "off") => Some(false),
        _ => None,
    }
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

#[derive(Debug, Deserialize)]
pub struct EditQuery {
    /// The district (or township) or department whose forms to show.
    pub edit: Option<i64>,
    /// The one just saved (its forms stay open, with a notice).
    pub saved: Option<i64>,
}

// ---------------------------------------------------------------------------
// Regions
// ---------------------------------------------------------------------------

struct TownRow {
    id: i64,
    name: String,
    code: String,
    kind: String,
    sort_order: i64,
    enterprises: i64,
    retired: bool,
    unofficial: bool,
    open: bool,
}

struct DistrictRow {
    id: i64,
    name: String,
    code: String,
    kind: String,
    sort_order: i64,
    enterprises: i64,
    users: i64,
    retired: bool,
    unofficial: bool,
    open: bool,
    townships: Vec<TownRow>,
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    c: Chrome,
    city_id: i64,
    city_name: String,
    districts: Vec<DistrictRow>,
    error: Option<String>,
}

async fn regions_page(
    st: &AppState,
    ctx: &Ctx,
    error: Option<String>,
    edit: Option<i64>,
    saved: Option<i64>,
) -> Result<Response, PageError> {
    let tree = st.app.region_tree(&ctx.actor, &ctx.meta).await?;
    let lang = ctx.lang;
    let focus = edit.or(saved);
    let districts = tree
        .districts
        .into_iter()
        .map(|d| {
            let townships: Vec<TownRow> = d
                .townships
                .into_iter()
                .map(|t| TownRow {
                    open: focus == Some(t.region.id),
                    id: t.region.id,
                    unofficial: zhuqi_domain::region::is_unofficial(&t.region.code),
                    name: t.region.name,
                    code: t.region.code,
                    kind: t.region.kind,
                    sort_order: t.region.sort_order,
                    enterprises: t.enterprises,
                    retired: t.retired,
                })
                .collect();
            let r = d.node.region;
            DistrictRow {
                open: focus == Some(r.id) || townships.iter().any(|t| t.open),
                id: r.id,
                unofficial: zhuqi_domain::region::is_unofficial(&r.code),
                name: r.name,
                code: r.code,
                kind: r.kind,
                sort_order: r.sort_order,
                enterprises: d.node.enterprises,
                users: d.node.users,
                retired: d.node.retired,
                townships,
            }
        })
        .collect();
    let mut c = chrome(ctx, "regions", lang.t("regions").into(), "regions");
    if saved.is_some() && error.is_none() {
        c.flash = Some(lang.t("saved").to_string());
    }
    let is_error = error.is_some();
    let page = RegionsPage {
        c,
        city_id: tree.city.as_ref().map_or(0, |r| r.id),
        city_name: tree.city.map(|r| r.name).unwrap_or_default(),
        districts,
        error,
    };
    let html = render(ctx, &page)?;
    Ok(if is_error { unprocessable(html) } else { html.into_response() })
}

/// GET /admin/regions — the tree: districts with their townships, the
/// enterprises of each, add / rename / retire forms.
pub async fn regions(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<EditQuery>,
) -> Result<Response, PageError> {
    regions_page(&st, &ctx, None, q.edit, q.saved).await
}

#[derive(Debug, Deserialize)]
pub struct NewRegionForm {
    #[serde(default)]
    pub parent_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub sort_order: Option<String>,
}

/// POST /admin/regions — add a district (parent: the city) or a township.
pub async fn create_region(State(st): State<AppState>, f: CsrfForm<NewRegionForm>) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let form = f.form;
    let parent = opt_i64(Some(&form.parent_id), "parent_id").ok().flatten();
    let res = async {
        let input = RegionInput {
            parent_id: opt_i64(Some(&form.parent_id), "parent_id")?
                .ok_or_else(|| FieldError::new("parent_id", "请选择上级 (choose the parent)"))?,
            name: form.name.clone(),
            code: non_empty(&form.code),
            kind: form.kind.clone(),
            sort_order: opt_i64(form.sort_order.as_deref(), "sort_order")?,
        };
        st.app.create_region(&ctx.actor, &input, &ctx.meta).await
    }
    .await;
    match res {
        Ok(r) => Ok(Redirect::to(&format!("/admin/regions?saved={}#r-{}", r.id, r.id)).into_response()),
        Err(e) => {
            let message = form_error(e)?;
            regions_page(&st, &ctx, Some(message), parent, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RegionEditForm {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub sort_order: Option<String>,
    /// `1` retires, `0` restores.
    #[serde(default)]
    pub retired: Option<String>,
}

/// POST /admin/regions/{id} — rename (name, kind, sort order, code) or
/// retire / restore (`retired=1|0`).
pub async fn update_region(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<RegionEditForm>,
) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let form = f.form;
    let res = async {
        let patch = RegionPatch {
            name: form.name.clone(),
            code: non_empty(&form.code),
            kind: form.kind.clone(),
            sort_order: opt_i64(form.sort_order.as_deref(), "sort_order")?,
            retired: opt_flag(form.retired.as_deref()),
        };
        st.app.update_region(&ctx.actor, id, &patch, &ctx.meta).await
    }
    .await;
    match res {
        Ok(_) => Ok(Redirect::to(&format!("/admin/regions?saved={id}#r-{id}")).into_response()),
        Err(e) => {
            let message = form_error(e)?;
            regions_page(&st, &ctx, Some(message), Some(id), None).await
        }
    }
}

// ---------------------------------------------------------------------------
// Departments
// ---------------------------------------------------------------------------

struct DeptRow {
    id: i64,
    code: String,
    name: String,
    short_name: String,
    parent_unit: String,
    open_demands: i64,
    users: i64,
    routes: i64,
    retired: bool,
    open: bool,
}

#[derive(Template)]
#[template(path = "departments.html")]
struct DepartmentsPage {
    c: Chrome,
    rows: Vec<DeptRow>,
    /// Departments in use: (id, name), the successor choices.
    active: Vec<(i64, String)>,
    error: Option<String>,
}

async fn departments_page(
    st: &AppState,
    ctx: &Ctx,
    error: Option<String>,
    edit: Option<i64>,
    saved: Option<i64>,
) -> Result<Response, PageError> {
    let list = st.app.department_overview(&ctx.actor, &ctx.meta).await?;
    let lang = ctx.lang;
    let focus = edit.or(saved);
    let active = list.iter().filter(|d| !d.retired).map(|d| (d.department.id, d.department.name.clone())).collect();
    let rows = list
        .into_iter()
        .map(|d| DeptRow {
            open: focus == Some(d.department.id),
            id: d.department.id,
            code: d.department.code,
            name: d.department.name,
            short_name: d.department.short_name,
            parent_unit: d.department.parent_unit,
            open_demands: d.open_demands,
            users: d.users,
            routes: d.routes,
            retired: d.retired,
        })
        .collect();
    let mut c = chrome(ctx, "departments", lang.t("departments").into(), "departments");
    if saved.is_some() && error.is_none() {
        c.flash = Some(lang.t("saved").to_string());
    }
    let is_error = error.is_some();
    let html = render(ctx, &DepartmentsPage { c, rows, active, error })?;
    Ok(if is_error { unprocessable(html) } else { html.into_response() })
}

/// GET /admin/departments — every department with its open demands, users
/// and lead categories; create / rename / retire (with a successor) forms.
pub async fn departments(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<EditQuery>,
) -> Result<Response, PageError> {
    departments_page(&st, &ctx, None, q.edit, q.saved).await
}

#[derive(Debug, Deserialize)]
pub struct NewDepartmentForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub parent_unit: Option<String>,
}

/// POST /admin/departments — create a department.
pub async fn create_department(
    State(st): State<AppState>,
    f: CsrfForm<NewDepartmentForm>,
) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let form = f.form;
    let input = DepartmentInput {
        name: form.name,
        short_name: form.short_name,
        code: non_empty(&form.code),
        parent_unit: form.parent_unit,
    };
    match st.app.create_department(&ctx.actor, &input, &ctx.meta).await {
        Ok(d) => Ok(Redirect::to(&format!("/admin/departments?saved={}#d-{}", d.id, d.id)).into_response()),
        Err(e) => {
            let message = form_error(e)?;
            departments_page(&st, &ctx, Some(message), None, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DepartmentEditForm {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub short_name: Option<String>,
    #[serde(default)]
    pub parent_unit: Option<String>,
    /// `1` retires, `0` restores.
    #[serde(default)]
    pub retired: Option<String>,
    #[serde(default)]
    pub successor_department_id: Option<String>,
}

/// POST /admin/departments/{id} — rename, or retire (routes move to the
/// chosen successor) / restore.
pub async fn update_department(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    f: CsrfForm<DepartmentEditForm>,
) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let form = f.form;
    let res = async {
        let patch = DepartmentPatch {
            name: form.name.clone(),
            short_name: form.short_name.clone(),
            parent_unit: form.parent_unit.clone(),
            retired: opt_flag(form.retired.as_deref()),
            successor_department_id: opt_i64(form.successor_department_id.as_deref(), "successor_department_id")?,
        };
        st.app.update_department(&ctx.actor, id, &patch, &ctx.meta).await
    }
    .await;
    match res {
        Ok(_) => Ok(Redirect::to(&format!("/admin/departments?saved={id}#d-{id}")).into_response()),
        Err(e) => {
            let message = form_error(e)?;
            departments_page(&st, &ctx, Some(message), Some(id), None).await
        }
    }
}
