//! v2 `/api/Image/*` (documents 001/002 §2.5): the image captcha and its check.

mod captcha;
pub mod render;

use lambda_http::{Body, Request, Response};
use passport_shared::config::Config;
use passport_shared::storage::captcha::Captchas;
use passport_shared::token::{KeyError, SigningKeys};
use passport_shared::{aws, dispatch, Dialect, RouteSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Captcha,
    CaptchaVerify,
}

pub const ROUTES: &[RouteSpec<Endpoint>] = &[
    RouteSpec::new("GET", "/api/Image/captcha", Dialect::V2, Endpoint::Captcha),
    RouteSpec::new("POST", "/api/Image/captcha", Dialect::V2, Endpoint::Captcha),
    RouteSpec::new(
        "GET",
        "/api/Image/captchaVerify",
        Dialect::V2,
        Endpoint::CaptchaVerify,
    ),
    RouteSpec::new(
        "POST",
        "/api/Image/captchaVerify",
        Dialect::V2,
        Endpoint::CaptchaVerify,
    ),
];

pub struct App {
    pub captchas: Captchas,
    pub keys: SigningKeys,
    /// Local only: show each answer in `X-Captcha-Answer` for the test harness.
    pub expose_answers: bool,
    /// Whether the captcha cookie needs HTTPS (not on the local stack's plain HTTP).
    pub secure_cookie: bool,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, KeyError> {
        Ok(App {
            captchas: Captchas::new(aws::dynamodb(sdk), &config.table_name),
            keys: SigningKeys::from_config(config)?,
            expose_answers: config.expose_captcha,
            secure_cookie: !config.local,
        })
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        dispatch(ROUTES, request, |endpoint, req| async move {
            match endpoint {
                Endpoint::Captcha => captcha::image(self, &req).await,
                Endpoint::CaptchaVerify => captcha::verify(self, &req).await,
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
            "images",
            super::ROUTES,
        );
    }
}
