//! Single sign-on at the hosted pages (issue 19): a browser signed in once serves every
//! client until its session ends; `prompt` and `max_age` against that session; consent
//! remembered per user and client, listed and revoked through the user center;
//! RP-initiated logout and back-channel logout tokens (checked by jose).

use crate::oauth::{client, user};
use crate::oauth_standard::{field, open_page, query, sign_in_and_decide};
use passport_tests::browser::{Browser, Callback};
use passport_tests::{json, TestApp};
use reqwest::Method;

/// An authorization URL of the hosted page for `client_id` (scope `basic` unless `extra`
/// names one).
pub(crate) fn authorize(
    app: &TestApp,
    client_id: &str,
    redirect: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut url = url::Url::parse(&app.url("/oauth2/authorize")).unwrap();
    let mut pairs = url.query_pairs_mut();
    pairs
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("state", "st-1");
    if !extra.iter().any(|(k, _)| *k == "scope") {
        pairs.append_pair("scope", "basic");
    }
    pairs.extend_pairs(extra);
    drop(pairs);
    url.into()
}

/// The next redirect to the callback itself (Chromium may also ask it for a favicon).
pub(crate) async fn arrival(callback: &mut Callback) -> std::collections::HashMap<String, String> {
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

/// Signs in on the sign-in page `html` (opened with the binding cookie `binding`) and
/// allows the request: the session cookie set by
/// the sign-in (`name=value`, its attributes checked) and the redirect's Location.
async fn sign_in_and_allow(
    app: &TestApp,
    (html, binding): &(String, String),
    username: &str,
    password: &str,
) -> (String, String) {
    let walked = sign_in_and_decide(app, html, binding, username, password, "allow").await;
    let set_cookie = walked
        .set_cookie
        .expect("the sign-in sets the session cookie");
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
    assert_eq!(walked.status, 302);
    (cookie, walked.location)
}

/// Exchanges a code of a confidential client: the access token.
async fn exchange(app: &TestApp, client: (&str, &str), redirect: &str, code: &str) -> String {
    let body = exchange_for(app, client, redirect, code).await;
    body["access_token"].as_str().unwrap().to_owned()
}

/// Exchanges a code of a confidential client: the token response.
async fn exchange_for(
    app: &TestApp,
    (id, secret): (&str, &str),
    redirect: &str,
    code: &str,
) -> serde_json::Value {
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
    body
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
    let (a, _) = client(
        &app,
        &[
            "--redirect-uri",
            &redirect,
            "--post-logout-redirect-uri",
            &redirect,
        ],
    );
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

    // A signs the browser out (RP-initiated logout): the confirmation, then back to A with
    // its state; the next authorization signs in again.
    let mut logout = url::Url::parse(&app.url("/oauth2/logout")).unwrap();
    logout
        .query_pairs_mut()
        .append_pair("client_id", &a)
        .append_pair("post_logout_redirect_uri", &redirect)
        .append_pair("state", "bye");
    browser.goto(logout.as_str()).await;
    assert_eq!(browser.text("h1").await, "Sign out?");
    browser.click("#sign-out").await;
    assert_eq!(arrival(&mut callback).await["state"], "bye");
    browser.goto(&authorize(&app, &b, &redirect, &[])).await;
    assert_eq!(browser.text("h1").await, "Sign in");
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

    let page = open_page(&app, &authorize(&app, &a, redirect, &[])).await;
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

    // A new password ends the browser sessions too: prompt=none must sign in again.
    let (status, body) = crate::profiles::modify_basic(
        &app,
        &center_token,
        &[
            ("newpassword", "ssonone-new-pass"),
            ("confirm", "ssonone-new-pass"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, location, _) = visit(&app, &code_for(&[("prompt", "none")], &a), Some(&cookie)).await;
    assert_eq!(query(&location)["error"], "login_required");
}

/// The claims of a JWT, unverified (the libraries of tests/clients verify).
fn claims_of(jwt: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// jose's check of a back-channel logout token (tests/clients/validate-logout-token.mjs):
/// what it printed, and whether it accepted the token.
fn validate_logout_token(issuer: &str, client_id: &str, token: &str) -> (bool, serde_json::Value) {
    let script = passport_tests::repo_root().join(".local/clients/validate-logout-token.mjs");
    let out = std::process::Command::new("node")
        .arg(&script)
        .args([issuer, client_id, token])
        .output()
        .expect("node runs (scripts/install-local-stack --clients installs jose)");
    let said = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&out.stderr).into_owned())
    });
    (out.status.success(), said)
}

