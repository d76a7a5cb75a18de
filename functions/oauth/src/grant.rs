//! What the token routes share: validating an authorization request, issuing codes, and
//! the four grants (authorization_code with PKCE, refresh_token with rotation, password for
//! first-party clients, client_credentials).

use crate::App;
use passport_identity::{oidc, sign_in_with, SignInName};
use passport_shared::crypto;
use passport_shared::storage::clients::Client;
use passport_shared::storage::grants::{CodeGrant, CodeRefused};
use passport_shared::storage::sessions::{Grant, Issued};
use passport_shared::{ApiError, ErrorKind, Params};

/// An authorization request's parameters, checked against the client.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client: std::sync::Arc<Client>,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    /// OpenID Connect's `nonce`, returned in the ID token.
    pub nonce: Option<String>,
    /// OpenID Connect's `prompt`.
    pub prompt: Prompt,
    /// OpenID Connect's `max_age`: a browser session older than this many seconds signs in
    /// again.
    pub max_age: Option<i64>,
    /// The standard claims the `claims` parameter asked the ID token to carry (their
    /// scopes are in `scope`).
    pub id_token_claims: Vec<String>,
}

/// What OpenID Connect's `prompt` asks of the hosted page (Core §3.1.2.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prompt {
    /// `none`: answer without showing a page, or with an error.
    pub none: bool,
    /// `login`: sign in again even in a signed-in browser.
    pub login: bool,
    /// `consent`: ask even where the user allowed the scopes before.
    pub consent: bool,
}

/// The longest `nonce` kept (it is stored with the request and the code).
const NONCE_MAX: usize = 512;

/// What is wrong with an authorization request, and whether the client may be told by a
/// redirect (only once the client and its redirect URI are known good).
#[derive(Debug)]
pub enum Refused {
    /// Never redirect: the client or the redirect URI is unknown or wrong.
    Page(ApiError),
    /// Redirect back with an RFC 6749 error.
    Redirect {
        error: ApiError,
        rfc: &'static str,
        redirect_uri: String,
        state: Option<String>,
    },
}

impl Refused {
    pub fn into_error(self) -> ApiError {
        match self {
            Refused::Page(e) | Refused::Redirect { error: e, .. } => e,
        }
    }
}

/// The scope granted: the requested scopes (space- or comma-separated), all of which the
/// client must have (or, where a user authorizes the client, `with_openid`, be one of
/// OpenID Connect's, [`oidc::SCOPES`]); without a request, all of the client's.
pub fn scope_for(
    client: &Client,
    requested: Option<&str>,
    with_openid: bool,
) -> Result<String, ApiError> {
    let Some(requested) = requested.filter(|s| !s.trim().is_empty()) else {
        return Ok(client.scopes.join(" "));
    };
    let mut granted = Vec::new();
    for s in requested.split([' ', ',']).filter(|s| !s.is_empty()) {
        let standard = with_openid && oidc::SCOPES.contains(&s);
        if !standard && !client.scopes.iter().any(|c| c == s) {
            return Err(ApiError::new(ErrorKind::ScopeDenied).with_field("scope"));
        }
        if !granted.contains(&s) {
            granted.push(s);
        }
    }
    Ok(granted.join(" "))
}

