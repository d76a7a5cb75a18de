//! OpenID Connect's view of an account: the scopes, the `sub` a client sees, the standard
//! claims released by scope (OIDC Core §5.1, §5.4), and the ID token (§2, §3.1.3.6). The
//! token endpoint signs ID tokens with these; the userinfo endpoint answers these claims.

use passport_shared::domain::Gender;
use passport_shared::storage::clients::{Client, SubjectType};
use passport_shared::storage::users::User;
use passport_shared::token::{openid, SigningKeys};
use serde_json::{json, Map, Value};

/// The scopes of OpenID Connect: `openid` asks for an ID token, the others for claims.
/// Every client of the code flow may ask for them (the user consents to each); a client's
/// registered scopes are Passport's own API scopes.
pub const SCOPES: [&str; 5] = ["openid", "profile", "email", "phone", "address"];

/// The claims Passport answers (discovery's `claims_supported`).
pub const CLAIMS: [&str; 22] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "azp",
    "amr",
    "name",
    "nickname",
    "preferred_username",
    "picture",
    "gender",
    "birthdate",
    "updated_at",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "address",
];

/// How long an ID token is valid (it is checked once, at sign-in).
pub const ID_TOKEN_SECONDS: i64 = 600;

/// Whether `scope` (space-separated) asks for OpenID Connect.
pub fn is_openid(scope: &str) -> bool {
    scope.split(' ').any(|s| s == "openid")
}

/// The `sub` `client` sees for `uid`: the uid (public), or the client's own `openid` for
/// the user (pairwise), the same value `/api/personal/info` answers as `openid`.
pub fn subject(keys: &SigningKeys, client: &Client, uid: u64) -> String {
    match client.subject_type {
        SubjectType::Public => uid.to_string(),
        SubjectType::Pairwise => openid(keys, &client.id, uid),
    }
}

/// The scope whose consent releases a standard claim (Core §5.4).
pub fn scope_of(claim: &str) -> Option<&'static str> {
    Some(match claim {
        "name" | "nickname" | "preferred_username" | "picture" | "gender" | "birthdate"
        | "updated_at" => "profile",
        "email" | "email_verified" => "email",
        "phone_number" | "phone_number_verified" => "phone",
        "address" => "address",
        _ => return None,
    })
}

/// The `claims` request parameter (Core §5.5): the standard claims asked for in the ID
/// token and at userinfo. Each is released only with the consent of its scope, which the
/// request then asks for too ([`ClaimsRequest::scopes`]); `essential`, `value` and
/// `values` are taken as the hints §5.5.1 lets them be. Claims Passport does not know are
/// ignored (§5.5.1 too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimsRequest {
    pub id_token: Vec<String>,
    pub userinfo: Vec<String>,
}

impl ClaimsRequest {
    /// Parses the parameter: a JSON object whose `id_token` and `userinfo` members, where
    /// present, are objects of claim name to `null` or an object.
    pub fn parse(raw: &str) -> Option<ClaimsRequest> {
        let Value::Object(request) = serde_json::from_str::<Value>(raw).ok()? else {
            return None;
        };
        let names = |member: &str| -> Option<Vec<String>> {
            match request.get(member) {
                None | Some(Value::Null) => Some(Vec::new()),
                Some(Value::Object(asked)) => {
                    if asked.values().any(|v| !(v.is_null() || v.is_object())) {
                        return None;
                    }
                    Some(
                        asked
                            .keys()
                            .filter(|claim| scope_of(claim).is_some())
                            .cloned()
                            .collect(),
                    )
                }
                Some(_) => None,
            }
        };
        Some(ClaimsRequest {
            id_token: names("id_token")?,
            userinfo: names("userinfo")?,
        })
    }

    /// The scopes whose consent the asked-for claims need.
    pub fn scopes(&self) -> Vec<&'static str> {
        let mut scopes: Vec<&'static str> = Vec::new();
        for claim in self.id_token.iter().chain(&self.userinfo) {
            if let Some(scope) = scope_of(claim).filter(|s| !scopes.contains(s)) {
                scopes.push(scope);
            }
        }
        scopes
    }
}

