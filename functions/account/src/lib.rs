//! The user center (document 004): `/api/auth/*` (codes, sign-up, tokens) and
//! `/api/personal/info` (GET and PUT). JSON in, `{"code":0,"message":"success","data":{...}}` out; tokens
//! arrive as `Authorization: Token <t>` (or `Bearer`).

mod auth;
mod personal;

use lambda_http::{Body, Request, Response};
use passport_shared::avatar::AvatarStore;
use passport_shared::identity::Identity;
use passport_shared::{dispatch, Dialect, RouteSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    SendCode,
    CheckCode,
    Register,
    AccessToken,
    RefreshToken,
    DestroyToken,
    PersonalInfo,
    PersonalInfoUpdate,
}

pub const ROUTES: &[RouteSpec<Endpoint>] = &[
    RouteSpec::new(
        "POST",
        "/api/auth/send_code",
        Dialect::Center,
        Endpoint::SendCode,
    ),
    RouteSpec::new(
        "POST",
        "/api/auth/check_code",
        Dialect::Center,
        Endpoint::CheckCode,
    ),
    RouteSpec::new(
        "POST",
        "/api/auth/register",
        Dialect::Center,
        Endpoint::Register,
    ),
    RouteSpec::new(
        "POST",
        "/api/auth/access_token",
        Dialect::Center,
        Endpoint::AccessToken,
    ),
    RouteSpec::new(
        "POST",
        "/api/auth/refresh_token",
        Dialect::Center,
        Endpoint::RefreshToken,
    ),
    RouteSpec::new(
        "POST",
        "/api/auth/destroy_token",
        Dialect::Center,
        Endpoint::DestroyToken,
    ),
    RouteSpec::new(
        "GET",
        "/api/personal/info",
        Dialect::Center,
        Endpoint::PersonalInfo,
    ),
    RouteSpec::new(
        "PUT",
        "/api/personal/info",
        Dialect::Center,
        Endpoint::PersonalInfoUpdate,
    ),
];

pub struct App {
    pub identity: Identity,
    pub avatars: Box<dyn AvatarStore>,
}

impl App {
    pub async fn handle(&self, request: Request) -> Response<Body> {
        let id = &self.identity;
        let app = self;
        dispatch(ROUTES, request, |endpoint, req| async move {
            match endpoint {
                Endpoint::SendCode => auth::send_code(id, &req).await,
                Endpoint::CheckCode => auth::check_code(id, &req).await,
                Endpoint::Register => auth::register(id, &req).await,
                Endpoint::AccessToken => auth::access_token(id, &req).await,
                Endpoint::RefreshToken => auth::refresh_token(id, &req).await,
                Endpoint::DestroyToken => auth::destroy_token(id, &req).await,
                Endpoint::PersonalInfo => personal::info(app, &req).await,
                Endpoint::PersonalInfoUpdate => personal::update(app, &req).await,
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
            "account",
            super::ROUTES,
        );
    }
}
