//! Opening archives a user uploaded (an .xlsx is a zip) with bounded
//! memory: before any reader inflates an entry into memory, every entry is
//! inflated once into nothing through a counting reader that stops at the
//! limit, so a zip bomb — or an entry whose header lies about its size —
//! is refused after at most `max_total` bytes of work and no allocation.
//!
//! Every place the server opens a zip goes through [`check_zip`]; the
//! attachment type check reads only the central directory (bounded by the
//! file's own size) and inflates nothing.

use std::io::Read;

/// Limits of one archive.
#[derive(Debug, Clone, Copy)]
pub struct ZipLimits {
    pub max_entries: usize,
    /// Inflated bytes of one entry.
    pub max_entry: u64,
    /// Inflated bytes of all entries together.
    pub max_total: u64,
}

/// Limits of an uploaded workbook: 100,000 rows of a registry inflate to
/// well under 100 MiB of sheet XML.
pub const WORKBOOK_LIMITS: ZipLimits =
    ZipLimits { max_entries: 1_000, max_entry: 128 * 1024 * 1024, max_total: 160 * 1024 * 1024 };

/// Why an archive is refused, in words for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    Unreadable(String),
    TooManyEntries(usize),
    EntryTooLarge { name: String, limit: u64 },
    TooLarge { limit: u64 },
}

fn mib(n: u64) -> u64 {
    n / (1024 * 1024)
}

impl std::fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArchiveError::Unreadable(e) => write!(f, "压缩包已损坏，无法读取 (the archive is damaged: {e})"),
            ArchiveError::TooManyEntries(n) => {
                write!(f, "压缩包内文件超过{n}个的上限 (the archive holds more than the limit of {n} entries)")
            }
            ArchiveError::EntryTooLarge { name, limit } => write!(
                f,
                "“{name}”解压后超过{} MB的上限 ('{name}' inflates beyond the limit of {} MB)",
                mib(*limit),
                mib(*limit)
            ),
            ArchiveError::TooLarge { limit } => write!(
                f,
                "文件解压后超过{} MB的上限 (the file inflates beyond the limit of {} MB)",
                mib(*limit),
                mib(*limit)
            ),
        }
    }
}

/// Checks that the zip in `bytes` stays within `limits` when inflated
/// (actual bytes, whatever the headers say).
pub fn check_zip(bytes: &[u8], limits: ZipLimits) -> Result<(), ArchiveError> {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| ArchiveError::Unreadable(e.to_string()))?;
    if zip.len() > limits.max_entries {
        return Err(ArchiveError::TooManyEntries(limits.max_entries));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| ArchiveError::Unreadable(e.to_string()))?;
        let name = entry.name().to_string();
        let budget = limits.max_entry.min(limits.max_total.saturating_sub(total));
        // Read at most one byte past the budget: enough to know it is exceeded.
        let n = std::io::copy(&mut entry.take(budget.saturating_add(1)), &mut std::io::sink())
            .map_err(|e| ArchiveError::Unreadable(e.to_string()))?;
        if n > limits.max_entry {
            return Err(ArchiveError::EntryTooLarge { name, limit: limits.max_entry });
        }
        total = total.saturating_add(n);
        if total > limits.max_total {
            return Err(ArchiveError::TooLarge { limit: limits.max_total });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const SMALL: ZipLimits = ZipLimits { max_entries: 3, max_entry: 1000, max_total: 1500 };

    #[test]
    fn within_the_limits_passes() {
        assert_eq!(check_zip(&zip_of(&[("a", &[b'x'; 1000]), ("b", &[b'y'; 500])]), SMALL), Ok(()));
    }

    #[test]
    fn each_limit_is_named() {
        let one_too_big = zip_of(&[("sheet.xml", &[b'x'; 1001])]);
        assert_eq!(
            check_zip(&one_too_big, SMALL),
            Err(ArchiveError::EntryTooLarge { name: "sheet.xml".into(), limit: 1000 })
        );
        let all_too_big = zip_of(&[("a", &[b'x'; 1000]), ("b", &[b'y'; 501])]);
        assert_eq!(check_zip(&all_too_big, SMALL), Err(ArchiveError::TooLarge { limit: 1500 }));
        let many = zip_of(&[("a", b"1"), ("b", b"2"), ("c", b"3"), ("d", b"4")]);
        assert_eq!(check_zip(&many, SMALL), Err(ArchiveError::TooManyEntries(3)));
        assert!(matches!(check_zip(b"PK\x03\x04 not a zip", SMALL), Err(ArchiveError::Unreadable(_))));
    }

    #[test]
    fn a_bomb_is_refused_after_reading_no_more_than_the_limit() {
        // 50 MiB of zeros deflate to ~50 KiB.
        let bomb = zip_of(&[("xl/sharedStrings.xml", &vec![0u8; 50 * 1024 * 1024])]);
        assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
        let limits = ZipLimits { max_entries: 10, max_entry: 1024 * 1024, max_total: 1024 * 1024 };
        let e = check_zip(&bomb, limits).unwrap_err();
        assert_eq!(e, ArchiveError::EntryTooLarge { name: "xl/sharedStrings.xml".into(), limit: 1024 * 1024 });
        assert!(e.to_string().contains("1 MB"), "{e}");
    }
}
