//! Access tokens: JWTs signed with the platform's Ed25519 key.
//!
//! The JWT profile of RFC 9068: header `typ: at+jwt`; claims `iss` (the configured issuer,
//! [`crate::issuer`]), `aud` (the same URL: Passport's API is the resource), `sub` (the
//! uid; `0` for a client's own client-credentials token), `client_id` (the client the token
//! was issued to), `scope`, `jti`, `iat`, `exp`. A check verifies the signature and expiry first, so a
//! forged token never reaches DynamoDB; then the sessions store reads the token's
//! record, so that logout, revoke and password changes take effect at once.
//!
//! The signing key is an Ed25519 private key in PKCS#8 PEM (`JWT_PRIVATE_KEY`). The key that
//! HMACs short codes is derived from it, so one secret is all an operator manages. The same
//! secret may hold an RSA private key too (a second PEM block): OpenID Connect ID tokens are
//! signed RS256 with it for the relying parties that accept nothing else (OIDC Core §15.1),
//! EdDSA with the Ed25519 key for those that registered it ([`IdTokenAlg`]).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

/// The media type of an access token (RFC 9068 §2.1): its header's `typ`.
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// Why a presented token is not a live access token of this deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token we signed for this issuer (or not an access token).
    #[error("the token is not valid")]
    Invalid,
    /// Ours, but past its `exp`.
    #[error("the token has expired")]
    Expired,
    /// This process does not know its issuer yet (no ISSUER_URL, no request seen).
    #[error("the issuer is not known: set ISSUER_URL")]
    IssuerUnknown,
}

/// The issuer and audience of this deployment's access tokens ([`crate::issuer`]): Passport's
/// own API is the resource they are for. Known from the first request on.
pub fn issuer() -> Result<&'static str, TokenError> {
    crate::issuer::current().ok_or(TokenError::IssuerUnknown)
}
/// The client id of Passport's own sign-in (the v2 and center routes).
pub const FIRST_PARTY_CLIENT: &str = "passport";

/// The client id of the operator console, a public client built in to every deployment
/// (its one redirect URI is the issuer's `/console/callback`).
pub const CONSOLE_CLIENT: &str = "passport-console";

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    pub scope: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn uid(&self) -> Result<u64, TokenError> {
        self.sub.parse().map_err(|_| TokenError::Invalid)
    }
}

/// What an ID token is signed with: a client's registered `id_token_signed_response_alg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTokenAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256: OpenID Connect's default and the one every relying
    /// party accepts.
    Rs256,
    /// Ed25519.
    EdDsa,
}

impl IdTokenAlg {
    pub fn parse(raw: &str) -> Option<IdTokenAlg> {
        match raw {
            "RS256" => Some(IdTokenAlg::Rs256),
            "EdDSA" => Some(IdTokenAlg::EdDsa),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenAlg::Rs256 => "RS256",
            IdTokenAlg::EdDsa => "EdDSA",
        }
    }

    /// The left half of `value`'s hash under this algorithm's hash, base64url: `at_hash`
    /// (OIDC Core §3.1.3.6; SHA-512 for Ed25519).
    pub fn half_hash(self, value: &str) -> String {
        use sha2::Digest;
        let digest: Vec<u8> = match self {
            IdTokenAlg::Rs256 => sha2::Sha256::digest(value.as_bytes()).to_vec(),
            IdTokenAlg::EdDsa => sha2::Sha512::digest(value.as_bytes()).to_vec(),
        };
        URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
    }
}

/// The RSA key that signs RS256 ID tokens.
struct RsaKey {
    pair: ring::signature::RsaKeyPair,
    n: Vec<u8>,
    e: Vec<u8>,
    kid: String,
}

/// The platform's signing keys and what is derived from them.
pub struct SigningKeys {
    /// The Ed25519 key, expanded once (jsonwebtoken's `EncodingKey` derives the public key
    /// again on every signature: a third of a sign's time).
    ed: ring::signature::Ed25519KeyPair,
    decoding: DecodingKey,
    public: [u8; 32],
    kid: String,
    code_key: [u8; 32],
    rsa: Option<RsaKey>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "JWT_PRIVATE_KEY is not an Ed25519 private key in PKCS#8 PEM (with at most one RSA private \
     key beside it)"
)]
pub struct KeyError;

