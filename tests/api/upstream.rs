//! Signing in through upstream providers (issue 20): node oidc-provider
//! (tests/clients/upstream-op.mjs) on loopback, spoken to as an OpenID Connect provider and
//! as a generic OAuth 2.0 one (its authorization, token and user-info endpoints, the claims
//! mapped), driven in Chromium. From Passport's sign-in page: the first sign-in links the
//! identity to a new account, the next one signs that account in; an identity is bound to
//! one account, and linking to an existing account needs its password. From a native app
//! (`/api/User/snsstart`): the SNS ticket at the app's redirect URI, 203205 for an identity
//! bound nowhere, `snsreg` `type=reg` and `type=log`, tickets used once and only with the
//! app's PKCE verifier, a race of two accounts for one identity, unbind.

use crate::hosted_pages::shoot;
use crate::oauth::{client, user};
use crate::sso::{arrival, authorize};
use passport_tests::browser::{Browser, Callback};
use passport_tests::{code_of as code, json, repo_root, TestApp};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};

/// oidc-provider, serving until dropped.
struct Upstream {
    child: Child,
    issuer: String,
}

impl Upstream {
    /// oidc-provider with one client; `claims_at` "userinfo-only" keeps the address out
    /// of its ID tokens.
    fn start(client_id: &str, secret: &str, redirect: &str, claims_at: &str) -> Upstream {
        let mut child = Command::new("node")
            .arg(repo_root().join(".local/clients/upstream-op.mjs"))
            .args([client_id, secret, redirect, claims_at])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs oidc-provider (scripts/install-local-stack --clients)");
        let mut line = String::new();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line)
            .expect("oidc-provider says where it listens");
        // The rest of what it prints is read (and dropped), so that it never writes to a
        // closed pipe.
        std::thread::spawn(move || out.lines().for_each(drop));
        let said: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("{line}"));
        Upstream {
            child,
            issuer: said["issuer"].as_str().unwrap().to_owned(),
        }
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Through oidc-provider's pages as `login`, whichever it shows: its sign-in form, its
/// consent (the first time for this account, client and scopes), or none (its session and
/// an earlier consent answer at once).
async fn through_provider(browser: &Browser, upstream: &Upstream, login: &str) {
    for _ in 0..2 {
        if !browser.url().await.starts_with(&upstream.issuer) {
            return;
        }
        if browser.has("input[name=login]").await {
            browser.type_into("input[name=login]", login).await;
            browser.type_into("input[name=password]", "any").await;
        }
        browser.click("button.login-submit").await;
    }
}

/// Signs in at oidc-provider's development pages as `login`, and allows Passport.
async fn at_the_provider(browser: &Browser, login: &str) {
    browser.type_into("input[name=login]", login).await;
    browser.type_into("input[name=password]", "any").await;
    browser.click("button.login-submit").await;
    // Its consent page (the first time for this account and client).
    browser.click("button.login-submit").await;
}

