//! Administration pages: assignment management, coverage, users, import,
//! audit log.

use super::enterprises::xlsx_response;
use super::{chrome, query_string, render, Chrome, Pager};
use crate::ctx::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::response::{Html, Redirect, Response};
use serde::Deserialize;
use zhuqi_app::error::RowError;
use zhuqi_app::import::ImportKind;
use zhuqi_app::AppError;
use zhuqi_domain::capability::Capability;
use zhuqi_domain::clock::display_cst;
use zhuqi_store::audit::AuditEntry;
use zhuqi_store::enterprises::DistrictCoverage;
use zhuqi_store::Page;

#[derive(Template)]
#[template(path = "assignments.html")]
struct AssignmentsPage {
    c: Chrome,
    rows: Vec<DistrictCoverage>,
}

/// GET /assignments — only admins who may assign.
pub async fn assignments(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Html<String>, PageError> {
    st.app.require(&ctx.actor, Capability::AssignmentManage, "manage_assignments", "assignments", &ctx.meta).await?;
    let rows = st.app.coverage(&ctx.actor, &ctx.meta).await?;
    render(
        &ctx,
        &AssignmentsPage { c: chrome(&ctx, "assignments", ctx.lang.t("assignments").into(), "assignments"), rows },
    )
}

#[derive(Debug, Deserialize)]
pub struct BulkForm {
    pub district_id: i64,
}

/// POST /assignments/bulk
pub async fn bulk(State(st): State<AppState>, f: CsrfForm<BulkForm>) -> Result<Redirect, PageError> {
    let ctx = f.ctx;
    st.app.bulk_assign_unassigned(&ctx.actor, f.form.district_id, &ctx.meta).await?;
    Ok(Redirect::to("/assignments"))
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    c: Chrome,
    rows: Vec<DistrictCoverage>,
    totals: (i64, i64, i64, i64),
}

/// GET /coverage
pub async fn coverage(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Html<String>, PageError> {
    let rows = st.app.coverage(&ctx.actor, &ctx.meta).await?;
    let totals = rows
        .iter()
        .fold((0, 0, 0, 0), |t, d| (t.0 + d.enterprises, t.1 + d.unassigned, t.2 + d.officers, t.3 + d.idle_officers));
    render(&ctx, &CoveragePage { c: chrome(&ctx, "coverage", ctx.lang.t("coverage").into(), "coverage"), rows, totals })
}

/// GET /coverage/export.xlsx
pub async fn coverage_export(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Response, PageError> {
    let bytes = st.app.export_coverage_xlsx(&ctx.actor, &ctx.meta).await?;
    Ok(xlsx_response("coverage", bytes))
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    c: Chrome,
    kind: String,
    result: Option<String>,
    error: Option<String>,
    rows: Vec<RowError>,
}

/// GET /admin/import
pub async fn import_form(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Html<String>, PageError> {
    st.app.require(&ctx.actor, Capability::ImportRun, "import", "form", &ctx.meta).await?;
    let c = chrome(&ctx, "import", ctx.lang.t("import").into(), "import");
    render(&ctx, &ImportPage { c, kind: "enterprises".into(), result: None, error: None, rows: vec![] })
}

/// POST /admin/import (multipart: `_csrf` first, then `kind` and `file`).
pub async fn import_submit(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    mut mp: Multipart,
) -> Result<Html<String>, PageError> {
    super::form_files::check_multipart_csrf(&ctx, &mut mp).await?;
    let mut kind = String::from("enterprises");
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(AppError::Invalid(zhuqi_domain::FieldError::new("file", e.body_text())).into()),
        };
        match field.name() {
            Some("kind") => kind = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| AppError::Invalid(zhuqi_domain::FieldError::new("file", e.body_text())))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let c = chrome(&ctx, "import", ctx.lang.t("import").into(), "import");
    let Some(k) = ImportKind::parse(&kind) else {
        return render(&ctx, &ImportPage { c, kind, result: None, error: Some("unknown kind".into()), rows: vec![] });
    };
    let Some((name, bytes)) = file else {
        return render(&ctx, &ImportPage { c, kind, result: None, error: Some("no file".into()), rows: vec![] });
    };
    match st.app.import(&ctx.actor, k, &name, &bytes, &ctx.meta, &|_, _| {}).await {
        Ok(r) => {
            let msg = format!("{} rows, {} created, {} updated", r.rows, r.created, r.updated);
            render(&ctx, &ImportPage { c, kind, result: Some(msg), error: None, rows: vec![] })
        }
        Err(AppError::InvalidRows(rows)) => {
            let msg = format!("{} — nothing was imported", AppError::InvalidRows(rows.clone()));
            render(&ctx, &ImportPage { c, kind, result: None, error: Some(msg), rows })
        }
        Err(e @ AppError::Forbidden(_)) => Err(e.into()),
        Err(e) => {
            let msg = crate::error::public_message(&e);
            render(&ctx, &ImportPage { c, kind, result: None, error: Some(msg), rows: vec![] })
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub page: Option<i64>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    items: Vec<(String, AuditEntry)>,
    total: i64,
    pager: Pager,
}

/// GET /audit
pub async fn audit(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    let action = q.action.clone().filter(|a| !a.is_empty());
    let res = st.app.audit_log(&ctx.actor, action.as_deref(), Page::new(q.page, Some(50)), &ctx.meta).await?;
    let query = query_string(&[("action", action.unwrap_or_default())]);
    let p = AuditPage {
        c: chrome(&ctx, "audit", ctx.lang.t("audit").into(), "audit"),
        total: res.total,
        pager: Pager::new("/audit", &query, res.page, res.per_page, res.total),
        items: res.items.into_iter().map(|a| (display_cst(a.at), a)).collect(),
    };
    render(&ctx, &p)
}
