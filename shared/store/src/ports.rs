//! The narrow traits the rules above storage use: accounts with their guards and sign-in
//! gates, sessions with their refresh families, codes, quotas and captcha answers. The
//! DynamoDB repositories implement them (codes and captchas in their own modules, the rest
//! here, delegating to the repositories' methods), and so do the in-memory stores of
//! [`crate::memory`], on which the rules are unit-tested without any emulator.

use crate::codes::{CodePolicy, SendRefused};
use crate::keys::Key;
use crate::quotas::{Hit, Quotas};
use crate::sessions::{Grant, Issued, Meter, RotateError, Sessions, TokenRecord};
use crate::throttles::{Throttled, Throttles};
use crate::users::{CreateError, Gate, NewUser, User, Users};
use crate::StoreError;
use async_trait::async_trait;
use passport_core::limits::Rate;
use passport_core::token::SigningKeys;

/// Accounts, their unique names (guards), and the sign-in gate of each name.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates the account and its guards at once; a name held already is
    /// [`CreateError::Taken`], and nothing is written.
    async fn create(&self, new: &NewUser, now: i64) -> Result<User, CreateError>;
    async fn get(&self, uid: u64) -> Result<Option<User>, StoreError>;
    /// The uid a guard (a username, email or phone) names, if any.
    async fn owner(&self, guard: &Key) -> Result<Option<u64>, StoreError>;
    /// Counts one sign-in attempt at `gate`: the attempt that takes the last of
    /// `max_failures` slots locks the gate for `lock_seconds`.
    async fn open_gate(
        &self,
        gate: &Key,
        max_failures: u32,
        lock_seconds: i64,
        now: i64,
    ) -> Result<Gate, StoreError>;
    /// After a right password: the gate's count is forgotten.
    async fn clear_failures(&self, gate: &Key) -> Result<(), StoreError>;
    /// Replaces the account's password hash `old` (a legacy one, just verified) by `new`
    /// (argon2id); false when the hash is no longer `old` (changed meanwhile: kept as is).
    async fn upgrade_hash(&self, uid: u64, old: &str, new: &str) -> Result<bool, StoreError>;
}

/// Verification codes per (purpose, destination): send limits, expiry, attempts.
#[async_trait]
pub trait CodeStore: Send + Sync {
    fn policy(&self) -> CodePolicy;
    /// Stores `code_hash` as the destination's code if the send limits allow it now.
    async fn store_for_send(
        &self,
        purpose: &str,
        destination: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<Result<(), SendRefused>, StoreError>;
    /// Gives a send that could not be delivered back (its interval, its place in the hour).
    async fn release_send(
        &self,
        purpose: &str,
        destination: &str,
        code_hash: &str,
        sent_at: i64,
    ) -> Result<(), StoreError>;
    /// Checks `code_hash`, counting the attempt; with `consume`, a right code is used up.
    async fn check(
        &self,
        purpose: &str,
        destination: &str,
        code_hash: &str,
        consume: bool,
        now: i64,
    ) -> Result<bool, StoreError>;
}

/// Captcha answers (their HMACs) per (key hash, scenario).
#[async_trait]
pub trait CaptchaStore: Send + Sync {
    async fn put(
        &self,
        key_hash: &str,
        scenario: &str,
        answer_hash: &str,
        expires: i64,
    ) -> Result<(), StoreError>;
    /// Whether `answer_hash` is the live answer; with `consume` the captcha is gone after,
    /// right or wrong.
    async fn check(
        &self,
        key_hash: &str,
        scenario: &str,
        answer_hash: &str,
        consume: bool,
        now: i64,
    ) -> Result<bool, StoreError>;
}

/// Hourly call counts per (client, API).
#[async_trait]
pub trait QuotaStore: Send + Sync {
    /// Counts one call against `limit` per hour; past it, [`Hit::Exhausted`] and nothing is
    /// counted.
    async fn hit(
        &self,
        client_id: &str,
        api: &str,
        limit: u32,
        now: i64,
    ) -> Result<Hit, StoreError>;
}

/// Counting a client's call to an API against the client's hourly limit for it.
#[async_trait]
pub trait CallMeter: Send + Sync {
    async fn hit(&self, client_id: &str, api: &str, now: i64) -> Result<Hit, StoreError>;
}

/// Abuse-limit counters per (action, source).
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Counts one attempt of `action` from `source` against `rate`.
    async fn hit(
        &self,
        action: &str,
        source: &str,
        rate: Rate,
        now: i64,
    ) -> Result<Throttled, StoreError>;
}

