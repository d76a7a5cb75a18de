//! The user center's push routes (document 004): binding a device's push-service client,
//! its on/off switch, the log of pushes, and the unread count (`/api/message/count`).

mod push;

use lambda_http::{Body, Request, Response};
use passport_shared::config::Config;
use passport_shared::storage::push::Push;
use passport_shared::storage::records::Records;
use passport_shared::storage::sessions::Sessions;
use passport_shared::storage::support::Support;
use passport_shared::token::{KeyError, SigningKeys};
use passport_shared::{aws, dispatch, Dialect, RouteSpec};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Bind,
    Switch,
    SetSwitch,
    Log,
    LogItem,
    LogClear,
    Count,
}

pub const ROUTES: &[RouteSpec<Endpoint>] = &[
    RouteSpec::new("POST", "/api/push/bind", Dialect::Center, Endpoint::Bind),
    RouteSpec::new(
        "GET",
        "/api/push/switch/{client_id}",
        Dialect::Center,
        Endpoint::Switch,
    ),
    RouteSpec::new(
        "PUT",
        "/api/push/switch/{client_id}",
        Dialect::Center,
        Endpoint::SetSwitch,
    ),
    RouteSpec::new("GET", "/api/push/log", Dialect::Center, Endpoint::Log),
    RouteSpec::new(
        "DELETE",
        "/api/push/log/delete",
        Dialect::Center,
        Endpoint::LogClear,
    ),
    RouteSpec::new(
        "GET",
        "/api/push/log/{id}",
        Dialect::Center,
        Endpoint::LogItem,
    ),
    RouteSpec::new(
        "GET",
        "/api/message/count",
        Dialect::Center,
        Endpoint::Count,
    ),
];

pub struct App {
    pub sessions: Sessions,
    pub push: Push,
    pub support: Support,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, KeyError> {
        let keys = Arc::new(SigningKeys::from_config(config)?);
        let db = aws::dynamodb(sdk);
        let table = &config.table_name;
        Ok(App {
            sessions: Sessions::from_config(db.clone(), config, keys),
            push: Push {
                records: Records::new(db.clone(), table),
            },
            support: Support {
                records: Records::new(db, table),
            },
        })
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        let app = self;
        dispatch(ROUTES, request, |endpoint, req| async move {
            match endpoint {
                Endpoint::Bind => push::bind(app, &req).await,
                Endpoint::Switch => push::switch(app, &req).await,
                Endpoint::SetSwitch => push::set_switch(app, &req).await,
                Endpoint::Log => push::log(app, &req).await,
                Endpoint::LogItem => push::log_item(app, &req).await,
                Endpoint::LogClear => push::clear(app, &req).await,
                Endpoint::Count => push::count(app, &req).await,
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
            "push",
            super::ROUTES,
        );
    }
}
