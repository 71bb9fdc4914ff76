//! The 1:1 and 4:3 crops of an uploaded image, which structured data lists
//! beside the image's own shape (Google asks for 16:9, 4:3 and 1:1). Each
//! crop is the largest of its shape that fits, centred on the focal point the
//! editor chose (the middle until they choose one), as near as the edges
//! allow.

use image::imageops::FilterType;
use image::DynamicImage;

use crate::error::AppError;
use crate::images::Encoded;

/// The crops made of each upload: the `aspect` stored with the copy, and its
/// width and height ratio.
pub const ASPECTS: [(&str, u32, u32); 2] = [("4:3", 4, 3), ("1:1", 1, 1)];
/// The widest a crop is stored (Google recommends images at least 1200
/// pixels wide; a narrower image gives narrower crops).
pub const CROP_WIDTH: u32 = 1200;
/// The focal point of an image nobody chose one for: the middle.
pub const CENTRE: (i32, i32) = (50, 50);

/// The largest `ratio` rectangle inside `width` × `height`, as near as fits
/// to centred on `focal` (percent of width and height): (x, y, w, h).
pub fn crop_rect(
    width: u32,
    height: u32,
    ratio: (u32, u32),
    focal: (i32, i32),
) -> (u32, u32, u32, u32) {
    let (rw, rh) = (u64::from(ratio.0), u64::from(ratio.1));
    let (w64, h64) = (u64::from(width), u64::from(height));
    // As wide as the image, unless that would be taller than it.
    let (w, h) = if w64 * rh <= h64 * rw {
        (w64, (w64 * rh / rw).max(1))
    } else {
        ((h64 * rw / rh).max(1), h64)
    };
    let place = |size: u64, span: u64, percent: i32| -> u64 {
        let centre = span * u64::from(percent.clamp(0, 100) as u32) / 100;
        centre.saturating_sub(size / 2).min(span - size)
    };
    let x = place(w, w64, focal.0);
    let y = place(h, h64, focal.1);
    (x as u32, y as u32, w as u32, h as u32)
}

/// The crops of `img` around `focal`, each at most [`CROP_WIDTH`] wide,
/// encoded as the image's other copies are.
pub fn crops_of(img: &DynamicImage, focal: (i32, i32)) -> Result<Vec<Encoded>, String> {
    ASPECTS
        .iter()
        .map(|&(aspect, rw, rh)| {
            let (x, y, w, h) = crop_rect(img.width(), img.height(), (rw, rh), focal);
            let mut crop = img.crop_imm(x, y, w, h);
            if crop.width() > CROP_WIDTH {
                crop = crop.resize(CROP_WIDTH, u32::MAX, FilterType::Lanczos3);
            }
            let mut copy = crate::images::encode(&crop)?;
            copy.aspect = aspect;
            Ok(copy)
        })
        .collect()
}

/// New crops of a stored image (`bytes`: its widest copy, already upright
/// and stripped) around `focal`, decoded within the upload memory budget.
/// The inner `Err` is a message for the editor.
pub async fn recrop_bounded(
    bytes: Vec<u8>,
    focal: (i32, i32),
) -> Result<Result<Vec<Encoded>, String>, AppError> {
    crate::images::run_bounded(0, move || {
        let img = image::load_from_memory(&bytes)
            .map_err(|e| format!("The stored image could not be read ({e})."))?;
        crops_of(&img, focal)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crops_are_the_largest_of_their_shape_and_follow_the_focal_point() {
        // A 16:9 image: the 1:1 crop is as tall as the image.
        assert_eq!(crop_rect(1600, 900, (1, 1), CENTRE), (350, 0, 900, 900));
        assert_eq!(crop_rect(1600, 900, (4, 3), CENTRE), (200, 0, 1200, 900));
        // At the left edge, the crop stops at the edge.
        assert_eq!(crop_rect(1600, 900, (1, 1), (0, 50)), (0, 0, 900, 900));
        assert_eq!(crop_rect(1600, 900, (1, 1), (90, 50)), (700, 0, 900, 900));
        // A portrait image: the crop is as wide as it and moves vertically.
        assert_eq!(crop_rect(600, 1000, (4, 3), (50, 10)), (0, 0, 600, 450));
        assert_eq!(crop_rect(600, 1000, (4, 3), (50, 80)), (0, 550, 600, 450));
        // Out-of-range points are clamped.
        assert_eq!(crop_rect(100, 100, (1, 1), (-5, 500)), (0, 0, 100, 100));
    }

    #[test]
    fn crops_have_their_aspect_ratios_and_at_most_the_crop_width() {
        let img = DynamicImage::new_rgb8(2000, 1125);
        let crops = crops_of(&img, CENTRE).unwrap();
        let shapes: Vec<(&str, u32, u32)> = crops
            .iter()
            .map(|c| (c.aspect, c.width, c.height))
            .collect();
        assert_eq!(shapes, vec![("4:3", 1200, 900), ("1:1", 1125, 1125)]);
    }
}