#[tokio::test]
async fn an_upstream_identity_links_a_new_account_then_signs_it_in_and_binds_once() {
    let app = TestApp::new();
    let mut callback = Callback::start().await;
    let redirect = callback.url.clone();
    let (a, _) = client(&app, &["--redirect-uri", &redirect]);
    // The address at the user-info endpoint only: Passport asks there for it.
    let upstream = Upstream::start(
        "passport",
        "upstream-secret",
        &app.url("/oauth2/upstream/callback"),
        "userinfo-only",
    );
    let id = format!("corp{}", &app.run[..6]);
    app.admin(&[
        "provider",
        "create",
        "--id",
        &id,
        "--name",
        "Corp SSO",
        "--issuer",
        &upstream.issuer,
        "--client-id",
        "passport",
        "--client-secret",
        "upstream-secret",
    ]);
    let listed = app.admin(&["provider", "list"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id.as_str()
                && p.get("client_secret").is_none()
                && p["secret_arn"]
                    .as_str()
                    .unwrap()
                    .contains("passport/providers/")),
        "{listed}"
    );
    let browser = Browser::start().await;
    let login = format!("alice{}", &app.run[..6]);

    // First time: the provider's identity is bound to no account; a new one is made.
    browser
        .goto(&authorize(&app, &a, &redirect, &[("ui_locales", "en")]))
        .await;
    shoot(&browser, "sign-in-with-provider-en").await;
    browser.click(&format!("#upstream-{id}")).await;
    at_the_provider(&browser, &login).await;
    assert_eq!(browser.text("h1").await, "Link your account");
    assert_eq!(browser.text("#provider").await, "Corp SSO");
    shoot(&browser, "upstream-link-en").await;
    // The provider proved the address (at its user-info endpoint): it is offered.
    assert_eq!(
        browser.attribute("#email", "value").await.as_deref(),
        Some(format!("{login}@upstream.example").as_str())
    );
    let username = format!("linked_{}", &app.run[..8]);
    browser.type_into("#username", &username).await;
    browser.type_into("#password", "linked-pass-1").await;
    browser.type_into("#confirm", "linked-pass-1").await;
    browser.click("#create-linked").await;
    assert_eq!(browser.text("h1").await, "Allow access?");
    browser.click("#allow").await;
    assert!(arrival(&mut callback).await.contains_key("code"));
    let (status, body) = app.login(&username, "linked-pass-1").await;
    assert_eq!(
        status, 200,
        "the new account signs in with its password too: {body}"
    );

    // Next time (a new sign-in asked for): the bound account, no link page.
    let again = [("ui_locales", "en"), ("prompt", "login")];
    browser.goto(&authorize(&app, &a, &redirect, &again)).await;
    browser.click(&format!("#upstream-{id}")).await;
    if browser.url().await.starts_with(&upstream.issuer) {
        at_the_provider(&browser, &login).await;
    }
    assert_eq!(browser.text("h1").await, "Allow access?");
    browser.click("#allow").await;
    assert!(arrival(&mut callback).await.contains_key("code"));

    drop(browser);

    // Another identity at the provider, in another browser, linked to an account that
    // exists: only with that account's password.
    let (existing, existing_password, _) = user(&app, "upstreamlink").await;
    let browser = Browser::start().await;
    browser
        .goto(&authorize(&app, &a, &redirect, &[("ui_locales", "zh")]))
        .await;
    browser.click(&format!("#upstream-{id}")).await;
    at_the_provider(&browser, &format!("bob{}", &app.run[..6])).await;
    assert_eq!(browser.text("h1").await, "绑定账号");
    shoot(&browser, "upstream-link-zh").await;
    browser.type_into("#login", &existing).await;
    browser
        .type_into("#login-password", "not-its-password")
        .await;
    browser.click("#link-existing").await;
    // Refused, said on the page; nothing bound.
    assert!(!browser.text("#error").await.is_empty());
    assert_eq!(browser.text("h1").await, "绑定账号");
    browser.type_into("#login", &existing).await;
    browser
        .type_into("#login-password", &existing_password)
        .await;
    browser.click("#link-existing").await;
    assert_eq!(browser.text("h1").await, "允许访问？");
    browser.click("#allow").await;
    assert!(arrival(&mut callback).await.contains_key("code"));
    drop(browser);
}

/// A native app's PKCE pair (RFC 7636): a fresh verifier and its S256 challenge.
fn pkce() -> (String, String) {
    let verifier = passport_shared::crypto::random_secret(32);
    let challenge = passport_shared::crypto::pkce_s256(&verifier);
    (verifier, challenge)
}

/// A native app's sign-in at `provider` in `browser` as `login` at the provider: what the
/// app's redirect URI receives, and the verifier the ticket wants.
async fn native(
    app: &TestApp,
    browser: &Browser,
    callback: &mut Callback,
    upstream: &Upstream,
    (client_id, provider, login): (&str, &str, &str),
) -> (std::collections::HashMap<String, String>, String) {
    let (verifier, challenge) = pkce();
    let mut url = url::Url::parse(&app.url("/api/User/snsstart")).unwrap();
    url.query_pairs_mut()
        .append_pair("provider", provider)
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", &callback.url)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "app-state-1");
    browser.goto(url.as_str()).await;
    through_provider(browser, upstream, login).await;
    (arrival(callback).await, verifier)
}

