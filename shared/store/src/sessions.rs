//! Sessions: one item per sign-in, and the tokens it issues.
//!
//! A session (`SESSION#<sid>`; one sign-in, one authorization, or one client's own token)
//! is one item that carries its whole state: who, which client, which scope, and which
//! *generation* of tokens is current. The access token of generation `g` has
//! `jti = <sid>.<g>`; the refresh token is `<sid>.<g>.<HMAC(key, sid, g)>`, under a key
//! derived from the signing key, so no refresh token is stored at all and a forged one is
//! refused without a read. Every operation on a session is one request on that item:
//!
//! - issuing is one conditional put (listed under the user's `SESSIONS#<uid>` index
//!   partition, so "end every session of this user" is one query; a client's own token is
//!   listed nowhere: uid 0 would be one partition for every client token);
//! - a token check is one consistent read: the session exists, its generation is the
//!   token's, and the access token has not expired;
//! - rotating a refresh token is one conditional update (`generation = g`, unexpired, of
//!   the presenting client) that moves the session to `g + 1`: the old access token and the
//!   old refresh token die with that write. Presenting a refresh token of a generation the
//!   session has passed is a replay (its MAC shows it was issued): the session ends;
//! - ending a session (sign-out, revocation, a replayed code or refresh token) is one
//!   delete.
use super::attr::{get_n, get_s, n, need_n, need_s, s, Item};
use super::table::{Read, Table};
use super::{keys, sdk_error, StoreError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use passport_core::crypto;
use passport_core::token::{Claims, SigningKeys};
use std::collections::HashMap;
use std::sync::Arc;

/// The `uid` (and `sub`) of a client's own token: no user.
pub const CLIENT_UID: u64 = 0;

/// How long tokens live, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub access: i64,
    /// The access lifetime of a "remember me" sign-in (document 003's desktop sign-in: its
    /// tokens live 3 months). Every check reads the token's record, so ending the session
    /// still ends the token at once.
    pub access_remember: i64,
    pub refresh: i64,
    /// The refresh lifetime of a "remember me" sign-in.
    pub refresh_remember: i64,
}

impl Lifetimes {
    /// The access and refresh lifetimes of a sign-in, with "remember me" or without.
    pub fn of(&self, remember: bool) -> (i64, i64) {
        match remember {
            true => (self.access_remember, self.refresh_remember),
            false => (self.access, self.refresh),
        }
    }
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            access: 2 * 3600,
            access_remember: 90 * 86_400,
            refresh: 14 * 86_400,
            refresh_remember: 90 * 86_400,
        }
    }
}

/// Who a session is for.
#[derive(Debug, Clone)]
pub struct Grant {
    pub uid: u64,
    pub client_id: String,
    pub scope: String,
    pub remember: bool,
}

/// A freshly issued pair.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    /// Epoch second the access token expires.
    #[serde(skip)]
    pub expires_at: i64,
    pub uid: u64,
    /// The session family (one sign-in or one authorization) the pair belongs to.
    #[serde(skip)]
    pub family: String,
    /// The scope granted.
    #[serde(skip)]
    pub scope: String,
}

/// Why a refresh token was not rotated.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    /// Unknown, used (a replay: its family has ended), expired, or another client's.
    #[error("the refresh token is not live")]
    Invalid,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A client's limit of one API as an instance keeps it: when read, and the limit (`None`:
/// no such client).
type CachedLimit = (std::time::Instant, Option<u32>);

/// Counting calls against the calling client's hourly quotas.
///
/// A client's limits are read once and kept for [`Meter::LIMITS_TTL`] by the function
/// instance, so that a warm check is one conditional update that runs alongside the token
/// read: an operator's change of a limit applies within that time.
pub struct Meter {
    pub clients: super::clients::Clients,
    pub quotas: super::quotas::Quotas,
    /// The limit of an API the client names no limit for.
    pub default_limit: u32,
    limits: std::sync::Mutex<HashMap<(String, String), CachedLimit>>,
}

