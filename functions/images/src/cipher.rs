//! The image cipher: a password-keyed permutation of pixels.
//!
//! - **Key.** argon2id (8 MiB, t=1, p=1) derives 32 bytes from the password and a random
//!   16-byte salt.
//! - **Scramble.** ChaCha20, seeded with the key, drives a Fisher–Yates shuffle of the pixel
//!   positions; pixel `i` of the scrambled image is pixel `perm[i]` of the original. Pixel
//!   values are untouched, so restoring gives back exactly the original pixels.
//! - **Check.** An HMAC-SHA-256 under the key, over the dimensions, the channel count and the
//!   SHA-256 of the scrambled pixels, travels with the salt in a PNG text chunk
//!   (`passport-cipher`). Restoring with another password gives another key, the HMAC does
//!   not match, and the answer is "Password error" instead of noise; a changed picture fails
//!   the same way.
//!
//! The scrambled picture is always PNG (lossless); a JPEG input is scrambled as its decoded
//! pixels, and those are what restoring returns.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use passport_shared::crypto;
use passport_shared::ErrorKind;
use rand::seq::SliceRandom;
use rand::RngCore;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// The largest picture accepted: 4096 pixels a side, 8 MB encoded, and at most
/// [`MAX_PIXELS`] pixels in all.
pub const MAX_SIDE: u32 = 4096;
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
/// Scrambled pixels no longer compress, so the answer is about 4 bytes a pixel (RGBA), and a
/// third more as base64 in JSON: 1024 × 1024 pixels answer about 5.6 MB, inside Lambda's
/// 6 MB response limit (API Gateway's is 10 MB). Larger pictures are refused from their
/// header, before anything is decoded.
pub const MAX_PIXELS: u64 = 1024 * 1024;
/// The largest scrambled or restored PNG answered (its base64 must fit in Lambda's 6 MB
/// response with the envelope).
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024 + 64 * 1024;
const CHUNK: &str = "passport-cipher";
const VERSION: &str = "v1";

/// Which step an input error belongs to: the documents number them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Disorder,
    Reorder,
}

impl Step {
    fn required(self) -> ErrorKind {
        match self {
            Step::Disorder => ErrorKind::ImageRequired,
            Step::Reorder => ErrorKind::ReorderImageRequired,
        }
    }
    fn extension(self) -> ErrorKind {
        match self {
            Step::Disorder => ErrorKind::ImageExtension,
            Step::Reorder => ErrorKind::ReorderImageExtension,
        }
    }
    fn kind(self) -> ErrorKind {
        match self {
            Step::Disorder => ErrorKind::ImageType,
            Step::Reorder => ErrorKind::ReorderImageType,
        }
    }
}

/// The bytes of an image sent as base64, optionally as a `data:image/...;base64,` URL.
pub fn decode_input(raw: &str, step: Step) -> Result<Vec<u8>, ErrorKind> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(step.required());
    }
    let payload = match raw.strip_prefix("data:") {
        Some(url) => {
            let (header, data) = url.split_once(',').ok_or(step.required())?;
            let mime = header.split(';').next().unwrap_or("").to_ascii_lowercase();
            if !header.to_ascii_lowercase().ends_with(";base64") {
                return Err(step.required());
            }
            let allowed = match step {
                Step::Disorder => {
                    mime == "image/png" || mime == "image/jpeg" || mime == "image/jpg"
                }
                Step::Reorder => mime == "image/png",
            };
            if !allowed {
                return Err(step.extension());
            }
            data
        }
        None => raw,
    };
    if payload.len() > MAX_BYTES * 4 / 3 + 4 {
        return Err(ErrorKind::InvalidParameter);
    }
    // Clients wrap base64 and turn `+` into spaces in forms: both are forgiven.
    let cleaned: String = payload
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = STANDARD
        .decode(cleaned.as_bytes())
        .or_else(|_| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(cleaned.trim_end_matches('=').as_bytes())
        })
        .or_else(|_| STANDARD.decode(payload.replace(' ', "+").as_bytes()))
        .map_err(|_| step.required())?;
    if bytes.is_empty() {
        return Err(step.required());
    }
    Ok(bytes)
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    limits
}

/// Decodes a png or jpeg picture (by its content, not its name).
fn decode_picture(bytes: &[u8], step: Step) -> Result<DynamicImage, ErrorKind> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg)) => f,
        _ => return Err(step.kind()),
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| step.kind())?;
    if !within_bounds(width, height) {
        return Err(ErrorKind::InvalidParameter);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ErrorKind::InvalidParameter,
        _ => step.kind(),
    })
}

