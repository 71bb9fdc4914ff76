//! Uploaded images: checked by content (JPEG, PNG, WebP, GIF), decoded,
//! turned upright, stripped of metadata by re-encoding, and resized to the
//! widths pages ask for in `srcset`.
//!
//! A few bytes can declare a huge image (a 35-byte GIF can claim 12000 x 12000
//! pixels), so the size the header declares is checked before anything is
//! decoded, the decoder's buffers count against an allocation limit, and the
//! uploads being decoded and resized at once share a memory budget
//! ([`DECODE_BUDGET_MB`]).

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// The largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// The most pixels an image may have: a 24-megapixel camera photo (6000 x
/// 4000) passes with room to spare; decoding one holds at most
/// [`MAX_DECODED_BYTES`].
pub const MAX_PIXELS: u64 = 40_000_000;
/// The longest side accepted, so a thin strip cannot make resizing produce
/// absurd shapes.
pub const MAX_SIDE: u32 = 10_000;
/// The most memory a decoder may allocate for one image: the pixel limit at
/// 8-bit RGBA. A 16-bit image that large is refused rather than decoded.
const MAX_DECODED_BYTES: u64 = MAX_PIXELS * 4;
/// Megabytes of decoded pixels that the uploads being processed at once may
/// hold together, in the whole process. Resizing adds about a fifth on top.
pub const DECODE_BUDGET_MB: u32 = 200;
/// The least one upload takes from the budget, so that at most two run at
/// once (more would only queue for the CPU while multiplying peak memory),
/// and one larger than this runs alone.
const MIN_JOB_MB: u32 = DECODE_BUDGET_MB / 2;
/// Widths stored for `srcset`; the widest is also the image's main copy.
pub const WIDTHS: [u32; 3] = [1600, 960, 480];
/// The content type of WebP copies (kept beside each JPEG or PNG width).
pub const WEBP: &str = "image/webp";
/// Quality of the lossy WebP copies (libwebp's scale, 0–100): about the
/// look of [`JPEG_QUALITY`] at around two thirds of the bytes.
const WEBP_QUALITY: f32 = 80.0;
/// JPEG quality of stored copies.
const JPEG_QUALITY: u8 = 82;

/// [`DECODE_BUDGET_MB`] as permits of a megabyte. A process-wide static, not
/// a setting: it bounds this process's memory whatever app it serves.
static DECODE_BUDGET: Semaphore = Semaphore::const_new(DECODE_BUDGET_MB as usize);

/// One stored copy of an image.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub content_type: &'static str,
    /// `""` for the image's own shape, or the crop's (`crate::crops::ASPECTS`).
    pub aspect: &'static str,
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// Why an upload was refused, in words for the editor.
pub fn describe_formats() -> &'static str {
    "Choose a JPEG, PNG, WebP or GIF image."
}

/// [`process_upload`] off the async workers, within [`DECODE_BUDGET_MB`]. The
/// header is checked before waiting for a turn, so an oversized image is
/// refused at once even while others are being processed. The inner `Err` is
/// a message for the editor.
pub async fn process_upload_bounded(
    bytes: Vec<u8>,
) -> Result<Result<Vec<Encoded>, String>, AppError> {
    let declared = match check_upload(&bytes) {
        Ok(declared) => declared,
        Err(message) => return Ok(Err(message)),
    };
    let megabytes = declared.decoded_bytes().div_ceil(1 << 20);
    run_bounded(megabytes, move || process_upload(&bytes)).await
}

/// Runs an image `job` off the async workers once `megabytes` (at least
/// [`MIN_JOB_MB`], at most the whole budget) of [`DECODE_BUDGET_MB`] are free.
pub async fn run_bounded<T: Send + 'static>(
    megabytes: u64,
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let weight = u32::try_from(megabytes)
        .unwrap_or(u32::MAX)
        .clamp(MIN_JOB_MB, DECODE_BUDGET_MB);
    let permit = DECODE_BUDGET
        .acquire_many(weight)
        .await
        .map_err(|e| AppError::internal_from("image decoding budget", e))?;
    // The permit moves into the job: if the request goes away, the job still
    // counts until it has finished.
    Ok(actix_web::web::block(move || {
        let _permit = permit;
        job()
    })
    .await?)
}

