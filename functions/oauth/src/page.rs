//! The hosted pages: sign in (with the image captcha), consent, logout, and errors that
//! must not redirect; in English and Chinese ([`lang_of`]), with a link to the other
//! language where the page can be shown again. Plain HTML with inline styles, every value
//! escaped, no script; the pages may not be framed (no clickjacking of the consent button).
//! (No `form-action 'self'`: browsers apply it to the redirect that follows a form post,
//! and the consent form's answer is a redirect to the client.)

use http::{HeaderValue, StatusCode};
use passport_shared::storage::providers::Provider;
use passport_shared::{ApiError, ApiRequest, Lang, Reply};

pub use passport_shared::html::{escape, switch_of, tr};

/// The language of a hosted page: the page's own switch or form (`lang`), else the
/// client's `ui_locales` (the first English or Chinese tag), else `Accept-Language`.
pub fn lang_of(req: &ApiRequest) -> Lang {
    let p = &req.params;
    if p.text("lang").is_some() {
        return req.meta.lang;
    }
    let asked = p.text("ui_locales").and_then(|locales| {
        locales.split(' ').find_map(|tag| {
            let tag = tag.to_ascii_lowercase();
            match () {
                _ if tag.starts_with("zh") => Some(Lang::Zh),
                _ if tag.starts_with("en") => Some(Lang::En),
                _ => None,
            }
        })
    });
    asked.unwrap_or(req.meta.lang)
}

/// What a page says of a refused step: the catalog's message for a client's mistake (in
/// the page's language); a server's failure stays an error (and is never shown).
pub fn told(e: ApiError, lang: Lang) -> Result<String, ApiError> {
    if e.kind.status().is_server_error() {
        return Err(e);
    }
    Ok(e.message(passport_shared::Dialect::V2, lang))
}

/// What a page says went wrong, in either language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    SignInFirst,
    CaptchaWrong,
    WrongPassword,
    CredentialsMissing,
    Locked,
    RequestExpired,
    HintNotOurs,
    HintOtherClient,
    UnknownClient,
    LogoutUriNotRegistered,
    FormNotOurs,
    RequestUriInvalid,
    UnknownProvider,
}

impl Problem {
    pub fn text(self, lang: Lang) -> &'static str {
        use Problem::*;
        match self {
            SignInFirst => tr(lang, "Sign in first.", "请先登录。"),
            CaptchaWrong => tr(
                lang,
                "The characters in the picture did not match. Try the new picture.",
                "图中的字符不对，请看新的图片再试。",
            ),
            WrongPassword => tr(lang, "Wrong username or password.", "用户名或密码错误。"),
            CredentialsMissing => tr(
                lang,
                "Enter your username and password.",
                "请输入用户名和密码。",
            ),
            Locked => tr(
                lang,
                "Too many failed sign-ins: the account is locked for a while.",
                "登录失败次数过多，账号暂时锁定。",
            ),
            RequestExpired => tr(
                lang,
                "This sign-in request has expired, was already answered, or was started in another browser. Start again from the app.",
                "这次登录请求已过期、已处理，或是在另一个浏览器中发起的，请回到应用重新开始。",
            ),
            HintNotOurs => tr(
                lang,
                "The id_token_hint is not an ID token of this Passport.",
                "id_token_hint 不是本 Passport 签发的 ID 令牌。",
            ),
            HintOtherClient => tr(
                lang,
                "The client_id is not the client the id_token_hint was issued to.",
                "client_id 与 id_token_hint 的签发对象不一致。",
            ),
            UnknownClient => tr(lang, "No app has this client_id.", "没有这个 client_id 的应用。"),
            LogoutUriNotRegistered => tr(
                lang,
                "The post_logout_redirect_uri is not one the app registered.",
                "post_logout_redirect_uri 不是该应用登记的地址。",
            ),
            UnknownProvider => tr(
                lang,
                "Passport signs in with no such provider.",
                "Passport 没有这个登录方式。",
            ),
            RequestUriInvalid => tr(
                lang,
                "This request_uri is not one of this app's pushed requests, or it was used or has expired. Start again from the app.",
                "这个 request_uri 不是该应用推送的请求，或已使用、已过期，请回到应用重新开始。",
            ),
            FormNotOurs => tr(
                lang,
                "This sign-out form is not from this browser's Passport page. Start again from the app.",
                "这个退出表单不是来自本浏览器的 Passport 页面，请回到应用重新开始。",
            ),
        }
    }
}

