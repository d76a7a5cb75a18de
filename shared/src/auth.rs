//! Authentication as routes declare it ([`crate::routing::Auth`]), run by
//! [`crate::routing::dispatch`] before any handler: the presented access token's signature
//! and expiry (a forged token never reaches DynamoDB), then in one parallel stage its
//! record, the quota hits and, where declared, the account. Handlers receive what this
//! established; none checks a token by hand.
//!
//! This is the HTTP side of the token check: storage answers with records and
//! [`crate::storage::StoreError`]s, and only here do they become the caller's dialect
//! errors.

use crate::error::{ApiError, ErrorKind};
use crate::routing::{ApiRequest, Auth};
use crate::storage::clients::Client;
use crate::storage::ports::{AccountStore, CallMeter, SessionStore};
use crate::storage::quotas::Hit;
use crate::storage::sessions::{Sessions, TokenRecord};
use crate::storage::users::{User, Users};
use crate::token::{CONSOLE_CLIENT, FIRST_PARTY_CLIENT};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What a route's check established about its caller.
#[derive(Debug, Default)]
pub struct Caller {
    /// The record of the presented access token, live when the route ran.
    pub token: Option<TokenRecord>,
    /// The account the token names, read beside the token's record.
    pub account: Option<User>,
    /// The authenticated client.
    pub client: Option<Arc<Client>>,
}

/// The client authentication a function does for its client-authenticated routes.
pub type ClientCheck<'a> = Pin<Box<dyn Future<Output = Result<Arc<Client>, ApiError>> + Send + 'a>>;

/// The token check of a function: the sessions that sign tokens and hold their records, the
/// meter that counts calls, and the accounts where routes read them.
#[derive(Clone, Copy)]
pub struct Authority<'a> {
    pub sessions: &'a dyn SessionStore,
    pub meter: &'a dyn CallMeter,
    /// Where [`Auth::Account`] routes read the account.
    pub users: Option<&'a dyn AccountStore>,
}