/// The compact serialization of a JWS (RFC 7515 §7.1): `header` and `claims` in
/// base64url JSON, and what `sign` makes of the two; `None` when it fails.
fn compact(
    header: &serde_json::Value,
    claims: &impl Serialize,
    sign: impl FnOnce(&[u8]) -> Option<Vec<u8>>,
) -> Option<String> {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).ok()?)
    );
    let signature = sign(input.as_bytes())?;
    Some(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// The PEM blocks of `text`: (label, DER).
fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>, KeyError> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let label_end = after.find("-----").ok_or(KeyError)?;
        let label = after[..label_end].to_owned();
        let body_start = label_end + "-----".len();
        let end_marker = format!("-----END {label}-----");
        let body_end = after.find(&end_marker).ok_or(KeyError)?;
        let body: String = after[body_start..body_end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| KeyError)?;
        blocks.push((label, der));
        rest = &after[body_end + end_marker.len()..];
    }
    Ok(blocks)
}

fn rsa_key(label: &str, der: &[u8]) -> Option<RsaKey> {
    let pair = match label {
        "PRIVATE KEY" => ring::signature::RsaKeyPair::from_pkcs8(der).ok()?,
        "RSA PRIVATE KEY" => ring::signature::RsaKeyPair::from_der(der).ok()?,
        _ => return None,
    };
    let ring::rsa::PublicKeyComponents { n, e } =
        ring::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public());
    let kid = crate::crypto::sha256_hex(&URL_SAFE_NO_PAD.encode(&n))[..16].to_owned();
    Some(RsaKey { pair, n, e, kid })
}

impl SigningKeys {
    pub fn from_pem(pem: &str) -> Result<SigningKeys, KeyError> {
        let mut signing = None;
        let mut rsa = None;
        for (label, der) in pem_blocks(pem)? {
            if label == "PRIVATE KEY" {
                if let Ok(key) = SigningKey::from_pkcs8_der(&der) {
                    if signing.replace(key).is_some() {
                        return Err(KeyError);
                    }
                    continue;
                }
            }
            match rsa_key(&label, &der) {
                Some(key) if rsa.is_none() => rsa = Some(key),
                _ => return Err(KeyError),
            }
        }
        let signing = signing.ok_or(KeyError)?;
        let public = signing.verifying_key().to_bytes();
        let kid = crate::crypto::sha256_hex(&URL_SAFE_NO_PAD.encode(public))[..16].to_owned();
        let code_key_hex = crate::crypto::hmac_hex(&signing.to_bytes(), &["passport code hmac v1"]);
        let mut code_key = [0u8; 32];
        for (i, byte) in code_key.iter_mut().enumerate() {
            *byte =
                u8::from_str_radix(&code_key_hex[i * 2..i * 2 + 2], 16).map_err(|_| KeyError)?;
        }
        let ed =
            ring::signature::Ed25519KeyPair::from_seed_and_public_key(&signing.to_bytes(), &public)
                .map_err(|_| KeyError)?;
        Ok(SigningKeys {
            ed,
            decoding: DecodingKey::from_ed_der(&public),
            public,
            kid,
            code_key,
            rsa,
        })
    }

    /// The ID token algorithms this deployment can sign with (RS256 needs the RSA key).
    pub fn id_token_algs(&self) -> Vec<IdTokenAlg> {
        let mut algs = Vec::new();
        if self.rsa.is_some() {
            algs.push(IdTokenAlg::Rs256);
        }
        algs.push(IdTokenAlg::EdDsa);
        algs
    }

    /// An ID token (a JWT of `typ` JWT) with `claims`, signed as `alg` asks; `None` when
    /// this deployment has no key for it.
    pub fn sign_id_token(&self, claims: &serde_json::Value, alg: IdTokenAlg) -> Option<String> {
        self.sign_as("JWT", claims, alg)
    }

