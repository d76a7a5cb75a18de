//! Client authentication at the token, revocation and introspection endpoints:
//! `client_secret_basic` (HTTP Basic with the form-urlencoded id and secret, RFC 6749
//! §2.3.1), `client_secret_post` (`client_id` and `client_secret` parameters),
//! `private_key_jwt` (a JWT the client signed, RFC 7523 §2.2: its `jti` is taken once,
//! [`passport_shared::assertion`]), or, for a public client, its `client_id` alone. Using
//! two methods at once is refused, and each client has the one it registered.
//!
//! `client_secret_jwt` is not offered: it needs the secret itself to check the HMAC, and
//! Passport keeps only a SHA-256 of each secret.

use crate::App;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use passport_shared::assertion;
use passport_shared::storage::clients::{AuthMethod, Client};
use passport_shared::{ApiError, ApiRequest, ErrorKind};
use std::sync::Arc;

/// The client id and secret (form fields or HTTP Basic), or the client assertion, a
/// request presents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Presented {
    pub id: Option<String>,
    pub secret: Option<String>,
    pub assertion: Option<String>,
}

fn decode(part: &str) -> Option<String> {
    form_urlencoded::parse(format!("x={part}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
}

/// Reads the client credentials of a request.
pub fn presented(req: &ApiRequest) -> Result<Presented, ApiError> {
    if let Some(assertion) = req.params.text("client_assertion") {
        return asserted(req, assertion);
    }
    let form = Presented {
        id: req.params.text("client_id"),
        secret: req.params.get("client_secret").filter(|s| !s.is_empty()),
        assertion: None,
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
        assertion: None,
    })
}

/// A client assertion (RFC 7521 §4.2): of the JWT bearer type, alone (no secret, no
/// Basic), and of the client `client_id` names where it is given.
fn asserted(req: &ApiRequest, assertion: String) -> Result<Presented, ApiError> {
    if req.params.text("client_assertion_type").as_deref() != Some(assertion::JWT_BEARER) {
        return Err(ApiError::invalid("client_assertion_type"));
    }
    let basic = req
        .header("authorization")
        .is_some_and(|h| h.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("basic ")));
    if basic || req.params.get("client_secret").is_some() {
        return Err(
            ApiError::invalid("client_assertion").with_cause("two client authentication methods")
        );
    }
    let claimed = assertion::claimed_client(&assertion).ok_or(ErrorKind::ClientSecretMismatch)?;
    if req.params.text("client_id").is_some_and(|id| id != claimed) {
        return Err(ErrorKind::ClientSecretMismatch.into());
    }
    Ok(Presented {
        id: Some(claimed),
        secret: None,
        assertion: Some(assertion),
    })
}

/// The authenticated client. A public client (no secret) passes with its id alone when
/// `allow_public`; a confidential one needs its secret, compared in constant time, or, if
/// it registered keys, an assertion signed with one of them, addressed to this issuer (or
/// its token endpoint, or the endpoint of `route`) and never used before.
pub async fn authenticate(
    app: &App,
    route: &str,
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
    if client.auth_method() == AuthMethod::PrivateKeyJwt || p.assertion.is_some() {
        return by_assertion(app, route, p, client).await;
    }
    match (&p.secret, client.is_public()) {
        (None, true) if allow_public => Ok(client),
        (None, true) => Err(ErrorKind::ClientSecretRequired.into()),
        (None, false) => Err(ErrorKind::ClientSecretRequired.into()),
        (Some(secret), false) => {
            let clients = &app.identity.sessions.meter.clients;
            clients
                .with_secret(client, secret)
                .await?
                .ok_or_else(|| ErrorKind::ClientSecretMismatch.into())
        }
        (Some(_), true) => Err(ErrorKind::ClientSecretMismatch.into()),
    }
}

/// `private_key_jwt`: the client's assertion verified with its keys, then its `jti` taken.
async fn by_assertion(
    app: &App,
    route: &str,
    p: &Presented,
    client: Arc<Client>,
) -> Result<Arc<Client>, ApiError> {
    let refused = |why: &str| ApiError::new(ErrorKind::ClientSecretMismatch).with_cause(why);
    let (Some(assertion), Some(keys)) = (&p.assertion, client.keys()) else {
        return Err(refused("not the client's registered authentication method"));
    };
    let issuer = passport_shared::token::issuer()?;
    let here = format!("{issuer}/{route}");
    let token_endpoint = format!("{issuer}/oauth2/token");
    let audiences = [issuer, token_endpoint.as_str(), here.as_str()];
    let verified = keys
        .verify(assertion, &client.id, &audiences, passport_shared::now())
        .map_err(|e| refused(&e.to_string()))?;
    if !app
        .grants
        .spend_assertion(&client.id, &verified.jti, verified.exp)
        .await?
    {
        return Err(refused("the assertion's jti was used before"));
    }
    Ok(client)
}
