//! Demands as `.xlsx`.

use crate::{App, AppError, RequestMeta, Result};
use zhuqi_domain::demand::{Rating, Status};
use zhuqi_domain::Actor;
use zhuqi_store::demands::DemandFilter;

impl App {
    /// Demands in scope matching the filter as `.xlsx` (built on a blocking thread; audited).
    pub async fn export_demands_xlsx(
        &self,
        actor: &Actor,
        filter: &DemandFilter,
        meta: &RequestMeta,
    ) -> Result<Vec<u8>> {
        let rows = self.demands_all(actor, filter, meta).await?;
        let n = rows.len();
        let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>> {
            use rust_xlsxwriter::{Format, Workbook};
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            let bold = Format::new().set_bold();
            let headers = [
                "编号",
                "标题",
                "企业",
                "片区",
                "类别",
                "主办部门",
                "状态",
                "督办颜色",
                "提交时间",
                "当前期限",
                "办结时间",
                "评价",
                "重办次数",
            ];
            let xe = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
            for (i, h) in headers.iter().enumerate() {
                let col = u16::try_from(i).unwrap_or(0);
                crate::xlsx::write_text(ws, 0, col, *h, Some(&bold)).map_err(xe)?;
                ws.set_column_width(col, if i == 1 { 40 } else { 16 }).map_err(xe)?;
            }
            ws.set_freeze_panes(1, 0).map_err(xe)?;
            let t = |v: Option<i64>| v.map(zhuqi_domain::clock::display_cst).unwrap_or_default();
            for (i, r) in rows.iter().enumerate() {
                let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
                let status = Status::parse(&r.status).map_or(r.status.as_str(), |s| s.label_zh());
                let cells = [
                    r.id.to_string(),
                    r.title.clone(),
                    r.enterprise_name.clone(),
                    r.district_name.clone(),
                    format!("{} {}", r.category_code, r.category_name),
                    r.lead_department_name.clone().unwrap_or_default(),
                    status.to_string(),
                    r.colour.clone(),
                    zhuqi_domain::clock::display_cst(r.submitted_at),
                    t(r.active_deadline),
                    t(r.closed_at),
                    r.rating.as_deref().and_then(Rating::parse).map(|x| x.label_zh().to_string()).unwrap_or_default(),
                    r.redo_count.to_string(),
                ];
                for (j, v) in cells.iter().enumerate() {
                    crate::xlsx::write_text(ws, row, u16::try_from(j).unwrap_or(0), v, None).map_err(xe)?;
                }
            }
            wb.save_to_buffer().map_err(xe)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        self.audit(Some(actor), "export", "demands", "success", &n.to_string(), meta).await;
        Ok(bytes)
    }
}