/// Whether a picture of this size is taken: its answer fits the response limits.
fn within_bounds(width: u32, height: u32) -> bool {
    width <= MAX_SIDE && height <= MAX_SIDE && u64::from(width) * u64::from(height) <= MAX_PIXELS
}

/// The answer's PNG, if it fits the response limits.
fn bounded(png: Vec<u8>) -> Result<Vec<u8>, ErrorKind> {
    if png.len() > MAX_ANSWER_BYTES {
        return Err(ErrorKind::InvalidParameter);
    }
    Ok(png)
}

fn derive_key(password: &str, salt: &[u8]) -> [u8; 32] {
    let params = Params::new(8 * 1024, 1, 1, Some(32)).expect("valid argon2 parameters");
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt, &mut key)
        .expect("argon2 with a 16-byte salt and 32-byte output cannot fail");
    key
}

fn permutation(key: &[u8; 32], len: usize) -> Vec<u32> {
    let mut perm: Vec<u32> = (0..len as u32).collect();
    perm.shuffle(&mut ChaCha20Rng::from_seed(*key));
    perm
}

fn tag(key: &[u8; 32], width: u32, height: u32, channels: usize, pixels: &[u8]) -> String {
    let digest = Sha256::digest(pixels);
    let digest_hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    crypto::hmac_hex(
        key,
        &[
            "passport image cipher",
            VERSION,
            &width.to_string(),
            &height.to_string(),
            &channels.to_string(),
            &digest_hex,
        ],
    )
}

fn encode_png(
    width: u32,
    height: u32,
    channels: usize,
    pixels: &[u8],
    text: Option<String>,
) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(if channels == 4 {
            png::ColorType::Rgba
        } else {
            png::ColorType::Rgb
        });
        encoder.set_depth(png::BitDepth::Eight);
        if let Some(text) = text {
            encoder.add_text_chunk(CHUNK.to_owned(), text)?;
        }
        let mut writer = encoder.write_header()?;
        writer.write_image_data(pixels)?;
        writer.finish()?;
    }
    Ok(out)
}

/// The pixels of a picture, as RGB (3 channels) or, when it has alpha, RGBA (4).
fn pixels_of(picture: DynamicImage) -> (u32, u32, usize, Vec<u8>) {
    let (w, h) = (picture.width(), picture.height());
    if picture.color().has_alpha() {
        (w, h, 4, picture.into_rgba8().into_raw())
    } else {
        (w, h, 3, picture.into_rgb8().into_raw())
    }
}

fn permute(pixels: &[u8], channels: usize, perm: &[u32], forward: bool) -> Vec<u8> {
    let mut out = vec![0u8; pixels.len()];
    for (i, &p) in perm.iter().enumerate() {
        let (dst, src) = if forward {
            (i, p as usize)
        } else {
            (p as usize, i)
        };
        out[dst * channels..(dst + 1) * channels]
            .copy_from_slice(&pixels[src * channels..(src + 1) * channels]);
    }
    out
}

/// Scrambles a png or jpeg picture under `password`; the result is a PNG.
pub fn disorder(bytes: &[u8], password: &str) -> Result<Vec<u8>, ErrorKind> {
    let (width, height, channels, pixels) = pixels_of(decode_picture(bytes, Step::Disorder)?);
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let key = derive_key(password, &salt);
    let scrambled = permute(
        &pixels,
        channels,
        &permutation(&key, (width * height) as usize),
        true,
    );
    let text = format!(
        "{VERSION}:{}:{}",
        STANDARD.encode(salt),
        tag(&key, width, height, channels, &scrambled)
    );
    bounded(
        encode_png(width, height, channels, &scrambled, Some(text))
            .map_err(|_| ErrorKind::Internal)?,
    )
}

