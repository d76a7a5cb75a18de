//! The browser's side of single sign-on: the cookie that names a browser session
//! ([`passport_shared::storage::sso`]).
//!
//! `__Host-passport-session`: `Secure`, `HttpOnly`, `Path=/` and no `Domain` (the `__Host-`
//! prefix makes browsers hold it to exactly that), `SameSite=Lax`, so that it comes along
//! on the top-level redirect from a client's site to `/oauth2/authorize` (that is single
//! sign-on) and on no cross-site form post or embedded request.

use crate::App;
use passport_shared::html::{cookie, with_cookie};
use passport_shared::storage::grants::PendingRequest;
use passport_shared::storage::sso::{BrowserSession, BROWSER_SESSION_LIFETIME};
use passport_shared::{crypto, ApiError, ApiRequest, Reply};

pub const COOKIE: &str = "__Host-passport-session";

/// The cookie that binds an authorization request to the browser that opened it:
/// `__Host-passport-browser`, a random value (the same attributes as the session's, and
/// gone when the browser closes). The request keeps its SHA-256, and the hosted pages'
/// forms are taken only with it: a form of a request opened in another browser (an
/// attacker's, posted from the victim's to sign them in as the attacker: login CSRF) is
/// refused.
pub const BINDING: &str = "__Host-passport-browser";

/// The session cookie's value in the request, if there is one.
pub fn secret(req: &ApiRequest) -> Option<String> {
    cookie(req, COOKIE)
}

/// This browser's binding: the hash a request it opens keeps, and the cookie to set where
/// it had none yet.
pub struct Binding {
    pub hash: String,
    new: Option<String>,
}

/// The binding of the browser of `req` (a new one if its cookie is missing).
pub fn binding(req: &ApiRequest) -> Binding {
    match cookie(req, BINDING) {
        Some(value) => Binding {
            hash: crypto::sha256_hex(&value),
            new: None,
        },
        None => {
            let value = crypto::random_secret(32);
            Binding {
                hash: crypto::sha256_hex(&value),
                new: Some(value),
            }
        }
    }
}

/// The binding hash of the browser of `req`, if it has a binding (a form's check).
pub fn bound(req: &ApiRequest) -> Option<String> {
    cookie(req, BINDING).map(|v| crypto::sha256_hex(&v))
}

/// Whether `req` comes from the browser that opened `pending`.
pub fn ours(req: &ApiRequest, pending: &PendingRequest) -> bool {
    match (bound(req), &pending.browser) {
        (Some(hash), Some(kept)) => crypto::same(&hash, kept),
        _ => false,
    }
}

/// `reply` with the binding's cookie where the browser had none.
pub fn bind(reply: Reply, binding: &Binding) -> Result<Reply, ApiError> {
    match &binding.new {
        Some(value) => with_cookie(
            reply,
            &format!("{BINDING}={value}; Path=/; Secure; HttpOnly; SameSite=Lax"),
        ),
        None => Ok(reply),
    }
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