/// Sessions: access and refresh tokens, in families.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The key the tokens are signed with (and checked against).
    fn keys(&self) -> &SigningKeys;
    /// A new pair in a new family.
    async fn issue(&self, grant: &Grant, now: i64) -> Result<Issued, StoreError>;
    /// An access token's record by its `jti` (none once its session ended).
    async fn record(&self, jti: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// Rotates a refresh token (of `client_id`'s, when given): a new pair in its family. A
    /// used one is a replay, and its family ends.
    async fn rotate_for(
        &self,
        refresh_token: &str,
        client_id: Option<&str>,
        now: i64,
    ) -> Result<Issued, RotateError>;
    /// Ends the token's session: every token of its family.
    async fn end(&self, token: &TokenRecord) -> Result<(), StoreError>;
}

#[async_trait]
impl AccountStore for Users {
    async fn create(&self, new: &NewUser, now: i64) -> Result<User, CreateError> {
        Users::create(self, new, now).await
    }
    async fn get(&self, uid: u64) -> Result<Option<User>, StoreError> {
        Users::get(self, uid).await
    }
    async fn owner(&self, guard: &Key) -> Result<Option<u64>, StoreError> {
        Users::guard_owner(self, guard.clone()).await
    }
    async fn open_gate(
        &self,
        gate: &Key,
        max_failures: u32,
        lock_seconds: i64,
        now: i64,
    ) -> Result<Gate, StoreError> {
        Users::open_gate(self, gate, max_failures, lock_seconds, now).await
    }
    async fn clear_failures(&self, gate: &Key) -> Result<(), StoreError> {
        Users::clear_failures(self, gate).await
    }
    async fn upgrade_hash(&self, uid: u64, old: &str, new: &str) -> Result<bool, StoreError> {
        Users::upgrade_hash(self, uid, old, new).await
    }
}

#[async_trait]
impl QuotaStore for Quotas {
    async fn hit(
        &self,
        client_id: &str,
        api: &str,
        limit: u32,
        now: i64,
    ) -> Result<Hit, StoreError> {
        Quotas::hit(self, client_id, api, limit, now).await
    }
}

#[async_trait]
impl SessionStore for Sessions {
    fn keys(&self) -> &SigningKeys {
        Sessions::keys(self)
    }
    async fn issue(&self, grant: &Grant, now: i64) -> Result<Issued, StoreError> {
        Sessions::issue(self, grant, now).await
    }
    async fn record(&self, jti: &str) -> Result<Option<TokenRecord>, StoreError> {
        Sessions::record(self, jti).await
    }
    async fn rotate_for(
        &self,
        refresh_token: &str,
        client_id: Option<&str>,
        now: i64,
    ) -> Result<Issued, RotateError> {
        Sessions::rotate_for(self, refresh_token, client_id, now).await
    }
    async fn end(&self, token: &TokenRecord) -> Result<(), StoreError> {
        Sessions::end(self, token).await
    }
}

#[async_trait]
impl CallMeter for Meter {
    async fn hit(&self, client_id: &str, api: &str, now: i64) -> Result<Hit, StoreError> {
        Meter::hit(self, client_id, api, now).await
    }
}

#[async_trait]
impl ThrottleStore for Throttles {
    async fn hit(
        &self,
        action: &str,
        source: &str,
        rate: Rate,
        now: i64,
    ) -> Result<Throttled, StoreError> {
        Throttles::hit(self, action, source, rate, now).await
    }
}