impl Meter {
    pub const LIMITS_TTL: std::time::Duration = std::time::Duration::from_secs(60);

    pub fn new(
        clients: super::clients::Clients,
        quotas: super::quotas::Quotas,
        default_limit: u32,
    ) -> Meter {
        Meter {
            clients,
            quotas,
            default_limit,
            limits: Default::default(),
        }
    }

    /// Counts one call of `client_id` to `api`.
    pub async fn hit(
        &self,
        client_id: &str,
        api: &str,
        now: i64,
    ) -> Result<super::quotas::Hit, StoreError> {
        match self.limit(client_id, api).await? {
            Some(limit) => self.quotas.hit(client_id, api, limit, now).await,
            None => Ok(super::quotas::Hit::NoClient),
        }
    }

    /// The hourly limit of `api` for `client_id`; `None` when there is no such client (or
    /// an operator disabled it).
    pub async fn limit(&self, client_id: &str, api: &str) -> Result<Option<u32>, StoreError> {
        let key = (client_id.to_owned(), api.to_owned());
        let cached = |limits: &HashMap<_, CachedLimit>| {
            limits
                .get(&key)
                .filter(|(at, _)| at.elapsed() < Self::LIMITS_TTL)
                .map(|&(_, limit)| limit)
        };
        if let Some(limit) = cached(&self.limits.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(limit);
        }
        let limit = self
            .clients
            .get(client_id)
            .await?
            .map(|c| c.limit_for(api).unwrap_or(self.default_limit));
        let mut limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
        limits.retain(|_, (at, _)| at.elapsed() < Self::LIMITS_TTL);
        limits.insert(key, (std::time::Instant::now(), limit));
        Ok(limit)
    }
}

/// A token's record (an access token's, or a refresh token's with the `jti` of its access
/// token), as checks and introspection read it: the session at its current generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The access token's id: `<sid>.<generation>`.
    pub jti: String,
    pub uid: u64,
    pub client_id: String,
    pub scope: String,
    /// When the current access token was issued.
    pub created_at: i64,
    pub expires_at: i64,
    /// The session's id (`sid`).
    pub family: String,
}

impl TokenRecord {
    /// The session item's current token: every attribute is required.
    fn from_item(item: &Item, sid: &str) -> Result<TokenRecord, StoreError> {
        let generation: u64 = need_n(item, "generation")?;
        Ok(TokenRecord {
            jti: jti(sid, generation),
            uid: need_n(item, "uid")?,
            client_id: need_s(item, "client_id")?,
            scope: need_s(item, "scope")?,
            created_at: need_n(item, "issued_at")?,
            expires_at: need_n(item, "token_expires")?,
            family: sid.to_owned(),
        })
    }
}

/// The deployment's issuer, which every token names.
fn issuer() -> Result<&'static str, StoreError> {
    passport_core::token::issuer().map_err(|e| StoreError(e.to_string()))
}

/// The `jti` of a session's access token of `generation`.
pub fn jti(sid: &str, generation: u64) -> String {
    format!("{sid}.{generation}")
}

/// The session and generation a `jti` names.
pub fn parse_jti(jti: &str) -> Option<(&str, u64)> {
    let (sid, generation) = jti.split_once('.')?;
    Some((sid, generation.parse().ok()?))
}

/// A session's refresh token of `generation`: its MAC under the signing key's derived key.
pub fn refresh_token(keys: &SigningKeys, sid: &str, generation: u64) -> String {
    let mac = crypto::hmac_hex(keys.code_key(), &["refresh", sid, &generation.to_string()]);
    format!("{sid}.{generation}.{mac}")
}

