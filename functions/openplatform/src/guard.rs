//! What every open-platform call passes (document 003 §1, §3, §4): the answer format, the
//! client by HTTP Basic (100009 absent or wrong, 100008 unknown, 100002 not allowed on the
//! open platform), the `t_` / `p_` pair (601), the access token (401, 100014 expired), and
//! the provider's hourly quota. This module is the client half, [`client`]; dispatch
//! checks the token.

use crate::App;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use passport_shared::storage::clients::Client;
use passport_shared::{ApiError, ApiRequest, ErrorKind};
use std::sync::Arc;

/// The scope a client needs for the open platform.
pub const SCOPE: &str = "openplatform";
/// How far `t_` may be from the server's clock, in seconds.
pub const CLOCK_SKEW: i64 = 300;

/// `client_id:client_secret` from `Authorization: Basic`.
pub fn basic(req: &ApiRequest) -> Option<(String, String)> {
    let value = req.header("authorization")?.trim();
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let text = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// `p_` for a `t_`: `(t_ % 10000) * 3 + 2345`.
pub fn check_value(t: i64) -> i64 {
    t.rem_euclid(10_000) * 3 + 2345
}

/// Checks `t_` (milliseconds) against the clock and `p_` against `t_`.
pub fn check_time(t: Option<&str>, p: Option<&str>, now: i64) -> Result<(), ErrorKind> {
    let t: i64 = t
        .and_then(|t| t.trim().parse().ok())
        .ok_or(ErrorKind::RestTimestampInvalid)?;
    if (t.div_euclid(1000) - now).abs() > CLOCK_SKEW {
        return Err(ErrorKind::RestTimestampInvalid);
    }
    let p: i64 = p
        .and_then(|p| p.trim().parse().ok())
        .ok_or(ErrorKind::RestCheckInvalid)?;
    if p != check_value(t) {
        return Err(ErrorKind::RestCheckInvalid);
    }
    Ok(())
}

/// The open platform's client authentication, before the token's check (which
/// [`passport_shared::dispatch`] runs next, counting the call against this client's quota
/// as well as the token's).
pub async fn client(app: &App, req: &ApiRequest, now: i64) -> Result<Arc<Client>, ApiError> {
    match req.path_param("format") {
        Some("json" | "xml") => {}
        _ => return Err(ErrorKind::FormatUnsupported.into()),
    }
    let (id, secret) = basic(req).ok_or(ErrorKind::ClientSecretMismatch)?;
    let client = app
        .sessions
        .meter
        .clients
        .get(&id)
        .await?
        .ok_or(ErrorKind::ClientNotFound)?;
    let client = app
        .sessions
        .meter
        .clients
        .with_secret(client, &secret)
        .await?
        .ok_or(ErrorKind::ClientSecretMismatch)?;
    if !client.scopes.iter().any(|s| s == SCOPE) {
        return Err(ErrorKind::GrantMismatch.into());
    }
    check_time(
        req.params.text("t_").as_deref(),
        req.params.text("p_").as_deref(),
        now,
    )?;
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documents_example_pair() {
        // Document 003: t_=1422339152058&p_=8519.
        assert_eq!(check_value(1_422_339_152_058), 8519);
        let now = 1_422_339_152;
        assert_eq!(check_time(Some("1422339152058"), Some("8519"), now), Ok(()));
        assert_eq!(
            check_time(Some("1422339152058"), Some("8518"), now),
            Err(ErrorKind::RestCheckInvalid)
        );
        assert_eq!(
            check_time(Some("1422339152058"), Some("8519"), now + CLOCK_SKEW + 1),
            Err(ErrorKind::RestTimestampInvalid)
        );
        assert_eq!(
            check_time(None, Some("1"), now),
            Err(ErrorKind::RestTimestampInvalid)
        );
        assert_eq!(
            check_time(Some("x"), Some("1"), now),
            Err(ErrorKind::RestTimestampInvalid)
        );
    }
}
