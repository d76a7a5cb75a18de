//! Routes of a function and the one path every request takes through it.
//!
//! A function declares its routes as a table of [`RouteSpec`]; [`dispatch`] matches the
//! request, reads its parameters, decides dialect, language and format, runs the handler
//! inside a span that carries the request id, and renders the outcome with
//! [`crate::response::render`]. The same tables are checked against `template.yaml` by each
//! function's tests, so the gateway and the routers cannot disagree.

use crate::dialect::{Dialect, Lang};
use crate::error::{ApiError, ErrorKind};
use crate::params::Params;
use crate::response::{self, Format, Meta, Reply};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use std::future::Future;
use std::time::Instant;
use tracing::Instrument;

/// One route of a function: method and path as API Gateway sees them, and the endpoint that
/// serves them.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec<E> {
    pub method: &'static str,
    /// `{name}` segments capture a path parameter.
    pub path: &'static str,
    pub dialect: Dialect,
    pub endpoint: E,
}

impl<E> RouteSpec<E> {
    pub const fn new(
        method: &'static str,
        path: &'static str,
        dialect: Dialect,
        endpoint: E,
    ) -> Self {
        RouteSpec {
            method,
            path,
            dialect,
            endpoint,
        }
    }
}

/// What matching found.
#[derive(Debug)]
pub enum Match<'a, E> {
    Found(&'a RouteSpec<E>, Vec<(String, String)>),
    /// The path is served, but not for this method; the methods it is served for.
    MethodNotAllowed(&'a RouteSpec<E>, Vec<&'static str>),
    NotFound,
}

/// Matches `method` and `path` against `routes`. v1 paths match case-insensitively; one
/// trailing slash is ignored.
pub fn find<'a, E>(routes: &'a [RouteSpec<E>], method: &str, path: &str) -> Match<'a, E> {
    let path = match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    };
    let mut path_match = None;
    let mut allowed = Vec::new();
    // As API Gateway does, a literal path wins over a pattern (`/api/push/log/delete` over
    // `/api/push/log/{id}`): patterns are tried only when no literal path matches.
    for patterns in [false, true] {
        if path_match.is_some() {
            break;
        }
        for route in routes.iter().filter(|r| r.path.contains('{') == patterns) {
            let insensitive = route.dialect.case_insensitive_paths();
            if let Some(captures) = match_path(route.path, path, insensitive) {
                if route.method.eq_ignore_ascii_case(method) {
                    return Match::Found(route, captures);
                }
                path_match.get_or_insert(route);
                if !allowed.contains(&route.method) {
                    allowed.push(route.method);
                }
            }
        }
    }
    match path_match {
        Some(route) => Match::MethodNotAllowed(route, allowed),
        None => Match::NotFound,
    }
}

