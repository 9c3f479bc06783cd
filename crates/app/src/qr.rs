//! QR codes rendered in-process: the module matrix from the `qrcode` crate
//! (no image stack), SVG from its renderer and PNG written from the matrix
//! with the small `png` crate. Error correction level M (15 %) survives a
//! creased or dirty poster.

use crate::{AppError, Result};
use qrcode::{Color, EcLevel, QrCode};

/// Modules of quiet zone around the code, as the standard asks.
const QUIET: usize = 4;

fn code(data: &str) -> Result<QrCode> {
    QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| AppError::Internal(format!("QR encoding failed: {e}")))
}

/// The code as a standalone SVG document (scales to any print size).
pub fn svg(data: &str) -> Result<String> {
    let c = code(data)?;
    Ok(c.render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// The code as an 8-bit greyscale PNG, `scale` pixels per module.
pub fn png(data: &str, scale: usize) -> Result<Vec<u8>> {
    let c = code(data)?;
    let w = c.width();
    let colors = c.to_colors();
    let scale = scale.clamp(1, 40);
    let side = (w + 2 * QUIET) * scale;
    let mut pixels = vec![255u8; side * side];
    for y in 0..w {
        for x in 0..w {
            if colors[y * w + x] == Color::Dark {
                for dy in 0..scale {
                    let row = ((y + QUIET) * scale + dy) * side;
                    let start = row + (x + QUIET) * scale;
                    pixels[start..start + scale].fill(0);
                }
            }
        }
    }
    let side32 = u32::try_from(side).map_err(|_| AppError::Internal("QR too large".into()))?;
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side32, side32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().map_err(|e| AppError::Internal(format!("PNG header: {e}")))?;
        wr.write_image_data(&pixels).map_err(|e| AppError::Internal(format!("PNG data: {e}")))?;
        wr.finish().map_err(|e| AppError::Internal(format!("PNG end: {e}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_and_png_are_well_formed_and_depend_on_the_data() {
        let a = svg("https://zhuqi.example/c/00112233445566778899aabbccddeeff").unwrap();
        let b = svg("https://zhuqi.example/c/ffeeddccbbaa99887766554433221100").unwrap();
        assert!(a.contains("<svg") && a.ends_with("</svg>"), "{a}");
        assert_ne!(a, b);
        let p = png("https://zhuqi.example/c/00112233445566778899aabbccddeeff", 8).unwrap();
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        // Decode it back: square, greyscale, a multiple of the scale, dark pixels present.
        let dec = png::Decoder::new(std::io::Cursor::new(&p));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        assert_eq!(info.width, info.height);
        assert_eq!(info.width % 8, 0);
        assert!(buf.contains(&0) && buf.contains(&255));
        // The quiet zone is white.
        assert!(buf[..(info.width as usize) * 4 * 8].iter().all(|&v| v == 255));
    }
}
