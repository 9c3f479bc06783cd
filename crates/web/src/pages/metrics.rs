//! The dashboard (驾驶舱), the printable reports and the enterprise user's
//! quarterly rating of their officer. Charts are SVG drawn here on the
//! server; every number links to the demand list behind it.

use super::enterprises::xlsx_response;
use super::{chrome, render, Chrome};
use crate::ctx::{CsrfForm, PageCtx};
use crate::error::{public_message, PageError};
use crate::i18n::Lang;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhuqi_app::metrics::{figure_cells, officer_cells, pct, Bar, Dashboard, MetricsScope, ReportKind};
use zhuqi_domain::demand::Status;
use zhuqi_domain::metrics::Figures;

/// One horizontal bar of a chart, laid out.
pub struct BarView {
    pub label: String,
    pub value: i64,
    pub href: String,
    pub y: i64,
    pub w: i64,
}

/// A horizontal bar chart.
pub struct BarChart {
    pub key: &'static str,
    pub title: String,
    pub height: i64,
    pub bars: Vec<BarView>,
}

fn bar_chart(key: &'static str, title: String, bars: &[Bar]) -> BarChart {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let views: Vec<BarView> = bars
        .iter()
        .enumerate()
        .map(|(i, b)| BarView {
            label: b.label.clone(),
            value: b.value,
            href: b.href.clone(),
            y: i64::try_from(i).unwrap_or(0) * 26 + 4,
            w: b.value * 190 / max,
        })
        .collect();
    BarChart { key, title, height: i64::try_from(views.len()).unwrap_or(0) * 26 + 8, bars: views }
}

/// The weekly trend as two polylines.
pub struct TrendChart {
    pub received: String,
    pub closed: String,
    pub max: i64,
    /// (x, label, received, closed)
    pub points: Vec<(i64, String, i64, i64)>,
}

fn trend(d: &Dashboard) -> TrendChart {
    let max = d.weeks.iter().map(|w| w.received.max(w.closed)).max().unwrap_or(0).max(1);
    let x = |i: usize| 40 + i64::try_from(i).unwrap_or(0) * 40;
    let y = |v: i64| 170 - v * 150 / max;
    let line = |f: &dyn Fn(&zhuqi_app::metrics::WeekPoint) -> i64| {
        d.weeks.iter().enumerate().map(|(i, w)| format!("{},{}", x(i), y(f(w)))).collect::<Vec<_>>().join(" ")
    };
    TrendChart {
        received: line(&|w| w.received),
        closed: line(&|w| w.closed),
        max,
        points: d
            .weeks
            .iter()
            .enumerate()
            .map(|(i, w)| (x(i), w.week.format("%m/%d").to_string(), w.received, w.closed))
            .collect(),
    }
}

/// A figure tile: label, value, link, the `data-metric` name.
pub struct Tile {
    pub metric: &'static str,
    pub label: String,
    pub value: String,
    pub city: String,
    pub href: String,
}

fn tiles(lang: Lang, f: &Figures, city: &Figures, base: &str, scope: &str) -> Vec<Tile> {
    let en = lang == Lang::En;
    let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
    let open = Status::query_value(&Status::OPEN);
    let answered = Status::query_value(&Status::ANSWERED);
    vec![
        Tile {
            metric: "received",
            label: t("本月受理", "Received this month"),
            value: f.received.to_string(),
            city: city.received.to_string(),
            href: format!("/demands?{base}"),
        },
        Tile {
            metric: "open",
            label: t("办理中(未办结)", "Open"),
            value: f.open.to_string(),
            city: city.open.to_string(),
            href: format!("/demands?{base}&status={open}"),
        },
        Tile {
            metric: "closed",
            label: t("已办结", "Closed"),
            value: f.closed.to_string(),
            city: city.closed.to_string(),
            href: format!("/demands?{base}&status=closed"),
        },
        Tile {
            metric: "completion_rate",
            label: t("办结率", "Completion rate"),
            value: pct(f.completion_rate),
            city: pct(city.completion_rate),
            href: format!("/demands?{base}&status=closed"),
        },
        Tile {
            metric: "on_time_sign_rate",
            label: t("按时签收率", "On-time sign rate"),
            value: pct(f.on_time_sign_rate),
            city: pct(city.on_time_sign_rate),
            href: format!("/demands?{base}&status={}", Status::query_value(&Status::PAST_SIGNING)),
        },
        Tile {
            metric: "on_time_rate_dispatch",
            label: t("及时办结率(派单时钟)", "On-time completion (dispatch clock)"),
            value: pct(f.on_time_rate_dispatch),
            city: pct(city.on_time_rate_dispatch),
            href: format!("/demands?{base}&status={answered}"),
        },
        Tile {
            metric: "on_time_rate_sign",
            label: t("及时办结率(签收时钟)", "On-time completion (sign clock)"),
            value: pct(f.on_time_rate_sign),
            city: pct(city.on_time_rate_sign),
            href: format!("/demands?{base}&status={answered}"),
        },
        Tile {
            metric: "urge_rate",
            label: t("催办率", "Urge rate"),
            value: pct(f.urge_rate),
            city: pct(city.urge_rate),
            href: format!("/demands?{base}"),
        },
        Tile {
            metric: "redo_rate",
            label: t("重办率", "Redo rate"),
            value: pct(f.redo_rate),
            city: pct(city.redo_rate),
            href: format!("/demands?{base}"),
        },
        Tile {
            metric: "satisfaction_rate",
            label: t("满意率", "Satisfaction rate"),
            value: pct(f.satisfaction_rate),
            city: pct(city.satisfaction_rate),
            href: format!("/demands?{base}&status=closed"),
        },
        Tile {
            metric: "mean_reply_days",
            label: t("平均答复(工作日)", "Mean working days to reply"),
            value: f.mean_reply_days.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into()),
            city: city.mean_reply_days.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into()),
            href: format!("/demands?{base}&status={answered}"),
        },
        Tile {
            metric: "p90_reply_days",
            label: t("答复P90(工作日)", "p90 working days to reply"),
            value: f.p90_reply_days.map(|x| x.to_string()).unwrap_or_else(|| "—".into()),
            city: city.p90_reply_days.map(|x| x.to_string()).unwrap_or_else(|| "—".into()),
            href: format!("/demands?{base}&status={answered}"),
        },
        Tile {
            metric: "overdue_now",
            label: t("当前超期(红)", "Overdue now (red)"),
            value: f.overdue_now.to_string(),
            city: city.overdue_now.to_string(),
            href: format!("/demands?colour=red&status={}{scope}", Status::query_value(&Status::CLOCK_RUNNING)),
        },
    ]
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    c: Chrome,
    en: bool,
    /// The statuses of the red list (`Status::CLOCK_RUNNING`), as a filter value.
    red_statuses: String,
    d: Dashboard,
    dept_view: bool,
    tiles: Vec<Tile>,
    charts: Vec<BarChart>,
    trend: TrendChart,
    /// (kind, label, href) report links for the scope.
    reports: Vec<(String, String)>,
}

