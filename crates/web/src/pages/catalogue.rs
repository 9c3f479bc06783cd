//! Administration of the dispatch catalogue (lead departments, time limits,
//! review of replies) and of the working-day calendar's local adjustments.
//! The forms of one category show at a time (`?edit=CODE`), which keeps the
//! page light on a phone. Forms post, then redirect (POST-redirect-GET); a form with a mistake
//! renders the page again with the message and what was typed (422).

use super::{chrome, render, Chrome};
use crate::ctx::{urlencode, CsrfForm, Ctx, PageCtx};
use crate::error::{public_message, PageError};
use crate::i18n::Lang;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhuqi_app::catalogue::{AdjustmentInput, CalendarYearView, CatalogueOverview, LimitsInput};
use zhuqi_app::AppError;
use zhuqi_domain::clock::display_cst;
use zhuqi_domain::FieldError;

/// Turns a form mistake into the message shown above the form; other
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

/// Parses an optional id form field (empty means absent).
fn opt_id(v: &str, field: &str) -> Result<Option<i64>, AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| AppError::Invalid(FieldError::new(field, format!("“{v}”不是有效的编号 (not a valid id)"))))
}

fn days_field(v: &str, field: &str) -> Result<i64, AppError> {
    let v = v.trim();
    v.parse().map_err(|_| {
        AppError::Invalid(FieldError::new(
            field,
            format!("{field}: “{v}”不是整数 (a whole number of working days is required)"),
        ))
    })
}

// ---------------------------------------------------------------------------
// Categories
// ---------------------------------------------------------------------------

/// One category as the page shows it.
struct CatRow {
    code: String,
    name: String,
    plain: String,
    major: bool,
    lead: String,
    /// The department the route form preselects (0: none).
    lead_sel: i64,
    /// (district, department) overrides.
    overrides: Vec<(String, String)>,
    limits_text: String,
    limits_note: String,
    /// The limits form's values (current limits, or what was typed).
    form: [String; 4],
    reason: String,
    /// (valid from, limits, by, reason), newest first.
    history: Vec<(String, String, String, String)>,
    open: bool,
}

/// A major with its minors (the major itself first).
struct Group {
    code: String,
    name: String,
    plain: String,
    items: Vec<CatRow>,
}

#[derive(Template)]
#[template(path = "categories.html")]
struct CategoriesPage {
    c: Chrome,
    groups: Vec<Group>,
    departments: Vec<(i64, String)>,
    districts: Vec<(i64, String)>,
    may_edit_policy: bool,
    review_required: bool,
    error: Option<String>,
    /// [`TimeLimits::MAX_DAYS`](zhuqi_domain::demand::TimeLimits::MAX_DAYS), the inputs' `max`.
    max_days: u32,
    /// [`TimeLimits::MAX_AUTO_CLOSE_DAYS`](zhuqi_domain::demand::TimeLimits::MAX_AUTO_CLOSE_DAYS).
    max_auto_close_days: u32,
}

/// What a failed form leaves for the page to show again.
struct Failed {
    code: String,
    message: String,
    limits: Option<LimitsForm>,
}

fn lang_name(lang: Lang, name: &str, name_en: &str) -> String {
    if lang == Lang::En && !name_en.is_empty() {
        name_en.to_string()
    } else {
        name.to_string()
    }
}

