//! The monthly reports: GET /visits/behind, GET /visits/compliance (with its chart and
//! export) and POST /visits/rule.

use super::*;

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
pub(super) fn chart(lang: Lang, series: &ComplianceSeries) -> Chart {
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
    message: Option<crate::flash::Flash>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ComplianceQuery {
    pub month: Option<String>,
    /// A sealed one-time notice ([`crate::flash`]).
    pub flash: Option<String>,
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
        message: crate::flash::read(&ctx, q.flash.as_deref()),
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
    let flash = match result {
        Ok(()) => crate::flash::Flash::ok(ctx.lang.t("saved")),
        Err(e) => crate::flash::Flash::error(form_error(e, &ctx)?),
    };
    let m = if YearMonth::parse(&month).is_ok() { format!("month={month}&") } else { String::new() };
    Ok(Redirect::to(&format!("/visits/compliance?{m}{}#rule", crate::flash::query(&ctx, &flash))))
}
