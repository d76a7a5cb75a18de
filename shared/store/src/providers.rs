//! Upstream identity providers (issue 20): the OpenID Connect providers a user may sign in
//! with from the hosted sign-in page, registered by the operator CLI. A provider's id is
//! the SNS channel its identities are bound under (`sns_<id>` on the account, a guard item
//! per identity), so the documents' `snsreg` and `unbind` speak of them by that name.
//!
//! The client secret Passport holds at the provider is not stored here: only the ARN of its
//! Secrets Manager secret. The list is read for every sign-in page (one query, beside the
//! request's own check), so a provider an operator adds shows at once.

use super::attr::{get_s, n, need_n, need_s, s, Item};
use super::table::{Read, Table};
use super::{keys, StoreError};
use std::collections::HashMap;

/// An OpenID Connect provider: its issuer (discovery at
/// `<issuer>/.well-known/openid-configuration`) and Passport's client there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// 2 to 20 lower-case letters or digits: the SNS channel of its identities.
    pub id: String,
    /// What the sign-in page's button says ("Sign in with <name>").
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// The Secrets Manager secret that holds Passport's client secret there.
    pub secret_arn: String,
    /// The scopes asked for (`openid` among them).
    pub scopes: Vec<String>,
    pub created_at: i64,
}

fn provider_from(item: &Item) -> Result<Provider, StoreError> {
    let scopes = get_s(item, "scopes").unwrap_or_else(|| "openid email profile".to_owned());
    Ok(Provider {
        id: need_s(item, "provider_id")?,
        name: need_s(item, "name")?,
        issuer: need_s(item, "issuer")?,
        client_id: need_s(item, "client_id")?,
        secret_arn: need_s(item, "secret_arn")?,
        scopes: scopes.split(' ').map(str::to_owned).collect(),
        created_at: need_n(item, "created_at")?,
    })
}

pub struct Providers {
    table: Table,
}

impl Providers {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Providers {
        Providers {
            table: Table::new(client, table),
        }
    }

    /// Registers a provider; fails if its id is taken.
    pub async fn create(&self, p: &Provider) -> Result<(), StoreError> {
        let key = keys::provider(&p.id);
        let item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            (keys::GSI1_PK.to_owned(), s(keys::PROVIDERS_INDEX)),
            (keys::GSI1_SK.to_owned(), s(&p.id)),
            ("type".to_owned(), s("provider")),
            ("provider_id".to_owned(), s(&p.id)),
            ("name".to_owned(), s(&p.name)),
            ("issuer".to_owned(), s(&p.issuer)),
            ("client_id".to_owned(), s(&p.client_id)),
            ("secret_arn".to_owned(), s(&p.secret_arn)),
            ("scopes".to_owned(), s(p.scopes.join(" "))),
            ("created_at".to_owned(), n(p.created_at)),
        ]);
        self.table.insert(item).await?;
        Ok(())
    }

    /// Every provider, by id (one query of the index, which only operators write).
    pub async fn list(&self) -> Result<Vec<Provider>, StoreError> {
        let items = self.table.index_items(keys::PROVIDERS_INDEX).await?;
        let mut list = items
            .iter()
            .map(provider_from)
            .collect::<Result<Vec<_>, _>>()?;
        list.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(list)
    }

    /// One provider, by its key.
    pub async fn get(&self, id: &str) -> Result<Option<Provider>, StoreError> {
        if id.is_empty() || id.len() > 64 {
            return Ok(None);
        }
        let item = self.table.get(&keys::provider(id), Read::Eventual).await?;
        item.as_ref().map(provider_from).transpose()
    }
}

/// An upstream sign-in under way: the hosted request it answers and what the callback
/// checks (the browser's binding, the ID token's nonce, the PKCE verifier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamLogin {
    pub provider: String,
    pub request_id: String,
    pub nonce: String,
    pub verifier: String,
    /// The SHA-256 of the browser's binding cookie.
    pub browser: String,
    /// The language of the page it started from (`en` or `zh`), for the pages after.
    pub lang: String,
}

/// Seconds an upstream sign-in may take.
pub const UPSTREAM_LIFETIME: i64 = 600;

impl Providers {
    /// Keeps an upstream sign-in; returns its `state` (a bearer secret of the browser).
    pub async fn open_login(&self, login: &UpstreamLogin, now: i64) -> Result<String, StoreError> {
        let state = passport_core::crypto::random_secret(32);
        let key = keys::upstream_login(&passport_core::crypto::sha256_hex(&state));
        let item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            ("type".to_owned(), s("upstream_login")),
            ("provider".to_owned(), s(&login.provider)),
            ("request_id".to_owned(), s(&login.request_id)),
            ("nonce".to_owned(), s(&login.nonce)),
            ("verifier".to_owned(), s(&login.verifier)),
            ("browser".to_owned(), s(&login.browser)),
            ("lang".to_owned(), s(&login.lang)),
            ("login_expires".to_owned(), n(now + UPSTREAM_LIFETIME)),
            (keys::TTL.to_owned(), n(now + UPSTREAM_LIFETIME + 3600)),
        ]);
        self.table.insert(item).await?;
        Ok(state)
    }

    /// Takes an upstream sign-in by its `state`, once: `None` when unknown, used or expired.
    pub async fn take_login(
        &self,
        state: &str,
        now: i64,
    ) -> Result<Option<UpstreamLogin>, StoreError> {
        let key = keys::upstream_login(&passport_core::crypto::sha256_hex(state));
        let Some(item) = self.table.take(&key).await? else {
            return Ok(None);
        };
        if need_n::<i64>(&item, "login_expires")? <= now {
            return Ok(None);
        }
        Ok(Some(UpstreamLogin {
            provider: need_s(&item, "provider")?,
            request_id: need_s(&item, "request_id")?,
            nonce: need_s(&item, "nonce")?,
            verifier: need_s(&item, "verifier")?,
            browser: need_s(&item, "browser")?,
            lang: get_s(&item, "lang").unwrap_or_else(|| "en".to_owned()),
        }))
    }
}
