//! Bulk imports of enterprises, officers and assignments (DESIGN §3.3, §5).
//!
//! A file is read by its content, not its name: a zip (`PK\x03\x04`) or an
//! OLE container is a spreadsheet (first sheet; .xlsx, and also .xls/.ods),
//! anything else is CSV text in UTF-8 (with or without BOM), GB18030 or
//! UTF-16 with BOM, separated by commas, tabs or semicolons.
//!
//! An import is all-or-nothing in three steps: read the file into rows of
//! text; validate every row against the database, collecting *every*
//! problem as a [`RowError`] (file row, column as written, what is wrong in
//! Chinese and English); and only if there was none, write everything in one
//! transaction. Every import is audited, accepted or rejected.
//!
//! Headers may be Chinese or English (case-insensitive, trimmed; a `*`
//! marking a required column is ignored). Unknown columns are ignored, so an
//! export (which adds informational columns) imports back. An optional
//! column that is absent leaves the stored value alone; present but empty,
//! it clears it.

use crate::error::RowError;
use crate::{App, AppError, RequestMeta, Result};
use std::collections::{HashMap, HashSet};
use zhuqi_domain::enterprise::{EnterpriseSize, IndustryCode};
use zhuqi_domain::phone::Phone;
use zhuqi_domain::{Actor, CreditCode, FieldError, Role};
use zhuqi_store::import_support::{self as support, EnterpriseKey, UserKey};
use zhuqi_store::Conn;

mod assignments;
mod enterprises;
mod officers;
mod read;
mod validate;
use officers::*;
use read::*;
use validate::*;

/// Most data rows one file may hold.
pub const MAX_ROWS: usize = 100_000;

/// Progress is reported every this many rows.
const PROGRESS_EVERY: usize = 200;

/// The progress callback: `(done, total)`.
type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Enterprises, keyed by credit code (new ones created, known ones updated).
    Enterprises,
    /// Service officers, keyed by username.
    Officers,
    /// Officer ↔ enterprise assignments (reassigning keeps the history).
    Assignments,
}

impl ImportKind {
    /// Parses `enterprises`, `officers` or `assignments` (trimmed, any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "enterprises" => Some(Self::Enterprises),
            "officers" => Some(Self::Officers),
            "assignments" => Some(Self::Assignments),
            _ => None,
        }
    }

    /// The string form (API, CLI, audit target).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enterprises => "enterprises",
            Self::Officers => "officers",
            Self::Assignments => "assignments",
        }
    }

    fn columns(self) -> &'static [ColSpec] {
        match self {
            Self::Enterprises => ENTERPRISE_COLUMNS,
            Self::Officers => OFFICER_COLUMNS,
            Self::Assignments => ASSIGNMENT_COLUMNS,
        }
    }
}

/// What an accepted import did. For assignments, rows that named the
/// enterprise's current officer again change nothing and count in neither
/// `created` nor `updated`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub kind: ImportKind,
    /// Data rows in the file (empty rows not counted).
    pub rows: usize,
    /// Enterprises / officers / assignments newly created.
    pub created: usize,
    /// Existing ones updated (for assignments: enterprises reassigned).
    pub updated: usize,
}

/// One known column: its English key and Chinese header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColSpec {
    pub(crate) key: &'static str,
    pub(crate) zh: &'static str,
    pub(crate) required: bool,
}

const fn col(key: &'static str, zh: &'static str, required: bool) -> ColSpec {
    ColSpec { key, zh, required }
}

/// Columns of an enterprises file, in export order.
pub(crate) const ENTERPRISE_COLUMNS: &[ColSpec] = &[
    col("credit_code", "统一社会信用代码", true),
    col("name", "企业名称", true),
    col("district", "片区", true),
    col("township", "乡镇街道", false),
    col("industry_code", "行业代码", true),
    col("size", "规模", true),
    col("address", "地址", false),
    col("contact_name", "联系人", false),
    col("contact_phone", "联系电话", false),
];

/// Columns of an officers file, in export order.
pub(crate) const OFFICER_COLUMNS: &[ColSpec] = &[
    col("username", "用户名", true),
    col("display_name", "姓名", true),
    col("district", "片区", true),
    col("department", "派出单位", true),
    col("phone", "手机", false),
    col("password", "初始密码", false),
];

/// Columns of an assignments file.
pub(crate) const ASSIGNMENT_COLUMNS: &[ColSpec] = &[
    col("credit_code", "统一社会信用代码", true),
    col("officer_username", "服务员用户名", true),
    col("reason", "原因", false),
];

/// One non-empty row of the file: its 1-based row number and its cells.
type Row = (usize, Vec<String>);

