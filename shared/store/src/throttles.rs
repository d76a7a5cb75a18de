//! Abuse-limit counters: one item per (action, source), counting attempts in a window that
//! starts at the source's first attempt and lasts the rate's `per` seconds.
//!
//! An attempt is counted by one conditional update, `hits + 1` only while the window is
//! open and `hits < count`, so however many attempts race, exactly `count` are let through
//! in a window. A source without an open window starts one (a second conditional write
//! that only one racer wins; the others count in the window it started). Items expire by
//! the TTL a minute after their window ends.

use super::attr::{get_n, n};
use super::table::Table;
use super::{keys, refused_update, StoreError};
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use passport_core::limits::Rate;

/// The outcome of counting an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// Counted within the limit.
    Admitted,
    /// The window's attempts are used up; it ends in this many seconds.
    Refused { retry_after: i64 },
}

pub struct Throttles {
    table: Table,
}

impl Throttles {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Throttles {
        Throttles {
            table: Table::new(client, table),
        }
    }

    /// Counts one attempt of `action` from `source` against `rate`.
    pub async fn hit(
        &self,
        action: &str,
        source: &str,
        rate: Rate,
        now: i64,
    ) -> Result<Throttled, StoreError> {
        let key = keys::throttle(action, source);
        // Two rounds at most: a window started by a racer between this attempt's two writes
        // is open when the first write runs again.
        for _ in 0..2 {
            let counted = self
                .table
                .update_item(&key)
                .update_expression("SET hits = hits + :one")
                .condition_expression("window_end > :now AND hits < :count")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":count", n(rate.count))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .send()
                .await;
            let old = match counted {
                Ok(_) => return Ok(Throttled::Admitted),
                Err(e) => refused_update(e)?,
            };
            if let Some(end) = old.as_ref().and_then(|o| get_n(o, "window_end")) {
                if end > now {
                    return Ok(Throttled::Refused {
                        retry_after: end - now,
                    });
                }
            }
            let end = now + rate.per;
            let started = self
                .table
                .update_item(&key)
                .update_expression("SET hits = :one, window_end = :end, expires_at = :ttl")
                .condition_expression("attribute_not_exists(pk) OR window_end <= :now")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":end", n(end))
                .expression_attribute_values(":ttl", n(end + 60))
                .send()
                .await;
            match started {
                Ok(_) => return Ok(Throttled::Admitted),
                Err(e) => {
                    refused_update(e)?;
                }
            }
        }
        // Windows ended and were started again by racers within this one attempt: it counts
        // as refused, to be tried again at once.
        Ok(Throttled::Refused { retry_after: 1 })
    }
}
