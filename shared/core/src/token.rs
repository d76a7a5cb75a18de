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
//! HMACs short codes is derived from it, so one secret is all an operator manages.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
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

/// The platform's signing key and what is derived from it.
pub struct SigningKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    public: [u8; 32],
    kid: String,
    code_key: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
#[error("JWT_PRIVATE_KEY is not an Ed25519 private key in PKCS#8 PEM")]
pub struct KeyError;

impl SigningKeys {
    pub fn from_pem(pem: &str) -> Result<SigningKeys, KeyError> {
        let signing = SigningKey::from_pkcs8_pem(pem.trim()).map_err(|_| KeyError)?;
        let der = signing.to_pkcs8_der().map_err(|_| KeyError)?;
        let public = signing.verifying_key().to_bytes();
        let kid = crate::crypto::sha256_hex(&URL_SAFE_NO_PAD.encode(public))[..16].to_owned();
        let code_key_hex = crate::crypto::hmac_hex(&signing.to_bytes(), &["passport code hmac v1"]);
        let mut code_key = [0u8; 32];
        for (i, byte) in code_key.iter_mut().enumerate() {
            *byte =
                u8::from_str_radix(&code_key_hex[i * 2..i * 2 + 2], 16).map_err(|_| KeyError)?;
        }
        Ok(SigningKeys {
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding: DecodingKey::from_ed_der(&public),
            public,
            kid,
            code_key,
        })
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

    /// The public key as a JWK (for the JWKS document).
    pub fn jwk(&self) -> serde_json::Value {
        serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA",
            "kid": self.kid, "x": URL_SAFE_NO_PAD.encode(self.public),
        })
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("EdDSA signing cannot fail")
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
        let mut plain = Header::new(Algorithm::EdDSA);
        plain.kid = Some(keys.kid.clone());
        let untyped = jsonwebtoken::encode(&plain, &claims(60), &keys.encoding).unwrap();
        assert_eq!(keys.verify(&untyped).unwrap_err(), TokenError::Invalid);
    }

    #[test]
    fn the_jwk_carries_the_public_key_and_kid() {
        let keys = SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap();
        let jwk = keys.jwk();
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

    #[test]
    fn a_bad_pem_is_refused() {
        assert!(SigningKeys::from_pem(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"
        )
        .is_err());
    }
}
