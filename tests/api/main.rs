//! End-to-end tests: one binary, the whole API through the local stack.

mod account;
mod captcha;
mod client_auth;
mod contract;
mod gateway;
mod guestbook;
mod hardening;
mod hosted_pages;
mod images;
mod limits;
mod location;
mod mail;
mod oauth;
mod oauth_standard;
mod oidc;
mod openplatform;
mod profiles;
mod push;
mod reset;
mod social;
mod sso;
mod support;
mod tokens;
mod tracing;
mod upstream;
mod users;
