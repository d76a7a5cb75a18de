//! Access tokens that standard validators accept (RFC 9068, RFC 8414 metadata), and the
//! RFC 6749 / 6750 / 7009 / 7662 details of the standard endpoints (issue 15, section 3).

use crate::oauth::{client, REDIRECT};
use passport_tests::{json, repo_root, TestApp};
use serde_json::Value;

/// Runs the off-the-shelf validators of tests/clients (oauth4webapi's RFC 9068 check and
/// jose's jwtVerify) on `token`: what they said.
fn validate(issuer: &str, audience: &str, token: &str) -> (bool, Value) {
    let script = repo_root().join(".local/clients/validate-access-token.mjs");
    let out = std::process::Command::new("node")
        .arg(&script)
        .args([issuer, audience, token])
        .output()
        .expect("node runs (scripts/install-local-stack --clients installs the libraries)");
    let said = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        Value::String(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    });
    (out.status.success(), said)
}

async fn metadata(app: &TestApp) -> Value {
    let (status, meta) = app
        .get_json("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(status, 200, "{meta}");
    meta
}

async fn client_token(app: &TestApp, id: &str, secret: &str) -> String {
    let (status, body) = json(
        app.http
            .post(app.url("/oauth2/token"))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn access_tokens_pass_oauth4webapi_and_jose_against_the_metadata() {
    let app = TestApp::new();
    let meta = metadata(&app).await;
    let issuer = meta["issuer"].as_str().unwrap().to_owned();
    assert_eq!(issuer, app.stack.api, "the configured issuer");
    let (id, secret) = client(&app, &["--grant", "client_credentials"]);
    let client_token = client_token(&app, &id, &secret.unwrap()).await;
    let member = app.member().await;

    for (token, sub, client_id) in [
        (client_token.as_str(), "0".to_owned(), id.as_str()),
        (member.token.as_str(), member.uid.to_string(), "passport"),
    ] {
        let (ok, said) = validate(&issuer, &issuer, token);
        assert!(ok, "the validators refused the token: {said}");
        let claims = &said["oauth4webapi"];
        assert_eq!(
            (
                claims["iss"].as_str(),
                claims["aud"].as_str(),
                claims["client_id"].as_str(),
                claims["sub"].as_str()
            ),
            (
                Some(issuer.as_str()),
                Some(issuer.as_str()),
                Some(client_id),
                Some(sub.as_str())
            ),
            "{said}"
        );
        assert!(
            claims["jti"].is_string() && claims["iat"].is_number() && claims["scope"].is_string()
        );
        assert_eq!(said["jose"]["protectedHeader"]["typ"], "at+jwt");
        // Another audience is another resource's token: refused.
        let (ok, said) = validate(&issuer, "https://other.example.com", token);
        assert!(!ok, "{said}");
    }
}

#[tokio::test]
async fn the_standard_endpoints_say_what_rfc_6749_and_6750_say() {
    let app = TestApp::new();
    let (id, secret) = client(
        &app,
        &[
            "--grant",
            "client_credentials",
            "--grant",
            "authorization_code",
        ],
    );
    let secret = secret.unwrap();

    // A missing grant_type is a malformed request; an unknown one is unsupported.
    for (form, error) in [
        (vec![], "invalid_request"),
        (vec![("grant_type", "magic")], "unsupported_grant_type"),
    ] {
        let (status, body) = json(
            app.http
                .post(app.url("/oauth2/token"))
                .basic_auth(&id, Some(&secret))
                .form(&form)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(error)),
            "{form:?}: {body}"
        );
    }

    // A failed client authentication is 401 with the Basic challenge, however it was sent.
    let response = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", "wrong"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Basic realm="passport""#
    );

    // A missing response_type is invalid_request, sent back to the registered redirect URI.
    let response = app
        .http
        .get(app.url("/oauth2/authorize"))
        .query(&[
            ("client_id", id.as_str()),
            ("redirect_uri", REDIRECT),
            ("state", "s1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(REDIRECT)
            && location.contains("error=invalid_request")
            && location.contains("state=s1"),
        "{location}"
    );

    // A protected route's 401 carries the Bearer challenge; the body keeps its code.
    let response = app
        .http
        .get(app.url("/api/personal/info"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Bearer realm="passport""#
    );
    let (status, body) = json(response).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (401, Some(10004)),
        "{body}"
    );
    let response = app
        .http
        .get(app.url("/api/personal/info"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Bearer realm="passport", error="invalid_token""#
    );

    let meta = metadata(&app).await;
    assert_eq!(
        meta["scopes_supported"],
        serde_json::json!(["openid", "profile", "email", "phone", "address", "basic"])
    );
    assert_eq!(
        meta["response_modes_supported"],
        serde_json::json!(["query"])
    );
    // JWT client authentication is private_key_jwt only: asymmetric algorithms, no HMAC
    // (client_secret_jwt would need the secret itself, and only its hash is kept).
    let algs = meta["token_endpoint_auth_signing_alg_values_supported"]
        .as_array()
        .unwrap_or_else(|| panic!("{meta}"));
    assert!(!algs.is_empty() && algs.iter().all(|a| !a.as_str().unwrap().starts_with("HS")));
    let methods = &meta["token_endpoint_auth_methods_supported"];
    assert!(
        !methods
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "client_secret_jwt"),
        "{methods}"
    );
}

#[tokio::test]
async fn a_client_learns_nothing_of_another_clients_token_and_cannot_revoke_it() {
    let app = TestApp::new();
    let (a, a_secret) = client(&app, &["--grant", "client_credentials"]);
    let (b, b_secret) = client(&app, &["--grant", "client_credentials"]);
    let (a_secret, b_secret) = (a_secret.unwrap(), b_secret.unwrap());
    let token = client_token(&app, &a, &a_secret).await;

    let call = |path: &'static str, id: &str, secret: &str| {
        let request = app
            .http
            .post(app.url(path))
            .basic_auth(id, Some(secret))
            .form(&[("token", token.as_str())]);
        async move { json(request.send().await.unwrap()).await }
    };
    let (status, body) = call("/oauth2/introspect", &b, &b_secret).await;
    assert_eq!((status, body), (200, serde_json::json!({"active": false})));
    let (status, body) = call("/oauth2/revoke", &b, &b_secret).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // The token lives on for its own client, which may revoke it.
    let (status, body) = call("/oauth2/introspect", &a, &a_secret).await;
    assert_eq!(
        (status, body["active"].as_bool(), body["client_id"].as_str()),
        (200, Some(true), Some(a.as_str()))
    );
    let (status, _) = call("/oauth2/revoke", &a, &a_secret).await;
    assert_eq!(status, 200);
    let (_, body) = call("/oauth2/introspect", &a, &a_secret).await;
    assert_eq!(body, serde_json::json!({"active": false}));
}

/// The session of an access token: its `jti` is `<sid>.<generation>` (the payload is not
/// checked here, only read).
fn sid_of(token: &str) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    let jti = claims["jti"].as_str().unwrap();
    jti.split_once('.')
        .expect("jti is <sid>.<generation>")
        .0
        .to_owned()
}

#[tokio::test]
async fn a_client_token_is_one_session_item_listed_under_no_shared_key_and_revoked_by_its_own() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let app = TestApp::new();
    let (id, secret) = client(&app, &["--grant", "client_credentials"]);
    let secret = secret.unwrap();
    let tokens = [
        client_token(&app, &id, &secret).await,
        client_token(&app, &id, &secret).await,
    ];
    let db = app.dynamodb().await;
    for token in &tokens {
        let item = db
            .get_item()
            .table_name("PassportTable")
            .key(
                "pk",
                AttributeValue::S(format!("SESSION#{}", sid_of(token))),
            )
            .key("sk", AttributeValue::S("SESSION".into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .expect("the token's session");
        assert_eq!(item.get("client_id").and_then(|v| v.as_s().ok()), Some(&id));
        assert!(
            !item.contains_key("gsi1pk") && !item.contains_key("gsi1sk"),
            "a client token is in no index: {item:?}"
        );
    }
    // Nothing of this client's under the users' sessions index (uid 0 would be one key for
    // every client token of the deployment).
    let listed = db
        .query()
        .table_name("PassportTable")
        .index_name("gsi1")
        .key_condition_expression("gsi1pk = :p")
        .filter_expression("client_id = :c")
        .expression_attribute_values(":p", AttributeValue::S("SESSIONS#0".into()))
        .expression_attribute_values(":c", AttributeValue::S(id.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.items().len(), 0);
    // Revoking one ends that one only.
    let form = |token: &str| vec![("token", token.to_owned())];
    let call = |path: &'static str, token: &str| {
        let request = app
            .http
            .post(app.url(path))
            .basic_auth(&id, Some(&secret))
            .form(&form(token));
        async move { json(request.send().await.unwrap()).await }
    };
    assert_eq!(call("/oauth2/revoke", &tokens[0]).await.0, 200);
    let (_, first) = call("/oauth2/introspect", &tokens[0]).await;
    let (_, second) = call("/oauth2/introspect", &tokens[1]).await;
    assert_eq!(
        (first["active"].as_bool(), second["active"].as_bool()),
        (Some(false), Some(true))
    );
}
