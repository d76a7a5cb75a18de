//! Passport's common crate: what every function of the platform shares.
//!
//! - [`dialect`], [`catalog`], [`error`], [`response`]: the four envelopes and the error
//!   catalog, with the one response helper;
//! - [`params`], [`routing`]: reading requests and routing them to handlers;
//! - [`domain`]: validated newtypes for the documented input rules;
//! - [`config`], [`aws`], [`logging`]: what `main` builds once;
//! - [`storage`], [`mail`]: DynamoDB repositories and outgoing mail behind narrow traits;
//! - [`template`] (feature `template`): reading template.yaml.

pub mod aws;
pub mod catalog;
pub mod config;
pub mod dialect;
pub mod domain;
pub mod error;
pub mod logging;
pub mod mail;
pub mod params;
pub mod response;
pub mod routing;
pub mod storage;
#[cfg(feature = "template")]
pub mod template;

pub use dialect::{Dialect, Lang};
pub use error::{ApiError, ErrorKind};
pub use params::{FromParams, Params};
pub use response::{Payload, Reply};
pub use routing::{dispatch, ApiRequest, RouteSpec};
