//! Access tokens as requests present them. Signing and checking are
//! [`passport_core::token`]'s (re-exported here); this module reads the token from a
//! request and turns a refusal into the dialect's error.

pub use passport_core::token::*;

use crate::error::{ApiError, ErrorKind};
use crate::routing::ApiRequest;

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Invalid => ErrorKind::TokenInvalid.into(),
            TokenError::Expired => ErrorKind::TokenExpired.into(),
            TokenError::IssuerUnknown => ApiError::internal(e),
        }
    }
}

/// The cookie that holds the operator console's access token (`Secure`, `HttpOnly`,
/// `SameSite=Strict`, `Path=/`), presented only on the console's own routes.
pub const CONSOLE_COOKIE: &str = "__Host-passport-console";

/// The console's cookie in `req`, if the route is one of the console's.
fn console_cookie(req: &ApiRequest) -> Option<String> {
    if !req.meta.route.starts_with("console/") && req.meta.route != "console" {
        return None;
    }
    crate::html::cookie(req, CONSOLE_COOKIE)
}

/// The access token a request presents: `Authorization: Bearer <t>`, `Authorization: Token
/// <t>` (center dialect), or an `access_token` parameter (query, form or JSON); on the
/// console's routes, else its cookie ([`CONSOLE_COOKIE`]). A request
/// that presents two different tokens (RFC 6750, section 2: one method per request) is
/// answered as one with an invalid token (an empty one, which no check accepts), never by
/// picking one of them.
pub fn presented(req: &ApiRequest) -> Option<String> {
    let header = req.header("authorization").and_then(|auth| {
        let auth = auth.trim();
        ["Bearer ", "Token ", "bearer ", "token "]
            .iter()
            .find_map(|scheme| auth.strip_prefix(scheme))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    });
    // With a header token, an `access_token` parameter that is there at all, even empty,
    // is a second token.
    match (header, req.params.get("access_token")) {
        (Some(h), Some(p)) if !passport_core::crypto::same(&h, p.trim()) => Some(String::new()),
        (Some(t), _) => Some(t),
        (None, _) => req
            .params
            .text("access_token")
            .or_else(|| console_cookie(req)),
    }
}