impl<'a> Authority<'a> {
    /// The check of a function on DynamoDB.
    pub fn new(sessions: &'a Sessions, users: Option<&'a Users>) -> Authority<'a> {
        Authority {
            sessions,
            meter: &sessions.meter,
            users: users.map(|u| u as &dyn AccountStore),
        }
    }

    /// The caller of `req` as `auth` asks: the token (absent is refused unless `auth` is
    /// one of the `Maybe` kinds), checked and counted against its client's hourly quota for
    /// this route template (Passport's own first-party sign-ins are not metered), and
    /// against `client`'s when the route authenticated one; the account where declared.
    /// Past a quota: 429, 201204 (200008 on v1 service routes, the OAuth tables' own code
    /// on their routes).
    pub async fn caller(
        &self,
        auth: Auth,
        req: &ApiRequest,
        client: Option<Arc<Client>>,
        now: i64,
    ) -> Result<Caller, ApiError> {
        match self.vouch(auth, req, client, now)? {
            Check::Done(caller) => Ok(caller),
            Check::Pending(pending) => pending.confirm().await,
        }
    }

    /// What can be known of the caller without DynamoDB: no token (refused where `auth`
    /// requires one), or one whose signature and expiry hold, with the check of its record,
    /// quotas and account still to run ([`Pending::confirm`]).
    pub fn vouch(
        &self,
        auth: Auth,
        req: &'a ApiRequest,
        client: Option<Arc<Client>>,
        now: i64,
    ) -> Result<Check<'a>, ApiError> {
        let Some(presented) = crate::token::presented(req) else {
            if auth.requires_token() {
                return Err(req.meta.missing_token().into());
            }
            return Ok(Check::Done(Caller {
                client,
                ..Caller::default()
            }));
        };
        let claims = self.sessions.keys().verify(&presented)?;
        let uid = claims.uid()?;
        let this = *self;
        let check = async move {
            // Per route template: `/api/faq/1`, `/api/faq/01` and `/api/faq/%31` are one API.
            let api = req.meta.route.as_str();
            let meter = this.meter;
            // Passport's own sign-in and its console are not metered.
            let metered =
                ![FIRST_PARTY_CLIENT, CONSOLE_CLIENT].contains(&claims.client_id.as_str());
            let with_account = auth.reads_account();
            let (record, token_hit, client_hit, account) = tokio::join!(
                this.sessions.record(&claims.jti),
                async {
                    match metered {
                        true => meter.hit(&claims.client_id, api, now).await.map(Some),
                        false => Ok(None),
                    }
                },
                async {
                    match &client {
                        Some(c) => meter.hit(&c.id, api, now).await.map(Some),
                        None => Ok(None),
                    }
                },
                async {
                    match (with_account, this.users) {
                        (false, _) => Ok(None),
                        (true, Some(users)) => users.get(uid).await.map(Some),
                        (true, None) => Err(crate::storage::StoreError(
                            "an account route in a function without accounts".into(),
                        )),
                    }
                },
            );
            let token = match record? {
                Some(r) if r.expires_at > now && r.uid == uid => r,
                _ => return Err(ErrorKind::TokenExpired.into()),
            };
            // A token of a client an operator disabled or deleted is dead with it.
            if token_hit.as_ref().is_ok_and(|h| *h == Some(Hit::NoClient)) {
                return Err(ErrorKind::TokenExpired.into());
            }
            // An hour's quota comes back when the hour ends.
            let next_hour = 3600 - now.rem_euclid(3600);
            if token_hit? == Some(Hit::Exhausted) {
                let kind = if req.meta.oauth_family() {
                    ErrorKind::OauthRateLimited
                } else {
                    ErrorKind::RateLimited
                };
                return Err(ApiError::new(kind).with_retry_after(next_hour));
            }
            let client_hit = client_hit?;
            if client_hit == Some(Hit::NoClient) {
                return Err(ErrorKind::ClientNotFound.into());
            }
            if client_hit == Some(Hit::Exhausted) {
                return Err(ApiError::new(ErrorKind::RateLimited).with_retry_after(next_hour));
            }
            let account = match account? {
                Some(None) => return Err(ErrorKind::TokenExpired.into()),
                Some(user) => user,
                None => None,
            };
            if let Some(needed) = auth.role() {
                let first_party =
                    [FIRST_PARTY_CLIENT, CONSOLE_CLIENT].contains(&token.client_id.as_str());
                let held = account.as_ref().and_then(|a| a.role);
                if !first_party || !held.is_some_and(|r| r.covers(needed)) {
                    return Err(ErrorKind::RoleRequired.into());
                }
            }
            Ok(Caller {
                token: Some(token),
                account,
                client,
            })
        };
        Ok(Check::Pending(Pending {
            uid,
            check: Box::pin(check),
        }))
    }
}

/// Where a route's check stands when its handler is called (made once per request, so the
/// checked caller is kept inline rather than boxed).
#[allow(clippy::large_enum_variant)]
pub enum Check<'a> {
    /// Checked (or nothing to check).
    Done(Caller),
    /// A token whose signature and expiry hold; its record, quotas and account are still
    /// to be read. Only routes that do something beside the check see this
    /// ([`crate::routes!`]'s `beside`).
    Pending(Pending<'a>),
}

/// The check of a token still to run, and the account its signature names.
pub struct Pending<'a> {
    /// The uid the token's signature vouches for: good for reads that run beside the
    /// check, never an answer or a write on its own.
    pub uid: u64,
    check: Pin<Box<dyn Future<Output = Result<Caller, ApiError>> + Send + 'a>>,
}

impl Pending<'_> {
    /// The token's record, quotas and account read in one parallel stage, as
    /// [`Authority::caller`] checks them.
    pub async fn confirm(self) -> Result<Caller, ApiError> {
        self.check.await
    }
}
