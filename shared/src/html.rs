//! Pages people see (the hosted sign-in's, the operator console's): escaping, the two
//! languages, and the one HTML answer with the headers every page carries (no framing, no
//! script, no caching, no referrer). Each family of pages brings its own style sheet.

use crate::response::respond;
use crate::{ApiError, ApiRequest, Lang, Reply};
use http::{HeaderValue, StatusCode};

/// A cookie's value in the request, if it has a non-empty one.
pub fn cookie(req: &ApiRequest, wanted: &str) -> Option<String> {
    req.headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == wanted && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// `reply` (a page or a redirect) with `cookie` set (a whole `Set-Cookie` value).
pub fn with_cookie(reply: Reply, cookie: &str) -> Result<Reply, ApiError> {
    let mut response = match reply {
        Reply::Raw(response) => response,
        Reply::Data(_) => return Err(ApiError::internal("a cookie on an enveloped answer")),
    };
    response.headers_mut().append(
        http::header::SET_COOKIE,
        HeaderValue::from_str(cookie).map_err(ApiError::internal)?,
    );
    Ok(Reply::Raw(response))
}

/// A redirect (`status` 302 or 303) to `location`.
pub fn redirect(status: StatusCode, location: &str) -> Result<Reply, ApiError> {
    let mut response = respond(status, "text/plain; charset=utf-8", String::new());
    response.headers_mut().insert(
        http::header::LOCATION,
        HeaderValue::from_str(location).map_err(ApiError::internal)?,
    );
    response
        .headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    Ok(Reply::Raw(response))
}

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
pub fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
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

/// The link to the same page in the other language.
pub fn switch_link(lang: Lang, href: &str) -> String {
    format!(
        "<p class=\"lang\"><a id=\"lang-switch\" href=\"{}\" hreflang=\"{}\">{}</a></p>",
        escape(href),
        tr(lang, "zh", "en"),
        tr(lang, "中文", "English"),
    )
}

/// A page: `body` (HTML) under the title `title` (text), styled by `css`, in `lang`.
pub fn document(lang: Lang, status: StatusCode, css: &str, title: &str, body: &str) -> Reply {
    document_with_head(lang, status, css, title, "", body)
}

/// [`document`] with more in its head (`head`, HTML: a refresh).
pub fn document_with_head(
    lang: Lang,
    status: StatusCode,
    css: &str,
    title: &str,
    head: &str,
    body: &str,
) -> Reply {
    let page = format!(
        "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{head}\
         <title>{title} · Passport</title><style>{css}</style></head><body>{body}</body></html>",
        code = tr(lang, "en", "zh-CN"),
        title = escape(title)
    );
    let mut response = respond(status, "text/html; charset=utf-8", page);
    let headers = response.headers_mut();
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; img-src data: https:; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_both_quotes() {
        assert_eq!(
            escape("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn a_document_may_not_be_framed_nor_run_script() {
        let Reply::Raw(r) = document(Lang::Zh, StatusCode::OK, "", "标题 <x>", "<p>正文</p>")
        else {
            panic!("a page is raw");
        };
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(r.headers()["x-frame-options"], "DENY");
        let body = match r.body() {
            lambda_http::Body::Text(t) => t.clone(),
            other => panic!("{other:?}"),
        };
        assert!(body.contains("lang=\"zh-CN\"") && body.contains("标题 &lt;x&gt; · Passport"));
    }
}
