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
use passport_shared::token::KeyError;
use passport_shared::{aws, routes, Route, Service};

pub struct App {
    pub sessions: Sessions,
    pub users: Users,
    pub friends: Friends,
    pub messages: Messages,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, KeyError> {
        let db = aws::dynamodb(sdk);
        let table = &config.table_name;
        Ok(App {
            sessions: aws::sessions(config, &db)?,
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
        POST "/api/User/friends" Token beside friends::mine => friends::list,
        POST "/api/User/friendmake" Account => friends::make,
        POST "/api/User/frienddel" Token => friends::delete,
        POST "/api/User/friendsrecommend" Token beside friends::mine => friends::recommend,
    ];

    fn authority(&self) -> Option<Authority<'_>> {
        Some(Authority::new(&self.sessions, Some(&self.users)))
    }
}

#[cfg(test)]
passport_template::route_agreement_tests!("friends", App);
