//! v2 `/api/Image/*` (documents 001/002 §2.5): the image captcha and its check, and the
//! image cipher; v1 `/apis/Images/*` (document 000 §204): the image cipher.

mod captcha;
pub mod cipher;
pub mod scramble;

use lambda_http::{Body, Request, Response};
use passport_shared::config::Config;
use passport_shared::storage::captcha::Captchas;
use passport_shared::storage::sessions::Sessions;
use passport_shared::token::{KeyError, SigningKeys};
use passport_shared::{aws, dispatch, Dialect, RouteSpec};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Captcha,
    CaptchaVerify,
    Disorder,
    Reorder,
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
    RouteSpec::new(
        "GET",
        "/api/Image/disorder",
        Dialect::V2,
        Endpoint::Disorder,
    ),
    RouteSpec::new(
        "POST",
        "/api/Image/disorder",
        Dialect::V2,
        Endpoint::Disorder,
    ),
    RouteSpec::new(
        "POST",
        "/apis/Images/disorder",
        Dialect::V1,
        Endpoint::Disorder,
    ),
    RouteSpec::new(
        "POST",
        "/apis/Images/reorder",
        Dialect::V1,
        Endpoint::Reorder,
    ),
];

pub struct App {
    pub captchas: Captchas,
    pub sessions: Sessions,
    pub keys: Arc<SigningKeys>,
    /// Local only: show each answer in `X-Captcha-Answer` for the test harness.
    pub expose_answers: bool,
    /// Whether the captcha cookie needs HTTPS (not on the local stack's plain HTTP).
    pub secure_cookie: bool,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, KeyError> {
        let keys = Arc::new(SigningKeys::from_config(config)?);
        let dynamodb = aws::dynamodb(sdk);
        Ok(App {
            captchas: Captchas::new(dynamodb.clone(), &config.table_name),
            sessions: Sessions::from_config(dynamodb, config, keys.clone()),
            keys,
            expose_answers: config.expose_captcha,
            secure_cookie: !config.local,
        })
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        dispatch(ROUTES, request, |endpoint, req| async move {
            match endpoint {
                Endpoint::Captcha => captcha::image(self, &req).await,
                Endpoint::CaptchaVerify => captcha::verify(self, &req).await,
                Endpoint::Disorder => scramble::disorder(self, &req).await,
                Endpoint::Reorder => scramble::reorder(self, &req).await,
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
