//! OpenID Connect (issue 19): relying parties built on off-the-shelf libraries sign in with
//! their strict defaults (openid-client from npm, Authlib from PyPI; tests/clients), with ID
//! tokens signed RS256 and EdDSA; public and pairwise subjects; userinfo by scope;
//! discovery; `prompt`.

use crate::oauth::{client, user, REDIRECT};
use crate::oauth_standard::{hosted, query};
use passport_tests::{json, repo_root, TestApp};
use serde_json::Value;

/// A relying party of tests/clients.
#[derive(Clone, Copy, Debug)]
enum Library {
    OpenidClient,
    Authlib,
}

/// Runs one step of `library`'s relying party: what it printed, or its refusal.
fn rp(library: Library, args: &[&str]) -> Result<Value, String> {
    let root = repo_root();
    let mut command = match library {
        Library::OpenidClient => {
            let mut c = std::process::Command::new("node");
            c.arg(root.join(".local/clients/oidc-rp.mjs"));
            c
        }
        Library::Authlib => {
            let mut c = std::process::Command::new(root.join(".local/rp/bin/python"));
            c.arg(root.join(".local/rp/oidc_rp.py"));
            c
        }
    };
    let out = command
        .args(args)
        .output()
        .expect("the relying party runs (scripts/install-local-stack --clients installs it)");
    let said: Value = serde_json::from_slice(&out.stdout).map_err(|_| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    match out.status.success() {
        true => Ok(said),
        false => Err(said.to_string()),
    }
}

/// A full sign-in of `library` as client `id` (ID tokens `alg`), the user consenting on
/// the hosted page: what the library validated ({claims, header, userinfo}).
async fn sign_in(
    app: &TestApp,
    library: Library,
    (id, secret, alg): (&str, &str, &str),
    (username, password): (&str, &str),
    scope: &str,
) -> Value {
    let issuer = app.stack.api.as_str();
    let started = rp(
        library,
        &["start", issuer, id, secret, alg, REDIRECT, scope],
    )
    .unwrap_or_else(|e| panic!("{library:?} start: {e}"));
    let url = started["url"].as_str().unwrap();
    let (status, location) = hosted(app, url, username, password, "allow").await;
    assert_eq!(status, 302, "{location}");
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(query(&location)["iss"], issuer, "RFC 9207 iss");
    let field = |k: &str| started[k].as_str().unwrap().to_owned();
    rp(
        library,
        &[
            "finish",
            issuer,
            id,
            secret,
            alg,
            &location,
            &field("state"),
            &field("nonce"),
            &field("verifier"),
        ],
    )
    .unwrap_or_else(|e| panic!("{library:?} {alg} finish: {e}"))
}

fn oidc_client(app: &TestApp, alg: &str, subject_type: &str) -> (String, String) {
    let (id, secret) = client(
        app,
        &["--id-token-alg", alg, "--subject-type", subject_type],
    );
    (id, secret.unwrap())
}

#[tokio::test]
async fn openid_client_and_authlib_sign_in_on_their_strict_defaults_with_rs256_and_eddsa() {
    let app = TestApp::new();
    let (username, password, _) = user(&app, "rp").await;
    for library in [Library::OpenidClient, Library::Authlib] {
        for alg in ["RS256", "EdDSA"] {
            let (id, secret) = oidc_client(&app, alg, "public");
            let got = sign_in(
                &app,
                library,
                (&id, &secret, alg),
                (&username, &password),
                "openid profile email",
            )
            .await;
            let claims = &got["claims"];
            assert_eq!(got["header"]["alg"], alg, "{library:?}: {got}");
            assert_eq!(claims["iss"], app.stack.api.as_str());
            assert_eq!(claims["aud"], id.as_str());
            assert_eq!(claims["azp"], id.as_str());
            assert!(
                claims["sub"].as_str().unwrap().parse::<u64>().is_ok(),
                "public: the uid"
            );
            assert!(claims["auth_time"].as_i64().unwrap() <= claims["iat"].as_i64().unwrap());
            assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
            let info = &got["userinfo"];
            assert_eq!(info["sub"], claims["sub"], "{library:?}: {info}");
            assert_eq!(info["preferred_username"], username.as_str());
            assert_eq!(info["email"], app.email("rp").as_str());
            assert!(info.get("phone_number").is_none(), "no phone scope: {info}");
        }
    }
}

#[tokio::test]
async fn pairwise_subjects_are_the_clients_own_and_match_the_documents_openid() {
    let app = TestApp::new();
    let (username, password, _) = user(&app, "pairwise").await;
    let mut subjects = Vec::new();
    for _ in 0..2 {
        let (id, secret) = oidc_client(&app, "EdDSA", "pairwise");
        let got = sign_in(
            &app,
            Library::OpenidClient,
            (&id, &secret, "EdDSA"),
            (&username, &password),
            "openid",
        )
        .await;
        let sub = got["claims"]["sub"].as_str().unwrap().to_owned();
        assert!(sub.parse::<u64>().is_err(), "not the uid: {sub}");
        assert_eq!(got["userinfo"]["sub"], sub.as_str());
        assert!(
            got["userinfo"].get("name").is_none(),
            "openid alone releases no profile"
        );
        subjects.push(sub);
    }
    assert_ne!(subjects[0], subjects[1], "one subject per client");
}

#[tokio::test]
async fn discovery_userinfo_errors_and_prompt_none_follow_the_standard() {
    let app = TestApp::new();
    let (status, discovery) = app.get_json("/.well-known/openid-configuration").await;
    assert_eq!(status, 200);
    let (_, oauth) = app
        .get_json("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(discovery, oauth, "one document under both names");
    assert_eq!(discovery["userinfo_endpoint"], app.url("/oauth2/userinfo"));
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256", "EdDSA"])
    );
    assert_eq!(
        discovery["subject_types_supported"],
        serde_json::json!(["public", "pairwise"])
    );
    let (_, jwks) = app.get_json("/oauth2/jwks").await;
    let kinds: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["alg"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["EdDSA", "RS256"]);

    // Userinfo: no token, a bad one, and one of Passport's own sign-in (no `openid`).
    let userinfo = app.url("/oauth2/userinfo");
    let bare = app.http.get(&userinfo).send().await.unwrap();
    assert_eq!(bare.status(), 401);
    assert!(bare.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let forged = app
        .http
        .get(&userinfo)
        .bearer_auth("x.y.z")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let (_, _, first_party) = user(&app, "no-openid").await;
    let refused = app
        .http
        .post(&userinfo)
        .bearer_auth(&first_party)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("insufficient_scope"));
    let (_, body) = json(refused).await;
    assert_eq!(body["error"], "insufficient_scope");

    // prompt=none: no browser session can answer without a page; `none` with another is
    // malformed. Both go back to the client with the state and the issuer.
    let (id, _) = oidc_client(&app, "RS256", "public");
    for (prompt, error) in [
        ("none", "login_required"),
        ("none login", "invalid_request"),
    ] {
        let url = format!(
            "{}?response_type=code&client_id={id}&redirect_uri={}&scope=openid&state=s1&nonce=n1&prompt={}",
            app.url("/oauth2/authorize"),
            urlencode(REDIRECT),
            urlencode(prompt)
        );
        let answer = app.http.get(&url).send().await.unwrap();
        assert_eq!(answer.status(), 302, "{prompt}");
        let location = answer.headers()["location"].to_str().unwrap().to_owned();
        let q = query(&location);
        assert_eq!(q["error"], error, "{prompt}: {location}");
        assert_eq!(q["state"], "s1");
        assert_eq!(q["iss"], app.stack.api.as_str());
    }
}

fn urlencode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

#[tokio::test]
async fn a_pushed_request_signs_in_through_openid_client_once_and_its_refusals_are_json() {
    let app = TestApp::new();
    let issuer = app.stack.api.as_str();
    let (username, password, _) = user(&app, "par").await;
    let (id, secret) = oidc_client(&app, "RS256", "public");
    let metadata: Value = app
        .http
        .get(app.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        metadata["pushed_authorization_request_endpoint"],
        app.url("/oauth2/par").as_str()
    );

    // openid-client pushes the request; the browser carries only client_id and request_uri.
    let started = rp(
        Library::OpenidClient,
        &[
            "start-par",
            issuer,
            &id,
            &secret,
            "RS256",
            REDIRECT,
            "openid email",
        ],
    )
    .unwrap_or_else(|e| panic!("start-par: {e}"));
    let url = started["url"].as_str().unwrap().to_owned();
    let sent = query(&url);
    assert!(
        sent["request_uri"].starts_with("urn:ietf:params:oauth:request_uri:"),
        "{url}"
    );
    assert!(
        !sent.contains_key("redirect_uri") && !sent.contains_key("state"),
        "{url}"
    );
    let (status, location) = hosted(&app, &url, &username, &password, "allow").await;
    assert_eq!(status, 302, "{location}");
    let field = |k: &str| started[k].as_str().unwrap().to_owned();
    let got = rp(
        Library::OpenidClient,
        &[
            "finish",
            issuer,
            &id,
            &secret,
            "RS256",
            &location,
            &field("state"),
            &field("nonce"),
            &field("verifier"),
        ],
    )
    .unwrap_or_else(|e| panic!("finish: {e}"));
    assert_eq!(got["claims"]["aud"], id.as_str());
    assert_eq!(got["userinfo"]["email"], app.email("par").as_str());
    // Used once.
    let again = app.http.get(&url).send().await.unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("request_uri"));

    // By hand: another client's attempt leaves the request be; every refusal is JSON here.
    let par = |form: Vec<(&'static str, String)>, auth: Option<(&str, &str)>| {
        let app = &app;
        let auth = auth.map(|(a, b)| (a.to_owned(), b.to_owned()));
        async move {
            let mut post = app.http.post(app.url("/oauth2/par")).form(&form);
            if let Some((user, secret)) = auth {
                post = post.basic_auth(user, Some(secret));
            }
            json(post.send().await.unwrap()).await
        }
    };
    let good = || {
        vec![
            ("response_type", "code".to_owned()),
            ("redirect_uri", REDIRECT.to_owned()),
            ("scope", "openid".to_owned()),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned(),
            ),
            ("code_challenge_method", "S256".to_owned()),
        ]
    };
    let (status, body) = par(good(), Some((&id, &secret))).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["expires_in"], 90);
    let request_uri = body["request_uri"].as_str().unwrap().to_owned();
    let at = |client: &str| {
        format!(
            "{}?client_id={client}&request_uri={}",
            app.url("/oauth2/authorize"),
            urlencode(&request_uri)
        )
    };
    let (other, _) = oidc_client(&app, "RS256", "public");
    let refused = app.http.get(at(&other)).send().await.unwrap();
    assert_eq!(refused.status(), 400, "another client's request_uri");
    let page = app.http.get(at(&id)).send().await.unwrap();
    assert_eq!(page.status(), 200, "still there for its own client");

    let with = |k: &'static str, v: &str| {
        let mut form = good();
        form.retain(|(name, _)| *name != k);
        form.push((k, v.to_owned()));
        form
    };
    for (form, error) in [
        (with("request_uri", "urn:x"), "invalid_request"),
        (with("scope", "admin"), "invalid_scope"),
        (
            with("redirect_uri", "https://evil.example/cb"),
            "invalid_request",
        ),
        (with("response_type", "token"), "unsupported_response_type"),
        (with("code_challenge_method", "plain"), "invalid_request"),
    ] {
        let (status, body) = par(form, Some((&id, &secret))).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(error)),
            "{body}"
        );
    }
    let (status, body) = par(good(), Some((&id, "not-the-secret"))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
}

