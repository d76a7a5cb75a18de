//! The HTTP API's `$default` route: every request that no other route of template.yaml takes.
//!
//! API Gateway matches paths case-sensitively, and the template routes each v1 path in its
//! documented spelling and in lower case. Document 000 matches v1 paths in any case, so:
//!
//! - a request under `/apis/{Oauth,Services,Users,Images}/` in any other spelling (or with a
//!   trailing slash, as the document's own `/apis/Oauth/authorize/?client_id=...`) is passed,
//!   unchanged, to the function of that group, whose router matches v1 paths in any case and
//!   answers as for the documented spelling;
//! - anything else is answered here, in the dialect its path belongs to: the center's 10002
//!   "访问的路径不存在", v1's 100011, v2's 404, rest's 400, never a bare gateway body.

use async_trait::async_trait;
use base64::Engine;
use lambda_http::{Body, Response};
use passport_shared::response::{render, respond, Format, Meta};
use passport_shared::{dispatch, ApiError, Dialect, Lang, Route, Service};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The v1 groups by the second segment of their paths (lower case), and the environment
/// variable that names the function serving each (template.yaml sets it with `!Ref`).
pub const V1_GROUPS: &[(&str, &str)] = &[
    ("oauth", "OAUTH_FUNCTION"),
    ("services", "SERVICES_FUNCTION"),
    ("users", "USERS_FUNCTION"),
    ("images", "IMAGES_FUNCTION"),
];

/// The v1 group of a path, if it is under `/apis/<group>/` in any spelling.
pub fn v1_group(raw_path: &str) -> Option<&'static str> {
    let mut segments = raw_path.split('/');
    let (Some(""), Some(first), Some(group)) = (segments.next(), segments.next(), segments.next())
    else {
        return None;
    };
    if !first.eq_ignore_ascii_case("apis") {
        return None;
    }
    V1_GROUPS
        .iter()
        .find(|(name, _)| group.eq_ignore_ascii_case(name))
        .map(|(name, _)| *name)
}

#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("invoking {function}: {cause}")]
    Failed { function: String, cause: String },
    #[error("{0} reported an error")]
    FunctionError(String),
}

/// Passes an event to another function and gives back its answer: the narrow seam between
/// this function and Lambda's Invoke API.
#[async_trait]
pub trait Invoker: Send + Sync {
    async fn invoke(&self, function: &str, event: Vec<u8>) -> Result<Vec<u8>, InvokeError>;
}

/// [`Invoker`] over Lambda's Invoke API (synchronous, `RequestResponse`).
pub struct LambdaInvoker(pub aws_sdk_lambda::Client);

#[async_trait]
impl Invoker for LambdaInvoker {
    async fn invoke(&self, function: &str, event: Vec<u8>) -> Result<Vec<u8>, InvokeError> {
        let out = self
            .0
            .invoke()
            .function_name(function)
            .payload(aws_sdk_lambda::primitives::Blob::new(event))
            .send()
            .await
            .map_err(|e| InvokeError::Failed {
                function: function.to_owned(),
                cause: aws_sdk_lambda::error::DisplayErrorContext(e).to_string(),
            })?;
        if out.function_error().is_some() {
            return Err(InvokeError::FunctionError(function.to_owned()));
        }
        Ok(out.payload.map(|b| b.into_inner()).unwrap_or_default())
    }
}

pub struct App {
    /// Function name by v1 group.
    pub functions: BTreeMap<&'static str, String>,
    pub invoker: Box<dyn Invoker>,
}

impl App {
    /// The functions of the v1 groups from the environment, read once in `main`.
    pub fn from_env(invoker: Box<dyn Invoker>) -> Result<App, MissingFunction> {
        let mut functions = BTreeMap::new();
        for (group, var) in V1_GROUPS {
            let name = std::env::var(var).ok().filter(|v| !v.is_empty());
            functions.insert(*group, name.ok_or(MissingFunction(var))?);
        }
        Ok(App { functions, invoker })
    }