/// A form post to the logout endpoint from a browser holding `cookie`: (status, Location,
/// Set-Cookie, page).
async fn post_logout(
    app: &TestApp,
    cookie: &str,
    form: &[(&str, &str)],
) -> (u16, String, String, String) {
    let done = app
        .http
        .post(app.url("/oauth2/logout"))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        done.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (location, set_cookie) = (header("location"), header("set-cookie"));
    (
        done.status().as_u16(),
        location,
        set_cookie,
        done.text().await.unwrap(),
    )
}

#[tokio::test]
async fn rp_initiated_logout_ends_the_browser_session_and_tells_the_back_channel() {
    let app = TestApp::new();
    let redirect = crate::oauth::REDIRECT;
    let mut back_channel = Callback::start().await;
    let bye = "https://app.example.com/bye";
    let (a, a_secret) = client(
        &app,
        &[
            "--post-logout-redirect-uri",
            bye,
            "--backchannel-logout-uri",
            &back_channel.url,
        ],
    );
    let (username, password, _) = user(&app, "logout").await;
    let issuer = app.stack.api.as_str();

    let page = open_page(
        &app,
        &authorize(&app, &a, redirect, &[("scope", "openid"), ("nonce", "n-1")]),
    )
    .await;
    let (cookie, location) = sign_in_and_allow(&app, &page, &username, &password).await;
    let tokens = exchange_for(
        &app,
        (&a, a_secret.as_deref().unwrap()),
        redirect,
        &query(&location)["code"],
    )
    .await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let sid = claims_of(id_token)["sid"]
        .as_str()
        .expect("an ID token of the hosted pages names its browser session")
        .to_owned();

    // The endpoint is in discovery; what it refuses is an error page, never a redirect.
    let (_, meta) = app.get_json("/.well-known/openid-configuration").await;
    assert_eq!(
        meta["end_session_endpoint"],
        format!("{issuer}/oauth2/logout")
    );
    assert_eq!(meta["backchannel_logout_supported"], true);
    let logout = |pairs: &[(&str, &str)]| {
        let mut url = url::Url::parse(&app.url("/oauth2/logout")).unwrap();
        url.query_pairs_mut().extend_pairs(pairs);
        String::from(url)
    };
    for bad in [
        vec![
            ("id_token_hint", "not.a.token"),
            ("post_logout_redirect_uri", bye),
        ],
        vec![
            ("id_token_hint", id_token),
            ("post_logout_redirect_uri", "https://evil.example/"),
        ],
        vec![("post_logout_redirect_uri", bye)],
        vec![
            ("id_token_hint", id_token),
            ("client_id", "999999999999999"),
        ],
    ] {
        let (status, location, _) = visit(&app, &logout(&bad), Some(&cookie)).await;
        assert_eq!((status, location.as_str()), (400, ""), "{bad:?}");
    }

    // The confirmation page; a post without its csrf (another site's form) is refused and
    // ends nothing.
    let asked = [
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", bye),
        ("state", "s-9"),
    ];
    let (status, _, page) = visit(&app, &logout(&asked), Some(&cookie)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"sign-out\""), "{page}");
    let csrf = field(&page, "name=\"csrf\" value=\"");
    let forged = [
        ("client_id", a.as_str()),
        ("post_logout_redirect_uri", bye),
        ("csrf", "x"),
    ];
    let (status, _, _, _) = post_logout(&app, &cookie, &forged).await;
    assert_eq!(status, 400);
    // An authorization the session answers without a page, while it lasts.
    let silently = authorize(
        &app,
        &a,
        redirect,
        &[("prompt", "none"), ("scope", "openid")],
    );
    let (_, location, _) = visit(&app, &silently, Some(&cookie)).await;
    assert!(
        query(&location).contains_key("code"),
        "still signed in: {location}"
    );

    // Confirmed: back to the registered URI with the state, the cookie cleared, the
    // session gone, and a logout token for the client that jose accepts.
    let confirmed = [
        ("csrf", csrf.as_str()),
        ("client_id", a.as_str()),
        ("post_logout_redirect_uri", bye),
        ("state", "s-9"),
        ("decision", "sign-out"),
    ];
    let (status, location, set_cookie, _) = post_logout(&app, &cookie, &confirmed).await;
    assert_eq!(
        (status, location.as_str()),
        (302, "https://app.example.com/bye?state=s-9")
    );
    assert!(
        set_cookie.starts_with("__Host-passport-session=;") && set_cookie.contains("Max-Age=0"),
        "{set_cookie}"
    );
    let (target, body) = back_channel.next_request().await;
    assert!(target.starts_with("/callback"), "{target}");
    let token = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "logout_token")
        .map(|(_, v)| v.into_owned())
        .expect("a logout_token form field");
    let (accepted, said) = validate_logout_token(issuer, &a, &token);
    assert!(accepted, "{said}");
    assert_eq!(said["payload"]["sid"], sid.as_str());
    assert_eq!(said["payload"]["sub"], claims_of(id_token)["sub"]);
    let (_, location, _) = visit(&app, &silently, Some(&cookie)).await;
    assert_eq!(query(&location)["error"], "login_required");
    // Signed out already: the endpoint goes straight on.
    let (status, location, _) = visit(&app, &logout(&asked), None).await;
    assert_eq!(
        (status, location.as_str()),
        (302, "https://app.example.com/bye?state=s-9")
    );
}

