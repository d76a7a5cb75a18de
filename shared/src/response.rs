//! The one response helper: a handler's outcome, rendered in its route's dialect.
//!
//! | dialect | success | error |
//! |---|---|---|
//! | v1 | `{"code":200,"request":"apis/X/y","message":"Successful", ...fields}` | `{"code":N,"request":..,"message":..}` |
//! | v2 | `{"error_code":0,"api_uri":"api/X/y","message":"Successful", ...fields}` | same keys |
//! | rest | `{"data":{...},"code":200,"message":"ok"}` or that as XML | `{"code":N,"message":..}` |
//! | center | `{"code":0,"message":"success","data":{...}}` | `{"code":N,"message":..,"data":{}}` |
//!
//! The HTTP status tells the class of the outcome; a JSONP answer is always 200, since a
//! script tag cannot read a status. Internal errors carry a `request_id` and log their cause.

use crate::dialect::{Dialect, Lang};
use crate::error::{ApiError, ErrorKind};
use http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// The fields of a successful answer.
pub type Payload = Map<String, Value>;

/// What a handler answers with.
#[derive(Debug)]
pub enum Reply {
    /// Fields rendered into the dialect's success envelope.
    Data(Payload),
    /// A response the handler built itself (a redirect, a page, an image).
    Raw(Response<Body>),
}

impl Reply {
    /// A success with no fields beyond the envelope.
    pub fn ok() -> Reply {
        Reply::Data(Payload::new())
    }

    /// A success whose fields are `value`'s (a struct or a map).
    pub fn of<T: Serialize>(value: &T) -> Result<Reply, ApiError> {
        match serde_json::to_value(value).map_err(ApiError::internal)? {
            Value::Object(map) => Ok(Reply::Data(map)),
            Value::Null => Ok(Reply::ok()),
            other => Err(ApiError::internal(format!(
                "reply is not an object: {other}"
            ))),
        }
    }
}

/// How the answer is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Json,
    /// `name({...});` as JavaScript.
    Jsonp(String),
    /// The rest dialect's `/xml` routes.
    Xml,
}

/// What rendering needs to know about the request.
#[derive(Debug, Clone)]
pub struct Meta {
    pub dialect: Dialect,
    /// The route as the envelope names it, without the leading slash: `apis/Services/guestbook`.
    pub api: String,
    /// The route's template, without the leading slash: `api/faq/{id}` for `/api/faq/7`
    /// (the same as `api` for a route without parameters). Quotas count per template,
    /// whatever the path's spelling.
    pub route: String,
    pub lang: Lang,
    pub format: Format,
    pub request_id: String,
}

impl Meta {
    /// Whether the route belongs to an OAuth family (`apis/Oauth/*`, `api/Oauth/*`), whose
    /// tables number token and quota errors apart from the rest of their dialect.
    pub fn oauth_family(&self) -> bool {
        self.api.to_ascii_lowercase().contains("oauth/")
    }

    /// What a route that needs a signed-in user answers without a token: v2's user routes
    /// say 202101 "Not logged in yet" (document 002, under login and sendcode); the OAuth
    /// tables and the other dialects name the missing token.
    pub fn missing_token(&self) -> ErrorKind {
        if self.dialect == Dialect::V2 && !self.oauth_family() {
            ErrorKind::NotLoggedIn
        } else {
            ErrorKind::TokenMissing
        }
    }
}

/// The default JSONP callback of the documents.
pub const DEFAULT_CALLBACK: &str = "jsonpReturn";

/// Whether `name` may be used as a JSONP callback: a plain JavaScript identifier.
pub fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && name.len() <= 64
}

