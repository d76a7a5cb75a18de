//! Signing in through an upstream OpenID Connect provider (issue 20): node oidc-provider
//! (tests/clients/upstream-op.mjs) on loopback, driven in Chromium from Passport's sign-in
//! page: the first sign-in links the identity to a new account, the next one signs that
//! account in; an identity is bound to one account, and linking to an existing account
//! needs its password.

use crate::hosted_pages::shoot;
use crate::oauth::{client, user};
use crate::sso::{arrival, authorize};
use passport_tests::browser::{Browser, Callback};
use passport_tests::{repo_root, TestApp};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};

/// oidc-provider, serving until dropped.
struct Upstream {
    child: Child,
    issuer: String,
}

impl Upstream {
    fn start(client_id: &str, secret: &str, redirect: &str) -> Upstream {
        let mut child = Command::new("node")
            .arg(repo_root().join(".local/clients/upstream-op.mjs"))
            .args([client_id, secret, redirect])
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
    let upstream = Upstream::start(
        "passport",
        "upstream-secret",
        &app.url("/oauth2/upstream/callback"),
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
    // The provider proved the address: it is offered.
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
