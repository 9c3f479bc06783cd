//! Forms that carry files with their fields (a visit with its photos, a
//! demand with its attachments): the body is read whole (multipart, or
//! urlencoded when no file input is involved), the CSRF token checked, and
//! the files checked before anything is recorded, so that a refused file
//! refuses the whole form and nothing is stored.

use crate::ctx::{check_csrf_field, check_csrf_value, Ctx};
use crate::error::PageError;
use crate::AppState;
use axum::extract::{FromRequest, Multipart, Request};
use zhuqi_app::AppError;
use zhuqi_domain::FieldError;

/// The CSRF check of a multipart page form: its first field must be
/// `_csrf` with the session's token (the token never rides in a URL, where
/// logs, history and `Referer` would keep it). Checked before any file is
/// read, so a forged post reads no upload.
pub async fn check_multipart_csrf(ctx: &Ctx, mp: &mut Multipart) -> Result<(), PageError> {
    let first = mp.next_field().await.map_err(|e| PageError::from(FieldError::new("_csrf", e.body_text())))?;
    let sent = match first {
        Some(f) if f.name() == Some("_csrf") => f.text().await.ok(),
        _ => None,
    };
    check_csrf_value(ctx, sent.as_deref())
}

/// A file picked on a form: (file name, bytes), the bytes `None` when it is
/// over the per-file limit (the rest of it was not kept).
pub type Picked = (String, Option<Vec<u8>>);

/// Reads a form: multipart (the fields, and the files of the input named
/// `file_field`) or urlencoded (just the fields). Checks the CSRF token
/// either way (multipart: the first field, see [`check_multipart_csrf`]). Reading stops at the per-owner total plus room for fields.
pub async fn read_form_with_files(
    st: &AppState,
    ctx: &Ctx,
    req: Request,
    file_field: &str,
) -> Result<(Vec<(String, String)>, Vec<Picked>), PageError> {
    let bad = |m: String| PageError::from(FieldError::new(file_field, m));
    let is_multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        let bytes = axum::body::to_bytes(req.into_body(), 2 * 1024 * 1024)
            .await
            .map_err(|_| bad("表单过大 (the form is too large)".into()))?;
        check_csrf_field(ctx, &bytes)?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|e| bad(e.to_string()))?;
        return Ok((pairs, Vec::new()));
    }
    let (max_file, max_total) = st.app.attachment_limits();
    let max_file = usize::try_from(max_file).unwrap_or(usize::MAX);
    let max_body = usize::try_from(max_total).unwrap_or(usize::MAX).saturating_add(2 * 1024 * 1024);
    let mut mp = Multipart::from_request(req, st).await.map_err(|e| bad(e.body_text()))?;
    check_multipart_csrf(ctx, &mut mp).await?;
    let (mut pairs, mut files, mut read) = (Vec::new(), Vec::new(), 0usize);
    while let Some(mut field) = mp.next_field().await.map_err(|e| bad(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let mut bytes = Vec::new();
        let mut over = false;
        while let Some(chunk) = field.chunk().await.map_err(|e| bad(e.body_text()))? {
            read += chunk.len();
            if read > max_body {
                return Err(PageError::from(st.app.file_too_large(None)));
            }
            if bytes.len() + chunk.len() > max_file {
                over = true;
                bytes = Vec::new();
            }
            if !over {
                bytes.extend_from_slice(&chunk);
            }
        }
        match file_name {
            // A file input left empty still sends a part with an empty name.
            Some(f) if name == file_field => {
                if !(f.is_empty() && bytes.is_empty() && !over) {
                    files.push((f, (!over).then_some(bytes)));
                }
            }
            Some(_) => {}
            None => pairs.push((name, String::from_utf8_lossy(&bytes).into_owned())),
        }
    }
    Ok((pairs, files))
}

/// Checks picked files before their owner is recorded: each passes the
/// attachment checks (limit, type from the content), and together they stay
/// within the per-owner total. The error names the file, on `field`.
pub fn check_files(st: &AppState, files: &[Picked], field: &str) -> Result<(), AppError> {
    let (_, max_total) = st.app.attachment_limits();
    let mut total = 0i64;
    for (name, bytes) in files {
        let named = |e: AppError| match e {
            AppError::Invalid(f) => AppError::Invalid(FieldError::new(field, format!("{name}: {}", f.message))),
            other => other,
        };
        let bytes = bytes.as_ref().ok_or_else(|| named(st.app.file_too_large(None)))?;
        st.app.check_attachment(bytes).map_err(named)?;
        total += i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    }
    if total > max_total {
        let (t, m) = (total / (1024 * 1024), max_total / (1024 * 1024));
        return Err(FieldError::new(
            field,
            format!("文件合计 {t} MB，超过 {m} MB 的上限，未保存 (the files total {t} MB, over the limit of {m} MB; nothing was stored)"),
        )
        .into());
    }
    Ok(())
}