/// The session and generation of a refresh token that Passport issued (its MAC checked in
/// constant time); `None` for anything else.
pub fn parse_refresh<'a>(keys: &SigningKeys, token: &'a str) -> Option<(&'a str, u64)> {
    let token = token.trim();
    let (sid, rest) = token.split_once('.')?;
    let (generation, _) = rest.split_once('.')?;
    let generation: u64 = generation.parse().ok()?;
    if sid.is_empty() || sid.len() > 64 {
        return None;
    }
    crypto::same(token, &refresh_token(keys, sid, generation)).then_some((sid, generation))
}

/// Signs the tokens of `record` (a session at its current generation): the access token
/// always, the refresh token when `refresh`. Every store of sessions issues through this.
pub fn mint(keys: &SigningKeys, record: &TokenRecord, refresh: bool, issuer: &str) -> Issued {
    let claims = Claims {
        iss: issuer.to_owned(),
        sub: record.uid.to_string(),
        aud: issuer.to_owned(),
        client_id: record.client_id.clone(),
        scope: record.scope.clone(),
        jti: record.jti.clone(),
        iat: record.created_at,
        exp: record.expires_at,
    };
    let refresh_token = match (refresh, parse_jti(&record.jti)) {
        (true, Some((sid, generation))) => refresh_token(keys, sid, generation),
        _ => String::new(),
    };
    Issued {
        access_token: keys.sign(&claims),
        refresh_token,
        token_type: "Bearer",
        expires_in: record.expires_at - record.created_at,
        expires_at: record.expires_at,
        uid: record.uid,
        family: record.family.clone(),
        scope: record.scope.clone(),
    }
}

/// A new session id: 128 random bits.
pub fn new_sid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// What presenting a refresh token that could not be rotated means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Unknown, expired, or another client's: refused, nothing else happens.
    Invalid,
    /// Already used by its own client: a replay, and its whole family ends.
    Replayed,
}

/// The rule for a refresh token whose rotation's condition failed: a used token presented
/// by its own client (or by no client in particular) is a replay.
pub fn refused(used: bool, owner: &str, presenter: Option<&str>) -> Refused {
    if used && presenter.is_none_or(|c| c == owner) {
        Refused::Replayed
    } else {
        Refused::Invalid
    }
}

pub struct Sessions {
    table: Table,
    keys: Arc<SigningKeys>,
    pub lifetimes: Lifetimes,
    pub meter: Meter,
}

