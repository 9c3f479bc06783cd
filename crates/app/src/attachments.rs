//! Attachments (附件) of demands and of visits: photos and documents
//! uploaded by the parties to a demand, and by an officer to the visit they
//! recorded (within its 24-hour edit window; readers of the visit read them).
//!
//! **The type comes from the content, never from the name.** [`detect`]
//! reads the magic bytes and accepts JPEG, PNG, HEIC/HEIF, WebP, PDF, and
//! Word/Excel/PowerPoint documents: OOXML (a zip whose central directory
//! lists `[Content_Types].xml` and `word/`, `xl/` or `ppt/` parts, without a
//! `vbaProject.bin`) and the legacy OLE compound files (`D0 CF 11 E0`) whose
//! directory holds a `WordDocument`, `Workbook`/`Book` or `PowerPoint
//! Document` stream and no macro storage. Anything else — an executable
//! renamed `.jpg`, an archive, HTML, SVG, a script — is refused with a field
//! error on `file` naming what the content was detected as. The detected
//! type, not the client's, is what downloads are served as.
//!
//! **Limits**: per file and per demand (`[attachments] max_file_mb`,
//! `max_demand_mb`; defaults 10 MB and 50 MB), checked before anything is
//! written, and the per-demand total again inside the write transaction
//! (PostgreSQL locks the demand row; SQLite has a single writer). A refused
//! upload leaves nothing behind: no row, no blob, no file.
//!
//! **Storage**: content-addressed by SHA-256 (the hash is in the row, so
//! the same bytes uploaded twice are stored once):
//! - with `[attachments] dir` set: files `<dir>/<sha[0..2]>/<sha>` (written
//!   to `<dir>/tmp/` first, fsynced, then renamed into place);
//! - otherwise SQLite: the same layout in `<database file>.files/` next to
//!   the database (back the two up together);
//! - otherwise PostgreSQL (and an in-memory SQLite): in the database, table
//!   `attachment_blobs`, so a province deployment with several application
//!   nodes needs no shared disk, and one backup holds everything.
//!
//! A file is written before its row is committed (and checked again inside
//! the transaction); if recording fails, the file is removed again unless a
//! row refers to the same bytes — both under a per-hash lock (the single
//! writer on SQLite, an advisory lock on PostgreSQL), so an identical upload
//! racing a failed one never records a row without its file. Downloads check
//! the bytes against the hash.
//!
//! **Who**: anyone who may read the demand may list and download its
//! attachments (others get 404: its existence does not leak). Uploading
//! needs a party to the demand: the enterprise's users, the officers it is
//! in scope for (its serving officer, the submitter), the handlers and heads
//! of the lead or assisting departments, coordinators and the city admin
//! (who takes hotline demands like a coordinator). Auditors and district
//! admins read but may not upload (403, audited). Uploads are audited.

use crate::{App, AppError, RequestMeta, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zhuqi_domain::capability::{self, Capability};
use zhuqi_domain::{Actor, FieldError, Role};
use zhuqi_store::attachments::{self as store, NewAttachment};
use zhuqi_store::demands::{DemandRow, DemandScope};
use zhuqi_store::Engine;

pub use zhuqi_store::attachments::AttachmentRow;

/// An accepted type of content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Heic,
    Heif,
    Webp,
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Doc,
    Xls,
    Ppt,
}

impl Kind {
    /// The media type downloads are served with.
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Heic => "image/heic",
            Kind::Heif => "image/heif",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            Kind::Doc => "application/msword",
            Kind::Xls => "application/vnd.ms-excel",
            Kind::Ppt => "application/vnd.ms-powerpoint",
        }
    }

    /// The usual file extension (for uploads without a usable name).
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Heic => "heic",
            Kind::Heif => "heif",
            Kind::Webp => "webp",
            Kind::Pdf => "pdf",
            Kind::Docx => "docx",
            Kind::Xlsx => "xlsx",
            Kind::Pptx => "pptx",
            Kind::Doc => "doc",
            Kind::Xls => "xls",
            Kind::Ppt => "ppt",
        }
    }
}