/// Renders `outcome` in `meta`'s dialect and format, logging errors on the way out.
pub fn render(meta: &Meta, outcome: Result<Reply, ApiError>) -> Response<Body> {
    let mut retry_after = None;
    let (status, body, challenge) = match outcome {
        Ok(Reply::Raw(response)) => return response,
        Ok(Reply::Data(fields)) => (StatusCode::OK, success_body(meta, fields), None),
        Err(err) => {
            log_error(meta, &err);
            let status = match meta.dialect {
                Dialect::OAuth2 => oauth_error(err.kind).0,
                _ => err.kind.status(),
            };
            retry_after = err.retry_after;
            (status, error_body(meta, &err), challenge(err.kind))
        }
    };
    let mut response = match &meta.format {
        Format::Json => respond(status, "application/json; charset=utf-8", body.to_string()),
        Format::Jsonp(callback) => respond(
            StatusCode::OK,
            "application/javascript; charset=utf-8",
            format!("{callback}({body});"),
        ),
        Format::Xml => respond(status, "application/xml; charset=utf-8", to_xml(&body)),
    };
    let challenged = matches!(
        response.status(),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
    );
    if let (true, Some(value)) = (challenged, challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(value));
    }
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if meta.dialect == Dialect::OAuth2 {
        // RFC 6749 §5.1: token answers are not to be cached, by HTTP/1.0 caches either.
        response
            .headers_mut()
            .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    response
}

