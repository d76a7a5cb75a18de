//! The two costs every sign-in and every token check pay, on this machine: an argon2id hash
//! (and check) with the platform's parameters, and an EdDSA JWT sign and verify.

use crate::functions::summary;
use passport_shared::crypto::password;
use passport_shared::token::{Claims, SigningKeys};
use serde_json::{json, Value};
use std::time::Instant;

fn time_ms(n: usize, mut f: impl FnMut()) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect()
}

pub fn measure() -> anyhow::Result<Value> {
    let phc = password::hash("bench-password-1");
    let hash = time_ms(20, || drop(password::hash("bench-password-1")));
    let verify = time_ms(20, || assert!(password::verify("bench-password-1", &phc)));
    let keys = SigningKeys::from_pem(&SigningKeys::generate_pem())?;
    let now = passport_shared::now();
    let issuer = "http://127.0.0.1:3000";
    passport_shared::issuer::configure(Some(issuer), None);
    let claims = Claims {
        iss: issuer.to_owned(),
        sub: "10001".to_owned(),
        aud: issuer.to_owned(),
        client_id: "passport".to_owned(),
        scope: "basic".to_owned(),
        jti: "bench".to_owned(),
        iat: now,
        exp: now + 7200,
    };
    let token = keys.sign(&claims);
    let sign = time_ms(2000, || drop(keys.sign(&claims)));
    let check = time_ms(2000, || drop(keys.verify(&token)));
    Ok(json!({
        "argon2id": "m=19456 KiB, t=2, p=1 (OWASP)",
        "argon2id_hash_ms": summary(&hash),
        "argon2id_verify_ms": summary(&verify),
        "jwt_sign_ms": summary(&sign),
        "jwt_verify_ms": summary(&check),
    }))
}
