//! Captcha answers: stored as an HMAC with a short expiry (checked in code, TTL for
//! clean-up), keyed by the SHA-256 of the client's captcha key and the scenario, single use.

use super::attr::{n, need_n, need_s, s};
use super::ports::CaptchaStore;
use super::table::{Read, Table};
use super::{keys, StoreError};
use async_trait::async_trait;
use std::collections::HashMap;

pub struct Captchas {
    table: Table,
}

impl Captchas {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Captchas {
        Captchas {
            table: Table::new(client, table),
        }
    }
}

#[async_trait]
impl CaptchaStore for Captchas {
    /// Stores a new answer, replacing any earlier one for the same key and scenario.
    async fn put(
        &self,
        key_hash: &str,
        scenario: &str,
        answer_hash: &str,
        expires: i64,
    ) -> Result<(), StoreError> {
        let key = keys::captcha(key_hash, scenario);
        self.table
            .put(HashMap::from([
                (keys::PK.to_owned(), s(key.pk)),
                (keys::SK.to_owned(), s(key.sk)),
                ("type".to_owned(), s("captcha")),
                ("answer_hash".to_owned(), s(answer_hash)),
                ("captcha_expires".to_owned(), n(expires)),
                (keys::TTL.to_owned(), n(expires + 3600)),
            ]))
            .await
    }

    /// Whether `answer_hash` is the stored answer. With `consume` the answer is deleted in the
    /// same call whatever the outcome, so each captcha is checked once.
    async fn check(
        &self,
        key_hash: &str,
        scenario: &str,
        answer_hash: &str,
        consume: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        let key = keys::captcha(key_hash, scenario);
        let item = if consume {
            self.table.take(&key).await?
        } else {
            self.table.get(&key, Read::Consistent).await?
        };
        let Some(item) = item else { return Ok(false) };
        let expires: i64 = need_n(&item, "captcha_expires")?;
        let stored = need_s(&item, "answer_hash")?;
        Ok(expires > now && passport_core::crypto::same(&stored, answer_hash))
    }
}
