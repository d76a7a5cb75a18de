//! An HTTP server shaped like API Gateway's HTTP API with payload format 2.0: the routes of
//! template.yaml, matched as API Gateway matches them (exact, case-sensitive, `{param}`
//! segments), each request turned into the event API Gateway would send, and the function's
//! answer turned back into an HTTP response.

use crate::runtime::{FunctionRuntime, Outcome};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use base64::Engine;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::sync::Arc;

/// One route of the API and the function behind it.
#[derive(Clone)]
pub struct GatewayRoute {
    pub method: String,
    pub path: String,
    pub function: FunctionRuntime,
}

#[derive(Clone)]
pub struct Gateway {
    routes: Arc<Vec<GatewayRoute>>,
    domain: String,
}

const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

/// The path of the route that takes what no other route takes.
pub const DEFAULT_ROUTE: &str = "$default";

impl Gateway {
    pub fn new(routes: Vec<GatewayRoute>, domain: String) -> Gateway {
        Gateway {
            routes: Arc::new(routes),
            domain,
        }
    }

    pub async fn serve(self, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
        let app = axum::Router::new().fallback(handle).with_state(self);
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await?;
        Ok(())
    }

    /// The route API Gateway would pick: one declared for the method, else an `ANY` route of
    /// the path (which sends the other methods to the function, whose router answers 405),
    /// else the `$default` route.
    fn find(&self, method: &Method, path: &str) -> Option<(&GatewayRoute, Map<String, Value>)> {
        self.find_declared(method.as_str(), path)
            .or_else(|| self.find_declared("ANY", path))
            .or_else(|| {
                self.routes
                    .iter()
                    .find(|r| r.path == DEFAULT_ROUTE)
                    .map(|r| (r, Map::new()))
            })
    }

    fn find_declared(
        &self,
        method: &str,
        path: &str,
    ) -> Option<(&GatewayRoute, Map<String, Value>)> {
        self.routes.iter().find_map(|route| {
            if route.method != method {
                return None;
            }
            let mut params = Map::new();
            let mut want = route.path.split('/');
            let mut have = path.split('/');
            loop {
                match (want.next(), have.next()) {
                    (None, None) => return Some((route, params)),
                    (Some(w), Some(h)) => {
                        if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                            if h.is_empty() {
                                return None;
                            }
                            params.insert(name.to_owned(), json!(decode(h)));
                        } else if w != h {
                            return None;
                        }
                    }
                    _ => return None,
                }
            }
        })
    }
}

/// Percent-decodes a path or query segment; malformed escapes are kept as they are.
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn message(status: StatusCode, text: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(json!({ "message": text }).to_string()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

async fn handle(
    State(gw): State<Gateway>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request<Body>,
) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let Some((route, path_params)) = gw.find(&parts.method, parts.uri.path()) else {
        return message(StatusCode::NOT_FOUND, "Not Found");
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_PAYLOAD).await else {
        return message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    };
    let event = event_for(
        &gw.domain,
        route,
        path_params,
        &parts.method,
        &parts.uri,
        &parts.headers,
        peer,
        &body,
    );
    match route.function.invoke(Bytes::from(event.to_string())).await {
        Ok(Outcome::Response(bytes)) => response_from(&bytes)
            .unwrap_or_else(|| message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")),
        Ok(Outcome::Error(detail)) => {
            eprintln!(
                "passport-local: {} failed: {}",
                route.function.name(),
                String::from_utf8_lossy(&detail)
            );
            message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
        Ok(Outcome::Timeout) => message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
        Err(e) => {
            eprintln!("passport-local: {e:#}");
            message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    }
}

/// API Gateway sends bodies of these types as text; anything else is base64.
fn is_text(headers: &HeaderMap) -> bool {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    ct.is_empty()
        || ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("xml")
        || ct.contains("javascript")
        || ct.starts_with("application/x-www-form-urlencoded")
}

/// The payload format 2.0 event for one request.
#[allow(clippy::too_many_arguments)]
pub fn event_for(
    domain: &str,
    route: &GatewayRoute,
    path_params: Map<String, Value>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    peer: SocketAddr,
    body: &[u8],
) -> Value {
    let mut header_map: Map<String, Value> = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == "cookie" {
            cookies.extend(value.split(';').map(|c| json!(c.trim())));
            continue;
        }
        match header_map.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                header_map.insert(name.as_str().to_owned(), json!(value));
            }
        }
    }
    let raw_query = uri.query().unwrap_or("");
    let mut query: Map<String, Value> = Map::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")));
        match query.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                query.insert(k, json!(v));
            }
        }
    }
    let now = time::OffsetDateTime::now_utc();
    let route_key = if route.path == DEFAULT_ROUTE {
        DEFAULT_ROUTE.to_owned()
    } else {
        format!("{} {}", route.method, route.path)
    };
    let text = is_text(headers) && std::str::from_utf8(body).is_ok();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": uri.path(),
        "rawQueryString": raw_query,
        "headers": header_map,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": domain,
            "domainPrefix": domain.split('.').next().unwrap_or(domain),
            "http": {
                "method": method.as_str(),
                "path": uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": peer.ip().to_string(),
                "userAgent": headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format(&time::format_description::well_known::Rfc2822).unwrap_or_default(),
            "timeEpoch": now.unix_timestamp() * 1000 + i64::from(now.millisecond()),
        },
        "isBase64Encoded": !text && !body.is_empty(),
    });
    let obj = event.as_object_mut().expect("event is an object");
    if !cookies.is_empty() {
        obj.insert("cookies".into(), json!(cookies));
    }
    if !query.is_empty() {
        obj.insert("queryStringParameters".into(), Value::Object(query));
    }
    if !path_params.is_empty() {
        obj.insert("pathParameters".into(), Value::Object(path_params));
    }
    if !body.is_empty() {
        let body = if text {
            String::from_utf8_lossy(body).into_owned()
        } else {
            base64::engine::general_purpose::STANDARD.encode(body)
        };
        obj.insert("body".into(), json!(body));
    }
    event
}

/// The HTTP response for a function's payload 2.0 answer.
pub fn response_from(bytes: &[u8]) -> Option<Response<Body>> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let status = v.get("statusCode").and_then(Value::as_u64).unwrap_or(200);
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::from_u16(status as u16).ok()?;
    let headers = response.headers_mut();
    let mut put = |k: &str, v: &str| {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::from_str(v)) {
            headers.append(k, v);
        }
    };
    if let Some(map) = v.get("headers").and_then(Value::as_object) {
        for (k, val) in map {
            if let Some(s) = val.as_str() {
                put(k, s);
            }
        }
    }
    if let Some(map) = v.get("multiValueHeaders").and_then(Value::as_object) {
        for (k, vals) in map {
            for s in vals
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                put(k, s);
            }
        }
    }
    for cookie in v
        .get("cookies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        put("set-cookie", cookie);
    }
    let body = v.get("body").and_then(Value::as_str).unwrap_or("");
    let body = if v
        .get("isBase64Encoded")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .ok()?
    } else {
        body.as_bytes().to_vec()
    };
    *response.body_mut() = Body::from(body);
    Some(response)
}
