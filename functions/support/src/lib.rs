//! The user center's support routes (document 004): the FAQ, feedback categories, users'
//! feedback and the operator's replies. The FAQ and categories are written by the operator
//! (`passport-admin faq|category`), replies too (`passport-admin feedback reply`).

mod faq;
mod feedback;

use passport_shared::auth::Authority;
use passport_shared::config::Config;
use passport_shared::storage::records::Records;
use passport_shared::storage::sessions::Sessions;
use passport_shared::storage::support::Support;
use passport_shared::token::KeyError;
use passport_shared::{aws, routes, Route, Service};

pub struct App {
    pub sessions: Sessions,
    pub support: Support,
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, KeyError> {
        let db = aws::dynamodb(sdk);
        Ok(App {
            sessions: aws::sessions(config, &db)?,
            support: Support {
                records: Records::new(db, &config.table_name),
            },
        })
    }
}

impl Service for App {
    const ROUTES: &'static [Route<App>] = routes![App;
        GET "/api/faq" Token => faq::list,
        GET "/api/faq/{id}" Token => faq::item,
        GET "/api/feedback_category" Token => faq::categories,
        POST "/api/feedback" Token => feedback::add,
        GET "/api/feedback" Token => feedback::list,
        DELETE "/api/feedback/{id}" Token => feedback::delete,
        GET "/api/feedback/reply/{feedback_id}" Token => feedback::reply,
    ];

    fn authority(&self) -> Option<Authority<'_>> {
        Some(Authority::new(&self.sessions, None))
    }
}

#[cfg(test)]
passport_template::route_agreement_tests!("support", App);
