//! Passport's common crate: what every function of the platform shares.
//!
//! - [`dialect`], [`catalog`], [`error`], [`response`]: the four envelopes and the error
//!   catalog, with the one response helper;
//! - [`params`], [`routing`]: reading requests and routing them to handlers;
//! - [`domain`]: validated newtypes for the documented input rules;
//! - [`config`], [`aws`], [`logging`]: what `main` builds once;
//! - [`storage`], [`mail`]: DynamoDB repositories and outgoing mail behind narrow traits;
//! - [`template`] (feature `template`): reading template.yaml.

#[cfg(feature = "tokens")]
pub mod auth;
#[cfg(feature = "avatars")]
pub mod avatar;
pub mod aws;
#[cfg(feature = "tokens")]
pub mod captcha;
#[cfg(feature = "captcha-image")]
pub mod captcha_render;
pub mod catalog;
pub mod config;
pub mod crypto;
pub mod dialect;
pub mod domain;
pub mod error;
#[cfg(feature = "identity")]
pub mod identity;
#[cfg(feature = "ipdb")]
pub mod ipdb;
pub mod issuer;
pub mod logging;
pub mod mail;
pub mod meter;
pub mod params;
#[cfg(test)]
mod properties;
pub mod response;
pub mod routing;
pub mod sms;
#[cfg(feature = "tokens")]
pub mod social;
pub mod storage;
#[cfg(feature = "template")]
pub mod template;
#[cfg(feature = "tokens")]
pub mod token;

pub use dialect::{Dialect, Lang};
pub use error::{ApiError, ErrorKind};
pub use params::{FromParams, Params};
pub use response::{Payload, Reply};
pub use routing::{dispatch, serve, ApiRequest, Auth, Route, Service};

/// `YYYY-MM-DD HH:MM:SS` (UTC) of an epoch second, as the documents write times.
pub fn datetime(epoch: i64) -> String {
    const FORMAT: &[time::format_description::FormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(epoch)
        .ok()
        .and_then(|t| t.format(FORMAT).ok())
        .unwrap_or_default()
}

/// The current time, in epoch seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    #[test]
    fn datetimes_are_written_as_the_document_shows() {
        assert_eq!(super::datetime(1_559_154_150), "2019-05-29 18:22:30");
    }
}