#[tokio::test]
async fn the_claims_parameter_puts_asked_claims_in_the_id_token_and_userinfo_once_consented() {
    let app = TestApp::new();
    let issuer = app.stack.api.as_str();
    let (username, password, _) = user(&app, "claims").await;
    let (id, secret) = oidc_client(&app, "RS256", "public");
    // Only `openid` as scope: the email for the ID token, the nickname at userinfo.
    let asked = r#"{"id_token":{"email":{"essential":true}},"userinfo":{"nickname":null}}"#;
    let started = rp(
        Library::OpenidClient,
        &[
            "start", issuer, &id, &secret, "RS256", REDIRECT, "openid", asked,
        ],
    )
    .unwrap_or_else(|e| panic!("start: {e}"));
    let url = started["url"].as_str().unwrap().to_owned();
    // The consent page asks for the scopes those claims need.
    let (html, binding) = crate::oauth_standard::open_page(&app, &url).await;
    let walked = crate::oauth_standard::sign_in_and_decide(
        &app, &html, &binding, &username, &password, "allow",
    )
    .await;
    assert_eq!(walked.status, 302, "{}", walked.location);
    let field = |k: &str| started[k].as_str().unwrap().to_owned();
    let got = rp(
        Library::OpenidClient,
        &[
            "finish",
            issuer,
            &id,
            &secret,
            "RS256",
            &walked.location,
            &field("state"),
            &field("nonce"),
            &field("verifier"),
        ],
    )
    .unwrap_or_else(|e| panic!("finish: {e}"));
    let claims = &got["claims"];
    assert_eq!(claims["email"], app.email("claims").as_str(), "{claims}");
    assert!(
        claims.get("nickname").is_none(),
        "asked at userinfo only: {claims}"
    );
    let info = &got["userinfo"];
    assert_eq!(info["nickname"], username.as_str(), "{info}");
    assert_eq!(info["email"], app.email("claims").as_str());
    // A malformed claims parameter goes back to the client as invalid_request.
    let bad = format!(
        "{}?response_type=code&client_id={id}&redirect_uri={}&scope=openid&state=s&claims={}",
        app.url("/oauth2/authorize"),
        urlencode(REDIRECT),
        urlencode(r#"{"id_token":["email"]}"#)
    );
    let answer = app.http.get(&bad).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(query(&location)["error"], "invalid_request", "{location}");
}