#[tokio::test]
async fn a_native_app_signs_in_through_an_oauth2_provider_and_one_identity_binds_once() {
    let app = TestApp::new();
    let mut callback = Callback::start().await;
    let (a, _) = client(&app, &["--redirect-uri", &callback.url]);
    let upstream = Upstream::start(
        "passport",
        "upstream-secret",
        &app.url("/oauth2/upstream/callback"),
        "in-id-token",
    );
    // oidc-provider as a plain OAuth 2.0 provider: its endpoints and user-info claims.
    let id = format!("gen{}", &app.run[..6]);
    let endpoint = |path: &str| format!("{}{path}", upstream.issuer);
    let made = app.admin(&[
        "provider",
        "create",
        "--id",
        &id,
        "--name",
        "Generic OAuth",
        "--authorize-url",
        &endpoint("/auth"),
        "--token-url",
        &endpoint("/token"),
        "--userinfo-url",
        &endpoint("/me"),
        "--id-claim",
        "sub",
        "--email-claim",
        "email",
        "--email-verified-claim",
        "email_verified",
        "--scope",
        "openid",
        "--scope",
        "email",
        "--client-id",
        "passport",
        "--client-secret",
        "upstream-secret",
    ]);
    assert_eq!(
        (made["protocol"].as_str(), made["dialect"].as_str()),
        (Some("oauth2"), Some("standard")),
        "{made}"
    );
    let presets = app.admin(&["provider", "presets"]);
    let named: Vec<&str> = presets
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["preset"].as_str())
        .collect();
    assert_eq!(named, ["google", "github", "weibo", "qq", "wechat"]);

    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            json(app.post_form(path, &form).await).await
        }
    };
    let browser = Browser::start().await;
    let dana = format!("dana{}", &app.run[..6]);
    let (back, verifier) = native(&app, &browser, &mut callback, &upstream, (&a, &id, &dana)).await;
    assert_eq!(back.get("state").map(String::as_str), Some("app-state-1"));
    assert_eq!(back.get("channel"), Some(&id));
    let ticket = back["sns_ticket"].clone();

    // Bound nowhere yet: 203205, and the ticket stays good.
    let (status, body) = post(
        "/api/User/snslogin",
        vec![
            ("sns_ticket", ticket.clone()),
            ("code_verifier", verifier.clone()),
        ],
    )
    .await;
    assert_eq!((status, code(&body)), (404, Some(203205)), "{body}");
    assert_eq!(
        body["message"],
        format!("The account of {id} has not been bound to the account of this website")
    );
    // Without the app's verifier, or with another, the ticket is nobody's.
    for wrong in [vec![], vec![("code_verifier", pkce().0)]] {
        let mut form = vec![("sns_ticket", ticket.clone())];
        form.extend(wrong);
        let (status, body) = post("/api/User/snslogin", form).await;
        assert_eq!((status, code(&body)), (401, Some(203203)), "{body}");
    }
    // type=reg: a new account bound to it.
    let username = format!("native_{}", &app.run[..8]);
    let reg = vec![
        ("type", "reg".to_owned()),
        ("sns_ticket", ticket.clone()),
        ("code_verifier", verifier.clone()),
        ("username", username.clone()),
        ("password", "native-pass-1".to_owned()),
        ("confirm", "native-pass-1".to_owned()),
        ("email", app.email("native")),
    ];
    let (status, body) = post("/api/User/snsreg", reg.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["username"], username.as_str());
    // Once.
    let (status, body) = post("/api/User/snsreg", reg).await;
    assert_eq!((status, code(&body)), (401, Some(203203)), "{body}");

    // Next time the bound account signs in (the provider's session answers at once).
    let (back, verifier) = native(&app, &browser, &mut callback, &upstream, (&a, &id, &dana)).await;
    let login = vec![
        ("sns_ticket", back["sns_ticket"].clone()),
        ("code_verifier", verifier),
    ];
    let (status, body) = post("/api/User/snslogin", login.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["username"], username.as_str());
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    let (status, body) = post("/api/User/snslogin", login).await;
    assert_eq!(
        (status, code(&body)),
        (401, Some(203203)),
        "used once: {body}"
    );
    drop(browser);

    // Another identity, two tickets for it, two accounts racing to bind it: exactly one
    // wins, the other is told it is bound (203204).
    let browser = Browser::start().await;
    let erin = format!("erin{}", &app.run[..6]);
    let first = native(&app, &browser, &mut callback, &upstream, (&a, &id, &erin)).await;
    let second = native(&app, &browser, &mut callback, &upstream, (&a, &id, &erin)).await;
    drop(browser);
    let (one, one_password, _) = user(&app, "racer1").await;
    let (two, two_password, _) = user(&app, "racer2").await;
    let bind = |(back, verifier): &(std::collections::HashMap<String, String>, String),
                name: &str,
                password: &str| {
        post(
            "/api/User/snsreg",
            vec![
                ("type", "log".to_owned()),
                ("sns_ticket", back["sns_ticket"].clone()),
                ("code_verifier", verifier.clone()),
                ("username", name.to_owned()),
                ("password", password.to_owned()),
            ],
        )
    };
    let (a1, a2) = tokio::join!(
        bind(&first, &one, &one_password),
        bind(&second, &two, &two_password)
    );
    let mut outcomes = [(a1.0, code(&a1.1)), (a2.0, code(&a2.1))];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [(200, Some(0)), (409, Some(203204))],
        "{a1:?} {a2:?}"
    );
    let (winner, winner_token) = if a1.0 == 200 {
        (&one, &a1.1)
    } else {
        (&two, &a2.1)
    };
    assert_eq!(winner_token["username"], winner.as_str());

    // Unbind: the winner keeps its password, the identity is free again.
    let token = winner_token["access_token"].as_str().unwrap();
    let (status, body) = json(
        app.http
            .post(app.url("/api/User/unbind"))
            .bearer_auth(token)
            .form(&[("channel", id.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let browser = Browser::start().await;
    let (back, verifier) = native(&app, &browser, &mut callback, &upstream, (&a, &id, &erin)).await;
    let (status, body) = post(
        "/api/User/snslogin",
        vec![
            ("sns_ticket", back["sns_ticket"].clone()),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (404, Some(203205)),
        "unbound: {body}"
    );
    drop(browser);
}

#[tokio::test]
async fn a_native_start_redirects_only_to_the_clients_own_uri_and_reports_failures_there() {
    let app = TestApp::new();
    let mut callback = Callback::start().await;
    let (a, _) = client(&app, &["--redirect-uri", &callback.url]);
    let (_, challenge) = pkce();
    let start = |pairs: &[(&str, &str)]| {
        let mut url = url::Url::parse(&app.url("/api/User/snsstart")).unwrap();
        url.query_pairs_mut().extend_pairs(pairs);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        async move { http.get(url).send().await.unwrap() }
    };
    // Another redirect URI, or no such client: a page, no redirect.
    for (client_id, redirect) in [
        (a.as_str(), "https://evil.example/cb"),
        ("nobody", callback.url.as_str()),
    ] {
        let answer = start(&[
            ("provider", "weibo"),
            ("client_id", client_id),
            ("redirect_uri", redirect),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .await;
        assert_eq!(answer.status(), 400);
        assert!(answer.headers().get("location").is_none());
    }
    // The client's own URI: an unknown provider and a missing challenge are told there.
    let location = |answer: reqwest::Response| {
        assert_eq!(answer.status(), 302);
        let to = answer.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.starts_with(&callback.url), "{to}");
        crate::oauth_standard::query(&to)
    };
    let told = location(
        start(&[
            ("provider", "nosuch"),
            ("client_id", &a),
            ("redirect_uri", &callback.url),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("state", "s-9"),
        ])
        .await,
    );
    assert_eq!(told["error"], "203203");
    assert_eq!(told["error_description"], "Login failed with nosuch");
    assert_eq!(told["state"], "s-9");
    let told = location(
        start(&[
            ("provider", "nosuch"),
            ("client_id", &a),
            ("redirect_uri", &callback.url),
        ])
        .await,
    );
    assert_eq!(told["error"], "100004", "v2's invalid parameter");
    let _ = &mut callback;
}