/// The standard claims of `user` that `scope` releases; `picture` is the avatar as the
/// caller can show it (a stored picture needs a presigned URL).
pub fn claims(user: &User, scope: &str, picture: Option<String>) -> Map<String, Value> {
    let scopes: Vec<&str> = scope.split(' ').collect();
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_owned(), v);
    };
    if scopes.contains(&"profile") {
        let nickname = user
            .nickname
            .clone()
            .unwrap_or_else(|| user.username.clone());
        put("name", json!(nickname));
        put("nickname", json!(nickname));
        put("preferred_username", json!(user.username));
        if let Some(picture) = picture.filter(|p| !p.is_empty()) {
            put("picture", json!(picture));
        }
        match Gender::from_number(user.gender) {
            Gender::Female => put("gender", json!("female")),
            Gender::Male => put("gender", json!("male")),
            Gender::Secret => {}
        }
        if let Some(birthday) = user.birthday.as_deref().filter(|b| !b.is_empty()) {
            put("birthdate", json!(birthday));
        }
        put("updated_at", json!(user.updated_at));
    }
    if scopes.contains(&"email") {
        if let Some(email) = &user.email {
            put("email", json!(email));
            put("email_verified", json!(user.email_verified));
        }
    }
    if scopes.contains(&"phone") {
        if let Some(phone) = &user.phone {
            let number = match user.area.as_deref().filter(|a| !a.is_empty()) {
                Some(area) => format!("+{area}{phone}"),
                None => phone.clone(),
            };
            put("phone_number", json!(number));
            put("phone_number_verified", json!(user.phone_verified));
        }
    }
    if scopes.contains(&"address") {
        if let Some(address) = user.address.as_deref().filter(|a| !a.is_empty()) {
            put("address", json!({ "formatted": address }));
        }
    }
    out
}

/// What an ID token says beyond who and for whom.
#[derive(Debug, Clone)]
pub struct Authentication {
    /// When the user signed in (seconds), where it is known.
    pub auth_time: Option<i64>,
    /// The authorization request's `nonce`.
    pub nonce: Option<String>,
    /// How: `pwd` for a password (RFC 8176).
    pub amr: Vec<String>,
    /// The browser session signed in with (the hosted pages), for logout.
    pub sid: Option<String>,
    /// The user's standard claims the ID token carries: those the `claims` parameter asked
    /// for, of the scopes consented to ([`ClaimsRequest`]).
    pub claims: Map<String, Value>,
}

/// The ID token of a code exchange: `client` is its audience and authorized party, its
/// signature the client's registered algorithm; `None` when this deployment has no key for
/// that algorithm (an operator who registered an RS256 client without an RSA key).
pub fn id_token(
    keys: &SigningKeys,
    issuer: &str,
    client: &Client,
    uid: u64,
    how: &Authentication,
    access_token: &str,
    now: i64,
) -> Option<String> {
    let alg = client.id_token_alg;
    let mut claims = json!({
        "iss": issuer,
        "sub": subject(keys, client, uid),
        "aud": client.id,
        "azp": client.id,
        "exp": now + ID_TOKEN_SECONDS,
        "iat": now,
        "amr": how.amr,
        "at_hash": alg.half_hash(access_token),
    });
    if let Some(at) = how.auth_time {
        claims["auth_time"] = json!(at);
    }
    if let Some(nonce) = &how.nonce {
        claims["nonce"] = json!(nonce);
    }
    if let Some(sid) = &how.sid {
        claims["sid"] = json!(sid);
    }
    if let Value::Object(all) = &mut claims {
        for (name, value) in &how.claims {
            all.entry(name.clone()).or_insert(value.clone());
        }
    }
    keys.sign_id_token(&claims, alg)
}

/// Seconds a logout token is good for.
const LOGOUT_TOKEN_SECONDS: i64 = 120;

