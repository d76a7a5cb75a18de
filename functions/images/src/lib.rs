//! v2 `/api/Image/*` (documents 001/002 §2.5): the image captcha and its check, and the
//! image cipher; v1 `/apis/Images/*` (document 000 §204): the image cipher.

mod captcha;
pub mod cipher;
pub mod scramble;

use passport_shared::auth::Authority;
use passport_shared::config::Config;
use passport_shared::storage::captcha::Captchas;
use passport_shared::storage::sessions::Sessions;
use passport_shared::token::{KeyError, SigningKeys};
use passport_shared::{aws, routes, Route, Service};
use std::sync::Arc;

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
}

impl Service for App {
    const ROUTES: &'static [Route<App>] = routes![App;
        GET "/api/Image/captcha" Public => captcha::image,
        POST "/api/Image/captcha" Public => captcha::image,
        GET "/api/Image/captchaVerify" Public => captcha::verify,
        POST "/api/Image/captchaVerify" Public => captcha::verify,
        GET "/api/Image/disorder" Token => scramble::disorder,
        POST "/api/Image/disorder" Token => scramble::disorder,
        POST "/apis/Images/disorder" Token => scramble::disorder,
        POST "/apis/Images/reorder" Token => scramble::reorder,
    ];

    fn authority(&self) -> Option<Authority<'_>> {
        Some(Authority::new(&self.sessions, None))
    }
}

#[cfg(test)]
passport_template::route_agreement_tests!("images", App);
