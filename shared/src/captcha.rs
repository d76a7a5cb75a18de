//! Captcha keys and answers, shared by the captcha routes and the routes that require one.

use crate::crypto;
use crate::error::{ApiError, ErrorKind};
use crate::routing::ApiRequest;
use crate::storage::captcha::Captchas;
use crate::token::SigningKeys;

/// The cookie that carries a browser's captcha key.
pub const CAPTCHA_COOKIE: &str = "passport_captcha";

/// The captcha key a request presents: the `captcha_key` parameter, the `X-Captcha-Key`
/// header, or the captcha cookie.
pub fn captcha_key(req: &ApiRequest) -> Option<String> {
    if let Some(k) = req.params.text("captcha_key") {
        return Some(k);
    }
    if let Some(k) = req
        .header("x-captcha-key")
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        return Some(k.to_owned());
    }
    req.headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == CAPTCHA_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Seconds a captcha can be answered.
pub const LIFETIME: i64 = 300;

/// Makes a new answer for (`key`, `scenario`) and stores its HMAC for [`LIFETIME`]
/// seconds; returns the answer, to be drawn.
pub async fn issue_captcha(
    captchas: &Captchas,
    keys: &SigningKeys,
    key: &str,
    scenario: &str,
    answer: String,
    now: i64,
) -> Result<String, ApiError> {
    let hash = captcha_answer_hash(keys, scenario, &answer);
    captchas
        .put(&crypto::sha256_hex(key), scenario, &hash, now + LIFETIME)
        .await?;
    Ok(answer)
}

/// The HMAC an answer is stored and compared as (case-insensitive answers).
pub fn captcha_answer_hash(keys: &SigningKeys, scenario: &str, answer: &str) -> String {
    crypto::hmac_hex(
        keys.code_key(),
        &["captcha", scenario, &answer.trim().to_ascii_lowercase()],
    )
}

/// Checks the request's captcha (the `captcha` parameter against the answer stored for its
/// key and scenario). Single use when `consume`.
pub async fn check_captcha(
    captchas: &Captchas,
    keys: &SigningKeys,
    req: &ApiRequest,
    scenario: &str,
    consume: bool,
    failure: ErrorKind,
    now: i64,
) -> Result<(), ApiError> {
    let answer = req
        .params
        .text("captcha")
        .ok_or(ErrorKind::CaptchaRequired)?;
    let key = captcha_key(req).ok_or(failure)?;
    let hash = captcha_answer_hash(keys, scenario, &answer);
    if captchas
        .check(&crypto::sha256_hex(&key), scenario, &hash, consume, now)
        .await?
    {
        Ok(())
    } else {
        Err(failure.into())
    }
}
