//! `GET /oauth2/forgot` and `POST /oauth2/forgot`: a forgotten password, from the hosted
//! sign-in page, in v1's reset flow (`forgotPassword` / `resetPassword`, written once in
//! `passport_identity::account`): the account and the captcha, then the mailed code and
//! the new password; then the sign-in page again, with the account filled in.
//!
//! The first step answers alike (and as slowly) whether or not the account exists; a new
//! password ends every session of the account, this browser's too.

use crate::hosted::{captcha, expired, name_of, request_here};
use crate::page::{self, told, tr, Field, Form, Notice, Problem, SignIn};
use crate::App;
use passport_identity::account::reset_account;
use passport_shared::domain::Password;
use passport_shared::{ApiError, ApiRequest, Lang, Reply};

/// The captcha scenario of the hosted pages.
const SCENARIO: &str = "oauth";
const PATH: &str = "/oauth2/forgot";

/// What the first page holds: the account typed so far, and what went wrong.
struct Start<'a> {
    id: &'a str,
    account: &'a str,
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
    if pending?.is_none() {
        return expired(lang);
    }
    let again = page::request_link(PATH, page.id, lang);
    let sign_in = page::request_link("/oauth2/signin", page.id, lang);
    Ok(page::form(
        lang,
        &Form {
            title: tr(lang, "Forgot your password?", "忘记密码？"),
            intro: tr(
                lang,
                "Enter your username or email. If an account has it, we mail a code to its address.",
                "请输入用户名或邮箱。如果有这个账号，我们会向它的邮箱发送验证码。",
            )
            .to_owned(),
            problem: page.problem,
            notice: None,
            action: PATH,
            hidden: &[("request", page.id), ("step", "send")],
            fields: &[Field {
                id: "account",
                label: tr(lang, "Username or email", "用户名或邮箱"),
                kind: "text",
                autocomplete: "username",
                value: page.account,
            }],
            captcha: Some((&fresh?, &again)),
            button: ("send-code", tr(lang, "Send the code", "发送验证码")),
            links: &[(
                "sign-in",
                &sign_in,
                tr(lang, "Back to sign in", "返回登录"),
            )],
            after: String::new(),
            switch: Some(page.switch),
        },
    ))
}

/// The second page: the mailed code and the new password.
fn code_page(lang: Lang, id: &str, account: &str, problem: Option<&str>) -> Reply {
    let start_over = page::request_link(PATH, id, lang);
    let [password, confirm] = page::new_password((
        tr(lang, "New password", "新密码"),
        tr(lang, "The new password again", "再次输入新密码"),
    ));
    page::form(
        lang,
        &Form {
            title: tr(lang, "Choose a new password", "设置新密码"),
            intro: tr(
                lang,
                "If the account exists, a 6-digit code is on its way to its email. Enter it with the new password.",
                "如果账号存在，6 位验证码已发送到它的邮箱。请输入验证码和新密码。",
            )
            .to_owned(),
            problem,
            notice: None,
            action: PATH,
            hidden: &[("request", id), ("step", "reset"), ("account", account)],
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
            button: ("reset", tr(lang, "Set the new password", "设置新密码")),
            links: &[(
                "start-over",
                &start_over,
                tr(lang, "Another account, or a new code", "换一个账号或重新获取验证码"),
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
        account: "",
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
    let typed = p.text("account").unwrap_or_default();
    let switch = page::request_switch(PATH, &id, lang);
    let (id, typed, switch) = (id.as_str(), typed.as_str(), switch.as_str());
    let again = move |problem: String| async move {
        let start = Start {
            id,
            account: typed,
            problem: Some(&problem),
            switch,
        };
        first_page(app, req, lang, start, now).await
    };
    let account = match reset_account(p.text("account")) {
        Ok(account) => account,
        Err(e) => return again(told(e, lang)?).await,
    };
    if p.text("step").as_deref() == Some("reset") {
        // Nothing is reset from a request that is not this browser's.
        let Some(pending) = request_here(app, req, id, now).await? else {
            return expired(lang);
        };
        let code = p.text("code").unwrap_or_default();
        let reset = match Password::parse_confirmed(
            &p.get("password").unwrap_or_default(),
            &p.get("confirm").unwrap_or_default(),
        ) {
            Ok(password) => {
                app.identity
                    .reset_password(None, &account, &code, &password, now)
                    .await
            }
            Err(kind) => Err(kind.into()),
        };
        if let Err(e) = reset {
            return Ok(code_page(lang, id, &account, Some(&told(e, lang)?)));
        }
        // The sign-in page of the request read above, the account filled in.
        let fresh = captcha(app, now).await;
        return Ok(page::sign_in(
            lang,
            &SignIn {
                request_id: id,
                client_name: &name_of(app, &pending).await?,
                captcha: &fresh?,
                problem: None,
                notice: Some(Notice::PasswordChanged),
                login_hint: Some(&account),
                switch: None,
            },
            &app.providers.list().await?,
        ));
    }
    // The captcha is spent beside the request's read (one stage), then the code is sent
    // (or, for no account, the same limited write and the same time).
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
    match app.identity.request_reset(None, &account, now).await {
        Ok(()) => Ok(code_page(lang, id, &account, None)),
        Err(e) => again(told(e, lang)?).await,
    }
}
