//! `private_key_jwt` client authentication (issue 19, RFC 7523 §2.2): a client that
//! registered its public keys authenticates with a JWT it signed, through off-the-shelf
//! libraries (openid-client's PrivateKeyJwt, Authlib's PrivateKeyJWT; tests/clients), at
//! the token and introspection endpoints; each assertion is taken once, only for this
//! issuer, only short-lived, only with the client's own key, and only alone.

use crate::oauth::client;
use passport_tests::{json, repo_root, TestApp};
use serde_json::Value;

/// Runs a step of tests/clients/private-key-jwt.mjs (openid-client and jose).
fn node(args: &[&str]) -> Result<Value, String> {
    let root = repo_root();
    let out = std::process::Command::new("node")
        .arg(root.join(".local/clients/private-key-jwt.mjs"))
        .args(args)
        .output()
        .expect("node runs (scripts/install-local-stack --clients installs the libraries)");
    let said: Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| String::from_utf8_lossy(&out.stderr).into_owned())?;
    match out.status.success() {
        true => Ok(said),
        false => Err(said.to_string()),
    }
}

/// Authlib's client_credentials grant with PrivateKeyJWT (tests/clients/oidc_rp.py).
fn authlib(issuer: &str, client_id: &str, private: &str, alg: &str) -> Result<Value, String> {
    let root = repo_root();
    let out = std::process::Command::new(root.join(".local/rp/bin/python"))
        .arg(root.join(".local/rp/oidc_rp.py"))
        .args(["private_key_jwt", issuer, client_id, private, alg])
        .output()
        .expect("the Authlib relying party runs");
    let said: Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| String::from_utf8_lossy(&out.stderr).into_owned())?;
    match out.status.success() {
        true => Ok(said),
        false => Err(said.to_string()),
    }
}

/// A client with a new key pair of `alg`: (client id, private JWK).
fn keyed_client(app: &TestApp, alg: &str) -> (String, String) {
    let keys = node(&["keygen", alg]).unwrap();
    let jwks = keys["jwks"].to_string();
    let (id, secret) = client(app, &["--grant", "client_credentials", "--jwks", &jwks]);
    assert!(secret.is_none(), "a client with keys gets no secret");
    (id, keys["private"].to_string())
}

#[tokio::test]
async fn private_key_jwt_through_openid_client_and_authlib_and_each_assertion_once() {
    let app = TestApp::new();
    let issuer = app.stack.api.as_str();
    let token_endpoint = app.url("/oauth2/token");
    let metadata: Value = app
        .http
        .get(app.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for field in [
        "token_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
    ] {
        let methods = metadata[field].as_array().unwrap();
        assert!(methods.iter().any(|m| m == "private_key_jwt"), "{field}");
    }

    // The libraries on their defaults: openid-client (ES256 and EdDSA), Authlib (ES256).
    for alg in ["ES256", "EdDSA"] {
        let (id, private) = keyed_client(&app, alg);
        let got = node(&["grant", issuer, &id, &private]).unwrap_or_else(|e| panic!("{alg}: {e}"));
        // (openid-client answers the type lower-cased)
        assert!(
            got["token_type"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("bearer"),
            "{alg}: {got}"
        );
        assert!(!got["access_token"].as_str().unwrap().is_empty());
        if alg == "ES256" {
            let got = authlib(issuer, &id, &private, alg).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                got["token_type"]
                    .as_str()
                    .unwrap()
                    .eq_ignore_ascii_case("bearer"),
                "{got}"
            );
        }
    }

    // By hand (jose signs): an assertion is taken once.
    let (id, private) = keyed_client(&app, "ES256");
    let assertion = |audience: &str, expires_in: &str| {
        node(&["assertion", &id, &private, audience, expires_in]).unwrap()["assertion"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let token = |form: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let mut form = form;
            form.push(("grant_type", "client_credentials".into()));
            json(
                app.http
                    .post(app.url("/oauth2/token"))
                    .form(&form)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let bearer = |a: String| {
        vec![
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
            ),
            ("client_assertion", a),
        ]
    };
    let once = assertion(&token_endpoint, "60");
    let (status, body) = token(bearer(once.clone())).await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = token(bearer(once)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "a replay"
    );

    // The issuer is an audience too (RFC 7523 §3), at introspection as well.
    let (status, body) = json(
        app.http
            .post(app.url("/oauth2/introspect"))
            .form(&[
                ("token", access.as_str()),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", &assertion(issuer, "60")),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["active"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    assert_eq!(body["client_id"], id.as_str());

    // Another audience, an hour and more to live, another key: invalid_client.
    let (other, other_private) = keyed_client(&app, "ES256");
    let foreign = node(&["assertion", &id, &other_private, &token_endpoint, "60"]).unwrap()
        ["assertion"]
        .as_str()
        .unwrap()
        .to_owned();
    for (what, a) in [
        (
            "another audience",
            assertion("https://elsewhere.example/token", "60"),
        ),
        ("too long-lived", assertion(&token_endpoint, "7200")),
        ("another client's key", foreign),
    ] {
        let (status, body) = token(bearer(a)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{what}: {body}"
        );
    }
    // Another client named beside the assertion; a secret beside it; the wrong type.
    let mut named = bearer(assertion(&token_endpoint, "60"));
    named.push(("client_id", other.clone()));
    let (status, body) = token(named).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    let mut with_secret = bearer(assertion(&token_endpoint, "60"));
    with_secret.push(("client_secret", "guess".into()));
    let (status, body) = token(with_secret).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    let wrong_type = vec![
        ("client_assertion_type", "urn:example:other".to_owned()),
        ("client_assertion", assertion(&token_endpoint, "60")),
    ];
    let (status, body) = token(wrong_type).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    // A client with keys has no secret to authenticate with.
    let (status, body) = token(vec![
        ("client_id", id.clone()),
        ("client_secret", "anything".into()),
    ])
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
}
