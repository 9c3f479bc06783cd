//! Visits (走访) as Excel: the filtered visit list and a month's compliance
//! report (per district, per officer, and every enterprise behind). Both are
//! built on a blocking thread and audited like the other exports.

use crate::visits::VisitFilter;
use crate::{App, AppError, RequestMeta, Result};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use zhuqi_domain::clock::display_cst;
use zhuqi_domain::visit::{ProductionStatus, VisitMode, VisitRole};
use zhuqi_domain::Actor;

fn xe(e: XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

fn col(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

fn row_of(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Writes a bold header row with column widths and freezes it.
fn header(ws: &mut Worksheet, headers: &[(&str, f64)]) -> Result<()> {
    let bold = Format::new().set_bold();
    for (i, (h, width)) in headers.iter().enumerate() {
        crate::xlsx::write_text(ws, 0, col(i), *h, Some(&bold)).map_err(xe)?;
        ws.set_column_width(col(i), *width).map_err(xe)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xe)?;
    Ok(())
}

/// A cell: text, or a number written as a number.
enum Cell {
    Text(String),
    Num(f64),
}

fn write_rows(ws: &mut Worksheet, rows: &[Vec<Cell>]) -> Result<()> {
    for (i, cells) in rows.iter().enumerate() {
        let r = row_of(i + 1);
        for (j, cell) in cells.iter().enumerate() {
            match cell {
                Cell::Text(s) => crate::xlsx::write_text(ws, r, col(j), s, None).map_err(xe)?,
                Cell::Num(n) => ws.write_number(r, col(j), *n).map_err(xe)?,
            };
        }
    }
    Ok(())
}

fn pct(rate: f64) -> Cell {
    Cell::Num((rate * 1000.0).round() / 10.0)
}

impl App {
    /// The visits in scope matching the filter as `.xlsx`, newest first.
    pub async fn export_visits_xlsx(&self, actor: &Actor, filter: &VisitFilter, meta: &RequestMeta) -> Result<Vec<u8>> {
        let rows = self.visits_all(actor, filter, meta).await?;
        let n = rows.len();
        let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>> {
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            ws.set_name("走访记录").map_err(xe)?;
            header(
                ws,
                &[
                    ("编号", 8.0),
                    ("开始时间", 17.0),
                    ("结束时间", 17.0),
                    ("月份", 9.0),
                    ("方式", 8.0),
                    ("服务员", 12.0),
                    ("企业", 30.0),
                    ("片区", 10.0),
                    ("乡镇街道", 12.0),
                    ("走访职责", 30.0),
                    ("宣传政策", 30.0),
                    ("需求与困难", 30.0),
                    ("生产状况", 10.0),
                    ("用工情况", 24.0),
                    ("防疫与安全指导", 24.0),
                    ("招商线索", 24.0),
                    ("备注", 30.0),
                    ("纬度", 11.0),
                    ("经度", 11.0),
                    ("定位精度（米）", 10.0),
                    ("录入时间", 17.0),
                    ("版本", 6.0),
                ],
            )?;
            let opt = |v: Option<f64>| v.map_or(Cell::Text(String::new()), Cell::Num);
            let cells: Vec<Vec<Cell>> = rows
                .iter()
                .map(|r| {
                    let roles: Vec<&str> = VisitRole::split(&r.roles).into_iter().map(VisitRole::label_zh).collect();
                    vec![
                        Cell::Num(r.id as f64),
                        Cell::Text(display_cst(r.started_at)),
                        Cell::Text(r.ended_at.map(display_cst).unwrap_or_default()),
                        Cell::Text(r.month.clone()),
                        Cell::Text(VisitMode::parse(&r.mode).map_or(r.mode.clone(), |m| m.label_zh().to_string())),
                        Cell::Text(r.officer_name.clone()),
                        Cell::Text(r.enterprise_name.clone()),
                        Cell::Text(r.district_name.clone()),
                        Cell::Text(r.township_name.clone().unwrap_or_default()),
                        Cell::Text(roles.join("、")),
                        Cell::Text(r.policy.clone()),
                        Cell::Text(r.needs.clone()),
                        Cell::Text(
                            r.production_status
                                .as_deref()
                                .and_then(ProductionStatus::parse)
                                .map(|p| p.label_zh().to_string())
                                .unwrap_or_default(),
                        ),
                        Cell::Text(r.staff_situation.clone()),
                        Cell::Text(r.guidance.clone()),
                        Cell::Text(r.investment_leads.clone()),
                        Cell::Text(r.notes.clone()),
                        opt(r.lat),
                        opt(r.lon),
                        opt(r.accuracy_m),
                        Cell::Text(display_cst(r.created_at)),
                        Cell::Num(r.version as f64),
                    ]
                })
                .collect();
            write_rows(ws, &cells)?;
            wb.save_to_buffer().map_err(xe)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        self.audit(Some(actor), "export", "visits", "success", &n.to_string(), meta).await;
        Ok(bytes)
    }

    /// A month's compliance report (`YYYY-MM`) as `.xlsx`: one sheet per
    /// district, one per officer, one listing every enterprise behind.
    pub async fn export_compliance_xlsx(&self, actor: &Actor, month: &str, meta: &RequestMeta) -> Result<Vec<u8>> {
        let report = self.compliance(actor, month, meta).await?;
        let key = report.month.clone();
        let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>> {
            let mut wb = Workbook::new();
            let rule = if report.rule.on_site_only { "仅上门走访计入" } else { "任意方式计入" };
            {
                let ws = wb.add_worksheet();
                ws.set_name("片区").map_err(xe)?;
                header(
                    ws,
                    &[
                        ("月份", 9.0),
                        ("片区", 12.0),
                        ("每月最少次数", 12.0),
                        ("计入方式", 14.0),
                        ("服务企业数", 11.0),
                        ("达标企业数", 11.0),
                        ("达标率（%）", 11.0),
                    ],
                )?;
                let cells: Vec<Vec<Cell>> = report
                    .districts
                    .iter()
                    .map(|d| {
                        vec![
                            Cell::Text(report.month.clone()),
                            Cell::Text(d.name.clone()),
                            Cell::Num(f64::from(d.min_per_month)),
                            Cell::Text(rule.to_string()),
                            Cell::Num(d.enterprises as f64),
                            Cell::Num(d.compliant as f64),
                            pct(d.rate),
                        ]
                    })
                    .collect();
                write_rows(ws, &cells)?;
            }
            {
                let ws = wb.add_worksheet();
                ws.set_name("服务员").map_err(xe)?;
                header(
                    ws,
                    &[
                        ("月份", 9.0),
                        ("服务员", 12.0),
                        ("片区", 12.0),
                        ("服务企业数", 11.0),
                        ("达标企业数", 11.0),
                        ("达标率（%）", 11.0),
                        ("未达标企业数", 12.0),
                    ],
                )?;
                let cells: Vec<Vec<Cell>> = report
                    .officers
                    .iter()
                    .map(|o| {
                        vec![
                            Cell::Text(report.month.clone()),
                            Cell::Text(o.name.clone()),
                            Cell::Text(o.district.clone()),
                            Cell::Num(o.enterprises as f64),
                            Cell::Num(o.compliant as f64),
                            pct(o.rate),
                            Cell::Num(o.behind.len() as f64),
                        ]
                    })
                    .collect();
                write_rows(ws, &cells)?;
            }
            {
                let ws = wb.add_worksheet();
                ws.set_name("未达标企业").map_err(xe)?;
                header(
                    ws,
                    &[
                        ("月份", 9.0),
                        ("服务员", 12.0),
                        ("片区", 12.0),
                        ("企业", 30.0),
                        ("已走访（计入）", 12.0),
                        ("还需", 8.0),
                        ("本月最近走访", 17.0),
                    ],
                )?;
                let cells: Vec<Vec<Cell>> = report
                    .officers
                    .iter()
                    .flat_map(|o| {
                        o.behind.iter().map(|b| {
                            vec![
                                Cell::Text(report.month.clone()),
                                Cell::Text(o.name.clone()),
                                Cell::Text(o.district.clone()),
                                Cell::Text(b.name.clone()),
                                Cell::Num(f64::from(b.visits)),
                                Cell::Num(f64::from(b.needed)),
                                Cell::Text(b.last_visit_at.map(display_cst).unwrap_or_default()),
                            ]
                        })
                    })
                    .collect();
                write_rows(ws, &cells)?;
            }
            wb.save_to_buffer().map_err(xe)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        self.audit(Some(actor), "export", "visit_compliance", "success", &key, meta).await;
        Ok(bytes)
    }
}