/// Whether a stored content type is an image a browser may show inline.
pub fn is_inline_image(content_type: &str) -> bool {
    matches!(content_type, "image/jpeg" | "image/png" | "image/webp")
}

const ACCEPTED: &str = "JPEG, PNG, HEIC/HEIF, WebP, PDF, Word/Excel/PowerPoint";

/// Detects the type of a file from its content. `Err` names what the
/// content is instead (for the refusal message).
pub fn detect(b: &[u8]) -> std::result::Result<Kind, String> {
    if b.is_empty() {
        return Err("an empty file".into());
    }
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Kind::Jpeg);
    }
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Kind::Png);
    }
    if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        return Ok(Kind::Webp);
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return match &b[8..12] {
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => Ok(Kind::Heic),
            b"mif1" | b"msf1" | b"heif" => Ok(Kind::Heif),
            brand => Err(format!("ISO media of brand '{}' (e.g. a video)", String::from_utf8_lossy(brand))),
        };
    }
    if b.starts_with(b"%PDF-") {
        return Ok(Kind::Pdf);
    }
    if b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") {
        return ooxml(b);
    }
    if b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return ole(b);
    }
    Err(refused_kind(b))
}

/// What a refused file is, as far as its first bytes tell.
fn refused_kind(b: &[u8]) -> String {
    let starts = |p: &[u8]| b.starts_with(p);
    let known: Option<&str> = if starts(b"\x7fELF") {
        Some("an ELF executable")
    } else if starts(b"MZ") {
        Some("a Windows executable (MZ/PE)")
    } else if starts(&[0xCA, 0xFE, 0xBA, 0xBE])
        || starts(&[0xFE, 0xED, 0xFA, 0xCE])
        || starts(&[0xFE, 0xED, 0xFA, 0xCF])
        || starts(&[0xCE, 0xFA, 0xED, 0xFE])
        || starts(&[0xCF, 0xFA, 0xED, 0xFE])
    {
        Some("a Mach-O executable or Java class")
    } else if starts(b"#!") {
        Some("a script")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("a GIF image")
    } else if starts(b"Rar!") {
        Some("a RAR archive")
    } else if starts(&[0x1F, 0x8B]) {
        Some("a gzip archive")
    } else if starts(b"7z\xBC\xAF\x27\x1C") {
        Some("a 7-Zip archive")
    } else if starts(b"RIFF") {
        Some("RIFF media (e.g. WAV or AVI)")
    } else {
        None
    };
    if let Some(k) = known {
        return k.to_string();
    }
    let head =
        String::from_utf8_lossy(&b[..b.len().min(512)]).trim_start_matches('\u{feff}').trim_start().to_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<script") {
        return "an HTML document".into();
    }
    if head.starts_with("<svg") || (head.starts_with("<?xml") && head.contains("<svg")) {
        return "an SVG image (may carry scripts)".into();
    }
    if head.starts_with("<?xml") {
        return "an XML document".into();
    }
    if !b.contains(&0) && std::str::from_utf8(&b[..b.len().min(4096)]).is_ok() {
        return "plain text".into();
    }
    let hex: Vec<String> = b.iter().take(4).map(|x| format!("{x:02x}")).collect();
    format!("an unknown type (first bytes {})", hex.join(" "))
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at + 2)?;
    Some(usize::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// The entry names of a zip's central directory (`None` if it cannot be read).
fn zip_names(b: &[u8]) -> Option<Vec<String>> {
    // The end-of-central-directory record is within the last 64 KiB + 22 bytes.
    let lo = b.len().saturating_sub(65_535 + 22);
    let eocd = (lo..b.len().saturating_sub(21)).rev().find(|&i| b[i..].starts_with(b"PK\x05\x06"))?;
    let count = u16_at(b, eocd + 10)?;
    let mut at = usize::try_from(u32_at(b, eocd + 16)?).ok()?;
    let mut names = Vec::with_capacity(count.min(4096));
    for _ in 0..count {
        if !b.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let (n, e, k) = (u16_at(b, at + 28)?, u16_at(b, at + 30)?, u16_at(b, at + 32)?);
        names.push(String::from_utf8_lossy(b.get(at + 46..at + 46 + n)?).into_owned());
        at += 46 + n + e + k;
    }
    Some(names)
}

fn ooxml(b: &[u8]) -> std::result::Result<Kind, String> {
    let Some(names) = zip_names(b) else { return Err("a damaged or unreadable ZIP archive".into()) };
    if !names.iter().any(|n| n == "[Content_Types].xml") {
        return Err("a ZIP archive (not an Office document)".into());
    }
    if names.iter().any(|n| n.to_ascii_lowercase().ends_with("vbaproject.bin")) {
        return Err("an Office document with macros".into());
    }
    let has = |p: &str| names.iter().any(|n| n.starts_with(p));
    if has("word/") {
        Ok(Kind::Docx)
    } else if has("xl/") {
        Ok(Kind::Xlsx)
    } else if has("ppt/") {
        Ok(Kind::Pptx)
    } else {
        Err("an Open Packaging (OPC) archive that is not Word, Excel or PowerPoint".into())
    }
}

/// The names in an OLE compound file's directory (`None` if unreadable).
fn ole_names(b: &[u8]) -> Option<Vec<String>> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let shift = u16_at(b, 0x1E)?;
    if shift != 9 && shift != 12 {
        return None;
    }
    let ss = 1usize << shift;
    let per = ss / 4;
    let sector = |n: u32| -> Option<&[u8]> {
        let start = (usize::try_from(n).ok()? + 1).checked_mul(ss)?;
        b.get(start..start + ss)
    };
    // The FAT's own sectors: 109 in the header, the rest in the DIFAT chain.
    let mut fat_sectors: Vec<u32> = (0..109).filter_map(|i| u32_at(b, 0x4C + 4 * i)).filter(|s| *s < END).collect();
    let mut difat = u32_at(b, 0x44)?;
    let mut guard = 0;
    while difat < END && guard < 10_000 {
        let s = sector(difat)?;
        fat_sectors.extend((0..per - 1).filter_map(|i| u32_at(s, 4 * i)).filter(|x| *x < END));
        difat = u32_at(s, ss - 4)?;
        guard += 1;
    }
    let next = |n: u32| -> Option<u32> {
        let idx = usize::try_from(n).ok()?;
        let fs = *fat_sectors.get(idx / per)?;
        u32_at(sector(fs)?, 4 * (idx % per))
    };
    let mut names = Vec::new();
    let mut dir = u32_at(b, 0x30)?;
    let mut seen = 0usize;
    while dir != END && dir != FREE {
        let s = sector(dir)?;
        for e in s.chunks_exact(128) {
            let len = u16_at(e, 64)?.min(64);
            if e[66] == 0 || len < 2 {
                continue;
            }
            let units: Vec<u16> = e[..len - 2].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            names.push(String::from_utf16_lossy(&units));
        }
        seen += 1;
        if seen > 100_000 {
            return None;
        }
        dir = next(dir)?;
    }
    Some(names)
}

