//! Captcha keys and answers, shared by the captcha routes and the routes that require one.

use crate::crypto;
use crate::error::{ApiError, ErrorKind};
use crate::routing::ApiRequest;
use crate::storage::ports::CaptchaStore;
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
    captchas: &dyn CaptchaStore,
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

/// What a check does with the captcha it checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterCheck {
    /// Used up, right or wrong: the default, so an answer is tried once.
    UseUp,
    /// Kept for another check (`captchaVerify` with `flush=0`).
    Keep,
}

/// Checks the captcha a request answers: the `captcha` parameter against the answer stored
/// for its key ([`captcha_key`]) and scenario. No answer is 202301-style "captcha required";
/// a wrong one, or no key, is `failure` (the sign-in routes' 202302 unless told otherwise).
#[derive(Clone, Copy)]
pub struct CaptchaCheck<'a> {
    pub captchas: &'a dyn CaptchaStore,
    pub keys: &'a SigningKeys,
    pub failure: ErrorKind,
}

impl<'a> CaptchaCheck<'a> {
    pub fn new(captchas: &'a dyn CaptchaStore, keys: &'a SigningKeys) -> CaptchaCheck<'a> {
        CaptchaCheck {
            captchas,
            keys,
            failure: ErrorKind::CaptchaInvalid,
        }
    }

    /// The same check, refusing with `failure`.
    pub fn failing_with(self, failure: ErrorKind) -> CaptchaCheck<'a> {
        CaptchaCheck { failure, ..self }
    }

    /// Checks `req`'s answer for `scenario` and uses the captcha up.
    pub async fn use_up(&self, req: &ApiRequest, scenario: &str, now: i64) -> Result<(), ApiError> {
        self.check(req, scenario, AfterCheck::UseUp, now).await
    }

    pub async fn check(
        &self,
        req: &ApiRequest,
        scenario: &str,
        after: AfterCheck,
        now: i64,
    ) -> Result<(), ApiError> {
        let answer = req
            .params
            .text("captcha")
            .ok_or(ErrorKind::CaptchaRequired)?;
        let key = captcha_key(req).ok_or(self.failure)?;
        let hash = captcha_answer_hash(self.keys, scenario, &answer);
        let consume = after == AfterCheck::UseUp;
        if self
            .captchas
            .check(&crypto::sha256_hex(&key), scenario, &hash, consume, now)
            .await?
        {
            Ok(())
        } else {
            Err(self.failure.into())
        }
    }
}
