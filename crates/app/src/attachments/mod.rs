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
use zhuqi_domain::capability::{self, Capability};
use zhuqi_domain::{Actor, FieldError, Role};
use zhuqi_store::attachments::{self as store, NewAttachment};
use zhuqi_store::demands::{DemandRow, DemandScope};

mod detect;
mod storage;
#[cfg(test)]
mod tests;

pub use detect::{clean_file_name, detect, is_inline_image, Kind};
pub use storage::sha256_hex;

use detect::ACCEPTED;
use storage::write_file;

pub use zhuqi_store::attachments::AttachmentRow;

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

impl App {
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
}

impl App {
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
}