/// Checks an authorization request (response type aside, which each route checks itself).
pub async fn check_request(app: &App, p: &Params) -> Result<AuthRequest, Refused> {
    let (Some(client_id), Some(redirect_uri)) = (p.text("client_id"), p.get("redirect_uri")) else {
        return Err(Refused::Page(ErrorKind::ClientRedirectRequired.into()));
    };
    let client = app
        .identity
        .sessions
        .meter
        .clients
        .get(&client_id)
        .await
        .map_err(|e| Refused::Page(e.into()))?
        .ok_or(Refused::Page(ErrorKind::ClientInvalid.into()))?;
    if !client.redirect_allowed(&redirect_uri) {
        return Err(Refused::Page(ErrorKind::RedirectMismatch.into()));
    }
    let state = p.get("state");
    let redirect = |error: ApiError, rfc| Refused::Redirect {
        error,
        rfc,
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
    };
    if !client.grant_allowed("authorization_code") {
        return Err(redirect(
            ErrorKind::GrantMismatch.into(),
            "unauthorized_client",
        ));
    }
    let mut scope = scope_for(&client, p.get("scope").as_deref(), true)
        .map_err(|e| redirect(e, "invalid_scope"))?;
    // OpenID Connect Core §5.5: claims asked for one by one need their scope's consent, so
    // the request asks for that scope too; the ID token's are kept for the code.
    let mut id_token_claims = Vec::new();
    if let Some(raw) = p.text("claims").filter(|_| oidc::is_openid(&scope)) {
        let asked = oidc::ClaimsRequest::parse(&raw)
            .ok_or_else(|| redirect(ApiError::invalid("claims"), "invalid_request"))?;
        for needed in asked.scopes() {
            if !scope.split(' ').any(|s| s == needed) {
                scope = format!("{scope} {needed}");
            }
        }
        id_token_claims = asked.id_token;
    }
    // OpenID Connect Core §3.1.2.1: `none` with any other prompt is malformed;
    // `select_account` is what the sign-in page does anyway (one account per browser);
    // `max_age` is a whole number of seconds.
    let prompts: Vec<String> = p
        .text("prompt")
        .map(|v| {
            v.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let asks = |name: &str| prompts.iter().any(|v| v == name);
    let prompt = Prompt {
        none: asks("none"),
        login: asks("login"),
        consent: asks("consent"),
    };
    if prompt.none && prompts.len() > 1 {
        return Err(redirect(ApiError::invalid("prompt"), "invalid_request"));
    }
    let max_age = match p.text("max_age") {
        Some(raw) => match raw.parse::<u32>() {
            Ok(seconds) => Some(i64::from(seconds)),
            Err(_) => return Err(redirect(ApiError::invalid("max_age"), "invalid_request")),
        },
        None => None,
    };
    let nonce = p.get("nonce").filter(|n| !n.is_empty());
    if nonce
        .as_deref()
        .is_some_and(|n| n.len() > NONCE_MAX || n.chars().any(char::is_control))
    {
        return Err(redirect(ApiError::invalid("nonce"), "invalid_request"));
    }
    let code_challenge = p.text("code_challenge");
    let method = p.text("code_challenge_method");
    match (&code_challenge, method.as_deref()) {
        (None, None) if client.is_public() => {
            return Err(redirect(
                ApiError::invalid("code_challenge").with_cause("public clients must use PKCE"),
                "invalid_request",
            ))
        }
        (None, None) => {}
        // S256 only: `plain` (and an unnamed method, which means plain) is refused.
        (Some(c), Some("S256")) if crypto::is_s256_challenge(c) => {}
        _ => {
            return Err(redirect(
                ApiError::invalid("code_challenge_method"),
                "invalid_request",
            ))
        }
    }
    Ok(AuthRequest {
        client,
        redirect_uri,
        scope,
        state,
        code_challenge,
        nonce,
        prompt,
        max_age,
        id_token_claims,
    })
}

/// How the user of a code signed in, where it is known (the hosted pages): when, and in
/// which browser session (the ID token's `auth_time` and `sid`).
#[derive(Debug, Clone, Default)]
pub struct SignedIn {
    pub auth_time: Option<i64>,
    pub sid: Option<String>,
}

/// Issues a code for `uid` under a checked request, signed in as `how` says.
pub async fn issue_code(
    app: &App,
    r: &AuthRequest,
    uid: u64,
    how: SignedIn,
    now: i64,
) -> Result<String, ApiError> {
    Ok(app
        .grants
        .issue_code(
            &CodeGrant {
                client_id: r.client.id.clone(),
                redirect_uri: r.redirect_uri.clone(),
                uid,
                scope: r.scope.clone(),
                code_challenge: r.code_challenge.clone(),
                nonce: r.nonce.clone(),
                auth_time: how.auth_time,
                sid: how.sid,
                id_token_claims: r.id_token_claims.clone(),
            },
            now,
        )
        .await?)
}

/// `redirect_uri` with `pairs` added to its query.
pub fn redirect_to(redirect_uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        query.append_pair(k, v);
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    format!("{redirect_uri}{sep}{}", query.finish())
}

/// The authorization response: a 302 to `redirect_uri` with `pairs`, the request's
/// `state` unchanged, and the issuer as `iss` (RFC 9207: a client that talks to several
/// servers knows which one answered).
pub fn respond_to(
    redirect_uri: &str,
    pairs: &[(&str, &str)],
    state: Option<&str>,
) -> Result<passport_shared::Reply, ApiError> {
    let issuer = passport_shared::token::issuer()?;
    let mut all = pairs.to_vec();
    if let Some(state) = state {
        all.push(("state", state));
    }
    all.push(("iss", issuer));
    found(&redirect_to(redirect_uri, &all))
}

/// A 302 to `location`.
pub fn found(location: &str) -> Result<passport_shared::Reply, ApiError> {
    passport_shared::html::redirect(http::StatusCode::FOUND, location)
}

/// What a token request was given: the tokens, and an ID token where the code was for
/// OpenID Connect.
pub struct Granted {
    pub issued: Issued,
    pub id_token: Option<String>,
}

impl From<Issued> for Granted {
    fn from(issued: Issued) -> Granted {
        Granted {
            issued,
            id_token: None,
        }
    }
}

/// Runs the grant of a token request for an authenticated `client`.
pub async fn grant(app: &App, client: &Client, p: &Params, now: i64) -> Result<Granted, ApiError> {
    let grant_type = p.text("grant_type").ok_or(ErrorKind::GrantTypeInvalid)?;
    let sessions = &app.identity.sessions;
    match grant_type.as_str() {
        "authorization_code" => {
            if !client.grant_allowed("authorization_code") {
                return Err(ErrorKind::GrantMismatch.into());
            }
            let code = p.text("code").ok_or(ErrorKind::AuthCodeRequired)?;
            let grant = match app.grants.redeem_code(&code, now).await? {
                Ok(grant) => grant,
                Err(CodeRefused::Replayed { uid, family }) => {
                    // A second redemption: what the first one got is withdrawn.
                    if let Some(family) = family {
                        tracing::warn!(uid, "authorization code replayed; ending what it issued");
                        sessions.end_family(uid, &family).await?;
                    }
                    return Err(ErrorKind::AuthCodeInvalid.into());
                }
                Err(CodeRefused::Invalid) => return Err(ErrorKind::AuthCodeInvalid.into()),
            };
            if grant.client_id != client.id {
                return Err(ErrorKind::AuthCodeInvalid.into());
            }
            if p.get("redirect_uri").as_deref() != Some(grant.redirect_uri.as_str()) {
                return Err(ErrorKind::GrantRedirectMismatch.into());
            }
            // PKCE both ways (RFC 9700 §2.1.1, §4.8.2): a code issued with a challenge needs
            // its verifier, and a verifier for a code issued without one is a downgrade.
            match (&grant.code_challenge, p.get("code_verifier")) {
                (Some(challenge), verifier) => {
                    let verifier = verifier.unwrap_or_default();
                    if !crypto::same(&crypto::pkce_s256(&verifier), challenge) {
                        return Err(ErrorKind::AuthCodeInvalid.into());
                    }
                }
                (None, Some(_)) => return Err(ErrorKind::AuthCodeInvalid.into()),
                (None, None) => {}
            }
            let openid = oidc::is_openid(&grant.scope);
            let session = Grant {
                uid: grant.uid,
                client_id: client.id.clone(),
                scope: grant.scope,
                remember: false,
            };
            // The code learns which session it started (a replay ends it) beside that
            // session's put, and beside the account's read where the ID token carries
            // claims the `claims` parameter asked for.
            let sid = passport_shared::storage::sessions::new_sid();
            let asked = openid && !grant.id_token_claims.is_empty();
            let (issued, recorded, account) = tokio::join!(
                sessions.issue_as(&sid, &session, now),
                app.grants.record_family(&code, &sid),
                async {
                    match asked {
                        true => app.identity.users.get(grant.uid).await.map(Some),
                        false => Ok(None),
                    }
                }
            );
            recorded?;
            let issued = issued?;
            if !openid {
                return Ok(issued.into());
            }
            let released = match account?.flatten() {
                Some(user) => oidc::claims(&user, &session.scope, None)
                    .into_iter()
                    .filter(|(name, _)| grant.id_token_claims.contains(name))
                    .collect(),
                None => serde_json::Map::new(),
            };
            let how = oidc::Authentication {
                auth_time: grant.auth_time,
                nonce: grant.nonce,
                amr: vec!["pwd".to_owned()],
                sid: grant.sid,
                claims: released,
            };
            let issuer = passport_shared::token::issuer()?;
            let keys = &app.identity.keys;
            let id_token = oidc::id_token(
                keys,
                issuer,
                client,
                grant.uid,
                &how,
                &issued.access_token,
                now,
            )
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "client {} registered {} ID tokens and JWT_PRIVATE_KEY has no key for it",
                    client.id,
                    client.id_token_alg.as_str()
                ))
            })?;
            Ok(Granted {
                issued,
                id_token: Some(id_token),
            })
        }
        "refresh_token" => {
            if client.grant_types.iter().all(|g| g == "client_credentials") {
                return Err(ErrorKind::GrantMismatch.into());
            }
            let token = p
                .text("refresh_token")
                .ok_or(ErrorKind::RefreshTokenInvalid)?;
            Ok(sessions
                .rotate_for(&token, Some(&client.id), now)
                .await?
                .into())
        }
        "password" => {
            // Only first-party clients may see their users' passwords.
            if !(client.first_party && client.grant_allowed("password")) {
                return Err(ErrorKind::GrantMismatch.into());
            }
            let (Some(login), Some(raw)) = (
                p.text("username"),
                p.get("password").filter(|s| !s.is_empty()),
            ) else {
                return Err(ErrorKind::GrantCredentialsRequired.into());
            };
            let password = passport_shared::domain::Password::parse(&raw)
                .map_err(|_| ApiError::new(ErrorKind::IncorrectPassword))?;
            let name = SignInName::of_login(&login);
            let scope = scope_for(client, p.get("scope").as_deref(), false)?;
            let (_, issued) = sign_in_with(
                &app.identity.users,
                app.identity.login,
                &name,
                &password,
                now,
                async { Ok(()) },
                |user| {
                    let grant = Grant {
                        uid: user.uid,
                        client_id: client.id.clone(),
                        scope,
                        remember: false,
                    };
                    async move { Ok(sessions.issue(&grant, now).await?) }
                },
            )
            .await?;
            Ok(issued.into())
        }
        "client_credentials" => {
            if client.is_public() || !client.grant_allowed("client_credentials") {
                return Err(ErrorKind::GrantMismatch.into());
            }
            let scope = scope_for(client, p.get("scope").as_deref(), false)?;
            // A token of the client itself: no user, and no refresh token given out.
            Ok(sessions
                .issue_client_token(&client.id, &scope, now)
                .await?
                .into())
        }
        _ => Err(ErrorKind::GrantTypeInvalid.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_keep_the_uri_and_encode_the_values() {
        assert_eq!(
            redirect_to("https://a.example/cb", &[("code", "x y"), ("state", "s&1")]),
            "https://a.example/cb?code=x+y&state=s%261"
        );
        assert_eq!(
            redirect_to("https://a.example/cb?t=1", &[("code", "c")]),
            "https://a.example/cb?t=1&code=c"
        );
    }
}
