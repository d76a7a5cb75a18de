//! Captcha images: digits drawn from a stroke font, each glyph scaled, rotated and moved at
//! random, the whole warped by two sine waves, crossed by noise lines and speckled, then
//! encoded as PNG, JPEG or BMP.
//!
//! Digits only (no look-alike letters to confuse people); five of them give 100,000 answers,
//! and each captcha is single use.

use image::{ImageFormat, Rgb, RgbImage};
use rand::Rng;
use std::f32::consts::PI;
use std::io::Cursor;

pub const WIDTH: u32 = 150;
pub const HEIGHT: u32 = 50;
pub const LENGTH: usize = 5;

/// The image formats of the document (`type`: png, jpg, bmp).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Png,
    Jpg,
    Bmp,
}

impl Kind {
    pub fn parse(raw: Option<&str>) -> Option<Kind> {
        match raw.map(|r| r.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("png") => Some(Kind::Png),
            Some("jpg") | Some("jpeg") => Some(Kind::Jpg),
            Some("bmp") => Some(Kind::Bmp),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Png => "image/png",
            Kind::Jpg => "image/jpeg",
            Kind::Bmp => "image/bmp",
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            Kind::Png => ImageFormat::Png,
            Kind::Jpg => ImageFormat::Jpeg,
            Kind::Bmp => ImageFormat::Bmp,
        }
    }
}

/// A random answer of [`LENGTH`] digits.
pub fn answer() -> String {
    let mut rng = rand::rng();
    (0..LENGTH)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

type Stroke = Vec<(f32, f32)>;

fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32) -> Stroke {
    (0..=24)
        .map(|i| {
            let t = i as f32 / 24.0 * 2.0 * PI;
            (cx + rx * t.cos(), cy + ry * t.sin())
        })
        .collect()
}

/// The strokes of a digit in a unit box (y grows downwards).
fn glyph(digit: char) -> Vec<Stroke> {
    match digit {
        '0' => vec![ellipse(0.5, 0.5, 0.38, 0.48)],
        '1' => vec![
            vec![(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)],
            vec![(0.3, 1.0), (0.8, 1.0)],
        ],
        '2' => vec![vec![
            (0.1, 0.25),
            (0.3, 0.03),
            (0.7, 0.03),
            (0.9, 0.25),
            (0.85, 0.45),
            (0.1, 1.0),
            (0.9, 1.0),
        ]],
        '3' => vec![vec![
            (0.1, 0.1),
            (0.5, 0.0),
            (0.85, 0.15),
            (0.85, 0.35),
            (0.5, 0.5),
            (0.9, 0.7),
            (0.85, 0.9),
            (0.5, 1.0),
            (0.1, 0.9),
        ]],
        '4' => vec![vec![(0.7, 1.0), (0.7, 0.0), (0.05, 0.7), (0.95, 0.7)]],
        '5' => vec![vec![
            (0.9, 0.0),
            (0.15, 0.0),
            (0.1, 0.45),
            (0.6, 0.4),
            (0.9, 0.6),
            (0.85, 0.9),
            (0.5, 1.0),
            (0.1, 0.9),
        ]],
        '6' => vec![vec![
            (0.8, 0.05),
            (0.4, 0.1),
            (0.15, 0.5),
            (0.15, 0.8),
            (0.4, 1.0),
            (0.75, 0.95),
            (0.9, 0.75),
            (0.75, 0.55),
            (0.4, 0.5),
            (0.15, 0.65),
        ]],
        '7' => vec![vec![(0.1, 0.0), (0.9, 0.0), (0.4, 1.0)]],
        '8' => vec![
            ellipse(0.5, 0.26, 0.27, 0.24),
            ellipse(0.5, 0.73, 0.33, 0.27),
        ],
        _ => vec![vec![
            (0.85, 0.35),
            (0.6, 0.5),
            (0.3, 0.48),
            (0.12, 0.3),
            (0.25, 0.05),
            (0.6, 0.0),
            (0.85, 0.2),
            (0.85, 0.6),
            (0.55, 0.95),
            (0.2, 1.0),
        ]],
    }
}

/// Paints a thick, anti-aliased segment.
fn segment(img: &mut RgbImage, a: (f32, f32), b: (f32, f32), radius: f32, color: [u8; 3]) {
    let (min_x, max_x) = (a.0.min(b.0) - radius - 1.0, a.0.max(b.0) + radius + 1.0);
    let (min_y, max_y) = (a.1.min(b.1) - radius - 1.0, a.1.max(b.1) + radius + 1.0);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = (dx * dx + dy * dy).max(1e-6);
    for y in (min_y.max(0.0) as u32)..=(max_y.min(HEIGHT as f32 - 1.0) as u32) {
        for x in (min_x.max(0.0) as u32)..=(max_x.min(WIDTH as f32 - 1.0) as u32) {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0);
            let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
            let d = ((px - cx).powi(2) + (py - cy).powi(2)).sqrt();
            let coverage = (radius + 0.5 - d).clamp(0.0, 1.0);
            if coverage > 0.0 {
                let p = img.get_pixel_mut(x, y);
                for c in 0..3 {
                    p[c] = (p[c] as f32 * (1.0 - coverage) + color[c] as f32 * coverage) as u8;
                }
            }
        }
    }
}

