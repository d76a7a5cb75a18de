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

use lambda_http::{Body, Request, Response};
use passport_shared::avatar::{AvatarStore, S3Avatars};
use passport_shared::config::Config;
use passport_shared::storage::companies::Companies;
use passport_shared::storage::grants::Grants;
use passport_shared::storage::sessions::Sessions;
use passport_shared::storage::users::Users;
use passport_shared::token::SigningKeys;
use passport_shared::{aws, dispatch, Dialect, RouteSpec};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Authorize,
    UserInfo,
    CompanyInfo,
}

pub const ROUTES: &[RouteSpec<Endpoint>] = &[
    RouteSpec::new(
        "GET",
        "/apis/rest/authService/authorize/{format}",
        Dialect::Rest,
        Endpoint::Authorize,
    ),
    RouteSpec::new(
        "GET",
        "/apis/rest/userService/getUserInfo/{format}",
        Dialect::Rest,
        Endpoint::UserInfo,
    ),
    RouteSpec::new(
        "GET",
        "/apis/rest/companyService/getCompanyInfo/{format}",
        Dialect::Rest,
        Endpoint::CompanyInfo,
    ),
];

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
        let keys = Arc::new(SigningKeys::from_config(config)?);
        let dynamodb = aws::dynamodb(sdk);
        let table = &config.table_name;
        Ok(App {
            sessions: Sessions::from_config(dynamodb.clone(), config, keys),
            grants: Grants::new(dynamodb.clone(), table),
            users: Users::new(dynamodb.clone(), table),
            companies: Companies::new(dynamodb, table),
            avatars: Box::new(S3Avatars::from_config(config, sdk)?),
        })
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        let app = self;
        dispatch(ROUTES, request, |endpoint, req| async move {
            match endpoint {
                Endpoint::Authorize => services::authorize(app, &req).await,
                Endpoint::UserInfo => services::user_info(app, &req).await,
                Endpoint::CompanyInfo => services::company_info(app, &req).await,
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
            "openplatform",
            super::ROUTES,
        );
    }
}
