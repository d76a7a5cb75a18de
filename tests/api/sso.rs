//! Single sign-on at the hosted pages (issue 19): a browser signed in once serves every
//! client until its session ends; `prompt` and `max_age` against that session; consent
//! remembered per user and client, listed and revoked through the user center.

use crate::oauth::{client, user};
use crate::oauth_standard::{field, query};
use passport_tests::browser::{Browser, Callback};
use passport_tests::{json, TestApp};
use reqwest::Method;

/// An authorization URL of the hosted page for `client_id`.
fn authorize(app: &TestApp, client_id: &str, redirect: &str, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&app.url("/oauth2/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", "basic")
        .append_pair("state", "st-1")
        .extend_pairs(extra);
    url.into()
}

/// The next redirect to the callback itself (Chromium may also ask it for a favicon).
async fn arrival(callback: &mut Callback) -> std::collections::HashMap<String, String> {
    loop {
        let target = callback.next().await;
        if target.starts_with("/callback") {
            return query(&format!("http://callback{target}"));
        }
    }
}

/// The hosted page's answer to `url` in a browser holding `cookie`: (status, Location,
/// page).
async fn visit(app: &TestApp, url: &str, cookie: Option<&str>) -> (u16, String, String) {
    let mut get = app.http.get(url);
    if let Some(cookie) = cookie {
        get = get.header("cookie", cookie);
    }
    let got = get.send().await.unwrap();
    let status = got.status().as_u16();
    let location = got
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, got.text().await.unwrap())
}