fn build_categories(
    ctx: &Ctx,
    o: CatalogueOverview,
    failed: Option<Failed>,
    edit: Option<&str>,
    saved: Option<&str>,
) -> CategoriesPage {
    let lang = ctx.lang;
    let own_district = (!o.may_edit_policy).then(|| o.districts.first().map(|d| d.id)).flatten();
    let mut groups: Vec<Group> = Vec::new();
    for cat in o.categories {
        let overrides: Vec<_> = o.overrides.iter().filter(|r| r.category_code == cat.code).collect();
        let own = own_district.and_then(|d| overrides.iter().find(|r| r.district_id == Some(d)));
        let lead_sel = own.map(|r| r.department_id).or(cat.lead_department_id).unwrap_or(0);
        let l = cat.time_limits;
        let current = o.history.iter().find(|h| h.category_code == cat.code && h.limits() == l);
        let limits_note = match current {
            Some(h) => format!(
                "{} {} · {} · {}",
                lang.t("changed_at"),
                display_cst(h.valid_from),
                h.changed_by_name.clone().unwrap_or_default(),
                h.reason
            ),
            None => lang.t("limits_default").to_string(),
        };
        let is_failed = failed.as_ref().is_some_and(|f| f.code == cat.code);
        let typed = failed.as_ref().filter(|f| f.code == cat.code).and_then(|f| f.limits.as_ref());
        let form = match typed {
            Some(t) => [t.sign_days.clone(), t.reply_days.clone(), t.close_days.clone(), t.auto_close_days.clone()],
            None => [l.sign_days, l.reply_days, l.close_days, l.auto_close_days].map(|v| v.to_string()),
        };
        let row = CatRow {
            name: lang_name(lang, &cat.name, &cat.name_en),
            plain: cat.plain.clone(),
            major: cat.parent_code.is_none(),
            lead: cat.lead_department_name.clone().unwrap_or_else(|| lang.t("no_route").to_string()),
            lead_sel,
            overrides: overrides
                .iter()
                .map(|r| (r.district_name.clone().unwrap_or_default(), r.department_name.clone()))
                .collect(),
            limits_text: format!("{}/{}/{}/{}", l.sign_days, l.reply_days, l.close_days, l.auto_close_days),
            limits_note,
            form,
            reason: typed.map(|t| t.reason.clone()).unwrap_or_default(),
            history: o
                .history
                .iter()
                .filter(|h| h.category_code == cat.code)
                .map(|h| {
                    let hl = h.limits();
                    (
                        display_cst(h.valid_from),
                        format!("{}/{}/{}/{}", hl.sign_days, hl.reply_days, hl.close_days, hl.auto_close_days),
                        h.changed_by_name.clone().unwrap_or_default(),
                        h.reason.clone(),
                    )
                })
                .collect(),
            open: is_failed || edit == Some(cat.code.as_str()) || saved == Some(cat.code.as_str()),
            code: cat.code.clone(),
        };
        match groups.last_mut() {
            Some(g) if !row.major && cat.parent_code.as_deref() == Some(g.code.as_str()) => g.items.push(row),
            _ => groups.push(Group {
                code: row.code.clone(),
                name: row.name.clone(),
                plain: row.plain.clone(),
                items: vec![row],
            }),
        }
    }
    let mut c = chrome(ctx, "categories", lang.t("categories").into(), "categories");
    if saved.is_some() && failed.is_none() {
        c.flash = Some(lang.t("saved").to_string());
    }
    CategoriesPage {
        c,
        groups,
        departments: o.departments.into_iter().map(|d| (d.id, d.name)).collect(),
        districts: o.districts.into_iter().map(|d| (d.id, d.name)).collect(),
        may_edit_policy: o.may_edit_policy,
        review_required: o.review_required,
        error: failed.map(|f| f.message),
        max_days: zhuqi_domain::demand::TimeLimits::MAX_DAYS,
        max_auto_close_days: zhuqi_domain::demand::TimeLimits::MAX_AUTO_CLOSE_DAYS,
    }
}

async fn categories_page(
    st: &AppState,
    ctx: &Ctx,
    failed: Option<Failed>,
    edit: Option<&str>,
    saved: Option<&str>,
) -> Result<Response, PageError> {
    let o = st.app.catalogue_overview(&ctx.actor, &ctx.meta).await?;
    let is_error = failed.is_some();
    let html = render(ctx, &build_categories(ctx, o, failed, edit, saved))?;
    Ok(if is_error { unprocessable(html) } else { html.into_response() })
}

#[derive(Debug, Deserialize)]
pub struct CategoriesQuery {
    /// The category whose forms to show.
    pub edit: Option<String>,
    /// The category just saved (its forms stay open).
    pub saved: Option<String>,
}

/// GET /admin/categories — the tree with lead departments, district
/// overrides and time limits (city admin; a district admin sees and sets
/// their own district's overrides).
pub async fn categories(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<CategoriesQuery>,
) -> Result<Response, PageError> {
    categories_page(&st, &ctx, None, q.edit.as_deref(), q.saved.as_deref()).await
}

fn saved_redirect(code: &str) -> Redirect {
    let c = urlencode(code);
    Redirect::to(&format!("/admin/categories?saved={c}#c-{c}"))
}

#[derive(Debug, Deserialize)]
pub struct RouteForm {
    #[serde(default)]
    pub district_id: String,
    #[serde(default)]
    pub department_id: String,
}

