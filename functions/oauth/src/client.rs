//! Client authentication at the token, revocation and introspection endpoints:
//! `client_secret_basic` (HTTP Basic with the form-urlencoded id and secret, RFC 6749
//! §2.3.1), `client_secret_post` (`client_id` and `client_secret` parameters), or, for a
//! public client, its `client_id` alone. Using two methods at once is refused.

use crate::App;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use passport_shared::storage::clients::Client;
use passport_shared::{ApiError, ApiRequest, ErrorKind};
use std::sync::Arc;

/// The client id and secret a request presents (form fields or HTTP Basic).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Presented {
    pub id: Option<String>,
    pub secret: Option<String>,
}

fn decode(part: &str) -> Option<String> {
    form_urlencoded::parse(format!("x={part}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
}

/// Reads the client credentials of a request.
pub fn presented(req: &ApiRequest) -> Result<Presented, ApiError> {
    let form = Presented {
        id: req.params.text("client_id"),
        secret: req.params.get("client_secret").filter(|s| !s.is_empty()),
    };
    let Some(basic) = req.header("authorization").and_then(|h| {
        h.strip_prefix("Basic ")
            .or_else(|| h.strip_prefix("basic "))
    }) else {
        return Ok(form);
    };
    if form.secret.is_some() {
        return Err(
            ApiError::invalid("client_secret").with_cause("two client authentication methods")
        );
    }
    let text = STANDARD
        .decode(basic.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(ErrorKind::ClientSecretMismatch)?;
    let (id, secret) = text
        .split_once(':')
        .ok_or(ErrorKind::ClientSecretMismatch)?;
    let (id, secret) = (
        decode(id).ok_or(ErrorKind::ClientSecretMismatch)?,
        decode(secret).ok_or(ErrorKind::ClientSecretMismatch)?,
    );
    if form.id.as_deref().is_some_and(|f| f != id) {
        return Err(ErrorKind::ClientSecretMismatch.into());
    }
    Ok(Presented {
        id: Some(id),
        secret: Some(secret).filter(|s| !s.is_empty()),
    })
}

/// The authenticated client. A public client (no secret) passes with its id alone when
/// `allow_public`; a confidential one needs its secret, compared in constant time.
pub async fn authenticate(
    app: &App,
    p: &Presented,
    allow_public: bool,
) -> Result<Arc<Client>, ApiError> {
    let id = p.id.as_deref().ok_or(ErrorKind::ClientIdRequired)?;
    let client = app
        .identity
        .sessions
        .meter
        .clients
        .get(id)
        .await?
        .ok_or(ErrorKind::ClientNotFound)?;
    match (&p.secret, client.is_public()) {
        (None, true) if allow_public => Ok(client),
        (None, true) => Err(ErrorKind::ClientSecretRequired.into()),
        (None, false) => Err(ErrorKind::ClientSecretRequired.into()),
        (Some(secret), false) if client.secret_matches(secret) => Ok(client),
        (Some(_), _) => Err(ErrorKind::ClientSecretMismatch.into()),
    }
}
