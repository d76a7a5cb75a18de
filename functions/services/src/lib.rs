//! `/apis/Services/*` (document 000 §202): the guestbook and IP location.

mod guestbook;
mod location;

use passport_ipdb::{IpDb, IpDbError};
use passport_shared::auth::Authority;
use passport_shared::mail::Mailer;
use passport_shared::storage::guestbook::{DynamoGuestbook, GuestbookStore};
use passport_shared::storage::sessions::Sessions;
use passport_shared::token::KeyError;
use passport_shared::{aws, config::Config, routes, Route, Service};

/// The endpoints of this function.
/// What the handlers need, built once per cold start.
pub struct App {
    pub guestbook: Box<dyn GuestbookStore>,
    pub mailer: Box<dyn Mailer>,
    pub owner_email: String,
    pub sessions: Sessions,
    /// The IP database, memory-mapped once.
    pub ipdb: IpDb,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("IPDB_PATH is not set")]
    NoIpdb,
    #[error(transparent)]
    Ipdb(#[from] IpDbError),
}

impl App {
    pub fn from_aws(config: &Config, sdk: &aws::SdkConfig) -> Result<App, InitError> {
        let dynamodb = aws::dynamodb(sdk);
        let ipdb_path = config.ipdb_path.as_deref().ok_or(InitError::NoIpdb)?;
        Ok(App {
            guestbook: Box::new(DynamoGuestbook::new(dynamodb.clone(), &config.table_name)),
            mailer: Box::new(passport_shared::mail::from_config(config, sdk)),
            owner_email: config.guestbook_owner_email.clone(),
            sessions: aws::sessions(config, &dynamodb)?,
            ipdb: IpDb::open(std::path::Path::new(ipdb_path))?,
        })
    }
}

impl Service for App {
    const ROUTES: &'static [Route<App>] = routes![App;
        POST "/apis/Services/guestbook" Public => guestbook::handle,
        GET "/apis/Services/location" Token => location::handle,
        POST "/apis/Services/location" Token => location::handle,
    ];

    fn authority(&self) -> Option<Authority<'_>> {
        Some(Authority::new(&self.sessions, None))
    }
}

#[cfg(test)]
passport_template::route_agreement_tests!("services", App);
