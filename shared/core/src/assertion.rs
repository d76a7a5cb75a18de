//! Client assertions: the `private_key_jwt` client authentication of OpenID Connect Core
//! §9 and RFC 7523 §2.2. A client registers its public keys (a JWK Set); at the token,
//! revocation and introspection endpoints it sends
//! `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and
//! `client_assertion`, a JWT it signed whose `iss` and `sub` are its client id, `aud` this
//! issuer (or its token endpoint), with `exp` and a `jti` that is never used twice (the
//! caller spends it; see `Grants::spend_assertion`).
//!
//! Only asymmetric algorithms are taken (never `none`, never an HMAC: Passport keeps no
//! client secret it could verify one with).

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The algorithms a client may sign its assertions with.
pub const ALGORITHMS: [&str; 6] = ["RS256", "PS256", "ES256", "ES384", "EdDSA", "Ed25519"];

/// How far in the future an assertion's `exp` may be: it bounds how long its `jti` must be
/// remembered.
pub const MAX_LIFETIME: i64 = 3600;

/// The clock skew allowed on `exp`, `nbf` and `iat`.
const LEEWAY: i64 = 30;

/// A client's registered public keys.
#[derive(Debug, Clone)]
pub struct ClientKeys(JwkSet);

/// Why a key set is not registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySetError {
    #[error("not a JWK Set (a JSON object with \"keys\"): {0}")]
    NotAJwkSet(String),
    #[error("a JWK Set with no keys")]
    Empty,
    #[error("a key holds private parts (\"d\"); register the public keys only")]
    Private,
    #[error("only RSA, EC (P-256, P-384) and OKP (Ed25519) keys sign assertions")]
    Unsupported,
}

/// Why an assertion is refused (each is `invalid_client` to the client; the reason is
/// for the log).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("not a JWT")]
    Malformed,
    #[error("the algorithm {0} is not one of {ALGORITHMS:?}")]
    Algorithm(String),
    #[error("no registered key verifies it")]
    Signature,
    #[error("its claims: {0}")]
    Claims(String),
    #[error("no jti")]
    NoJti,
    #[error("exp is more than {MAX_LIFETIME} s away")]
    TooLong,
}

