//! Reading an uploaded .csv or .xlsx file into rows.

use super::*;

// ---------------------------------------------------------------------------
// Reading files
// ---------------------------------------------------------------------------

pub(super) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
pub(super) const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads a file into its non-empty rows (header first). Stops after the
/// header plus `MAX_ROWS + 1` data rows so a huge file cannot exhaust
/// memory. The error is a file-level message.
pub(super) fn read_rows(file_name: &str, bytes: &[u8]) -> Result<Vec<Row>, String> {
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
pub(super) fn decode_text(bytes: &[u8]) -> Result<String, String> {
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
pub(super) fn sniff_delimiter(text: &str) -> u8 {
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

pub(super) fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// Turns a record's byte offset into its 1-based line number, as a
/// spreadsheet would number the row. The CSV reader's own line count skips
/// blank lines, and its offset points at the blank lines before a record.
pub(super) struct LineCounter<'a> {
    text: &'a str,
    byte: usize,
    line: usize,
}

impl LineCounter<'_> {
    pub(super) fn line_at(&mut self, start: usize) -> usize {
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

pub(super) fn read_csv(text: &str) -> Result<Vec<Row>, String> {
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

/// The columns a sheet may use: the widest import has nine; a cell with a
/// value beyond this is refused before anything is allocated for it.
pub(super) const MAX_COLS: u32 = 64;

/// Reads the first sheet of an .xlsx cell by cell (never the whole grid:
/// one cell in A1 and one in XFD1048576 allocate two strings, not a
/// billion), after [`crate::archive::check_zip`] has bounded what the
/// archive inflates to. Stops after the header plus `MAX_ROWS + 1` rows;
/// a value beyond column [`MAX_COLS`] is refused naming the limit. The
/// old binary .xls format is not read (its reader builds the whole grid).
pub(super) fn read_workbook(bytes: &[u8]) -> Result<Vec<Row>, String> {
    use calamine::Reader;
    if bytes.starts_with(OLE_MAGIC) {
        return Err("不支持旧版Excel（.xls）文件，请另存为.xlsx或.csv后导入 \
                    (old binary Excel files (.xls) are not read: save the file as .xlsx or .csv)"
            .to_string());
    }
    crate::archive::check_zip(bytes, crate::archive::WORKBOOK_LIMITS).map_err(|e| e.to_string())?;
    let bad = |e: &dyn std::fmt::Display| {
        format!(
            "无法读取该Excel文件，请另存为.xlsx后重试 (the spreadsheet cannot be read: {e}; save it again as .xlsx)"
        )
    };
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err("工作簿中没有工作表 (the workbook has no sheet)".to_string());
    };
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(|e| bad(&e))?;
    let mut rows: Vec<Row> = Vec::new();
    let mut current: Option<(u32, Vec<String>)> = None;
    let flush = |row: Option<(u32, Vec<String>)>, rows: &mut Vec<Row>| {
        if let Some((r, out)) = row {
            if !is_blank(&out) {
                rows.push((r as usize + 1, out));
            }
        }
    };
    while let Some(cell) = cells.next_cell().map_err(|e| bad(&e))? {
        let (r, c) = cell.get_position();
        let value = calamine::Data::from(cell.get_value().clone()).to_string();
        if value.trim().is_empty() {
            continue;
        }
        if c >= MAX_COLS {
            return Err(format!(
                "第{}行第{}列有内容，超出{MAX_COLS}列的上限 (row {}, column {}: data beyond the limit of {MAX_COLS} columns)",
                r + 1,
                c + 1,
                r + 1,
                c + 1
            ));
        }
        if current.as_ref().is_some_and(|(cr, _)| *cr != r) {
            flush(current.take(), &mut rows);
            if rows.len() > MAX_ROWS + 1 {
                return Ok(rows);
            }
        }
        let (_, out) = current.get_or_insert_with(|| (r, Vec::new()));
        let c = c as usize;
        if out.len() <= c {
            out.resize(c + 1, String::new());
        }
        if let Some(slot) = out.get_mut(c) {
            *slot = value;
        }
    }
    flush(current.take(), &mut rows);
    Ok(rows)
}