/// Restores a picture scrambled by [`disorder`]; the result is a PNG of the original pixels.
pub fn reorder(bytes: &[u8], password: &str) -> Result<Vec<u8>, ErrorKind> {
    let not_ours = ErrorKind::ReorderImageType;
    if image::guess_format(bytes).ok() != Some(ImageFormat::Png) {
        return Err(not_ours);
    }
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder.read_info().map_err(|_| not_ours)?;
    let header = reader
        .info()
        .uncompressed_latin1_text
        .iter()
        .find(|t| t.keyword == CHUNK)
        .map(|t| t.text.clone())
        .ok_or(not_ours)?;
    let (width, height) = (reader.info().width, reader.info().height);
    let channels = match (reader.info().color_type, reader.info().bit_depth) {
        (png::ColorType::Rgb, png::BitDepth::Eight) => 3,
        (png::ColorType::Rgba, png::BitDepth::Eight) => 4,
        _ => return Err(not_ours),
    };
    if !within_bounds(width, height) {
        return Err(ErrorKind::InvalidParameter);
    }
    let mut parts = header.split(':');
    let (Some(VERSION), Some(salt), Some(expected), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(not_ours);
    };
    let salt = STANDARD.decode(salt).map_err(|_| not_ours)?;
    let mut scrambled = vec![0u8; (width * height) as usize * channels];
    reader.next_frame(&mut scrambled).map_err(|_| not_ours)?;
    let key = derive_key(password, &salt);
    if !crypto::same(&tag(&key, width, height, channels, &scrambled), expected) {
        return Err(ErrorKind::ImagePasswordWrong);
    }
    let original = permute(
        &scrambled,
        channels,
        &permutation(&key, (width * height) as usize),
        false,
    );
    encode_png(width, height, channels, &original, None).map_err(|_| ErrorKind::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn gradient_png() -> (Vec<u8>, Vec<u8>) {
        let img = RgbaImage::from_fn(37, 23, |x, y| {
            Rgba([
                (x * 7) as u8,
                (y * 11) as u8,
                (x * y) as u8,
                (200 + x % 50) as u8,
            ])
        });
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        (out.into_inner(), img.into_raw())
    }

    /// A 1-bit palette PNG: a small file for a picture of `width` × `height` RGB pixels.
    fn palette_png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, width, height);
            encoder.set_color(png::ColorType::Indexed);
            encoder.set_depth(png::BitDepth::One);
            encoder.set_palette(vec![0, 0, 0, 255, 255, 255]);
            let mut writer = encoder.write_header().unwrap();
            let row = width.div_ceil(8) as usize;
            let data: Vec<u8> = (0..row * height as usize)
                .map(|i| (i * 37 % 251) as u8)
                .collect();
            writer.write_image_data(&data).unwrap();
        }
        out
    }

    #[test]
    fn a_picture_past_the_pixel_bound_is_refused_from_its_header() {
        let tiny_file_huge_picture = palette_png(4096, 4096);
        assert!(tiny_file_huge_picture.len() < 4 * 1024 * 1024);
        assert_eq!(
            disorder(&tiny_file_huge_picture, "pw").unwrap_err(),
            ErrorKind::InvalidParameter
        );
        assert_eq!(
            disorder(&palette_png(1025, 1024), "pw").unwrap_err(),
            ErrorKind::InvalidParameter
        );
    }

    #[test]
    fn the_largest_picture_taken_is_answered_within_the_response_limit() {
        // The worst case: every pixel different after scrambling, none compressible.
        let side = 1024;
        let noise = RgbaImage::from_fn(side, side, |x, y| {
            let v = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).to_le_bytes();
            Rgba([v[0], v[1], v[2], v[3]])
        });
        let mut png = Cursor::new(Vec::new());
        noise.write_to(&mut png, ImageFormat::Png).unwrap();
        let scrambled = disorder(&png.into_inner(), "pw").unwrap();
        assert!(scrambled.len() <= MAX_ANSWER_BYTES, "{}", scrambled.len());
        // As base64 in the envelope it stays inside Lambda's 6 MB response limit.
        assert!(scrambled.len().div_ceil(3) * 4 + 1024 < 6 * 1024 * 1024);
    }

    fn decoded(png: &[u8]) -> DynamicImage {
        image::load_from_memory_with_format(png, ImageFormat::Png).unwrap()
    }

    #[test]
    fn reorder_with_the_password_gives_back_every_pixel() {
        let (png, original) = gradient_png();
        let scrambled = disorder(&png, "151105").unwrap();
        let scrambled_pixels = decoded(&scrambled).into_rgba8().into_raw();
        assert_ne!(scrambled_pixels, original, "the picture is scrambled");
        let mut sorted_a = scrambled_pixels
            .chunks(4)
            .map(|c| c.to_vec())
            .collect::<Vec<_>>();
        let mut sorted_b = original.chunks(4).map(|c| c.to_vec()).collect::<Vec<_>>();
        sorted_a.sort();
        sorted_b.sort();
        assert_eq!(sorted_a, sorted_b, "a permutation: the same pixels, moved");
        let restored = reorder(&scrambled, "151105").unwrap();
        assert_eq!(decoded(&restored).into_rgba8().into_raw(), original);
    }

    #[test]
    fn a_wrong_password_is_detected_not_answered_with_noise() {
        let (png, _) = gradient_png();
        let scrambled = disorder(&png, "right").unwrap();
        assert_eq!(
            reorder(&scrambled, "wrong"),
            Err(ErrorKind::ImagePasswordWrong)
        );
    }

    #[test]
    fn a_jpeg_comes_back_as_its_decoded_pixels() {
        let img = RgbImage::from_fn(16, 9, |x, y| Rgb([(x * 16) as u8, (y * 28) as u8, 90]));
        let mut jpg = Cursor::new(Vec::new());
        img.write_to(&mut jpg, ImageFormat::Jpeg).unwrap();
        let jpg = jpg.into_inner();
        let expected = image::load_from_memory_with_format(&jpg, ImageFormat::Jpeg)
            .unwrap()
            .into_rgb8()
            .into_raw();
        let restored = reorder(&disorder(&jpg, "pw").unwrap(), "pw").unwrap();
        assert_eq!(decoded(&restored).into_rgb8().into_raw(), expected);
    }

    #[test]
    fn inputs_are_checked_by_content_and_numbered_by_step() {
        assert_eq!(
            decode_input("", Step::Disorder),
            Err(ErrorKind::ImageRequired)
        );
        assert_eq!(
            decode_input("!!not base64!!", Step::Reorder),
            Err(ErrorKind::ReorderImageRequired)
        );
        assert_eq!(
            decode_input("data:image/gif;base64,R0lGOD", Step::Disorder),
            Err(ErrorKind::ImageExtension)
        );
        assert_eq!(
            decode_input("data:image/jpeg;base64,AAAA", Step::Reorder),
            Err(ErrorKind::ReorderImageExtension)
        );
        assert_eq!(
            disorder(b"GIF89a not a png", "pw"),
            Err(ErrorKind::ImageType)
        );
        let (png, _) = gradient_png();
        assert_eq!(
            reorder(&png, "pw"),
            Err(ErrorKind::ReorderImageType),
            "a picture we did not scramble"
        );
        let as_url = format!("data:image/png;base64,{}", STANDARD.encode(&png));
        assert_eq!(decode_input(&as_url, Step::Disorder).unwrap(), png);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn png_of(width: u32, height: u32, seed: u8) -> (Vec<u8>, Vec<u8>) {
            let img = RgbaImage::from_fn(width, height, |x, y| {
                let v = (x as u8).wrapping_mul(31) ^ (y as u8).wrapping_mul(17) ^ seed;
                Rgba([v, v.wrapping_add(85), v.wrapping_add(170), 255 - v / 2])
            });
            let mut out = Cursor::new(Vec::new());
            img.write_to(&mut out, ImageFormat::Png).unwrap();
            (out.into_inner(), img.into_raw())
        }

        proptest! {
            // Each case derives a key: few cases, each a different shape and password.
            #![proptest_config(ProptestConfig::with_cases(24))]

            #[test]
            fn reorder_undoes_disorder_for_any_picture_and_password(
                width in 1u32..40, height in 1u32..40, seed in any::<u8>(), password in "\\PC{1,24}",
            ) {
                let (png, original) = png_of(width, height, seed);
                let scrambled = disorder(&png, &password).unwrap();
                let restored = reorder(&scrambled, &password).unwrap();
                prop_assert_eq!(decoded(&restored).into_rgba8().into_raw(), original);
            }

            #[test]
            fn another_password_never_restores(password in "[a-z]{1,12}", other in "[A-Z]{1,12}") {
                let (png, _) = png_of(8, 8, 7);
                let scrambled = disorder(&png, &password).unwrap();
                prop_assert_eq!(reorder(&scrambled, &other), Err(ErrorKind::ImagePasswordWrong));
            }

            #[test]
            fn any_bytes_are_answered_not_panicked_on(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
                prop_assert!(disorder(&bytes, "pw").is_err());
                prop_assert!(reorder(&bytes, "pw").is_err());
            }
        }
    }
}