/// The claims an assertion must carry (RFC 7523 §3).
#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: Audience,
    exp: i64,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    jti: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn any_of(&self, wanted: &[&str]) -> bool {
        match self {
            Audience::One(a) => wanted.contains(&a.as_str()),
            Audience::Many(all) => all.iter().any(|a| wanted.contains(&a.as_str())),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// The algorithm a header names: RFC 7518's, and RFC 9864's `Ed25519` (what oauth4webapi
/// signs with) beside the older `EdDSA`.
fn algorithm(name: &str) -> Option<Algorithm> {
    Some(match name {
        "RS256" => Algorithm::RS256,
        "PS256" => Algorithm::PS256,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        "EdDSA" | "Ed25519" => Algorithm::EdDSA,
        _ => return None,
    })
}

fn json_part<T: serde::de::DeserializeOwned>(part: &str) -> Option<T> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A verified assertion: what the replay check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub jti: String,
    pub exp: i64,
}

fn private(jwk: &serde_json::Value) -> bool {
    ["d", "p", "q", "dp", "dq", "qi", "k"]
        .iter()
        .any(|part| jwk.get(part).is_some())
}

impl ClientKeys {
    /// A JWK Set of public keys, as a client registers it.
    pub fn parse(json: &str) -> Result<ClientKeys, KeySetError> {
        let raw: serde_json::Value =
            serde_json::from_str(json).map_err(|e| KeySetError::NotAJwkSet(e.to_string()))?;
        let keys = raw
            .get("keys")
            .and_then(|k| k.as_array())
            .ok_or_else(|| KeySetError::NotAJwkSet("no \"keys\" array".into()))?;
        if keys.is_empty() {
            return Err(KeySetError::Empty);
        }
        if keys.iter().any(private) {
            return Err(KeySetError::Private);
        }
        let set: JwkSet =
            serde_json::from_value(raw).map_err(|e| KeySetError::NotAJwkSet(e.to_string()))?;
        if set
            .keys
            .iter()
            .any(|k| matches!(k.algorithm, AlgorithmParameters::OctetKey(_)))
        {
            return Err(KeySetError::Unsupported);
        }
        if set.keys.iter().any(|k| DecodingKey::from_jwk(k).is_err()) {
            return Err(KeySetError::Unsupported);
        }
        Ok(ClientKeys(set))
    }

    /// The keys that may have signed with `alg`: the one named by `kid`, else every key
    /// of the algorithm's family.
    fn candidates(&self, alg: Algorithm, kid: Option<&str>) -> Vec<&Jwk> {
        let fits = |k: &&Jwk| {
            matches!(
                (&k.algorithm, alg),
                (
                    AlgorithmParameters::RSA(_),
                    Algorithm::RS256 | Algorithm::PS256
                ) | (
                    AlgorithmParameters::EllipticCurve(_),
                    Algorithm::ES256 | Algorithm::ES384
                ) | (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA)
            )
        };
        match kid {
            Some(kid) => self
                .0
                .keys
                .iter()
                .filter(|k| k.common.key_id.as_deref() == Some(kid))
                .filter(fits)
                .collect(),
            None => self.0.keys.iter().filter(fits).collect(),
        }
    }

    /// A published key set (a provider's `jwks_uri`): its signing keys Passport can use,
    /// the others (encryption keys, unknown types) left out.
    pub fn published(json: &[u8]) -> Result<ClientKeys, KeySetError> {
        let raw: serde_json::Value =
            serde_json::from_slice(json).map_err(|e| KeySetError::NotAJwkSet(e.to_string()))?;
        let keys: Vec<Jwk> = raw
            .get("keys")
            .and_then(|k| k.as_array())
            .ok_or_else(|| KeySetError::NotAJwkSet("no \"keys\" array".into()))?
            .iter()
            .filter(|k| k.get("use").and_then(|u| u.as_str()) != Some("enc"))
            .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
            .filter(|k| !matches!(k.algorithm, AlgorithmParameters::OctetKey(_)))
            .filter(|k| DecodingKey::from_jwk(k).is_ok())
            .collect();
        if keys.is_empty() {
            return Err(KeySetError::Empty);
        }
        Ok(ClientKeys(JwkSet { keys }))
    }

    /// The payload of a compact JWS one of these keys signed, with one of [`ALGORITHMS`]:
    /// the signature checked, nothing else (each caller checks the claims it needs).
    pub fn signed_payload(&self, jws: &str) -> Result<serde_json::Value, AssertionError> {
        let parts: Vec<&str> = jws.split('.').collect();
        let [header, payload, signature] = parts[..] else {
            return Err(AssertionError::Malformed);
        };
        let header: Header = json_part(header).ok_or(AssertionError::Malformed)?;
        let alg = algorithm(&header.alg).ok_or(AssertionError::Algorithm(header.alg.clone()))?;
        let signed = &jws[..header_and_payload_len(jws)];
        let verified = self
            .candidates(alg, header.kid.as_deref())
            .into_iter()
            .filter_map(|jwk| DecodingKey::from_jwk(jwk).ok())
            .any(|key| {
                jsonwebtoken::crypto::verify(signature, signed.as_bytes(), &key, alg)
                    .unwrap_or(false)
            });
        if !verified {
            return Err(AssertionError::Signature);
        }
        json_part(payload).ok_or(AssertionError::Malformed)
    }

    /// Verifies `assertion` as `client_id`'s, addressed to one of `audiences`, at `now`:
    /// the signature with one of the keys, then the claims.
    pub fn verify(
        &self,
        assertion: &str,
        client_id: &str,
        audiences: &[&str],
        now: i64,
    ) -> Result<Verified, AssertionError> {
        let payload = self.signed_payload(assertion)?;
        let claims: Claims = serde_json::from_value(payload)
            .map_err(|_| AssertionError::Claims("iss, sub, aud and exp are required".into()))?;
        if claims.iss != client_id || claims.sub != client_id {
            return Err(AssertionError::Claims(
                "iss and sub are not the client".into(),
            ));
        }
        if !claims.aud.any_of(audiences) {
            return Err(AssertionError::Claims("aud is not this issuer".into()));
        }
        if claims.exp + LEEWAY <= now || claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY) {
            return Err(AssertionError::Claims("expired or not yet valid".into()));
        }
        if claims.exp > now + MAX_LIFETIME {
            return Err(AssertionError::TooLong);
        }
        let jti = claims
            .jti
            .filter(|j| !j.is_empty() && j.len() <= 256)
            .ok_or(AssertionError::NoJti)?;
        Ok(Verified {
            jti,
            exp: claims.exp,
        })
    }

    /// Verifies an upstream provider's ID token (OpenID Connect Core §3.1.3.7): signed by
    /// one of these keys, `iss` the provider's issuer, `aud` naming `client_id` (and `azp`,
    /// where there are several audiences), not expired at `now`. Its claims.
    pub fn verify_id_token(
        &self,
        token: &str,
        issuer: &str,
        client_id: &str,
        now: i64,
    ) -> Result<serde_json::Value, AssertionError> {
        let claims = self.signed_payload(token)?;
        #[derive(Deserialize)]
        struct IdToken {
            iss: String,
            aud: Audience,
            exp: i64,
            #[serde(default)]
            azp: Option<String>,
        }
        let t: IdToken = serde_json::from_value(claims.clone())
            .map_err(|_| AssertionError::Claims("iss, aud and exp are required".into()))?;
        if t.iss != issuer {
            return Err(AssertionError::Claims("iss is not the provider".into()));
        }
        if !t.aud.any_of(&[client_id]) {
            return Err(AssertionError::Claims(
                "aud is not Passport's client".into(),
            ));
        }
        if matches!(t.aud, Audience::Many(ref all) if all.len() > 1)
            && t.azp.as_deref() != Some(client_id)
        {
            return Err(AssertionError::Claims(
                "azp is not Passport's client".into(),
            ));
        }
        if t.exp + LEEWAY <= now {
            return Err(AssertionError::Claims("expired".into()));
        }
        Ok(claims)
    }
}