/// GET /dashboard — the city, district or department view by role.
pub async fn dashboard(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let en = lang == Lang::En;
    let d = st.app.dashboard(&ctx.actor, &ctx.meta).await?;
    let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
    let mut status_bars = d.by_status.clone();
    for b in &mut status_bars {
        if en {
            b.label = zhuqi_domain::demand::Status::parse(&b.key).map_or(b.key.clone(), |s| s.label_en().to_string());
        }
    }
    let mut charts = vec![
        bar_chart("status", t("按状态", "By status"), &status_bars),
        bar_chart("category", t("按类别", "By category"), &d.by_category),
    ];
    if !matches!(d.scope, MetricsScope::District(_)) {
        charts.push(bar_chart("district", t("按片区", "By district"), &d.by_district));
    }
    if !matches!(d.scope, MetricsScope::Department(_)) {
        charts.push(bar_chart("department", t("按主办部门", "By lead department"), &d.by_department));
    }
    let month = d.from.format("%Y-%m").to_string();
    let half = format!("{}-H{}", d.from.format("%Y"), if chrono::Datelike::month(&d.from) <= 6 { 1 } else { 2 });
    let reports = match d.scope {
        MetricsScope::City => vec![],
        MetricsScope::District(id) => {
            vec![(
                t("本片区月报", "District monthly report"),
                format!("/reports/district-monthly?period={month}&id={id}"),
            )]
        }
        MetricsScope::Department(id) => vec![
            (
                t("本部门月报", "Department monthly report"),
                format!("/reports/department-monthly?period={month}&id={id}"),
            ),
            (
                t("派出服务员半年报", "Half-year report on sent officers"),
                format!("/reports/home-unit-half-year?period={half}&id={id}"),
            ),
        ],
    };
    let page = DashboardPage {
        c: chrome(&ctx, "dashboard", format!("{} · {}", t("驾驶舱", "Dashboard"), d.title), "dashboard"),
        en,
        red_statuses: Status::query_value(&Status::CLOCK_RUNNING),
        dept_view: matches!(d.scope, MetricsScope::Department(_)),
        tiles: tiles(lang, &d.figures, &d.city, &d.base_query, &d.scope_query),
        charts,
        trend: trend(&d),
        reports,
        d,
    };
    render(&ctx, &page)
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub period: Option<String>,
    pub id: Option<String>,
}

fn report_args(q: &ReportQuery, kind: &str) -> Result<(ReportKind, String, Option<i64>), zhuqi_app::AppError> {
    let kind = ReportKind::parse(kind)?;
    let period = q.period.clone().unwrap_or_default();
    if period.trim().is_empty() {
        return Err(
            zhuqi_domain::FieldError::new("period", "请指定期间 (period is required: YYYY-MM or YYYY-H1|H2)").into()
        );
    }
    let id = crate::api::visits::parse_id("id", &q.id)?;
    Ok((kind, period, id))
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    c: Chrome,
    en: bool,
    r: zhuqi_app::metrics::Report,
    headers: Vec<&'static str>,
    summary: Vec<(String, Vec<String>)>,
    rows: Vec<(String, Vec<String>)>,
    officer_headers: Vec<&'static str>,
    officers: Vec<Vec<String>>,
    xlsx: String,
}

