//! The three reports (片区月报, 部门月报, 派出单位半年报) and their `.xlsx`.

use super::{department_names, district_names, named, MetricsScope, NamedFigures, OfficerFigures, Period};
use crate::{App, AppError, RequestMeta, Result};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use zhuqi_domain::metrics::Figures;
use zhuqi_domain::role::OfficerScope;
use zhuqi_domain::{Actor, FieldError};
use zhuqi_store::metrics::{self as store, GroupBy};

/// The three reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// 片区月报: one district, one month.
    DistrictMonthly,
    /// 部门月报: one department, one month.
    DepartmentMonthly,
    /// 派出单位半年报: the officers one department sent, one half-year.
    HomeUnitHalfYear,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] =
        [ReportKind::DistrictMonthly, ReportKind::DepartmentMonthly, ReportKind::HomeUnitHalfYear];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::DistrictMonthly => "district-monthly",
            ReportKind::DepartmentMonthly => "department-monthly",
            ReportKind::HomeUnitHalfYear => "home-unit-half-year",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or_else(|| {
            FieldError::new(
                "kind",
                format!("报表类型应为 district-monthly、department-monthly 或 home-unit-half-year (got “{s}”)"),
            )
            .into()
        })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ReportKind::DistrictMonthly => "片区月报",
            ReportKind::DepartmentMonthly => "部门月报",
            ReportKind::HomeUnitHalfYear => "派出单位半年报",
        }
    }
}

/// A report as its page, its `.xlsx` and `GET /api/v1/reports/{kind}` show it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub kind: ReportKind,
    /// The district or department reported on.
    pub id: i64,
    pub name: String,
    /// `YYYY-MM` or `YYYY-H1` / `YYYY-H2`.
    pub period: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The unit's own figures, then the city's for comparison.
    pub summary: Vec<NamedFigures>,
    /// Breakdown: departments within the district (district report),
    /// districts of the department's demands (department report); empty for
    /// the home-unit report.
    pub rows: Vec<NamedFigures>,
    /// Officers: of the district (district report) or sent by the
    /// department (home-unit report).
    pub officers: Vec<OfficerFigures>,
}

