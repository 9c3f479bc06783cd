//! Headers, cells and row errors: the checks every import kind shares.

use super::*;

// ---------------------------------------------------------------------------
// Headers, cells, errors
// ---------------------------------------------------------------------------

/// Collected row errors.
#[derive(Debug, Default)]
pub(super) struct Errors(Vec<RowError>);

impl Errors {
    pub(super) fn add(&mut self, row: usize, column: impl Into<String>, message: impl Into<String>) {
        self.0.push(RowError { row, column: column.into(), message: message.into() });
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn into_error(mut self) -> AppError {
        self.0.sort_by_key(|e| e.row);
        AppError::InvalidRows(self.0)
    }
}

pub(super) fn normalize_header(h: &str) -> String {
    h.trim_matches(|c: char| c == '\u{feff}' || c == '*' || c == '＊' || c.is_whitespace())
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// Where each known column is in the file, and its header as written.
#[derive(Debug)]
pub(super) struct Columns {
    found: HashMap<&'static str, (usize, String)>,
}

impl Columns {
    pub(super) fn resolve(specs: &[ColSpec], header: &[String], header_row: usize, errs: &mut Errors) -> Self {
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

    pub(super) fn has(&self, key: &str) -> bool {
        self.found.contains_key(key)
    }

    /// The header of `key` as written in the file.
    pub(super) fn name<'a>(&'a self, key: &'a str) -> &'a str {
        self.found.get(key).map_or(key, |(_, h)| h.as_str())
    }

    pub(super) fn cell<'r>(&self, key: &str, cells: &'r [String]) -> &'r str {
        self.found.get(key).and_then(|(i, _)| cells.get(*i)).map_or("", |s| s.trim())
    }
}

/// The keys (credit codes, usernames) already met in a file, with the row
/// each was first met on: a key may stand on one row only.
#[derive(Default)]
pub(super) struct FirstRows(std::collections::HashMap<String, usize>);

impl FirstRows {
    /// Records `key` for `r`'s row, or reports `r`'s column `field` as a
    /// duplicate of the first row with `why` (`None`: the plain message).
    pub(super) fn check(
        &mut self,
        r: &Cells<'_>,
        errs: &mut Errors,
        field: &str,
        key: &str,
        why: Option<(&str, &str)>,
    ) {
        match self.0.get(key) {
            Some(first) => {
                let msg = match why {
                    Some((zh, en)) => format!("与第{first}行重复：{zh} (duplicate of row {first}: {en})"),
                    None => format!("与第{first}行重复 (duplicate of row {first})"),
                };
                r.err(errs, field, msg);
            }
            None => {
                self.0.insert(key.to_string(), r.row);
            }
        }
    }
}

/// One data row being validated.
pub(super) struct Cells<'a> {
    pub(super) cols: &'a Columns,
    pub(super) cells: &'a [String],
    pub(super) row: usize,
}

