//! Excel exports of enterprises, officers and district coverage (DESIGN §3.4:
//! "every table exports to Excel"; §5: exports are audit-logged).
//!
//! Each export reads the rows in the actor's scope, masks phones for roles
//! that do not see personal data, and builds the .xlsx on a blocking thread.
//! Headers are Chinese and, for enterprises and officers, the same as the
//! import's, so an export can be edited and imported back (informational
//! columns such as the current officer are ignored by the import).

use crate::import::{ColSpec, ENTERPRISE_COLUMNS, OFFICER_COLUMNS};
use crate::{App, AppError, RequestMeta, Result};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};
use zhuqi_domain::enterprise::EnterpriseSize;
use zhuqi_domain::{Actor, Role};
use zhuqi_store::enterprises::{DistrictCoverage, EnterpriseFilter, EnterpriseRow};
use zhuqi_store::users::{OfficerFilter, OfficerRow};
use zhuqi_store::Page;

/// Data rows one worksheet can hold (Excel's limit minus the header).
const MAX_SHEET_ROWS: usize = 1_048_575;

/// One cell of an export.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Int(i64),
    /// A fraction shown as a percentage; `None` is an empty cell.
    Percent(Option<f64>),
}

/// A sheet to build: name, headers with column widths, rows, and whether the
/// last row is a bold totals row.
#[derive(Debug)]
struct Sheet {
    name: &'static str,
    headers: Vec<(&'static str, f64)>,
    rows: Vec<Vec<Cell>>,
    totals_row: bool,
}

fn xlsx_err(e: XlsxError) -> AppError {
    AppError::Internal(format!("building the Excel file failed: {e}"))
}

fn row_num(i: usize) -> Result<u32> {
    u32::try_from(i).map_err(|_| AppError::Internal("too many rows for one sheet".into()))
}

fn col_num(i: usize) -> Result<u16> {
    u16::try_from(i).map_err(|_| AppError::Internal("too many columns for one sheet".into()))
}

/// Builds the workbook: bold shaded header row, frozen, with an autofilter
/// and the given column widths.
fn build(sheet: &Sheet) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet.name).map_err(xlsx_err)?;
    let header =
        Format::new().set_bold().set_background_color(Color::RGB(0xDDEBF7)).set_border_bottom(FormatBorder::Thin);
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let bold_percent = Format::new().set_bold().set_num_format("0.0%");
    for (i, (title, width)) in sheet.headers.iter().enumerate() {
        let c = col_num(i)?;
        crate::xlsx::write_text(ws, 0, c, *title, Some(&header)).map_err(xlsx_err)?;
        ws.set_column_width(c, *width).map_err(xlsx_err)?;
    }
    let last = sheet.rows.len();
    for (i, cells) in sheet.rows.iter().enumerate() {
        let r = row_num(i + 1)?;
        let strong = sheet.totals_row && i + 1 == last;
        for (j, cell) in cells.iter().enumerate() {
            let c = col_num(j)?;
            match (cell, strong) {
                (Cell::Text(s), false) => crate::xlsx::write_text(ws, r, c, s, None),
                (Cell::Text(s), true) => crate::xlsx::write_text(ws, r, c, s, Some(&bold)),
                (Cell::Int(n), false) => ws.write_number(r, c, *n as f64),
                (Cell::Int(n), true) => ws.write_number_with_format(r, c, *n as f64, &bold),
                (Cell::Percent(Some(p)), false) => ws.write_number_with_format(r, c, *p, &percent),
                (Cell::Percent(Some(p)), true) => ws.write_number_with_format(r, c, *p, &bold_percent),
                (Cell::Percent(None), _) => continue,
            }
            .map_err(xlsx_err)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    if let Some(last_col) = sheet.headers.len().checked_sub(1) {
        let last_data_row = if sheet.totals_row { last.saturating_sub(1) } else { last };
        ws.autofilter(0, 0, row_num(last_data_row)?, col_num(last_col)?).map_err(xlsx_err)?;
    }
    book.save_to_buffer().map_err(xlsx_err)
}

/// Builds a sheet on a blocking thread.
async fn build_blocking(sheet: Sheet) -> Result<Vec<u8>> {
    if sheet.rows.len() > MAX_SHEET_ROWS {
        return Err(AppError::Invalid(zhuqi_domain::FieldError::new(
            "filter",
            format!(
                "结果超过Excel单表{MAX_SHEET_ROWS}行的上限，请缩小筛选范围 \
                 (more than {MAX_SHEET_ROWS} rows do not fit one Excel sheet; narrow the filter)"
            ),
        )));
    }
    tokio::task::spawn_blocking(move || build(&sheet))
        .await
        .map_err(|e| AppError::Internal(format!("building the Excel file: {e}")))?
}

fn headers(specs: &[ColSpec], widths: &[f64]) -> Vec<(&'static str, f64)> {
    specs.iter().zip(widths).map(|(s, w)| (s.zh, *w)).collect()
}

fn phone(p: &str, mask: bool) -> String {
    if mask && !p.is_empty() {
        zhuqi_domain::phone::mask(p)
    } else {
        p.to_string()
    }
}

fn enterprise_cells(e: EnterpriseRow, mask: bool) -> Vec<Cell> {
    let size = EnterpriseSize::parse(&e.size).map_or(e.size.clone(), |s| s.label_zh().to_string());
    vec![
        Cell::Text(e.credit_code),
        Cell::Text(e.name),
        Cell::Text(e.district_name),
        Cell::Text(e.township_name.unwrap_or_default()),
        Cell::Text(e.industry_code),
        Cell::Text(size),
        Cell::Text(e.address),
        Cell::Text(e.contact_name),
        Cell::Text(phone(&e.contact_phone, mask)),
        Cell::Text(e.officer_name.unwrap_or_default()),
    ]
}

fn officer_cells(o: OfficerRow, mask: bool) -> Vec<Cell> {
    vec![
        Cell::Text(o.username),
        Cell::Text(o.display_name),
        Cell::Text(o.district_name.unwrap_or_default()),
        Cell::Text(o.department_name.unwrap_or_default()),
        Cell::Text(phone(&o.phone, mask)),
        Cell::Int(o.enterprise_count),
    ]
}

fn coverage_rate(enterprises: i64, unassigned: i64) -> Option<f64> {
    (enterprises > 0).then(|| (enterprises - unassigned) as f64 / enterprises as f64)
}

fn coverage_cells(rows: &[DistrictCoverage]) -> Vec<Vec<Cell>> {
    let mut out: Vec<Vec<Cell>> = rows
        .iter()
        .map(|d| {
            vec![
                Cell::Text(d.district_name.clone()),
                Cell::Int(d.enterprises),
                Cell::Int(d.unassigned),
                Cell::Percent(coverage_rate(d.enterprises, d.unassigned)),
                Cell::Int(d.officers),
                Cell::Int(d.idle_officers),
            ]
        })
        .collect();
    let sum = |f: fn(&DistrictCoverage) -> i64| rows.iter().map(f).sum::<i64>();
    let (e, u) = (sum(|d| d.enterprises), sum(|d| d.unassigned));
    out.push(vec![
        Cell::Text("合计".to_string()),
        Cell::Int(e),
        Cell::Int(u),
        Cell::Percent(coverage_rate(e, u)),
        Cell::Int(sum(|d| d.officers)),
        Cell::Int(sum(|d| d.idle_officers)),
    ]);
    out
}

impl App {
    /// Enterprises in the actor's scope matching `filter` (as in
    /// [`zhuqi_store::enterprises::EnterpriseFilter`]) as .xlsx bytes, with
    /// the import's columns plus the current officer. Roles that reach no
    /// enterprise are denied. Audited with the row count.
    pub async fn export_enterprises_xlsx(
        &self,
        actor: &Actor,
        filter: &EnterpriseFilter,
        meta: &RequestMeta,
    ) -> Result<Vec<u8>> {
        let Some(scope) = actor.enterprise_read_scope() else {
            return Err(self.deny(actor, "export", "enterprises", meta).await);
        };
        let rows = {
            let mut c = self.store.read().await?;
            zhuqi_store::enterprises::all(&mut c, scope, filter).await?
        };
        let n = rows.len();
        let mask = !actor.sees_personal_data();
        let mut headers = headers(ENTERPRISE_COLUMNS, &[22.0, 36.0, 16.0, 16.0, 10.0, 8.0, 40.0, 12.0, 16.0]);
        headers.push(("服务员", 12.0));
        let sheet = Sheet {
            name: "企业",
            headers,
            rows: rows.into_iter().map(|e| enterprise_cells(e, mask)).collect(),
            totals_row: false,
        };
        let bytes = build_blocking(sheet).await?;
        self.audit(Some(actor), "export", "enterprises", "success", &n.to_string(), meta).await;
        Ok(bytes)
    }

    /// Officers in the actor's scope matching `filter` as .xlsx bytes, with
    /// the import's columns (no password) plus the number of enterprises
    /// each serves. Roles that reach no officer are denied. Audited.
    pub async fn export_officers_xlsx(
        &self,
        actor: &Actor,
        filter: &OfficerFilter,
        meta: &RequestMeta,
    ) -> Result<Vec<u8>> {
        let Some(scope) = actor.officer_read_scope() else {
            return Err(self.deny(actor, "export", "officers", meta).await);
        };
        let mut rows = Vec::new();
        {
            let mut c = self.store.read().await?;
            for page in 1.. {
                let p = zhuqi_store::users::officers(&mut c, scope, filter, Page { page, per_page: 500 }).await?;
                let got = p.items.len();
                rows.extend(p.items);
                if got < 500 || i64::try_from(rows.len()).unwrap_or(i64::MAX) >= p.total {
                    break;
                }
            }
        }
        let n = rows.len();
        let mask = !actor.sees_personal_data();
        // The import's columns without the initial password, plus the load.
        let mut headers = headers(&OFFICER_COLUMNS[..5], &[16.0, 12.0, 16.0, 24.0, 16.0]);
        headers.push(("服务企业数", 12.0));
        let sheet = Sheet {
            name: "服务员",
            headers,
            rows: rows.into_iter().map(|o| officer_cells(o, mask)).collect(),
            totals_row: false,
        };
        let bytes = build_blocking(sheet).await?;
        self.audit(Some(actor), "export", "officers", "success", &n.to_string(), meta).await;
        Ok(bytes)
    }

    /// Coverage per district (enterprises, those without an officer, the
    /// rate covered, officers, idle officers) with a totals row, as .xlsx.
    /// City admins, auditors and city-wide coordinators get every district;
    /// district admins and district coordinators their own; others are
    /// denied. Audited with the number of districts.
    pub async fn export_coverage_xlsx(&self, actor: &Actor, meta: &RequestMeta) -> Result<Vec<u8>> {
        let district = match (actor.role, actor.district_id) {
            (Role::CityAdmin | Role::Auditor, _) | (Role::Coordinator, None) => None,
            (Role::DistrictAdmin | Role::Coordinator, Some(d)) => Some(d),
            _ => return Err(self.deny(actor, "export", "coverage", meta).await),
        };
        let rows = {
            let mut c = self.store.read().await?;
            zhuqi_store::enterprises::coverage(&mut c, district).await?
        };
        let n = rows.len();
        let sheet = Sheet {
            name: "覆盖情况",
            headers: vec![
                ("片区", 22.0),
                ("企业数", 10.0),
                ("无服务员企业数", 16.0),
                ("覆盖率", 10.0),
                ("服务员数", 10.0),
                ("未分配企业的服务员数", 22.0),
            ],
            rows: coverage_cells(&rows),
            totals_row: true,
        };
        let bytes = build_blocking(sheet).await?;
        self.audit(Some(actor), "export", "coverage", "success", &n.to_string(), meta).await;
        Ok(bytes)
    }
}
