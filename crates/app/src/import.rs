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

// ---------------------------------------------------------------------------
// Reading files
// ---------------------------------------------------------------------------

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads a file into its non-empty rows (header first). Stops after the
/// header plus `MAX_ROWS + 1` data rows so a huge file cannot exhaust
/// memory. The error is a file-level message.
fn read_rows(file_name: &str, bytes: &[u8]) -> Result<Vec<Row>, String> {
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC) {
        return read_workbook(bytes);
    }
    let lower = file_name.to_ascii_lowercase();
    if [".xlsx", ".xls", ".xlsm", ".ods"].iter().any(|ext| lower.ends_with(ext)) {
        return Err(format!(
            "“{file_name}”不是有效的Excel文件，请重新保存为.xlsx或.csv \
             ('{file_name}' is named like a spreadsheet but is not one; save it again as .xlsx or .csv)"
        ));
    }
    read_csv(&decode_text(bytes)?)
}

/// Decodes CSV bytes: UTF-16 or UTF-8 with a BOM, else UTF-8 if valid, else
/// GB18030 (what Excel on a Chinese Windows writes).
fn decode_text(bytes: &[u8]) -> Result<String, String> {
    let unreadable = || {
        "文件编码无法识别，请另存为UTF-8或GB18030编码的CSV \
         (the file is neither UTF-8 nor GB18030 text; save it as a UTF-8 or GB18030 CSV)"
            .to_string()
    };
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest).map(str::to_owned).map_err(|_| unreadable());
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, bad) = encoding_rs::UTF_16LE.decode(bytes);
        return if bad { Err(unreadable()) } else { Ok(text.into_owned()) };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_owned());
    }
    let (text, bad) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if bad {
        Err(unreadable())
    } else {
        Ok(text.into_owned())
    }
}

/// The separator of the first non-empty line: comma unless tabs or
/// semicolons are more frequent.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut best = (b',', first.matches(',').count());
    for d in [b'\t', b';'] {
        let n = first.matches(char::from(d)).count();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// Turns a record's byte offset into its 1-based line number, as a
/// spreadsheet would number the row. The CSV reader's own line count skips
/// blank lines, and its offset points at the blank lines before a record.
struct LineCounter<'a> {
    text: &'a str,
    byte: usize,
    line: usize,
}

impl LineCounter<'_> {
    fn line_at(&mut self, start: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut start = start;
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start >= self.byte {
            let skipped = bytes.get(self.byte..start).unwrap_or_default();
            self.line += skipped.iter().filter(|b| **b == b'\n').count();
            self.byte = start;
        }
        self.line
    }
}

fn read_csv(text: &str) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut lines = LineCounter { text, byte: 0, line: 1 };
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(i + 1, |p| usize::try_from(p.line()).unwrap_or(i + 1));
            format!("第{line}行无法按CSV解析 (row {line} is not valid CSV: {e})")
        })?;
        let line = match record.position().and_then(|p| usize::try_from(p.byte()).ok()) {
            Some(byte) => lines.line_at(byte),
            None => i + 1,
        };
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        if is_blank(&cells) {
            continue;
        }
        rows.push((line, cells));
        if rows.len() > MAX_ROWS + 1 {
            break;
        }
    }
    Ok(rows)
}

fn read_workbook(bytes: &[u8]) -> Result<Vec<Row>, String> {
    use calamine::Reader;
    let bad = |e: &dyn std::fmt::Display| {
        format!(
            "无法读取该Excel文件，请另存为.xlsx后重试 (the spreadsheet cannot be read: {e}; save it again as .xlsx)"
        )
    };
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let range = match book.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(bad(&e)),
        None => return Err("工作簿中没有工作表 (the workbook has no sheet)".to_string()),
    };
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        // Keep column positions as in the sheet even when column A is empty.
        let mut out = vec![String::new(); first_col];
        out.extend(cells.iter().map(|c| c.to_string()));
        if is_blank(&out) {
            continue;
        }
        rows.push((first_row + i + 1, out));
        if rows.len() > MAX_ROWS + 1 {
            break;
        }
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------
// Headers, cells, errors
// ---------------------------------------------------------------------------

/// Collected row errors.
#[derive(Debug, Default)]
struct Errors(Vec<RowError>);

impl Errors {
    fn add(&mut self, row: usize, column: impl Into<String>, message: impl Into<String>) {
        self.0.push(RowError { row, column: column.into(), message: message.into() });
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn into_error(mut self) -> AppError {
        self.0.sort_by_key(|e| e.row);
        AppError::InvalidRows(self.0)
    }
}

fn normalize_header(h: &str) -> String {
    h.trim_matches(|c: char| c == '\u{feff}' || c == '*' || c == '＊' || c.is_whitespace())
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// Where each known column is in the file, and its header as written.
#[derive(Debug)]
struct Columns {
    found: HashMap<&'static str, (usize, String)>,
}

impl Columns {
    fn resolve(specs: &[ColSpec], header: &[String], header_row: usize, errs: &mut Errors) -> Self {
        let mut found: HashMap<&'static str, (usize, String)> = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            let norm = normalize_header(h);
            if norm.is_empty() {
                continue;
            }
            let written = h.trim_matches(|c: char| c == '\u{feff}' || c.is_whitespace()).to_string();
            let Some(spec) = specs.iter().find(|s| s.zh == norm || s.key == norm) else {
                continue;
            };
            if let Some((_, first)) = found.get(spec.key) {
                errs.add(
                    header_row,
                    written.clone(),
                    format!("列“{written}”与列“{first}”重复 (column '{written}' duplicates column '{first}')"),
                );
            } else {
                found.insert(spec.key, (i, written));
            }
        }
        for s in specs.iter().filter(|s| s.required && !found.contains_key(s.key)) {
            errs.add(
                header_row,
                s.zh,
                format!("缺少必填列“{}”（或 {}） (required column '{}' / '{}' is missing)", s.zh, s.key, s.zh, s.key),
            );
        }
        Self { found }
    }

    fn has(&self, key: &str) -> bool {
        self.found.contains_key(key)
    }

    /// The header of `key` as written in the file.
    fn name<'a>(&'a self, key: &'a str) -> &'a str {
        self.found.get(key).map_or(key, |(_, h)| h.as_str())
    }

    fn cell<'r>(&self, key: &str, cells: &'r [String]) -> &'r str {
        self.found.get(key).and_then(|(i, _)| cells.get(*i)).map_or("", |s| s.trim())
    }
}