#[tokio::test]
async fn signing_in_again_ends_the_earlier_session_and_tells_its_back_channel() {
    let app = TestApp::new();
    let redirect = crate::oauth::REDIRECT;
    let mut back_channel = Callback::start().await;
    let (a, a_secret) = client(&app, &["--backchannel-logout-uri", &back_channel.url]);
    let (username, password, _) = user(&app, "again").await;
    let issuer = app.stack.api.as_str();
    let openid = [("scope", "openid"), ("nonce", "n-2")];
    let page = open_page(&app, &authorize(&app, &a, redirect, &openid)).await;
    let (first, location) = sign_in_and_allow(&app, &page, &username, &password).await;
    let tokens = exchange_for(
        &app,
        (&a, a_secret.as_deref().unwrap()),
        redirect,
        &query(&location)["code"],
    )
    .await;
    let first_sid = claims_of(tokens["id_token"].as_str().unwrap())["sid"].clone();

    // The same browser signs in again (prompt=login): a new session replaces the first,
    // whose client hears of its end.
    let login = [("scope", "openid"), ("nonce", "n-3"), ("prompt", "login")];
    let got = app
        .http
        .get(authorize(&app, &a, redirect, &login))
        .header("cookie", &first)
        .send()
        .await
        .unwrap();
    let binding = crate::oauth_standard::binding_of(&got).unwrap();
    let html = got.text().await.unwrap();
    let walked = sign_in_and_decide(
        &app,
        &html,
        &format!("{binding}; {first}"),
        &username,
        &password,
        "allow",
    )
    .await;
    assert_eq!(walked.status, 302);
    let second = walked.set_cookie.expect("a new session cookie");
    assert!(!second.starts_with(&format!("{first};")), "a new session");
    let (target, body) = back_channel.next_request().await;
    assert!(target.starts_with("/callback"), "{target}");
    let token = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "logout_token")
        .map(|(_, v)| v.into_owned())
        .expect("a logout_token form field");
    let (accepted, said) = validate_logout_token(issuer, &a, &token);
    assert!(accepted, "{said}");
    assert_eq!(said["payload"]["sid"], first_sid);
    // The first session no longer serves.
    let (_, location, _) = visit(
        &app,
        &authorize(&app, &a, redirect, &[("prompt", "none")]),
        Some(&first),
    )
    .await;
    assert_eq!(query(&location)["error"], "login_required");
}
