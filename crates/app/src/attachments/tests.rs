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