/// The logout token (OpenID Connect Back-Channel Logout 1.0 §2.4) that tells `client` the
/// browser session `sid` of `uid` ended: `typ` logout+jwt, the `sub` and `sid` its ID
/// tokens carried, the back-channel logout event, no `nonce`; signed as its ID tokens are.
pub fn logout_token(
    keys: &SigningKeys,
    issuer: &str,
    client: &Client,
    uid: u64,
    sid: &str,
    now: i64,
) -> Option<String> {
    let claims = json!({
        "iss": issuer,
        "aud": client.id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_SECONDS,
        "jti": passport_shared::crypto::random_hex(16),
        "sub": subject(keys, client, uid),
        "sid": sid,
        "events": { "http://schemas.openid.net/event/backchannel-logout": {} },
    });
    keys.sign_as("logout+jwt", &claims, client.id_token_alg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use passport_shared::storage::clients::{IdTokenAlg, Registration};
    use std::collections::BTreeMap;

    fn user() -> User {
        User {
            uid: 10_001,
            username: "li_lei".into(),
            email: Some("li@example.com".into()),
            area: Some("86".into()),
            phone: Some("13800138000".into()),
            email_verified: true,
            phone_verified: false,
            password_hash: "not shown".into(),
            created_at: 1,
            updated_at: 1_700_000_000,
            nickname: Some("Lei".into()),
            avatar: None,
            gender: 1,
            birthday: Some("1991-03-08".into()),
            address: Some("上海".into()),
            detail: BTreeMap::new(),
            sns: BTreeMap::new(),
            version: 1,
            role: None,
            disabled: false,
        }
    }

    fn client(subject_type: SubjectType) -> Client {
        Client::register(
            Registration {
                name: "App".into(),
                subject_type,
                ..Registration::default()
            },
            0,
        )
        .unwrap()
        .0
    }

    #[test]
    fn claims_are_released_by_scope_only() {
        let u = user();
        assert!(claims(&u, "openid", None).is_empty());
        let profile = claims(&u, "openid profile", Some("https://cdn/a.png".into()));
        assert_eq!(profile["name"], "Lei");
        assert_eq!(profile["preferred_username"], "li_lei");
        assert_eq!(profile["gender"], "male");
        assert_eq!(profile["birthdate"], "1991-03-08");
        assert_eq!(profile["picture"], "https://cdn/a.png");
        assert!(!profile.contains_key("email"));
        let contact = claims(&u, "openid email phone address", None);
        assert_eq!(contact["email"], "li@example.com");
        assert_eq!(contact["email_verified"], true);
        assert_eq!(contact["phone_number"], "+8613800138000");
        assert_eq!(contact["phone_number_verified"], false);
        assert_eq!(contact["address"]["formatted"], "上海");
        assert!(!contact.contains_key("name"));
    }

    #[test]
    fn pairwise_subjects_differ_per_client_and_public_ones_are_the_uid() {
        let keys = SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap();
        let (a, b) = (client(SubjectType::Pairwise), client(SubjectType::Pairwise));
        assert_ne!(subject(&keys, &a, 10_001), subject(&keys, &b, 10_001));
        assert_eq!(subject(&keys, &a, 10_001), openid(&keys, &a.id, 10_001));
        assert_eq!(
            subject(&keys, &client(SubjectType::Public), 10_001),
            "10001"
        );
    }

    #[test]
    fn the_claims_parameter_names_known_claims_and_the_scopes_they_need() {
        let asked = ClaimsRequest::parse(
            r#"{"id_token":{"email":{"essential":true},"acr":null},
                "userinfo":{"phone_number":null,"nickname":{"essential":true}}}"#,
        )
        .unwrap();
        assert_eq!(
            asked.id_token,
            ["email"],
            "acr is not a claim Passport answers"
        );
        assert_eq!(asked.userinfo.len(), 2);
        let mut scopes = asked.scopes();
        scopes.sort_unstable();
        assert_eq!(scopes, ["email", "phone", "profile"]);
        assert_eq!(ClaimsRequest::parse("{}"), Some(ClaimsRequest::default()));
        for bad in [
            "[]",
            "not json",
            r#"{"id_token":[]}"#,
            r#"{"userinfo":{"email":true}}"#,
        ] {
            assert_eq!(ClaimsRequest::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_id_token_names_its_client_nonce_and_access_token() {
        let keys = SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap();
        let mut c = client(SubjectType::Public);
        let how = Authentication {
            auth_time: Some(100),
            nonce: Some("n-1".into()),
            amr: vec!["pwd".into()],
            sid: Some("sid-1".into()),
            claims: Map::from_iter([
                ("email".to_owned(), json!("li@example.com")),
                ("aud".to_owned(), json!("not-this")),
            ]),
        };
        // No RSA key: an RS256 client gets none.
        assert!(id_token(&keys, "https://p.test", &c, 1, &how, "at", 200).is_none());
        c.id_token_alg = IdTokenAlg::EdDsa;
        let token = id_token(&keys, "https://p.test", &c, 1, &how, "at", 200).unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let payload: Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            payload["aud"],
            c.id.as_str(),
            "a released claim never overrides"
        );
        assert_eq!(payload["email"], "li@example.com");
        assert_eq!(payload["azp"], c.id.as_str());
        assert_eq!(payload["nonce"], "n-1");
        assert_eq!(payload["auth_time"], 100);
        assert_eq!(payload["exp"], 200 + ID_TOKEN_SECONDS);
        assert_eq!(payload["at_hash"], IdTokenAlg::EdDsa.half_hash("at"));
        assert_eq!(payload["sid"], "sid-1");
    }

    #[test]
    fn a_logout_token_names_the_session_and_the_event_and_no_nonce() {
        let keys = SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap();
        let mut c = client(SubjectType::Pairwise);
        c.id_token_alg = IdTokenAlg::EdDsa;
        let token = logout_token(&keys, "https://p.test", &c, 7, "sid-1", 100).unwrap();
        let header: Value = serde_json::from_slice(
            &base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                token.split('.').next().unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(header["typ"], "logout+jwt");
        let claims = keys.verify_id_token(&token, "https://p.test");
        assert_eq!(claims, None, "a logout token is no id_token_hint");
        let payload: Value = serde_json::from_slice(
            &base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                token.split('.').nth(1).unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(payload["sid"], "sid-1");
        assert_eq!(payload["sub"], subject(&keys, &c, 7).as_str());
        assert_eq!(payload["aud"], c.id.as_str());
        assert!(payload["events"]
            .get("http://schemas.openid.net/event/backchannel-logout")
            .is_some());
        assert!(payload.get("nonce").is_none());
        assert_eq!(payload["exp"], 100 + LOGOUT_TOKEN_SECONDS);
    }
}