    /// Answers one API Gateway (payload 2.0) event with the API Gateway response it makes.
    pub async fn handle(&self, event: Value) -> Value {
        let raw_path = event["rawPath"].as_str().unwrap_or("/");
        if let Some(function) = v1_group(raw_path).and_then(|g| self.functions.get(g)) {
            let bytes = serde_json::to_vec(&event).unwrap_or_default();
            match self.invoker.invoke(function, bytes).await {
                Ok(answer) => {
                    if let Ok(answer) = serde_json::from_slice::<Value>(&answer) {
                        return answer;
                    }
                    tracing::error!(function, "the function's answer is not JSON");
                }
                Err(e) => tracing::error!(error = %e, "forwarding a v1 request failed"),
            }
            return gateway_response(unavailable(&event));
        }
        gateway_response(not_found(&event).await)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("environment variable {0} (the function of a v1 group) is not set")]
pub struct MissingFunction(&'static str);

/// No route serves the path: [`dispatch`] over no routes answers in the path's dialect.
async fn not_found(event: &Value) -> Response<Body> {
    match lambda_http::request::from_str(&event.to_string()) {
        Ok(request) => {
            // Boxed: the not-found answer is rare, and its future is deep.
            Box::pin(dispatch(&NoRoutes, request)).await
        }
        Err(_) => bare(lambda_http::http::StatusCode::NOT_FOUND, "Not Found"),
    }
}

/// The group's function could not be reached: the dialect's internal error, with the
/// request id; the cause is logged.
fn unavailable(event: &Value) -> Response<Body> {
    let path = event["rawPath"].as_str().unwrap_or("/");
    let meta = Meta {
        dialect: Dialect::of_path(path),
        api: path.trim_matches('/').to_owned(),
        route: path.trim_matches('/').to_owned(),
        lang: Lang::En,
        format: Format::Json,
        request_id: event["requestContext"]["requestId"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };
    render(
        &meta,
        Err(ApiError::internal("the v1 group's function failed")),
    )
}

/// What API Gateway itself would say, for an event that is not one of its own.
fn bare(status: lambda_http::http::StatusCode, text: &str) -> Response<Body> {
    respond(
        status,
        "application/json; charset=utf-8",
        json!({ "message": text }).to_string(),
    )
}

/// A service of no routes: every path is one no route serves.
struct NoRoutes;

impl Service for NoRoutes {
    const ROUTES: &'static [Route<NoRoutes>] = &[];
}

/// An HTTP response as the API Gateway (payload 2.0) response a function returns.
pub fn gateway_response(response: Response<Body>) -> Value {
    let (parts, body) = response.into_parts();
    let mut headers = serde_json::Map::new();
    for (name, value) in &parts.headers {
        if let Ok(v) = value.to_str() {
            headers.insert(name.as_str().to_owned(), json!(v));
        }
    }
    let (body, base64) = match body {
        Body::Empty => (String::new(), false),
        Body::Text(t) => (t, false),
        Body::Binary(b) => (base64::engine::general_purpose::STANDARD.encode(b), true),
        _ => (String::new(), false),
    };
    json!({
        "statusCode": parts.status.as_u16(),
        "headers": headers,
        "body": body,
        "isBase64Encoded": base64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use passport_template::Template;
    use std::sync::Mutex;

    /// Records what it is asked to forward and answers with a fixed response.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<(String, Value)>>);

    #[async_trait]
    impl Invoker for &'static Recorder {
        async fn invoke(&self, function: &str, event: Vec<u8>) -> Result<Vec<u8>, InvokeError> {
            let event: Value = serde_json::from_slice(&event).unwrap();
            self.0.lock().unwrap().push((function.to_owned(), event));
            Ok(br#"{"statusCode":200,"body":"forwarded"}"#.to_vec())
        }
    }

    struct Down;

    #[async_trait]
    impl Invoker for Down {
        async fn invoke(&self, function: &str, _: Vec<u8>) -> Result<Vec<u8>, InvokeError> {
            Err(InvokeError::FunctionError(function.to_owned()))
        }
    }

    fn app(invoker: Box<dyn Invoker>) -> App {
        let functions = V1_GROUPS
            .iter()
            .map(|(group, _)| (*group, format!("{group}-fn")))
            .collect();
        App { functions, invoker }
    }

    fn event(method: &str, path: &str) -> Value {
        json!({
            "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
            "headers": {"host": "127.0.0.1"},
            "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1", "userAgent": "t"}, "requestId": "r1", "stage": "$default"},
            "isBase64Encoded": false,
        })
    }

    #[test]
    fn v1_groups_are_found_in_any_spelling() {
        assert_eq!(v1_group("/APIS/OAUTH/INFO"), Some("oauth"));
        assert_eq!(v1_group("/Apis/SERVICES/Location"), Some("services"));
        assert_eq!(v1_group("/apis/Oauth/authorize/"), Some("oauth"));
        assert_eq!(v1_group("/apis/rest/authService/authorize/json"), None);
        assert_eq!(v1_group("/api/User/login"), None);
        assert_eq!(v1_group("/apis"), None);
    }

    #[tokio::test]
    async fn a_v1_path_in_another_spelling_goes_unchanged_to_its_group() {
        let recorder: &'static Recorder = Box::leak(Box::default());
        let app = app(Box::new(recorder));
        let sent = event("POST", "/APIS/OAUTH/INFO");
        let answer = app.handle(sent.clone()).await;
        assert_eq!(answer["body"], "forwarded");
        let forwarded = recorder.0.lock().unwrap();
        assert_eq!(forwarded.as_slice(), &[("oauth-fn".to_owned(), sent)]);
    }

    #[tokio::test]
    async fn unknown_paths_answer_in_their_dialect() {
        let app = app(Box::new(Down));
        for (path, code_field, code) in [
            ("/api/nothing", "code", 10002),
            ("/api/User/nothing", "error_code", 404),
            ("/apis/rest/nothing/x/json", "code", 400),
            ("/apis/Nothing/x", "code", 100011),
        ] {
            let answer = app.handle(event("GET", path)).await;
            assert_eq!(answer["statusCode"], 404, "{path}: {answer}");
            let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
            assert_eq!(body[code_field], code, "{path}: {body}");
        }
    }

    #[tokio::test]
    async fn a_failed_forward_is_the_dialects_internal_error() {
        let answer = app(Box::new(Down))
            .handle(event("POST", "/APIS/OAUTH/INFO"))
            .await;
        assert_eq!(answer["statusCode"], 500);
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            (body["code"].as_u64(), body["request_id"].as_str()),
            (Some(100001), Some("r1"))
        );
    }

    /// Every v1 route of template.yaml belongs to the function the fallback forwards its
    /// group to, and the fallback's environment names that function.
    #[test]
    fn the_groups_agree_with_template_yaml() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        let template = Template::load(&root).unwrap();
        let fallback = template
            .function("fallback")
            .expect("the fallback function");
        assert!(fallback
            .routes
            .iter()
            .any(|r| r.path == "$default" && r.method == "ANY"));
        for f in &template.functions {
            for route in &f.routes {
                let Some(group) = v1_group(&route.path) else {
                    continue;
                };
                let var = V1_GROUPS.iter().find(|(g, _)| *g == group).unwrap().1;
                assert_eq!(
                    fallback.env.get(var),
                    Some(&f.logical_id),
                    "{} {} is served by {}",
                    route.method,
                    route.path,
                    f.logical_id
                );
            }
        }
    }
}