fn ole(b: &[u8]) -> std::result::Result<Kind, String> {
    let Some(names) = ole_names(b) else { return Err("a damaged OLE compound file".into()) };
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("Macros") || has("_VBA_PROJECT_CUR") || has("VBA") {
        return Err("an Office document with macros".into());
    }
    if has("WordDocument") {
        Ok(Kind::Doc)
    } else if has("Workbook") || has("Book") {
        Ok(Kind::Xls)
    } else if has("PowerPoint Document") {
        Ok(Kind::Ppt)
    } else if has("EncryptedPackage") {
        Err("an encrypted Office document".into())
    } else {
        Err("an OLE compound file (e.g. an installer), not a Word, Excel or PowerPoint document".into())
    }
}

/// The file name as stored and offered on download: the last path segment,
/// without control characters or quotes, at most 200 characters; a name
/// derived from the type when nothing usable is left.
pub fn clean_file_name(name: &str, kind: Kind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '\u{202e}')).take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() {
        format!("attachment.{}", kind.extension())
    } else {
        cleaned
    }
}

/// The SHA-256 of some bytes, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

const MB: i64 = 1024 * 1024;

fn mb_text(bytes: i64) -> String {
    let tenths = (bytes * 10 + MB / 2) / MB;
    if tenths % 10 == 0 {
        format!("{} MB", tenths / 10)
    } else {
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

/// The roles that may upload to a demand they can read (the parties).
pub fn may_attach(role: Role) -> bool {
    capability::may(role, Capability::DemandAttach)
}

/// What an attachment hangs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Demand(i64),
    Visit(i64),
}

impl Owner {
    fn target(self) -> String {
        match self {
            Owner::Demand(id) => format!("demand:{id}"),
            Owner::Visit(id) => format!("visit:{id}"),
        }
    }
}

/// Bytes already attached to the owner.
async fn owner_total(c: &mut zhuqi_store::Conn, owner: Owner) -> Result<i64> {
    Ok(match owner {
        Owner::Demand(d) => store::demand_total(c, d).await?,
        Owner::Visit(v) => store::visit_total(c, v).await?,
    })
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
fn write_file(dir: &Path, sha: &str, bytes: &[u8]) -> Result<bool> {
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

    /// The limits in force: (per file, per demand) in bytes.
    pub fn attachment_limits(&self) -> (i64, i64) {
        let a = &self.config.attachments;
        let b = |mb: u64| i64::try_from(mb).unwrap_or(i64::MAX / MB).saturating_mul(MB);
        (b(a.max_file_mb), b(a.max_demand_mb))
    }

    /// The field error for a file over the per-file limit (also used by the
    /// web layer when it stops reading an oversized body early).
    pub fn file_too_large(&self, size: Option<i64>) -> AppError {
        let (max, _) = self.attachment_limits();
        let size = size.map(|s| format!("{}, ", mb_text(s))).unwrap_or_default();
        FieldError::new(
            "file",
            format!(
                "文件超过单个附件上限 {limit}，未保存 (the file is {size}over the per-file limit of {limit}; nothing was stored)",
                limit = mb_text(max)
            ),
        )
        .into()
    }

    /// The checks an upload passes before anything is stored: the per-file
    /// limit and the type detected from the content. Forms that take files
    /// with other fields (a visit with its photos) call this first, so that a
    /// refused file refuses the whole form and nothing is recorded.
    pub fn check_attachment(&self, bytes: &[u8]) -> Result<Kind> {
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let (max_file, _) = self.attachment_limits();
        if size > max_file {
            return Err(self.file_too_large(Some(size)));
        }
        detect(bytes).map_err(|what| {
            FieldError::new(
                "file",
                format!(
                    "不接受此类文件：按内容检测为 {what}（类型按内容判断，与文件名无关）(file type not accepted: the content is {what}; accepted are {ACCEPTED})"
                ),
            )
            .into()
        })
    }

    /// The demand if `actor` may read it (404 otherwise; 403 for a role that reads no demand).
    async fn readable_demand(
        &self,
        actor: &Actor,
        demand_id: i64,
        action: &str,
        meta: &RequestMeta,
    ) -> Result<DemandRow> {
        let scope = self.demand_scope(actor);
        if scope == DemandScope::Nothing {
            return Err(self.deny(actor, action, &format!("demand:{demand_id}"), meta).await);
        }
        let mut c = self.store.read().await?;
        zhuqi_store::demands::get(&mut c, scope, demand_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("demand {demand_id}")))
    }

    /// Checks that `actor` may upload to the demand: 404 when it is out of
    /// scope, 403 (audited) for a reader who is not a party.
    pub async fn may_attach_to_demand(&self, actor: &Actor, demand_id: i64, meta: &RequestMeta) -> Result<DemandRow> {
        let row = self.readable_demand(actor, demand_id, "attach", meta).await?;
        if !may_attach(actor.role) {
            return Err(self.deny(actor, "attach", &format!("demand:{demand_id}"), meta).await);
        }
        Ok(row)
    }

    /// Checks, stores and records an upload for an owner **the caller has
    /// already authorized the actor for**; audited. Refusals (type, size)
    /// store nothing.
    pub async fn attach(
        &self,
        actor: &Actor,
        owner: Owner,
        file_name: &str,
        bytes: &[u8],
        meta: &RequestMeta,
    ) -> Result<AttachmentRow> {
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let (_, max_total) = self.attachment_limits();
        let kind = self.check_attachment(bytes)?;
        let name = clean_file_name(file_name, kind);
        let sha = sha256_hex(bytes);
        let over = |already: i64| -> AppError {
            FieldError::new(
                "file",
                format!(
                    "附件合计不得超过 {limit}（已有 {have}），未保存 (the attachments of one {what} may total at most {limit}; it has {have} already, this file is {this}; nothing was stored)",
                    limit = mb_text(max_total),
                    have = mb_text(already),
                    this = mb_text(size),
                    what = if matches!(owner, Owner::Demand(_)) { "demand" } else { "visit" },
                ),
            )
            .into()
        };
        {
            let mut c = self.store.read().await?;
            let already = owner_total(&mut c, owner).await?;
            if already + size > max_total {
                return Err(over(already));
            }
        }
        let dir = self.attachment_dir().await?;
        let created = match &dir {
            Some(d) => {
                let (d, s, b) = (d.clone(), sha.clone(), bytes.to_vec());
                tokio::task::spawn_blocking(move || write_file(&d, &s, &b))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))??
            }
            None => false,
        };
        let now = self.now_ms();
        let res = async {
            let mut tx = self.store.begin().await?;
            if let Owner::Demand(d) = owner {
                if !store::lock_demand(&mut tx, d).await? {
                    return Err(AppError::NotFound(format!("demand {d}")));
                }
            }
            let already = owner_total(&mut tx, owner).await?;
            if already + size > max_total {
                return Err(over(already));
            }
            store::lock_content(&mut tx, &sha).await?;
            match &dir {
                None => store::put_blob(&mut tx, &sha, bytes).await?,
                // Normally a no-op; rewrites the file should a failed upload of
                // the same bytes have removed it since it was written above.
                Some(d) => {
                    let (d, s, b) = (d.clone(), sha.clone(), bytes.to_vec());
                    tokio::task::spawn_blocking(move || write_file(&d, &s, &b))
                        .await
                        .map_err(|e| AppError::Internal(e.to_string()))??;
                }
            }
            let (demand_id, visit_id) = match owner {
                Owner::Demand(d) => (Some(d), None),
                Owner::Visit(v) => (None, Some(v)),
            };
            let id = store::insert(
                &mut tx,
                &NewAttachment {
                    sha256: &sha,
                    size,
                    content_type: kind.content_type(),
                    file_name: &name,
                    demand_id,
                    visit_id,
                    uploaded_by: actor.user_id,
                    uploaded_at: now,
                },
            )
            .await?;
            tx.commit().await?;
            Ok(id)
        }
        .await;
        let id = match res {
            Ok(id) => id,
            Err(e) => {
                if let (true, Some(d)) = (created, &dir) {
                    self.remove_unused_file(d, &sha).await;
                }
                return Err(e);
            }
        };
        let detail = format!("attachment:{id} {} {size} {} {name}", kind.content_type(), &sha[..16]);
        self.audit(Some(actor), "attach", &owner.target(), "success", &detail, meta).await;
        let mut c = self.store.read().await?;
        store::get(&mut c, id).await?.ok_or_else(|| AppError::Internal(format!("attachment {id} vanished")))
    }

    /// Removes a file written for an upload that was then not recorded,
    /// unless some row refers to the same bytes. Runs in a write transaction
    /// holding the content's lock, so that no upload of the same bytes can
    /// record a row in between (such an upload re-checks its file after).
    async fn remove_unused_file(&self, dir: &Path, sha: &str) {
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

    /// The attachments of a demand the actor may read (404 otherwise).
    pub async fn attachments_of_demand(
        &self,
        actor: &Actor,
        demand_id: i64,
        meta: &RequestMeta,
    ) -> Result<Vec<AttachmentRow>> {
        self.readable_demand(actor, demand_id, "list_attachments", meta).await?;
        let mut c = self.store.read().await?;
        Ok(store::of_demand(&mut c, demand_id).await?)
    }

    /// Checks that `actor` may add photos to a visit: its author while the
    /// visit is still editable (24 hours after recording). 403 (audited)
    /// for other roles, 404 when the visit is out of the officer's scope.
    pub async fn may_attach_to_visit(&self, actor: &Actor, visit_id: i64, meta: &RequestMeta) -> Result<()> {
        // The role first (like every visit write): only officers record visits.
        if !actor.may(Capability::VisitRecord) {
            return Err(self.deny(actor, "attach", &format!("visit:{visit_id}"), meta).await);
        }
        let d = self.visit(actor, visit_id, meta).await?;
        if d.row.officer_id != actor.user_id {
            return Err(self.deny(actor, "attach", &format!("visit:{visit_id}"), meta).await);
        }
        if !d.editable {
            return Err(AppError::Forbidden(format!(
                "走访记录录入24小时后不能再添加照片 (visit {visit_id} was recorded more than 24 hours ago; photos can no longer be added)"
            )));
        }
        Ok(())
    }

    /// Checks that `actor` may upload to the owner (see
    /// [`App::may_attach_to_demand`], [`App::may_attach_to_visit`]).
    pub async fn may_attach_to(&self, actor: &Actor, owner: Owner, meta: &RequestMeta) -> Result<()> {
        match owner {
            Owner::Demand(id) => self.may_attach_to_demand(actor, id, meta).await.map(|_| ()),
            Owner::Visit(id) => self.may_attach_to_visit(actor, id, meta).await,
        }
    }

    /// Uploads a file to a demand or a visit, authorizing first.
    pub async fn attach_to(
        &self,
        actor: &Actor,
        owner: Owner,
        file_name: &str,
        bytes: &[u8],
        meta: &RequestMeta,
    ) -> Result<AttachmentRow> {
        self.may_attach_to(actor, owner, meta).await?;
        self.attach(actor, owner, file_name, bytes, meta).await
    }

    /// The attachments of a demand or a visit the actor may read (404 otherwise).
    pub async fn attachments_of(&self, actor: &Actor, owner: Owner, meta: &RequestMeta) -> Result<Vec<AttachmentRow>> {
        match owner {
            Owner::Demand(id) => self.attachments_of_demand(actor, id, meta).await,
            Owner::Visit(id) => self.attachments_of_visit(actor, id, meta).await,
        }
    }

    /// The attachments of a visit the actor may read (404 otherwise).
    pub async fn attachments_of_visit(
        &self,
        actor: &Actor,
        visit_id: i64,
        meta: &RequestMeta,
    ) -> Result<Vec<AttachmentRow>> {
        Ok(self.visit(actor, visit_id, meta).await?.attachments)
    }

    /// One attachment with its bytes, for users who may read its demand or
    /// its visit (404 for everyone else: its existence does not leak).
    pub async fn attachment(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<(AttachmentRow, Vec<u8>)> {
        let not_found = || AppError::NotFound(format!("attachment {id}"));
        let row = {
            let mut c = self.store.read().await?;
            store::get(&mut c, id).await?.ok_or_else(not_found)?
        };
        let readable = match (row.demand_id, row.visit_id) {
            (Some(demand_id), _) => {
                if self.demand_scope(actor) == DemandScope::Nothing {
                    return Err(not_found());
                }
                self.readable_demand(actor, demand_id, "read_attachment", meta).await.map(|_| ())
            }
            (None, Some(visit_id)) => {
                if self.visit_scope(actor) == zhuqi_store::visits::VisitScope::Nothing {
                    return Err(not_found());
                }
                self.visit(actor, visit_id, meta).await.map(|_| ())
            }
            (None, None) => return Err(not_found()),
        };
        match readable {
            Ok(()) => {}
            Err(AppError::NotFound(_)) => return Err(not_found()),
            Err(e) => return Err(e),
        }
        let bytes = self.attachment_bytes(&row).await?;
        Ok((row, bytes))
    }

    /// The stored bytes of a row, checked against its hash.
    pub async fn attachment_bytes(&self, row: &AttachmentRow) -> Result<Vec<u8>> {
        let bytes = match self.attachment_dir().await? {
            Some(dir) => {
                let path = blob_path(&dir, &row.sha256)?;
                tokio::fs::read(&path).await.map_err(|e| io_err("cannot read", &path, e))?
            }
            None => {
                let mut c = self.store.read().await?;
                store::get_blob(&mut c, &row.sha256)
                    .await?
                    .ok_or_else(|| AppError::Internal(format!("attachment {}: bytes missing", row.id)))?
            }
        };
        let sha = row.sha256.clone();
        let check = bytes.clone();
        let ok = tokio::task::spawn_blocking(move || sha256_hex(&check) == sha)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        if !ok {
            return Err(AppError::Internal(format!("attachment {}: stored bytes do not match their hash", row.id)));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);
        b
    }

    /// A stored (uncompressed) zip with the given entry names.
    fn zip(names: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for n in names {
            let off = u32::try_from(out.len()).unwrap_or(0);
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&u16::try_from(n.len()).unwrap_or(0).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(n.as_bytes());
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&u16::try_from(n.len()).unwrap_or(0).to_le_bytes());
            central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&off.to_le_bytes());
            central.extend_from_slice(n.as_bytes());
        }
        let cd_off = u32::try_from(out.len()).unwrap_or(0);
        let cd_len = u32::try_from(central.len()).unwrap_or(0);
        out.extend_from_slice(&central);
        let count = u16::try_from(names.len()).unwrap_or(0).to_le_bytes();
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&count);
        out.extend_from_slice(&count);
        out.extend_from_slice(&cd_len.to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    /// A minimal OLE compound file (512-byte sectors): header, one FAT
    /// sector (sector 0), one directory sector (sector 1).
    fn ole_file(streams: &[&str]) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
        h[0x1A] = 0x3E;
        h[0x1C] = 0xFE;
        h[0x1D] = 0xFF;
        h[0x1E] = 9;
        h[0x20] = 6;
        h[0x2C] = 1; // one FAT sector
        h[0x30] = 1; // directory starts at sector 1
        h[0x44..0x48].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
        for i in 0..109 {
            let v: u32 = if i == 0 { 0 } else { 0xFFFF_FFFF };
            h[0x4C + 4 * i..0x50 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        let mut fat = vec![0xFFu8; 512];
        fat[0..4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes()); // the FAT sector itself
        fat[4..8].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes()); // directory: one sector
        let mut dir = vec![0u8; 512];
        let mut entry = |i: usize, name: &str, kind: u8| {
            let e = &mut dir[i * 128..(i + 1) * 128];
            let units: Vec<u16> = name.encode_utf16().collect();
            for (j, u) in units.iter().enumerate() {
                e[2 * j..2 * j + 2].copy_from_slice(&u.to_le_bytes());
            }
            e[64] = u8::try_from(2 * units.len() + 2).unwrap_or(0);
            e[66] = kind;
        };
        entry(0, "Root Entry", 5);
        for (i, s) in streams.iter().take(3).enumerate() {
            entry(i + 1, s, 2);
        }
        [h, fat, dir].concat()
    }

    #[test]
    fn accepted_types_are_told_by_their_content() {
        assert_eq!(detect(&png()), Ok(Kind::Png));
        assert_eq!(detect(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), Ok(Kind::Jpeg));
        assert_eq!(detect(b"RIFF\x24\0\0\0WEBPVP8 "), Ok(Kind::Webp));
        assert_eq!(detect(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), Ok(Kind::Heic));
        assert_eq!(detect(b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic"), Ok(Kind::Heif));
        assert_eq!(detect(b"%PDF-1.7\n%\xe2\xe3"), Ok(Kind::Pdf));
        assert_eq!(detect(&zip(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"])), Ok(Kind::Docx));
        assert_eq!(detect(&zip(&["[Content_Types].xml", "xl/workbook.xml"])), Ok(Kind::Xlsx));
        assert_eq!(detect(&zip(&["[Content_Types].xml", "ppt/presentation.xml"])), Ok(Kind::Pptx));
        assert_eq!(detect(&ole_file(&["WordDocument", "1Table"])), Ok(Kind::Doc));
        assert_eq!(detect(&ole_file(&["Workbook"])), Ok(Kind::Xls));
        assert_eq!(detect(&ole_file(&["PowerPoint Document"])), Ok(Kind::Ppt));
    }

    #[test]
    fn everything_else_is_refused_naming_what_it_is() {
        let refused = |b: &[u8]| detect(b).err().unwrap_or_default();
        assert!(refused(b"\x7fELF\x02\x01\x01\0").contains("ELF executable"));
        assert!(refused(b"MZ\x90\0\x03\0\0\0").contains("Windows executable"));
        assert!(refused(b"GIF89a\x01\0").contains("GIF"));
        assert!(refused(b"<!DOCTYPE html><script>").contains("HTML"));
        assert!(refused(b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"x()\">").contains("SVG"));
        assert!(refused(b"#!/bin/sh\nrm -rf /").contains("script"));
        assert!(refused(b"hello").contains("text"));
        assert!(refused(b"").contains("empty"));
        assert!(refused(&zip(&["a.txt", "b.exe"])).contains("ZIP archive"));
        assert!(refused(&zip(&["[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"])).contains("macros"));
        assert!(refused(&ole_file(&["WordDocument", "Macros"])).contains("macros"));
        assert!(refused(&ole_file(&["SummaryInformation", "!_StringData"])).contains("OLE compound file"));
        assert!(refused(b"PK\x03\x04garbage").contains("damaged"));
        assert!(refused(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]).contains("damaged"));
        assert!(refused(b"\0\0\0\x18ftypmp42").contains("mp42"));
    }

    #[test]
    fn file_names_keep_the_last_segment_without_control_characters() {
        assert_eq!(clean_file_name("C:\\Users\\a\\照片 1.jpg", Kind::Jpeg), "照片 1.jpg");
        assert_eq!(clean_file_name("../../etc/passwd", Kind::Pdf), "passwd");
        assert_eq!(clean_file_name("a\"b\r\n.png", Kind::Png), "ab.png");
        assert_eq!(clean_file_name("  ", Kind::Png), "attachment.png");
        assert_eq!(clean_file_name(".hidden", Kind::Png), "hidden");
        assert_eq!(clean_file_name(&"长".repeat(300), Kind::Png).chars().count(), 200);
    }

    #[test]
    fn sizes_are_shown_in_mb() {
        assert_eq!(mb_text(10 * MB), "10 MB");
        assert_eq!(mb_text(11 * MB + MB / 2), "11.5 MB");
        assert_eq!(mb_text(0), "0 MB");
    }
}