fn table(list: &[zhuqi_app::metrics::NamedFigures]) -> Vec<(String, Vec<String>)> {
    list.iter().map(|n| (n.name.clone(), figure_cells(&n.figures).into_iter().map(|(_, v)| v).collect())).collect()
}

/// GET /reports/{kind}?period=…&id=… — a printable report (A4).
pub async fn report(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(kind): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Html<String>, PageError> {
    let (kind, period, id) = report_args(&q, &kind)?;
    let r = st.app.report(&ctx.actor, kind, &period, id, &ctx.meta).await?;
    let c = chrome(&ctx, "report", format!("{} {} {}", r.name, r.kind.label_zh(), r.period), "dashboard");
    let page = report_page(c, ctx.lang == Lang::En, r);
    render(&ctx, &page)
}

fn report_page(c: Chrome, en: bool, r: zhuqi_app::metrics::Report) -> ReportPage {
    let blank = Figures::default();
    let headers = figure_cells(&blank).into_iter().map(|(h, _)| h).collect();
    let officer_headers = match r.officers.first() {
        Some(o) => officer_cells(o).into_iter().map(|(h, _)| h).collect(),
        None => Vec::new(),
    };
    let officers = r.officers.iter().map(|o| officer_cells(o).into_iter().map(|(_, v)| v).collect()).collect();
    ReportPage {
        c,
        en,
        headers,
        summary: table(&r.summary),
        rows: table(&r.rows),
        officer_headers,
        officers,
        xlsx: format!("/reports/{}/export.xlsx?period={}&id={}", r.kind.as_str(), r.period, r.id),
        r,
    }
}

/// The report page as a standalone HTML file (`zhuqi export report --out
/// FILE.html`): the same template without navigation.
pub fn report_html(r: zhuqi_app::metrics::Report) -> Result<String, zhuqi_app::AppError> {
    let c = Chrome {
        lang: Lang::Zh,
        title: format!("{} {} {}", r.name, r.kind.label_zh(), r.period),
        page: "report",
        role: "",
        user: None,
        nav: Vec::new(),
        csrf: String::new(),
        path_enc: String::new(),
        flash: None,
        unread: 0,
    };
    let mut page = report_page(c, false, r);
    page.xlsx.clear();
    let html = page.render().map_err(|e| zhuqi_app::AppError::Internal(format!("template: {e}")))?;
    // A file opened from disk has no server: the stylesheet goes inline, the script is not needed.
    let css = format!("<style>{}</style>", include_str!("../../static/app.css"));
    Ok(html
        .replace(r#"<link rel="stylesheet" href="/static/app.css">"#, &css)
        .replace(r#"<script src="/static/app.js"></script>"#, ""))
}

/// GET /reports/{kind}/export.xlsx?period=…&id=…
pub async fn report_xlsx(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(kind): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let (kind, period, id) = report_args(&q, &kind)?;
    let (r, bytes) = st.app.report_xlsx(&ctx.actor, kind, &period, id, &ctx.meta).await?;
    Ok(xlsx_response(&format!("{}-{}-{}", r.kind.as_str(), r.id, r.period), bytes))
}

#[derive(Template)]
#[template(path = "officer_rate.html")]
struct RatePage {
    c: Chrome,
    en: bool,
    m: zhuqi_app::metrics::MyOfficer,
    message: Option<String>,
}

async fn rate_page(st: &AppState, ctx: &crate::ctx::Ctx, message: Option<String>) -> Result<Html<String>, PageError> {
    let en = ctx.lang == Lang::En;
    let m = st.app.my_officer(&ctx.actor, &ctx.meta).await?;
    let title = if en { "Rate my officer" } else { "评价我的服务员" };
    render(ctx, &RatePage { c: chrome(ctx, "officer-rate", title.to_string(), "home"), en, m, message })
}

/// GET /my-officer/rate — the enterprise user's quarterly rating form.
pub async fn rate_form(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Html<String>, PageError> {
    rate_page(&st, &ctx, None).await
}

#[derive(Debug, Deserialize)]
pub struct RateForm {
    #[serde(default)]
    pub score: String,
    #[serde(default)]
    pub comment: String,
}

/// POST /my-officer/rate — records the rating (once per quarter).
pub async fn rate_submit(State(st): State<AppState>, f: CsrfForm<RateForm>) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let score = f.form.score.trim().parse::<i64>().unwrap_or(0);
    match st.app.rate_officer(&ctx.actor, score, &f.form.comment, &ctx.meta).await {
        Ok(_) => Ok(Redirect::to("/my-officer/rate").into_response()),
        Err(e @ (zhuqi_app::AppError::Invalid(_) | zhuqi_app::AppError::Conflict(_))) => {
            let status = if matches!(e, zhuqi_app::AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let msg = public_message(&e);
            Ok((status, rate_page(&st, &ctx, Some(msg)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
