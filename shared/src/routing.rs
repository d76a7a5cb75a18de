//! Routes of a function and the one path every request takes through it.
//!
//! A function declares its routes as a table of [`RouteSpec`]; [`dispatch`] matches the
//! request, reads its parameters, decides dialect, language and format, runs the handler
//! inside a span that carries the request id, and renders the outcome with
//! [`crate::response::render`]. The same tables are checked against `template.yaml` by each
//! function's tests, so the gateway and the routers cannot disagree.

use crate::dialect::{Dialect, Lang};
use crate::error::{ApiError, ErrorKind};
use crate::limits::Action;
use crate::params::Params;
use crate::response::{self, Format, Meta, Reply};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;
use tracing::Instrument;

/// Who may call a route, checked by [`dispatch`] before the handler runs. The handler is
/// given what the check established (see [`crate::routes!`]): a token record, the account,
/// the authenticated client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Anyone.
    Public,
    /// A token if one is presented (checked, metered): OAuth's authorize routes, which send
    /// a browser without one to the hosted sign-in.
    MaybeToken,
    /// As [`Auth::MaybeToken`], with the token's account read alongside its record
    /// (`sendcode` mails the signed-in user when no address is given).
    MaybeAccount,
    /// A live access token, counted against its client's hourly quota.
    Token,
    /// A live access token and the account it names, read in the same stage.
    Account,
    /// A registered client, by the function's own client authentication
    /// ([`Service::client`]); a public client passes by its id alone.
    Client,
    /// A confidential client (its secret is required).
    ConfidentialClient,
    /// A client and a live access token (the open platform): the call counts against the
    /// calling client's quota and the token's.
    ClientToken,
    /// As [`Auth::Account`], for an account with an operator role (support or operator):
    /// the operator API's reads. Only tokens of Passport's own sign-in and of its console
    /// count: an app a signed-in operator authorized never acts as the operator.
    Staff,
    /// As [`Auth::Staff`], for the operator role alone: the operator API's writes.
    Operator,
}

impl Auth {
    /// Whether the route takes an access token (openapi's `security`).
    pub fn takes_token(self) -> bool {
        !matches!(self, Auth::Public | Auth::Client | Auth::ConfidentialClient)
    }

    /// Whether a request without a token is refused.
    pub fn requires_token(self) -> bool {
        matches!(
            self,
            Auth::Token | Auth::Account | Auth::ClientToken | Auth::Staff | Auth::Operator
        )
    }

    /// The role the route needs of the token's account.
    pub fn role(self) -> Option<crate::storage::users::Role> {
        use crate::storage::users::Role;
        match self {
            Auth::Staff => Some(Role::Support),
            Auth::Operator => Some(Role::Operator),
            _ => None,
        }
    }

    /// Whether the route reads the token's account beside its record.
    pub fn reads_account(self) -> bool {
        matches!(
            self,
            Auth::Account | Auth::MaybeAccount | Auth::Staff | Auth::Operator
        )
    }

    /// Whether the route authenticates a client.
    pub fn takes_client(self) -> bool {
        matches!(
            self,
            Auth::Client | Auth::ConfidentialClient | Auth::ClientToken
        )
    }
}

/// A handler's answer, boxed so that every route of a table has one type.
pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<Reply, ApiError>> + Send + 'a>>;

/// One route of a function: method and path as API Gateway sees them (the dialect follows
/// from the path, [`Dialect::of_path`]), who may call it, and the handler. Tables are
/// written with [`crate::routes!`], one line per route.
pub struct Route<A: 'static> {
    pub method: &'static str,
    /// `{name}` segments capture a path parameter.
    pub path: &'static str,
    pub auth: Auth,
    /// The abuse limit the route counts its source address against (`limit` in
    /// [`crate::routes!`]), beside its authentication.
    pub limit: Option<Action>,
    /// Whether the handler does something beside the token check (`beside` in
    /// [`crate::routes!`]): it is then given the check still to run.
    pub beside: bool,
    pub handler: for<'a> fn(&'a A, &'a ApiRequest, Check<'a>) -> Answer<'a>,
}

