//! v2 calendar (documents 001/002 §2.3): a user's events, listed by time range, added and
//! updated. Every event lives under its owner's key, so no one reaches another's events.

mod events;

use passport_shared::auth::Authority;
use passport_shared::config::Config;
use passport_shared::storage::records::Records;
use passport_shared::storage::sessions::Sessions;
use passport_shared::token::KeyError;
use passport_shared::{aws, routes, Route, Service};

pub struct App {
    pub sessions: Sessions,
    pub records: Records,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, KeyError> {
        let db = aws::dynamodb(sdk);
        Ok(App {
            sessions: aws::sessions(config, &db)?,
            records: Records::new(db, &config.table_name),
        })
    }
}

impl Service for App {
    const ROUTES: &'static [Route<App>] = routes![App;
        POST "/api/Calendar/events" Token => events::list,
        POST "/api/Calendar/add" Token => events::add,
        POST "/api/Calendar/update" Token => events::update,
    ];

    fn authority(&self) -> Option<Authority<'_>> {
        Some(Authority::new(&self.sessions, None))
    }
}

#[cfg(test)]
passport_template::route_agreement_tests!("calendar", App);
