//! The hosted pages: sign in (with the image captcha), consent, and errors that must not
//! redirect. Plain HTML with inline styles, every value escaped, no script; the pages may not
//! be framed (no clickjacking of the consent button).

use http::{HeaderValue, StatusCode};
use passport_shared::response::respond;
use passport_shared::Reply;

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

fn html(status: StatusCode, title: &str, body: &str) -> Reply {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Passport</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#222}}\
         label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.5rem;box-sizing:border-box}}\
         button{{margin-top:1rem;padding:.6rem 1.2rem}}.error{{color:#b00020}}.scopes li{{margin:.2rem 0}}\
         </style></head><body><h1>{title}</h1>{body}</body></html>",
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
    Reply::Raw(response)
}

/// A page that explains and goes nowhere.
pub fn error(status: StatusCode, message: &str) -> Reply {
    html(
        status,
        "Cannot continue",
        &format!("<p class=\"error\" id=\"error\">{}</p>", escape(message)),
    )
}

/// The captcha of a sign-in page.
pub struct CaptchaView {
    pub key: String,
    pub png_base64: String,
    /// Local only: the answer, for the test harness.
    pub answer: Option<String>,
}

pub fn sign_in(
    request_id: &str,
    client_name: &str,
    captcha: &CaptchaView,
    problem: Option<&str>,
    login_hint: Option<&str>,
) -> Reply {
    let problem = problem
        .map(|p| format!("<p class=\"error\" id=\"error\">{}</p>", escape(p)))
        .unwrap_or_default();
    let answer = captcha
        .answer
        .as_deref()
        .map(|a| format!(" data-answer=\"{}\"", escape(a)))
        .unwrap_or_default();
    html(
        StatusCode::OK,
        "Sign in",
        &format!(
            "<p>Sign in to continue to <strong id=\"client\">{client}</strong>.</p>{problem}\
             <form method=\"post\" action=\"/oauth2/authorize\">\
             <input type=\"hidden\" name=\"request\" value=\"{request}\">\
             <input type=\"hidden\" name=\"step\" value=\"signin\">\
             <input type=\"hidden\" name=\"captcha_key\" value=\"{key}\">\
             <label for=\"username\">Username or email</label><input id=\"username\" name=\"username\" autocomplete=\"username\" value=\"{hint}\" required>\
             <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <label for=\"captcha\">The characters in the picture</label>\
             <img id=\"captcha-image\" alt=\"captcha\" src=\"data:image/png;base64,{png}\"{answer}>\
             <input id=\"captcha\" name=\"captcha\" autocomplete=\"off\" required>\
             <button id=\"sign-in\" type=\"submit\">Sign in</button></form>",
            client = escape(client_name),
            request = escape(request_id),
            key = escape(&captcha.key),
            png = captcha.png_base64,
            hint = escape(login_hint.unwrap_or_default()),
        ),
    )
}

pub fn consent(request_id: &str, client_name: &str, scopes: &[&str]) -> Reply {
    let items: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    html(
        StatusCode::OK,
        "Allow access?",
        &format!(
            "<p><strong id=\"client\">{client}</strong> asks to use your Passport account with these scopes:</p>\
             <ul class=\"scopes\" id=\"scopes\">{items}</ul>\
             <form method=\"post\" action=\"/oauth2/authorize\">\
             <input type=\"hidden\" name=\"request\" value=\"{request}\">\
             <input type=\"hidden\" name=\"step\" value=\"consent\">\
             <button id=\"allow\" name=\"decision\" value=\"allow\" type=\"submit\">Allow</button> \
             <button id=\"deny\" name=\"decision\" value=\"deny\" type=\"submit\">Deny</button></form>",
            client = escape(client_name),
            request = escape(request_id),
        ),
    )
}

/// The question of RP-initiated logout: a form that signs the browser out when posted.
/// `fields` are carried through as hidden inputs (`csrf` among them).
pub fn logout(client_name: Option<&str>, fields: &[(&str, &str)]) -> Reply {
    let from = client_name
        .map(|n| format!(" (asked by <strong id=\"client\">{}</strong>)", escape(n)))
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
    html(
        StatusCode::OK,
        "Sign out?",
        &format!(
            "<p>Sign out of Passport in this browser{from}? Apps you signed in to with it are told.</p>\
             <form method=\"post\" action=\"/oauth2/logout\">{hidden}\
             <button id=\"sign-out\" name=\"decision\" value=\"sign-out\" type=\"submit\">Sign out</button></form>"
        ),
    )
}

/// The page after signing out, where no client asked to be returned to.
pub fn signed_out() -> Reply {
    html(
        StatusCode::OK,
        "Signed out",
        "<p id=\"signed-out\">You are signed out of Passport in this browser.</p>",
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
