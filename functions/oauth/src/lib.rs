//! The OAuth 2.0 authorization server (documents 000 §2011–2016, 001/002 §2.1, and the
//! standard endpoints for ordinary OAuth client libraries):
//!
//! - v1 `/apis/Oauth/*` and v2 `/api/Oauth/*`: authorize, accessToken, info, limit, revoke,
//!   delete, in their dialects' envelopes and codes ([`authorize`], [`token`], [`session`]);
//! - `/oauth2/authorize` with the hosted sign-in and consent page ([`hosted`], [`page`]),
//!   `/oauth2/token`, `/oauth2/revoke` (RFC 7009), `/oauth2/introspect` (RFC 7662),
//!   `/.well-known/oauth-authorization-server` (RFC 8414) and `/oauth2/jwks`
//!   ([`standard`]).
//!
//! Client authentication is in [`client`]; the grant logic every token route shares is in
//! [`grant`].

mod authorize;
mod client;
mod grant;
mod hosted;
mod page;
mod session;
mod standard;
mod token;

use lambda_http::{Body, Request, Response};
use passport_shared::config::Config;
use passport_shared::identity::Identity;
use passport_shared::storage::grants::Grants;
use passport_shared::{aws, dispatch, Dialect, RouteSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Authorize,
    AccessToken,
    Info,
    Limit,
    Revoke,
    Delete,
    HostedAuthorize,
    HostedDecision,
    Token,
    StandardRevoke,
    Introspect,
    Metadata,
    Jwks,
}

use Endpoint as E;

pub const ROUTES: &[RouteSpec<Endpoint>] = &[
    RouteSpec::new("GET", "/apis/Oauth/authorize", Dialect::V1, E::Authorize),
    RouteSpec::new("POST", "/apis/Oauth/authorize", Dialect::V1, E::Authorize),
    RouteSpec::new(
        "POST",
        "/apis/Oauth/accessToken",
        Dialect::V1,
        E::AccessToken,
    ),
    RouteSpec::new("POST", "/apis/Oauth/info", Dialect::V1, E::Info),
    RouteSpec::new("GET", "/apis/Oauth/limit", Dialect::V1, E::Limit),
    RouteSpec::new("POST", "/apis/Oauth/limit", Dialect::V1, E::Limit),
    RouteSpec::new("GET", "/apis/Oauth/revoke", Dialect::V1, E::Revoke),
    RouteSpec::new("POST", "/apis/Oauth/revoke", Dialect::V1, E::Revoke),
    RouteSpec::new("POST", "/apis/Oauth/delete", Dialect::V1, E::Delete),
    RouteSpec::new("GET", "/api/Oauth/authorize", Dialect::V2, E::Authorize),
    RouteSpec::new(
        "POST",
        "/api/Oauth/accessToken",
        Dialect::V2,
        E::AccessToken,
    ),
    RouteSpec::new("POST", "/api/Oauth/delete", Dialect::V2, E::Delete),
    RouteSpec::new("POST", "/api/Oauth/revoke", Dialect::V2, E::Revoke),
    RouteSpec::new(
        "GET",
        "/oauth2/authorize",
        Dialect::OAuth2,
        E::HostedAuthorize,
    ),
    RouteSpec::new(
        "POST",
        "/oauth2/authorize",
        Dialect::OAuth2,
        E::HostedDecision,
    ),
    RouteSpec::new("POST", "/oauth2/token", Dialect::OAuth2, E::Token),
    RouteSpec::new("POST", "/oauth2/revoke", Dialect::OAuth2, E::StandardRevoke),
    RouteSpec::new("POST", "/oauth2/introspect", Dialect::OAuth2, E::Introspect),
    RouteSpec::new(
        "GET",
        "/.well-known/oauth-authorization-server",
        Dialect::OAuth2,
        E::Metadata,
    ),
    RouteSpec::new("GET", "/oauth2/jwks", Dialect::OAuth2, E::Jwks),
];

pub struct App {
    pub identity: Identity,
    pub grants: Grants,
    /// Local only: the hosted page shows each captcha's answer to the test harness.
    pub expose_captcha: bool,
}

impl App {
    pub fn from_aws(
        config: &Config,
        sdk: &aws::SdkConfig,
    ) -> Result<App, passport_shared::token::KeyError> {
        Ok(App {
            identity: Identity::from_aws(config, sdk)?,
            grants: Grants::new(aws::dynamodb(sdk), &config.table_name),
            expose_captcha: config.expose_captcha,
        })
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        let app = self;
        dispatch(ROUTES, request, |endpoint, req| async move {
            match endpoint {
                E::Authorize => authorize::handle(app, &req).await,
                E::AccessToken => token::handle(app, &req).await,
                E::Info => session::info(app, &req).await,
                E::Limit => session::limit(app, &req).await,
                E::Revoke => session::revoke(app, &req).await,
                E::Delete => session::delete(app, &req).await,
                E::HostedAuthorize => hosted::start(app, &req).await,
                E::HostedDecision => hosted::decide(app, &req).await,
                E::Token => standard::token(app, &req).await,
                E::StandardRevoke => standard::revoke(app, &req).await,
                E::Introspect => standard::introspect(app, &req).await,
                E::Metadata => standard::metadata(app, &req).await,
                E::Jwks => standard::jwks(app).await,
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn template_routes_and_the_router_agree() {
        passport_shared::template::assert_routes_agree(
            env!("CARGO_MANIFEST_DIR"),
            "oauth",
            super::ROUTES,
        );
    }
}
