//! `GET /oauth2/signup` and `POST /oauth2/signup`: creating an account from the hosted
//! sign-in page, in the center's sign-up flow (document 004): the address and the
//! captcha, then the mailed code and a password; the new account is signed in on the
//! request and the browser, and the consent page follows.
//!
//! Every page belongs to a live authorization request (`request`, the id only the hosted
//! pages know): signing up is a way to answer it, and an expired request is said so.

use crate::hosted::{begin, captcha, expired, name_of, request_here, signed_in_consent};
use crate::page::{self, told, tr, Field, Form, Problem};
use crate::App;
use passport_identity::{Destination, Purpose};
use passport_shared::domain::Password;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Lang, Reply};

/// The captcha scenario of the sign-up page.
const SCENARIO: &str = "oauth";
const PATH: &str = "/oauth2/signup";

/// What the first page holds: the address typed so far, and what went wrong.
struct Start<'a> {
    id: &'a str,
    email: &'a str,
    problem: Option<&'a str>,
    switch: &'a str,
}

async fn first_page(
    app: &App,
    req: &ApiRequest,
    lang: Lang,
    page: Start<'_>,
    now: i64,
) -> Result<Reply, ApiError> {
    let (pending, fresh) = tokio::join!(request_here(app, req, page.id, now), captcha(app, now));
    let Some(pending) = pending? else {
        return expired(lang);
    };
    let name = name_of(app, &pending).await?;
    let again = page::request_link(PATH, page.id, lang);
    let sign_in = page::request_link("/oauth2/signin", page.id, lang);
    let intro = match lang {
        Lang::En => format!(
            "Create a Passport account to continue to <strong id=\"client\">{}</strong>. We mail you a code to confirm the address.",
            page::escape(&name)
        ),
        Lang::Zh => format!(
            "注册 Passport 账号以继续使用 <strong id=\"client\">{}</strong>。我们会给这个邮箱发送验证码。",
            page::escape(&name)
        ),
    };
    Ok(page::form(
        lang,
        &Form {
            title: tr(lang, "Create an account", "注册账号"),
            intro,
            problem: page.problem,
            notice: None,
            action: PATH,
            hidden: &[("request", page.id), ("step", "send")],
            fields: &[Field {
                id: "email",
                label: tr(lang, "Email", "邮箱"),
                kind: "email",
                autocomplete: "email",
                value: page.email,
            }],
            captcha: Some((&fresh?, &again)),
            button: ("send-code", tr(lang, "Send the code", "发送验证码")),
            links: &[(
                "sign-in",
                &sign_in,
                tr(lang, "I have an account: sign in", "已有账号，去登录"),
            )],
            after: String::new(),
            switch: Some(page.switch),
        },
    ))
}

/// The second page: the code mailed to `email` and the new password.
fn code_page(lang: Lang, id: &str, email: &str, problem: Option<&str>) -> Reply {
    let start_over = page::request_link(PATH, id, lang);
    let intro = match lang {
        Lang::En => format!(
            "We mailed a 6-digit code to <strong id=\"email\">{}</strong>. Enter it and choose a password.",
            page::escape(email)
        ),
        Lang::Zh => format!(
            "我们已向 <strong id=\"email\">{}</strong> 发送 6 位验证码。请输入验证码并设置密码。",
            page::escape(email)
        ),
    };
    let [password, confirm] = page::new_password((
        tr(lang, "Password", "密码"),
        tr(lang, "The password again", "再次输入密码"),
    ));
    page::form(
        lang,
        &Form {
            title: tr(lang, "Confirm your email", "验证邮箱"),
            intro,
            problem,
            notice: None,
            action: PATH,
            hidden: &[("request", id), ("step", "create"), ("email", email)],
            fields: &[
                Field {
                    id: "code",
                    label: tr(lang, "Code", "验证码"),
                    kind: "text",
                    autocomplete: "one-time-code",
                    value: "",
                },
                password,
                confirm,
            ],
            captcha: None,
            button: ("create", tr(lang, "Create the account", "创建账号")),
            links: &[(
                "start-over",
                &start_over,
                tr(
                    lang,
                    "Another address, or a new code",
                    "换一个邮箱或重新获取验证码",
                ),
            )],
            after: String::new(),
            switch: None,
        },
    )
}

pub async fn show(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let lang = page::lang_of(req);
    let Some(id) = req.params.text("request") else {
        return expired(lang);
    };
    let switch = page::switch_of(req, PATH, lang);
    let start = Start {
        id: &id,
        email: "",
        problem: None,
        switch: &switch,
    };
    first_page(app, req, lang, start, passport_shared::now()).await
}

pub async fn act(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let p = &req.params;
    let lang = page::lang_of(req);
    let now = passport_shared::now();
    let Some(id) = p.text("request") else {
        return expired(lang);
    };
    let email = p.text("email").unwrap_or_default();
    let switch = page::request_switch(PATH, &id, lang);
    let (id, email, switch) = (id.as_str(), email.as_str(), switch.as_str());
    let again = move |problem: String| async move {
        let start = Start {
            id,
            email,
            problem: Some(&problem),
            switch,
        };
        first_page(app, req, lang, start, now).await
    };
    let to = Destination::parse(None, email)
        .ok()
        .filter(|d| matches!(d, Destination::Email(_)));
    if p.text("step").as_deref() == Some("create") {
        // Nothing is created for a request that is not this browser's.
        if request_here(app, req, id, now).await?.is_none() {
            return expired(lang);
        }
        let Some(to) = to else {
            return again(told(ErrorKind::EmailInvalid.into(), lang)?).await;
        };
        let code = p.text("code").unwrap_or_default();
        let created = match Password::parse_confirmed(
            &p.get("password").unwrap_or_default(),
            &p.get("confirm").unwrap_or_default(),
        ) {
            Ok(password) => {
                app.identity
                    .sign_up_by_code(&to, &code, &password, now)
                    .await
            }
            Err(kind) => Err(kind.into()),
        };
        let user = match created {
            Ok(user) => user,
            Err(e) => return Ok(code_page(lang, id, email, Some(&told(e, lang)?))),
        };
        return match begin(app, req, id, user.uid, now).await? {
            Some((pending, secret)) => signed_in_consent(app, lang, id, &pending, &secret).await,
            None => expired(lang),
        };
    }
    // The captcha is spent beside the request's read (one stage), then the code is sent.
    let captcha_check = app.identity.captcha();
    let (checked, pending) = tokio::join!(
        captcha_check.use_up(req, SCENARIO, now),
        request_here(app, req, id, now)
    );
    if pending?.is_none() {
        return expired(lang);
    }
    if let Err(e) = checked {
        told(e, lang)?;
        return again(Problem::CaptchaWrong.text(lang).to_owned()).await;
    }
    let Some(to) = to else {
        return again(told(ErrorKind::EmailInvalid.into(), lang)?).await;
    };
    match app
        .identity
        .code_service()
        .send(Purpose::Register, &to, now)
        .await
    {
        Ok(()) => Ok(code_page(lang, id, email, None)),
        Err(e) => again(told(e, lang)?).await,
    }
}
