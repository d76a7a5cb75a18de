//! v2 friends (documents 001/002 §2.4.1): list, make, delete, recommend. A friendship is
//! two edges written in one transaction; making one tells the new friend with a message.

mod friends;

use passport_shared::auth::Authority;
use passport_shared::config::Config;
use passport_shared::storage::friends::Friends;
use passport_shared::storage::messages::Messages;
use passport_shared::storage::records::Records;
use passport_shared::storage::sessions::Sessions;
use passport_shared::storage::users::Users;
use passport_shared::token::{KeyError, SigningKeys};
use passport_shared::{aws, routes, Route, Service};
use std::sync::Arc;

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
}

impl Service for App {
    const ROUTES: &'static [Route<App>] = routes![App;
        POST "/api/User/friends" Token => friends::list,
        POST "/api/User/friendmake" Token => friends::make,
        POST "/api/User/frienddel" Token => friends::delete,
        POST "/api/User/friendsrecommend" Token => friends::recommend,
    ];

    fn authority(&self) -> Option<Authority<'_>> {
        Some(Authority::new(&self.sessions, Some(&self.users)))
    }
}

#[cfg(test)]
mod tests {
    use passport_shared::Service;

    #[test]
    fn template_routes_and_the_router_agree() {
        passport_template::assert_routes_agree(
            env!("CARGO_MANIFEST_DIR"),
            "friends",
            super::App::ROUTES,
        );
    }

    #[test]
    fn openapi_describes_every_route_and_its_authentication() {
        passport_template::assert_openapi_agrees(env!("CARGO_MANIFEST_DIR"), super::App::ROUTES);
    }
}