/// The length of `header.payload`, the signed part of a compact JWS.
fn header_and_payload_len(jws: &str) -> usize {
    jws.rfind('.').unwrap_or(0)
}

/// The client an assertion says it is (its `iss`, unverified): which client's keys to
/// check it with.
pub fn claimed_client(assertion: &str) -> Option<String> {
    let claims: serde_json::Value = json_part(assertion.split('.').nth(1)?)?;
    claims.get("iss")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_set_must_be_public_asymmetric_keys() {
        let ec = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1",
            "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
        assert!(ClientKeys::parse(ec).is_ok());
        let with_d = ec.replace(
            "\"kid\":\"k1\"",
            "\"kid\":\"k1\",\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"",
        );
        assert_eq!(
            ClientKeys::parse(&with_d).unwrap_err(),
            KeySetError::Private
        );
        assert_eq!(
            ClientKeys::parse(r#"{"keys":[]}"#).unwrap_err(),
            KeySetError::Empty
        );
        assert!(matches!(
            ClientKeys::parse("[1]"),
            Err(KeySetError::NotAJwkSet(_))
        ));
    }

    /// An Ed25519 key pair: the registered key set and the key that signs.
    fn ed25519() -> (ClientKeys, jsonwebtoken::EncodingKey) {
        use base64::Engine;
        use ring::signature::KeyPair;
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(pair.public_key());
        let set = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"{x}"}}]}}"#);
        (
            ClientKeys::parse(&set).unwrap(),
            jsonwebtoken::EncodingKey::from_ed_der(pkcs8.as_ref()),
        )
    }

    fn sign(key: &jsonwebtoken::EncodingKey, claims: serde_json::Value) -> String {
        let header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        jsonwebtoken::encode(&header, &claims, key).unwrap()
    }

    #[test]
    fn an_assertion_is_the_clients_own_for_this_audience_and_short_lived() {
        let (keys, key) = ed25519();
        let now = 1_800_000_000;
        let aud = [
            "https://id.example.com",
            "https://id.example.com/oauth2/token",
        ];
        let good = serde_json::json!({
            "iss": "c1", "sub": "c1", "aud": aud[1], "exp": now + 60, "iat": now, "jti": "j-1"
        });
        let verified = keys
            .verify(&sign(&key, good.clone()), "c1", &aud, now)
            .unwrap();
        assert_eq!((verified.jti.as_str(), verified.exp), ("j-1", now + 60));
        let with = |k: &str, v: serde_json::Value| {
            let mut claims = good.clone();
            claims[k] = v;
            keys.verify(&sign(&key, claims), "c1", &aud, now)
        };
        assert!(matches!(
            with("aud", "https://other.example".into()),
            Err(AssertionError::Claims(_))
        ));
        assert!(matches!(
            with("iss", "c2".into()),
            Err(AssertionError::Claims(_))
        ));
        assert!(matches!(
            with("sub", "c2".into()),
            Err(AssertionError::Claims(_))
        ));
        assert!(matches!(
            with("exp", (now - 120).into()),
            Err(AssertionError::Claims(_))
        ));
        assert_eq!(
            with("exp", (now + 7200).into()),
            Err(AssertionError::TooLong)
        );
        assert_eq!(with("jti", "".into()), Err(AssertionError::NoJti));
        // Another key's signature; an HMAC; not a JWT.
        let (_, other) = ed25519();
        assert_eq!(
            keys.verify(&sign(&other, good.clone()), "c1", &aud, now),
            Err(AssertionError::Signature)
        );
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &good,
            &jsonwebtoken::EncodingKey::from_secret(b"secret"),
        )
        .unwrap();
        assert_eq!(
            keys.verify(&hs, "c1", &aud, now),
            Err(AssertionError::Algorithm("HS256".into()))
        );
        assert_eq!(
            keys.verify("x.y", "c1", &aud, now),
            Err(AssertionError::Malformed)
        );
    }

    #[test]
    fn the_claimed_client_is_the_unverified_iss() {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let jwt = format!(
            "{}.{}.sig",
            b64(r#"{"alg":"ES256"}"#),
            b64(r#"{"iss":"351274360187462"}"#)
        );
        assert_eq!(claimed_client(&jwt).as_deref(), Some("351274360187462"));
        assert_eq!(claimed_client("nonsense"), None);
    }
}