/// Draws `text` as a distorted image.
pub fn draw(text: &str) -> RgbImage {
    let mut rng = rand::rng();
    let background = [
        rng.random_range(225..=255u8),
        rng.random_range(225..=255u8),
        rng.random_range(225..=255u8),
    ];
    let mut img = RgbImage::from_pixel(WIDTH, HEIGHT, Rgb(background));
    let slot = (WIDTH as f32 - 20.0) / text.chars().count().max(1) as f32;
    for (i, ch) in text.chars().enumerate() {
        let color = [
            rng.random_range(0..110u8),
            rng.random_range(0..110u8),
            rng.random_range(0..110u8),
        ];
        let scale = rng.random_range(0.85..1.15f32);
        let (w, h) = (16.0 * scale, 28.0 * scale);
        let angle = rng.random_range(-0.4..0.4f32);
        let cx = 10.0 + slot * (i as f32 + 0.5) + rng.random_range(-3.0..3.0f32);
        let cy = HEIGHT as f32 / 2.0 + rng.random_range(-4.0..4.0f32);
        let (sin, cos) = angle.sin_cos();
        let radius = rng.random_range(1.3..2.0f32);
        for stroke in glyph(ch) {
            let points: Vec<(f32, f32)> = stroke
                .iter()
                .map(|(u, v)| {
                    let (x, y) = ((u - 0.5) * w, (v - 0.5) * h);
                    (cx + x * cos - y * sin, cy + x * sin + y * cos)
                })
                .collect();
            for pair in points.windows(2) {
                segment(&mut img, pair[0], pair[1], radius, color);
            }
        }
    }
    // Two sine waves move every pixel.
    let (ax, px, phx) = (
        rng.random_range(1.5..3.0f32),
        rng.random_range(12.0..20.0f32),
        rng.random_range(0.0..2.0 * PI),
    );
    let (ay, py, phy) = (
        rng.random_range(1.0..2.5f32),
        rng.random_range(25.0..40.0f32),
        rng.random_range(0.0..2.0 * PI),
    );
    let source = img.clone();
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let sx = x as f32 + ax * (y as f32 / px + phx).sin();
            let sy = y as f32 + ay * (x as f32 / py + phy).sin();
            let (sx, sy) = (
                sx.round().clamp(0.0, WIDTH as f32 - 1.0) as u32,
                sy.round().clamp(0.0, HEIGHT as f32 - 1.0) as u32,
            );
            img.put_pixel(x, y, *source.get_pixel(sx, sy));
        }
    }
    // Noise lines across the text, and speckle.
    for _ in 0..4 {
        let color = [
            rng.random_range(60..180u8),
            rng.random_range(60..180u8),
            rng.random_range(60..180u8),
        ];
        let a = (
            rng.random_range(0.0..WIDTH as f32 / 3.0),
            rng.random_range(0.0..HEIGHT as f32),
        );
        let b = (
            rng.random_range(WIDTH as f32 * 2.0 / 3.0..WIDTH as f32),
            rng.random_range(0.0..HEIGHT as f32),
        );
        segment(&mut img, a, b, 0.6, color);
    }
    for _ in 0..180 {
        let (x, y) = (rng.random_range(0..WIDTH), rng.random_range(0..HEIGHT));
        let shade = rng.random_range(0..200u8);
        img.put_pixel(x, y, Rgb([shade, shade, shade]));
    }
    img
}

/// Draws `text` and encodes it as `kind`.
pub fn encode(text: &str, kind: Kind) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Cursor::new(Vec::new());
    draw(text).write_to(&mut out, kind.format())?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_five_digits() {
        let a = answer();
        assert_eq!(a.len(), LENGTH);
        assert!(a.chars().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn each_format_encodes_a_decodable_image_of_the_right_size() {
        for kind in [Kind::Png, Kind::Jpg, Kind::Bmp] {
            let bytes = encode("20481", kind).unwrap();
            let decoded = image::load_from_memory_with_format(&bytes, kind.format()).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (WIDTH, HEIGHT));
        }
    }

    #[test]
    fn the_digits_are_drawn_dark_on_light() {
        let img = draw("88888");
        let dark = img
            .pixels()
            .filter(|p| p.0.iter().map(|&c| c as u32).sum::<u32>() < 330)
            .count();
        let total = (WIDTH * HEIGHT) as usize;
        assert!(
            dark > total / 25,
            "strokes cover a visible share ({dark} of {total})"
        );
        assert!(
            dark < total / 2,
            "background stays dominant ({dark} of {total})"
        );
    }

    #[test]
    fn two_drawings_of_one_answer_differ() {
        assert_ne!(draw("12345").into_raw(), draw("12345").into_raw());
    }

    #[test]
    fn types_parse_as_documented() {
        assert_eq!(Kind::parse(None), Some(Kind::Png));
        assert_eq!(Kind::parse(Some("JPG")), Some(Kind::Jpg));
        assert_eq!(Kind::parse(Some("bmp")), Some(Kind::Bmp));
        assert_eq!(Kind::parse(Some("gif")), None);
    }
}
