//! `/apis/Services/*` (document 000 §202): the guestbook.

mod guestbook;

use lambda_http::{Body, Request, Response};
use passport_shared::mail::{Mailer, SesMailer};
use passport_shared::storage::guestbook::{DynamoGuestbook, GuestbookStore};
use passport_shared::{aws, config::Config, dispatch, Dialect, RouteSpec};

/// The endpoints of this function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Guestbook,
}

pub const ROUTES: &[RouteSpec<Endpoint>] = &[RouteSpec::new(
    "POST",
    "/apis/Services/guestbook",
    Dialect::V1,
    Endpoint::Guestbook,
)];

/// What the handlers need, built once per cold start.
pub struct App {
    pub guestbook: Box<dyn GuestbookStore>,
    pub mailer: Box<dyn Mailer>,
    pub owner_email: String,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> App {
        App {
            guestbook: Box::new(DynamoGuestbook::new(aws::dynamodb(sdk), &config.table_name)),
            mailer: Box::new(SesMailer::new(aws::ses(sdk), &config.mail_from)),
            owner_email: config.guestbook_owner_email.clone(),
        }
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        dispatch(ROUTES, request, |endpoint, req| async move {
            match endpoint {
                Endpoint::Guestbook => guestbook::handle(self, &req).await,
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
            "services",
            super::ROUTES,
        );
    }
}