impl<A> Route<A> {
    pub fn dialect(&self) -> Dialect {
        Dialect::of_path(self.path)
    }
}

impl<A> std::fmt::Debug for Route<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({:?}", self.method, self.path, self.auth)?;
        match self.limit {
            Some(action) => write!(f, ", limit {})", action.name()),
            None => write!(f, ")"),
        }
    }
}

/// A function's routes and what their declared authentication needs.
pub trait Service: Send + Sync + Sized + 'static {
    const ROUTES: &'static [Route<Self>];

    /// The token check of the function's token-checked routes.
    fn authority(&self) -> Option<crate::auth::Authority<'_>> {
        None
    }

    /// The client authentication of the function's client-authenticated routes (each
    /// family has its own: RFC 6749 methods at /oauth2 and the documents' OAuth routes,
    /// HTTP Basic with the `t_`/`p_` check on the open platform).
    fn client<'a>(&'a self, _auth: Auth, _req: &'a ApiRequest) -> crate::auth::ClientCheck<'a> {
        Box::pin(async { Err(ApiError::internal("this function authenticates no client")) })
    }

    /// Where the function's limited routes count their attempts.
    fn limiter(&self) -> Option<crate::limits::Limiter<'_>> {
        None
    }

    /// The answer to an attempt past its limit: the error in the route's dialect, unless
    /// the function shows people a page instead (the hosted sign-in's own).
    fn throttled<'a>(&'a self, _req: &'a ApiRequest, refusal: ApiError) -> Answer<'a> {
        Box::pin(async move { Err(refusal) })
    }

    /// The answer to a caller the route's authentication refused: the error in the route's
    /// dialect, unless the function shows people a page instead (the console sends a
    /// browser without a session to sign in).
    fn refused<'a>(&'a self, _req: &'a ApiRequest, refusal: ApiError) -> Answer<'a> {
        Box::pin(async move { Err(refusal) })
    }
}