/// A page: `body` under `title`, in `lang`, with a link to the other language where the
/// page can be shown again by GET (`switch`).
fn html(lang: Lang, status: StatusCode, title: &str, body: &str, switch: Option<&str>) -> Reply {
    let switch = switch
        .map(|href| passport_shared::html::switch_link(lang, href))
        .unwrap_or_default();
    passport_shared::html::document(
        lang,
        status,
        CSS,
        title,
        &format!("{switch}<main><h1>{}</h1>{body}</main>", escape(title)),
    )
}

/// The hosted pages' style: one narrow column.
const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#222}\
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}\
button{margin-top:1rem;padding:.6rem 1.2rem}.error{color:#b00020}.notice{color:#0a6b2b}.scopes li{margin:.2rem 0}\
.lang{text-align:right;font-size:.9rem}.provider{display:block;margin:.5rem 0;padding:.6rem;border:1px solid #888;border-radius:4px;text-align:center;text-decoration:none;color:#222}.logo{display:block;border-radius:12px;object-fit:contain}";

/// A page that explains and goes nowhere.
pub fn error(lang: Lang, status: StatusCode, message: &str) -> Reply {
    html(
        lang,
        status,
        tr(lang, "Cannot continue", "无法继续"),
        &format!(
            "<p class=\"error\" id=\"error\" role=\"alert\">{}</p>",
            escape(message)
        ),
        None,
    )
}

/// The page of an attempt past its source's limit: how long to wait, in minutes, with the
/// answer's `Retry-After` (429).
pub fn too_many(lang: Lang, retry_after: i64) -> Reply {
    let minutes = (retry_after.max(1) + 59) / 60;
    let message = match lang {
        Lang::Zh => format!("来自你所在网络的尝试太多了，请 {minutes} 分钟后再试。"),
        Lang::En => format!(
            "Too many attempts from your network. Try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        ),
    };
    let mut reply = error(lang, StatusCode::TOO_MANY_REQUESTS, &message);
    if let Reply::Raw(response) = &mut reply {
        response
            .headers_mut()
            .insert("retry-after", HeaderValue::from(retry_after.max(1)));
    }
    reply
}

/// [`error`] with one of the pages' own problems.
pub fn problem(lang: Lang, status: StatusCode, problem: Problem) -> Reply {
    error(lang, status, problem.text(lang))
}

/// The captcha of a sign-in page.
pub struct CaptchaView {
    pub key: String,
    pub png_base64: String,
    /// Local only: the answer, for the test harness.
    pub answer: Option<String>,
}

/// What a sign-in page shows besides its form.
pub struct SignIn<'a> {
    pub request_id: &'a str,
    pub client_name: &'a str,
    pub captcha: &'a CaptchaView,
    pub problem: Option<Problem>,
    /// Said above the form where nothing went wrong (a new password set, say).
    pub notice: Option<Notice>,
    pub login_hint: Option<&'a str>,
    /// The link to the other language (a page shown by GET).
    pub switch: Option<&'a str>,
}

/// What a page says went right, in either language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    PasswordChanged,
}

impl Notice {
    pub fn text(self, lang: Lang) -> &'static str {
        match self {
            Notice::PasswordChanged => tr(
                lang,
                "Your new password is set. Sign in with it.",
                "新密码已设置，请用它登录。",
            ),
        }
    }
}

fn lang_field(lang: Lang) -> String {
    format!(
        "<input type=\"hidden\" name=\"lang\" value=\"{}\">",
        tr(lang, "en", "zh")
    )
}

/// The other language's code, for links that switch to it.
fn other(lang: Lang) -> &'static str {
    tr(lang, "zh", "en")
}

/// The link to the page `path` of the request `request_id` in `lang`.
pub fn request_link(path: &str, request_id: &str, lang: Lang) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("request", request_id)
        .append_pair("lang", tr(lang, "en", "zh"))
        .finish();
    format!("{path}?{query}")
}

/// The same page of the request in the other language (for pages a form post showed).
pub fn request_switch(path: &str, request_id: &str, lang: Lang) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("request", request_id)
        .append_pair("lang", other(lang))
        .finish();
    format!("{path}?{query}")
}

/// A problem's or a notice's paragraph (`role` alert or status), or nothing.
fn said(class: &str, role: &str, text: Option<&str>) -> String {
    text.map(|t| {
        format!(
            "<p class=\"{class}\" id=\"{class}\" role=\"{role}\">{}</p>",
            escape(t)
        )
    })
    .unwrap_or_default()
}

