//! The user center's push routes (document 004): binding a device's push-service client,
//! its on/off switch, the log of pushes, and the unread count (`/api/message/count`).

mod push;

use passport_shared::auth::Authority;
use passport_shared::config::Config;
use passport_shared::storage::push::Push;
use passport_shared::storage::records::Records;
use passport_shared::storage::sessions::Sessions;
use passport_shared::storage::support::Support;
use passport_shared::token::KeyError;
use passport_shared::{aws, routes, Route, Service};

pub struct App {
    pub sessions: Sessions,
    pub push: Push,
    pub support: Support,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, KeyError> {
        let db = aws::dynamodb(sdk);
        let table = &config.table_name;
        Ok(App {
            sessions: aws::sessions(config, &db)?,
            push: Push {
                records: Records::new(db.clone(), table),
            },
            support: Support {
                records: Records::new(db, table),
            },
        })
    }
}

impl Service for App {
    const ROUTES: &'static [Route<App>] = routes![App;
        POST "/api/push/bind" Token beside push::bind_seen => push::bind,
        GET "/api/push/switch/{client_id}" Token => push::switch,
        PUT "/api/push/switch/{client_id}" Token => push::set_switch,
        GET "/api/push/log" Token beside push::cleared => push::log,
        DELETE "/api/push/log/delete" Token => push::clear,
        GET "/api/push/log/{id}" Token => push::log_item,
        GET "/api/message/count" Token => push::count,
    ];

    fn authority(&self) -> Option<Authority<'_>> {
        Some(Authority::new(&self.sessions, None))
    }
}

#[cfg(test)]
passport_template::route_agreement_tests!("push", App);