/// One data row being validated.
struct Cells<'a> {
    cols: &'a Columns,
    cells: &'a [String],
    row: usize,
}

impl Cells<'_> {
    fn err(&self, errs: &mut Errors, key: &str, message: impl Into<String>) {
        errs.add(self.row, self.cols.name(key), message);
    }

    fn check_len(&self, errs: &mut Errors, key: &str, v: &str, max: usize) -> bool {
        if v.chars().count() > max {
            self.err(errs, key, format!("内容过长，最多{max}个字符 (too long: at most {max} characters)"));
            false
        } else {
            true
        }
    }

    /// A required text value (non-empty, at most `max` characters).
    fn required(&self, errs: &mut Errors, key: &str, max: usize) -> Option<String> {
        let v = self.cols.cell(key, self.cells);
        if v.is_empty() {
            self.err(errs, key, "必填项为空 (this required value is empty)");
            return None;
        }
        self.check_len(errs, key, v, max).then(|| v.to_string())
    }

    /// An optional text value: `None` if the file has no such column.
    fn optional(&self, errs: &mut Errors, key: &str, max: usize) -> Option<String> {
        if !self.cols.has(key) {
            return None;
        }
        let v = self.cols.cell(key, self.cells);
        self.check_len(errs, key, v, max);
        Some(v.to_string())
    }

    /// A required value parsed by a domain rule (its message is used as is).
    fn parsed<T>(&self, errs: &mut Errors, key: &str, parse: impl FnOnce(&str) -> Result<T, FieldError>) -> Option<T> {
        let v = self.cols.cell(key, self.cells);
        if v.is_empty() {
            self.err(errs, key, "必填项为空 (this required value is empty)");
            return None;
        }
        parse(v).map_err(|e| self.err(errs, key, e.message)).ok()
    }

    /// An optional phone: `None` if the column is absent, `Some("")` if empty.
    fn phone(&self, errs: &mut Errors, key: &str) -> Option<String> {
        if !self.cols.has(key) {
            return None;
        }
        let v = self.cols.cell(key, self.cells);
        if v.is_empty() {
            return Some(String::new());
        }
        match Phone::parse(key, v) {
            Ok(p) => Some(p.as_str().to_string()),
            Err(e) => {
                self.err(errs, key, e.message);
                Some(String::new())
            }
        }
    }

    /// The district of the row, checked against the actor's own district.
    fn district(&self, errs: &mut Errors, places: &Places, restrict: Option<i64>) -> Option<i64> {
        let v = self.required(errs, "district", 64)?;
        let Some(id) = places.district(&v) else {
            self.err(
                errs,
                "district",
                format!(
                    "未知片区“{v}”，请填写片区名称（如莲都区）或代码 \
                     (unknown district '{v}': give a district name such as 莲都区 or its region code)"
                ),
            );
            return None;
        };
        if let Some(own) = restrict.filter(|own| *own != id) {
            let own = places.district_name(own);
            self.err(
                errs,
                "district",
                format!("片区管理员只能导入本片区（{own}）的数据 (a district admin may import rows of their own district, {own}, only)"),
            );
            return None;
        }
        Some(id)
    }
}

fn tick(progress: Progress<'_>, done: usize, total: usize) {
    // (`is_multiple_of` would need Rust 1.87; the workspace promises 1.85.)
    if done.checked_rem(PROGRESS_EVERY) == Some(0) {
        progress(done, total);
    }
}

