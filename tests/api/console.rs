//! The operator console in headless Chromium: an operator signs in through the hosted
//! pages (the console is a client of Passport's own), finds an account, unlocks it, ends its
//! sessions, disables it, answers a feedback that its author then reads at
//! `/api/feedback/reply/{id}`, and reads all of it in the audit log; in English and
//! Chinese, at laptop and phone width, with screenshots (`scripts/screenshots`). Support
//! staff see the actions disabled and are refused when they post one anyway; a normal
//! account is refused the console; the console's session and forms hold only for it.

use crate::hosted_pages::shoot;
use passport_tests::browser::Browser;
use passport_tests::{Member, TestApp};
use reqwest::Method;
use serde_json::Value;

const PASSWORD: &str = "signed-in-pass";

async fn staff(app: &TestApp, role: &str) -> Member {
    let member = app.member().await;
    app.admin(&["operator", "grant", &member.username, "--role", role]);
    member
}

/// Signs `who` in to the console in `browser` through the hosted sign-in and consent.
async fn sign_in(app: &TestApp, browser: &Browser, who: &Member, lang: &str) {
    browser
        .goto(&app.url(&format!("/console?lang={lang}")))
        .await;
    // Sent on (a 401 page's refresh) to the hosted sign-in, as the console's client.
    browser.type_into("#username", &who.username).await;
    assert!(
        browser.url().await.contains("/oauth2/"),
        "{}",
        browser.url().await
    );
    browser.type_into("#password", PASSWORD).await;
    let captcha = browser
        .attribute("#captcha-image", "data-answer")
        .await
        .expect("the local stack shows the answer");
    browser.type_into("#captcha", &captcha).await;
    browser.click("#sign-in").await;
    // The console asks for `openid` once; allowed, the browser lands on the console.
    if browser.has("#allow").await {
        browser.click("#allow").await;
    }
}

/// How many live sessions `who` has with the console's client.
async fn console_sessions(app: &TestApp, who: &Member) -> usize {
    let (status, body) = app
        .center(
            Method::GET,
            &format!("/api/operator/users/{}", who.uid),
            &who.token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["client_id"] == "passport-console")
        .count()
}

async fn reply_of(app: &TestApp, user: &Member, fid: u64) -> (u16, Value) {
    app.center(
        Method::GET,
        &format!("/api/feedback/reply/{fid}"),
        &user.token,
        None,
    )
    .await
}