/// The captcha's picture, the link to a new one (`renew`: the page again by GET) and its
/// answer field.
fn captcha_fields(lang: Lang, captcha: &CaptchaView, renew: &str) -> String {
    let answer = captcha
        .answer
        .as_deref()
        .map(|a| format!(" data-answer=\"{}\"", escape(a)))
        .unwrap_or_default();
    format!(
        "<input type=\"hidden\" name=\"captcha_key\" value=\"{key}\">\
         <label for=\"captcha\">{chars}</label>\
         <img id=\"captcha-image\" alt=\"{alt}\" src=\"data:image/png;base64,{png}\"{answer}> \
         <a id=\"new-captcha\" href=\"{renew}\">{new}</a>\
         <input id=\"captcha\" name=\"captcha\" autocomplete=\"off\" required>",
        key = escape(&captcha.key),
        png = captcha.png_base64,
        renew = escape(renew),
        chars = tr(lang, "The characters in the picture", "图中的字符"),
        alt = tr(lang, "captcha: characters to type", "验证码图片"),
        new = tr(lang, "New picture", "换一张"),
    )
}

/// One input of a form: its id (also its name), label, type and value.
pub struct Field<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub kind: &'a str,
    pub autocomplete: &'a str,
    pub value: &'a str,
}

/// A new password, typed twice (`password`, then `confirm`), under `labels`.
pub fn new_password<'a>(labels: (&'a str, &'a str)) -> [Field<'a>; 2] {
    [
        Field {
            id: "password",
            label: labels.0,
            kind: "password",
            autocomplete: "new-password",
            value: "",
        },
        Field {
            id: "confirm",
            label: labels.1,
            kind: "password",
            autocomplete: "new-password",
            value: "",
        },
    ]
}

/// A form of the account pages (sign-up, forgot password): `intro`, what went wrong or
/// right, the fields, the captcha where one is asked, the button and links below.
pub struct Form<'a> {
    pub title: &'a str,
    pub intro: String,
    pub problem: Option<&'a str>,
    pub notice: Option<&'a str>,
    pub action: &'a str,
    pub hidden: &'a [(&'a str, &'a str)],
    pub fields: &'a [Field<'a>],
    /// The captcha, and the link that shows the page again with a new one.
    pub captcha: Option<(&'a CaptchaView, &'a str)>,
    pub button: (&'a str, &'a str),
    pub links: &'a [(&'a str, &'a str, &'a str)],
    /// Markup after the links (the sign-in page's upstream providers).
    pub after: String,
    pub switch: Option<&'a str>,
}