impl App {
    /// All-or-nothing import of a .csv (UTF-8, with or without BOM, or
    /// GB18030: valid UTF-8 is read as UTF-8, anything else as GB18030) or
    /// .xlsx (first sheet) file; the type is decided by the content.
    ///
    /// A city admin may import anything; a district admin only rows of their
    /// own district (other rows are row errors); other roles are denied. If
    /// any row is wrong the answer is [`AppError::InvalidRows`] listing every
    /// problem and nothing is written; an unreadable file is
    /// [`AppError::Invalid`] on field `file`. Otherwise all rows are written
    /// in one transaction.
    ///
    /// Enterprises are keyed by credit code and officers by username: known
    /// ones are updated. Moving an enterprise or officer to another district
    /// ends (with history kept) the assignments that would cross districts.
    /// New officers without an initial password get the hash `!`, which never
    /// signs in until an admin sets a password; the password of an existing
    /// officer is never changed by an import.
    ///
    /// `progress(done, total)` is called every ~200 rows; `total` counts
    /// each data row twice (validated, then written), so `done / total` rises
    /// steadily from 0 to 1.
    pub async fn import(
        &self,
        actor: &Actor,
        kind: ImportKind,
        file_name: &str,
        bytes: &[u8],
        meta: &RequestMeta,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<ImportReport> {
        let restrict = match (actor.role, actor.district_id) {
            (Role::CityAdmin, _) => None,
            (Role::DistrictAdmin, Some(d)) => Some(d),
            _ => return Err(self.deny(actor, "import", kind.as_str(), meta).await),
        };
        let result = self.import_checked(actor, kind, restrict, file_name, bytes, progress).await;
        let (outcome, detail) = match &result {
            Ok(r) => ("success", format!("{file_name}: {} rows, {} created, {} updated", r.rows, r.created, r.updated)),
            Err(AppError::InvalidRows(errs)) => ("rejected", format!("{file_name}: {} errors", errs.len())),
            Err(AppError::Invalid(e)) => ("rejected", format!("{file_name}: 1 error ({})", e.field)),
            Err(e) => ("failed", format!("{file_name}: {e}")),
        };
        self.audit(Some(actor), "import", kind.as_str(), outcome, &detail, meta).await;
        result
    }

    async fn import_checked(
        &self,
        actor: &Actor,
        kind: ImportKind,
        restrict: Option<i64>,
        file_name: &str,
        bytes: &[u8],
        progress: Progress<'_>,
    ) -> Result<ImportReport> {
        let (name, owned) = (file_name.to_string(), bytes.to_vec());
        let mut rows = tokio::task::spawn_blocking(move || read_rows(&name, &owned))
            .await
            .map_err(|e| AppError::Internal(format!("reading the import file: {e}")))?
            .map_err(|m| AppError::Invalid(FieldError::new("file", m)))?
            .into_iter();
        let mut errs = Errors::default();
        let Some((header_row, header)) = rows.next() else {
            errs.add(1, "", "文件为空，缺少表头 (the file is empty: a header row is required)");
            return Err(errs.into_error());
        };
        let data: Vec<Row> = rows.collect();
        if let Some((row, _)) = data.get(MAX_ROWS) {
            errs.add(
                *row,
                "",
                format!(
                    "文件超过{MAX_ROWS}行数据的上限，请拆分后导入 (more than {MAX_ROWS} data rows: split the file)"
                ),
            );
            return Err(errs.into_error());
        }
        let cols = Columns::resolve(kind.columns(), &header, header_row, &mut errs);
        if !errs.is_empty() {
            return Err(errs.into_error());
        }
        let total = data.len() * 2;
        progress(0, total);
        let now = self.now_ms();
        let (created, updated) = match kind {
            ImportKind::Enterprises => {
                let plans = self.plan_enterprises(&cols, &data, restrict, &mut errs, progress).await?;
                if !errs.is_empty() {
                    return Err(errs.into_error());
                }
                self.write_enterprises(&plans, now, progress, total).await?
            }
            ImportKind::Officers => {
                let plans = self.plan_officers(&cols, &data, restrict, &mut errs, progress).await?;
                if !errs.is_empty() {
                    return Err(errs.into_error());
                }
                let hashes = hash_passwords(&plans).await?;
                self.write_officers(&plans, &hashes, now, progress, total).await?
            }
            ImportKind::Assignments => {
                let plans = self.plan_assignments(&cols, &data, restrict, &mut errs, progress).await?;
                if !errs.is_empty() {
                    return Err(errs.into_error());
                }
                self.write_assignments(actor, &plans, now, progress, total).await?
            }
        };
        progress(total, total);
        Ok(ImportReport { kind, rows: data.len(), created, updated })
    }
}

#[cfg(test)]
mod tests;
