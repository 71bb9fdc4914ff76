//! Uploaded images: checked by content (JPEG, PNG, WebP, GIF), decoded,
//! turned upright, stripped of metadata by re-encoding, and resized to the
//! widths pages ask for in `srcset`. Decoding is bounded so a hostile file
//! cannot exhaust memory.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Widths stored for `srcset`; the widest is also the image's main copy.
pub const WIDTHS: [u32; 3] = [1600, 960, 480];
/// JPEG quality of stored copies.
const JPEG_QUALITY: u8 = 82;

/// One stored copy of an image.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// Why an upload was refused, in words for the editor.
pub fn describe_formats() -> &'static str {
    "Choose a JPEG, PNG, WebP or GIF image."
}

/// Turns an upload into stored copies, widest first. The error is a message for the editor.
pub fn process_upload(bytes: &[u8]) -> Result<Vec<Encoded>, String> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(format!(
            "The image is {:.1} MB; the limit is 10 MB.",
            bytes.len() as f64 / 1_048_576.0
        ));
    }
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| {
            matches!(
                f,
                ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif
            )
        })
        .ok_or_else(|| {
            format!(
                "That file is not an image we can use. {}",
                describe_formats()
            )
        })?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(400 * 1024 * 1024);
    reader.limits(limits);
    let unreadable = |_| {
        format!(
            "The image could not be read; it may be damaged. {}",
            describe_formats()
        )
    };
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    if let Some(orientation) = orientation {
        img.apply_orientation(orientation);
    }
    if img.width() < 16 || img.height() < 16 {
        return Err("The image is too small; use one at least 16 pixels on each side.".into());
    }
    let mut copies = Vec::new();
    for &width in &WIDTHS {
        // Never enlarge: the widest copy is at most the original's width.
        let widest_so_far = copies.first().map(|c: &Encoded| c.width);
        let target = width.min(img.width());
        if widest_so_far.is_some_and(|w| target >= w) {
            continue;
        }
        let resized = if target < img.width() {
            img.resize(target, u32::MAX, FilterType::Lanczos3)
        } else {
            img.clone()
        };
        copies.push(encode(&resized)?);
    }
    Ok(copies)
}

/// Re-encodes pixels only (no EXIF, no colour profile): PNG where there is
/// transparency, JPEG otherwise.
fn encode(img: &DynamicImage) -> Result<Encoded, String> {
    let mut data = Vec::new();
    let failed = |e: image::ImageError| format!("The image could not be processed ({e}).");
    let content_type = if img.color().has_alpha() {
        img.to_rgba8()
            .write_with_encoder(PngEncoder::new(&mut data))
            .map_err(failed)?;
        "image/png"
    } else {
        img.to_rgb8()
            .write_with_encoder(JpegEncoder::new_with_quality(&mut data, JPEG_QUALITY))
            .map_err(failed)?;
        "image/jpeg"
    };
    Ok(Encoded {
        content_type,
        width: img.width(),
        height: img.height(),
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = DynamicImage::new_rgb8(width, height);
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn large_images_get_every_width_and_small_ones_are_not_enlarged() {
        let copies = process_upload(&png(2000, 1000)).unwrap();
        let widths: Vec<u32> = copies.iter().map(|c| c.width).collect();
        assert_eq!(widths, [1600, 960, 480]);
        assert_eq!(copies[0].height, 800);
        assert_eq!(copies[0].content_type, "image/jpeg");
        let small = process_upload(&png(600, 400)).unwrap();
        assert_eq!(
            small.iter().map(|c| c.width).collect::<Vec<_>>(),
            [600, 480]
        );
    }

    #[test]
    fn files_that_are_not_images_are_refused_by_content_not_name() {
        assert!(process_upload(b"GIF89a not really").is_err());
        assert!(process_upload(b"%PDF-1.7 hello")
            .unwrap_err()
            .contains("not an image"));
        assert!(process_upload(&vec![0u8; MAX_UPLOAD_BYTES + 1])
            .unwrap_err()
            .contains("10 MB"));
    }

    #[test]
    fn metadata_is_gone_after_re_encoding() {
        // A JPEG with an EXIF comment marker survives decoding but not re-encoding.
        let mut jpeg = Vec::new();
        DynamicImage::new_rgb8(64, 64)
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .unwrap();
        let exif = b"Exif\0\0SECRET-GPS-LOCATION";
        let mut with_exif = jpeg[..2].to_vec();
        with_exif.extend_from_slice(&[0xFF, 0xE1, 0, (exif.len() + 2) as u8]);
        with_exif.extend_from_slice(exif);
        with_exif.extend_from_slice(&jpeg[2..]);
        let copies = process_upload(&with_exif).unwrap();
        let needle = b"SECRET-GPS-LOCATION";
        assert!(!copies[0].data.windows(needle.len()).any(|w| w == needle));
    }
}
