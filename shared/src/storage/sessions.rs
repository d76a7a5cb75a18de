//! Sessions: the records behind access and refresh tokens.
//!
//! Every issued pair belongs to a *family* (one sign-in). An access token's record is
//! `TOKEN#<jti>`; a refresh token's is `REFRESH#<sha256>`; both are listed under the user's
//! `SESSIONS#<uid>` index partition, so "end every session of this user" is one query.
//!
//! Refresh tokens rotate: using one marks it used (a conditional write) and issues a new pair
//! in the same family. Presenting a used refresh token again is a replay: the whole family
//! ends.

use super::attr::{get_n, get_s, n, s, Item};
use super::{keys, sdk_error, StoreError};
use crate::crypto;
use crate::error::{ApiError, ErrorKind};
use crate::token::{Claims, SigningKeys, ISSUER};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValue, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem,
};
use std::collections::HashMap;
use std::sync::Arc;

/// How long tokens live, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub access: i64,
    pub refresh: i64,
    /// The refresh lifetime of a "remember me" sign-in.
    pub refresh_remember: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            access: 2 * 3600,
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
}

/// A checked access token.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub uid: u64,
    pub claims: Claims,
}

/// Which of a user's session families a deletion takes.
#[derive(Debug, Clone, Copy)]
enum Families<'a> {
    All,
    Only(&'a str),
    AllBut(&'a str),
}

pub struct Sessions {
    client: aws_sdk_dynamodb::Client,
    table: String,
    keys: Arc<SigningKeys>,
    pub lifetimes: Lifetimes,
}

impl Sessions {
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        table: impl Into<String>,
        keys: Arc<SigningKeys>,
        lifetimes: Lifetimes,
    ) -> Sessions {
        Sessions {
            client,
            table: table.into(),
            keys,
            lifetimes,
        }
    }

    pub fn keys(&self) -> &SigningKeys {
        &self.keys
    }

    fn put(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The items and answer of a new pair in `family`.
    fn mint(&self, grant: &Grant, family: &str, now: i64) -> (Issued, Item, Item) {
        let jti = uuid::Uuid::new_v4().simple().to_string();
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: grant.uid.to_string(),
            aud: grant.client_id.clone(),
            client_id: grant.client_id.clone(),
            scope: grant.scope.clone(),
            jti: jti.clone(),
            iat: now,
            exp: now + self.lifetimes.access,
        };
        let access_token = self.keys.sign(&claims);
        let refresh_token = crypto::random_secret(32);
        let refresh_hash = crypto::sha256_hex(&refresh_token);
        let refresh_life = if grant.remember {
            self.lifetimes.refresh_remember
        } else {
            self.lifetimes.refresh
        };
        let access_key = keys::access_token(&jti);
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
            ("token_expires".to_owned(), n(now + self.lifetimes.access)),
            (keys::TTL.to_owned(), n(now + self.lifetimes.access + 3600)),
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
            ("access_jti".to_owned(), s(&jti)),
            ("used".to_owned(), AttributeValue::Bool(false)),
            ("remember".to_owned(), AttributeValue::Bool(grant.remember)),
            ("token_expires".to_owned(), n(now + refresh_life)),
            (keys::TTL.to_owned(), n(now + refresh_life + 86_400)),
        ]);
        common(&mut refresh);
        let issued = Issued {
            access_token,
            refresh_token,
            token_type: "Bearer",
            expires_in: self.lifetimes.access,
            expires_at: now + self.lifetimes.access,
            uid: grant.uid,
        };
        (issued, access, refresh)
    }

    /// Issues a new pair: a new family, both records written in one transaction.
    pub async fn issue(&self, grant: &Grant, now: i64) -> Result<Issued, StoreError> {
        let family = uuid::Uuid::new_v4().simple().to_string();
        let (issued, access, refresh) = self.mint(grant, &family, now);
        self.client
            .transact_write_items()
            .transact_items(self.put(access)?)
            .transact_items(self.put(refresh)?)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(issued)
    }

    /// Checks a presented access token: signature and expiry first (a forged token never
    /// reaches DynamoDB), then its record, so that ended sessions end at once.
    pub async fn authenticate(
        &self,
        presented: Option<&str>,
        now: i64,
    ) -> Result<Authenticated, ApiError> {
        let token = presented.ok_or(ErrorKind::TokenMissing)?;
        let claims = self.keys.verify(token)?;
        let uid = claims.uid()?;
        let key = keys::access_token(&claims.jti);
        let record = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, s(key.pk))
            .key(keys::SK, s(key.sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| ApiError::from(sdk_error(e)))?
            .item;
        match record {
            Some(item) if get_n(&item, "token_expires").unwrap_or(0) > now => {
                Ok(Authenticated { uid, claims })
            }
            _ => Err(ErrorKind::TokenExpired.into()),
        }
    }

    /// Rotates a refresh token. A used one is a replay: its family ends and the answer is
    /// the same as for an unknown token.
    pub async fn rotate(&self, refresh_token: &str, now: i64) -> Result<Issued, ApiError> {
        let hash = crypto::sha256_hex(refresh_token);
        let key = keys::refresh_token(&hash);
        let marked = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(&key.pk))
            .key(keys::SK, s(&key.sk))
            .update_expression("SET used = :t, used_at = :now")
            .condition_expression("attribute_exists(pk) AND used = :f AND token_expires > :now")
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
                        let replayed = item
                            .get("used")
                            .and_then(|v| v.as_bool().ok())
                            .copied()
                            .unwrap_or(false);
                        if replayed {
                            if let (Some(uid), Some(family)) =
                                (get_n(item, "uid"), get_s(item, "family"))
                            {
                                tracing::warn!(
                                    uid,
                                    "refresh token replayed; ending its session family"
                                );
                                self.end_family(uid as u64, &family).await?;
                            }
                        }
                    }
                    return Err(ErrorKind::RefreshTokenInvalid.into());
                }
                return Err(ApiError::internal(format!("{:?}", e.err())));
            }
            Err(e) => return Err(sdk_error(e).into()),
        };
        let grant = Grant {
            uid: get_n(&old, "uid")
                .ok_or_else(|| ApiError::internal("refresh record without uid"))?
                as u64,
            client_id: get_s(&old, "client_id").unwrap_or_default(),
            scope: get_s(&old, "scope").unwrap_or_default(),
            remember: old
                .get("remember")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(false),
        };
        let family = get_s(&old, "family").unwrap_or_default();
        let (issued, access, refresh) = self.mint(&grant, &family, now);
        let mut writes = vec![self.put(access)?, self.put(refresh)?];
        if let Some(old_jti) = get_s(&old, "access_jti") {
            let old_access = keys::access_token(&old_jti);
            let delete = Delete::builder()
                .table_name(&self.table)
                .key(keys::PK, s(old_access.pk))
                .key(keys::SK, s(old_access.sk))
                .build()
                .map_err(|e| ApiError::internal(e.to_string()))?;
            writes.push(TransactWriteItem::builder().delete(delete).build());
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
            .map_err(|e| ApiError::from(sdk_error(e)))?;
        Ok(issued)
    }

    /// Ends the session of an access token: the token and every token of its family.
    pub async fn end(&self, auth: &Authenticated) -> Result<(), StoreError> {
        let key = keys::access_token(&auth.claims.jti);
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(keys::PK, s(key.pk))
            .key(keys::SK, s(key.sk))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(sdk_error)?;
        if let Some(family) = out.attributes.as_ref().and_then(|a| get_s(a, "family")) {
            self.end_family(auth.uid, &family).await?;
        }
        Ok(())
    }

    /// Ends every session of a user (after a password reset).
    pub async fn end_all(&self, uid: u64) -> Result<(), StoreError> {
        self.delete_matching(uid, Families::All).await
    }

    /// Ends every session of the user but the one of this access token (after the user
    /// changed the password while signed in).
    pub async fn end_others(&self, auth: &Authenticated) -> Result<(), StoreError> {
        let key = keys::access_token(&auth.claims.jti);
        let record = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, s(key.pk))
            .key(keys::SK, s(key.sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?
            .item;
        match record.as_ref().and_then(|r| get_s(r, "family")) {
            Some(family) => {
                self.delete_matching(auth.uid, Families::AllBut(&family))
                    .await
            }
            None => self.end_all(auth.uid).await,
        }
    }

    async fn end_family(&self, uid: u64, family: &str) -> Result<(), StoreError> {
        self.delete_matching(uid, Families::Only(family)).await
    }

    async fn delete_matching(&self, uid: u64, families: Families<'_>) -> Result<(), StoreError> {
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
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
                    self.client
                        .delete_item()
                        .table_name(&self.table)
                        .key(keys::PK, s(pk))
                        .key(keys::SK, s(sk))
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
