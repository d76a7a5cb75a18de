//! Sessions: the records behind access and refresh tokens.
//!
//! Every issued pair belongs to a *family* (one sign-in). An access token's record is
//! `TOKEN#<jti>`; a refresh token's is `REFRESH#<sha256>`; both are listed under the user's
//! `SESSIONS#<uid>` index partition, so "end every session of this user" is one query.
//!
//! Refresh tokens rotate: using one marks it used (a conditional write) and issues a new pair
//! in the same family. Presenting a used refresh token again is a replay: the whole family
//! ends.
//!
//! A client's own token (client_credentials: no user, uid 0, no refresh token) is one
//! `TOKEN#<jti>` item written by one conditional put, listed under no index: its family is
//! itself, so it ends by its own key ([`Sessions::end`]). Were those tokens listed under
//! `SESSIONS#0`, every client's every token would share one index partition.

use super::attr::{get_s, n, need_b, need_n, need_s, s, Item};
use super::table::{Read, Table};
use super::{keys, sdk_error, StoreError};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
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

/// Which of a user's session families a deletion takes.
#[derive(Debug, Clone, Copy)]
enum Families<'a> {
    All,
    Only(&'a str),
    AllBut(&'a str),
}

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
    limits: std::sync::Mutex<HashMap<(String, String), (std::time::Instant, u32)>>,
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
        let limit = self.limit(client_id, api).await?;
        self.quotas.hit(client_id, api, limit, now).await
    }

    /// The hourly limit of `api` for `client_id`.
    pub async fn limit(&self, client_id: &str, api: &str) -> Result<u32, StoreError> {
        let key = (client_id.to_owned(), api.to_owned());
        let cached = |limits: &HashMap<_, (std::time::Instant, u32)>| {
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
            .and_then(|c| c.limit_for(api))
            .unwrap_or(self.default_limit);
        let mut limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
        limits.retain(|_, (at, _)| at.elapsed() < Self::LIMITS_TTL);
        limits.insert(key, (std::time::Instant::now(), limit));
        Ok(limit)
    }
}

/// A token's record (an access token's, or a refresh token's with the `jti` of the access
/// token it came with), as checks and introspection read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The access token's id.
    pub jti: String,
    pub uid: u64,
    pub client_id: String,
    pub scope: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub family: String,
}

impl TokenRecord {
    /// Decodes a token item written by [`Sessions::issue`]: every attribute is required.
    fn from_item(item: &Item, jti: String) -> Result<TokenRecord, StoreError> {
        Ok(TokenRecord {
            jti,
            uid: need_n(item, "uid")?,
            client_id: need_s(item, "client_id")?,
            scope: need_s(item, "scope")?,
            created_at: need_n(item, "created_at")?,
            expires_at: need_n(item, "token_expires")?,
            family: need_s(item, "family")?,
        })
    }
}

/// The deployment's issuer, which every token names.
fn issuer() -> Result<&'static str, StoreError> {
    passport_core::token::issuer().map_err(|e| StoreError(e.to_string()))
}

/// A new pair: the answer, and what its records hold.
#[derive(Debug, Clone)]
pub struct Minted {
    pub issued: Issued,
    /// The access token's record.
    pub access: TokenRecord,
    /// The refresh token's SHA-256 (the token itself is shown once, never stored).
    pub refresh_hash: String,
    pub refresh_expires: i64,
}