/// A table of [`Route`]s, one line per route:
///
/// ```text
/// const ROUTES: &'static [Route<App>] = routes![App;
///     POST "/api/User/friends" Token beside friends::mine => friends::list,
///     GET "/api/faq" Public => faq::list,
///     POST "/api/User/login" Public limit SignIn => login::handle,
/// ];
/// ```
///
/// `limit` names the [`Action`] whose per-source budget each call spends
/// ([`crate::limits`]), counted beside the authentication; past it, the function's
/// [`Service::throttled`] answers.
///
/// The handler's arguments follow from the route's [`Auth`]: `(app, req)` for `Public`;
/// `(app, req, &TokenRecord)` for `Token`; `(app, req, &TokenRecord, &User)` for `Account`;
/// `(app, req, Option<&TokenRecord>)` for `MaybeToken` (and the same as `Account` for
/// `Staff` and `Operator`, whose account holds the role they need); `(app, req, Option<(&TokenRecord,
/// &User)>)` for `MaybeAccount`; `(app, req, &Arc<Client>)` for `Client` and
/// `ConfidentialClient`; `(app, req, &Arc<Client>, &TokenRecord)` for `ClientToken`.
///
/// `Token beside f` and `Account beside f` run `f(app, req, uid)` beside the token check,
/// in its stage, for the uid the token's signature names, and add what it gave as the
/// handler's last argument; the handler runs only once the check passed, and a refused
/// check is the answer whatever `f` did. `f` reads what the handler will need first (one
/// stage fewer) or does what any caller may do (using up a captcha); it never writes on
/// the account's behalf.
#[macro_export]
macro_rules! routes {
    ($app:ty; $($method:ident $path:literal $auth:ident $(limit $limit:ident)? $(beside $beside:path)? => $handler:path),* $(,)?) => {
        &[$($crate::routing::Route::<$app> {
            method: stringify!($method),
            path: $path,
            auth: $crate::routing::Auth::$auth,
            limit: $crate::__route_limit!($($limit)?),
            beside: $crate::__route_beside!($($beside)?),
            handler: {
                fn handler<'a>(
                    app: &'a $app,
                    req: &'a $crate::ApiRequest,
                    check: $crate::auth::Check<'a>,
                ) -> $crate::routing::Answer<'a> {
                    $crate::__route_call!($auth $(beside $beside)?, $handler, app, req, check)
                }
                handler
            },
        }),*]
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __route_limit {
    () => {
        None
    };
    ($action:ident) => {
        Some($crate::limits::Action::$action)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __route_beside {
    () => {
        false
    };
    ($beside:path) => {
        true
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __route_call {
    (Token beside $b:path, $h:path, $app:ident, $req:ident, $check:ident) => {
        match $check {
            $crate::auth::Check::Pending(pending) => Box::pin(async move {
                let uid = pending.uid;
                let (caller, beside) = ::tokio::join!(pending.confirm(), $b($app, $req, uid));
                match caller?.token {
                    Some(token) => $h($app, $req, &token, beside).await,
                    None => $crate::routing::undeclared().await,
                }
            }),
            $crate::auth::Check::Done(_) => $crate::routing::undeclared(),
        }
    };
    (Account beside $b:path, $h:path, $app:ident, $req:ident, $check:ident) => {
        match $check {
            $crate::auth::Check::Pending(pending) => Box::pin(async move {
                let uid = pending.uid;
                let (caller, beside) = ::tokio::join!(pending.confirm(), $b($app, $req, uid));
                match caller? {
                    $crate::auth::Caller {
                        token: Some(token),
                        account: Some(user),
                        ..
                    } => $h($app, $req, &token, &user, beside).await,
                    _ => $crate::routing::undeclared().await,
                }
            }),
            $crate::auth::Check::Done(_) => $crate::routing::undeclared(),
        }
    };
    ($auth:ident, $h:path, $app:ident, $req:ident, $check:ident) => {
        match $check {
            $crate::auth::Check::Done(caller) => {
                $crate::__route_done!($auth, $h, $app, $req, caller)
            }
            $crate::auth::Check::Pending(_) => $crate::routing::undeclared(),
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __route_done {
    (Public, $h:path, $app:ident, $req:ident, $caller:ident) => {{
        let _ = $caller;
        Box::pin($h($app, $req))
    }};
    (MaybeToken, $h:path, $app:ident, $req:ident, $caller:ident) => {
        Box::pin(async move { $h($app, $req, $caller.token.as_ref()).await })
    };
    (MaybeAccount, $h:path, $app:ident, $req:ident, $caller:ident) => {
        Box::pin(async move {
            $h(
                $app,
                $req,
                $caller.token.as_ref().zip($caller.account.as_ref()),
            )
            .await
        })
    };
    (Token, $h:path, $app:ident, $req:ident, $caller:ident) => {
        match $caller.token {
            Some(token) => Box::pin(async move { $h($app, $req, &token).await }),
            None => $crate::routing::undeclared(),
        }
    };
    (Account, $h:path, $app:ident, $req:ident, $caller:ident) => {
        match ($caller.token, $caller.account) {
            (Some(token), Some(user)) => {
                Box::pin(async move { $h($app, $req, &token, &user).await })
            }
            _ => $crate::routing::undeclared(),
        }
    };
    (Client, $h:path, $app:ident, $req:ident, $caller:ident) => {
        match $caller.client {
            Some(client) => Box::pin(async move { $h($app, $req, &client).await }),
            None => $crate::routing::undeclared(),
        }
    };
    (ConfidentialClient, $h:path, $app:ident, $req:ident, $caller:ident) => {
        $crate::__route_done!(Client, $h, $app, $req, $caller)
    };
    (Staff, $h:path, $app:ident, $req:ident, $caller:ident) => {
        $crate::__route_done!(Account, $h, $app, $req, $caller)
    };
    (Operator, $h:path, $app:ident, $req:ident, $caller:ident) => {
        $crate::__route_done!(Account, $h, $app, $req, $caller)
    };
    (ClientToken, $h:path, $app:ident, $req:ident, $caller:ident) => {
        match ($caller.client, $caller.token) {
            (Some(client), Some(token)) => {
                Box::pin(async move { $h($app, $req, &client, &token).await })
            }
            _ => $crate::routing::undeclared(),
        }
    };
}

/// The answer of a handler whose route's check gave it nothing (cannot happen: dispatch
/// checks what the route declares before the handler runs).
#[doc(hidden)]
pub fn undeclared<'a>() -> Answer<'a> {
    Box::pin(async { Err(ApiError::internal("the route's check gave no caller")) })
}

/// What matching found.
#[derive(Debug)]
pub enum Match<'a, A: 'static> {
    Found(&'a Route<A>, Vec<(String, String)>),
    /// The path is served, but not for this method; the methods it is served for.
    MethodNotAllowed(&'a Route<A>, Vec<&'static str>),
    NotFound,
}

/// Matches `method` and `path` against `routes`. v1 paths match case-insensitively; one
/// trailing slash is ignored.
pub fn find<'a, A>(routes: &'a [Route<A>], method: &str, path: &str) -> Match<'a, A> {
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
            let insensitive = route.dialect().case_insensitive_paths();
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
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub meta: Meta,
    pub params: Params,
    pub path_params: Vec<(String, String)>,
    pub headers: http::HeaderMap,
    /// The caller's address as API Gateway saw it.
    pub source_ip: Option<String>,
}

pub use crate::auth::{Caller, Check};

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

/// Routes `request` through `A`'s routes, checks what the route declares ([`Auth`]), runs
/// its handler and renders the outcome.
pub async fn dispatch<A: Service>(app: &A, request: Request) -> Response<Body> {
    let routes = A::ROUTES;
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
                let meta = meta_for(spec.dialect(), spec.path, &path, &request_id);
                (Ok(spec), captures, meta)
            }
            Match::MethodNotAllowed(spec, methods) => {
                let meta = meta_for(spec.dialect(), spec.path, &path, &request_id);
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
                    let (limited, check) = tokio::join!(
                        limit(app, spec, &api_request),
                        authenticate(app, spec, &api_request)
                    );
                    let answer = match (limited, check) {
                        (Err(e), _) if e.retry_after.is_some() => {
                            app.throttled(&api_request, e).await
                        }
                        (Err(e), _) => Err(e),
                        (Ok(()), Err(e)) => app.refused(&api_request, e).await,
                        (Ok(()), Ok(check)) => (spec.handler)(app, &api_request, check).await,
                    };
                    answer
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
    serve.instrument(span).await
}

/// The whole `main` of a function: logging, configuration and the AWS clients once, the
/// function's `App` built from them, then every request through [`dispatch`].
///
/// Functions run it on tokio's current-thread runtime: an instance serves one invocation
/// at a time, and its few concurrent calls are I/O; CPU work (argon2id, images) goes to
/// `spawn_blocking`. The multi-threaded runtime spent a fifth of the oauth function's CPU
/// under load handing wake-ups between worker threads, and starts threads at init.
pub async fn serve<A, E>(
    build: impl FnOnce(&crate::config::Config, &crate::aws::SdkConfig) -> Result<A, E>,
) -> Result<(), lambda_http::Error>
where
    A: Service,
    E: Into<lambda_http::Error>,
{
    crate::logging::init();
    let config = crate::config::Config::from_env()?;
    let sdk = crate::aws::sdk_config().await;
    let app: &'static A = Box::leak(Box::new(build(&config, &sdk).map_err(Into::into)?));
    lambda_http::run(lambda_http::service_fn(move |request: Request| async move {
        Ok::<_, lambda_http::Error>(dispatch(app, request).await)
    }))
    .await
}

/// What the route's [`Auth`] establishes about the caller of `req`: the check done, or for
/// a route that does something beside it, the check still to run.
/// The route's abuse limit, counted for this request's source address.
async fn limit<A: Service>(app: &A, route: &Route<A>, req: &ApiRequest) -> Result<(), ApiError> {
    let Some(action) = route.limit else {
        return Ok(());
    };
    let limiter = app
        .limiter()
        .ok_or_else(|| ApiError::internal("a limited route without a limiter"))?;
    limiter.admit(action, req, crate::now()).await
}

async fn authenticate<'a, A: Service>(
    app: &'a A,
    route: &Route<A>,
    req: &'a ApiRequest,
) -> Result<Check<'a>, ApiError> {
    let auth = route.auth;
    if auth == Auth::Public {
        return Ok(Check::Done(Caller::default()));
    }
    let client = match auth.takes_client() {
        true => Some(app.client(auth, req).await?),
        false => None,
    };
    if !auth.takes_token() {
        return Ok(Check::Done(Caller {
            client,
            ..Caller::default()
        }));
    }
    let authority = app
        .authority()
        .ok_or_else(|| ApiError::internal("a token-checked route without an authority"))?;
    match authority.vouch(auth, req, client, crate::now())? {
        Check::Pending(pending) if !route.beside => Ok(Check::Done(pending.confirm().await?)),
        check => Ok(check),
    }
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

/// The caller's address: API Gateway's, or, for a request through Passport's own CloudFront
/// edge that proves it (`EDGE_SECRET`), the viewer's ([`crate::limits::edge_viewer`]).
fn source_ip(request: &Request) -> Option<String> {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(viewer) =
        crate::limits::edge_viewer(header("x-passport-edge"), header("x-passport-viewer"))
    {
        return Some(viewer);
    }
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.clone(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct T;

    async fn answer(_: &T, _: &ApiRequest) -> Result<Reply, ApiError> {
        Ok(Reply::ok())
    }

    impl Service for T {
        const ROUTES: &'static [Route<T>] = crate::routes![T;
            POST "/apis/Services/guestbook" Public => answer,
            GET "/api/faq" Public => answer,
            GET "/api/faq/{id}" Public => answer,
        ];
    }

    const GUESTBOOK: &str = "/apis/Services/guestbook";

    fn found(routes: &[Route<T>], method: &str, path: &str) -> Option<&'static str> {
        match find(routes, method, path) {
            Match::Found(r, _) => Some(r.path),
            _ => None,
        }
    }

    #[test]
    fn v1_paths_match_in_any_case_and_others_exactly() {
        assert_eq!(
            found(T::ROUTES, "POST", "/apis/services/GUESTBOOK"),
            Some(GUESTBOOK)
        );
        assert!(matches!(
            find(T::ROUTES, "GET", "/api/FAQ"),
            Match::NotFound
        ));
    }

    #[test]
    fn the_dialect_follows_from_the_path() {
        let dialects: Vec<Dialect> = T::ROUTES.iter().map(Route::dialect).collect();
        assert_eq!(dialects, [Dialect::V1, Dialect::Center, Dialect::Center]);
    }

    #[test]
    fn path_parameters_are_captured_and_decoded() {
        let Match::Found(r, caps) = find(T::ROUTES, "GET", "/api/faq/a%20b") else {
            panic!()
        };
        assert_eq!(r.path, "/api/faq/{id}");
        assert_eq!(caps, vec![("id".to_owned(), "a b".to_owned())]);
        assert_eq!(found(T::ROUTES, "GET", "/api/faq/"), Some("/api/faq"));
    }

    #[test]
    fn a_literal_path_wins_over_a_pattern_for_every_method() {
        let push: &[Route<T>] = crate::routes![T;
            GET "/api/faq/{id}" Public => answer,
            DELETE "/api/faq/all" Public => answer,
        ];
        assert_eq!(found(push, "DELETE", "/api/faq/all"), Some("/api/faq/all"));
        let Match::MethodNotAllowed(_, allow) = find(push, "GET", "/api/faq/all") else {
            panic!("GET of the literal path")
        };
        assert_eq!(allow, vec!["DELETE"]);
        assert_eq!(found(push, "GET", "/api/faq/7"), Some("/api/faq/{id}"));
    }

    #[test]
    fn a_known_path_with_another_method_is_405_not_404() {
        let Match::MethodNotAllowed(_, allow) = find(T::ROUTES, "GET", GUESTBOOK) else {
            panic!("a known path with another method")
        };
        assert_eq!(allow, vec!["POST"]);
        assert!(matches!(
            find(T::ROUTES, "GET", "/apis/Services/nothing"),
            Match::NotFound
        ));
    }
}