#[tokio::test]
async fn an_operator_drives_every_console_page_in_chromium_in_english_and_chinese() {
    let app = TestApp::new();
    let operator = staff(&app, "operator").await;
    let user = app.member().await;
    let (status, body) = app
        .center(
            Method::POST,
            "/api/feedback",
            &user.token,
            Some(&serde_json::json!({"feedback_content": "The app logs me out every morning."})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let fid = body["data"]["id"].as_u64().unwrap();
    // Locked by wrong passwords before the operator looks.
    for _ in 0..5 {
        app.login(&user.username, "wrong password").await;
    }

    let browser = Browser::start().await;
    sign_in(&app, &browser, &operator, "en").await;
    assert_eq!(browser.text("h1").await, "Operator console");
    shoot(&browser, "console-home-en").await;

    // Search, then the account's page.
    browser.type_into("#q", &user.username).await;
    browser.click("#search").await;
    assert_eq!(browser.text("h1").await, "Accounts");
    assert!(browser.text("#results").await.contains(&user.username));
    shoot(&browser, "console-search-en").await;
    browser.click("a.account").await;
    assert_eq!(browser.text("#uid").await, user.uid.to_string());
    assert!(browser.text("#locks").await.contains("locked until"));
    assert!(!browser.text("#sessions").await.contains("None."));
    shoot(&browser, "console-user-en").await;

    // Unlock: the right password signs in again.
    browser.click("#act-unlock").await;
    assert_eq!(
        browser.text("#notice").await,
        "Its sign-in locks are lifted."
    );
    assert!(browser.text("#locks").await.contains("None."));
    let (status, body) = app.login(&user.username, PASSWORD).await;
    assert_eq!(status, 200, "{body}");

    // End every session: the user's tokens die.
    browser.click("#act-end_sessions").await;
    assert_eq!(
        browser.text("#notice").await,
        "Every session of the account has ended."
    );
    assert!(browser.text("#sessions").await.contains("None."));
    let (status, _) = app
        .center(Method::GET, "/api/personal/info", &user.token, None)
        .await;
    assert_eq!(status, 401);

    // Disable, then enable.
    browser.click("#act-disable").await;
    assert!(browser.has("#disabled").await);
    let (status, _) = app.login(&user.username, PASSWORD).await;
    assert_eq!(status, 403, "a disabled account does not sign in");
    browser.click("#act-enable").await;
    assert_eq!(browser.text("#notice").await, "The account is enabled.");
    let (status, signed_in) = app.login(&user.username, PASSWORD).await;
    assert_eq!(status, 200);
    let user = Member {
        token: signed_in["access_token"].as_str().unwrap().to_owned(),
        ..user
    };

    // A client's secret rotated in the console: the page shows the new one once, and both
    // it and the old one get tokens within the grace period.
    browser.click("#nav-clients").await;
    assert_eq!(browser.text("h1").await, "Clients");
    // Registered in the console by the CLI's rules: a plain-http address is refused and
    // said why; then registered, its secret shown once.
    browser
        .type_into("#register input[name=name]", &format!("App {}", app.run))
        .await;
    browser.clear("#register input[name=grant_types]").await;
    browser
        .type_into("#register input[name=grant_types]", "client_credentials")
        .await;
    browser
        .type_into(
            "#register textarea[name=redirect_uris]",
            "http://app.example.com/cb",
        )
        .await;
    browser.click("#register-client").await;
    assert!(browser
        .text("#error")
        .await
        .contains("redirect URIs are https"));
    shoot(&browser, "console-clients-en").await;
    browser
        .type_into("#register input[name=name]", &format!("App {}", app.run))
        .await;
    browser.clear("#register input[name=grant_types]").await;
    browser
        .type_into("#register input[name=grant_types]", "client_credentials")
        .await;
    browser
        .type_into(
            "#register textarea[name=redirect_uris]",
            "https://app.example.com/cb",
        )
        .await;
    browser.click("#register-client").await;
    let old_secret = browser.text("#new-secret").await;
    let client_id = browser.text("#client-id").await;
    // Its redirect URIs changed in place.
    browser.clear("#redirect_uris").await;
    browser
        .type_into(
            "#redirect_uris",
            "https://app.example.com/cb\nhttps://app.example.com/cb2",
        )
        .await;
    browser.click("#client-edit").await;
    assert_eq!(browser.text("#notice").await, "Saved.");
    assert!(browser
        .text("main")
        .await
        .contains("https://app.example.com/cb2"));
    browser
        .goto(&app.url(&format!("/console/clients/{client_id}?lang=en")))
        .await;
    shoot(&browser, "console-client-en").await;
    browser.click("#client-rotate").await;
    let new_secret = browser.text("#new-secret").await;
    assert!(new_secret.len() >= 40 && new_secret != old_secret);
    shoot(&browser, "console-client-rotated-en").await;
    for secret in [&new_secret, &old_secret] {
        let status = app
            .http
            .post(app.url("/oauth2/token"))
            .basic_auth(&client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "both secrets within the grace period");
    }
    browser
        .goto(&app.url(&format!("/console/clients/{client_id}?lang=en")))
        .await;
    assert!(browser
        .text("#previous")
        .await
        .contains("previous secret taken until"));
    assert!(
        !browser.text("main").await.contains(&new_secret),
        "shown once"
    );

    // The inbox, the feedback, the reply; its author reads it with the operator's id.
    browser.click("#nav-feedback").await;
    assert_eq!(browser.text("h1").await, "Feedback inbox");
    assert!(browser.text("#inbox").await.contains(&format!("#{fid}")));
    shoot(&browser, "console-inbox-en").await;
    browser
        .goto(&app.url(&format!("/console/feedback/{fid}?lang=en")))
        .await;
    browser
        .type_into("#reply_content", "Fixed in 2.4: please update.")
        .await;
    browser.click("#send-reply").await;
    assert_eq!(
        browser.text("#notice").await,
        "The reply is sent; its author can read it now."
    );
    assert!(browser.text("#reply").await.contains("Fixed in 2.4"));
    shoot(&browser, "console-feedback-en").await;
    let (status, read) = reply_of(&app, &user, fid).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        read["data"]["reply_content"],
        "Fixed in 2.4: please update."
    );
    assert_eq!(read["data"]["manager_id"], operator.uid);

    // The FAQ written in the console, read by a user; a push recorded, with its read count.
    browser.click("#nav-content").await;
    let title = format!("How do I export my data? {}", app.run);
    browser
        .type_into("#faqs > form input[name=title]", &title)
        .await;
    browser
        .type_into(
            "#faqs > form input[name=content]",
            "Ask us; an operator sends it.",
        )
        .await;
    browser.click("#faqs > form button").await;
    assert_eq!(browser.text("#notice").await, "Saved.");
    assert!(
        browser.has("#faqs .faq").await,
        "the entry, editable in place"
    );
    shoot(&browser, "console-content-en").await;
    let (_, faqs) = app
        .center(Method::GET, "/api/faq?page_size=100", &user.token, None)
        .await;
    assert!(faqs.to_string().contains(&title), "{faqs}");
    browser.click("#nav-push").await;
    browser
        .type_into("input[name=push_title]", "Maintenance")
        .await;
    browser
        .type_into("input[name=push_body]", "Tonight 2-3am")
        .await;
    browser.click("#record-push").await;
    assert!(browser.text("#pushes").await.contains("Maintenance"));
    shoot(&browser, "console-push-en").await;

    // The audit log holds every action, by this operator.
    browser.click("#nav-audit").await;
    assert_eq!(browser.text("h1").await, "Audit log");
    let log = browser.text("#log").await;
    for action in [
        "client.create",
        "client.edit",
        "client.rotate_secret",
        "faq.create",
        "push.record",
        "user.unlock",
        "user.end_sessions",
        "user.disable",
        "user.enable",
        "feedback.reply",
    ] {
        assert!(log.contains(action), "{action} in {log}");
    }
    assert!(log.contains(&operator.username));
    shoot(&browser, "console-audit-en").await;

    // The same pages in Chinese.
    browser.click("#lang-switch").await;
    assert_eq!(browser.text("h1").await, "审计日志");
    shoot(&browser, "console-audit-zh").await;
    for (path, title, name) in [
        (
            "/console".to_owned(),
            "运营后台".to_owned(),
            "console-home-zh",
        ),
        (
            format!("/console/users?q={}", user.username),
            "账户".to_owned(),
            "console-search-zh",
        ),
        (
            format!("/console/users/{}", user.uid),
            format!("{} · 账户", user.username),
            "console-user-zh",
        ),
        (
            "/console/feedback?status=replied".to_owned(),
            "反馈收件箱".to_owned(),
            "console-inbox-zh",
        ),
        (
            "/console/clients".to_owned(),
            "客户端".to_owned(),
            "console-clients-zh",
        ),
        (
            format!("/console/clients/{client_id}"),
            format!("App {} · 客户端", app.run),
            "console-client-zh",
        ),
        (
            "/console/content".to_owned(),
            "常见问题与反馈分类".to_owned(),
            "console-content-zh",
        ),
        (
            "/console/push".to_owned(),
            "推送记录".to_owned(),
            "console-push-zh",
        ),
        (
            format!("/console/feedback/{fid}"),
            format!("反馈 #{fid}"),
            "console-feedback-zh",
        ),
    ] {
        let joiner = if path.contains('?') { '&' } else { '?' };
        browser
            .goto(&app.url(&format!("{path}{joiner}lang=zh")))
            .await;
        assert_eq!(browser.text("h1").await, title, "{path}");
        shoot(&browser, name).await;
    }

    // Delete, asked for by typing the username (no script to ask "are you sure?").
    browser
        .goto(&app.url(&format!("/console/users/{}?lang=en", user.uid)))
        .await;
    browser.type_into("#confirm", "not the name").await;
    browser.click("#act-delete").await;
    assert_eq!(
        browser.text("#notice").await,
        "To delete, type the account's username exactly."
    );
    browser.type_into("#confirm", &user.username).await;
    browser.click("#act-delete").await;
    assert_eq!(
        browser.text("#notice").await,
        "The account and everything it held are deleted."
    );
    let (status, _) = app.login(&user.username, PASSWORD).await;
    assert_eq!(status, 401, "no such account any more");
    browser
        .goto(&app.url(&format!("/console/users?q={}&lang=en", user.uid)))
        .await;
    assert!(browser.text("#results").await.contains("No account"));
    browser.goto(&app.url("/console/audit?lang=zh")).await;
    assert!(browser.text("#log").await.contains("user.delete"));

    // Sign out: the console's session ends; the browser's session of the hosted pages
    // stays, so the console signs in again at once (single sign-on), as a new session.
    assert_eq!(console_sessions(&app, &operator).await, 1);
    browser.click("#signout").await;
    assert_eq!(browser.text("h1").await, "已退出");
    shoot(&browser, "console-signed-out-zh").await;
    assert_eq!(console_sessions(&app, &operator).await, 0);
    browser.click("#again").await;
    assert_eq!(browser.text("h1").await, "运营后台");
    assert_eq!(console_sessions(&app, &operator).await, 1);
    drop(browser);
}

#[tokio::test]
async fn support_staff_see_the_actions_disabled_and_a_posted_one_is_refused() {
    let app = TestApp::new();
    let support = staff(&app, "support").await;
    let user = app.member().await;
    let browser = Browser::start().await;
    sign_in(&app, &browser, &support, "en").await;
    browser
        .goto(&app.url(&format!("/console/users/{}?lang=en", user.uid)))
        .await;
    assert!(browser.has("#read-only").await);
    assert_eq!(
        browser
            .attribute("#act-disable", "disabled")
            .await
            .as_deref(),
        Some("true")
    );
    // Posted anyway (the button enabled by hand): refused, and nothing done.
    browser
        .run("document.querySelector('#act-disable').disabled = false;")
        .await;
    browser.click("#act-disable").await;
    assert_eq!(browser.text("h1").await, "Not allowed");
    shoot(&browser, "console-refused-en").await;
    let (status, _) = app.login(&user.username, PASSWORD).await;
    assert_eq!(status, 200, "not disabled");
    drop(browser);
}

#[tokio::test]
async fn a_normal_account_is_refused_the_console() {
    let app = TestApp::new();
    let user = app.member().await;
    let browser = Browser::start().await;
    sign_in(&app, &browser, &user, "zh").await;
    assert_eq!(browser.text("h1").await, "无权操作");
    drop(browser);
}

#[tokio::test]
async fn the_consoles_sign_in_session_and_forms_hold_only_for_it() {
    let app = TestApp::new();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str, cookie: Option<String>| {
        let mut request = no_redirects.get(app.url(path));
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        request.send()
    };
    // Without a session: to sign in; sign-in: to the hosted page as the console's client,
    // with PKCE.
    let r = get("/console/users?q=x", None).await.unwrap();
    assert_eq!(r.status(), 401, "no session");
    let page = r.text().await.unwrap();
    assert!(
        page.contains("http-equiv=\"refresh\" content=\"0;url=/console/signin"),
        "{page}"
    );
    let r = get("/console/signin", None).await.unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/oauth2/authorize?"), "{location}");
    for part in [
        "client_id=passport-console",
        "code_challenge_method=S256",
        "state=",
    ] {
        assert!(location.contains(part), "{part} in {location}");
    }
    let login_cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        login_cookie.starts_with("__Host-passport-console-login=")
            && login_cookie.contains("HttpOnly")
    );

    // A callback without this browser's sign-in, or with another state: refused.
    let r = get("/console/callback?code=abc&state=xyz", None)
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let pair = login_cookie.split(';').next().unwrap().to_owned();
    let r = get(
        "/console/callback?code=abc&state=not-the-state",
        Some(pair.clone()),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    let state = pair
        .split_once('=')
        .unwrap()
        .1
        .split('.')
        .next()
        .unwrap()
        .to_owned();
    let r = get(
        &format!("/console/callback?code=not-a-code&state={state}"),
        Some(pair),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400, "an unknown code");

    // An operator's API token in the console's cookie opens the console's pages, never the
    // API's; a form without the page's form token is refused.
    let operator = staff(&app, "operator").await;
    let user = app.member().await;
    let cookie = format!("__Host-passport-console={}", operator.token);
    let r = get("/console", Some(cookie.clone())).await.unwrap();
    assert_eq!(r.status(), 200);
    let r = get("/api/operator/users?q=x", Some(cookie.clone()))
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = no_redirects
        .post(app.url(&format!("/console/users/{}", user.uid)))
        .header("cookie", &cookie)
        .form(&[("action", "disable")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "no form token");
    let (status, _) = app.login(&user.username, PASSWORD).await;
    assert_eq!(status, 200, "not disabled");
    let r = no_redirects
        .post(app.url(&format!("/console/users/{}", user.uid)))
        .header("cookie", &cookie)
        .form(&[("action", "disable"), ("form_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a forged form token");
    assert!(r.text().await.unwrap().contains("Invalid request field"));
}
