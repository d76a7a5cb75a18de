//! Speaking to an upstream provider: where its authorization endpoint is and what to send
//! it, and, given the code it sent back, who the user is there. OpenID Connect providers
//! by discovery and their ID tokens; OAuth 2.0 providers by their user-info endpoint, in
//! the dialect of each preset ([`Dialect`]).
//!
//! What each provider is asked and answers is built and read by pure functions here
//! ([`authorization_url`], [`token_call`], [`token_answer`], [`identity_of`]), tested
//! against the answers the providers document; the calls themselves are [`Upstreams`]'.

use passport_shared::assertion::ClientKeys;
use passport_shared::crypto;
use passport_shared::storage::providers::{Dialect, OAuth2, Protocol, Provider};
use serde::Deserialize;
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long an instance trusts a provider's discovery document and keys.
const DISCOVERY_FOR: Duration = Duration::from_secs(600);

/// What Passport sends every provider's API (GitHub's refuses calls without one).
const USER_AGENT: &str = "Passport (self-hosted user center)";

/// Why an upstream sign-in failed: said to the user as 203203, logged as this.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure(e.to_string())
    }
}

fn fail<T>(why: impl Into<String>) -> Result<T, Failure> {
    Err(Failure(why.into()))
}

/// What Passport reads of a provider's discovery document.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovered {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
}

/// Who the user is at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    pub sub: String,
    /// An address the provider says it proved; `None` where it proved none.
    pub verified_email: Option<String>,
}

/// What the authorization request carries beside the client.
pub struct Asked<'a> {
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub challenge: &'a str,
}

