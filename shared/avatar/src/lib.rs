//! Avatars: what an upload must be, how it is stored, how it is shown.
//!
//! An upload is accepted only if its bytes are a PNG or JPEG picture (the magic number and a
//! full decode decide, never the file name or the declared type), at most [`MAX_BYTES`] and
//! [`MAX_SIDE`] pixels a side. It is cut to its centred square and scaled to [`SIDE`] ×
//! [`SIDE`], then stored as PNG in the avatar bucket under a fresh key per upload. It is
//! shown through a presigned GET URL that expires after [`URL_SECONDS`]; the bucket itself
//! is private.

use async_trait::async_trait;
use passport_shared::error::ErrorKind;

/// The largest upload, in bytes.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The largest width or height of an upload.
pub const MAX_SIDE: u32 = 4096;
/// The side of a stored avatar.
pub const SIDE: u32 = 256;
/// How long a shown avatar URL works.
pub const URL_SECONDS: u64 = 15 * 60;
/// The prefix of stored avatars in [`passport_shared::storage::users::User::avatar`].
pub const STORED_PREFIX: &str = "s3:";

/// Checks an upload and makes the stored picture: a [`SIDE`]-pixel square PNG.
pub fn prepare(bytes: &[u8]) -> Result<Vec<u8>, ErrorKind> {
    use image::{imageops::FilterType, ImageFormat, ImageReader};
    if bytes.is_empty() || bytes.len() > MAX_BYTES {
        return Err(ErrorKind::AvatarInvalid);
    }
    let format = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ImageFormat::Png
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ImageFormat::Jpeg
    } else {
        return Err(ErrorKind::AvatarInvalid);
    };
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let picture = reader.decode().map_err(|_| ErrorKind::AvatarInvalid)?;
    let side = picture.width().min(picture.height());
    if side == 0 {
        return Err(ErrorKind::AvatarInvalid);
    }
    let square = picture.crop_imm(
        (picture.width() - side) / 2,
        (picture.height() - side) / 2,
        side,
        side,
    );
    let scaled = square
        .resize_exact(SIDE, SIDE, FilterType::Triangle)
        .to_rgba8();
    let mut out = std::io::Cursor::new(Vec::new());
    scaled
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|_| ErrorKind::AvatarInvalid)?;
    Ok(out.into_inner())
}

/// A new object key for `uid`'s avatar (a fresh one per upload, so a cached URL of the old
/// picture never shows the new one and the old object can be deleted safely).
pub fn object_key(uid: u64) -> String {
    format!("avatars/{uid}/{}.png", uuid::Uuid::new_v4().simple())
}

#[derive(Debug, thiserror::Error)]
#[error("avatar storage: {0}")]
pub struct StoreFailure(pub String);

/// A failed dependency: 503 with the documents' 202301 "Fail to upload avatar" (v2); the
/// cause is logged, never shown.
impl From<StoreFailure> for passport_shared::error::ApiError {
    fn from(e: StoreFailure) -> Self {
        passport_shared::error::ApiError::new(ErrorKind::AvatarStoreFailed).with_cause(e)
    }
}

/// Where avatars live.
#[async_trait]
pub trait AvatarStore: Send + Sync {
    async fn put_png(&self, key: &str, png: Vec<u8>) -> Result<(), StoreFailure>;
    async fn delete(&self, key: &str) -> Result<(), StoreFailure>;
    /// A GET URL of `key` that works for [`URL_SECONDS`].
    async fn presigned_url(&self, key: &str) -> Result<String, StoreFailure>;
}

/// The avatar as clients see it: a presigned URL for an uploaded picture, the address as
/// given for one set by address, "" for none.
pub async fn shown(store: &dyn AvatarStore, stored: Option<&str>) -> Result<String, StoreFailure> {
    match stored {
        Some(v) => match v.strip_prefix(STORED_PREFIX) {
            Some(key) => store.presigned_url(key).await,
            None => Ok(v.to_owned()),
        },
        None => Ok(String::new()),
    }
}

/// The S3 bucket of template.yaml (`AVATAR_BUCKET`).
pub struct S3Avatars {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Avatars {
    /// The bucket of `AVATAR_BUCKET`.
    pub fn from_config(
        config: &passport_shared::config::Config,
        sdk: &passport_shared::aws::SdkConfig,
    ) -> Result<S3Avatars, passport_shared::config::ConfigError> {
        let bucket =
            config
                .avatar_bucket
                .clone()
                .ok_or(passport_shared::config::ConfigError::Missing(
                    "AVATAR_BUCKET",
                ))?;
        Ok(S3Avatars::new(passport_shared::aws::s3(sdk), bucket))
    }

    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> S3Avatars {
        S3Avatars {
            client,
            bucket: bucket.into(),
        }
    }
}

fn failure<E: std::error::Error + 'static, R: std::fmt::Debug>(
    e: aws_sdk_s3::error::SdkError<E, R>,
) -> StoreFailure {
    StoreFailure(aws_sdk_s3::error::DisplayErrorContext(e).to_string())
}

#[async_trait]
impl AvatarStore for S3Avatars {
    async fn put_png(&self, key: &str, png: Vec<u8>) -> Result<(), StoreFailure> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("image/png")
            .cache_control("private, max-age=900")
            .body(png.into())
            .send()
            .await
            .map_err(failure)?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreFailure> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(failure)?;
        Ok(())
    }

    async fn presigned_url(&self, key: &str) -> Result<String, StoreFailure> {
        let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(
            std::time::Duration::from_secs(URL_SECONDS),
        )
        .map_err(|e| StoreFailure(e.to_string()))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(failure)?;
        Ok(request.uri().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgba, RgbaImage};

    fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let picture = RgbaImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                Rgba([255, 0, 0, 255])
            } else {
                Rgba([0, 0, 255, 255])
            }
        });
        let mut out = std::io::Cursor::new(Vec::new());
        if format == ImageFormat::Jpeg {
            image::DynamicImage::ImageRgba8(picture)
                .to_rgb8()
                .write_to(&mut out, format)
                .unwrap();
        } else {
            picture.write_to(&mut out, format).unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn png_and_jpeg_become_a_centred_square_png() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg] {
            let stored = prepare(&encoded(600, 300, format)).unwrap();
            let picture = image::load_from_memory_with_format(&stored, ImageFormat::Png).unwrap();
            assert_eq!((picture.width(), picture.height()), (SIDE, SIDE));
            // The centred square of a red-left, blue-right picture is half red, half blue.
            let rgb = picture.to_rgb8();
            assert!(rgb.get_pixel(10, 128)[0] > 200, "{format:?}: left is red");
            assert!(
                rgb.get_pixel(245, 128)[2] > 200,
                "{format:?}: right is blue"
            );
        }
    }

    #[test]
    fn anything_else_is_refused() {
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
        let bmp = encoded(4, 4, ImageFormat::Bmp);
        let mut truncated = encoded(64, 64, ImageFormat::Png);
        truncated.truncate(60);
        for bytes in [gif, bmp, truncated, b"hello".to_vec(), Vec::new()] {
            assert_eq!(prepare(&bytes), Err(ErrorKind::AvatarInvalid));
        }
        let mut huge = b"\x89PNG\r\n\x1a\n".to_vec();
        huge.resize(MAX_BYTES + 1, 0);
        assert_eq!(prepare(&huge), Err(ErrorKind::AvatarInvalid));
    }

    #[test]
    fn keys_are_fresh_per_upload() {
        assert_ne!(object_key(7), object_key(7));
        assert!(object_key(7).starts_with("avatars/7/"));
    }
}