/// POST /admin/categories/{code}/route — an empty district is the city-wide
/// default; an empty department removes the district's override.
pub async fn set_route(
    State(st): State<AppState>,
    Path(code): Path<String>,
    f: CsrfForm<RouteForm>,
) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let res = async {
        let district = opt_id(&f.form.district_id, "district_id")?;
        let department = opt_id(&f.form.department_id, "department_id")?;
        st.app.set_route(&ctx.actor, &code, district, department, &ctx.meta).await
    }
    .await;
    match res {
        Ok(_) => Ok(saved_redirect(&code).into_response()),
        Err(e) => {
            let message = form_error(e)?;
            categories_page(&st, &ctx, Some(Failed { code, message, limits: None }), None, None).await
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LimitsForm {
    #[serde(default)]
    pub sign_days: String,
    #[serde(default)]
    pub reply_days: String,
    #[serde(default)]
    pub close_days: String,
    #[serde(default)]
    pub auto_close_days: String,
    #[serde(default)]
    pub reason: String,
}

/// POST /admin/categories/{code}/limits — city admin.
pub async fn set_limits(
    State(st): State<AppState>,
    Path(code): Path<String>,
    f: CsrfForm<LimitsForm>,
) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let form = f.form;
    let res = async {
        let input = LimitsInput {
            sign_days: days_field(&form.sign_days, "sign_days")?,
            reply_days: days_field(&form.reply_days, "reply_days")?,
            close_days: days_field(&form.close_days, "close_days")?,
            auto_close_days: days_field(&form.auto_close_days, "auto_close_days")?,
            reason: form.reason.clone(),
        };
        st.app.set_time_limits(&ctx.actor, &code, &input, &ctx.meta).await
    }
    .await;
    match res {
        Ok(_) => Ok(saved_redirect(&code).into_response()),
        Err(e) => {
            let message = form_error(e)?;
            categories_page(&st, &ctx, Some(Failed { code, message, limits: Some(form) }), None, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    /// A checkbox: present ("1") when ticked.
    #[serde(default)]
    pub review_required: Option<String>,
}

/// POST /admin/settings/review — city admin.
pub async fn set_review(State(st): State<AppState>, f: CsrfForm<ReviewForm>) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    let on = f.form.review_required.as_deref().is_some_and(|v| matches!(v.trim(), "1" | "on" | "true"));
    st.app.set_review_required(&ctx.actor, on, &ctx.meta).await?;
    Ok(Redirect::to("/admin/categories?saved=review"))
}

// ---------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------

/// One special day as the page shows it.
struct DayRow {
    date: String,
    weekday: String,
    kind: String,
    working: bool,
    name: String,
    source: String,
    local: bool,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    c: Chrome,
    year: i32,
    years: Vec<i32>,
    status: String,
    has_data: bool,
    working_days: i64,
    rows: Vec<DayRow>,
    warnings: Vec<String>,
    can_mark: bool,
    error: Option<String>,
    form: DayForm,
}

fn weekday_key(w: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match w {
        Mon => "wd_mon",
        Tue => "wd_tue",
        Wed => "wd_wed",
        Thu => "wd_thu",
        Fri => "wd_fri",
        Sat => "wd_sat",
        Sun => "wd_sun",
    }
}

fn build_calendar(
    ctx: &Ctx,
    v: CalendarYearView,
    current: i32,
    warnings: Vec<i32>,
    error: Option<String>,
    form: DayForm,
    saved: bool,
) -> CalendarPage {
    let lang = ctx.lang;
    let status = if v.bundled {
        lang.t("year_bundled").to_string()
    } else if let Some(e) = &v.entered {
        format!(
            "{} {} · {}",
            lang.t("year_entered"),
            display_cst(e.entered_at),
            e.entered_by_name.clone().unwrap_or_default()
        )
    } else {
        lang.t("year_no_data").to_string()
    };
    let rows = v
        .days
        .into_iter()
        .map(|d| {
            let kind = match d.info.kind {
                Some(k) => lang.t(if k.as_str() == "holiday" { "kind_holiday" } else { "kind_workday" }).to_string(),
                None => String::new(),
            };
            let source = if d.source == "local" {
                match &d.official_name {
                    Some(n) => {
                        format!("{}（{}{}{n}）", lang.t("source_local"), lang.t("official_was"), lang.t("colon"))
                    }
                    None => lang.t("source_local").to_string(),
                }
            } else {
                lang.t("source_official").to_string()
            };
            DayRow {
                date: d.info.date.format("%Y-%m-%d").to_string(),
                weekday: lang.t(weekday_key(d.info.weekday)).to_string(),
                kind,
                working: d.info.working,
                name: d.info.name.unwrap_or_default(),
                source,
                local: d.source == "local",
            }
        })
        .collect();
    let mut years: Vec<i32> = (2020..=current + 2).collect();
    if !years.contains(&v.year) {
        years.push(v.year);
        years.sort_unstable();
    }
    let mut c = chrome(ctx, "calendar", lang.t("calendar").into(), "calendar");
    if saved && error.is_none() {
        c.flash = Some(lang.t("saved").to_string());
    }
    CalendarPage {
        c,
        year: v.year,
        years,
        status,
        has_data: v.has_data,
        working_days: v.working_days,
        rows,
        warnings: warnings
            .into_iter()
            .map(|y| lang.t("calendar_missing_year").replace("{year}", &y.to_string()))
            .collect(),
        can_mark: !v.bundled && v.entered.is_none(),
        error,
        form,
    }
}

async fn calendar_page(
    st: &AppState,
    ctx: &Ctx,
    year: i32,
    error: Option<String>,
    form: DayForm,
    saved: bool,
) -> Result<Response, PageError> {
    let v = st.app.calendar_admin(&ctx.actor, year, &ctx.meta).await?;
    let warnings = st.app.calendar_warnings().await?;
    let is_error = error.is_some();
    let page = build_calendar(ctx, v, st.app.current_year(), warnings, error, form, saved);
    let html = render(ctx, &page)?;
    Ok(if is_error { unprocessable(html) } else { html.into_response() })
}

#[derive(Debug, Deserialize)]
pub struct CalendarQuery {
    pub year: Option<String>,
    pub saved: Option<String>,
}

/// GET /admin/calendar?year= — city admin.
pub async fn calendar(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, PageError> {
    let year = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => st.app.current_year(),
        Some(y) => {
            y.parse().map_err(|_| AppError::Invalid(FieldError::new("year", format!("“{y}”不是年份 (not a year)"))))?
        }
    };
    calendar_page(&st, &ctx, year, None, DayForm::default(), q.saved.is_some()).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DayForm {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

/// The year a typed date belongs to, else the current one.
fn year_of(date: &str, fallback: i32) -> i32 {
    date.trim().get(..4).and_then(|y| y.parse().ok()).unwrap_or(fallback)
}

/// POST /admin/calendar/days — add or replace a local adjustment (city admin).
pub async fn add_day(State(st): State<AppState>, f: CsrfForm<DayForm>) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let form = f.form;
    let input = AdjustmentInput { date: form.date.clone(), kind: form.kind.clone(), name: form.name.clone() };
    let year = year_of(&form.date, st.app.current_year());
    match st.app.add_calendar_adjustment(&ctx.actor, &input, &ctx.meta).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/calendar?year={year}&saved=1")).into_response()),
        Err(e) => {
            let message = form_error(e)?;
            let year = if zhuqi_app::catalogue::CALENDAR_YEARS.contains(&year) { year } else { st.app.current_year() };
            calendar_page(&st, &ctx, year, Some(message), form, false).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// POST /admin/calendar/days/{date}/delete — remove a local adjustment
/// (city admin); removing one that is already gone changes nothing.
pub async fn delete_day(
    State(st): State<AppState>,
    Path(date): Path<String>,
    f: CsrfForm<EmptyForm>,
) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    st.app.remove_calendar_adjustment(&ctx.actor, &date, &ctx.meta).await?;
    let year = year_of(&date, st.app.current_year());
    Ok(Redirect::to(&format!("/admin/calendar?year={year}&saved=1")))
}

#[derive(Debug, Deserialize)]
pub struct YearForm {
    #[serde(default)]
    pub year: String,
}

/// POST /admin/calendar/years — mark a year's data as entered (city admin).
pub async fn mark_year(State(st): State<AppState>, f: CsrfForm<YearForm>) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let typed = f.form.year.trim().to_string();
    let res = match typed.parse::<i32>() {
        Ok(y) => st.app.mark_calendar_year(&ctx.actor, y, &ctx.meta).await.map(|_| y),
        Err(_) => Err(AppError::Invalid(FieldError::new("year", format!("“{typed}”不是年份 (not a year)")))),
    };
    match res {
        Ok(y) => Ok(Redirect::to(&format!("/admin/calendar?year={y}&saved=1")).into_response()),
        Err(e) => {
            let message = form_error(e)?;
            let current = st.app.current_year();
            let year =
                typed.parse().ok().filter(|y| zhuqi_app::catalogue::CALENDAR_YEARS.contains(y)).unwrap_or(current);
            calendar_page(&st, &ctx, year, Some(message), DayForm::default(), false).await
        }
    }
}
