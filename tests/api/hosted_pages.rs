//! The hosted pages in English and Chinese (issue 19): the language from `ui_locales`, the
//! page's switch or `Accept-Language`; problems shown in the page's language; each page
//! at desktop and phone width in Chromium, with its screenshot written to
//! `PASSPORT_SCREENSHOTS` (`scripts/screenshots` points it at docs/screenshots) or to
//! target/screenshots.

use crate::oauth::{client, user};
use crate::oauth_standard::{field, open_page};
use crate::sso::{arrival, authorize};
use passport_tests::browser::{Browser, Callback};
use passport_tests::{repo_root, TestApp};

/// The window sizes every page is looked at in: a laptop and a phone.
const SIZES: [(&str, u32, u32); 2] = [("desktop", 1280, 860), ("phone", 390, 844)];

/// Takes `name`'s screenshots at both sizes (the page laid out again at each).
pub(crate) async fn shoot(browser: &Browser, name: &str) {
    let dir = std::env::var("PASSPORT_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| repo_root().join("target/screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    for (size, width, height) in SIZES {
        browser.window_size(width, height).await;
        let png = browser.screenshot().await;
        assert!(png.starts_with(b"\x89PNG"), "{name} at {size} is a PNG");
        std::fs::write(dir.join(format!("{name}-{size}.png")), png).unwrap();
    }
    browser.window_size(SIZES[0].1, SIZES[0].2).await;
}

/// The answer the local stack shows the harness for the page's captcha.
async fn captcha_answer(browser: &Browser) -> String {
    browser
        .attribute("#captcha-image", "data-answer")
        .await
        .expect("the local stack shows the answer")
}

#[tokio::test]
async fn every_hosted_page_in_chinese_and_english_in_chromium() {
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
    let (username, password, _) = user(&app, "pages").await;
    let browser = Browser::start().await;

    // The client asks for Chinese; the page's switch turns it to English and back.
    let zh = [("ui_locales", "zh-CN en")];
    browser.goto(&authorize(&app, &a, &redirect, &zh)).await;
    assert_eq!(browser.text("h1").await, "登录");
    assert_eq!(
        browser.attribute("html", "lang").await.as_deref(),
        Some("zh-CN")
    );
    shoot(&browser, "sign-in-zh").await;
    browser.click("#lang-switch").await;
    assert_eq!(browser.text("h1").await, "Sign in");
    assert_eq!(
        browser.attribute("html", "lang").await.as_deref(),
        Some("en")
    );
    shoot(&browser, "sign-in-en").await;
    browser.click("#lang-switch").await;
    assert_eq!(browser.text("h1").await, "登录");

    // A wrong password: the page again, in Chinese, saying so.
    browser.type_into("#username", &username).await;
    browser.type_into("#password", "not-the-password").await;
    let captcha = captcha_answer(&browser).await;
    browser.type_into("#captcha", &captcha).await;
    browser.click("#sign-in").await;
    assert_eq!(browser.text("#error").await, "用户名或密码错误。");
    shoot(&browser, "sign-in-error-zh").await;
    browser.type_into("#username", &username).await;
    browser.type_into("#password", &password).await;
    let captcha = captcha_answer(&browser).await;
    browser.type_into("#captcha", &captcha).await;
    browser.click("#sign-in").await;
    assert_eq!(browser.text("h1").await, "允许访问？");
    shoot(&browser, "consent-zh").await;
    browser.click("#allow").await;
    assert!(arrival(&mut callback).await.contains_key("code"));

    // Consent in English (signed in already, and a new scope to allow), denied.
    let en = [("ui_locales", "en"), ("scope", "basic profile")];
    browser.goto(&authorize(&app, &a, &redirect, &en)).await;
    assert_eq!(browser.text("h1").await, "Allow access?");
    shoot(&browser, "consent-en").await;
    browser.click("#deny").await;
    assert_eq!(arrival(&mut callback).await["error"], "access_denied");

    // Logout's question in both languages, then signed out.
    let mut logout = url::Url::parse(&app.url("/oauth2/logout")).unwrap();
    logout
        .query_pairs_mut()
        .append_pair("client_id", &a)
        .append_pair("post_logout_redirect_uri", &redirect)
        .append_pair("state", "bye")
        .append_pair("ui_locales", "zh");
    browser.goto(logout.as_str()).await;
    assert_eq!(browser.text("h1").await, "退出登录？");
    shoot(&browser, "logout-zh").await;
    browser.click("#lang-switch").await;
    assert_eq!(browser.text("h1").await, "Sign out?");
    shoot(&browser, "logout-en").await;
    browser.click("#sign-out").await;
    assert_eq!(arrival(&mut callback).await["state"], "bye");
    for (lang, title) in [("en", "Signed out"), ("zh", "已退出")] {
        browser
            .goto(&app.url(&format!("/oauth2/logout?ui_locales={lang}")))
            .await;
        assert_eq!(browser.text("h1").await, title);
        shoot(&browser, &format!("signed-out-{lang}")).await;
    }

    // The page that redirects nowhere (an unknown client), in both languages.
    for (lang, title) in [("en", "Cannot continue"), ("zh", "无法继续")] {
        let unknown = authorize(&app, "999999999999999", &redirect, &[("ui_locales", lang)]);
        browser.goto(&unknown).await;
        assert_eq!(browser.text("h1").await, title);
        shoot(&browser, &format!("error-{lang}")).await;
    }
    drop(browser);
}

#[tokio::test]
async fn accept_language_picks_the_page_language_and_the_pages_keep_their_headers() {
    let app = TestApp::new();
    let (a, _) = client(&app, &[]);
    let redirect = crate::oauth::REDIRECT;
    let page = |accept: &'static str, extra: &'static [(&'static str, &'static str)]| {
        let url = authorize(&app, &a, redirect, extra);
        let http = app.http.clone();
        async move {
            let got = http
                .get(url)
                .header("accept-language", accept)
                .send()
                .await
                .unwrap();
            let headers = got.headers().clone();
            (headers, got.text().await.unwrap())
        }
    };
    let (headers, zh) = page("zh-CN,zh;q=0.9,en;q=0.8", &[]).await;
    assert!(zh.contains("<html lang=\"zh-CN\">") && zh.contains("<h1>登录</h1>"));
    let csp = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "default-src 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cache-control"], "no-store");
    // ui_locales (the client's ask) before Accept-Language; `lang` (the page's switch)
    // before both.
    let (_, en) = page("zh-CN", &[("ui_locales", "en-GB")]).await;
    assert!(en.contains("<h1>Sign in</h1>"), "{en}");
    let (_, switched) = page("en", &[("ui_locales", "en"), ("lang", "zh")]).await;
    assert!(switched.contains("<h1>登录</h1>"), "{switched}");
    assert!(switched.contains("id=\"lang-switch\""));
    // The login hint fills the name in.
    let (_, hinted) = page("en", &[("login_hint", "li_lei")]).await;
    assert!(hinted.contains("value=\"li_lei\""), "{hinted}");
}