/// Signs a new pair in `family` for `grant`: every store of sessions issues through this.
pub fn mint(
    keys: &SigningKeys,
    lifetimes: &Lifetimes,
    grant: &Grant,
    family: &str,
    issuer: &str,
    now: i64,
) -> Minted {
    let jti = uuid::Uuid::new_v4().simple().to_string();
    let (access_life, refresh_life) = match grant.remember {
        true => (lifetimes.access_remember, lifetimes.refresh_remember),
        false => (lifetimes.access, lifetimes.refresh),
    };
    let claims = Claims {
        iss: issuer.to_owned(),
        sub: grant.uid.to_string(),
        aud: issuer.to_owned(),
        client_id: grant.client_id.clone(),
        scope: grant.scope.clone(),
        jti: jti.clone(),
        iat: now,
        exp: now + access_life,
    };
    let refresh_token = crypto::random_secret(32);
    let refresh_hash = crypto::sha256_hex(&refresh_token);
    Minted {
        issued: Issued {
            access_token: keys.sign(&claims),
            refresh_token,
            token_type: "Bearer",
            expires_in: access_life,
            expires_at: now + access_life,
            uid: grant.uid,
            family: family.to_owned(),
            scope: grant.scope.clone(),
        },
        access: TokenRecord {
            jti,
            uid: grant.uid,
            client_id: grant.client_id.clone(),
            scope: grant.scope.clone(),
            created_at: now,
            expires_at: now + access_life,
            family: family.to_owned(),
        },
        refresh_hash,
        refresh_expires: now + refresh_life,
    }
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

    /// The items and answer of a new pair in `family`.
    fn mint(&self, grant: &Grant, family: &str, issuer: &str, now: i64) -> (Issued, Item, Item) {
        let Minted {
            issued,
            access: record,
            refresh_hash,
            refresh_expires,
        } = mint(&self.keys, &self.lifetimes, grant, family, issuer, now);
        let jti = &record.jti;
        let access_life = record.expires_at - now;
        let refresh_life = refresh_expires - now;
        let access_key = keys::access_token(jti);
        let refresh_key = keys::refresh_token(&refresh_hash);
        let common = |item: &mut Item| {
            item.insert(keys::GSI1_PK.to_owned(), s(keys::sessions_of(grant.uid)));
            item.insert("uid".to_owned(), n(grant.uid));
            item.insert("family".to_owned(), s(family));
            item.insert("client_id".to_owned(), s(&grant.client_id));
            item.insert("scope".to_owned(), s(&grant.scope));
            item.insert("created_at".to_owned(), n(now));
        };
        let mut access: Item = HashMap::from([
            (keys::PK.to_owned(), s(access_key.pk)),
            (keys::SK.to_owned(), s(access_key.sk)),
            (keys::GSI1_SK.to_owned(), s(format!("ACCESS#{jti}"))),
            ("type".to_owned(), s("access_token")),
            ("token_expires".to_owned(), n(now + access_life)),
            (keys::TTL.to_owned(), n(now + access_life + 3600)),
        ]);
        common(&mut access);
        let mut refresh: Item = HashMap::from([
            (keys::PK.to_owned(), s(refresh_key.pk)),
            (keys::SK.to_owned(), s(refresh_key.sk)),
            (
                keys::GSI1_SK.to_owned(),
                s(format!("REFRESH#{refresh_hash}")),
            ),
            ("type".to_owned(), s("refresh_token")),
            ("access_jti".to_owned(), s(jti)),
            ("used".to_owned(), AttributeValue::Bool(false)),
            ("remember".to_owned(), AttributeValue::Bool(grant.remember)),
            ("token_expires".to_owned(), n(now + refresh_life)),
            (keys::TTL.to_owned(), n(now + refresh_life + 86_400)),
        ]);
        common(&mut refresh);
        (issued, access, refresh)
    }

    /// Issues a new pair: a new family, both records written in one transaction.
    pub async fn issue(&self, grant: &Grant, now: i64) -> Result<Issued, StoreError> {
        let family = uuid::Uuid::new_v4().simple().to_string();
        let issuer = issuer()?;
        let (issued, access, refresh) = self.mint(grant, &family, issuer, now);
        self.table
            .client()
            .transact_write_items()
            .transact_items(self.table.put_new(access)?)
            .transact_items(self.table.put_new(refresh)?)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(issued)
    }

    /// Issues a client's own token (client_credentials): an access token only, its record
    /// one conditional put, indexed nowhere (see the module's text). The answer's
    /// `refresh_token` is empty.
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
        let family = uuid::Uuid::new_v4().simple().to_string();
        let (mut issued, mut access, _) = self.mint(&grant, &family, issuer()?, now);
        access.remove(keys::GSI1_PK);
        access.remove(keys::GSI1_SK);
        self.table.insert(access).await?;
        issued.refresh_token.clear();
        Ok(issued)
    }

    /// The record of an access token by its `jti`.
    pub async fn record(&self, jti: &str) -> Result<Option<TokenRecord>, StoreError> {
        let key = keys::access_token(jti);
        let item = self.table.get(&key, Read::Consistent).await?;
        item.map(|i| TokenRecord::from_item(&i, jti.to_owned()))
            .transpose()
    }

    /// The record of a refresh token, if it is live (unused, unexpired).
    pub async fn refresh_record(
        &self,
        refresh_token: &str,
        now: i64,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let key = keys::refresh_token(&crypto::sha256_hex(refresh_token.trim()));
        let item = self.table.get(&key, Read::Consistent).await?;
        let Some(item) = item else { return Ok(None) };
        if need_b(&item, "used")? || need_n::<i64>(&item, "token_expires")? <= now {
            return Ok(None);
        }
        TokenRecord::from_item(&item, need_s(&item, "access_jti")?).map(Some)
    }

    /// Rotates a refresh token. A used one is a replay: its family ends and the answer is
    /// the same as for an unknown token.
    pub async fn rotate(&self, refresh_token: &str, now: i64) -> Result<Issued, RotateError> {
        self.rotate_for(refresh_token, None, now).await
    }

    /// [`Sessions::rotate`] for an OAuth client: a refresh token of another client is
    /// refused (and not used up).
    pub async fn rotate_for(
        &self,
        refresh_token: &str,
        client_id: Option<&str>,
        now: i64,
    ) -> Result<Issued, RotateError> {
        let hash = crypto::sha256_hex(refresh_token);
        let key = keys::refresh_token(&hash);
        let mut condition =
            "attribute_exists(pk) AND used = :f AND token_expires > :now".to_owned();
        if client_id.is_some() {
            condition.push_str(" AND client_id = :c");
        }
        let marked = self
            .table
            .update_item(&key)
            .update_expression("SET used = :t, used_at = :now")
            .condition_expression(condition)
            .set_expression_attribute_values(
                client_id.map(|c| HashMap::from([(":c".to_owned(), s(c))])),
            )
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .expression_attribute_values(":f", AttributeValue::Bool(false))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let old = match marked {
            Ok(out) => out.attributes.unwrap_or_default(),
            Err(SdkError::ServiceError(e)) => {
                if let UpdateItemError::ConditionalCheckFailedException(f) = e.err() {
                    if let Some(item) = f.item() {
                        let used = item.get("used").and_then(|v| v.as_bool().ok()) == Some(&true);
                        let owner = get_s(item, "client_id").unwrap_or_default();
                        if refused(used, &owner, client_id) == Refused::Replayed {
                            let uid: u64 = need_n(item, "uid")?;
                            tracing::warn!(
                                uid,
                                "refresh token replayed; ending its session family"
                            );
                            self.end_family(uid, &need_s(item, "family")?).await?;
                        }
                    }
                    return Err(RotateError::Invalid);
                }
                return Err(RotateError::Store(StoreError(format!("{:?}", e.err()))));
            }
            Err(e) => return Err(sdk_error(e).into()),
        };
        let grant = Grant {
            uid: need_n(&old, "uid")?,
            client_id: need_s(&old, "client_id")?,
            scope: need_s(&old, "scope")?,
            remember: need_b(&old, "remember")?,
        };
        let family = need_s(&old, "family")?;
        let issuer = issuer()?;
        let (issued, access, refresh) = self.mint(&grant, &family, issuer, now);
        let old_access = keys::access_token(&need_s(&old, "access_jti")?);
        let writes = vec![
            self.table.put_new(access)?,
            self.table.put_new(refresh)?,
            self.table.delete_in_transaction(&old_access)?,
        ];
        self.table
            .client()
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(issued)
    }

    /// Ends the session of an access token: the token and every token of its family.
    /// The token itself is deleted beside the family's query, so it ends at once whatever
    /// the index has caught up with. A client's own token is its whole family: one delete.
    pub async fn end(&self, token: &TokenRecord) -> Result<(), StoreError> {
        let key = keys::access_token(&token.jti);
        let delete = async {
            self.table
                .delete_item(&key)
                .send()
                .await
                .map(|_| ())
                .map_err(sdk_error)
        };
        if token.uid == CLIENT_UID {
            return delete.await;
        }
        tokio::try_join!(delete, self.end_family(token.uid, &token.family)).map(|_| ())
    }

    /// Ends every session of a user (after a password reset).
    pub async fn end_all(&self, uid: u64) -> Result<(), StoreError> {
        self.delete_matching(uid, Families::All).await
    }

    /// Ends every session of the user but the one of this access token (after the user
    /// changed the password while signed in).
    pub async fn end_others(&self, token: &TokenRecord) -> Result<(), StoreError> {
        self.delete_matching(token.uid, Families::AllBut(&token.family))
            .await
    }

    /// Ends a whole session family (a revoked grant, a replayed code).
    pub async fn end_family(&self, uid: u64, family: &str) -> Result<(), StoreError> {
        self.delete_matching(uid, Families::Only(family)).await
    }

    async fn delete_matching(&self, uid: u64, families: Families<'_>) -> Result<(), StoreError> {
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .table
                .query()
                .index_name(keys::GSI1)
                .key_condition_expression("gsi1pk = :p")
                .expression_attribute_values(":p", s(keys::sessions_of(uid)))
                .set_exclusive_start_key(start.take());
            let filter = match families {
                Families::All => None,
                Families::Only(f) => Some(("#family = :f", f)),
                Families::AllBut(f) => Some(("#family <> :f", f)),
            };
            if let Some((expression, family)) = filter {
                query = query
                    .filter_expression(expression)
                    .expression_attribute_names("#family", "family")
                    .expression_attribute_values(":f", s(family));
            }
            let page = query.send().await.map_err(sdk_error)?;
            for item in page.items() {
                if let (Some(pk), Some(sk)) = (get_s(item, keys::PK), get_s(item, keys::SK)) {
                    self.table
                        .delete_item(&keys::Key { pk, sk })
                        .send()
                        .await
                        .map_err(sdk_error)?;
                }
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(()),
            }
        }
    }
}
