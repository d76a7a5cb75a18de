//! The OAuth 2.0 authorization server (documents 000 §2011–2016, 001/002 §2.1, and the
//! standard endpoints for ordinary OAuth client libraries):
//!
//! - v1 `/apis/Oauth/*` and v2 `/api/Oauth/*`: authorize, accessToken, info, limit, revoke,
//!   delete, in their dialects' envelopes and codes ([`authorize`], [`token`], [`session`]);
//! - `/oauth2/authorize` with the hosted sign-in and consent page ([`hosted`], [`page`]),
//!   the sign-in page again (`/oauth2/signin`), and the hosted sign-up and
//!   forgot-password pages (`/oauth2/signup` [`signup`],
//!   `/oauth2/forgot` [`forgot`]),
//!   `/oauth2/logout` (RP-initiated and back-channel logout, [`logout`]),
//!   `/oauth2/upstream/*` (signing in through upstream OpenID Connect providers,
//!   [`upstream`]),
//!   `/oauth2/par` (pushed authorization requests, RFC 9126, [`par`]),
//!   `/oauth2/token`, `/oauth2/revoke` (RFC 7009), `/oauth2/introspect` (RFC 7662),
//!   `/.well-known/oauth-authorization-server` (RFC 8414), its OpenID Connect twin
//!   `/.well-known/openid-configuration` and `/oauth2/jwks` ([`standard`]); with
//!   `scope=openid` the code exchange adds an ID token (`passport_identity::oidc`; the
//!   userinfo endpoint is the account function's).
//!
//! Client authentication is in [`client`]; the grant logic every token route shares is in
//! [`grant`].

mod authorize;
mod client;
mod forgot;
mod grant;
mod hosted;
mod logout;
mod page;
mod par;
mod session;
mod signup;
mod sso;
mod standard;
mod token;
mod upstream;

use passport_identity::Identity;
use passport_shared::auth::{Authority, ClientCheck};
use passport_shared::config::Config;
use passport_shared::limits::Limiter;
use passport_shared::routing::Answer;
use passport_shared::secrets::Secrets;
use passport_shared::storage::grants::Grants;
use passport_shared::storage::providers::Providers;
use passport_shared::{aws, routes, ApiError, ApiRequest, Auth, Route, Service};

pub struct App {
    pub identity: Identity,
    pub grants: Grants,
    /// Local only: the hosted page shows each captcha's answer to the test harness.
    pub expose_captcha: bool,
    /// Outbound HTTP: back-channel logout tokens, and upstream providers' discovery,
    /// keys and token endpoints (5 s at most each, no redirects followed).
    pub outbound: reqwest::Client,
    /// The upstream identity providers and their sign-ins under way.
    pub providers: Providers,
    /// Passport's client secrets at the providers (Secrets Manager).
    pub secrets: Secrets,
    /// The providers' discovery documents and keys, cached.
    pub upstreams: upstream::Upstreams,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, lambda_http::Error> {
        Ok(App {
            identity: Identity::from_aws(config, sdk)?,
            grants: Grants::new(aws::dynamodb(sdk), &config.table_name),
            expose_captcha: config.expose_captcha,
            outbound: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            providers: Providers::new(aws::dynamodb(sdk), &config.table_name),
            secrets: Secrets::new(aws::secrets_manager(sdk)),
            upstreams: upstream::Upstreams::default(),
        })
    }
}

/// The limited routes a person posts from a hosted page.
const HOSTED_FORMS: [&str; 4] = [
    "oauth2/authorize",
    "oauth2/signup",
    "oauth2/forgot",
    "oauth2/upstream/link",
];

impl Service for App {
    const ROUTES: &'static [Route<App>] = routes![App;
        GET "/apis/Oauth/authorize" MaybeToken => authorize::handle,
        POST "/apis/Oauth/authorize" MaybeToken => authorize::handle,
        POST "/apis/Oauth/accessToken" Client limit Token => token::handle,
        POST "/apis/Oauth/info" Token => session::info,
        GET "/apis/Oauth/limit" Token => session::limit,
        POST "/apis/Oauth/limit" Token => session::limit,
        GET "/apis/Oauth/revoke" Token => session::revoke,
        POST "/apis/Oauth/revoke" Token => session::revoke,
        POST "/apis/Oauth/delete" Token => session::delete,
        GET "/api/Oauth/authorize" MaybeToken => authorize::handle,
        POST "/api/Oauth/accessToken" Client limit Token => token::handle,
        POST "/api/Oauth/delete" Token => session::delete,
        POST "/api/Oauth/revoke" Token => session::revoke,
        GET "/oauth2/authorize" Public => hosted::start,
        POST "/oauth2/authorize" Public limit SignIn => hosted::decide,
        POST "/oauth2/par" Client => par::push,
        POST "/oauth2/token" Client limit Token => standard::token,
        POST "/oauth2/revoke" Client => standard::revoke,
        POST "/oauth2/introspect" ConfidentialClient => standard::introspect,
        GET "/oauth2/signin" Public => hosted::resume,
        GET "/oauth2/signup" Public => signup::show,
        POST "/oauth2/signup" Public limit SignUp => signup::act,
        GET "/oauth2/forgot" Public => forgot::show,
        POST "/oauth2/forgot" Public limit Reset => forgot::act,
        GET "/oauth2/upstream/start" Public => upstream::start,
        GET "/api/User/snsstart" Public => upstream::native_start,
        GET "/oauth2/upstream/callback" Public => upstream::callback,
        POST "/oauth2/upstream/link" Public limit SignIn => upstream::link,
        GET "/oauth2/logout" Public => logout::ask,
        POST "/oauth2/logout" Public => logout::confirm,
        GET "/.well-known/oauth-authorization-server" Public => standard::metadata,
        GET "/.well-known/openid-configuration" Public => standard::metadata,
        GET "/oauth2/jwks" Public => standard::jwks,
    ];

    fn authority(&self) -> Option<Authority<'_>> {
        Some(self.identity.authority())
    }

    fn limiter(&self) -> Option<Limiter<'_>> {
        Some(self.identity.limiter())
    }

    /// A person at a hosted page past the limit reads a page that says how long to wait;
    /// clients at the token routes get the error.
    fn throttled<'a>(&'a self, req: &'a ApiRequest, refusal: ApiError) -> Answer<'a> {
        Box::pin(async move {
            match (
                HOSTED_FORMS.contains(&req.meta.route.as_str()),
                refusal.retry_after,
            ) {
                (true, Some(seconds)) => Ok(page::too_many(page::lang_of(req), seconds)),
                _ => Err(refusal),
            }
        })
    }

    /// RFC 6749 client authentication ([`client`]); a public client passes by its id where
    /// the route takes one.
    fn client<'a>(&'a self, auth: Auth, req: &'a ApiRequest) -> ClientCheck<'a> {
        Box::pin(async move {
            let allow_public = auth != Auth::ConfidentialClient;
            let presented = client::presented(req)?;
            client::authenticate(self, &req.meta.route, &presented, allow_public).await
        })
    }
}

#[cfg(test)]
passport_template::route_agreement_tests!("oauth", App);