#[tokio::test]
async fn the_consent_page_shows_the_clients_logo_and_each_scope_in_plain_words() {
    let app = TestApp::new();
    let logo = "https://app.example.com/logo.png";
    let (a, _) = client(&app, &["--logo-uri", logo]);
    let (username, password, _) = user(&app, "logo").await;
    let url = authorize(
        &app,
        &a,
        crate::oauth::REDIRECT,
        &[("scope", "basic profile"), ("ui_locales", "zh")],
    );
    let (html, binding) = open_page(&app, &url).await;
    let consent = app
        .http
        .post(app.url("/oauth2/authorize"))
        .header("cookie", &binding)
        .form(&[
            (
                "request",
                field(&html, "name=\"request\" value=\"").as_str(),
            ),
            ("step", "signin"),
            (
                "captcha_key",
                &field(&html, "name=\"captcha_key\" value=\""),
            ),
            ("captcha", &field(&html, "data-answer=\"")),
            ("username", &username),
            ("password", &password),
            ("lang", "zh"),
        ])
        .send()
        .await
        .unwrap();
    // The logo may load (https), nothing else from elsewhere.
    let csp = consent.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("img-src data: https:"), "{csp}");
    let consent = consent.text().await.unwrap();
    assert!(
        consent.contains(&format!("id=\"client-logo\" class=\"logo\" src=\"{logo}\"")),
        "{consent}"
    );
    for words in [
        "查看你的基本资料（用户名、昵称、头像） <code>basic</code>",
        "<code>profile</code>",
    ] {
        assert!(consent.contains(words), "{words}: {consent}");
    }
    // A logo that is not https is not registered.
    let refused = app.admin_fails(&[
        "client",
        "create",
        "--name",
        "Bad logo",
        "--redirect-uri",
        crate::oauth::REDIRECT,
        "--logo-uri",
        "http://app.example.com/logo.png",
    ]);
    assert!(refused.contains("logo"), "{refused}");
}

/// What the account pages say in one language.
struct Words {
    lang: &'static str,
    sign_in: &'static str,
    sign_up: &'static str,
    confirm_email: &'static str,
    consent: &'static str,
    captcha_wrong: &'static str,
    forgot: &'static str,
    new_password: &'static str,
    password_set: &'static str,
}

const WORDS: [Words; 2] = [
    Words {
        lang: "zh",
        sign_in: "登录",
        sign_up: "注册账号",
        confirm_email: "验证邮箱",
        consent: "允许访问？",
        captcha_wrong: "图中的字符不对，请看新的图片再试。",
        forgot: "忘记密码？",
        new_password: "设置新密码",
        password_set: "新密码已设置，请用它登录。",
    },
    Words {
        lang: "en",
        sign_in: "Sign in",
        sign_up: "Create an account",
        confirm_email: "Confirm your email",
        consent: "Allow access?",
        captcha_wrong: "The characters in the picture did not match. Try the new picture.",
        forgot: "Forgot your password?",
        new_password: "Choose a new password",
        password_set: "Your new password is set. Sign in with it.",
    },
];