fn valid_username(s: &str) -> bool {
    (3..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn role_label(role: &str) -> String {
    Role::parse(role).map_or_else(|| role.to_string(), |r| format!("{}（{}）", r.label_zh(), r.as_str()))
}

// ---------------------------------------------------------------------------
// Reference data
// ---------------------------------------------------------------------------

/// Districts and townships, by name and by code.
#[derive(Debug, Default)]
struct Places {
    district_by_key: HashMap<String, i64>,
    district_names: HashMap<i64, String>,
    township_by_key: HashMap<(i64, String), i64>,
    /// Township name/code → the districts having such a township.
    township_districts: HashMap<String, Vec<i64>>,
}

impl Places {
    async fn load(c: &mut Conn) -> Result<Self> {
        let mut p = Self::default();
        for d in zhuqi_store::regions::by_level(c, "district").await? {
            p.district_by_key.insert(d.name.clone(), d.id);
            p.district_by_key.insert(d.code.clone(), d.id);
            p.district_names.insert(d.id, d.name);
        }
        for t in zhuqi_store::regions::by_level(c, "township").await? {
            let Some(parent) = t.parent_id else { continue };
            for key in [t.name, t.code] {
                p.township_by_key.insert((parent, key.clone()), t.id);
                p.township_districts.entry(key).or_default().push(parent);
            }
        }
        Ok(p)
    }

    fn district(&self, v: &str) -> Option<i64> {
        self.district_by_key.get(v).copied()
    }

    fn district_name(&self, id: i64) -> &str {
        self.district_names.get(&id).map_or("?", String::as_str)
    }

    /// The township `v` of district `d`, or a message saying what is wrong.
    fn township(&self, d: i64, v: &str) -> Result<i64, String> {
        if let Some(id) = self.township_by_key.get(&(d, v.to_string())) {
            return Ok(*id);
        }
        let dn = self.district_name(d);
        match self.township_districts.get(v).and_then(|ds| ds.first()) {
            Some(other) => {
                let on = self.district_name(*other);
                Err(format!("乡镇街道“{v}”属于{on}，不属于{dn} (township '{v}' is in district {on}, not in {dn})"))
            }
            None => Err(format!("{dn}没有乡镇街道“{v}” (district {dn} has no township '{v}')")),
        }
    }
}

/// Departments by name and by code.
async fn load_departments(c: &mut Conn) -> Result<HashMap<String, i64>> {
    let mut m = HashMap::new();
    for d in zhuqi_store::departments::list(c).await? {
        m.insert(d.name, d.id);
        m.insert(d.code, d.id);
    }
    Ok(m)
}

// ---------------------------------------------------------------------------
// Plans: what will be written once every row is valid
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct EnterprisePlan {
    code: String,
    name: String,
    district_id: i64,
    /// `None`: no township column (keep); `Some(None)`: clear.
    township: Option<Option<i64>>,
    industry: String,
    size: &'static str,
    address: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    existing: Option<EnterpriseKey>,
}

#[derive(Debug)]
struct OfficerPlan {
    username: String,
    display_name: String,
    district_id: i64,
    department_id: i64,
    phone: Option<String>,
    password: Option<String>,
    existing: Option<UserKey>,
}

#[derive(Debug)]
struct AssignmentPlan {
    enterprise_id: i64,
    officer_id: i64,
    current_officer: Option<i64>,
    reason: String,
}

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

    // -- enterprises --------------------------------------------------------

    async fn plan_enterprises(
        &self,
        cols: &Columns,
        data: &[Row],
        restrict: Option<i64>,
        errs: &mut Errors,
        progress: Progress<'_>,
    ) -> Result<Vec<EnterprisePlan>> {
        let places = {
            let mut c = self.store.read().await?;
            Places::load(&mut c).await?
        };
        let total = data.len() * 2;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut plans = Vec::with_capacity(data.len());
        for (i, (row, cells)) in data.iter().enumerate() {
            tick(progress, i, total);
            let r = Cells { cols, cells, row: *row };
            let code = r.parsed(errs, "credit_code", CreditCode::parse).map(|c| c.as_str().to_string());
            if let Some(code) = &code {
                if let Some(first) = seen.get(code) {
                    r.err(errs, "credit_code", format!("与第{first}行重复 (duplicate of row {first})"));
                } else {
                    seen.insert(code.clone(), *row);
                }
            }
            let name = r.required(errs, "name", 200);
            let district_id = r.district(errs, &places, restrict);
            let township = match r.optional(errs, "township", 64) {
                None => None,
                Some(v) if v.is_empty() => Some(None),
                Some(v) => district_id.and_then(|d| match places.township(d, &v) {
                    Ok(t) => Some(Some(t)),
                    Err(m) => {
                        r.err(errs, "township", m);
                        None
                    }
                }),
            };
            let industry = r.parsed(errs, "industry_code", IndustryCode::parse).map(|c| c.as_str().to_string());
            let size = r.parsed(errs, "size", EnterpriseSize::parse).map(EnterpriseSize::as_str);
            let address = r.optional(errs, "address", 500);
            let contact_name = r.optional(errs, "contact_name", 64);
            let contact_phone = r.phone(errs, "contact_phone");
            if let (Some(code), Some(name), Some(district_id), Some(industry), Some(size)) =
                (code, name, district_id, industry, size)
            {
                plans.push((
                    *row,
                    EnterprisePlan {
                        code,
                        name,
                        district_id,
                        township,
                        industry,
                        size,
                        address,
                        contact_name,
                        contact_phone,
                        existing: None,
                    },
                ));
            }
        }
        let codes: Vec<String> = plans.iter().map(|(_, p)| p.code.clone()).collect();
        let mut existing: HashMap<String, EnterpriseKey> = {
            let mut c = self.store.read().await?;
            support::enterprises_by_codes(&mut c, &codes).await?
        }
        .into_iter()
        .map(|k| (k.credit_code.clone(), k))
        .collect();
        for (row, p) in &mut plans {
            p.existing = existing.remove(&p.code);
            if let (Some(own), Some(k)) = (restrict, &p.existing) {
                if k.district_id != own {
                    let other = places.district_name(k.district_id);
                    errs.add(
                        *row,
                        cols.name("credit_code"),
                        format!(
                            "该企业已登记在{other}，本片区管理员不能修改 \
                             (this enterprise is registered in district {other}; a district admin may not change it)"
                        ),
                    );
                }
            }
        }
        progress(data.len(), total);
        Ok(plans.into_iter().map(|(_, p)| p).collect())
    }

    async fn write_enterprises(
        &self,
        plans: &[EnterprisePlan],
        now: i64,
        progress: Progress<'_>,
        total: usize,
    ) -> Result<(usize, usize)> {
        let base = total / 2;
        let (mut created, mut updated) = (0, 0);
        let mut tx = self.store.begin().await?;
        for (i, p) in plans.iter().enumerate() {
            tick(progress, base + i, total);
            match &p.existing {
                Some(k) => {
                    support::update_enterprise(
                        &mut tx,
                        &support::EnterpriseUpdate {
                            id: k.id,
                            name: &p.name,
                            district_id: p.district_id,
                            township_id: p.township,
                            industry_code: &p.industry,
                            size: p.size,
                            address: p.address.as_deref(),
                            contact_name: p.contact_name.as_deref(),
                            contact_phone: p.contact_phone.as_deref(),
                            at: now,
                        },
                    )
                    .await?;
                    if k.district_id != p.district_id {
                        support::end_cross_district_for_enterprise(&mut tx, k.id, p.district_id, now).await?;
                    }
                    updated += 1;
                }
                None => {
                    zhuqi_store::enterprises::insert(
                        &mut tx,
                        &zhuqi_store::enterprises::NewEnterprise {
                            credit_code: &p.code,
                            name: &p.name,
                            district_id: p.district_id,
                            township_id: p.township.flatten(),
                            industry_code: &p.industry,
                            size: p.size,
                            address: p.address.as_deref().unwrap_or(""),
                            contact_name: p.contact_name.as_deref().unwrap_or(""),
                            contact_phone: p.contact_phone.as_deref().unwrap_or(""),
                            at: now,
                        },
                    )
                    .await?;
                    created += 1;
                }
            }
        }
        tx.commit().await?;
        Ok((created, updated))
    }

    // -- officers -----------------------------------------------------------

    async fn plan_officers(
        &self,
        cols: &Columns,
        data: &[Row],
        restrict: Option<i64>,
        errs: &mut Errors,
        progress: Progress<'_>,
    ) -> Result<Vec<OfficerPlan>> {
        let (places, departments) = {
            let mut c = self.store.read().await?;
            (Places::load(&mut c).await?, load_departments(&mut c).await?)
        };
        let total = data.len() * 2;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut plans = Vec::with_capacity(data.len());
        for (i, (row, cells)) in data.iter().enumerate() {
            tick(progress, i, total);
            let r = Cells { cols, cells, row: *row };
            let username = r.required(errs, "username", 64).filter(|u| {
                let ok = valid_username(u);
                if !ok {
                    r.err(
                        errs,
                        "username",
                        "用户名须为3–64位字母、数字或 _ . - (a username has 3–64 characters from A–Z, a–z, 0–9, '_', '.', '-')",
                    );
                }
                ok
            });
            if let Some(u) = &username {
                if let Some(first) = seen.get(u) {
                    r.err(errs, "username", format!("与第{first}行重复 (duplicate of row {first})"));
                } else {
                    seen.insert(u.clone(), *row);
                }
            }
            let display_name = r.required(errs, "display_name", 64);
            let district_id = r.district(errs, &places, restrict);
            let department_id = r.required(errs, "department", 100).and_then(|d| {
                let id = departments.get(&d).copied();
                if id.is_none() {
                    r.err(
                        errs,
                        "department",
                        format!(
                            "未知派出单位“{d}”，请填写部门名称或代码 (unknown department '{d}': give its name or code)"
                        ),
                    );
                }
                id
            });
            let phone = r.phone(errs, "phone");
            let password = r.optional(errs, "password", 128).filter(|p| !p.is_empty());
            if let (Some(username), Some(display_name), Some(district_id), Some(department_id)) =
                (username, display_name, district_id, department_id)
            {
                plans.push((
                    *row,
                    OfficerPlan { username, display_name, district_id, department_id, phone, password, existing: None },
                ));
            }
        }
        let names: Vec<String> = plans.iter().map(|(_, p)| p.username.clone()).collect();
        let mut existing: HashMap<String, UserKey> = {
            let mut c = self.store.read().await?;
            support::users_by_usernames(&mut c, &names).await?
        }
        .into_iter()
        .map(|k| (k.username.clone(), k))
        .collect();
        for (row, p) in &mut plans {
            p.existing = existing.remove(&p.username);
            match &p.existing {
                Some(k) if k.role != Role::Officer.as_str() => {
                    let role = role_label(&k.role);
                    errs.add(
                        *row,
                        cols.name("username"),
                        format!(
                            "用户名“{}”已被{role}账号使用 (username '{}' is taken by an account of role {})",
                            p.username, p.username, k.role
                        ),
                    );
                }
                Some(k) => {
                    if restrict.is_some_and(|own| k.district_id != Some(own)) {
                        let other = k.district_id.map_or("?", |d| places.district_name(d));
                        errs.add(
                            *row,
                            cols.name("username"),
                            format!(
                                "该服务员属于{other}，本片区管理员不能修改 \
                                 (this officer belongs to district {other}; a district admin may not change them)"
                            ),
                        );
                    }
                }
                None => {
                    if let Some(pw) = &p.password {
                        if let Err(e) = self.config.password.check(pw) {
                            errs.add(*row, cols.name("password"), e.message);
                        }
                    }
                }
            }
        }
        progress(data.len(), total);
        Ok(plans.into_iter().map(|(_, p)| p).collect())
    }

    async fn write_officers(
        &self,
        plans: &[OfficerPlan],
        hashes: &HashMap<String, String>,
        now: i64,
        progress: Progress<'_>,
        total: usize,
    ) -> Result<(usize, usize)> {
        let base = total / 2;
        let (mut created, mut updated) = (0, 0);
        let mut tx = self.store.begin().await?;
        for (i, p) in plans.iter().enumerate() {
            tick(progress, base + i, total);
            match &p.existing {
                Some(k) => {
                    support::update_officer(
                        &mut tx,
                        &support::OfficerUpdate {
                            id: k.id,
                            display_name: &p.display_name,
                            district_id: p.district_id,
                            department_id: p.department_id,
                            phone: p.phone.as_deref(),
                        },
                    )
                    .await?;
                    if k.district_id != Some(p.district_id) {
                        support::end_cross_district_for_officer(&mut tx, k.id, p.district_id, now).await?;
                    }
                    updated += 1;
                }
                None => {
                    let hash = p.password.as_ref().and_then(|pw| hashes.get(pw)).map_or("!", String::as_str);
                    zhuqi_store::users::insert(
                        &mut tx,
                        &zhuqi_store::users::NewUser {
                            username: &p.username,
                            display_name: &p.display_name,
                            role: Role::Officer.as_str(),
                            district_id: Some(p.district_id),
                            department_id: Some(p.department_id),
                            enterprise_id: None,
                            phone: p.phone.as_deref().unwrap_or(""),
                            password_hash: hash,
                            created_at: now,
                        },
                    )
                    .await?;
                    created += 1;
                }
            }
        }
        tx.commit().await?;
        Ok((created, updated))
    }

    // -- assignments --------------------------------------------------------

    async fn plan_assignments(
        &self,
        cols: &Columns,
        data: &[Row],
        restrict: Option<i64>,
        errs: &mut Errors,
        progress: Progress<'_>,
    ) -> Result<Vec<AssignmentPlan>> {
        let places = {
            let mut c = self.store.read().await?;
            Places::load(&mut c).await?
        };
        let total = data.len() * 2;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut parsed = Vec::with_capacity(data.len());
        for (i, (row, cells)) in data.iter().enumerate() {
            tick(progress, i, total);
            let r = Cells { cols, cells, row: *row };
            let code = r.parsed(errs, "credit_code", CreditCode::parse).map(|c| c.as_str().to_string());
            if let Some(code) = &code {
                if let Some(first) = seen.get(code) {
                    r.err(
                        errs,
                        "credit_code",
                        format!("与第{first}行重复：一家企业只能有一名当前服务员 (duplicate of row {first}: an enterprise has one current officer)"),
                    );
                } else {
                    seen.insert(code.clone(), *row);
                }
            }
            let officer = r.required(errs, "officer_username", 64);
            let reason = r.optional(errs, "reason", 500).unwrap_or_default();
            if let (Some(code), Some(officer)) = (code, officer) {
                parsed.push((*row, code, officer, reason));
            }
        }
        let (enterprises, users) = {
            let codes: Vec<String> = parsed.iter().map(|p| p.1.clone()).collect();
            let names: Vec<String> = parsed.iter().map(|p| p.2.clone()).collect::<HashSet<_>>().into_iter().collect();
            let mut c = self.store.read().await?;
            let e = support::enterprises_by_codes(&mut c, &codes).await?;
            let u = support::users_by_usernames(&mut c, &names).await?;
            (
                e.into_iter().map(|k| (k.credit_code.clone(), k)).collect::<HashMap<_, _>>(),
                u.into_iter().map(|k| (k.username.clone(), k)).collect::<HashMap<_, _>>(),
            )
        };
        let mut plans = Vec::with_capacity(parsed.len());
        for (row, code, officer, reason) in parsed {
            let code_col = cols.name("credit_code");
            let officer_col = cols.name("officer_username");
            let Some(e) = enterprises.get(&code) else {
                errs.add(
                    row,
                    code_col,
                    format!("企业“{code}”不存在，请先导入企业 (no enterprise with credit code {code}; import the enterprises first)"),
                );
                continue;
            };
            if let Some(own) = restrict.filter(|own| *own != e.district_id) {
                let (other, own) = (places.district_name(e.district_id), places.district_name(own));
                errs.add(
                    row,
                    code_col,
                    format!(
                        "该企业属于{other}，本片区（{own}）管理员不能分配 \
                         (this enterprise is in district {other}; the admin of {own} may not assign it)"
                    ),
                );
                continue;
            }
            let Some(u) = users.get(&officer) else {
                errs.add(row, officer_col, format!("用户“{officer}”不存在 (no user named '{officer}')"));
                continue;
            };
            if u.role != Role::Officer.as_str() {
                errs.add(
                    row,
                    officer_col,
                    format!(
                        "用户“{officer}”是{}，不是助企服务员 (user '{officer}' is not a service officer)",
                        role_label(&u.role)
                    ),
                );
                continue;
            }
            if u.active == 0 {
                errs.add(row, officer_col, format!("服务员“{officer}”已停用 (officer '{officer}' is deactivated)"));
                continue;
            }
            if u.district_id != Some(e.district_id) {
                let od = u.district_id.map_or("?", |d| places.district_name(d));
                let ed = places.district_name(e.district_id);
                errs.add(
                    row,
                    officer_col,
                    format!(
                        "服务员属于{od}，企业属于{ed}，须为同一片区 \
                         (the officer is in district {od} but the enterprise is in {ed}; they must be in the same district)"
                    ),
                );
                continue;
            }
            plans.push(AssignmentPlan {
                enterprise_id: e.id,
                officer_id: u.id,
                current_officer: e.officer_id,
                reason: if reason.is_empty() { "导入 (import)".to_string() } else { reason },
            });
        }
        progress(data.len(), total);
        Ok(plans)
    }

    async fn write_assignments(
        &self,
        actor: &Actor,
        plans: &[AssignmentPlan],
        now: i64,
        progress: Progress<'_>,
        total: usize,
    ) -> Result<(usize, usize)> {
        let base = total / 2;
        let (mut created, mut updated) = (0, 0);
        let mut tx = self.store.begin().await?;
        for (i, p) in plans.iter().enumerate() {
            tick(progress, base + i, total);
            let new = zhuqi_store::assignments::assign(
                &mut tx,
                p.enterprise_id,
                p.officer_id,
                now,
                Some(actor.user_id),
                &p.reason,
            )
            .await?;
            if new.is_some() {
                if p.current_officer.is_some() {
                    updated += 1;
                } else {
                    created += 1;
                }
            }
        }
        tx.commit().await?;
        Ok((created, updated))
    }
}

/// Hashes the distinct initial passwords of new officers, each once, a few
/// at a time on blocking threads, before any write transaction is opened.
async fn hash_passwords(plans: &[OfficerPlan]) -> Result<HashMap<String, String>> {
    let distinct: Vec<String> = plans
        .iter()
        .filter(|p| p.existing.is_none())
        .filter_map(|p| p.password.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let parallel = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let mut out = HashMap::with_capacity(distinct.len());
    for chunk in distinct.chunks(parallel.max(1)) {
        let mut set = tokio::task::JoinSet::new();
        for pw in chunk {
            let pw = pw.clone();
            set.spawn(async move {
                let hash = crate::auth::hash_password(&pw).await;
                (pw, hash)
            });
        }
        while let Some(joined) = set.join_next().await {
            let (pw, hash) = joined.map_err(|e| AppError::Internal(format!("hashing failed: {e}")))?;
            out.insert(pw, hash?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AppConfig;
    use chrono::TimeZone;
    use std::sync::Arc;
    use zhuqi_domain::FixedClock;
    use zhuqi_store::enterprises::EnterpriseFilter;
    use zhuqi_store::{Page, Store};

    const HEADER: &str = "统一社会信用代码,企业名称,片区,乡镇街道,行业代码,规模,地址,联系人,联系电话";

    /// A migrated SQLite file in the temp dir with two districts, a
    /// department, a city admin and a district admin of 莲都区.
    struct Fx {
        app: App,
        admin: Actor,
        liandu_admin: Actor,
        path: std::path::PathBuf,
    }

    impl Drop for Fx {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = self.path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }

    fn actor(user_id: i64, username: &str, role: Role, district_id: Option<i64>) -> Actor {
        Actor {
            user_id,
            username: username.into(),
            display_name: username.into(),
            role,
            district_id,
            department_id: None,
            enterprise_id: None,
        }
    }

    async fn fixture() -> Fx {
        let path =
            std::env::temp_dir().join(format!("zhuqi-import-{}-{:016x}.db", std::process::id(), rand::random::<u64>()));
        let store = Store::open(path.to_str().unwrap()).await.unwrap();
        let at = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
        let app = App::new(store, Arc::new(FixedClock::new(at)), AppConfig::default());
        let now = app.now_ms();
        let mut tx = app.store.begin().await.unwrap();
        use zhuqi_store::regions::insert as region;
        let city = region(&mut tx, None, "city", "331100", "丽水市", "", 0).await.unwrap();
        let liandu = region(&mut tx, Some(city), "district", "331102", "莲都区", "", 1).await.unwrap();
        region(&mut tx, Some(liandu), "township", "331102001", "紫金街道", "街道", 1).await.unwrap();
        let qingtian = region(&mut tx, Some(city), "district", "331121", "青田县", "", 2).await.unwrap();
        region(&mut tx, Some(qingtian), "township", "331121001", "鹤城街道", "街道", 1).await.unwrap();
        zhuqi_store::departments::insert(&mut tx, "D01", "丽水市经信局", "丽水市人民政府", now).await.unwrap();
        let user = |username: &'static str, role: Role, district_id: Option<i64>| zhuqi_store::users::NewUser {
            username,
            display_name: username,
            role: role.as_str(),
            district_id,
            department_id: None,
            enterprise_id: None,
            phone: "",
            password_hash: "!",
            created_at: now,
        };
        let admin = zhuqi_store::users::insert(&mut tx, &user("admin", Role::CityAdmin, None)).await.unwrap();
        let lda = zhuqi_store::users::insert(&mut tx, &user("liandu-admin", Role::DistrictAdmin, Some(liandu)))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        Fx {
            app,
            admin: actor(admin, "admin", Role::CityAdmin, None),
            liandu_admin: actor(lda, "liandu-admin", Role::DistrictAdmin, Some(liandu)),
            path,
        }
    }

    /// A valid credit code of 莲都区 numbered `i`.
    fn code(i: u32) -> String {
        CreditCode::complete(&format!("91331102MA2A{i:05}")).unwrap().as_str().to_string()
    }

    fn good_csv() -> String {
        format!(
            "{HEADER}\n{},丽水甲机械有限公司,莲都区,紫金街道,C3511,规上,莲都区括苍路1号,张三,138 1234 5678\n\
             {},青田乙贸易有限公司,331121,鹤城街道,F51,规下,,,\n",
            code(1),
            code(2)
        )
    }

    fn no_progress(_: usize, _: usize) {}

    async fn import(fx: &Fx, who: &Actor, kind: ImportKind, name: &str, bytes: &[u8]) -> Result<ImportReport> {
        fx.app.import(who, kind, name, bytes, &RequestMeta::default(), &no_progress).await
    }

    async fn enterprise_count(fx: &Fx) -> i64 {
        let mut c = fx.app.store.read().await.unwrap();
        zhuqi_store::enterprises::list(&mut c, zhuqi_domain::Scope::All, &EnterpriseFilter::default(), Page::default())
            .await
            .unwrap()
            .total
    }

    fn row_errors(r: Result<ImportReport>) -> Vec<RowError> {
        match r {
            Err(AppError::InvalidRows(errs)) => errs,
            other => panic!("expected InvalidRows, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn import_a_utf8_csv_creates_then_updates_enterprises() {
        let fx = fixture().await;
        let calls = std::sync::Mutex::new(Vec::new());
        let progress = |d: usize, t: usize| calls.lock().unwrap().push((d, t));
        let bom = format!("\u{feff}{}", good_csv());
        let r = fx
            .app
            .import(&fx.admin, ImportKind::Enterprises, "e.csv", bom.as_bytes(), &RequestMeta::default(), &progress)
            .await
            .unwrap();
        assert_eq!((r.rows, r.created, r.updated), (2, 2, 0));
        assert_eq!(calls.lock().unwrap().last(), Some(&(4, 4)));

        let mut c = fx.app.store.read().await.unwrap();
        let all = zhuqi_store::enterprises::all(&mut c, zhuqi_domain::Scope::All, &EnterpriseFilter::default())
            .await
            .unwrap();
        drop(c);
        let first = all.iter().find(|e| e.credit_code == code(1)).unwrap();
        assert_eq!(first.district_name, "莲都区");
        assert_eq!(first.township_name.as_deref(), Some("紫金街道"));
        assert_eq!((first.size.as_str(), first.contact_phone.as_str()), ("above", "13812345678"));
        let second = all.iter().find(|e| e.credit_code == code(2)).unwrap();
        assert_eq!((second.district_name.as_str(), second.size.as_str()), ("青田县", "below"));

        // The same file again updates; a file without the address column keeps addresses.
        let r = import(&fx, &fx.admin, ImportKind::Enterprises, "e.csv", good_csv().as_bytes()).await.unwrap();
        assert_eq!((r.created, r.updated), (0, 2));
        let renamed =
            format!("统一社会信用代码,企业名称,片区,行业代码,规模\n{},丽水甲机械股份公司,莲都区,C3511,规上\n", code(1));
        let r = import(&fx, &fx.admin, ImportKind::Enterprises, "e.csv", renamed.as_bytes()).await.unwrap();
        assert_eq!((r.created, r.updated), (0, 1));
        let mut c = fx.app.store.read().await.unwrap();
        let e = zhuqi_store::enterprises::get(&mut c, zhuqi_domain::Scope::All, first.id).await.unwrap().unwrap();
        assert_eq!(e.name, "丽水甲机械股份公司");
        assert_eq!(e.address, "莲都区括苍路1号");
        assert_eq!(e.township_name.as_deref(), Some("紫金街道"));
        assert_eq!(enterprise_count(&fx).await, 2);
    }

    #[tokio::test]
    async fn import_a_gb18030_csv() {
        let fx = fixture().await;
        let csv = good_csv();
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&csv);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err(), "the test file must not be valid UTF-8");
        let r = import(&fx, &fx.admin, ImportKind::Enterprises, "企业.csv", &bytes).await.unwrap();
        assert_eq!((r.rows, r.created), (2, 2));
        let mut c = fx.app.store.read().await.unwrap();
        let (id, _) = zhuqi_store::enterprises::id_by_credit_code(&mut c, &code(1)).await.unwrap().unwrap();
        let e = zhuqi_store::enterprises::get(&mut c, zhuqi_domain::Scope::All, id).await.unwrap().unwrap();
        assert_eq!(e.name, "丽水甲机械有限公司");
    }

    #[tokio::test]
    async fn import_an_xlsx_with_english_headers_decided_by_content() {
        let fx = fixture().await;
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        let rows = [
            vec![
                "Credit_Code".to_string(),
                " NAME ".into(),
                "district".into(),
                "Industry_Code".into(),
                "size".into(),
                "contact_phone".into(),
            ],
            vec![code(7), "丽水丙科技有限公司".into(), "莲都区".into(), "I65".into(), "规模以下".into(), String::new()],
            vec![String::new(); 6],
            vec![
                code(8),
                "丽水丁食品有限公司".into(),
                "331102".into(),
                "C14".into(),
                "above".into(),
                "0578-2123456".into(),
            ],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, v).unwrap();
                }
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        // The name says CSV; the content says spreadsheet.
        let r = import(&fx, &fx.admin, ImportKind::Enterprises, "upload.csv", &bytes).await.unwrap();
        assert_eq!((r.rows, r.created, r.updated), (2, 2, 0));
        assert_eq!(enterprise_count(&fx).await, 2);
    }

    #[tokio::test]
    async fn bad_rows_are_all_reported_and_nothing_is_written() {
        let fx = fixture().await;
        let seed = format!("{HEADER}\n{},已有企业,莲都区,,C35,规上,,,\n", code(50));
        import(&fx, &fx.admin, ImportKind::Enterprises, "seed.csv", seed.as_bytes()).await.unwrap();
        let before = enterprise_count(&fx).await;

        let good = code(3);
        let mut bad_check = code(4);
        let last = bad_check.pop().unwrap();
        bad_check.push(if last == '0' { '1' } else { '0' });
        let csv = format!(
            "{HEADER}\n{good},好企业,莲都区,,C35,规上,,,\n{bad_check},坏代码企业,莲都区,,C35,规上,,,\n{},未知片区企业,火星区,,C35,规上,,,\n",
            code(5)
        );
        let errs = row_errors(import(&fx, &fx.admin, ImportKind::Enterprises, "bad.csv", csv.as_bytes()).await);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!((errs[0].row, errs[0].column.as_str()), (3, "统一社会信用代码"));
        assert!(errs[0].message.contains("check character"), "{}", errs[0].message);
        assert_eq!((errs[1].row, errs[1].column.as_str()), (4, "片区"));
        assert!(errs[1].message.contains("unknown district"), "{}", errs[1].message);
        assert_eq!(enterprise_count(&fx).await, before);

        // Missing headers, duplicates and bad values are all listed at once.
        let csv = "企业名称,片区,规模\n甲,莲都区,规上\n";
        let errs = row_errors(import(&fx, &fx.admin, ImportKind::Enterprises, "h.csv", csv.as_bytes()).await);
        let missing: Vec<&str> = errs.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(missing, ["统一社会信用代码", "行业代码"]);
        assert!(errs.iter().all(|e| e.row == 1));
        let csv = format!("{HEADER}\n{good},甲,莲都区,鹤城街道,X1,大,,,12345\n\n{good},乙,莲都区,,C35,规上,,,\n");
        let errs = row_errors(import(&fx, &fx.admin, ImportKind::Enterprises, "d.csv", csv.as_bytes()).await);
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(got, [(2, "乡镇街道"), (2, "行业代码"), (2, "规模"), (2, "联系电话"), (4, "统一社会信用代码")]);
        assert!(errs[0].message.contains("is in district 青田县"), "{}", errs[0].message);
        assert!(errs[4].message.contains("duplicate of row 2"), "{}", errs[4].message);
        assert_eq!(enterprise_count(&fx).await, before);

        let mut c = fx.app.store.read().await.unwrap();
        let log = zhuqi_store::audit::list(&mut c, Some("import"), Page::default()).await.unwrap();
        assert_eq!(log.items.iter().filter(|e| e.outcome == "rejected").count(), 3);
        assert_eq!(log.items.iter().filter(|e| e.outcome == "success").count(), 1);
    }

    #[tokio::test]
    async fn officers_then_assignments_keep_history() {
        let fx = fixture().await;
        let officers = "用户名,姓名,片区,派出单位,手机,初始密码\n\
                        zhang.san,张三,莲都区,丽水市经信局,13900000001,Secret-pass1\n\
                        li_si,李四,莲都区,D01,,Secret-pass1\n\
                        wang-5,王五,青田县,丽水市经信局,,\n";
        let r = import(&fx, &fx.admin, ImportKind::Officers, "o.csv", officers.as_bytes()).await.unwrap();
        assert_eq!((r.rows, r.created, r.updated), (3, 3, 0));
        let mut c = fx.app.store.read().await.unwrap();
        let zs = zhuqi_store::users::credentials(&mut c, "zhang.san").await.unwrap().unwrap();
        let ls = zhuqi_store::users::credentials(&mut c, "li_si").await.unwrap().unwrap();
        let w5 = zhuqi_store::users::credentials(&mut c, "wang-5").await.unwrap().unwrap();
        drop(c);
        assert!(zs.password_hash.starts_with("$argon2id$"));
        assert_eq!(zs.password_hash, ls.password_hash, "one hash per distinct password");
        assert_eq!(w5.password_hash, "!");
        assert!(crate::auth::verify_password("Secret-pass1", &zs.password_hash).await);

        // Re-import updates; an admin's username and a weak password are row errors.
        let again = "用户名,姓名,片区,派出单位\nzhang.san,张三丰,莲都区,D01\n";
        let r = import(&fx, &fx.admin, ImportKind::Officers, "o.csv", again.as_bytes()).await.unwrap();
        assert_eq!((r.created, r.updated), (0, 1));
        let bad = "username,display_name,district,department,password\nadmin,冒名,莲都区,D01,\nnew.one,新人,莲都区,D01,short\nx,短,莲都区,D01,\n";
        let errs = row_errors(import(&fx, &fx.admin, ImportKind::Officers, "o.csv", bad.as_bytes()).await);
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(got, [(2, "username"), (3, "password"), (4, "username")]);

        let ent = format!("{HEADER}\n{},丽水甲机械有限公司,莲都区,,C35,规上,,,\n", code(1));
        import(&fx, &fx.admin, ImportKind::Enterprises, "e.csv", ent.as_bytes()).await.unwrap();
        let first = format!("统一社会信用代码,服务员用户名,原因\n{},zhang.san,首次分配\n", code(1));
        let r = import(&fx, &fx.admin, ImportKind::Assignments, "a.csv", first.as_bytes()).await.unwrap();
        assert_eq!((r.created, r.updated), (1, 0));
        let same = import(&fx, &fx.admin, ImportKind::Assignments, "a.csv", first.as_bytes()).await.unwrap();
        assert_eq!((same.created, same.updated), (0, 0));
        let second = format!("统一社会信用代码,服务员用户名,原因\n{},li_si,工作调整\n", code(1));
        let r = import(&fx, &fx.admin, ImportKind::Assignments, "a.csv", second.as_bytes()).await.unwrap();
        assert_eq!((r.created, r.updated), (0, 1));

        let mut c = fx.app.store.read().await.unwrap();
        let (eid, _) = zhuqi_store::enterprises::id_by_credit_code(&mut c, &code(1)).await.unwrap().unwrap();
        let history = zhuqi_store::assignments::for_enterprise(&mut c, eid).await.unwrap();
        drop(c);
        assert_eq!(history.len(), 2);
        assert_eq!((history[0].officer_name.as_str(), history[0].valid_to), ("李四", None));
        assert_eq!(history[1].officer_name, "张三丰");
        assert!(history[1].valid_to.is_some());
        assert_eq!(history[0].reason, "工作调整");

        // An officer of another district, an unknown officer, an unknown enterprise.
        let bad =
            format!("统一社会信用代码,服务员用户名\n{},wang-5\n{},nobody\n{},li_si\n", code(1), code(1), code(99));
        let errs = row_errors(import(&fx, &fx.admin, ImportKind::Assignments, "a.csv", bad.as_bytes()).await);
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(got, [(2, "服务员用户名"), (3, "统一社会信用代码"), (3, "服务员用户名"), (4, "统一社会信用代码")]);
        assert!(errs[0].message.contains("same district"), "{}", errs[0].message);
        assert!(errs[1].message.contains("duplicate of row 2"), "{}", errs[1].message);
        assert!(errs[2].message.contains("no user named 'nobody'"), "{}", errs[2].message);
        assert!(errs[3].message.contains("import the enterprises first"), "{}", errs[3].message);
    }

    #[tokio::test]
    async fn a_district_admin_imports_only_their_district() {
        let fx = fixture().await;
        let r = import(&fx, &fx.liandu_admin, ImportKind::Enterprises, "e.csv", good_csv().as_bytes()).await;
        let errs = row_errors(r);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!((errs[0].row, errs[0].column.as_str()), (3, "片区"));
        assert!(errs[0].message.contains("own district"), "{}", errs[0].message);
        assert_eq!(enterprise_count(&fx).await, 0);

        let own = format!("{HEADER}\n{},丽水甲机械有限公司,莲都区,紫金街道,C35,规上,,,\n", code(1));
        let r = import(&fx, &fx.liandu_admin, ImportKind::Enterprises, "e.csv", own.as_bytes()).await.unwrap();
        assert_eq!(r.created, 1);

        let coordinator = actor(999, "coord", Role::Coordinator, None);
        let r = import(&fx, &coordinator, ImportKind::Enterprises, "e.csv", own.as_bytes()).await;
        assert!(matches!(r, Err(AppError::Forbidden(_))), "{r:?}");
    }

    #[tokio::test]
    async fn unreadable_and_oversized_files_are_refused() {
        let fx = fixture().await;
        let r = import(&fx, &fx.admin, ImportKind::Enterprises, "e.xlsx", b"not a spreadsheet").await;
        assert!(matches!(&r, Err(AppError::Invalid(e)) if e.field == "file"), "{r:?}");
        let r = import(&fx, &fx.admin, ImportKind::Enterprises, "e.csv", b"").await;
        assert_eq!(row_errors(r)[0].row, 1);
        let mut big = String::from("用户名,姓名,片区,派出单位\n");
        for i in 0..=MAX_ROWS {
            big.push_str(&format!("u{i},n,莲都区,D01\n"));
        }
        let errs = row_errors(import(&fx, &fx.admin, ImportKind::Officers, "big.csv", big.as_bytes()).await);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].row, MAX_ROWS + 2);
    }

    #[tokio::test]
    async fn the_import_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let fx = fixture().await;
        let meta = RequestMeta::default();
        let fut = fx.app.import(&fx.admin, ImportKind::Officers, "x.csv", b"", &meta, &no_progress);
        assert_send(&fut);
        let _ = fut.await;
    }

    #[tokio::test]
    async fn an_enterprise_export_reads_back_and_imports_back() {
        use calamine::Reader;
        let fx = fixture().await;
        import(&fx, &fx.admin, ImportKind::Enterprises, "e.csv", good_csv().as_bytes()).await.unwrap();
        let meta = RequestMeta::default();
        let bytes = fx.app.export_enterprises_xlsx(&fx.admin, &EnterpriseFilter::default(), &meta).await.unwrap();
        assert!(bytes.starts_with(b"PK"));
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.height(), 1 + 2);
        let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        assert_eq!(header[..9], HEADER.split(',').collect::<Vec<_>>()[..]);

        let r = import(&fx, &fx.admin, ImportKind::Enterprises, "export.xlsx", &bytes).await.unwrap();
        assert_eq!((r.rows, r.created, r.updated), (2, 0, 2));

        // An auditor's export masks phones; a district admin sees their district only.
        let auditor = actor(998, "auditor", Role::Auditor, None);
        let bytes = fx.app.export_enterprises_xlsx(&auditor, &EnterpriseFilter::default(), &meta).await.unwrap();
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let phones: Vec<String> = range.rows().skip(1).map(|r| r[8].to_string()).collect();
        assert!(phones.contains(&"138****5678".to_string()), "{phones:?}");
        let bytes =
            fx.app.export_enterprises_xlsx(&fx.liandu_admin, &EnterpriseFilter::default(), &meta).await.unwrap();
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.worksheet_range_at(0).unwrap().unwrap().height(), 1 + 1);

        let coverage = fx.app.export_coverage_xlsx(&fx.liandu_admin, &meta).await.unwrap();
        assert!(coverage.starts_with(b"PK"));
        let officers = fx.app.export_officers_xlsx(&fx.admin, &Default::default(), &meta).await.unwrap();
        assert!(officers.starts_with(b"PK"));
        let handler = actor(997, "h", Role::DeptHandler, None);
        let r = fx.app.export_enterprises_xlsx(&handler, &EnterpriseFilter::default(), &meta).await;
        assert!(matches!(r, Err(AppError::Forbidden(_))));

        let mut c = fx.app.store.read().await.unwrap();
        let log = zhuqi_store::audit::list(&mut c, Some("export"), Page::default()).await.unwrap();
        let details: Vec<(&str, &str, &str)> =
            log.items.iter().map(|e| (e.target.as_str(), e.outcome.as_str(), e.detail.as_str())).collect();
        assert!(details.contains(&("enterprises", "success", "2")), "{details:?}");
        assert!(details.contains(&("coverage", "success", "1")), "{details:?}");
        assert!(details.contains(&("enterprises", "denied", "dept_handler")), "{details:?}");
    }
}
