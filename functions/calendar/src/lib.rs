//! v2 calendar (documents 001/002 §2.3): a user's events, listed by time range, added and
//! updated. Every event lives under its owner's key, so no one reaches another's events.

mod events;

use lambda_http::{Body, Request, Response};
use passport_shared::config::Config;
use passport_shared::storage::records::Records;
use passport_shared::storage::sessions::Sessions;
use passport_shared::token::{KeyError, SigningKeys};
use passport_shared::{aws, dispatch, Dialect, RouteSpec};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Events,
    Add,
    Update,
}

pub const ROUTES: &[RouteSpec<Endpoint>] = &[
    RouteSpec::new(
        "POST",
        "/api/Calendar/events",
        Dialect::V2,
        Endpoint::Events,
    ),
    RouteSpec::new("POST", "/api/Calendar/add", Dialect::V2, Endpoint::Add),
    RouteSpec::new(
        "POST",
        "/api/Calendar/update",
        Dialect::V2,
        Endpoint::Update,
    ),
];

pub struct App {
    pub sessions: Sessions,
    pub records: Records,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, KeyError> {
        let keys = Arc::new(SigningKeys::from_config(config)?);
        let db = aws::dynamodb(sdk);
        Ok(App {
            sessions: Sessions::from_config(db.clone(), config, keys),
            records: Records::new(db, &config.table_name),
        })
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        let app = self;
        dispatch(ROUTES, request, |endpoint, req| async move {
            match endpoint {
                Endpoint::Events => events::list(app, &req).await,
                Endpoint::Add => events::add(app, &req).await,
                Endpoint::Update => events::update(app, &req).await,
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
            "calendar",
            super::ROUTES,
        );
    }
}
