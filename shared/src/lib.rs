//! Passport's HTTP layer: what every function of the platform shares.
//!
//! - [`dialect`], [`catalog`], [`error`], [`response`]: the four envelopes and the error
//!   catalog, with the one response helper;
//! - [`html`]: the pages people see (escaping, languages, the one HTML answer);
//! - [`params`], [`routing`], [`auth`]: reading requests, routing them to handlers, and the
//!   authentication each route declares, checked in dispatch;
//! - [`domain`]: validated newtypes for the documented input rules;
//! - [`config`], [`aws`], [`logging`]: what `main` builds once;
//! - [`storage`]: the storage crate (`passport-store`) and how its refusals read in a
//!   dialect; [`mail`], [`sms`]: the other AWS adapters behind narrow traits;
//! - [`config`], [`crypto`], [`issuer`], [`token`]: from `passport-core`, which knows nothing
//!   of HTTP.

pub mod auth;
pub mod aws;
pub mod captcha;
pub mod catalog;
pub mod dialect;
pub mod domain;
pub mod error;
pub mod html;
pub mod limits;
pub mod logging;
pub mod mail;
pub mod params;
#[cfg(test)]
mod properties;
pub mod response;
pub mod routing;
#[cfg(feature = "secrets")]
pub mod secrets;
pub mod sms;
pub mod social;
pub mod storage;
pub mod token;
pub mod xray;

pub use dialect::{Dialect, Lang};
pub use error::{ApiError, ErrorKind};
pub use params::{FromParams, Params};
pub use passport_core::{assertion, config, crypto, datetime, issuer, now};
pub use response::{Payload, Reply};
pub use routing::{dispatch, serve, ApiRequest, Auth, Route, Service};
