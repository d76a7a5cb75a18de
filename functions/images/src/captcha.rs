//! `GET|POST /api/Image/captcha` (§2.5.1) and `/api/Image/captchaVerify` (§2.5.2).
//!
//! A captcha belongs to a *captcha key* (a random 256-bit value the client keeps: a cookie
//! for browsers, the `X-Captcha-Key` header or `captcha_key` parameter for other clients) and
//! a scenario (`id`). Its answer is stored as an HMAC for five minutes and checked once.

use crate::App;
use http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use passport_captcha_image::{self as render, Kind};
use passport_shared::captcha::{
    captcha_key, issue_captcha, AfterCheck, CaptchaCheck, CAPTCHA_COOKIE, LIFETIME,
};
use passport_shared::crypto;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

/// The scenario named by `id`: letters, digits, `_` and `-`, at most 32; `default` if none.
fn scenario(req: &ApiRequest) -> Result<String, ApiError> {
    match req.params.text("id") {
        None => Ok("default".to_owned()),
        Some(id)
            if id.len() <= 32
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
        {
            Ok(id)
        }
        Some(_) => Err(ApiError::invalid("id")),
    }
}

/// A client's key is reused when it looks like one of ours; otherwise a new one is made.
fn key_for(req: &ApiRequest) -> String {
    captcha_key(req)
        .filter(|k| {
            k.len() == 43
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .unwrap_or_else(|| crypto::random_secret(32))
}

pub async fn image(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let kind =
        Kind::parse(req.params.text("type").as_deref()).ok_or_else(|| ApiError::invalid("type"))?;
    let scenario = scenario(req)?;
    let key = key_for(req);
    let now = passport_shared::now();
    let answer = issue_captcha(
        &app.captchas,
        &app.keys,
        &key,
        &scenario,
        render::answer(),
        now,
    )
    .await?;
    let bytes = render::encode(&answer, kind).map_err(ApiError::internal)?;

    let mut response = Response::new(Body::Binary(bytes));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(kind.content_type()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let secure = if app.secure_cookie { "; Secure" } else { "" };
    let cookie = format!(
        "{CAPTCHA_COOKIE}={key}; Path=/; Max-Age={LIFETIME}; HttpOnly; SameSite=Lax{secure}"
    );
    let value = |v: &str| HeaderValue::from_str(v).map_err(ApiError::internal);
    headers.insert(header::SET_COOKIE, value(&cookie)?);
    headers.insert("x-captcha-key", value(&key)?);
    if app.expose_answers {
        headers.insert("x-captcha-answer", value(&answer)?);
    }
    Ok(Reply::Raw(response))
}

pub async fn verify(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let scenario = scenario(req)?;
    // flush (default yes): the captcha is used up by this check, right or wrong.
    let flush = req.params.flag("flush")?.unwrap_or(true);
    let now = passport_shared::now();
    let after = if flush {
        AfterCheck::UseUp
    } else {
        AfterCheck::Keep
    };
    CaptchaCheck::new(&app.captchas, &app.keys)
        .failing_with(ErrorKind::CaptchaVerificationFailed)
        .check(req, &scenario, after, now)
        .await?;
    Ok(Reply::ok())
}
