//! Attachments of demands over JSON: upload (multipart field `file`, or the
//! raw bytes as the body with the name in `X-File-Name`), and the list.
//! The bytes themselves are served by `GET /attachments/{id}`
//! ([`crate::pages::attachments::download`]) for pages and API alike.
//!
//! Upload routes lift axum's body limit; the handlers stop reading as soon
//! as a file passes the configured per-file limit instead.

use crate::ctx::{ApiCtx, Ctx};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::Json;
use zhuqi_app::attachments::{AttachmentRow, Owner};
use zhuqi_app::AppError;
use zhuqi_domain::FieldError;
use zhuqi_store::Paged;

/// An attachment as the API shows it: the row plus the URL of its bytes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AttachmentOut {
    #[serde(flatten)]
    pub row: AttachmentRow,
    /// `/attachments/{id}`: the bytes, as the detected type.
    pub url: String,
}

impl From<AttachmentRow> for AttachmentOut {
    fn from(row: AttachmentRow) -> Self {
        Self { url: format!("/attachments/{}", row.id), row }
    }
}

/// Decodes `%XX` escapes (UTF-8) of a header value; `+` stays a plus.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex =
            b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn bad(message: impl Into<String>) -> AppError {
    FieldError::new("file", message).into()
}

/// Reads an upload from a request: `(file name, bytes)`. Multipart bodies
/// give the first field named `file`; any other body is the file itself,
/// named by `X-File-Name` (percent-encoded UTF-8). Reading stops as soon
/// as the file is over the per-file limit.
pub async fn read_upload(st: &AppState, req: Request) -> Result<(String, Vec<u8>), AppError> {
    let (max, _) = st.app.attachment_limits();
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    let too_large = || st.app.file_too_large(None);
    let is_multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if is_multipart {
        let mut mp = Multipart::from_request(req, st).await.map_err(|e| bad(e.body_text()))?;
        return file_field(st, &mut mp).await;
    }
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let name = req.headers().get("x-file-name").and_then(|v| v.to_str().ok()).map(percent_decode).unwrap_or_default();
    match axum::body::to_bytes(req.into_body(), max).await {
        Ok(b) => Ok((name, b.to_vec())),
        Err(e) if e.to_string().contains("length limit") => Err(too_large()),
        Err(e) => Err(bad(format!("上传中断 (the upload could not be read: {e})"))),
    }
}

/// The multipart field `file` of a form (the fields before it skipped):
/// its file name and bytes, within the per-file limit.
pub async fn file_field(st: &AppState, mp: &mut Multipart) -> Result<(String, Vec<u8>), AppError> {
    let (max, _) = st.app.attachment_limits();
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Err(bad("请选择要上传的文件 (no multipart field named 'file')")),
            Err(e) => return Err(bad(e.body_text())),
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > max {
                        return Err(st.app.file_too_large(None));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(bad(e.body_text())),
            }
        }
        return Ok((name, bytes));
    }
}

/// Authorizes, reads and stores an upload for an owner → 201.
async fn upload_to(
    st: &AppState,
    ctx: &Ctx,
    owner: Owner,
    req: Request,
) -> Result<(StatusCode, Json<AttachmentOut>), ApiError> {
    // Scope and role first, so that nobody learns anything by uploading.
    st.app.may_attach_to(&ctx.actor, owner, &ctx.meta).await?;
    let (name, bytes) = read_upload(st, req).await?;
    let row = st.app.attach_to(&ctx.actor, owner, &name, &bytes, &ctx.meta).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Every attachment of an owner, oldest first, in the list shape.
async fn list_of(st: &AppState, ctx: &Ctx, owner: Owner) -> Result<Json<Paged<AttachmentOut>>, ApiError> {
    let rows = st.app.attachments_of(&ctx.actor, owner, &ctx.meta).await?;
    let items: Vec<AttachmentOut> = rows.into_iter().map(AttachmentOut::from).collect();
    let n = i64::try_from(items.len()).unwrap_or(i64::MAX);
    Ok(Json(Paged { items, total: n, page: 1, per_page: n.max(1) }))
}

/// POST /api/v1/demands/{id}/attachments → 201 with the attachment.
pub async fn upload(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    req: Request,
) -> Result<(StatusCode, Json<AttachmentOut>), ApiError> {
    upload_to(&st, &ctx, Owner::Demand(id), req).await
}

/// GET /api/v1/demands/{id}/attachments → every attachment of the demand,
/// oldest first, in the list shape. Each item's bytes are at
/// `/attachments/{id}`.
pub async fn list(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Paged<AttachmentOut>>, ApiError> {
    list_of(&st, &ctx, Owner::Demand(id)).await
}

/// POST /api/v1/visits/{id}/attachments → 201 with the attachment (the
/// visit's author, within 24 hours of recording it).
pub async fn upload_to_visit(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
    req: Request,
) -> Result<(StatusCode, Json<AttachmentOut>), ApiError> {
    upload_to(&st, &ctx, Owner::Visit(id), req).await
}

/// GET /api/v1/visits/{id}/attachments → the visit's photos and documents,
/// oldest first, in the list shape.
pub async fn list_of_visit(
    State(st): State<AppState>,
    ApiCtx(ctx): ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Paged<AttachmentOut>>, ApiError> {
    list_of(&st, &ctx, Owner::Visit(id)).await
}
