//! Attachments in the browser: the section of the demand page (list and
//! upload form), the upload form's target, and `GET /attachments/{id}`,
//! which serves the bytes to pages and API clients alike (session cookie or
//! bearer token) as the type detected on upload, never sniffed.

use crate::api::attachments::file_field;
use crate::ctx::{Ctx, PageCtx};
use crate::error::PageError;
use crate::i18n::Lang;
use crate::pages::form_files::check_multipart_csrf;
use crate::AppState;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};
use zhuqi_app::attachments::{is_inline_image, may_attach, Owner};
use zhuqi_app::AppError;
use zhuqi_domain::clock::display_cst;

/// One attachment as the demand page lists it.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub kind: String,
    pub by: String,
    pub at: String,
    /// The bytes are not on the server (a database restored without its
    /// files): the page says "文件缺失 / file missing" instead of a link.
    pub missing: bool,
}

/// The attachments section of the demand page.
#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub items: Vec<Item>,
    pub empty: String,
    pub may_upload: bool,
    pub upload: String,
    /// The file input's label.
    pub pick: String,
    pub hint: String,
    /// The `accept` attribute of the file input.
    pub accept: &'static str,
    pub missing_text: String,
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

fn kind_label(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "JPEG",
        "image/png" => "PNG",
        "image/heic" => "HEIC",
        "image/heif" => "HEIF",
        "image/webp" => "WebP",
        "application/pdf" => "PDF",
        "application/msword" | "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "Word",
        "application/vnd.ms-excel" | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "Excel",
        "application/vnd.ms-powerpoint"
        | "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "PowerPoint",
        _ => "",
    }
}

/// Builds the section for a demand the viewer has just read.
pub async fn section(st: &AppState, ctx: &Ctx, demand_id: i64) -> Result<Section, PageError> {
    let rows = st.app.attachments_of_demand(&ctx.actor, demand_id, &ctx.meta).await?;
    let (max_file, max_total) = st.app.attachment_limits();
    let (mf, mt) = (max_file / (1024 * 1024), max_total / (1024 * 1024));
    let en = ctx.lang == Lang::En;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let missing = !st.app.attachment_present(&r).await?;
        items.push(Item {
            id: r.id,
            name: r.file_name,
            size: size_text(r.size),
            kind: kind_label(&r.content_type).into(),
            by: r.uploaded_by_name.unwrap_or_default(),
            at: display_cst(r.uploaded_at),
            missing,
        });
    }
    Ok(Section {
        title: if en { "Attachments" } else { "附件" }.into(),
        items,
        empty: if en { "No attachments yet." } else { "暂无附件。" }.into(),
        may_upload: may_attach(ctx.actor.role),
        upload: if en { "Upload" } else { "上传" }.into(),
        pick: if en { "Add a photo or document" } else { "添加照片或文件" }.into(),
        hint: if en {
            format!("Photos (JPEG, PNG, HEIC, WebP), PDF, Word, Excel or PowerPoint; at most {mf} MB per file and {mt} MB per demand.")
        } else {
            format!("照片（JPEG、PNG、HEIC、WebP）、PDF、Word、Excel 或 PowerPoint；单个文件不超过 {mf} MB，每条诉求合计不超过 {mt} MB。")
        },
        missing_text: if en { "file missing" } else { "文件缺失 / file missing" }.into(),
        accept:
            "image/jpeg,image/png,image/heic,image/heif,image/webp,application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx",
    })
}

/// Uploads a page form's file to an owner, then back to the owner's page
/// (`back`) with a message; a refused file is said there, nothing stored.
async fn upload_to(st: &AppState, ctx: &Ctx, owner: Owner, req: Request, back: &str) -> Result<Redirect, PageError> {
    let mut mp = Multipart::from_request(req, st)
        .await
        .map_err(|e| PageError::from(zhuqi_domain::FieldError::new("file", e.body_text())))?;
    check_multipart_csrf(ctx, &mut mp).await?;
    st.app.may_attach_to(&ctx.actor, owner, &ctx.meta).await?;
    let res = match file_field(st, &mut mp).await {
        Ok((name, bytes)) => st.app.attach_to(&ctx.actor, owner, &name, &bytes, &ctx.meta).await.map(|_| ()),
        Err(e) => Err(e),
    };
    let flash = match res {
        Ok(()) => crate::flash::Flash::ok(ctx.lang.t("saved")),
        Err(e @ AppError::Invalid(_)) => crate::flash::Flash::error(crate::error::public_message(&e)),
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("{back}?{}", crate::flash::query(ctx, &flash))))
}

/// POST /demands/{id}/attachments (multipart: `_csrf` first, then `file`)
/// → back to the demand page with a message.
pub async fn upload(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Redirect, PageError> {
    upload_to(&st, &ctx, Owner::Demand(id), req, &format!("/demands/{id}")).await
}

/// POST /visits/{id}/attachments (multipart: `_csrf` first, then `file`)
/// → back to the visit page with a message.
pub async fn upload_to_visit(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Redirect, PageError> {
    upload_to(&st, &ctx, Owner::Visit(id), req, &format!("/visits/{id}")).await
}

/// `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987).
pub fn content_disposition(disposition: &str, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| if (c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%')) || c == ' ' { c } else { '_' })
        .collect();
    let mut enc = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            enc.push(char::from(b));
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{enc}")
}

/// GET /attachments/{id} — the bytes, to users who may read the demand
/// (404 for everyone else). Images open inline, everything else downloads.
pub async fn download(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (row, bytes) = st.app.attachment(&ctx.actor, id, &ctx.meta).await?;
    let disposition = if is_inline_image(&row.content_type) { "inline" } else { "attachment" };
    let header = |v: String| HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(&row.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(CONTENT_DISPOSITION, header(content_disposition(disposition, &row.file_name)));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("private"));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_offered_in_utf8_with_an_ascii_fallback() {
        assert_eq!(
            content_disposition("attachment", "报告 1.pdf"),
            "attachment; filename=\"__ 1.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%201.pdf"
        );
        assert_eq!(
            content_disposition("inline", "a\"b.png"),
            "inline; filename=\"a_b.png\"; filename*=UTF-8''a%22b.png"
        );
    }
}