impl Cells<'_> {
    pub(super) fn err(&self, errs: &mut Errors, key: &str, message: impl Into<String>) {
        errs.add(self.row, self.cols.name(key), message);
    }

    pub(super) fn check_len(&self, errs: &mut Errors, key: &str, v: &str, max: usize) -> bool {
        if v.chars().count() > max {
            self.err(errs, key, format!("内容过长，最多{max}个字符 (too long: at most {max} characters)"));
            false
        } else {
            true
        }
    }

    /// A required text value (non-empty, at most `max` characters).
    pub(super) fn required(&self, errs: &mut Errors, key: &str, max: usize) -> Option<String> {
        let v = self.cols.cell(key, self.cells);
        if v.is_empty() {
            self.err(errs, key, "必填项为空 (this required value is empty)");
            return None;
        }
        self.check_len(errs, key, v, max).then(|| v.to_string())
    }

    /// An optional text value: `None` if the file has no such column.
    pub(super) fn optional(&self, errs: &mut Errors, key: &str, max: usize) -> Option<String> {
        if !self.cols.has(key) {
            return None;
        }
        let v = self.cols.cell(key, self.cells);
        self.check_len(errs, key, v, max);
        Some(v.to_string())
    }

    /// A required value parsed by a domain rule (its message is used as is).
    pub(super) fn parsed<T>(
        &self,
        errs: &mut Errors,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, FieldError>,
    ) -> Option<T> {
        let v = self.cols.cell(key, self.cells);
        if v.is_empty() {
            self.err(errs, key, "必填项为空 (this required value is empty)");
            return None;
        }
        parse(v).map_err(|e| self.err(errs, key, e.message)).ok()
    }

    /// An optional phone: `None` if the column is absent, `Some("")` if empty.
    pub(super) fn phone(&self, errs: &mut Errors, key: &str) -> Option<String> {
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
    pub(super) fn district(&self, errs: &mut Errors, places: &Places, restrict: Option<i64>) -> Option<i64> {
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
        if places.retired.contains(&id) {
            let name = places.district_name(id);
            self.err(errs, "district", format!("片区“{name}”已撤销，不能再导入 (district {name} is retired)"));
            return None;
        }
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

pub(super) fn tick(progress: Progress<'_>, done: usize, total: usize) {
    // (`is_multiple_of` would need Rust 1.87; the workspace promises 1.85.)
    if done.checked_rem(PROGRESS_EVERY) == Some(0) {
        progress(done, total);
    }
}

pub(super) fn valid_username(s: &str) -> bool {
    (3..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

pub(super) fn role_label(role: &str) -> String {
    Role::parse(role).map_or_else(|| role.to_string(), |r| format!("{}（{}）", r.label_zh(), r.as_str()))
}

// ---------------------------------------------------------------------------
// Reference data
// ---------------------------------------------------------------------------

/// Districts and townships, by name and by code.
#[derive(Debug, Default)]
pub(super) struct Places {
    district_by_key: HashMap<String, i64>,
    district_names: HashMap<i64, String>,
    township_by_key: HashMap<(i64, String), i64>,
    /// Township name/code → the districts having such a township.
    township_districts: HashMap<String, Vec<i64>>,
    /// Retired districts and townships: rows naming them are refused.
    retired: std::collections::HashSet<i64>,
}

impl Places {
    pub(super) async fn load(c: &mut Conn) -> Result<Self> {
        let mut p = Self::default();
        for d in zhuqi_store::regions::by_level(c, "district").await? {
            if d.retired_at.is_some() {
                p.retired.insert(d.id);
            }
            p.district_by_key.insert(d.name.clone(), d.id);
            p.district_by_key.insert(d.code.clone(), d.id);
            p.district_names.insert(d.id, d.name);
        }
        for t in zhuqi_store::regions::by_level(c, "township").await? {
            let Some(parent) = t.parent_id else { continue };
            if t.retired_at.is_some() {
                p.retired.insert(t.id);
            }
            for key in [t.name, t.code] {
                p.township_by_key.insert((parent, key.clone()), t.id);
                p.township_districts.entry(key).or_default().push(parent);
            }
        }
        Ok(p)
    }

    pub(super) fn district(&self, v: &str) -> Option<i64> {
        self.district_by_key.get(v).copied()
    }

    pub(super) fn district_name(&self, id: i64) -> &str {
        self.district_names.get(&id).map_or("?", String::as_str)
    }

    /// The township `v` of district `d`, or a message saying what is wrong.
    pub(super) fn township(&self, d: i64, v: &str) -> Result<i64, String> {
        if let Some(id) = self.township_by_key.get(&(d, v.to_string())) {
            if self.retired.contains(id) {
                return Err(format!("乡镇街道“{v}”已撤销，不能再导入 (township '{v}' is retired)"));
            }
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

/// Departments by name and by code, with whether each is retired.
pub(super) async fn load_departments(c: &mut Conn) -> Result<HashMap<String, (i64, bool)>> {
    let mut m = HashMap::new();
    for d in zhuqi_store::departments::list(c).await? {
        let retired = d.retired_at.is_some();
        m.insert(d.name, (d.id, retired));
        m.insert(d.code, (d.id, retired));
    }
    Ok(m)
}
