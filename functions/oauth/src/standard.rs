//! The standard endpoints, for clients built on ordinary OAuth libraries: `/oauth2/token`
//! (RFC 6749 §5 answers and errors), `/oauth2/revoke` (RFC 7009), `/oauth2/introspect`
//! (RFC 7662), `/.well-known/oauth-authorization-server` (RFC 8414) and `/oauth2/jwks`.

use crate::grant::grant;
use crate::App;
use http::{HeaderValue, StatusCode};
use passport_identity::oidc;
use passport_shared::response::respond;
use passport_shared::storage::clients::Client;
use passport_shared::{assertion, ApiError, ApiRequest, ErrorKind, Reply};
use serde_json::{json, Value};
use std::sync::Arc;

fn json_response(status: StatusCode, body: &Value) -> Reply {
    let mut response = respond(status, "application/json; charset=utf-8", body.to_string());
    response
        .headers_mut()
        .insert("pragma", HeaderValue::from_static("no-cache"));
    Reply::Raw(response)
}

/// RFC 6749 §5: every refusal is rendered by the OAuth2 dialect as §5.2 writes it.
pub async fn token(app: &App, req: &ApiRequest, client: &Arc<Client>) -> Result<Reply, ApiError> {
    // §5.2: without a grant_type the request is malformed (invalid_request);
    // unsupported_grant_type is for one that is given and unknown.
    if req.params.text("grant_type").is_none() {
        return Err(ApiError::invalid("grant_type"));
    }
    let granted = grant(app, client, &req.params, passport_shared::now()).await?;
    let issued = &granted.issued;
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    });
    if !issued.refresh_token.is_empty() {
        body["refresh_token"] = json!(issued.refresh_token);
    }
    if let Some(id_token) = &granted.id_token {
        body["id_token"] = json!(id_token);
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// What a presented token is, if anything live.
enum Found {
    Access(
        passport_shared::token::Claims,
        passport_shared::storage::sessions::TokenRecord,
    ),
    Refresh(passport_shared::storage::sessions::TokenRecord),
}

async fn find(app: &App, token: &str, now: i64) -> Result<Option<Found>, ApiError> {
    let sessions = &app.identity.sessions;
    // An access token is a JWT of ours; anything else may be a refresh token (whose MAC
    // is checked before anything is read).
    if let Ok(claims) = sessions.keys().verify(token) {
        return Ok(sessions
            .record(&claims.jti)
            .await?
            .filter(|r| r.expires_at > now)
            .map(|r| Found::Access(claims, r)));
    }
    Ok(sessions
        .refresh_record(token, now)
        .await?
        .map(Found::Refresh))
}

pub async fn revoke(app: &App, req: &ApiRequest, client: &Arc<Client>) -> Result<Reply, ApiError> {
    let Some(token) = req.params.text("token") else {
        return Err(ApiError::invalid("token"));
    };
    let now = passport_shared::now();
    // RFC 7009 §2.2: an unknown or expired token is answered 200, there is nothing to do.
    // §2.1: a live token issued to another client is refused, and kept.
    let record = match find(app, &token, now).await? {
        Some(Found::Access(_, r)) | Some(Found::Refresh(r)) => r,
        None => return Ok(json_response(StatusCode::OK, &json!({}))),
    };
    if record.client_id != client.id {
        return Err(ErrorKind::ClientUserMismatch.into());
    }
    app.identity.sessions.end(&record).await?;
    Ok(json_response(StatusCode::OK, &json!({})))
}

/// Resource servers introspect: the route takes a confidential client.
pub async fn introspect(
    app: &App,
    req: &ApiRequest,
    client: &Arc<Client>,
) -> Result<Reply, ApiError> {
    let Some(token) = req.params.text("token") else {
        return Err(ApiError::invalid("token"));
    };
    let now = passport_shared::now();
    // RFC 7662 §4: a client learns nothing of a token issued to another client.
    let found = find(app, &token, now).await?.filter(|f| match f {
        Found::Access(_, r) | Found::Refresh(r) => r.client_id == client.id,
    });
    let body = match found {
        Some(Found::Access(claims, r)) => json!({
            "active": true,
            "scope": r.scope,
            "client_id": r.client_id,
            "sub": claims.sub,
            "aud": claims.aud,
            "iss": claims.iss,
            "jti": claims.jti,
            "exp": r.expires_at,
            "iat": r.created_at,
            "token_type": "Bearer",
        }),
        Some(Found::Refresh(r)) => json!({
            "active": true,
            "scope": r.scope,
            "client_id": r.client_id,
            "sub": r.uid.to_string(),
            "exp": r.expires_at,
            "iat": r.created_at,
            "token_type": "refresh_token",
        }),
        None => json!({ "active": false }),
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// What the authorization server publishes about itself, alike in both documents: every
/// URL is built on the one configured issuer, never on the request's `Host` header.
fn server_metadata(app: &App) -> Result<Value, ApiError> {
    let base = passport_shared::token::issuer()?;
    let mut scopes: Vec<&str> = oidc::SCOPES.to_vec();
    scopes.push("basic");
    Ok(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "token_endpoint": format!("{base}/oauth2/token"),
        "pushed_authorization_request_endpoint": format!("{base}/oauth2/par"),
        "require_pushed_authorization_requests": false,
        "userinfo_endpoint": format!("{base}/oauth2/userinfo"),
        "revocation_endpoint": format!("{base}/oauth2/revoke"),
        "introspection_endpoint": format!("{base}/oauth2/introspect"),
        "jwks_uri": format!("{base}/oauth2/jwks"),
        "end_session_endpoint": format!("{base}/oauth2/logout"),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "password", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": assertion::ALGORITHMS,
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "revocation_endpoint_auth_signing_alg_values_supported": assertion::ALGORITHMS,
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "introspection_endpoint_auth_signing_alg_values_supported": assertion::ALGORITHMS,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": app
            .identity
            .keys
            .id_token_algs()
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>(),
        "claims_supported": oidc::CLAIMS,
        "claims_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
    }))
}

/// RFC 8414 metadata, which is also the OpenID Connect Discovery 1.0 document (it names
/// the OpenID Connect parts too): both paths answer it.
pub async fn metadata(app: &App, _req: &ApiRequest) -> Result<Reply, ApiError> {
    Ok(json_response(StatusCode::OK, &server_metadata(app)?))
}

pub async fn jwks(app: &App, _req: &ApiRequest) -> Result<Reply, ApiError> {
    Ok(json_response(
        StatusCode::OK,
        &json!({ "keys": app.identity.keys.jwks() }),
    ))
}

#[cfg(test)]
mod tests {
    use passport_shared::response::oauth_error;
    use passport_shared::{ApiError, ErrorKind};

    #[test]
    fn refusals_map_onto_rfc_6749_errors() {
        let e = |k| oauth_error(k).1;
        assert_eq!(e(ErrorKind::ClientSecretMismatch), "invalid_client");
        assert_eq!(e(ErrorKind::AuthCodeInvalid), "invalid_grant");
        assert_eq!(e(ErrorKind::RefreshTokenInvalid), "invalid_grant");
        assert_eq!(e(ErrorKind::GrantTypeInvalid), "unsupported_grant_type");
        assert_eq!(e(ErrorKind::GrantMismatch), "unauthorized_client");
        assert_eq!(e(ErrorKind::ScopeDenied), "invalid_scope");
        assert_eq!(e(ErrorKind::AuthCodeRequired), "invalid_request");
        assert_eq!(
            oauth_error(ErrorKind::MethodNotAllowed).0,
            http::StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            oauth_error(ApiError::internal("x").kind).0,
            http::StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
