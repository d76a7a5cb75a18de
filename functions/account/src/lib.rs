//! The user center (document 004): `/api/auth/*` (codes, sign-up, tokens) and
//! `/api/personal/info` (GET and PUT), `/api/personal/apps` (the apps the user authorized,
//! and revoking one), and OpenID Connect's `/oauth2/userinfo` (the same
//! account as standard claims). JSON in, `{"code":0,"message":"success","data":{...}}` out; tokens
//! arrive as `Authorization: Token <t>` (or `Bearer`).

mod apps;
mod auth;
mod personal;
mod userinfo;

use passport_avatar::AvatarStore;
use passport_identity::Identity;
use passport_shared::auth::Authority;
use passport_shared::{routes, Route, Service};

pub struct App {
    pub identity: Identity,
    pub avatars: Box<dyn AvatarStore>,
}

impl App {
    pub fn from_aws(
        config: &passport_shared::config::Config,
        sdk: &passport_shared::aws::SdkConfig,
    ) -> Result<App, lambda_http::Error> {
        Ok(App {
            identity: Identity::from_aws(config, sdk)?,
            avatars: Box::new(passport_avatar::S3Avatars::from_config(config, sdk)?),
        })
    }
}

impl Service for App {
    const ROUTES: &'static [Route<App>] = routes![App;
        POST "/api/auth/send_code" Public limit CodeSend => auth::send_code,
        POST "/api/auth/check_code" Public => auth::check_code,
        POST "/api/auth/register" Public limit SignUp => auth::register,
        POST "/api/auth/access_token" Public limit SignIn => auth::access_token,
        POST "/api/auth/refresh_token" Public limit Token => auth::refresh_token,
        POST "/api/auth/destroy_token" Token => auth::destroy_token,
        GET "/api/personal/info" Account => personal::info,
        PUT "/api/personal/info" Account => personal::update,
        GET "/api/personal/apps" Token beside apps::consents => apps::list,
        DELETE "/api/personal/apps/{client_id}" Token beside apps::sessions => apps::revoke,
        GET "/oauth2/userinfo" Account => userinfo::userinfo,
        POST "/oauth2/userinfo" Account => userinfo::userinfo,
    ];

    fn authority(&self) -> Option<Authority<'_>> {
        Some(self.identity.authority())
    }

    fn limiter(&self) -> Option<passport_shared::limits::Limiter<'_>> {
        Some(self.identity.limiter())
    }
}

#[cfg(test)]
passport_template::route_agreement_tests!("account", App);
