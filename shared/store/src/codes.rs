//! Verification codes: 6 digits, stored as an HMAC, expiring in code (not only by TTL),
//! void after a number of wrong tries, single use. Sending is limited per destination by an
//! interval and an hourly cap, both checked in the same conditional write that stores the new
//! code, so parallel requests cannot overshoot.

use super::attr::{get_n, n, need_s, s};
use super::ports::CodeStore;
use super::table::Table;
use super::{keys, sdk_error, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

/// Limits of code sending and checking.
#[derive(Debug, Clone, Copy)]
pub struct CodePolicy {
    /// Seconds between two sends to one destination.
    pub send_interval: i64,
    /// Sends to one destination per clock hour.
    pub hourly_cap: i64,
    /// Seconds a code stays valid.
    pub lifetime: i64,
    /// Checks of one code, right or wrong, before it is void.
    pub max_attempts: i64,
}

impl Default for CodePolicy {
    fn default() -> Self {
        CodePolicy {
            send_interval: 60,
            hourly_cap: 10,
            lifetime: 600,
            max_attempts: 5,
        }
    }
}

/// Why a code was not stored for sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRefused {
    /// Wait this many seconds.
    Interval(i64),
    /// The hourly cap is reached; the next hour starts in this many seconds.
    HourlyCap(i64),
}

pub struct Codes {
    table: Table,
    pub policy: CodePolicy,
}

impl Codes {
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        table: impl Into<String>,
        policy: CodePolicy,
    ) -> Codes {
        Codes {
            table: Table::new(client, table),
            policy,
        }
    }
}

#[async_trait]
impl CodeStore for Codes {
    fn policy(&self) -> CodePolicy {
        self.policy
    }

    /// Stores `code_hash` as the destination's current code if the limits allow a send now.
    /// Two conditional writes cover the two cases (same hour, or a new hour); the old item
    /// returned by a failed condition says which applies and how long to wait.
    async fn store_for_send(
        &self,
        purpose: &str,
        destination: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<Result<(), SendRefused>, StoreError> {
        let p = self.policy;
        let hour = now / 3600;
        let key = keys::code(purpose, destination);
        let base = || {
            self.table
                .update_item(&key)
                .expression_attribute_values(":h", s(code_hash))
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":exp", n(now + p.lifetime))
                .expression_attribute_values(":ttl", n(now + p.lifetime + 86_400))
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":hour", n(hour))
                .expression_attribute_values(":earliest", n(now - p.send_interval))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
        };
        // A new code: its own count of attempts, and no guesses yet.
        const SET: &str = "REMOVE guesses SET code_hash = :h, code_expires = :exp, attempts = :zero, last_sent = :now, expires_at = :ttl, send_hour = :hour";
        // Same hour: count one more send, within the cap.
        let same_hour = base()
            .update_expression(format!("{SET}, hour_sends = hour_sends + :one"))
            .condition_expression(
                "send_hour = :hour AND last_sent <= :earliest AND hour_sends < :cap",
            )
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(p.hourly_cap))
            .send()
            .await;
        let old = match same_hour {
            Ok(_) => return Ok(Ok(())),
            Err(SdkError::ServiceError(e)) => match e.err() {
                UpdateItemError::ConditionalCheckFailedException(f) => f.item().cloned(),
                other => return Err(StoreError(format!("{other:?}"))),
            },
            Err(e) => return Err(sdk_error(e)),
        };
        if let Some(old) = &old {
            let last = get_n(old, "last_sent").unwrap_or(0);
            if last > now - p.send_interval {
                return Ok(Err(SendRefused::Interval(last + p.send_interval - now)));
            }
            if get_n(old, "send_hour") == Some(hour) {
                return Ok(Err(SendRefused::HourlyCap((hour + 1) * 3600 - now)));
            }
        }
        // No item yet, or a new hour: start the hour's count.
        let new_hour = base()
            .update_expression(format!("{SET}, hour_sends = :one"))
            .condition_expression(
                "attribute_not_exists(pk) OR (send_hour <> :hour AND last_sent <= :earliest)",
            )
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match new_hour {
            Ok(_) => Ok(Ok(())),
            // Someone else sent in between: that send counts as this one's interval.
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(Err(SendRefused::Interval(p.send_interval)))
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// Gives back what [`CodeStore::store_for_send`] took when the code could not be delivered:
    /// the send interval and one of the hour's sends, and the undelivered code is void. Only
    /// while that send is still the latest (`code_hash` and `last_sent` are its own).
    async fn release_send(
        &self,
        purpose: &str,
        destination: &str,
        code_hash: &str,
        sent_at: i64,
    ) -> Result<(), StoreError> {
        let key = keys::code(purpose, destination);
        let released = self
            .table
            .update_item(&key)
            .update_expression(
                "SET last_sent = :zero, hour_sends = hour_sends - :one, code_expires = :zero",
            )
            .condition_expression("code_hash = :h AND last_sent = :sent AND hour_sends >= :one")
            .expression_attribute_values(":h", s(code_hash))
            .expression_attribute_values(":sent", n(sent_at))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match released {
            Ok(_) => Ok(()),
            // Another send has taken its place since: that one counts, as it should.
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(())
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// Checks `code_hash` against the destination's code, counting the attempt. With
    /// `consume`, a right code is used up (once, even under concurrency).
    ///
    /// One conditional update does all of it: it counts the attempt (while fewer than the
    /// limit were made and the code is unexpired), and with `consume` adds the guess to
    /// the item's `guesses`; its condition refuses a code that is among them already. The
    /// update answers the code it counted against, so a right guess has used the code up by
    /// the same write that let it be compared.
    async fn check(
        &self,
        purpose: &str,
        destination: &str,
        code_hash: &str,
        consume: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        let key = keys::code(purpose, destination);
        let update = match consume {
            true => "SET attempts = attempts + :one ADD guesses :guess",
            false => "SET attempts = attempts + :one",
        };
        let counted = self
            .table
            .update_item(&key)
            .update_expression(update)
            .condition_expression(
                "attribute_exists(code_hash) AND attempts < :max AND code_expires > :now \
                 AND NOT contains(guesses, code_hash)",
            )
            // (This sets the whole map: it comes before the values added one by one.)
            .set_expression_attribute_values(consume.then(|| {
                std::collections::HashMap::from([(
                    ":guess".to_owned(),
                    AttributeValue::Ss(vec![code_hash.to_owned()]),
                )])
            }))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(self.policy.max_attempts))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        let item = match counted {
            Ok(out) => out.attributes.unwrap_or_default(),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                return Ok(false)
            }
            Err(e) => return Err(sdk_error(e)),
        };
        let stored = need_s(&item, "code_hash")?;
        Ok(passport_core::crypto::same(&stored, code_hash))
    }
}
