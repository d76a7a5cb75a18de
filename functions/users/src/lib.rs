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

use passport_avatar::AvatarStore;
use passport_identity::Identity;
use passport_shared::auth::Authority;
use passport_shared::{routes, Route, Service};

pub struct App {
    pub identity: Identity,
    pub avatars: Box<dyn AvatarStore>,
    pub messages: passport_shared::storage::messages::Messages,
}

impl App {
    pub fn from_aws(
        config: &passport_shared::config::Config,
        sdk: &passport_shared::aws::SdkConfig,
    ) -> Result<App, lambda_http::Error> {
        use passport_shared::storage::{messages::Messages, records::Records};
        Ok(App {
            identity: Identity::from_aws(config, sdk)?,
            avatars: Box::new(passport_avatar::S3Avatars::from_config(config, sdk)?),
            messages: Messages {
                records: Records::new(passport_shared::aws::dynamodb(sdk), &config.table_name),
            },
        })
    }
}

impl Service for App {
    const ROUTES: &'static [Route<App>] = routes![App;
        POST "/api/User/register" Public limit SignUp => register::handle,
        POST "/api/User/login" Public limit SignIn => login::handle,
        POST "/api/User/validateUniqueUsername" Public => unique::username,
        POST "/api/User/validateUniqueEmail" Public => unique::email,
        POST "/api/User/sendcode" MaybeAccount limit CodeSend => verify::send,
        POST "/api/User/validateCommunicationCode" MaybeAccount => verify::validate,
        POST "/apis/Users/forgotPassword" Public limit CodeSend => reset::request,
        POST "/apis/Users/resetPassword" Public limit Reset => reset::complete,
        POST "/api/User/setAvatar" Account => settings::set_avatar,
        POST "/api/User/modifyBasicInfo" Account beside settings::captcha_used => settings::modify_basic_info,
        POST "/api/User/modifyDetailInfo" Account => settings::modify_detail_info,
        POST "/api/User/unbind" Account => settings::unbind,
        POST "/api/User/snsreg" Public limit SignUp => sns::register,
        POST "/api/User/snslogin" Public limit SignIn => sns::login,
        POST "/apis/Users/show" Token => show::handle,
        POST "/api/User/message" Account => message::handle,
    ];

    fn authority(&self) -> Option<Authority<'_>> {
        Some(self.identity.authority())
    }

    fn limiter(&self) -> Option<passport_shared::limits::Limiter<'_>> {
        Some(self.identity.limiter())
    }
}

#[cfg(test)]
passport_template::route_agreement_tests!("users", App);
