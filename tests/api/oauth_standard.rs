//! The standard endpoints driven as ordinary OAuth clients drive them: the `oauth2` crate
//! for authorization URLs, PKCE, code exchange, refresh and introspection; the hosted page
//! through headless Chromium, and through plain form posts for its error paths.

use crate::oauth::{client, user};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IntrospectionUrl,
    PkceCodeChallenge, RedirectUrl, Scope, TokenIntrospectionResponse, TokenResponse, TokenUrl,
};
use passport_tests::browser::{Browser, Callback};
use passport_tests::{json, TestApp};
use serde_json::Value;
use std::collections::HashMap;

fn library_client(
    app: &TestApp,
    id: &str,
    secret: Option<&str>,
    redirect: &str,
) -> oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
> {
    let mut c = BasicClient::new(ClientId::new(id.to_owned()))
        .set_auth_uri(AuthUrl::new(app.url("/oauth2/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).unwrap())
        .set_introspection_url(IntrospectionUrl::new(app.url("/oauth2/introspect")).unwrap())
        .set_redirect_uri(RedirectUrl::new(redirect.to_owned()).unwrap());
    if let Some(secret) = secret {
        c = c.set_client_secret(ClientSecret::new(secret.to_owned()));
    }
    c
}

fn http() -> reqwest::Client {
    reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) fn query(target: &str) -> HashMap<String, String> {
    url::Url::parse(&format!("http://x{target}"))
        .or_else(|_| url::Url::parse(target))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// The value of `name="<name>" value="..."` (or of an attribute) in a page.
pub(crate) fn field(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in page: {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// RFC 7009 revocation with client_secret_basic (the `oauth2` crate refuses a plain-HTTP
/// revocation URL, so this one request is made by hand).
async fn revoke(app: &TestApp, id: &str, secret: &str, token: &str) -> u16 {
    app.http
        .post(app.url("/oauth2/revoke"))
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_authorization_code_flow_with_pkce_through_the_hosted_page_in_chromium() {
    let app = TestApp::new();
    let mut callback = Callback::start().await;
    let (id, secret) = client(&app, &["--redirect-uri", &callback.url]);
    let secret = secret.unwrap();
    let (username, password, _) = user(&app, "browser").await;
    let oauth = library_client(&app, &id, Some(&secret), &callback.url);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf) = oauth
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("basic".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = Browser::start().await;
    browser.goto(auth_url.as_str()).await;
    assert_eq!(browser.text("#client").await, format!("App {}", app.run));
    let answer = browser
        .attribute("#captcha-image", "data-answer")
        .await
        .expect("the local stack shows the answer to the harness");
    browser.type_into("#username", &username).await;
    browser.type_into("#password", &password).await;
    browser.type_into("#captcha", &answer).await;
    browser.click("#sign-in").await;
    // The scope in plain words, and its name.
    assert_eq!(
        browser.text("#scopes").await,
        "See your basic profile (username, nickname, picture) basic"
    );
    browser.click("#allow").await;
    let target = callback.next().await;
    let got = query(&target);
    assert_eq!(
        got["state"],
        *csrf.secret(),
        "the state comes back unchanged"
    );
    assert!(browser.url().await.starts_with(&callback.url));

    let http = http();
    let token = oauth
        .exchange_code(AuthorizationCode::new(got["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let access = token.access_token().clone();
    let (status, info) = json(
        app.http
            .post(app.url("/apis/Oauth/info"))
            .bearer_auth(access.secret())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["client_id"], id.as_str());
    assert_eq!(info["scope"], "basic");

    let refreshed = oauth
        .exchange_refresh_token(token.refresh_token().unwrap())
        .request_async(&http)
        .await
        .expect("refresh");
    let replay = oauth
        .exchange_refresh_token(token.refresh_token().unwrap())
        .request_async(&http)
        .await;
    assert!(replay.is_err(), "a used refresh token is refused");

    // The replay ended the chain; a fresh authorization to introspect and revoke.
    let introspected = oauth
        .introspect(refreshed.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(
        !introspected.active(),
        "the replay ended the refreshed pair too"
    );
    drop(browser);
}

/// Walks the hosted page with plain form posts: (the final response's status, Location).
pub(crate) async fn hosted(
    app: &TestApp,
    auth_url: &str,
    username: &str,
    password: &str,
    decision: &str,
) -> (u16, String) {
    let (html, binding) = open_page(app, auth_url).await;
    let walked = sign_in_and_decide(app, &html, &binding, username, password, decision).await;
    (walked.status, walked.location)
}

/// A hosted page of `url` as a browser without cookies gets it: its HTML and the binding
/// cookie (`name=value`) its forms must come back with.
pub(crate) async fn open_page(app: &TestApp, url: &str) -> (String, String) {
    let page = app.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let binding = binding_of(&page).expect("the page binds its request to the browser");
    (page.text().await.unwrap(), binding)
}

/// The binding cookie (`__Host-passport-browser=...`) a page set, if it set one.
pub(crate) fn binding_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find(|c| c.starts_with("__Host-passport-browser="))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

/// What signing in on a sign-in page and deciding on its consent page came to.
pub(crate) struct Walked {
    /// The sign-in's `Set-Cookie` (the browser session).
    pub set_cookie: Option<String>,
    /// The decision's answer: its status and Location.
    pub status: u16,
    pub location: String,
}

/// Signs in on the sign-in page `html` (its captcha answered), then posts `decision` on
/// the consent page that follows, both from the browser whose binding cookie is `binding`.
pub(crate) async fn sign_in_and_decide(
    app: &TestApp,
    html: &str,
    binding: &str,
    username: &str,
    password: &str,
    decision: &str,
) -> Walked {
    let request = field(html, "name=\"request\" value=\"");
    let signed_in = app
        .http
        .post(app.url("/oauth2/authorize"))
        .header("cookie", binding)
        .form(&[
            ("request", request.as_str()),
            ("step", "signin"),
            ("captcha_key", &field(html, "name=\"captcha_key\" value=\"")),
            ("captcha", &field(html, "data-answer=\"")),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    let set_cookie = signed_in
        .headers()
        .get("set-cookie")
        .map(|c| c.to_str().unwrap().to_owned());
    let consent = signed_in.text().await.unwrap();
    assert!(consent.contains("id=\"allow\""), "{consent}");
    // As a browser would, the decision carries the session cookie the sign-in set.
    let cookies = match &set_cookie {
        Some(set) => format!("{binding}; {}", set.split(';').next().unwrap()),
        None => binding.to_owned(),
    };
    let done = app
        .http
        .post(app.url("/oauth2/authorize"))
        .header("cookie", cookies)
        .form(&[
            ("request", request.as_str()),
            ("step", "consent"),
            ("decision", decision),
        ])
        .send()
        .await
        .unwrap();
    let location = done
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    Walked {
        set_cookie,
        status: done.status().as_u16(),
        location,
    }
}

#[tokio::test]
async fn codes_are_single_use_and_verifiers_must_match() {
    let app = TestApp::new();
    let (id, secret) = client(&app, &[]);
    let secret = secret.unwrap();
    let (username, password, _) = user(&app, "replay").await;
    let oauth = library_client(&app, &id, Some(&secret), "https://app.example.com/cb");
    let http = http();

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = oauth
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let (status, location) = hosted(&app, url.as_str(), &username, &password, "allow").await;
    assert_eq!(status, 302);
    let code = query(&location)["code"].clone();
    let verifier_text = verifier.secret().clone();
    let first = oauth
        .exchange_code(AuthorizationCode::new(code.clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("first redemption");
    let second = oauth
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(oauth2::PkceCodeVerifier::new(verifier_text))
        .request_async(&http)
        .await;
    match second {
        Err(oauth2::RequestTokenError::ServerResponse(e)) => {
            assert_eq!(e.error().as_ref(), "invalid_grant")
        }
        other => panic!("a second redemption must fail with invalid_grant: {other:?}"),
    }
    let after = oauth
        .introspect(first.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(
        !after.active(),
        "what the first redemption issued is revoked"
    );

    // A wrong verifier.
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = oauth
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let (_, location) = hosted(&app, url.as_str(), &username, &password, "allow").await;
    let wrong = oauth
        .exchange_code(AuthorizationCode::new(query(&location)["code"].clone()))
        .set_pkce_verifier(PkceCodeChallenge::new_random_sha256().1)
        .request_async(&http)
        .await;
    assert!(
        matches!(wrong, Err(oauth2::RequestTokenError::ServerResponse(_))),
        "{wrong:?}"
    );

    // Introspection of a live token, then RFC 7009 revocation (200 also for garbage).
    let (url, _) = oauth.authorize_url(CsrfToken::new_random).url();
    let (_, location) = hosted(&app, url.as_str(), &username, &password, "allow").await;
    let live = oauth
        .exchange_code(AuthorizationCode::new(query(&location)["code"].clone()))
        .request_async(&http)
        .await
        .unwrap();
    let seen = oauth
        .introspect(live.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(seen.active());
    assert_eq!(seen.client_id().map(|c| c.as_str()), Some(id.as_str()));
    assert_eq!(revoke(&app, &id, &secret, "not-a-token").await, 200);
    assert_eq!(
        revoke(&app, &id, &secret, live.refresh_token().unwrap().secret()).await,
        200
    );
    let gone = oauth
        .introspect(live.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(
        !gone.active(),
        "revoking the refresh token ends its access token too"
    );
}

#[tokio::test]
async fn the_hosted_page_never_redirects_a_bad_client_or_uri_and_reports_the_rest() {
    let app = TestApp::new();
    let (id, _) = client(&app, &[]);
    let (public_id, _) = client(&app, &["--public"]);
    let (username, password, _) = user(&app, "hosted").await;
    let get = |q: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let r = app
                .http
                .get(app.url("/oauth2/authorize"))
                .query(&q)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            (status, location, r.text().await.unwrap())
        }
    };
    let base = |client: &str, redirect: &str| {
        vec![
            ("response_type", "code".to_owned()),
            ("client_id", client.to_owned()),
            ("redirect_uri", redirect.to_owned()),
            ("state", "st".to_owned()),
        ]
    };
    for redirect in [
        "https://app.example.com/cb/",
        "https://app.example.com/CB",
        "https://app.example.com/cb?next=/admin",
        "http://app.example.com/cb",
        "https://evil.example.com/cb",
    ] {
        let (status, location, page) = get(base(&id, redirect)).await;
        assert_eq!((status, location), (400, None), "{redirect}");
        assert!(page.contains("not matched"), "{page}");
    }
    let (status, location, _) = get(base("999999999999999", "https://app.example.com/cb")).await;
    assert_eq!((status, location), (400, None));

    let error_of =
        |location: Option<String>| query(&location.expect("a redirect"))["error"].clone();
    let mut q = base(&id, "https://app.example.com/cb");
    q[0].1 = "token".into();
    let (status, location, _) = get(q).await;
    assert_eq!(status, 302);
    assert_eq!(error_of(location), "unsupported_response_type");
    let (_, location, _) = get(base(&public_id, "https://app.example.com/cb")).await;
    assert_eq!(
        error_of(location),
        "invalid_request",
        "public clients need PKCE"
    );
    let mut plain = base(&public_id, "https://app.example.com/cb");
    plain.push(("code_challenge", "a".repeat(43)));
    plain.push(("code_challenge_method", "plain".into()));
    let (_, location, _) = get(plain).await;
    assert_eq!(error_of(location), "invalid_request", "plain is refused");
    let mut scope = base(&id, "https://app.example.com/cb");
    scope.push(("scope", "admin".into()));
    let (_, location, _) = get(scope).await;
    assert_eq!(error_of(location), "invalid_scope");

    // Deny: back with access_denied and the state.
    let url = format!("{}?response_type=code&client_id={id}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=st", app.url("/oauth2/authorize"));
    let (status, location) = hosted(&app, &url, &username, &password, "deny").await;
    assert_eq!(status, 302);
    let q = query(&location);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("access_denied", "st")
    );

    // A form posted from another browser (without this page's binding cookie, or with
    // another's) is refused, whatever it holds: no login CSRF.
    let (html, binding) = open_page(&app, &url).await;
    let request = field(&html, "name=\"request\" value=\"");
    let (_, elsewhere) = open_page(&app, &url).await;
    for cookie in [None, Some(elsewhere.as_str())] {
        let mut post = app.http.post(app.url("/oauth2/authorize"));
        if let Some(cookie) = cookie {
            post = post.header("cookie", cookie);
        }
        let refused = post
            .form(&[
                ("request", request.as_str()),
                ("step", "signin"),
                (
                    "captcha_key",
                    &field(&html, "name=\"captcha_key\" value=\""),
                ),
                ("captcha", &field(&html, "data-answer=\"")),
                ("username", &username),
                ("password", &password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{cookie:?}");
        let refused = refused.text().await.unwrap();
        assert!(refused.contains("another browser"), "{refused}");
        assert!(!refused.contains("id=\"allow\""));
    }
    // The browser that opened it goes on: its page again (`/oauth2/signin`, a new
    // captcha, as the page's "new picture" link asks), then signed in.
    let renew = app
        .http
        .get(app.url("/oauth2/signin"))
        .query(&[("request", request.as_str())])
        .header("cookie", &binding)
        .send()
        .await
        .unwrap();
    assert_eq!(renew.status(), 200);
    let renewed = renew.text().await.unwrap();
    assert_ne!(
        field(&renewed, "name=\"captcha_key\" value=\""),
        field(&html, "name=\"captcha_key\" value=\"")
    );
    let signed_in = app
        .http
        .post(app.url("/oauth2/authorize"))
        .header("cookie", &binding)
        .form(&[
            ("request", request.as_str()),
            ("step", "signin"),
            (
                "captcha_key",
                &field(&renewed, "name=\"captcha_key\" value=\""),
            ),
            ("captcha", &field(&renewed, "data-answer=\"")),
            ("username", &username),
            ("password", &password),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(signed_in.contains("id=\"allow\""), "{signed_in}");

    // A wrong captcha or password shows the page again, with a new picture.
    let (html, binding) = open_page(&app, &url).await;
    let request = field(&html, "name=\"request\" value=\"");
    let again = app
        .http
        .post(app.url("/oauth2/authorize"))
        .header("cookie", &binding)
        .form(&[
            ("request", request.as_str()),
            ("step", "signin"),
            (
                "captcha_key",
                &field(&html, "name=\"captcha_key\" value=\""),
            ),
            ("captcha", "00000"),
            ("username", &username),
            ("password", &password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let again = again.text().await.unwrap();
    assert!(
        again.contains("did not match") && again.contains("id=\"sign-in\""),
        "{again}"
    );
    let wrong = app
        .http
        .post(app.url("/oauth2/authorize"))
        .header("cookie", &binding)
        .form(&[
            ("request", request.as_str()),
            ("step", "signin"),
            (
                "captcha_key",
                &field(&again, "name=\"captcha_key\" value=\""),
            ),
            ("captcha", &field(&again, "data-answer=\"")),
            ("username", &username),
            ("password", "wrong-password"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(wrong.contains("Wrong username or password"), "{wrong}");
    // Consent without signing in is not possible.
    let sneaky = app
        .http
        .post(app.url("/oauth2/authorize"))
        .header("cookie", &binding)
        .form(&[
            ("request", request.as_str()),
            ("step", "consent"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sneaky.status(), 200, "the sign-in page again, no redirect");
}

#[tokio::test]
async fn token_endpoint_errors_grants_metadata_and_keys() {
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
    let token = |form: Vec<(&'static str, String)>, basic: Option<(&str, &str)>| {
        let app = &app;
        let basic = basic.map(|(a, b)| (a.to_owned(), b.to_owned()));
        async move {
            let mut r = app.http.post(app.url("/oauth2/token")).form(&form);
            if let Some((u, p)) = basic {
                r = r.basic_auth(u, Some(p));
            }
            let r = r.send().await.unwrap();
            let challenge = r.headers().get("www-authenticate").is_some();
            let (s, b) = json(r).await;
            (s, b, challenge)
        }
    };
    let (s, b, challenge) = token(
        vec![("grant_type", "client_credentials".into())],
        Some((&id, "wrong")),
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str(), challenge),
        (401, Some("invalid_client"), true),
        "{b}"
    );
    let (s, b, _) = token(
        vec![
            ("grant_type", "client_credentials".into()),
            ("client_id", id.clone()),
            ("client_secret", secret.clone()),
        ],
        None,
    )
    .await;
    assert_eq!(s, 200, "client_secret_post: {b}");
    assert!(
        b["refresh_token"].is_null(),
        "no refresh token for client credentials"
    );
    assert_eq!(b["token_type"], "Bearer");
    let (s, b, _) = token(vec![("grant_type", "magic".into())], Some((&id, &secret))).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (s, b, _) = token(
        vec![
            ("grant_type", "password".into()),
            ("username", "x".into()),
            ("password", "y".into()),
        ],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("unauthorized_client")),
        "not first-party"
    );
    let (s, b, _) = token(
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", "f".repeat(40)),
            ("redirect_uri", "https://app.example.com/cb".into()),
        ],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!((s, b["error"].as_str()), (400, Some("invalid_grant")));
    let (s, b, _) = token(
        vec![
            ("grant_type", "client_credentials".into()),
            ("client_secret", secret.clone()),
        ],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("invalid_request")),
        "two methods: {b}"
    );

    let (s, meta) = json(
        app.http
            .get(app.url("/.well-known/oauth-authorization-server"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(meta["issuer"], app.stack.api.as_str());
    assert_eq!(meta["token_endpoint"], app.url("/oauth2/token"));
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let (s, jwks) = json(
        app.http
            .get(meta["jwks_uri"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    let key: &Value = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["crv"].as_str(),
            key["alg"].as_str()
        ),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    // The key that signs access tokens is this one: the token's header names its kid.
    let (_, b, _) = token(
        vec![("grant_type", "client_credentials".into())],
        Some((&id, &secret)),
    )
    .await;
    use base64::Engine;
    let header = b["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .to_owned();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], key["kid"]);
    assert_eq!(header["alg"], "EdDSA");
}
