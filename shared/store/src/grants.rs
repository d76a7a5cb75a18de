//! OAuth authorization codes, the pending requests of the hosted sign-in page, pushed
//! authorization requests (RFC 9126) and used client-assertion ids.
//!
//! Codes are 160-bit random, stored only as SHA-256, live at most [`CODE_LIFETIME`] seconds
//! and are redeemed by one conditional write: the first redemption marks the code used;
//! another one finds it used and learns which session family the first one started, so that
//! family can be ended (RFC 6749 §4.1.2).

use super::attr::{get_b, get_n, get_s, n, need_n, need_s, s, Item};
use super::table::{Read, Table};
use super::{keys, sdk_error, StoreError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use passport_core::crypto;
use std::collections::{BTreeMap, HashMap};

/// Seconds an authorization code lives.
pub const CODE_LIFETIME: i64 = 600;
/// Seconds a pending hosted-page request lives.
pub const REQUEST_LIFETIME: i64 = 600;

/// Seconds a pushed authorization request's `request_uri` can be used (RFC 9126 §2.2:
/// short, since the browser goes there at once).
pub const PUSHED_LIFETIME: i64 = 90;

/// Seconds an open-platform auth code can be used.
pub const REST_CODE_LIFETIME: i64 = 600;

/// An open-platform auth code: which client made it, for which user, with which scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestCode {
    pub client_id: String,
    pub uid: u64,
    pub scopes: Vec<String>,
    pub expires_at: i64,
}

/// What a code stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub uid: u64,
    pub scope: String,
    /// The PKCE S256 challenge, when the client sent one.
    pub code_challenge: Option<String>,
    /// OpenID Connect: the request's `nonce`, for the ID token.
    pub nonce: Option<String>,
    /// When the user signed in for this code (the ID token's `auth_time`).
    pub auth_time: Option<i64>,
    /// The browser session it was issued in (the ID token's `sid`), at the hosted pages.
    pub sid: Option<String>,
    /// The claims the ID token carries besides who (OpenID Connect's `claims` parameter).
    pub id_token_claims: Vec<String>,
}

/// Why a code was not redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRefused {
    /// Unknown or expired.
    Invalid,
    /// Used before: the session family its first redemption started (if it got that far).
    Replayed { uid: u64, family: Option<String> },
}

/// An authorization request waiting on the hosted page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PendingRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    /// Set once the user has signed in on the page.
    pub uid: Option<u64>,
    /// The client's name as the page shows it (kept with the request, so that the sign-in
    /// step need not read the client again; absent in requests opened before it was kept).
    pub client_name: Option<String>,
    /// The client's logo as the consent page shows it (kept with the name).
    pub client_logo: Option<String>,
    /// OpenID Connect: the request's `nonce`.
    pub nonce: Option<String>,
    /// When the user signed in on the page (set with `uid`).
    pub auth_time: Option<i64>,
    /// The browser session the user is signed in with (set with `uid`).
    pub sid: Option<String>,
    /// The SHA-256 of the binding cookie of the browser that opened the request: its forms
    /// are taken from that browser only (no login CSRF).
    pub browser: Option<String>,
    /// The claims the ID token is to carry (OpenID Connect's `claims` parameter).
    pub id_token_claims: Vec<String>,
}

/// A pending request's item, decoded (every required attribute must be there).
fn pending_from(i: &Item) -> Result<PendingRequest, StoreError> {
    Ok(PendingRequest {
        client_id: need_s(i, "client_id")?,
        redirect_uri: need_s(i, "redirect_uri")?,
        scope: need_s(i, "scope")?,
        state: get_s(i, "state"),
        code_challenge: get_s(i, "code_challenge"),
        uid: get_n(i, "uid").map(|u| u as u64),
        client_name: get_s(i, "client_name"),
        client_logo: get_s(i, "client_logo"),
        nonce: get_s(i, "nonce"),
        auth_time: get_n(i, "auth_time"),
        sid: get_s(i, "sid"),
        browser: get_s(i, "browser"),
        id_token_claims: names_of(i, "id_token_claims"),
    })
}