    /// A JWT of type `typ` (an ID token's `JWT`, a logout token's `logout+jwt`) with
    /// `claims`, signed as `alg` asks; `None` when this deployment has no key for it.
    pub fn sign_as(
        &self,
        typ: &str,
        claims: &serde_json::Value,
        alg: IdTokenAlg,
    ) -> Option<String> {
        match alg {
            IdTokenAlg::EdDsa => Some(self.sign_ed(typ, claims)),
            IdTokenAlg::Rs256 => {
                let key = self.rsa.as_ref()?;
                let header = serde_json::json!({"alg": "RS256", "typ": typ, "kid": key.kid});
                compact(&header, claims, |input| {
                    let mut signature = vec![0; key.pair.public().modulus_len()];
                    key.pair
                        .sign(
                            &ring::signature::RSA_PKCS1_SHA256,
                            &ring::rand::SystemRandom::new(),
                            input,
                            &mut signature,
                        )
                        .ok()?;
                    Some(signature)
                })
            }
        }
    }

    /// A new RSA key (2048 bits) in PKCS#8 PEM, to put beside [`SigningKeys::generate_pem`]'s
    /// in the local stack.
    #[cfg(feature = "keygen")]
    pub fn generate_rsa_pem() -> String {
        use rsa::pkcs8::EncodePrivateKey;
        let key =
            rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key generation");
        key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .expect("PEM encoding of a fresh RSA key")
            .to_string()
    }

    /// The key of `JWT_PRIVATE_KEY`.
    pub fn from_config(config: &crate::config::Config) -> Result<SigningKeys, KeyError> {
        SigningKeys::from_pem(config.jwt_private_key.as_deref().ok_or(KeyError)?)
    }

    /// A new key in PKCS#8 PEM, for the local stack and tests (production keys are made by
    /// the operator, see README).
    pub fn generate_pem() -> String {
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
        SigningKey::from_bytes(&seed)
            .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .expect("PEM encoding of a fresh key")
            .to_string()
    }

    /// The key that HMACs verification codes and captcha answers.
    pub fn code_key(&self) -> &[u8] {
        &self.code_key
    }

    /// The public keys as JWKs (the JWKS document's `keys`): Ed25519, and RSA when there
    /// is one.
    pub fn jwks(&self) -> Vec<serde_json::Value> {
        let mut keys = vec![serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA",
            "kid": self.kid, "x": URL_SAFE_NO_PAD.encode(self.public),
        })];
        if let Some(rsa) = &self.rsa {
            keys.push(serde_json::json!({
                "kty": "RSA", "use": "sig", "alg": "RS256", "kid": rsa.kid,
                "n": URL_SAFE_NO_PAD.encode(&rsa.n), "e": URL_SAFE_NO_PAD.encode(&rsa.e),
            }));
        }
        keys
    }

    /// An access token with `claims` (RFC 9068: `typ` at+jwt).
    pub fn sign(&self, claims: &Claims) -> String {
        self.sign_ed(ACCESS_TOKEN_TYPE, claims)
    }

    /// A JWT of type `typ` with `claims`, signed EdDSA by the Ed25519 key.
    fn sign_ed(&self, typ: &str, claims: &impl Serialize) -> String {
        let header = serde_json::json!({"alg": "EdDSA", "typ": typ, "kid": self.kid});
        compact(&header, claims, |input| {
            Some(self.ed.sign(input).as_ref().to_vec())
        })
        .expect("EdDSA signing cannot fail")
    }

    /// The claims of an ID token this deployment signed for `issuer` (either key, expired
    /// or not): what RP-initiated logout takes as `id_token_hint`. `None` for anything else.
    pub fn verify_id_token(&self, token: &str, issuer: &str) -> Option<serde_json::Value> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.typ.as_deref() != Some("JWT") {
            return None;
        }
        let rsa;
        let (alg, key) = match header.alg {
            Algorithm::EdDSA => (Algorithm::EdDSA, &self.decoding),
            Algorithm::RS256 => {
                let key = self.rsa.as_ref()?;
                rsa = DecodingKey::from_rsa_raw_components(&key.n, &key.e);
                (Algorithm::RS256, &rsa)
            }
            _ => return None,
        };
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[issuer]);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["iss", "aud", "sub"]);
        jsonwebtoken::decode::<serde_json::Value>(token, key, &validation)
            .ok()
            .map(|data| data.claims)
    }

    /// Verifies type, signature, issuer, audience and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(ACCESS_TOKEN_TYPE))
        {
            return Err(TokenError::Invalid);
        }
        let issuer = issuer()?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

