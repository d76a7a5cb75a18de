//! The hosted pages: sign in (with the image captcha), consent, logout, and errors that
//! must not redirect; in English and Chinese ([`lang_of`]), with a link to the other
//! language where the page can be shown again. Plain HTML with inline styles, every value
//! escaped, no script; the pages may not be framed (no clickjacking of the consent button).
//! (No `form-action 'self'`: browsers apply it to the redirect that follows a form post,
//! and the consent form's answer is a redirect to the client.)

use http::{HeaderValue, StatusCode};
use passport_shared::response::respond;
use passport_shared::{ApiRequest, Lang, Reply};

/// HTML-escapes text for element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// English or Chinese, as the text reads in each.
fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

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

/// The query of this GET with `lang` set to the other language: the page's switch.
pub fn switch_of(req: &ApiRequest, path: &str, lang: Lang) -> String {
    let other = match lang {
        Lang::En => "zh",
        Lang::Zh => "en",
    };
    let mut query = form_urlencoded::Serializer::new(String::new());
    for name in req.params.names().filter(|n| *n != "lang") {
        if let Some(value) = req.params.get(name) {
            query.append_pair(name, &value);
        }
    }
    query.append_pair("lang", other);
    format!("{path}?{}", query.finish())
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
                "This sign-in request has expired or was already answered. Start again from the app.",
                "这次登录请求已过期或已处理，请回到应用重新开始。",
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
        .map(|href| {
            format!(
                "<p class=\"lang\"><a id=\"lang-switch\" href=\"{}\" hreflang=\"{}\">{}</a></p>",
                escape(href),
                tr(lang, "zh", "en"),
                tr(lang, "中文", "English"),
            )
        })
        .unwrap_or_default();
    let page = format!(
        "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Passport</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#222}}\
         label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.5rem;box-sizing:border-box}}\
         button{{margin-top:1rem;padding:.6rem 1.2rem}}.error{{color:#b00020}}.scopes li{{margin:.2rem 0}}\
         .lang{{text-align:right;font-size:.9rem}}\
         </style></head><body>{switch}<main><h1>{title}</h1>{body}</main></body></html>",
        code = tr(lang, "en", "zh-CN"),
        title = escape(title)
    );
    let mut response = respond(status, "text/html; charset=utf-8", page);
    let headers = response.headers_mut();
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    Reply::Raw(response)
}

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
    pub login_hint: Option<&'a str>,
    /// The link to the other language (a page shown by GET).
    pub switch: Option<&'a str>,
}

fn lang_field(lang: Lang) -> String {
    format!(
        "<input type=\"hidden\" name=\"lang\" value=\"{}\">",
        tr(lang, "en", "zh")
    )
}

pub fn sign_in(lang: Lang, page: &SignIn<'_>) -> Reply {
    let problem = page
        .problem
        .map(|p| {
            format!(
                "<p class=\"error\" id=\"error\" role=\"alert\">{}</p>",
                escape(p.text(lang))
            )
        })
        .unwrap_or_default();
    let answer = page
        .captcha
        .answer
        .as_deref()
        .map(|a| format!(" data-answer=\"{}\"", escape(a)))
        .unwrap_or_default();
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
    html(
        lang,
        StatusCode::OK,
        tr(lang, "Sign in", "登录"),
        &format!(
            "<p>{intro}</p>{problem}\
             <form method=\"post\" action=\"/oauth2/authorize\">\
             <input type=\"hidden\" name=\"request\" value=\"{request}\">\
             <input type=\"hidden\" name=\"step\" value=\"signin\">\
             <input type=\"hidden\" name=\"captcha_key\" value=\"{key}\">{lang_field}\
             <label for=\"username\">{username}</label><input id=\"username\" name=\"username\" autocomplete=\"username\" value=\"{hint}\" required>\
             <label for=\"password\">{password}</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <label for=\"captcha\">{chars}</label>\
             <img id=\"captcha-image\" alt=\"{alt}\" src=\"data:image/png;base64,{png}\"{answer}>\
             <input id=\"captcha\" name=\"captcha\" autocomplete=\"off\" required>\
             <button id=\"sign-in\" type=\"submit\">{button}</button></form>",
            request = escape(page.request_id),
            key = escape(&page.captcha.key),
            png = page.captcha.png_base64,
            hint = escape(page.login_hint.unwrap_or_default()),
            lang_field = lang_field(lang),
            username = tr(lang, "Username or email", "用户名或邮箱"),
            password = tr(lang, "Password", "密码"),
            chars = tr(lang, "The characters in the picture", "图中的字符"),
            alt = tr(lang, "captcha: characters to type", "验证码图片"),
            button = tr(lang, "Sign in", "登录"),
        ),
        page.switch,
    )
}

pub fn consent(
    lang: Lang,
    request_id: &str,
    client_name: &str,
    scopes: &[&str],
    switch: Option<&str>,
) -> Reply {
    let items: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    let asks = match lang {
        Lang::En => format!(
            "<strong id=\"client\">{}</strong> asks to use your Passport account with these scopes:",
            escape(client_name)
        ),
        Lang::Zh => format!(
            "<strong id=\"client\">{}</strong> 请求以下列权限使用你的 Passport 账号：",
            escape(client_name)
        ),
    };
    html(
        lang,
        StatusCode::OK,
        tr(lang, "Allow access?", "允许访问？"),
        &format!(
            "<p>{asks}</p>\
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
