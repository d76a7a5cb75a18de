//! The user center's support routes (document 004): the FAQ, feedback categories, users'
//! feedback and the operator's replies. The FAQ and categories are written by the operator
//! (`passport-admin faq|category`), replies too (`passport-admin feedback reply`).

mod faq;
mod feedback;

use lambda_http::{Body, Request, Response};
use passport_shared::config::Config;
use passport_shared::storage::records::Records;
use passport_shared::storage::sessions::Sessions;
use passport_shared::storage::support::Support;
use passport_shared::token::{KeyError, SigningKeys};
use passport_shared::{aws, dispatch, Dialect, RouteSpec};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Faqs,
    Faq,
    Categories,
    FeedbackAdd,
    FeedbackDelete,
    Feedbacks,
    Reply,
}

pub const ROUTES: &[RouteSpec<Endpoint>] = &[
    RouteSpec::new("GET", "/api/faq", Dialect::Center, Endpoint::Faqs),
    RouteSpec::new("GET", "/api/faq/{id}", Dialect::Center, Endpoint::Faq),
    RouteSpec::new(
        "GET",
        "/api/feedback_category",
        Dialect::Center,
        Endpoint::Categories,
    ),
    RouteSpec::new(
        "POST",
        "/api/feedback",
        Dialect::Center,
        Endpoint::FeedbackAdd,
    ),
    RouteSpec::new("GET", "/api/feedback", Dialect::Center, Endpoint::Feedbacks),
    RouteSpec::new(
        "DELETE",
        "/api/feedback/{id}",
        Dialect::Center,
        Endpoint::FeedbackDelete,
    ),
    RouteSpec::new(
        "GET",
        "/api/feedback/reply/{feedback_id}",
        Dialect::Center,
        Endpoint::Reply,
    ),
];

pub struct App {
    pub sessions: Sessions,
    pub support: Support,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, KeyError> {
        let keys = Arc::new(SigningKeys::from_config(config)?);
        let db = aws::dynamodb(sdk);
        Ok(App {
            sessions: Sessions::from_config(db.clone(), config, keys),
            support: Support {
                records: Records::new(db, &config.table_name),
            },
        })
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        let app = self;
        dispatch(ROUTES, request, |endpoint, req| async move {
            match endpoint {
                Endpoint::Faqs => faq::list(app, &req).await,
                Endpoint::Faq => faq::item(app, &req).await,
                Endpoint::Categories => faq::categories(app, &req).await,
                Endpoint::FeedbackAdd => feedback::add(app, &req).await,
                Endpoint::FeedbackDelete => feedback::delete(app, &req).await,
                Endpoint::Feedbacks => feedback::list(app, &req).await,
                Endpoint::Reply => feedback::reply(app, &req).await,
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
            "support",
            super::ROUTES,
        );
    }
}