/// What an upload's header declares.
struct Declared {
    format: ImageFormat,
    width: u64,
    height: u64,
    /// Bytes per pixel once decoded: 8 for a 16-bit PNG, at most 4 otherwise.
    pixel_bytes: u64,
}

impl Declared {
    /// The size of the decoded image, an upper bound for 8-bit images.
    fn decoded_bytes(&self) -> u64 {
        self.width * self.height * self.pixel_bytes
    }
}

/// The size, format and declared dimensions of an upload, checked from its
/// bytes without decoding any pixels.
fn check_upload(bytes: &[u8]) -> Result<Declared, String> {
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
    let size = imagesize::blob_size(bytes).map_err(|_| unreadable())?;
    let (width, height) = (size.width as u64, size.height as u64);
    check_dimensions(width, height, "The image is")?;
    if format == ImageFormat::Gif {
        check_gif_frames(bytes)?;
    }
    // A PNG's bit depth is the byte after its width and height.
    let sixteen_bit = format == ImageFormat::Png && bytes.get(24) == Some(&16);
    Ok(Declared {
        format,
        width,
        height,
        pixel_bytes: if sixteen_bit { 8 } else { 4 },
    })
}

/// Refuses dimensions over [`MAX_SIDE`] or [`MAX_PIXELS`], saying what was found.
fn check_dimensions(width: u64, height: u64, what: &str) -> Result<(), String> {
    if width > u64::from(MAX_SIDE) || height > u64::from(MAX_SIDE) || width * height > MAX_PIXELS {
        return Err(format!(
            "{what} {width} x {height} pixels; the largest accepted is {} megapixels and \
             {MAX_SIDE} pixels on a side (for example 8000 x 5000). \
             Make it smaller and choose it again.",
            MAX_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

/// Checks the size every frame of a GIF declares. A frame may be larger than
/// the logical screen and the decoder allocates for it, so the screen size
/// alone is not enough. Walks the blocks without decompressing anything; a
/// file that ends early or holds something unexpected is left to the decoder.
fn check_gif_frames(bytes: &[u8]) -> Result<(), String> {
    /// Skips data sub-blocks (length byte, then that many bytes) up to the terminator.
    fn skip_sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
        loop {
            let len = usize::from(*bytes.get(at)?);
            at += 1 + len;
            if len == 0 {
                return Some(at);
            }
        }
    }
    fn colour_table_len(packed: u8) -> usize {
        if packed & 0x80 != 0 {
            3 << ((packed & 0x07) + 1)
        } else {
            0
        }
    }
    // Signature and version (6 bytes), logical screen descriptor (7 bytes).
    let Some(&screen_flags) = bytes.get(10) else {
        return Ok(());
    };
    let mut at = 13 + colour_table_len(screen_flags);
    loop {
        match bytes.get(at) {
            // An extension: introducer, label, data sub-blocks.
            Some(0x21) => match skip_sub_blocks(bytes, at + 2) {
                Some(next) => at = next,
                None => return Ok(()),
            },
            // An image descriptor: position and size of a frame.
            Some(0x2C) => {
                let Some(d) = bytes.get(at + 1..at + 10) else {
                    return Ok(());
                };
                let width = u16::from_le_bytes([d[4], d[5]]);
                let height = u16::from_le_bytes([d[6], d[7]]);
                check_dimensions(width.into(), height.into(), "The image has a frame of")?;
                // Descriptor, local colour table, LZW code size, then the data.
                match skip_sub_blocks(bytes, at + 10 + colour_table_len(d[8]) + 1) {
                    Some(next) => at = next,
                    None => return Ok(()),
                }
            }
            _ => return Ok(()),
        }
    }
}

fn unreadable() -> String {
    format!(
        "The image could not be read; it may be damaged. {}",
        describe_formats()
    )
}

/// Turns an upload into stored copies: its widths, widest first, each as
/// JPEG or PNG and then as WebP, then its centred crops. The error is a
/// message for the editor.
pub fn process_upload(bytes: &[u8]) -> Result<Vec<Encoded>, String> {
    let format = check_upload(bytes)?.format;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(|e| refused(&e))?;
    // The decoder reads the header again; its own idea of the size counts.
    let (width, height) = decoder.dimensions();
    check_dimensions(width.into(), height.into(), "The image is")?;
    // `into_decoder` leaves the image's own buffer out of the allocation
    // limit (`ImageReader::decode` would count it); count it here.
    limits
        .reserve(decoder.total_bytes())
        .map_err(|e| refused(&e))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let img = DynamicImage::from_decoder(decoder).map_err(|e| refused(&e))?;
    if img.width() < 16 || img.height() < 16 {
        return Err("The image is too small; use one at least 16 pixels on each side.".into());
    }
    let mut img = shrink_for_resizing(img, orientation);
    img.apply_orientation(orientation);
    let crops = crate::crops::crops_of(&img, crate::crops::CENTRE)?;
    let mut copies: Vec<Encoded> = Vec::new();
    for &width in &WIDTHS {
        // Never enlarge: the widest copy is at most the original's width.
        let target = width.min(img.width());
        if copies.first().is_some_and(|c| target >= c.width) {
            continue;
        }
        // Each copy comes from the one before it: less work, less memory.
        if target < img.width() {
            img = img.resize(target, u32::MAX, FilterType::Lanczos3);
        }
        copies.push(encode(&img)?);
        copies.push(encode_webp(&img)?);
    }
    copies.extend(crops);
    Ok(copies)
}

/// The editor's message for a decoder error.
fn refused(e: &image::ImageError) -> String {
    match e {
        image::ImageError::Limits(_) => format!(
            "The image needs more memory to open than we allow (more than {} megapixels, or \
             16 bits per channel at that size). Save it smaller, as an 8-bit JPEG or PNG.",
            MAX_PIXELS / 1_000_000
        ),
        _ => unreadable(),
    }
}

/// Scales a large image down to twice the widest stored width with a cheap
/// area average before the high-quality resize: Lanczos over a full camera
/// frame needs a float buffer several times the image's size. Keeps the
/// upright width in mind: `orientation` may turn the image on its side.
fn shrink_for_resizing(img: DynamicImage, orientation: Orientation) -> DynamicImage {
    let sideways = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    let upright_width = if sideways { img.height() } else { img.width() };
    let enough = 2 * WIDTHS[0];
    if upright_width <= enough {
        return img;
    }
    let scale = f64::from(enough) / f64::from(upright_width);
    let shrink = |side: u32| ((f64::from(side) * scale).round() as u32).max(1);
    img.thumbnail_exact(shrink(img.width()), shrink(img.height()))
}

/// Re-encodes pixels only (no EXIF, no colour profile): PNG where there is
/// transparency, JPEG otherwise.
pub fn encode(img: &DynamicImage) -> Result<Encoded, String> {
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
        aspect: "",
        width: img.width(),
        height: img.height(),
        data,
    })
}

/// A lossy WebP copy (libwebp, [`WEBP_QUALITY`]), with transparency kept
/// where the image has it. Pixels only, like [`encode`].
fn encode_webp(img: &DynamicImage) -> Result<Encoded, String> {
    let (width, height) = (img.width(), img.height());
    let encoded = if img.color().has_alpha() {
        let rgba = img.to_rgba8();
        webp::Encoder::from_rgba(rgba.as_raw(), width, height).encode_simple(false, WEBP_QUALITY)
    } else {
        let rgb = img.to_rgb8();
        webp::Encoder::from_rgb(rgb.as_raw(), width, height).encode_simple(false, WEBP_QUALITY)
    }
    .map_err(|e| format!("The image could not be processed (WebP: {e:?})."))?;
    Ok(Encoded {
        content_type: WEBP,
        aspect: "",
        width,
        height,
        data: encoded.to_vec(),
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
        let widths: Vec<(&str, &str, u32)> = copies
            .iter()
            .map(|c| (c.content_type, c.aspect, c.width))
            .collect();
        assert_eq!(
            widths,
            [
                ("image/jpeg", "", 1600),
                (WEBP, "", 1600),
                ("image/jpeg", "", 960),
                (WEBP, "", 960),
                ("image/jpeg", "", 480),
                (WEBP, "", 480),
                ("image/jpeg", "4:3", 1200),
                ("image/jpeg", "1:1", 1000)
            ]
        );
        let webp = image::load_from_memory(&copies[1].data).unwrap();
        assert_eq!((webp.width(), webp.height()), (1600, 800));
        assert!(copies[1].data.len() < copies[0].data.len());
        assert_eq!(copies[0].height, 800);
        assert_eq!(copies[0].content_type, "image/jpeg");
        let small = process_upload(&png(600, 400)).unwrap();
        assert_eq!(
            small.iter().map(|c| c.width).collect::<Vec<_>>(),
            [600, 600, 480, 480, 533, 400]
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

    /// The first bytes of a PNG declaring `width` x `height` at `depth` bits
    /// (enough for every check made before decoding).
    fn png_header(width: u32, height: u32, depth: u8) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(width.to_be_bytes());
        png.extend(height.to_be_bytes());
        png.extend([depth, 2, 0, 0, 0, 0, 0, 0, 0]);
        png
    }

    fn gif(screen: (u16, u16), frame: (u16, u16)) -> Vec<u8> {
        let mut gif = b"GIF89a".to_vec();
        gif.extend(screen.0.to_le_bytes());
        gif.extend(screen.1.to_le_bytes());
        gif.extend([0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
        // A comment extension before the frame, to be skipped.
        gif.extend([0x21, 0xFE, 3, b'h', b'e', b'y', 0]);
        gif.extend([0x2C, 0, 0, 0, 0]);
        gif.extend(frame.0.to_le_bytes());
        gif.extend(frame.1.to_le_bytes());
        gif.extend([0, 2, 2, 0x4C, 0x01, 0, 0x3B]);
        gif
    }

    #[test]
    fn declared_sizes_over_the_limits_are_refused_before_decoding() {
        let screen = process_upload(&gif((12_000, 12_000), (1, 1))).unwrap_err();
        assert!(
            screen.starts_with(
                "The image is 12000 x 12000 pixels; the largest accepted is 40 megapixels"
            ),
            "{screen}"
        );
        let frame = process_upload(&gif((100, 100), (9_000, 9_000))).unwrap_err();
        assert!(
            frame.starts_with("The image has a frame of 9000 x 9000 pixels"),
            "{frame}"
        );
        let png = process_upload(&png_header(10_200, 10_200, 8)).unwrap_err();
        assert!(png.contains("10200 x 10200 pixels"), "{png}");
        // Too many pixels, though each side is allowed.
        assert!(process_upload(&png_header(9_000, 9_000, 8))
            .unwrap_err()
            .contains("9000 x 9000"));
    }

    #[test]
    fn a_camera_photo_is_within_the_limits() {
        let declared = check_upload(&png_header(6000, 4000, 8)).unwrap();
        assert_eq!((declared.width, declared.height), (6000, 4000));
        assert_eq!(declared.decoded_bytes(), 96_000_000);
        let deep = check_upload(&png_header(6000, 4000, 16)).unwrap();
        assert_eq!(deep.decoded_bytes(), 192_000_000, "16-bit counts double");
        assert!(check_upload(&gif((8000, 5000), (8000, 5000))).is_ok());
    }

    #[test]
    fn large_images_are_shrunk_cheaply_to_twice_the_widest_copy_upright() {
        let wide = shrink_for_resizing(
            DynamicImage::new_rgb8(8000, 3000),
            Orientation::NoTransforms,
        );
        assert_eq!((wide.width(), wide.height()), (3200, 1200));
        // On its side, the stored height becomes the upright width.
        let sideways =
            shrink_for_resizing(DynamicImage::new_rgb8(3000, 8000), Orientation::Rotate90);
        assert_eq!((sideways.width(), sideways.height()), (1200, 3200));
        let small = shrink_for_resizing(
            DynamicImage::new_rgb8(3000, 2000),
            Orientation::NoTransforms,
        );
        assert_eq!(small.width(), 3000);
    }
}
