//! v2 friends (documents 001/002 §2.4.1): list, make, delete, recommend. A friendship is
//! two edges written in one transaction; making one tells the new friend with a message.

mod friends;

use lambda_http::{Body, Request, Response};
use passport_shared::config::Config;
use passport_shared::storage::friends::Friends;
use passport_shared::storage::messages::Messages;
use passport_shared::storage::records::Records;
use passport_shared::storage::sessions::Sessions;
use passport_shared::storage::users::Users;
use passport_shared::token::{KeyError, SigningKeys};
use passport_shared::{aws, dispatch, Dialect, RouteSpec};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    List,
    Make,
    Delete,
    Recommend,
}

pub const ROUTES: &[RouteSpec<Endpoint>] = &[
    RouteSpec::new("POST", "/api/User/friends", Dialect::V2, Endpoint::List),
    RouteSpec::new("POST", "/api/User/friendmake", Dialect::V2, Endpoint::Make),
    RouteSpec::new("POST", "/api/User/frienddel", Dialect::V2, Endpoint::Delete),
    RouteSpec::new(
        "POST",
        "/api/User/friendsrecommend",
        Dialect::V2,
        Endpoint::Recommend,
    ),
];

pub struct App {
    pub sessions: Sessions,
    pub users: Users,
    pub friends: Friends,
    pub messages: Messages,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, KeyError> {
        let keys = Arc::new(SigningKeys::from_config(config)?);
        let db = aws::dynamodb(sdk);
        let table = &config.table_name;
        Ok(App {
            sessions: Sessions::from_config(db.clone(), config, keys),
            users: Users::new(db.clone(), table),
            friends: Friends::new(db.clone(), table),
            messages: Messages {
                records: Records::new(db, table),
            },
        })
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        let app = self;
        dispatch(ROUTES, request, |endpoint, req| async move {
            match endpoint {
                Endpoint::List => friends::list(app, &req).await,
                Endpoint::Make => friends::make(app, &req).await,
                Endpoint::Delete => friends::delete(app, &req).await,
                Endpoint::Recommend => friends::recommend(app, &req).await,
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
            "friends",
            super::ROUTES,
        );
    }
}