pub struct Grants {
    table: Table,
}

/// Claim names, kept space-separated (none: no attribute).
fn names(item: &mut Item, k: &str, names: &[String]) {
    if !names.is_empty() {
        item.insert(k.to_owned(), s(names.join(" ")));
    }
}

fn names_of(item: &Item, k: &str) -> Vec<String> {
    get_s(item, k)
        .map(|v| {
            v.split(' ')
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn opt(item: &mut Item, k: &str, v: &Option<String>) {
    if let Some(v) = v {
        item.insert(k.to_owned(), s(v));
    }
}

impl Grants {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Grants {
        Grants {
            table: Table::new(client, table),
        }
    }

    /// Stores a new code for `grant` and returns it.
    pub async fn issue_code(&self, grant: &CodeGrant, now: i64) -> Result<String, StoreError> {
        let code = crypto::random_hex(20);
        let key = keys::auth_code(&crypto::sha256_hex(&code));
        let mut item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            ("type".to_owned(), s("auth_code")),
            ("client_id".to_owned(), s(&grant.client_id)),
            ("redirect_uri".to_owned(), s(&grant.redirect_uri)),
            ("uid".to_owned(), n(grant.uid)),
            ("scope".to_owned(), s(&grant.scope)),
            ("used".to_owned(), AttributeValue::Bool(false)),
            ("code_expires".to_owned(), n(now + CODE_LIFETIME)),
            (keys::TTL.to_owned(), n(now + CODE_LIFETIME + 86_400)),
        ]);
        opt(&mut item, "code_challenge", &grant.code_challenge);
        opt(&mut item, "nonce", &grant.nonce);
        opt(&mut item, "sid", &grant.sid);
        names(&mut item, "id_token_claims", &grant.id_token_claims);
        if let Some(at) = grant.auth_time {
            item.insert("auth_time".to_owned(), n(at));
        }
        self.table.insert(item).await?;
        Ok(code)
    }

    /// Redeems a code, once.
    pub async fn redeem_code(
        &self,
        code: &str,
        now: i64,
    ) -> Result<Result<CodeGrant, CodeRefused>, StoreError> {
        let key = keys::auth_code(&crypto::sha256_hex(code.trim()));
        let out = self
            .table
            .update_item(&key)
            .update_expression("SET used = :t, used_at = :now")
            .condition_expression("attribute_exists(pk) AND used = :f AND code_expires > :now")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .expression_attribute_values(":f", AttributeValue::Bool(false))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match out {
            Ok(out) => {
                let item = out.attributes.unwrap_or_default();
                Ok(Ok(CodeGrant {
                    client_id: need_s(&item, "client_id")?,
                    redirect_uri: need_s(&item, "redirect_uri")?,
                    uid: need_n(&item, "uid")?,
                    scope: need_s(&item, "scope")?,
                    code_challenge: get_s(&item, "code_challenge"),
                    nonce: get_s(&item, "nonce"),
                    auth_time: get_n(&item, "auth_time"),
                    sid: get_s(&item, "sid"),
                    id_token_claims: names_of(&item, "id_token_claims"),
                }))
            }
            Err(e) => {
                let Some(service) = e.as_service_error() else {
                    return Err(sdk_error(e));
                };
                if let aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(f) = service {
                    return Ok(Err(match f.item() {
                        Some(item) if get_b(item, "used") => CodeRefused::Replayed {
                            uid: need_n(item, "uid")?,
                            family: get_s(item, "family"),
                        },
                        _ => CodeRefused::Invalid,
                    }));
                }
                Err(sdk_error(e))
            }
        }
    }

    /// Records the session family a redeemed code started (what a replay ends).
    pub async fn record_family(&self, code: &str, family: &str) -> Result<(), StoreError> {
        let key = keys::auth_code(&crypto::sha256_hex(code.trim()));
        self.table
            .update_item(&key)
            .update_expression("SET #f = :f")
            .expression_attribute_names("#f", "family")
            .expression_attribute_values(":f", s(family))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// A new open-platform auth code (usable until it expires, by its client, for its user).
    pub async fn issue_rest_code(&self, code: &RestCode) -> Result<String, StoreError> {
        let secret = crypto::random_hex(20);
        let key = keys::rest_code(&crypto::sha256_hex(&secret));
        self.table
            .put_item()
            .item(keys::PK, s(key.pk))
            .item(keys::SK, s(key.sk))
            .item("type", s("rest_code"))
            .item("client_id", s(&code.client_id))
            .item("uid", n(code.uid))
            .item(
                "scopes",
                AttributeValue::L(code.scopes.iter().map(s).collect()),
            )
            .item("code_expires", n(code.expires_at))
            .item(keys::TTL, n(code.expires_at + 86_400))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(secret)
    }

    /// An open-platform auth code as stored (expired ones too: the caller says which).
    pub async fn rest_code(&self, code: &str) -> Result<Option<RestCode>, StoreError> {
        let key = keys::rest_code(&crypto::sha256_hex(code.trim()));
        let item = self.table.get(&key, Read::Eventual).await?;
        let Some(i) = item else { return Ok(None) };
        let scopes = match i.get("scopes").map(|v| v.as_l()) {
            Some(Ok(list)) => list.iter().filter_map(|v| v.as_s().ok().cloned()).collect(),
            _ => return Err(StoreError("rest code without its scopes".into())),
        };
        Ok(Some(RestCode {
            client_id: need_s(&i, "client_id")?,
            uid: need_n(&i, "uid")?,
            scopes,
            expires_at: need_n(&i, "code_expires")?,
        }))
    }

    /// Stores a pending request; returns its id (a bearer secret of the browser's page).
    pub async fn open_request(
        &self,
        request: &PendingRequest,
        now: i64,
    ) -> Result<String, StoreError> {
        let id = crypto::random_secret(32);
        let key = keys::auth_request(&crypto::sha256_hex(&id));
        let mut item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            ("type".to_owned(), s("auth_request")),
            ("client_id".to_owned(), s(&request.client_id)),
            ("redirect_uri".to_owned(), s(&request.redirect_uri)),
            ("scope".to_owned(), s(&request.scope)),
            ("request_expires".to_owned(), n(now + REQUEST_LIFETIME)),
            (keys::TTL.to_owned(), n(now + REQUEST_LIFETIME + 3600)),
        ]);
        opt(&mut item, "state", &request.state);
        opt(&mut item, "code_challenge", &request.code_challenge);
        opt(&mut item, "client_name", &request.client_name);
        opt(&mut item, "client_logo", &request.client_logo);
        opt(&mut item, "nonce", &request.nonce);
        opt(&mut item, "browser", &request.browser);
        names(&mut item, "id_token_claims", &request.id_token_claims);
        // Opened for a browser that is signed in already (single sign-on): the consent page
        // comes next.
        if let (Some(uid), Some(auth_time)) = (request.uid, request.auth_time) {
            item.insert("uid".to_owned(), n(uid));
            item.insert("auth_time".to_owned(), n(auth_time));
            opt(&mut item, "sid", &request.sid);
        }
        self.table.put(item).await?;
        Ok(id)
    }

    /// A pending request that has not expired.
    pub async fn request(&self, id: &str, now: i64) -> Result<Option<PendingRequest>, StoreError> {
        let key = keys::auth_request(&crypto::sha256_hex(id));
        let item = self.table.get(&key, Read::Consistent).await?;
        let Some(i) = item else { return Ok(None) };
        if need_n::<i64>(&i, "request_expires")? <= now {
            return Ok(None);
        }
        pending_from(&i).map(Some)
    }

    /// Records who signed in on the page of a pending request, in which browser session
    /// (`sid`), while it is live and was opened by the browser whose binding hashes to
    /// `browser`: the request as it is now, or `None` when it has expired, is gone or is
    /// another browser's. One conditional update (no read first).
    pub async fn sign_in_request(
        &self,
        id: &str,
        uid: u64,
        sid: &str,
        browser: &str,
        now: i64,
    ) -> Result<Option<PendingRequest>, StoreError> {
        let key = keys::auth_request(&crypto::sha256_hex(id));
        let marked = self
            .table
            .update_item(&key)
            .update_expression("SET uid = :u, auth_time = :now, sid = :sid")
            .condition_expression(
                "attribute_exists(pk) AND request_expires > :now AND browser = :browser",
            )
            .expression_attribute_values(":u", n(uid))
            .expression_attribute_values(":browser", s(browser))
            .expression_attribute_values(":sid", s(sid))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match marked {
            Ok(out) => pending_from(&out.attributes.unwrap_or_default()).map(Some),
            Err(e) if crate::condition_failed(&e) => Ok(None),
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// Keeps the parameters of a pushed authorization request (RFC 9126) of `client_id`
    /// for [`PUSHED_LIFETIME`] seconds; returns the id of its `request_uri`.
    pub async fn push_request(
        &self,
        client_id: &str,
        params: &BTreeMap<String, String>,
        now: i64,
    ) -> Result<String, StoreError> {
        let id = crypto::random_secret(32);
        let key = keys::pushed_request(&crypto::sha256_hex(&id));
        let item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            ("type".to_owned(), s("pushed_request")),
            ("client_id".to_owned(), s(client_id)),
            (
                "params".to_owned(),
                AttributeValue::M(params.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
            ),
            ("request_expires".to_owned(), n(now + PUSHED_LIFETIME)),
            (keys::TTL.to_owned(), n(now + PUSHED_LIFETIME + 3600)),
        ]);
        self.table.insert(item).await?;
        Ok(id)
    }

    /// Takes a pushed request of `client_id` once (RFC 9126 §4: a `request_uri` is for one
    /// use), by one conditional delete: its parameters, or `None` when it is unknown, used,
    /// expired or another client's (which leaves it be).
    pub async fn pull_request(
        &self,
        id: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Option<BTreeMap<String, String>>, StoreError> {
        let key = keys::pushed_request(&crypto::sha256_hex(id));
        let taken = self
            .table
            .delete_item(&key)
            .condition_expression("client_id = :c AND request_expires > :now")
            .expression_attribute_values(":c", s(client_id))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let item = match taken {
            Ok(out) => out.attributes.unwrap_or_default(),
            Err(e) if crate::condition_failed(&e) => return Ok(None),
            Err(e) => return Err(sdk_error(e)),
        };
        let params = item
            .get("params")
            .and_then(|v| v.as_m().ok())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_s().ok()?.clone())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(params))
    }

    /// Takes a client assertion's `jti` (`private_key_jwt`) once: `false` when it was taken
    /// before (a replay). The item lives until the assertion has expired (DynamoDB's TTL
    /// then deletes it; the assertion's own `exp` refuses it from then on).
    pub async fn spend_assertion(
        &self,
        client_id: &str,
        jti: &str,
        exp: i64,
    ) -> Result<bool, StoreError> {
        let key = keys::assertion(&crypto::sha256_hex(&format!("{client_id}\n{jti}")));
        let item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            ("type".to_owned(), s("client_assertion")),
            (keys::TTL.to_owned(), n(exp + 120)),
        ]);
        self.table.insert_if_free(item).await
    }

    /// Ends a pending request (consent given or refused); false when it was already gone,
    /// so a decision is acted on once.
    pub async fn close_request(&self, id: &str) -> Result<bool, StoreError> {
        let key = keys::auth_request(&crypto::sha256_hex(id));
        Ok(self.table.take(&key).await?.is_some())
    }
}