/// In each language, in Chromium: sign up from the sign-in page (a wrong captcha, then the
/// mailed code, a password typed twice differently, then right), which signs the new
/// account in on the request and goes on to consent and the code; then, signing in again
/// (`prompt=login`), the forgotten password reset by a mailed code, and the sign-in with
/// the new one. Each page's screenshot at both sizes.
#[tokio::test]
async fn sign_up_and_a_forgotten_password_from_the_hosted_pages_in_both_languages() {
    let app = TestApp::new();
    let mut callback = Callback::start().await;
    let redirect = callback.url.clone();
    let (a, _) = client(&app, &["--redirect-uri", &redirect]);
    let browser = Browser::start().await;
    for words in &WORDS {
        let lang = words.lang;
        let email = app.email(&format!("hosted-signup-{lang}"));
        let ui = [("ui_locales", lang), ("prompt", "login")];
        browser.goto(&authorize(&app, &a, &redirect, &ui)).await;
        assert_eq!(browser.text("h1").await, words.sign_in);
        browser.click("#sign-up").await;
        assert_eq!(browser.text("h1").await, words.sign_up);
        shoot(&browser, &format!("sign-up-{lang}")).await;

        // A wrong captcha: the page again, saying so, the address kept.
        browser.type_into("#email", &email).await;
        browser.type_into("#captcha", "wrong").await;
        browser.click("#send-code").await;
        assert_eq!(browser.text("#error").await, words.captcha_wrong);
        assert_eq!(
            browser.attribute("#email", "value").await.as_deref(),
            Some(email.as_str())
        );
        let captcha = captcha_answer(&browser).await;
        browser.type_into("#captcha", &captcha).await;
        browser.click("#send-code").await;
        assert_eq!(browser.text("h1").await, words.confirm_email);
        assert_eq!(browser.text("#email").await, email);
        shoot(&browser, &format!("sign-up-code-{lang}")).await;

        // The mailed code, and two different passwords: said, nothing created.
        let code = app.mailed_code(&email).await;
        browser.type_into("#code", &code).await;
        browser.type_into("#password", "hosted-pass-1").await;
        browser.type_into("#confirm", "hosted-pass-2").await;
        browser.click("#create").await;
        assert!(!browser.text("#error").await.is_empty());
        assert_eq!(browser.text("h1").await, words.confirm_email);
        let (status, body) = app.login(&email, "hosted-pass-1").await;
        assert_eq!(status, 401, "no account yet: {body}");
        browser.type_into("#code", &code).await;
        browser.type_into("#password", "hosted-pass-1").await;
        browser.type_into("#confirm", "hosted-pass-1").await;
        browser.click("#create").await;
        // Signed in on the request: consent, then the code.
        assert_eq!(browser.text("h1").await, words.consent);
        browser.click("#allow").await;
        assert!(arrival(&mut callback).await.contains_key("code"));
        let (status, body) = app.login(&email, "hosted-pass-1").await;
        assert_eq!(status, 200, "the new account signs in: {body}");

        // Forgot the password: from a new sign-in (prompt=login, though signed in).
        let again = [("ui_locales", lang), ("prompt", "login")];
        browser.goto(&authorize(&app, &a, &redirect, &again)).await;
        assert_eq!(browser.text("h1").await, words.sign_in);
        browser.click("#forgot").await;
        assert_eq!(browser.text("h1").await, words.forgot);
        shoot(&browser, &format!("forgot-{lang}")).await;
        browser.type_into("#account", &email).await;
        let captcha = captcha_answer(&browser).await;
        browser.type_into("#captcha", &captcha).await;
        browser.click("#send-code").await;
        assert_eq!(browser.text("h1").await, words.new_password);
        shoot(&browser, &format!("forgot-code-{lang}")).await;
        let code = app.mailed_code(&email).await;
        browser.type_into("#code", &code).await;
        browser.type_into("#password", "hosted-pass-new").await;
        browser.type_into("#confirm", "hosted-pass-new").await;
        browser.click("#reset").await;
        // The sign-in page again, saying so, the account filled in.
        assert_eq!(browser.text("h1").await, words.sign_in);
        assert_eq!(browser.text("#notice").await, words.password_set);
        assert_eq!(
            browser.attribute("#username", "value").await.as_deref(),
            Some(email.as_str())
        );
        shoot(&browser, &format!("password-set-{lang}")).await;
        browser.type_into("#password", "hosted-pass-new").await;
        let captcha = captcha_answer(&browser).await;
        browser.type_into("#captcha", &captcha).await;
        browser.click("#sign-in").await;
        assert_eq!(browser.text("h1").await, words.consent);
        browser.click("#allow").await;
        assert!(arrival(&mut callback).await.contains_key("code"));
        // The old password is gone.
        let (status, body) = app.login(&email, "hosted-pass-1").await;
        assert_eq!(status, 401, "the old password: {body}");
    }
    drop(browser);
}
