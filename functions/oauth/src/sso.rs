//! The browser's side of single sign-on: the cookie that names a browser session
//! ([`passport_shared::storage::sso`]).
//!
//! `__Host-passport-session`: `Secure`, `HttpOnly`, `Path=/` and no `Domain` (the `__Host-`
//! prefix makes browsers hold it to exactly that), `SameSite=Lax`, so that it comes along
//! on the top-level redirect from a client's site to `/oauth2/authorize` (that is single
//! sign-on) and on no cross-site form post or embedded request.

use crate::App;
use http::HeaderValue;
use passport_shared::storage::sso::{BrowserSession, BROWSER_SESSION_LIFETIME};
use passport_shared::{ApiError, ApiRequest, Reply};

pub const COOKIE: &str = "__Host-passport-session";

/// The session cookie's value in the request, if there is one.
pub fn secret(req: &ApiRequest) -> Option<String> {
    req.headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// The browser's live session, if its cookie names one.
pub async fn signed_in(
    app: &App,
    req: &ApiRequest,
    now: i64,
) -> Result<Option<BrowserSession>, ApiError> {
    match secret(req) {
        Some(secret) => Ok(app.identity.sso.find(&secret, now).await?),
        None => Ok(None),
    }
}

/// `reply` with the cookie that names the new session whose secret is `secret`.
pub fn set(reply: Reply, secret: &str) -> Result<Reply, ApiError> {
    with_cookie(
        reply,
        &format!(
            "{COOKIE}={secret}; Path=/; Max-Age={BROWSER_SESSION_LIFETIME}; Secure; HttpOnly; SameSite=Lax"
        ),
    )
}

/// `reply` with the cookie removed (the session ended).
pub fn clear(reply: Reply) -> Result<Reply, ApiError> {
    with_cookie(
        reply,
        &format!("{COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax"),
    )
}

fn with_cookie(reply: Reply, cookie: &str) -> Result<Reply, ApiError> {
    let mut response = match reply {
        Reply::Raw(response) => response,
        Reply::Data(_) => return Err(ApiError::internal("a cookie on an enveloped answer")),
    };
    response.headers_mut().append(
        http::header::SET_COOKIE,
        HeaderValue::from_str(cookie).map_err(ApiError::internal)?,
    );
    Ok(Reply::Raw(response))
}