fn match_path(pattern: &str, path: &str, case_insensitive: bool) -> Option<Vec<(String, String)>> {
    let mut pattern_segments = pattern.split('/');
    let mut path_segments = path.split('/');
    let mut captures = Vec::new();
    loop {
        match (pattern_segments.next(), path_segments.next()) {
            (None, None) => return Some(captures),
            (Some(p), Some(s)) => {
                if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    if s.is_empty() {
                        return None;
                    }
                    let value = percent_decode(s)?;
                    captures.push((name.to_owned(), value));
                } else if !(p == s || (case_insensitive && p.eq_ignore_ascii_case(s))) {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

fn percent_decode(segment: &str) -> Option<String> {
    let decoded: Vec<u8> =
        form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned().into_bytes())?;
    String::from_utf8(decoded).ok()
}

/// A request as handlers see it.
#[derive(Debug)]
pub struct ApiRequest {
    pub meta: Meta,
    pub params: Params,
    pub path_params: Vec<(String, String)>,
    pub headers: http::HeaderMap,
    /// The caller's address as API Gateway saw it.
    pub source_ip: Option<String>,
}

impl ApiRequest {
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A numeric record id in the path. Digits beyond u64 name no record (ids are counted
    /// up from 1), so they read as `u64::MAX` and the lookup answers as for any missing id;
    /// anything but digits is an invalid `name`.
    pub fn path_id(&self, name: &str) -> Result<u64, ApiError> {
        match self.path_param(name) {
            Some(raw) if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(raw.parse().unwrap_or(u64::MAX))
            }
            _ => Err(ApiError::invalid(name)),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Routes `request` through `routes` to `handler` and renders the outcome.
pub async fn dispatch<E, F, Fut>(
    routes: &[RouteSpec<E>],
    request: Request,
    handler: F,
) -> Response<Body>
where
    E: Copy,
    F: FnOnce(E, ApiRequest) -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    let started = Instant::now();
    let request_id = request
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %method, path = %path);
    let metered_method = method.clone();
    // The route pattern names a metered request (`/api/faq/{id}`, not each id).
    let route = match crate::meter::file().map(|_| find(routes, &method, &path)) {
        Some(Match::Found(spec, _)) => spec.path.to_owned(),
        _ => path.clone(),
    };
    if let Some(RequestContext::ApiGatewayV2(ctx)) = request.request_context_ref() {
        if let Some(api_id) = &ctx.apiid {
            crate::issuer::observe_api(api_id);
        }
    }
    let serve = async move {
        let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
        let accept_language = header("accept-language").map(str::to_owned);
        let content_type = header("content-type").map(str::to_owned);
        let mut allow = None;
        let (route, path_params, mut meta) = match find(routes, &method, &path) {
            Match::Found(spec, captures) => {
                let meta = meta_for(spec.dialect, spec.path, &path, &request_id);
                (Ok(spec), captures, meta)
            }
            Match::MethodNotAllowed(spec, methods) => {
                let meta = meta_for(spec.dialect, spec.path, &path, &request_id);
                allow = Some(methods.join(", "));
                // "POST method required" only where POST would do.
                let kind = if methods.contains(&"POST") {
                    ErrorKind::MethodNotAllowed
                } else {
                    ErrorKind::MethodGetRequired
                };
                (Err(kind), Vec::new(), meta)
            }
            Match::NotFound => {
                let meta = meta_for(Dialect::of_path(&path), &path, &path, &request_id);
                (Err(ErrorKind::NotFound), Vec::new(), meta)
            }
        };
        let params = Params::parse(
            request.uri().query(),
            content_type.as_deref(),
            request.body().as_ref(),
        )
        .await;
        if let Ok(p) = &params {
            meta.lang = Lang::negotiate(p.text("lang").as_deref(), accept_language.as_deref());
        }
        let outcome = match (route, params) {
            (Err(kind), _) => Err(ApiError::new(kind)),
            (Ok(_), Err(e)) => Err(e),
            // An unusable callback or format is refused in plain JSON, with its status.
            (Ok(spec), Ok(params)) => match choose_format(&meta, &params) {
                Err(e) => Err(e),
                Ok(format) => {
                    meta.format = format;
                    let api_request = ApiRequest {
                        meta: meta.clone(),
                        params,
                        path_params,
                        source_ip: source_ip(&request),
                        headers: request.headers().clone(),
                    };
                    handler(spec.endpoint, api_request).await
                }
            },
        };
        let mut response = response::render(&meta, outcome);
        // A 405 names the methods the path does serve (RFC 9110, section 15.5.6).
        if let Some(value) = allow.and_then(|a| http::HeaderValue::from_str(&a).ok()) {
            response.headers_mut().insert(http::header::ALLOW, value);
        }
        tracing::info!(
            status = response.status().as_u16(),
            api = %meta.api,
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request done"
        );
        response
    };
    crate::meter::scope(&metered_method, &route, serve, |r: &Response<Body>| {
        r.status().as_u16()
    })
    .instrument(span)
    .await
}

fn meta_for(dialect: Dialect, pattern: &str, path: &str, request_id: &str) -> Meta {
    // The envelope names the route as documented (canonical case), without the leading slash.
    let api = if pattern.contains('{') { path } else { pattern };
    Meta {
        dialect,
        api: api.trim_start_matches('/').trim_end_matches('/').to_owned(),
        route: pattern
            .trim_start_matches('/')
            .trim_end_matches('/')
            .to_owned(),
        lang: Lang::En,
        format: if dialect == Dialect::Rest && path.to_ascii_lowercase().ends_with("/xml") {
            Format::Xml
        } else {
            Format::Json
        },
        request_id: request_id.to_owned(),
    }
}

/// `format=jsonp` (v1 and v2) answers JavaScript, calling `callback` when it names a plain
/// identifier and `jsonpReturn` otherwise.
fn choose_format(meta: &Meta, params: &Params) -> Result<Format, ApiError> {
    if !matches!(meta.dialect, Dialect::V1 | Dialect::V2) {
        return Ok(meta.format.clone());
    }
    // A callback is checked even when JSON is asked for: a page that names one no script
    // could call should hear so, whatever the format.
    let callback = match params.text("callback") {
        Some(cb) if !response::is_plain_identifier(&cb) => {
            return Err(ApiError::invalid("callback"))
        }
        cb => cb,
    };
    match params
        .text("format")
        .map(|f| f.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("json") => Ok(Format::Json),
        Some("jsonp") => Ok(Format::Jsonp(
            callback.unwrap_or_else(|| response::DEFAULT_CALLBACK.to_owned()),
        )),
        Some(_) => Err(ApiError::invalid("format")),
    }
}

fn source_ip(request: &Request) -> Option<String> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.clone(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum E {
        Guestbook,
        Faq,
        FaqItem,
    }

    const ROUTES: &[RouteSpec<E>] = &[
        RouteSpec::new(
            "POST",
            "/apis/Services/guestbook",
            Dialect::V1,
            E::Guestbook,
        ),
        RouteSpec::new("GET", "/api/faq", Dialect::Center, E::Faq),
        RouteSpec::new("GET", "/api/faq/{id}", Dialect::Center, E::FaqItem),
    ];

    #[test]
    fn v1_paths_match_in_any_case_and_others_exactly() {
        assert!(
            matches!(find(ROUTES, "POST", "/apis/services/GUESTBOOK"), Match::Found(r, _) if r.endpoint == E::Guestbook)
        );
        assert!(matches!(find(ROUTES, "GET", "/api/FAQ"), Match::NotFound));
    }

    #[test]
    fn path_parameters_are_captured_and_decoded() {
        let Match::Found(r, caps) = find(ROUTES, "GET", "/api/faq/a%20b") else {
            panic!()
        };
        assert_eq!(r.endpoint, E::FaqItem);
        assert_eq!(caps, vec![("id".to_owned(), "a b".to_owned())]);
        assert!(
            matches!(find(ROUTES, "GET", "/api/faq/"), Match::Found(r, _) if r.endpoint == E::Faq)
        );
    }

    #[test]
    fn a_literal_path_wins_over_a_pattern_for_every_method() {
        const PUSH: &[RouteSpec<E>] = &[
            RouteSpec::new("GET", "/api/faq/{id}", Dialect::Center, E::FaqItem),
            RouteSpec::new("DELETE", "/api/faq/all", Dialect::Center, E::Faq),
        ];
        assert!(
            matches!(find(PUSH, "DELETE", "/api/faq/all"), Match::Found(r, _) if r.endpoint == E::Faq)
        );
        let Match::MethodNotAllowed(_, allow) = find(PUSH, "GET", "/api/faq/all") else {
            panic!("GET of the literal path")
        };
        assert_eq!(allow, vec!["DELETE"]);
        assert!(
            matches!(find(PUSH, "GET", "/api/faq/7"), Match::Found(r, _) if r.endpoint == E::FaqItem)
        );
    }

    #[test]
    fn a_known_path_with_another_method_is_405_not_404() {
        let Match::MethodNotAllowed(_, allow) = find(ROUTES, "GET", "/apis/Services/guestbook")
        else {
            panic!("a known path with another method")
        };
        assert_eq!(allow, vec!["POST"]);
        assert!(matches!(
            find(ROUTES, "GET", "/apis/Services/nothing"),
            Match::NotFound
        ));
    }
}
