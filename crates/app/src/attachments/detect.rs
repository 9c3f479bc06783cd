//! The type of a file from its content (magic bytes, zip and OLE directories).

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

pub(super) const ACCEPTED: &str = "JPEG, PNG, HEIC/HEIF, WebP, PDF, Word/Excel/PowerPoint";

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
