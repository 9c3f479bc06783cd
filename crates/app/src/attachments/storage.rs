//! Where attachment bytes are kept: content-addressed files or database blobs.

use super::AttachmentRow;
use crate::{App, AppError, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zhuqi_store::attachments as store;
use zhuqi_store::Engine;

/// The SHA-256 of some bytes, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn blob_path(dir: &Path, sha: &str) -> Result<PathBuf> {
    if sha.len() != 64 || !sha.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::Internal(format!("not a sha256: {sha}")));
    }
    Ok(dir.join(&sha[..2]).join(sha))
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::Internal(format!("attachments: {what} {}: {e}", path.display()))
}

/// Writes the bytes under their hash unless a complete copy is there;
/// returns whether this call created the file.
pub(super) fn write_file(dir: &Path, sha: &str, bytes: &[u8]) -> Result<bool> {
    use std::io::Write;
    let path = blob_path(dir, sha)?;
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64) {
        return Ok(false);
    }
    let parent = path.parent().unwrap_or(dir).to_path_buf();
    let tmp_dir = dir.join("tmp");
    for d in [&parent, &tmp_dir] {
        std::fs::create_dir_all(d).map_err(|e| io_err("cannot create", d, e))?;
    }
    let tmp = tmp_dir.join(format!("{sha}.{:016x}", rand::random::<u64>()));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| io_err("cannot create", &tmp, e))?;
        f.write_all(bytes).map_err(|e| io_err("cannot write", &tmp, e))?;
        f.sync_all().map_err(|e| io_err("cannot sync", &tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io_err("cannot move into place", &path, e))?;
        // The rename is durable once the directory is synced (best effort).
        if let Ok(d) = std::fs::File::open(&parent) {
            let _ = d.sync_all();
        }
        Ok(true)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

impl App {
    /// The directory attachment files are kept in; `None` when the bytes
    /// are kept in the database (see the module documentation).
    pub async fn attachment_dir(&self) -> Result<Option<PathBuf>> {
        let dir = self.config.attachments.dir.trim();
        if !dir.is_empty() {
            return Ok(Some(PathBuf::from(dir)));
        }
        match self.store.engine() {
            Engine::Postgres => Ok(None),
            Engine::Sqlite => {
                let mut c = self.store.read().await?;
                let file = store::sqlite_file(&mut c).await?;
                Ok((!file.is_empty()).then(|| PathBuf::from(format!("{file}.files"))))
            }
        }
    }
}

impl App {
    /// Removes a file written for an upload that was then not recorded,
    /// unless some row refers to the same bytes. Runs in a write transaction
    /// holding the content's lock, so that no upload of the same bytes can
    /// record a row in between (such an upload re-checks its file after).
    pub(super) async fn remove_unused_file(&self, dir: &Path, sha: &str) {
        let res = async {
            let mut tx = self.store.begin().await?;
            store::lock_content(&mut tx, sha).await?;
            if !store::sha_in_use(&mut tx, sha).await? {
                let path = blob_path(dir, sha)?;
                tokio::fs::remove_file(&path).await.map_err(|e| io_err("cannot remove", &path, e))?;
            }
            tx.rollback().await?;
            Ok::<_, AppError>(())
        }
        .await;
        if let Err(e) = res {
            tracing::warn!(error = %e, sha, "could not remove the file of an unrecorded attachment");
        }
    }
}

impl App {
    /// The stored bytes of a row, checked against its hash. Bytes that are
    /// gone (a database restored without its files directory) or damaged
    /// are [`AppError::Gone`] — "文件缺失 / file missing", never a 500.
    pub async fn attachment_bytes(&self, row: &AttachmentRow) -> Result<Vec<u8>> {
        let missing = || {
            AppError::Gone(format!(
                "文件缺失：附件 {} 的文件不在服务器上，请联系管理员 (file missing: the bytes of attachment {} ({}) are not on the server; tell the administrator)",
                row.id, row.id, row.file_name
            ))
        };
        let bytes = match self.attachment_dir().await? {
            Some(dir) => {
                let path = blob_path(&dir, &row.sha256)?;
                match tokio::fs::read(&path).await {
                    Ok(b) => b,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        tracing::warn!(attachment = row.id, path = %path.display(), "attachment file missing (run zhuqi check)");
                        return Err(missing());
                    }
                    Err(e) => return Err(io_err("cannot read", &path, e)),
                }
            }
            None => {
                let mut c = self.store.read().await?;
                match store::get_blob(&mut c, &row.sha256).await? {
                    Some(b) => b,
                    None => {
                        tracing::warn!(attachment = row.id, "attachment blob missing (run zhuqi check)");
                        return Err(missing());
                    }
                }
            }
        };
        let sha = row.sha256.clone();
        let check = bytes.clone();
        let ok = tokio::task::spawn_blocking(move || sha256_hex(&check) == sha)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        if !ok {
            tracing::warn!(attachment = row.id, "attachment bytes do not match their hash (run zhuqi check)");
            return Err(AppError::Gone(format!(
                "文件缺失：附件 {} 的文件已损坏 (file missing: the stored bytes of attachment {} ({}) no longer match their hash)",
                row.id, row.id, row.file_name
            )));
        }
        Ok(bytes)
    }

    /// Whether the bytes of a row are there (a file of the right size, or
    /// its blob), for pages that list attachments.
    pub async fn attachment_present(&self, row: &AttachmentRow) -> Result<bool> {
        Ok(match self.attachment_dir().await? {
            Some(dir) => {
                let path = blob_path(&dir, &row.sha256)?;
                tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_file() && m.len() == row.size as u64)
            }
            None => {
                let mut c = self.store.read().await?;
                store::blob_exists(&mut c, &row.sha256).await?
            }
        })
    }
}