/// A user's `openid` for a client: stable for the pair, different for every client, and
/// revealing nothing of the uid (an HMAC under the platform key).
pub fn openid(keys: &SigningKeys, client_id: &str, uid: u64) -> String {
    crate::crypto::hmac_hex(keys.code_key(), &["openid", client_id, &uid.to_string()])[..40]
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_ISSUER: &str = "https://passport.test";

    fn claims(exp_from_now: i64) -> Claims {
        crate::issuer::configure(Some(TEST_ISSUER), None);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Claims {
            iss: TEST_ISSUER.into(),
            sub: "10001".into(),
            aud: TEST_ISSUER.into(),
            client_id: FIRST_PARTY_CLIENT.into(),
            scope: "all".into(),
            jti: "j1".into(),
            iat: now,
            exp: now + exp_from_now,
        }
    }

    #[test]
    fn a_signed_token_verifies_with_its_key_only() {
        let keys = SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap();
        let token = keys.sign(&claims(60));
        assert_eq!(keys.verify(&token).unwrap(), claims(60));
        let other = SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap();
        assert_eq!(other.verify(&token).unwrap_err(), TokenError::Invalid);
    }

    #[test]
    fn expired_and_tampered_tokens_are_refused() {
        let keys = SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap();
        assert_eq!(
            keys.verify(&keys.sign(&claims(-5))).unwrap_err(),
            TokenError::Expired
        );
        let token = keys.sign(&claims(60));
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"iss":"https://passport.test","sub":"1","aud":"https://passport.test","client_id":"x","scope":"all","jti":"j","iat":0,"exp":99999999999}"#);
        parts[1] = &forged;
        assert_eq!(
            keys.verify(&parts.join(".")).unwrap_err(),
            TokenError::Invalid
        );
        assert_eq!(keys.verify("not.a.jwt").unwrap_err(), TokenError::Invalid);
    }

    #[test]
    fn tokens_follow_rfc_9068_and_others_are_refused() {
        let keys = SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap();
        let token = keys.sign(&claims(60));
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
        // Another issuer, another audience, or a JWT of another type: not our access token.
        let mut other_issuer = claims(60);
        other_issuer.iss = "passport".into();
        let mut other_audience = claims(60);
        other_audience.aud = "351274360187462".into();
        for c in [other_issuer, other_audience] {
            assert_eq!(
                keys.verify(&keys.sign(&c)).unwrap_err(),
                TokenError::Invalid
            );
        }
        let plain = serde_json::json!({"alg": "EdDSA", "kid": keys.kid});
        let untyped = compact(&plain, &claims(60), |input| {
            Some(keys.ed.sign(input).as_ref().to_vec())
        })
        .unwrap();
        assert_eq!(keys.verify(&untyped).unwrap_err(), TokenError::Invalid);
    }

    #[test]
    fn the_jwk_carries_the_public_key_and_kid() {
        let keys = SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap();
        let jwks = keys.jwks();
        assert_eq!(jwks.len(), 1, "no RSA key, no RSA JWK");
        assert_eq!(keys.id_token_algs(), vec![IdTokenAlg::EdDsa]);
        let jwk = &jwks[0];
        assert_eq!(jwk["kty"], "OKP");
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(jwk["x"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
        let token = keys.sign(&claims(60));
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), jwk["kid"].as_str());
    }

    fn rsa_pem() -> String {
        use rsa::pkcs8::EncodePrivateKey;
        rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
            .unwrap()
            .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
            .to_string()
    }

    #[test]
    fn an_id_token_hint_is_our_id_token_of_either_key_expired_or_not() {
        let pem = format!("{}{}", SigningKeys::generate_pem(), rsa_pem());
        let keys = SigningKeys::from_pem(&pem).unwrap();
        let expired = serde_json::json!({"iss": TEST_ISSUER, "sub": "s", "aud": "c", "exp": 1});
        for alg in [IdTokenAlg::Rs256, IdTokenAlg::EdDsa] {
            let token = keys.sign_id_token(&expired, alg).unwrap();
            assert_eq!(
                keys.verify_id_token(&token, TEST_ISSUER),
                Some(expired.clone())
            );
            // Another issuer's, or not an ID token (a logout token).
            assert_eq!(keys.verify_id_token(&token, "https://other.test"), None);
            let logout = keys.sign_as("logout+jwt", &expired, alg).unwrap();
            assert_eq!(keys.verify_id_token(&logout, TEST_ISSUER), None);
        }
        let other = SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap();
        let foreign = other.sign_id_token(&expired, IdTokenAlg::EdDsa).unwrap();
        assert_eq!(keys.verify_id_token(&foreign, TEST_ISSUER), None);
        assert_eq!(keys.verify_id_token("not.a.token", TEST_ISSUER), None);
    }

    #[test]
    fn id_tokens_are_signed_rs256_or_eddsa_and_verify_against_their_jwk() {
        let pem = format!("{}{}", SigningKeys::generate_pem(), rsa_pem());
        let keys = SigningKeys::from_pem(&pem).unwrap();
        assert_eq!(
            keys.id_token_algs(),
            vec![IdTokenAlg::Rs256, IdTokenAlg::EdDsa]
        );
        let jwks = keys.jwks();
        let claims = serde_json::json!({"iss": TEST_ISSUER, "sub": "s", "aud": "c", "exp": 4_000_000_000u64});
        for (alg, jwk) in [(IdTokenAlg::EdDsa, &jwks[0]), (IdTokenAlg::Rs256, &jwks[1])] {
            let token = keys.sign_id_token(&claims, alg).unwrap();
            let header = jsonwebtoken::decode_header(&token).unwrap();
            assert_eq!(header.typ.as_deref(), Some("JWT"));
            assert_eq!(header.kid.as_deref(), jwk["kid"].as_str());
            let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).unwrap();
            let key = DecodingKey::from_jwk(&jwk).unwrap();
            let (jwt_alg, other) = match alg {
                IdTokenAlg::Rs256 => (Algorithm::RS256, IdTokenAlg::EdDsa),
                IdTokenAlg::EdDsa => (Algorithm::EdDSA, IdTokenAlg::Rs256),
            };
            let mut validation = Validation::new(jwt_alg);
            validation.set_audience(&["c"]);
            let got = jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).unwrap();
            assert_eq!(got.claims, claims);
            // The other key does not verify it.
            let forged = keys.sign_id_token(&claims, other).unwrap();
            assert!(jsonwebtoken::decode::<serde_json::Value>(&forged, &key, &validation).is_err());
        }
        // Without an RSA key, RS256 is not signed.
        let ed_only = SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap();
        assert!(ed_only.sign_id_token(&claims, IdTokenAlg::Rs256).is_none());
        // Two Ed25519 keys, or two RSA keys, are refused.
        let two = format!(
            "{}{}",
            SigningKeys::generate_pem(),
            SigningKeys::generate_pem()
        );
        assert!(SigningKeys::from_pem(&two).is_err());
    }

    #[test]
    fn at_hash_is_the_left_half_of_the_algorithms_hash() {
        // OIDC Core §A.3's example: the access token and its at_hash (RS256).
        assert_eq!(
            IdTokenAlg::Rs256.half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        assert_eq!(IdTokenAlg::EdDsa.half_hash("x").len(), 43);
        assert_eq!(IdTokenAlg::parse("RS256"), Some(IdTokenAlg::Rs256));
        assert_eq!(IdTokenAlg::parse("HS256"), None);
    }

    #[test]
    fn a_bad_pem_is_refused() {
        assert!(SigningKeys::from_pem(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"
        )
        .is_err());
    }
}
