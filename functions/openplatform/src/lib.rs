//! The open-platform REST API (document 003) for third-party service providers:
//!
//! - `GET /apis/rest/authService/authorize/{json|xml}`: an `auth_code` for the calling
//!   client and the access token's user;
//! - `GET /apis/rest/userService/getUserInfo/{json|xml}`: that user, masked;
//! - `GET /apis/rest/companyService/getCompanyInfo/{json|xml}`: the user's company, masked.
//!
//! Every call passes [`guard::guard`]: the client by HTTP Basic, the `t_`/`p_` check, the
//! access token. Answers are `{"data":{...},"code":200,"message":"ok"}` or the same as XML.

mod guard;
mod mask;
mod services;

use passport_avatar::{AvatarStore, S3Avatars};
use passport_shared::auth::{Authority, ClientCheck};
use passport_shared::config::Config;
use passport_shared::storage::companies::Companies;
use passport_shared::storage::grants::Grants;
use passport_shared::storage::sessions::Sessions;
use passport_shared::storage::users::Users;
use passport_shared::{aws, routes, ApiRequest, Auth, Route, Service};

pub struct App {
    pub sessions: Sessions,
    pub grants: Grants,
    pub users: Users,
    pub companies: Companies,
    pub avatars: Box<dyn AvatarStore>,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Key(#[from] passport_shared::token::KeyError),
    #[error(transparent)]
    Config(#[from] passport_shared::config::ConfigError),
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, InitError> {
        let dynamodb = aws::dynamodb(sdk);
        let table = &config.table_name;
        Ok(App {
            sessions: aws::sessions(config, &dynamodb)?,
            grants: Grants::new(dynamodb.clone(), table),
            users: Users::new(dynamodb.clone(), table),
            companies: Companies::new(dynamodb, table),
            avatars: Box::new(S3Avatars::from_config(config, sdk)?),
        })
    }
}

impl Service for App {
    const ROUTES: &'static [Route<App>] = routes![App;
        GET "/apis/rest/authService/authorize/{format}" ClientToken => services::authorize,
        GET "/apis/rest/userService/getUserInfo/{format}" ClientToken => services::user_info,
        GET "/apis/rest/companyService/getCompanyInfo/{format}" ClientToken => services::company_info,
    ];

    fn authority(&self) -> Option<Authority<'_>> {
        Some(Authority::new(&self.sessions, Some(&self.users)))
    }

    fn client<'a>(&'a self, _auth: Auth, req: &'a ApiRequest) -> ClientCheck<'a> {
        Box::pin(guard::client(self, req, passport_shared::now()))
    }
}

#[cfg(test)]
passport_template::route_agreement_tests!("openplatform", App);