/// Signs in on the sign-in page `html` and allows the request: the session cookie set by
/// the sign-in (`name=value`, its attributes checked) and the redirect's Location.
async fn sign_in_and_allow(
    app: &TestApp,
    html: &str,
    username: &str,
    password: &str,
) -> (String, String) {
    let request = field(html, "name=\"request\" value=\"");
    let signed_in = app
        .http
        .post(app.url("/oauth2/authorize"))
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
        .expect("the sign-in sets the session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in [
        "Path=/",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
        "Max-Age=604800",
    ] {
        assert!(
            set_cookie.split("; ").any(|a| a == attribute),
            "{attribute} in {set_cookie}"
        );
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-passport-session="), "{cookie}");
    let consent = signed_in.text().await.unwrap();
    assert!(consent.contains("id=\"allow\""), "{consent}");
    let done = app
        .http
        .post(app.url("/oauth2/authorize"))
        .form(&[
            ("request", request.as_str()),
            ("step", "consent"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 302);
    let location = done.headers()["location"].to_str().unwrap().to_owned();
    (cookie, location)
}

/// Exchanges a code of a confidential client: the access token.
async fn exchange(app: &TestApp, (id, secret): (&str, &str), redirect: &str, code: &str) -> String {
    let (status, body) = json(
        app.http
            .post(app.url("/oauth2/token"))
            .basic_auth(id, Some(secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// The uid an access token stands for (`/apis/Oauth/info`), or the refusal's status.
async fn uid_of(app: &TestApp, token: &str) -> Result<u64, u16> {
    let (status, body) = json(
        app.http
            .post(app.url("/apis/Oauth/info"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    match status {
        200 => Ok(body["uid"].as_u64().unwrap()),
        other => Err(other),
    }
}

#[tokio::test]
async fn one_sign_in_in_chromium_serves_two_clients_and_consent_is_remembered_until_revoked() {
    let app = TestApp::new();
    let mut callback = Callback::start().await;
    let redirect = callback.url.clone();
    let (a, _) = client(&app, &["--redirect-uri", &redirect]);
    let (b, b_secret) = client(&app, &["--redirect-uri", &redirect]);
    let (username, password, center_token) = user(&app, "sso").await;
    let browser = Browser::start().await;

    // Client A: sign in, then consent.
    browser.goto(&authorize(&app, &a, &redirect, &[])).await;
    let answer = browser
        .attribute("#captcha-image", "data-answer")
        .await
        .unwrap();
    browser.type_into("#username", &username).await;
    browser.type_into("#password", &password).await;
    browser.type_into("#captcha", &answer).await;
    browser.click("#sign-in").await;
    browser.click("#allow").await;
    let first = arrival(&mut callback).await;
    assert_eq!(first["state"], "st-1");
    assert!(first.contains_key("code"));

    // Client B in the same browser: no sign-in page, its consent page at once.
    browser.goto(&authorize(&app, &b, &redirect, &[])).await;
    assert_eq!(browser.text("h1").await, "Allow access?");
    browser.click("#allow").await;
    let from_b = arrival(&mut callback).await;
    let b_token = exchange(
        &app,
        (&b, b_secret.as_deref().unwrap()),
        &redirect,
        &from_b["code"],
    )
    .await;
    let (_, me) = app
        .center(Method::GET, "/api/personal/info", &center_token, None)
        .await;
    assert_eq!(
        uid_of(&app, &b_token).await,
        Ok(me["data"]["id"].as_u64().unwrap()),
        "the session's user authorized B"
    );

    // A again: allowed before, so the code comes back with no page at all; prompt=none too.
    browser.goto(&authorize(&app, &a, &redirect, &[])).await;
    assert!(arrival(&mut callback).await.contains_key("code"));
    browser
        .goto(&authorize(&app, &a, &redirect, &[("prompt", "none")]))
        .await;
    assert!(arrival(&mut callback).await.contains_key("code"));
    // prompt=consent asks again; prompt=login and max_age=0 sign in again.
    browser
        .goto(&authorize(&app, &a, &redirect, &[("prompt", "consent")]))
        .await;
    assert_eq!(browser.text("h1").await, "Allow access?");
    for extra in [("prompt", "login"), ("max_age", "0")] {
        browser
            .goto(&authorize(&app, &a, &redirect, &[extra]))
            .await;
        assert_eq!(browser.text("h1").await, "Sign in", "{extra:?}");
    }

    // The user center lists both apps; revoking A forgets its consent and ends B's tokens
    // not at all.
    let (status, listed) = app
        .center(Method::GET, "/api/personal/apps", &center_token, None)
        .await;
    assert_eq!(status, 200, "{listed}");
    let mut ids: Vec<&str> = listed["data"]["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client_id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut both = vec![a.as_str(), b.as_str()];
    both.sort();
    assert_eq!(ids, both);
    let (status, revoked) = app
        .center(
            Method::DELETE,
            &format!("/api/personal/apps/{a}"),
            &center_token,
            None,
        )
        .await;
    assert_eq!(
        (status, revoked["data"]["revoked"].as_bool()),
        (200, Some(true))
    );
    assert!(uid_of(&app, &b_token).await.is_ok(), "B's token lives on");
    // A asks for consent again, in the still signed-in browser.
    browser.goto(&authorize(&app, &a, &redirect, &[])).await;
    assert_eq!(browser.text("h1").await, "Allow access?");
    drop(browser);
}

#[tokio::test]
async fn prompt_none_and_revocation_against_the_browser_session() {
    let app = TestApp::new();
    let redirect = crate::oauth::REDIRECT;
    let (a, a_secret) = client(&app, &[]);
    let (b, _) = client(&app, &[]);
    let (username, password, center_token) = user(&app, "ssonone").await;

    // No session: prompt=none is login_required, with the state and the issuer.
    let none = [("prompt", "none")];
    let (status, location, _) = visit(&app, &authorize(&app, &a, redirect, &none), None).await;
    assert_eq!(status, 302);
    let refused = query(&location);
    assert_eq!(
        (refused["error"].as_str(), refused["state"].as_str()),
        ("login_required", "st-1")
    );

    let (_, _, page) = visit(&app, &authorize(&app, &a, redirect, &[]), None).await;
    let (cookie, location) = sign_in_and_allow(&app, &page, &username, &password).await;
    let a_token = exchange(
        &app,
        (&a, a_secret.as_deref().unwrap()),
        redirect,
        &query(&location)["code"],
    )
    .await;

    // With the session: A (allowed) answers a code; B (never allowed) consent_required;
    // max_age=0 login_required; a sign-in younger than max_age serves.
    let code_for = |extra: &[(&str, &str)], client: &str| authorize(&app, client, redirect, extra);
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case<'_>; 4] = [
        (&a, &[("prompt", "none")], "code"),
        (&b, &[("prompt", "none")], "consent_required"),
        (
            &a,
            &[("prompt", "none"), ("max_age", "0")],
            "login_required",
        ),
        (&a, &[("prompt", "none"), ("max_age", "3600")], "code"),
    ];
    for (client_id, extra, expected) in cases {
        let (status, location, body) =
            visit(&app, &code_for(extra, client_id), Some(&cookie)).await;
        assert_eq!(status, 302, "{body}");
        let got = query(&location);
        let answer = if got.contains_key("code") {
            "code"
        } else {
            got["error"].as_str()
        };
        assert_eq!(answer, expected, "{client_id} {extra:?}: {location}");
    }
    // A cookie that names no session is no session.
    let forged = "__Host-passport-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let (_, location, _) = visit(&app, &code_for(&[("prompt", "none")], &a), Some(forged)).await;
    assert_eq!(query(&location)["error"], "login_required");

    // Only the user center's own tokens may list or revoke apps.
    let (status, body) = app
        .center(Method::GET, "/api/personal/apps", &a_token, None)
        .await;
    assert_eq!(
        (status, body["code"].as_i64()),
        (403, Some(10003)),
        "{body}"
    );

    // Revoking A ends A's tokens and its consent: prompt=none now needs consent.
    for expected in [true, false] {
        let (status, revoked) = app
            .center(
                Method::DELETE,
                &format!("/api/personal/apps/{a}"),
                &center_token,
                None,
            )
            .await;
        assert_eq!(
            (status, revoked["data"]["revoked"].as_bool()),
            (200, Some(expected)),
            "{revoked}"
        );
    }
    assert_eq!(
        uid_of(&app, &a_token).await.err().map(|s| s >= 400),
        Some(true)
    );
    let (_, location, _) = visit(&app, &code_for(&[("prompt", "none")], &a), Some(&cookie)).await;
    assert_eq!(query(&location)["error"], "consent_required");
    let (status, listed) = app
        .center(Method::GET, "/api/personal/apps", &center_token, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed["data"]["apps"], serde_json::json!([]));
}
