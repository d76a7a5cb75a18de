//! Per-client hourly quotas, one counter item per (client, API, hour).
//!
//! A call is counted by one conditional update: `hits + 1` only while `hits < limit`, so
//! however many calls race, exactly `limit` are counted and the rest refused. The hour is
//! part of the key, so a new hour starts from zero by itself: enforcement never waits for a
//! reset. Resets are extra: an operator's reset (after a plan change) deletes a client's
//! current windows, and the hourly sweep deletes the items of ended hours (the TTL would,
//! later).

use super::attr::{get_n, get_s, n, s};
use super::table::Table;
use super::{keys, sdk_error, StoreError};
use aws_sdk_dynamodb::types::ReturnValue;

/// How many index partitions the sweep reads at once.
pub const SWEEP_PARALLEL: usize = 32;

/// The hour `now` falls in.
pub fn window(now: i64) -> i64 {
    now.div_euclid(3600)
}

/// The outcome of counting a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// Counted; this many calls remain in the hour.
    Counted { remaining: u32 },
    /// The hour's quota is used up.
    Exhausted,
    /// No such client (any more): deleted or disabled by an operator.
    NoClient,
}

pub struct Quotas {
    table: Table,
}

impl Quotas {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Quotas {
        Quotas {
            table: Table::new(client, table),
        }
    }

    /// Counts one call of `client_id` to `api` against `limit` per hour.
    pub async fn hit(
        &self,
        client_id: &str,
        api: &str,
        limit: u32,
        now: i64,
    ) -> Result<Hit, StoreError> {
        let w = window(now);
        let key = keys::quota_window(client_id, api, w);
        let out = self
            .table
            .update_item(&key)
            .update_expression(
                "SET hits = if_not_exists(hits, :zero) + :one, api = :api, #w = :w, \
                 gsi1pk = :g, gsi1sk = :k, expires_at = :ttl",
            )
            .condition_expression("attribute_not_exists(hits) OR hits < :limit")
            .expression_attribute_names("#w", "window")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":api", s(api))
            .expression_attribute_values(":w", n(w))
            .expression_attribute_values(":g", s(keys::quota_windows(w, client_id)))
            .expression_attribute_values(":k", s(format!("{client_id}#{api}")))
            .expression_attribute_values(":ttl", n((w + 2) * 3600))
            .expression_attribute_values(":limit", n(limit))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match out {
            Ok(out) => {
                let hits = out
                    .attributes
                    .as_ref()
                    .and_then(|a| get_n(a, "hits"))
                    .unwrap_or(1);
                Ok(Hit::Counted {
                    remaining: (i64::from(limit) - hits).max(0) as u32,
                })
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(Hit::Exhausted)
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// The calls counted this hour, per API, for one client.
    pub async fn used(&self, client_id: &str, now: i64) -> Result<Vec<(String, u32)>, StoreError> {
        let w = window(now);
        let page = self
            .table
            .query()
            .key_condition_expression("pk = :p AND begins_with(sk, :w)")
            .expression_attribute_values(":p", s(format!("QUOTA#{client_id}")))
            .expression_attribute_values(":w", s(format!("{w}#")))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(page
            .items()
            .iter()
            .filter_map(|i| Some((get_s(i, "api")?, get_n(i, "hits")? as u32)))
            .collect())
    }

    /// An operator's reset: the client's counters of this hour (of one API, or all) start
    /// again from zero. Returns how many counters were reset.
    pub async fn reset(
        &self,
        client_id: &str,
        api: Option<&str>,
        now: i64,
    ) -> Result<usize, StoreError> {
        let w = window(now);
        let prefix = match api {
            Some(api) => keys::quota_window(client_id, api, w).sk,
            None => format!("{w}#"),
        };
        let page = self
            .table
            .query()
            .key_condition_expression("pk = :p AND begins_with(sk, :w)")
            .expression_attribute_values(":p", s(format!("QUOTA#{client_id}")))
            .expression_attribute_values(":w", s(prefix))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        let mut count = 0;
        for item in page.items() {
            // A window of another API whose name merely starts with `api` is not this one.
            if api.is_some_and(|a| get_s(item, "api").as_deref() != Some(a)) {
                continue;
            }
            self.delete(item).await?;
            count += 1;
        }
        Ok(count)
    }

    /// The hourly sweep: deletes the counters of the `hours` ended hours before `now`'s
    /// (each hour's items are listed under [`keys::QUOTA_SHARDS`] index partitions, read
    /// [`SWEEP_PARALLEL`] at a time).
    pub async fn sweep(&self, now: i64, hours: i64) -> Result<usize, StoreError> {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        let current = window(now);
        let partitions: Vec<String> = ((current - hours)..current)
            .flat_map(|w| (0..keys::QUOTA_SHARDS).map(move |shard| keys::quota_shard(w, shard)))
            .collect();
        let counts: Vec<usize> = stream::iter(partitions)
            .map(|partition| async move { self.sweep_partition(&partition).await })
            .buffer_unordered(SWEEP_PARALLEL)
            .try_collect()
            .await?;
        Ok(counts.into_iter().sum())
    }

    /// Deletes every quota item listed under one index partition.
    async fn sweep_partition(&self, partition: &str) -> Result<usize, StoreError> {
        let items = self.table.index_items(partition).await?;
        let deletes = items.iter().map(|item| self.delete(item));
        for deleted in futures_util::future::join_all(deletes).await {
            deleted?;
        }
        Ok(items.len())
    }

    async fn delete(&self, item: &super::attr::Item) -> Result<(), StoreError> {
        let (Some(pk), Some(sk)) = (get_s(item, keys::PK), get_s(item, keys::SK)) else {
            return Ok(());
        };
        self.table
            .delete_item(&keys::Key { pk, sk })
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quota_items_of_one_hour_spread_over_the_shards() {
        use crate::keys::{quota_shard, quota_windows, QUOTA_SHARDS};
        let partitions: std::collections::BTreeSet<String> = (0..1000)
            .map(|i| quota_windows(7, &format!("client-{i}")))
            .collect();
        let all: std::collections::BTreeSet<String> =
            (0..QUOTA_SHARDS).map(|s| quota_shard(7, s)).collect();
        // Every shard is used, and nothing lands outside the shards the sweep reads.
        assert_eq!(partitions, all);
        // A client stays on its shard.
        assert_eq!(quota_windows(7, "abc"), quota_windows(7, "abc"));
    }

    #[test]
    fn windows_are_hours() {
        assert_eq!(super::window(0), 0);
        assert_eq!(super::window(3599), 0);
        assert_eq!(super::window(3600), 1);
    }
}