/// `endpoint` with `pairs` added to its query.
fn with_query(endpoint: &str, pairs: &[(&str, &str)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{separator}{query}")
}

/// The provider's authorization URL for this sign-in.
pub fn authorization_url(
    provider: &Provider,
    endpoint: &str,
    oidc: bool,
    asked: &Asked<'_>,
) -> String {
    let scope = provider.scopes.join(" ");
    let dialect = match &provider.protocol {
        Protocol::Oidc { .. } => Dialect::Standard,
        Protocol::OAuth2(o) => o.dialect,
    };
    let pkce = [
        ("code_challenge", asked.challenge),
        ("code_challenge_method", "S256"),
    ];
    let mut pairs: Vec<(&str, &str)> = match dialect {
        // WeChat names the client `appid` and takes its parameters in this order; the URL
        // must end with the fragment it documents.
        Dialect::Wechat => {
            let pairs = [
                ("appid", provider.client_id.as_str()),
                ("redirect_uri", asked.redirect_uri),
                ("response_type", "code"),
                ("scope", scope.as_str()),
                ("state", asked.state),
            ];
            return format!("{}#wechat_redirect", with_query(endpoint, &pairs));
        }
        _ => vec![
            ("response_type", "code"),
            ("client_id", provider.client_id.as_str()),
            ("redirect_uri", asked.redirect_uri),
            ("state", asked.state),
        ],
    };
    // QQ separates its scopes with commas.
    let qq_scope = provider.scopes.join(",");
    match dialect {
        Dialect::Qq if !qq_scope.is_empty() => pairs.push(("scope", &qq_scope)),
        _ if !scope.is_empty() => pairs.push(("scope", &scope)),
        _ => {}
    }
    if oidc {
        pairs.push(("nonce", asked.nonce));
    }
    // Weibo, QQ and WeChat do not do PKCE.
    if matches!(dialect, Dialect::Standard | Dialect::Github) {
        pairs.extend(pkce);
    }
    with_query(endpoint, &pairs)
}

/// A call to a token endpoint.
#[derive(Debug, PartialEq, Eq)]
pub struct TokenCall {
    /// GET with `params` as the query (QQ, WeChat), else POST with them as the form.
    pub get: bool,
    pub url: String,
    pub params: Vec<(&'static str, String)>,
    /// HTTP Basic client authentication (RFC 6749 §2.3.1), else the credentials are in
    /// `params`.
    pub basic: Option<(String, String)>,
}

/// The token request for `code` in the provider's dialect (OpenID Connect providers speak
/// the standard one).
pub fn token_call(
    dialect: Dialect,
    url: &str,
    client_id: &str,
    secret: &str,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> TokenCall {
    let own = |v: &str| v.to_owned();
    let (get, params, basic) = match dialect {
        Dialect::Standard => (
            false,
            vec![
                ("grant_type", own("authorization_code")),
                ("code", own(code)),
                ("redirect_uri", own(redirect_uri)),
                ("code_verifier", own(verifier)),
            ],
            // RFC 6749 §2.3.1: the client id and secret form-encoded, then Basic.
            Some((
                form_urlencoded::byte_serialize(client_id.as_bytes()).collect(),
                form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
            )),
        ),
        Dialect::Github => (
            false,
            vec![
                ("client_id", own(client_id)),
                ("client_secret", own(secret)),
                ("code", own(code)),
                ("redirect_uri", own(redirect_uri)),
                ("code_verifier", own(verifier)),
            ],
            None,
        ),
        Dialect::Weibo => (
            false,
            vec![
                ("client_id", own(client_id)),
                ("client_secret", own(secret)),
                ("grant_type", own("authorization_code")),
                ("code", own(code)),
                ("redirect_uri", own(redirect_uri)),
            ],
            None,
        ),
        Dialect::Qq => (
            true,
            vec![
                ("grant_type", own("authorization_code")),
                ("client_id", own(client_id)),
                ("client_secret", own(secret)),
                ("code", own(code)),
                ("redirect_uri", own(redirect_uri)),
                ("fmt", own("json")),
            ],
            None,
        ),
        Dialect::Wechat => (
            true,
            vec![
                ("appid", own(client_id)),
                ("secret", own(secret)),
                ("code", own(code)),
                ("grant_type", own("authorization_code")),
            ],
            None,
        ),
    };
    TokenCall {
        get,
        url: url.to_owned(),
        params,
        basic,
    }
}

/// A token endpoint's answer, or why it is a refusal: RFC 6749's `error`, Weibo's
/// `error_code`, QQ's numeric `error`, WeChat's non-zero `errcode` (all of which some of
/// them send with status 200).
pub fn token_answer(status: u16, body: &[u8]) -> Result<Value, Failure> {
    let answer: Value = serde_json::from_slice(body)
        .map_err(|_| Failure(format!("token endpoint: {status}, not JSON")))?;
    let refused = answer.get("error").is_some()
        || answer.get("error_code").is_some()
        || answer.get("errcode").is_some_and(|c| c.as_i64() != Some(0));
    if !(200..300).contains(&status) || refused {
        let code = ["error", "error_code", "errcode"]
            .iter()
            .find_map(|k| answer.get(*k))
            .map(Value::to_string)
            .unwrap_or_default();
        return fail(format!("token endpoint refused: {status} {code}"));
    }
    if !answer.get("access_token").is_some_and(Value::is_string) {
        return fail("token endpoint: no access_token");
    }
    Ok(answer)
}

/// `value` as an identity: a non-empty string, or a whole number (GitHub's `id`).
fn as_id(value: Option<&Value>) -> Option<String> {
    let id = match value? {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        _ => return None,
    };
    Some(id).filter(|id| !id.is_empty() && id.len() <= 128 && !id.chars().any(char::is_control))
}

/// `value` as a proof: `true`, or the string `"true"` (as some providers send it).
fn as_true(value: Option<&Value>) -> bool {
    matches!(value, Some(Value::Bool(true))) || value.and_then(Value::as_str) == Some("true")
}

/// Who the user is, from the token answer and (where the dialect reads one) the user-info
/// answer: the standard dialect reads `id_claim` and the address claims of the user-info
/// answer; Weibo names the user in the token answer (`uid`); QQ in its `me` answer and
/// WeChat in the token answer (`unionid`, else `openid`).
pub fn identity_of(o: &OAuth2, token: &Value, info: &Value) -> Result<Upstream, Failure> {
    let sub = match o.dialect {
        Dialect::Standard | Dialect::Github => as_id(info.get(&o.id_claim)),
        Dialect::Weibo => as_id(token.get("uid")),
        Dialect::Qq => as_id(info.get("unionid")).or_else(|| as_id(info.get("openid"))),
        Dialect::Wechat => as_id(token.get("unionid")).or_else(|| as_id(token.get("openid"))),
    };
    let Some(sub) = sub else {
        return fail("no identity Passport can bind in the answer");
    };
    let verified_email = match (&o.email_claim, &o.email_verified_claim) {
        (Some(email), Some(proof)) if as_true(info.get(proof)) => {
            info.get(email).and_then(Value::as_str).map(str::to_owned)
        }
        _ => None,
    };
    Ok(Upstream {
        sub,
        verified_email,
    })
}

/// GitHub's primary address, where it is verified (`GET /user/emails`).
pub fn github_email(emails: &Value) -> Option<String> {
    emails.as_array()?.iter().find_map(|e| {
        (as_true(e.get("primary")) && as_true(e.get("verified")))
            .then(|| e.get("email")?.as_str().map(str::to_owned))
            .flatten()
    })
}

/// The providers' discovery documents and key sets, cached per instance, and the calls.
#[derive(Default)]
pub struct Upstreams {
    cache: std::sync::Mutex<std::collections::HashMap<String, (Instant, Discovered, ClientKeys)>>,
}

impl Upstreams {
    async fn fetch(call: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), Failure> {
        let answer = call
            .header(reqwest::header::USER_AGENT, USER_AGENT)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await?;
        let status = answer.status().as_u16();
        Ok((status, answer.bytes().await?.to_vec()))
    }

    async fn get_json(
        http: &reqwest::Client,
        url: &str,
        bearer: Option<&str>,
    ) -> Result<Value, Failure> {
        let mut call = http.get(url);
        if let Some(token) = bearer {
            call = call.bearer_auth(token);
        }
        let (status, body) = Self::fetch(call).await?;
        if !(200..300).contains(&status) {
            return fail(format!("{url}: {status}"));
        }
        Ok(serde_json::from_slice(&body)?)
    }

    /// An OpenID Connect provider's discovery document and keys.
    async fn discover(
        &self,
        http: &reqwest::Client,
        provider: &Provider,
        issuer: &str,
    ) -> Result<(Discovered, ClientKeys), Failure> {
        if let Some((at, d, keys)) = self.cache.lock().expect("lock").get(&provider.id) {
            if at.elapsed() < DISCOVERY_FOR {
                return Ok((d.clone(), keys.clone()));
            }
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let discovered: Discovered =
            serde_json::from_value(Self::get_json(http, &url, None).await?)?;
        // OpenID Connect Discovery §4.3: the document is the issuer's own.
        if discovered.issuer != issuer {
            return fail("the discovery document names another issuer");
        }
        let (status, jwks) = Self::fetch(http.get(&discovered.jwks_uri)).await?;
        if !(200..300).contains(&status) {
            return fail(format!("jwks: {status}"));
        }
        let keys = ClientKeys::published(&jwks)?;
        self.cache.lock().expect("lock").insert(
            provider.id.clone(),
            (Instant::now(), discovered.clone(), keys.clone()),
        );
        Ok((discovered, keys))
    }

    /// Where to send the browser to sign in at `provider`.
    pub async fn authorization_url(
        &self,
        http: &reqwest::Client,
        provider: &Provider,
        asked: &Asked<'_>,
    ) -> Result<String, Failure> {
        Ok(match &provider.protocol {
            Protocol::Oidc { issuer } => {
                let (d, _) = self.discover(http, provider, issuer).await?;
                authorization_url(provider, &d.authorization_endpoint, true, asked)
            }
            Protocol::OAuth2(o) => authorization_url(provider, &o.authorize_url, false, asked),
        })
    }

    async fn exchange(http: &reqwest::Client, call: &TokenCall) -> Result<Value, Failure> {
        let mut request = if call.get {
            http.get(&call.url).query(&call.params)
        } else {
            http.post(&call.url).form(&call.params)
        };
        if let Some((id, secret)) = &call.basic {
            request = request.basic_auth(id, Some(secret));
        }
        let (status, body) = Self::fetch(request).await?;
        token_answer(status, &body)
    }

    /// Who signed in at `provider`, given the `code` it sent back: the code exchanged with
    /// Passport's client `secret` there, then the ID token checked (OpenID Connect:
    /// signature, `iss`, `aud`, `exp`, `nonce`; the user-info endpoint asked for the address
    /// where the ID token has none) or the user-info endpoint read (OAuth 2.0).
    pub async fn identify(
        &self,
        http: &reqwest::Client,
        provider: &Provider,
        secret: &str,
        code: &str,
        redirect_uri: &str,
        login: (&str, &str),
    ) -> Result<Upstream, Failure> {
        let (nonce, verifier) = login;
        match &provider.protocol {
            Protocol::Oidc { issuer } => {
                let (d, keys) = self.discover(http, provider, issuer).await?;
                let call = token_call(
                    Dialect::Standard,
                    &d.token_endpoint,
                    &provider.client_id,
                    secret,
                    code,
                    redirect_uri,
                    verifier,
                );
                let tokens = Self::exchange(http, &call).await?;
                let Some(id_token) = tokens.get("id_token").and_then(Value::as_str) else {
                    return fail("no ID token");
                };
                let claims = keys.verify_id_token(
                    id_token,
                    issuer,
                    &provider.client_id,
                    passport_shared::now(),
                )?;
                if !claims
                    .get("nonce")
                    .and_then(Value::as_str)
                    .is_some_and(|n| crypto::same(n, nonce))
                {
                    return fail("the ID token's nonce is not the request's");
                }
                let Some(sub) = as_id(claims.get("sub")) else {
                    return fail("a sub Passport cannot bind");
                };
                let mut claims = claims;
                // Core §5.4: the address may be at the user-info endpoint only; its answer
                // counts only for the same `sub` (§5.3.2).
                if claims.get("email").is_none() {
                    if let (Some(url), Some(token)) = (
                        &d.userinfo_endpoint,
                        tokens.get("access_token").and_then(Value::as_str),
                    ) {
                        let info = Self::get_json(http, url, Some(token)).await?;
                        if as_id(info.get("sub")).as_deref() != Some(sub.as_str()) {
                            return fail("the user-info answer is about another sub");
                        }
                        claims = info;
                    }
                }
                let verified_email = as_true(claims.get("email_verified"))
                    .then(|| claims.get("email")?.as_str().map(str::to_owned))
                    .flatten();
                Ok(Upstream {
                    sub,
                    verified_email,
                })
            }
            Protocol::OAuth2(o) => {
                let call = token_call(
                    o.dialect,
                    &o.token_url,
                    &provider.client_id,
                    secret,
                    code,
                    redirect_uri,
                    verifier,
                );
                let tokens = Self::exchange(http, &call).await?;
                let token = tokens["access_token"].as_str().unwrap_or_default();
                let info = match o.dialect {
                    // Weibo and WeChat name the user in the token answer.
                    Dialect::Weibo | Dialect::Wechat => Value::Null,
                    Dialect::Qq => {
                        let url = with_query(
                            &o.userinfo_url,
                            &[("access_token", token), ("fmt", "json"), ("unionid", "1")],
                        );
                        let me = Self::get_json(http, &url, None).await?;
                        if me.get("client_id").and_then(Value::as_str)
                            != Some(provider.client_id.as_str())
                        {
                            return fail("QQ's answer is about another app");
                        }
                        me
                    }
                    Dialect::Standard | Dialect::Github => {
                        Self::get_json(http, &o.userinfo_url, Some(token)).await?
                    }
                };
                let mut upstream = identity_of(o, &tokens, &info)?;
                if o.dialect == Dialect::Github {
                    let url = format!("{}/emails", o.userinfo_url.trim_end_matches('/'));
                    // Without the user:email scope there is no list: no address, no failure.
                    upstream.verified_email = Self::get_json(http, &url, Some(token))
                        .await
                        .ok()
                        .as_ref()
                        .and_then(github_email);
                }
                Ok(upstream)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use passport_shared::storage::providers::presets;
    use serde_json::json;

    fn preset(id: &str) -> Provider {
        let p = presets().into_iter().find(|p| p.id == id).unwrap();
        Provider {
            id: p.id.to_owned(),
            name: p.name.to_owned(),
            protocol: p.protocol,
            client_id: "app-1".to_owned(),
            secret_arn: "arn".to_owned(),
            scopes: p.scopes.iter().map(|s| (*s).to_owned()).collect(),
            created_at: 0,
        }
    }

    fn o(p: &Provider) -> &OAuth2 {
        match &p.protocol {
            Protocol::OAuth2(o) => o,
            Protocol::Oidc { .. } => panic!("not OAuth 2.0"),
        }
    }

    const ASKED: Asked<'static> = Asked {
        redirect_uri: "https://id.example/oauth2/upstream/callback",
        state: "st",
        nonce: "no",
        challenge: "ch",
    };

    fn url_of(id: &str) -> String {
        let p = preset(id);
        authorization_url(&p, &o(&p).authorize_url, false, &ASKED)
    }

    #[test]
    fn wechat_asks_by_appid_in_its_order_and_ends_with_its_fragment() {
        assert_eq!(
            url_of("wechat"),
            "https://open.weixin.qq.com/connect/qrconnect?appid=app-1&redirect_uri=https%3A%2F%2Fid.example%2Foauth2%2Fupstream%2Fcallback&response_type=code&scope=snsapi_login&state=st#wechat_redirect"
        );
    }

    #[test]
    fn standard_and_github_ask_with_pkce_the_chinese_providers_without() {
        assert!(url_of("github").contains("&code_challenge=ch&code_challenge_method=S256"));
        for id in ["weibo", "qq", "wechat"] {
            assert!(!url_of(id).contains("code_challenge"), "{id}");
        }
        assert!(url_of("qq").starts_with(
            "https://graph.qq.com/oauth2.0/authorize?response_type=code&client_id=app-1&"
        ));
        assert!(url_of("qq").contains("&scope=get_user_info"));
        // An OpenID Connect provider gets the nonce too.
        let google = preset("google");
        let url = authorization_url(
            &google,
            "https://accounts.google.com/o/oauth2/v2/auth",
            true,
            &ASKED,
        );
        assert!(
            url.contains("&scope=openid+email+profile&nonce=no&code_challenge=ch"),
            "{url}"
        );
    }

    #[test]
    fn each_dialect_calls_its_token_endpoint_its_way() {
        let call = |d| {
            token_call(
                d,
                "https://t.example/token",
                "id:1",
                "s&cret",
                "c",
                "r",
                "v",
            )
        };
        let standard = call(Dialect::Standard);
        assert!(!standard.get);
        assert_eq!(
            standard.basic,
            Some(("id%3A1".to_owned(), "s%26cret".to_owned()))
        );
        assert!(!standard.params.iter().any(|(k, _)| k.contains("secret")));
        let github = call(Dialect::Github);
        assert_eq!(github.basic, None);
        assert!(github
            .params
            .contains(&("client_secret", "s&cret".to_owned())));
        let qq = call(Dialect::Qq);
        assert!(qq.get && qq.params.contains(&("fmt", "json".to_owned())));
        let wechat = call(Dialect::Wechat);
        assert!(wechat.get);
        assert_eq!(
            wechat.params.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            ["appid", "secret", "code", "grant_type"]
        );
    }

    #[test]
    fn refusals_are_read_in_every_dialect_even_with_status_200() {
        // GitHub: 200 with an RFC 6749 error.
        assert!(token_answer(200, br#"{"error":"bad_verification_code"}"#).is_err());
        // Weibo's error answer.
        assert!(token_answer(400, br#"{"error":"invalid_grant","error_code":21325}"#).is_err());
        // QQ with fmt=json.
        assert!(token_answer(
            200,
            br#"{"error":100019,"error_description":"code to access token error"}"#
        )
        .is_err());
        // WeChat.
        assert!(token_answer(200, br#"{"errcode":40029,"errmsg":"invalid code"}"#).is_err());
        assert!(token_answer(200, b"access_token=x&expires_in=3600").is_err());
        assert!(token_answer(200, br#"{"token_type":"bearer"}"#).is_err());
        let ok = token_answer(200, br#"{"access_token":"at","errcode":0}"#).unwrap();
        assert_eq!(ok["access_token"], "at");
    }

    #[test]
    fn the_identity_is_where_each_provider_puts_it() {
        // GitHub's /user: a numeric id; its address is not taken from there.
        let github = preset("github");
        let who = identity_of(
            o(&github),
            &json!({"access_token": "at"}),
            &json!({"id": 583231, "login": "octocat", "email": "octocat@github.com"}),
        )
        .unwrap();
        assert_eq!(
            who,
            Upstream {
                sub: "583231".into(),
                verified_email: None
            }
        );
        assert_eq!(
            github_email(&json!([
                {"email": "old@example.com", "primary": false, "verified": true},
                {"email": "octocat@github.com", "primary": true, "verified": true}
            ])),
            Some("octocat@github.com".into())
        );
        assert_eq!(
            github_email(&json!([{"email": "x@example.com", "primary": true, "verified": false}])),
            None
        );
        // Weibo: the token answer's uid.
        let weibo = preset("weibo");
        let token = json!({"access_token": "at", "expires_in": 1234, "uid": "12341234"});
        assert_eq!(
            identity_of(o(&weibo), &token, &Value::Null).unwrap().sub,
            "12341234"
        );
        // QQ: its me answer, the unionid where there is one.
        let qq = preset("qq");
        let me = json!({"client_id": "app-1", "openid": "OPENID", "unionid": "UNIONID"});
        assert_eq!(identity_of(o(&qq), &json!({}), &me).unwrap().sub, "UNIONID");
        let me = json!({"client_id": "app-1", "openid": "OPENID"});
        assert_eq!(identity_of(o(&qq), &json!({}), &me).unwrap().sub, "OPENID");
        // WeChat: the token answer's unionid.
        let wechat = preset("wechat");
        let token = json!({"access_token": "at", "openid": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL"});
        assert_eq!(
            identity_of(o(&wechat), &token, &Value::Null).unwrap().sub,
            "o6_bmasdasdsad6_2sgVt7hMZOPfL"
        );
        // Nothing to bind.
        assert!(identity_of(o(&wechat), &json!({"access_token": "at"}), &Value::Null).is_err());
    }

    #[test]
    fn a_generic_provider_maps_its_claims_and_trusts_only_a_proven_address() {
        let generic = OAuth2 {
            dialect: Dialect::Standard,
            authorize_url: "https://op.example/auth".into(),
            token_url: "https://op.example/token".into(),
            userinfo_url: "https://op.example/me".into(),
            id_claim: "user_id".into(),
            email_claim: Some("mail".into()),
            email_verified_claim: Some("mail_ok".into()),
        };
        let info = |ok: Value| json!({"user_id": "u-7", "mail": "u7@op.example", "mail_ok": ok});
        let who = identity_of(&generic, &json!({}), &info(json!(true))).unwrap();
        assert_eq!(who.verified_email.as_deref(), Some("u7@op.example"));
        for unproven in [json!(false), json!("false"), Value::Null] {
            let who = identity_of(&generic, &json!({}), &info(unproven)).unwrap();
            assert_eq!(who.verified_email, None);
        }
        assert!(identity_of(&generic, &json!({}), &json!({"user_id": ""})).is_err());
        assert!(identity_of(&generic, &json!({}), &json!({"user_id": 1.5})).is_err());
    }
}