/// The RFC 6749 §5.2 error (and its status) of a refusal at the standard endpoints.
pub fn oauth_error(kind: ErrorKind) -> (StatusCode, &'static str) {
    use ErrorKind::*;
    match kind {
        ClientIdRequired | ClientNotFound | ClientSecretRequired | ClientSecretMismatch => {
            (StatusCode::UNAUTHORIZED, "invalid_client")
        }
        AuthCodeInvalid
        | GrantRedirectMismatch
        | RefreshTokenInvalid
        | IncorrectPassword
        | AccountLocked
        | AccountDisabled
        | ClientUserMismatch => (StatusCode::BAD_REQUEST, "invalid_grant"),
        GrantMismatch => (StatusCode::BAD_REQUEST, "unauthorized_client"),
        GrantTypeInvalid => (StatusCode::BAD_REQUEST, "unsupported_grant_type"),
        // A pushed authorization request (RFC 9126 §2.3) of another response type.
        ResponseTypeInvalid => (StatusCode::BAD_REQUEST, "unsupported_response_type"),
        ScopeDenied => (StatusCode::BAD_REQUEST, "invalid_scope"),
        // A source's abuse limit or a client's quota: the status says to come back later
        // (with `Retry-After`), the code that the server will not take it now.
        RateLimited | OauthRateLimited | CodeSendTooFrequent => {
            (StatusCode::TOO_MANY_REQUESTS, "temporarily_unavailable")
        }
        // RFC 6750 §3.1, at a resource (userinfo).
        TokenMissing | NotLoggedIn => (StatusCode::UNAUTHORIZED, "invalid_request"),
        TokenInvalid | TokenExpired => (StatusCode::UNAUTHORIZED, "invalid_token"),
        InsufficientScope => (StatusCode::FORBIDDEN, "insufficient_scope"),
        Internal => (StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
        // The HTTP status keeps its own meaning: no such path, or not with this method.
        NotFound | MethodNotAllowed | MethodGetRequired => (kind.status(), "invalid_request"),
        _ if kind.status().is_server_error() => {
            (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")
        }
        _ => (StatusCode::BAD_REQUEST, "invalid_request"),
    }
}

/// The `WWW-Authenticate` challenge of a 401 (RFC 9110 §11.6.1): `Bearer` where an access
/// token was missing or refused (RFC 6750 §3, with `invalid_token` for a refused one), `Basic`
/// where a client's credentials were. The body keeps the dialect's code.
pub fn challenge(kind: ErrorKind) -> Option<&'static str> {
    use ErrorKind::*;
    match kind {
        TokenMissing | NotLoggedIn => Some(r#"Bearer realm="passport""#),
        TokenInvalid | TokenExpired => Some(r#"Bearer realm="passport", error="invalid_token""#),
        InsufficientScope => {
            Some(r#"Bearer realm="passport", error="insufficient_scope", scope="openid""#)
        }
        ClientSecretMismatch | ClientSecretRequired | ClientNotFound | ClientIdRequired => {
            Some(r#"Basic realm="passport""#)
        }
        _ => None,
    }
}

fn success_body(meta: &Meta, fields: Payload) -> Value {
    let message = |en: &'static str, zh: &'static str| match meta.lang {
        Lang::En => en,
        Lang::Zh => zh,
    };
    match meta.dialect {
        Dialect::V1 => {
            let mut out = Map::new();
            out.insert("code".into(), json!(200));
            out.insert("request".into(), json!(meta.api));
            out.extend(fields);
            out.insert("message".into(), json!(message("Successful", "成功")));
            Value::Object(out)
        }
        Dialect::V2 => {
            let mut out = Map::new();
            out.insert("error_code".into(), json!(0));
            out.insert("api_uri".into(), json!(meta.api));
            out.insert("message".into(), json!(message("Successful", "成功")));
            out.extend(fields);
            Value::Object(out)
        }
        Dialect::Rest => json!({"data": fields, "code": 200, "message": message("ok", "成功")}),
        Dialect::OAuth2 => Value::Object(fields),
        Dialect::Center => {
            json!({"code": 0, "message": message("success", "成功"), "data": fields})
        }
    }
}

fn error_body(meta: &Meta, err: &ApiError) -> Value {
    let entry = err.kind.entry(meta.dialect);
    let message = err.message(meta.dialect, meta.lang);
    let mut out = Map::new();
    match meta.dialect {
        Dialect::V1 => {
            out.insert("code".into(), json!(entry.code));
            out.insert("request".into(), json!(meta.api));
            out.insert("message".into(), json!(message));
        }
        Dialect::V2 => {
            out.insert("error_code".into(), json!(entry.code));
            out.insert("api_uri".into(), json!(meta.api));
            out.insert("message".into(), json!(message));
        }
        Dialect::Rest => {
            out.insert("code".into(), json!(entry.code));
            out.insert("message".into(), json!(message));
        }
        Dialect::Center => {
            out.insert("code".into(), json!(entry.code));
            out.insert("message".into(), json!(message));
            out.insert("data".into(), json!({}));
        }
        // RFC 6749 §5.2; the description is the catalog's English text, never a cause.
        Dialect::OAuth2 => {
            out.insert("error".into(), json!(oauth_error(err.kind).1));
            let description = err.message(Dialect::OAuth2, Lang::En);
            out.insert("error_description".into(), json!(description));
            return Value::Object(out);
        }
    }
    if let Some(field) = &err.field {
        out.insert("field".into(), json!(field));
    }
    if err.kind == ErrorKind::Internal {
        out.insert("request_id".into(), json!(meta.request_id));
    }
    Value::Object(out)
}

fn log_error(meta: &Meta, err: &ApiError) {
    let code = err.kind.entry(meta.dialect).code;
    if err.kind.status().is_server_error() {
        tracing::error!(api = %meta.api, code, kind = ?err.kind, cause = err.cause().unwrap_or(""), "request failed");
    } else {
        tracing::info!(api = %meta.api, code, kind = ?err.kind, field = err.field.as_deref().unwrap_or(""), "request refused");
    }
}

/// A response with a status, a content type and a text body.
pub fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The rest dialect's XML: the JSON envelope as elements under `<response>`; arrays repeat an
/// `<item>` element, `null` is an empty element, and text is escaped.
pub fn to_xml(value: &Value) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    write_xml_element(&mut out, "response", value);
    out
}

fn write_xml_element(out: &mut String, name: &str, value: &Value) {
    let name = xml_name(name);
    match value {
        Value::Null => {
            out.push_str(&format!("<{name}/>"));
        }
        Value::Object(map) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in map {
                write_xml_element(out, k, v);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            for v in items {
                write_xml_element(out, "item", v);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", xml_escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

/// Keys are ours, but an element name must be valid whatever a key holds.
fn xml_name(key: &str) -> String {
    let mut name: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        name.insert(0, '_');
    }
    name
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(dialect: Dialect, api: &str, format: Format) -> Meta {
        Meta {
            dialect,
            api: api.into(),
            route: api.into(),
            lang: Lang::En,
            format,
            request_id: "req-1".into(),
        }
    }

    fn body_of(response: &Response<Body>) -> String {
        match response.body() {
            Body::Text(s) => s.clone(),
            other => panic!("expected text, got {other:?}"),
        }
    }

    #[test]
    fn v1_success_is_code_request_fields_message() {
        let m = meta(Dialect::V1, "apis/Services/guestbook", Format::Json);
        let r = render(&m, Ok(Reply::ok()));
        assert_eq!(r.status(), 200);
        assert_eq!(
            body_of(&r),
            r#"{"code":200,"request":"apis/Services/guestbook","message":"Successful"}"#
        );
    }

    #[test]
    fn v1_jsonp_is_always_200_and_wraps_the_error() {
        let m = meta(
            Dialect::V1,
            "apis/Services/guestbook",
            Format::Jsonp("jsonpReturn".into()),
        );
        let r = render(&m, Err(ErrorKind::MessageEmpty.into()));
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"],
            "application/javascript; charset=utf-8"
        );
        let body = body_of(&r);
        assert!(body.starts_with("jsonpReturn({\"code\":202102,"), "{body}");
        assert!(body.ends_with("});"));
    }

    #[test]
    fn v2_error_uses_error_code_and_api_uri() {
        let m = meta(Dialect::V2, "api/User/login", Format::Json);
        let r = render(&m, Err(ErrorKind::EmailInvalid.into()));
        assert_eq!(r.status(), 400);
        let v: Value = serde_json::from_str(&body_of(&r)).unwrap();
        assert_eq!(v["error_code"], 100004);
        assert_eq!(v["api_uri"], "api/User/login");
        assert_eq!(v["field"], "email");
    }

    #[test]
    fn center_errors_carry_an_empty_data_object() {
        let m = meta(Dialect::Center, "api/auth/register", Format::Json);
        let r = render(&m, Err(ErrorKind::InvalidParameter.into()));
        let v: Value = serde_json::from_str(&body_of(&r)).unwrap();
        assert_eq!(v["code"], 10005);
        assert_eq!(v["data"], json!({}));
    }

    #[test]
    fn internal_errors_show_a_request_id_and_no_cause() {
        let m = meta(Dialect::Center, "api/auth/register", Format::Json);
        let r = render(
            &m,
            Err(ApiError::internal("connection refused to 10.0.0.1")),
        );
        assert_eq!(r.status(), 500);
        let body = body_of(&r);
        assert!(body.contains("\"request_id\":\"req-1\""));
        assert!(!body.contains("refused"));
    }

    #[test]
    fn rest_xml_carries_the_json_fields_escaped() {
        let m = meta(
            Dialect::Rest,
            "apis/rest/userService/getUserInfo/xml",
            Format::Xml,
        );
        let mut fields = Payload::new();
        fields.insert("username".into(), json!("li<&>\"40"));
        fields.insert("status".into(), Value::Null);
        let r = render(&m, Ok(Reply::Data(fields)));
        assert_eq!(
            r.headers()["content-type"],
            "application/xml; charset=utf-8"
        );
        assert_eq!(
            body_of(&r),
            r#"<?xml version="1.0" encoding="UTF-8"?><response><data><username>li&lt;&amp;&gt;&quot;40</username><status/></data><code>200</code><message>ok</message></response>"#
        );
    }

    #[test]
    fn only_plain_identifiers_are_callbacks() {
        assert!(is_plain_identifier("jsonpReturn"));
        assert!(is_plain_identifier("$cb_1"));
        assert!(!is_plain_identifier("alert(1)//"));
        assert!(!is_plain_identifier("a.b"));
        assert!(!is_plain_identifier(""));
        assert!(!is_plain_identifier("1abc"));
    }
}
