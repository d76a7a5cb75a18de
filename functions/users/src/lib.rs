//! v2 `/api/User/*` (documents 001/002 §2.2): sign-up, sign-in, uniqueness checks,
//! verification codes, settings and SNS sign-up; v1 `/apis/Users/*` (document 000 §2033,
//! §2034): the password reset and `show`.

mod login;
mod message;
mod register;
mod reset;
mod settings;
mod show;
mod sns;
mod unique;
mod verify;

use lambda_http::{Body, Request, Response};
use passport_shared::avatar::AvatarStore;
use passport_shared::identity::Identity;
use passport_shared::{dispatch, Dialect, RouteSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Register,
    Login,
    ValidateUniqueUsername,
    ValidateUniqueEmail,
    SendCode,
    ValidateCode,
    ForgotPassword,
    ResetPassword,
    SetAvatar,
    ModifyBasicInfo,
    ModifyDetailInfo,
    Unbind,
    SnsRegister,
    Show,
    Message,
}

pub const ROUTES: &[RouteSpec<Endpoint>] = &[
    RouteSpec::new(
        "POST",
        "/api/User/register",
        Dialect::V2,
        Endpoint::Register,
    ),
    RouteSpec::new("POST", "/api/User/login", Dialect::V2, Endpoint::Login),
    RouteSpec::new(
        "POST",
        "/api/User/validateUniqueUsername",
        Dialect::V2,
        Endpoint::ValidateUniqueUsername,
    ),
    RouteSpec::new(
        "POST",
        "/api/User/validateUniqueEmail",
        Dialect::V2,
        Endpoint::ValidateUniqueEmail,
    ),
    RouteSpec::new(
        "POST",
        "/api/User/sendcode",
        Dialect::V2,
        Endpoint::SendCode,
    ),
    RouteSpec::new(
        "POST",
        "/api/User/validateCommunicationCode",
        Dialect::V2,
        Endpoint::ValidateCode,
    ),
    RouteSpec::new(
        "POST",
        "/apis/Users/forgotPassword",
        Dialect::V1,
        Endpoint::ForgotPassword,
    ),
    RouteSpec::new(
        "POST",
        "/apis/Users/resetPassword",
        Dialect::V1,
        Endpoint::ResetPassword,
    ),
    RouteSpec::new(
        "POST",
        "/api/User/setAvatar",
        Dialect::V2,
        Endpoint::SetAvatar,
    ),
    RouteSpec::new(
        "POST",
        "/api/User/modifyBasicInfo",
        Dialect::V2,
        Endpoint::ModifyBasicInfo,
    ),
    RouteSpec::new(
        "POST",
        "/api/User/modifyDetailInfo",
        Dialect::V2,
        Endpoint::ModifyDetailInfo,
    ),
    RouteSpec::new("POST", "/api/User/unbind", Dialect::V2, Endpoint::Unbind),
    RouteSpec::new(
        "POST",
        "/api/User/snsreg",
        Dialect::V2,
        Endpoint::SnsRegister,
    ),
    RouteSpec::new("POST", "/apis/Users/show", Dialect::V1, Endpoint::Show),
    RouteSpec::new("POST", "/api/User/message", Dialect::V2, Endpoint::Message),
];

pub struct App {
    pub identity: Identity,
    pub avatars: Box<dyn AvatarStore>,
    pub messages: passport_shared::storage::messages::Messages,
}

impl App {
    pub async fn handle(&self, request: Request) -> Response<Body> {
        let id = &self.identity;
        let app = self;
        dispatch(ROUTES, request, |endpoint, req| async move {
            match endpoint {
                Endpoint::Register => register::handle(id, &req).await,
                Endpoint::Login => login::handle(id, &req).await,
                Endpoint::ValidateUniqueUsername => unique::username(id, &req).await,
                Endpoint::ValidateUniqueEmail => unique::email(id, &req).await,
                Endpoint::SendCode => verify::send(id, &req).await,
                Endpoint::ValidateCode => verify::validate(id, &req).await,
                Endpoint::ForgotPassword => reset::request(id, &req).await,
                Endpoint::ResetPassword => reset::complete(id, &req).await,
                Endpoint::SetAvatar => settings::set_avatar(app, &req).await,
                Endpoint::ModifyBasicInfo => settings::modify_basic_info(app, &req).await,
                Endpoint::ModifyDetailInfo => settings::modify_detail_info(app, &req).await,
                Endpoint::Unbind => settings::unbind(app, &req).await,
                Endpoint::SnsRegister => sns::handle(id, &req).await,
                Endpoint::Show => show::handle(app, &req).await,
                Endpoint::Message => message::handle(app, &req).await,
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
            "users",
            super::ROUTES,
        );
    }
}