/// A form's markup alone (its `title` as a section heading): for pages of more than one.
pub fn form_body(lang: Lang, form: &Form<'_>) -> String {
    let hidden: String = form
        .hidden
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let fields: String = form
        .fields
        .iter()
        .map(|f| {
            format!(
                "<label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{id}\" type=\"{kind}\" autocomplete=\"{auto}\" value=\"{value}\" required>",
                id = escape(f.id),
                label = escape(f.label),
                kind = escape(f.kind),
                auto = escape(f.autocomplete),
                value = escape(f.value),
            )
        })
        .collect();
    let captcha = form
        .captcha
        .map(|(c, renew)| captcha_fields(lang, c, renew))
        .unwrap_or_default();
    let links: String = form
        .links
        .iter()
        .map(|(id, href, label)| {
            format!(
                "<a id=\"{}\" href=\"{}\">{}</a>",
                escape(id),
                escape(href),
                escape(label)
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    format!(
        "<p>{intro}</p>{problem}{notice}\
             <form method=\"post\" action=\"{action}\">{hidden}{lang_field}{fields}{captcha}\
             <button id=\"{button_id}\" type=\"submit\">{button}</button></form>\
             <p class=\"links\">{links}</p>{after}",
        intro = form.intro,
        problem = said("error", "alert", form.problem),
        notice = said("notice", "status", form.notice),
        action = escape(form.action),
        lang_field = lang_field(lang),
        button_id = escape(form.button.0),
        button = escape(form.button.1),
        after = form.after,
    )
}

pub fn form(lang: Lang, form: &Form<'_>) -> Reply {
    html(
        lang,
        StatusCode::OK,
        form.title,
        &form_body(lang, form),
        form.switch,
    )
}

/// A page of several forms: `sections`, each a heading and a [`form_body`].
pub fn sections(lang: Lang, title: &str, intro: &str, sections: &[(&str, &str)]) -> Reply {
    let parts: String = sections
        .iter()
        .map(|(heading, body)| format!("<section><h2>{}</h2>{body}</section>", escape(heading)))
        .collect();
    html(
        lang,
        StatusCode::OK,
        title,
        &format!("{intro}{parts}"),
        None,
    )
}

/// A page that says what went wrong, with a link back where there is one.
pub fn failure(lang: Lang, message: &str, back: Option<&str>) -> Reply {
    let back = back
        .map(|href| {
            format!(
                "<p><a id=\"back\" href=\"{}\">{}</a></p>",
                escape(href),
                tr(lang, "Back to sign in", "返回登录")
            )
        })
        .unwrap_or_default();
    html(
        lang,
        StatusCode::BAD_REQUEST,
        tr(lang, "Cannot continue", "无法继续"),
        &format!(
            "<p class=\"error\" id=\"error\" role=\"alert\">{}</p>{back}",
            escape(message)
        ),
        None,
    )
}

/// The sign-in page, with a button (a link) per upstream provider in `providers`.
pub fn sign_in(lang: Lang, page: &SignIn<'_>, providers: &[Provider]) -> Reply {
    let intro = match lang {
        Lang::En => format!(
            "Sign in to continue to <strong id=\"client\">{}</strong>.",
            escape(page.client_name)
        ),
        Lang::Zh => format!(
            "登录以继续使用 <strong id=\"client\">{}</strong>。",
            escape(page.client_name)
        ),
    };
    let again = request_link("/oauth2/signin", page.request_id, lang);
    let sign_up = request_link("/oauth2/signup", page.request_id, lang);
    let forgot = request_link("/oauth2/forgot", page.request_id, lang);
    let switch = request_switch("/oauth2/signin", page.request_id, lang);
    let after = if providers.is_empty() {
        String::new()
    } else {
        let buttons: String = providers
            .iter()
            .map(|p| {
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("provider", &p.id)
                    .append_pair("request", page.request_id)
                    .append_pair("lang", tr(lang, "en", "zh"))
                    .finish();
                let says = match lang {
                    Lang::En => format!("Sign in with {}", p.name),
                    Lang::Zh => format!("使用 {} 登录", p.name),
                };
                format!(
                    "<a class=\"provider\" id=\"upstream-{}\" href=\"/oauth2/upstream/start?{}\">{}</a>",
                    escape(&p.id),
                    escape(&query),
                    escape(&says)
                )
            })
            .collect();
        format!(
            "<section class=\"providers\" aria-label=\"{}\"><p>{}</p>{buttons}</section>",
            tr(lang, "Other ways to sign in", "其他登录方式"),
            tr(lang, "Or", "或者")
        )
    };
    let links = [
        (
            "sign-up",
            sign_up.as_str(),
            tr(lang, "Create an account", "注册账号"),
        ),
        (
            "forgot",
            forgot.as_str(),
            tr(lang, "Forgot password?", "忘记密码？"),
        ),
    ];
    form(
        lang,
        &Form {
            title: tr(lang, "Sign in", "登录"),
            intro,
            problem: page.problem.map(|p| p.text(lang)),
            notice: page.notice.map(|n| n.text(lang)),
            action: "/oauth2/authorize",
            hidden: &[("request", page.request_id), ("step", "signin")],
            fields: &[
                Field {
                    id: "username",
                    label: tr(lang, "Username or email", "用户名或邮箱"),
                    kind: "text",
                    autocomplete: "username",
                    value: page.login_hint.unwrap_or_default(),
                },
                Field {
                    id: "password",
                    label: tr(lang, "Password", "密码"),
                    kind: "password",
                    autocomplete: "current-password",
                    value: "",
                },
            ],
            captcha: Some((page.captcha, &again)),
            button: ("sign-in", tr(lang, "Sign in", "登录")),
            links: &links,
            after,
            switch: Some(page.switch.unwrap_or(&switch)),
        },
    )
}

/// What a scope lets the app do, in plain words (the scopes Passport defines).
pub fn scope_words(lang: Lang, scope: &str) -> Option<&'static str> {
    Some(match scope {
        "openid" => tr(
            lang,
            "Know who you are (sign you in)",
            "确认你的身份（用于登录）",
        ),
        "profile" => tr(
            lang,
            "See your name, nickname, picture, gender and birthday",
            "查看你的姓名、昵称、头像、性别和生日",
        ),
        "email" => tr(lang, "See your email address", "查看你的邮箱地址"),
        "phone" => tr(lang, "See your phone number", "查看你的手机号码"),
        "address" => tr(lang, "See your postal address", "查看你的邮寄地址"),
        "basic" => tr(
            lang,
            "See your basic profile (username, nickname, picture)",
            "查看你的基本资料（用户名、昵称、头像）",
        ),
        "all" => tr(lang, "Use your whole account", "使用你的整个账号"),
        _ => return None,
    })
}

/// The consent page of the request `request_id`: the client (its name and registered
/// logo), what each scope lets it do, allow and deny.
pub fn consent(
    lang: Lang,
    request_id: &str,
    (client_name, logo): (&str, Option<&str>),
    scopes: &[&str],
    switch: Option<&str>,
) -> Reply {
    let logo = logo
        .map(|uri| {
            format!(
                "<img id=\"client-logo\" class=\"logo\" src=\"{}\" alt=\"\" width=\"64\" height=\"64\">",
                escape(uri)
            )
        })
        .unwrap_or_default();
    let items: String = scopes
        .iter()
        .map(|s| {
            let words =
                scope_words(lang, s).unwrap_or(tr(lang, "Access it names", "该应用定义的权限"));
            format!("<li>{} <code>{}</code></li>", escape(words), escape(s))
        })
        .collect();
    let asks = match lang {
        Lang::En => format!(
            "<strong id=\"client\">{}</strong> asks for access to your Passport account. It will be able to:",
            escape(client_name)
        ),
        Lang::Zh => format!(
            "<strong id=\"client\">{}</strong> 请求访问你的 Passport 账号，将可以：",
            escape(client_name)
        ),
    };
    html(
        lang,
        StatusCode::OK,
        tr(lang, "Allow access?", "允许访问？"),
        &format!(
            "{logo}<p>{asks}</p>\
             <ul class=\"scopes\" id=\"scopes\">{items}</ul>\
             <form method=\"post\" action=\"/oauth2/authorize\">\
             <input type=\"hidden\" name=\"request\" value=\"{request}\">\
             <input type=\"hidden\" name=\"step\" value=\"consent\">{lang_field}\
             <button id=\"allow\" name=\"decision\" value=\"allow\" type=\"submit\">{allow}</button> \
             <button id=\"deny\" name=\"decision\" value=\"deny\" type=\"submit\">{deny}</button></form>",
            request = escape(request_id),
            lang_field = lang_field(lang),
            allow = tr(lang, "Allow", "允许"),
            deny = tr(lang, "Deny", "拒绝"),
        ),
        switch,
    )
}

/// The question of RP-initiated logout: a form that signs the browser out when posted.
/// `fields` are carried through as hidden inputs (`csrf` among them).
pub fn logout(
    lang: Lang,
    client_name: Option<&str>,
    fields: &[(&str, &str)],
    switch: Option<&str>,
) -> Reply {
    let from = client_name
        .map(|n| match lang {
            Lang::En => format!(" (asked by <strong id=\"client\">{}</strong>)", escape(n)),
            Lang::Zh => format!("（<strong id=\"client\">{}</strong> 请求）", escape(n)),
        })
        .unwrap_or_default();
    let hidden: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let question = match lang {
        Lang::En => format!(
            "Sign out of Passport in this browser{from}? Apps you signed in to with it are told."
        ),
        Lang::Zh => format!("在这个浏览器退出 Passport{from}？用它登录过的应用会收到通知。"),
    };
    html(
        lang,
        StatusCode::OK,
        tr(lang, "Sign out?", "退出登录？"),
        &format!(
            "<p>{question}</p>\
             <form method=\"post\" action=\"/oauth2/logout\">{hidden}{lang_field}\
             <button id=\"sign-out\" name=\"decision\" value=\"sign-out\" type=\"submit\">{button}</button></form>",
            lang_field = lang_field(lang),
            button = tr(lang, "Sign out", "退出"),
        ),
        switch,
    )
}

/// The page after signing out, where no client asked to be returned to.
pub fn signed_out(lang: Lang) -> Reply {
    html(
        lang,
        StatusCode::OK,
        tr(lang, "Signed out", "已退出"),
        &format!(
            "<p id=\"signed-out\">{}</p>",
            tr(
                lang,
                "You are signed out of Passport in this browser.",
                "你已在这个浏览器退出 Passport。"
            )
        ),
        None,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped() {
        assert_eq!(
            super::escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