impl App {
    /// Builds a report. `period` is `YYYY-MM` for the monthly reports and
    /// `YYYY-H1|H2` for the half-year one. The city admin, coordinators and
    /// auditors get any; a district admin their district's monthly report; a
    /// department head their department's monthly and home-unit reports.
    /// Another unit in a permitted kind is not found (404); a kind the role
    /// never gets is 403.
    pub async fn report(
        &self,
        actor: &Actor,
        kind: ReportKind,
        period: &str,
        id: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<Report> {
        let scope = self.scope_or_deny(actor, "read_report", meta).await?;
        let p = Period::parse_report(period)?;
        let monthly = p.from.month() == p.to.month();
        match (kind, monthly) {
            (ReportKind::HomeUnitHalfYear, true) => {
                return Err(
                    FieldError::new("period", "半年报的期间应为 YYYY-H1 或 YYYY-H2 (use YYYY-H1 or YYYY-H2)").into()
                )
            }
            (ReportKind::DistrictMonthly | ReportKind::DepartmentMonthly, false) => {
                return Err(FieldError::new("period", "月报的期间应为 YYYY-MM (use YYYY-MM)").into())
            }
            _ => {}
        }
        // Which unit, and may the actor read it?
        let own = match (kind, scope) {
            (_, MetricsScope::City) => None,
            (ReportKind::DistrictMonthly, MetricsScope::District(d)) => Some(d),
            (ReportKind::DepartmentMonthly | ReportKind::HomeUnitHalfYear, MetricsScope::Department(d)) => Some(d),
            _ => return Err(self.deny(actor, "read_report", kind.as_str(), meta).await),
        };
        let id = match (id, own) {
            (Some(i), Some(o)) if i != o => return Err(AppError::NotFound(format!("{} {i}", kind.as_str()))),
            (Some(i), _) => i,
            (None, Some(o)) => o,
            (None, None) => return Err(FieldError::new("id", "请指定片区或部门编号 (id is required)").into()),
        };
        let mut c = self.store.read().await?;
        let name = match kind {
            ReportKind::DistrictMonthly => {
                zhuqi_store::regions::get(&mut c, id).await?.filter(|r| r.level == "district").map(|r| r.name)
            }
            _ => zhuqi_store::departments::get(&mut c, id).await?.map(|d| d.name),
        }
        .ok_or_else(|| AppError::NotFound(format!("{} {id}", kind.as_str())))?;
        let overdue = store::overdue_now(&mut c).await?;
        let city = self.total(&mut c, &p.filter(), &overdue).await?;
        let mut unit_filter = p.filter();
        match kind {
            ReportKind::DistrictMonthly => unit_filter.district_id = Some(id),
            _ => unit_filter.department_id = Some(id),
        }
        let unit = self.total(&mut c, &unit_filter, &overdue).await?;
        let summary = vec![
            NamedFigures { id, name: name.clone(), figures: unit },
            NamedFigures { id: 0, name: "全市 (city)".into(), figures: city },
        ];
        let rows = match kind {
            ReportKind::DistrictMonthly => {
                let names = department_names(&mut c).await?;
                named(self.grouped(&mut c, &unit_filter, GroupBy::Department, &overdue).await?, &names, "未派单")
            }
            ReportKind::DepartmentMonthly => {
                let names = district_names(&mut c).await?;
                named(self.grouped(&mut c, &unit_filter, GroupBy::District, &overdue).await?, &names, "")
            }
            ReportKind::HomeUnitHalfYear => Vec::new(),
        };
        drop(c);
        let officers = match kind {
            ReportKind::DistrictMonthly => {
                self.officer_figures(actor, OfficerScope::District(id), p, meta).await?.officers
            }
            ReportKind::HomeUnitHalfYear => {
                self.officer_figures(actor, OfficerScope::HomeUnit(id), p, meta).await?.officers
            }
            ReportKind::DepartmentMonthly => Vec::new(),
        };
        let period_key = match kind {
            ReportKind::HomeUnitHalfYear => format!("{}-H{}", p.from.year(), if p.from.month() <= 6 { 1 } else { 2 }),
            _ => format!("{:04}-{:02}", p.from.year(), p.from.month()),
        };
        Ok(Report { kind, id, name, period: period_key, from: p.from, to: p.to, summary, rows, officers })
    }

    /// A report as `.xlsx` (two sheets: figures, officers), built on a
    /// blocking thread and audited as an export.
    pub async fn report_xlsx(
        &self,
        actor: &Actor,
        kind: ReportKind,
        period: &str,
        id: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<(Report, Vec<u8>)> {
        let report = self.report(actor, kind, period, id, meta).await?;
        let r = report.clone();
        let bytes = tokio::task::spawn_blocking(move || report_workbook(&r))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        self.audit(
            Some(actor),
            "export",
            &format!("report:{}:{}:{}", kind.as_str(), report.id, report.period),
            "success",
            "",
            meta,
        )
        .await;
        Ok((report, bytes))
    }
}

/// Rounds half away from zero (四舍五入) to `decimals` places, as figures
/// are read in reports. Rust's `{:.1}` rounds an exact tie to even (6.25 →
/// "6.2"), which is neither what people expect nor what a browser's
/// `toFixed` shows (6.3).
pub fn round_half_up(x: f64, decimals: i32) -> f64 {
    let m = 10f64.powi(decimals);
    (x * m).round() / m
}

/// A rate as a percentage with one decimal (四舍五入), "—" when undefined.
pub fn pct(r: Option<f64>) -> String {
    r.map(|x| format!("{:.1}%", round_half_up(x * 100.0, 1))).unwrap_or_else(|| "—".into())
}

/// The figure columns of reports and the dashboard: (header, value).
pub fn figure_cells(f: &Figures) -> Vec<(&'static str, String)> {
    vec![
        ("受理量", f.received.to_string()),
        ("办结", f.closed.to_string()),
        ("办结率", pct(f.completion_rate)),
        ("按时签收率", pct(f.on_time_sign_rate)),
        ("及时办结率(派单时钟)", pct(f.on_time_rate_dispatch)),
        ("及时办结率(签收时钟)", pct(f.on_time_rate_sign)),
        ("催办率", pct(f.urge_rate)),
        ("重办率", pct(f.redo_rate)),
        ("满意率", pct(f.satisfaction_rate)),
        (
            "平均答复工作日",
            f.mean_reply_days.map(|x| format!("{:.2}", round_half_up(x, 2))).unwrap_or_else(|| "—".into()),
        ),
        ("答复工作日P90", f.p90_reply_days.map(|x| x.to_string()).unwrap_or_else(|| "—".into())),
        ("当前超期", f.overdue_now.to_string()),
    ]
}

/// The officer columns of reports: (header, value).
pub fn officer_cells(o: &OfficerFigures) -> Vec<(&'static str, String)> {
    vec![
        ("服务员", o.name.clone()),
        ("派出单位", o.department.clone()),
        ("片区", o.district.clone()),
        ("走访达标率", pct(o.visit_compliance)),
        ("达标企业·月/应走访企业·月", format!("{}/{}", o.visit_compliant, o.visit_enterprise_months)),
        ("敲门覆盖率", pct(o.door_knock_coverage)),
        ("上门企业/服务企业", format!("{}/{}", o.door_knocked, o.enterprises_served)),
        ("代报诉求", o.demands.received.to_string()),
        ("已办结", o.demands.closed.to_string()),
        ("办理中", o.demands.open.to_string()),
        ("诉求满意率", pct(o.demands.satisfaction_rate)),
        ("企业评价数", o.ratings.to_string()),
        ("评价均分", o.rating_mean.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into())),
        ("评价满意率", pct(o.rating_satisfaction)),
    ]
}

fn report_workbook(r: &Report) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let xe = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let c16 = |i: usize| u16::try_from(i).unwrap_or(u16::MAX);
    let r32 = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("指标").map_err(xe)?;
    crate::xlsx::write_text(ws, 0, 0, format!("{} {} {}", r.name, r.kind.label_zh(), r.period), Some(&bold))
        .map_err(xe)?;
    crate::xlsx::write_text(ws, 1, 0, format!("{} 至 {}（按受理日期统计，见 docs/metrics.md）", r.from, r.to), None)
        .map_err(xe)?;
    let mut row = 3;
    let blank = Figures::default();
    let headers = figure_cells(&blank);
    for (title, list) in [("汇总", &r.summary), ("分项", &r.rows)] {
        if list.is_empty() {
            continue;
        }
        crate::xlsx::write_text(ws, r32(row), 0, title, Some(&bold)).map_err(xe)?;
        row += 1;
        crate::xlsx::write_text(ws, r32(row), 0, "单位", Some(&bold)).map_err(xe)?;
        for (j, (h, _)) in headers.iter().enumerate() {
            crate::xlsx::write_text(ws, r32(row), c16(j + 1), *h, Some(&bold)).map_err(xe)?;
        }
        row += 1;
        for nf in list.iter() {
            crate::xlsx::write_text(ws, r32(row), 0, &nf.name, None).map_err(xe)?;
            for (j, (_, v)) in figure_cells(&nf.figures).iter().enumerate() {
                crate::xlsx::write_text(ws, r32(row), c16(j + 1), v, None).map_err(xe)?;
            }
            row += 1;
        }
        row += 1;
    }
    ws.set_column_width(0, 22).map_err(xe)?;
    if !r.officers.is_empty() || r.kind != ReportKind::DepartmentMonthly {
        let ws = wb.add_worksheet();
        ws.set_name("服务员").map_err(xe)?;
        let blank = OfficerFigures {
            officer_id: 0,
            name: String::new(),
            department_id: None,
            department: String::new(),
            district_id: None,
            district: String::new(),
            visit_enterprise_months: 0,
            visit_compliant: 0,
            visit_compliance: None,
            enterprises_served: 0,
            door_knocked: 0,
            door_knock_coverage: None,
            demands: Figures::default(),
            ratings: 0,
            rating_mean: None,
            rating_satisfaction: None,
        };
        for (j, (h, _)) in officer_cells(&blank).iter().enumerate() {
            crate::xlsx::write_text(ws, 0, c16(j), *h, Some(&bold)).map_err(xe)?;
            ws.set_column_width(c16(j), 14).map_err(xe)?;
        }
        for (i, o) in r.officers.iter().enumerate() {
            for (j, (_, v)) in officer_cells(o).iter().enumerate() {
                crate::xlsx::write_text(ws, r32(i + 1), c16(j), v, None).map_err(xe)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(xe)?;
    }
    wb.save_to_buffer().map_err(xe)
}