impl Sessions {
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        table: impl Into<String>,
        keys: Arc<SigningKeys>,
        lifetimes: Lifetimes,
        default_limit: u32,
    ) -> Sessions {
        let table = table.into();
        Sessions {
            meter: Meter::new(
                super::clients::Clients::new(client.clone(), &table),
                super::quotas::Quotas::new(client.clone(), &table),
                default_limit,
            ),
            table: Table::new(client, table),
            keys,
            lifetimes,
        }
    }

    /// Sessions as a function's configuration asks.
    pub fn from_config(
        client: aws_sdk_dynamodb::Client,
        config: &passport_core::config::Config,
        keys: Arc<SigningKeys>,
    ) -> Sessions {
        Sessions::new(
            client,
            &config.table_name,
            keys,
            Lifetimes::default(),
            config.default_hourly_limit,
        )
    }

    pub fn keys(&self) -> &SigningKeys {
        &self.keys
    }

    /// Writes session `sid` for `grant` (one conditional put) and signs its first tokens;
    /// `refresh` says whether it has a refresh token (and is listed under its user).
    async fn start(
        &self,
        sid: &str,
        grant: &Grant,
        refresh: bool,
        now: i64,
    ) -> Result<Issued, StoreError> {
        let (access_life, refresh_life) = self.lifetimes.of(grant.remember);
        let key = keys::session(sid);
        let mut item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            ("type".to_owned(), s("session")),
            ("uid".to_owned(), n(grant.uid)),
            ("client_id".to_owned(), s(&grant.client_id)),
            ("scope".to_owned(), s(&grant.scope)),
            ("created_at".to_owned(), n(now)),
            ("generation".to_owned(), n(0)),
            ("issued_at".to_owned(), n(now)),
            ("token_expires".to_owned(), n(now + access_life)),
            ("access_life".to_owned(), n(access_life)),
        ]);
        if refresh {
            item.insert(keys::GSI1_PK.to_owned(), s(keys::sessions_of(grant.uid)));
            item.insert(keys::GSI1_SK.to_owned(), s(format!("SESSION#{sid}")));
            item.insert("refresh_life".to_owned(), n(refresh_life));
            item.insert("refresh_expires".to_owned(), n(now + refresh_life));
            item.insert(keys::TTL.to_owned(), n(now + refresh_life + 86_400));
        } else {
            item.insert(keys::TTL.to_owned(), n(now + access_life + 3600));
        }
        let record = TokenRecord::from_item(&item, sid)?;
        self.table.insert(item).await?;
        Ok(mint(&self.keys, &record, refresh, issuer()?))
    }

    /// Issues a new pair: a new session, one conditional put.
    pub async fn issue(&self, grant: &Grant, now: i64) -> Result<Issued, StoreError> {
        self.start(&new_sid(), grant, true, now).await
    }

    /// [`Sessions::issue`] as session `sid` (from [`new_sid`]), for a caller that records
    /// the session elsewhere at the same time (an authorization code's family).
    pub async fn issue_as(&self, sid: &str, grant: &Grant, now: i64) -> Result<Issued, StoreError> {
        self.start(sid, grant, true, now).await
    }

    /// Issues a client's own token (client_credentials): an access token only, in a
    /// session listed nowhere (see the module's text). The answer's `refresh_token` is
    /// empty.
    pub async fn issue_client_token(
        &self,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> Result<Issued, StoreError> {
        let grant = Grant {
            uid: CLIENT_UID,
            client_id: client_id.to_owned(),
            scope: scope.to_owned(),
            remember: false,
        };
        self.start(&new_sid(), &grant, false, now).await
    }

    /// A session's item, read consistently (what every token check reads).
    async fn session(&self, sid: &str) -> Result<Option<Item>, StoreError> {
        self.table.get(&keys::session(sid), Read::Consistent).await
    }

    /// The record of an access token by its `jti`: its session, while the token is the
    /// session's current one.
    pub async fn record(&self, jti: &str) -> Result<Option<TokenRecord>, StoreError> {
        let Some((sid, generation)) = parse_jti(jti) else {
            return Ok(None);
        };
        let Some(item) = self.session(sid).await? else {
            return Ok(None);
        };
        let record = TokenRecord::from_item(&item, sid)?;
        Ok((record.jti == self::jti(sid, generation)).then_some(record))
    }

    /// The record of a refresh token, if it is live (the session's current one, unexpired).
    pub async fn refresh_record(
        &self,
        refresh_token: &str,
        now: i64,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let Some((sid, generation)) = parse_refresh(&self.keys, refresh_token) else {
            return Ok(None);
        };
        let Some(item) = self.session(sid).await? else {
            return Ok(None);
        };
        if !item.contains_key("refresh_expires")
            || need_n::<i64>(&item, "refresh_expires")? <= now
            || need_n::<u64>(&item, "generation")? != generation
        {
            return Ok(None);
        }
        TokenRecord::from_item(&item, sid).map(Some)
    }

    /// Rotates a refresh token. A used one is a replay: its session ends and the answer is
    /// the same as for an unknown token.
    pub async fn rotate(&self, refresh_token: &str, now: i64) -> Result<Issued, RotateError> {
        self.rotate_for(refresh_token, None, now).await
    }

    /// [`Sessions::rotate`] for an OAuth client: a refresh token of another client is
    /// refused (and not used up). One conditional update; a replay adds the delete.
    pub async fn rotate_for(
        &self,
        refresh_token: &str,
        client_id: Option<&str>,
        now: i64,
    ) -> Result<Issued, RotateError> {
        let Some((sid, generation)) = parse_refresh(&self.keys, refresh_token) else {
            return Err(RotateError::Invalid);
        };
        let key = keys::session(sid);
        let mut condition = "generation = :g AND refresh_expires > :now".to_owned();
        if client_id.is_some() {
            condition.push_str(" AND client_id = :c");
        }
        let moved = self
            .table
            .update_item(&key)
            .update_expression(
                "SET generation = :next, issued_at = :now, token_expires = access_life + :now, \
                 refresh_expires = refresh_life + :now, expires_at = refresh_life + :later",
            )
            .condition_expression(condition)
            .set_expression_attribute_values(
                client_id.map(|c| HashMap::from([(":c".to_owned(), s(c))])),
            )
            .expression_attribute_values(":g", n(generation))
            .expression_attribute_values(":next", n(generation + 1))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":later", n(now + 86_400))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let item = match moved {
            Ok(out) => out.attributes.unwrap_or_default(),
            Err(e) => {
                if let Some(item) = super::refused_update(e)? {
                    let current: u64 = need_n(&item, "generation")?;
                    let owner = get_s(&item, "client_id").unwrap_or_default();
                    if refused(current > generation, &owner, client_id) == Refused::Replayed {
                        tracing::warn!("refresh token replayed; ending its session");
                        self.end_session(sid).await?;
                    }
                }
                return Err(RotateError::Invalid);
            }
        };
        let record = TokenRecord::from_item(&item, sid)?;
        Ok(mint(&self.keys, &record, true, issuer()?))
    }

    /// Ends the session of an access token: it and every token of its session, one delete.
    pub async fn end(&self, token: &TokenRecord) -> Result<(), StoreError> {
        self.end_session(&token.family).await
    }

    /// Ends one session by its id (a revoked grant, a replayed code).
    pub async fn end_family(&self, _uid: u64, family: &str) -> Result<(), StoreError> {
        self.end_session(family).await
    }

    async fn end_session(&self, sid: &str) -> Result<(), StoreError> {
        self.table
            .delete_item(&keys::session(sid))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Ends every session of a user, browser sessions of the hosted pages included (after a
    /// password reset).
    pub async fn end_all(&self, uid: u64) -> Result<(), StoreError> {
        self.end_listed(uid, |_| true).await
    }

    /// Ends every session of the user but the one of this access token, browser sessions
    /// included (after the user changed the password while signed in).
    pub async fn end_others(&self, token: &TokenRecord) -> Result<(), StoreError> {
        self.end_listed(token.uid, |listed| listed.sid() != Some(&token.family))
            .await
    }

    /// What the user's sessions index lists: read beside a token check, for
    /// [`Sessions::end_client`].
    pub async fn listing(&self, uid: u64) -> Result<Listing, StoreError> {
        Ok(Listing(
            self.table.index_items(&keys::sessions_of(uid)).await?,
        ))
    }

    /// Ends the sessions of one client in a user's `listing` (the user revoked the app):
    /// its tokens and their refresh chains, the deletes together.
    pub async fn end_client(&self, listing: &Listing, client_id: &str) -> Result<(), StoreError> {
        self.end_picked(&listing.0, |listed| {
            listed.sid().is_some() && get_s(listed.0, "client_id").as_deref() == Some(client_id)
        })
        .await
    }

    /// Deletes the sessions listed under `uid` that `end` picks: a query of the user's
    /// index partition, then the deletes together.
    async fn end_listed(
        &self,
        uid: u64,
        end: impl Fn(&Listed<'_>) -> bool,
    ) -> Result<(), StoreError> {
        let listed = self.table.index_items(&keys::sessions_of(uid)).await?;
        self.end_picked(&listed, end).await
    }

    /// Deletes the items of `listed` (a user's sessions index) that `end` picks, together.
    async fn end_picked(
        &self,
        listed: &[Item],
        end: impl Fn(&Listed<'_>) -> bool,
    ) -> Result<(), StoreError> {
        let ends = listed
            .iter()
            .map(Listed)
            .filter(|l| end(l))
            .filter_map(|l| l.key())
            .map(|key| async move {
                let deleted = self.table.delete_item(&key).send().await;
                deleted.map(|_| ()).map_err(sdk_error)
            });
        for ended in futures_util::future::join_all(ends).await {
            ended?;
        }
        Ok(())
    }
}

/// A user's sessions as their index listed them ([`Sessions::listing`]).
pub struct Listing(Vec<Item>);

/// A live session as an operator sees it: where it signed in, when, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    /// The client of an API session; `None` for a browser session of the hosted pages.
    pub client_id: Option<String>,
    pub signed_in_at: i64,
    /// When it ends unless used (its refresh token's expiry, or the browser session's).
    pub expires_at: i64,
}

impl Listing {
    /// The sessions still live at `now`, the newest sign-in first.
    pub fn active(&self, now: i64) -> Vec<Active> {
        let mut active: Vec<Active> = self
            .0
            .iter()
            .filter_map(|item| {
                let listed = Listed(item);
                let (client_id, signed_in_at, expires_at) = match listed.sid() {
                    Some(_) => (
                        get_s(item, "client_id"),
                        get_n(item, "created_at")?,
                        get_n(item, "refresh_expires")?,
                    ),
                    None => (
                        None,
                        get_n(item, "auth_time")?,
                        get_n(item, "session_expires")?,
                    ),
                };
                (expires_at > now).then_some(Active {
                    client_id,
                    signed_in_at,
                    expires_at,
                })
            })
            .collect();
        active.sort_by_key(|a| std::cmp::Reverse(a.signed_in_at));
        active
    }
}

/// An item of a user's sessions index: an API session or a browser session.
struct Listed<'a>(&'a Item);

impl Listed<'_> {
    /// The API session's id (`None` for a browser session).
    fn sid(&self) -> Option<&str> {
        match self.0.get(keys::PK) {
            Some(AttributeValue::S(pk)) => pk.strip_prefix("SESSION#"),
            _ => None,
        }
    }

    /// The item's own key: the API session's, or the browser session's
    /// ([`crate::sso`]); `None` for anything else listed there.
    fn key(&self) -> Option<keys::Key> {
        if let Some(sid) = self.sid() {
            return Some(keys::session(sid));
        }
        let pk = get_s(self.0, keys::PK)?;
        let sk = get_s(self.0, keys::SK)?;
        pk.starts_with("BROWSER#").then_some(keys::Key { pk, sk })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SigningKeys {
        SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap()
    }

    #[test]
    fn a_jti_names_its_session_and_generation() {
        assert_eq!(parse_jti(&jti("abc", 7)), Some(("abc", 7)));
        assert_eq!(parse_jti("no-dot"), None);
        assert_eq!(parse_jti("abc.x"), None);
    }

    #[test]
    fn only_refresh_tokens_we_issued_parse() {
        let keys_again = keys;
        let keys = keys();
        let token = refresh_token(&keys, "abc", 3);
        assert_eq!(parse_refresh(&keys, &token), Some(("abc", 3)));
        assert_eq!(
            parse_refresh(&keys, &format!(" {token} ")),
            Some(("abc", 3))
        );
        // Another generation or session under the same MAC, another key, or junk: none.
        let mac = token.rsplit('.').next().unwrap();
        assert_eq!(parse_refresh(&keys, &format!("abc.4.{mac}")), None);
        assert_eq!(parse_refresh(&keys, &format!("abd.3.{mac}")), None);
        assert_eq!(parse_refresh(&keys_again(), &token), None);
        for junk in ["", "abc", "abc.3", "abc.3.", ".3.x", "abc.-1.x"] {
            assert_eq!(parse_refresh(&keys, junk), None, "{junk}");
        }
    }
}
