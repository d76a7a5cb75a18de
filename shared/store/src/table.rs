//! The one table and the operations every repository runs on it: reads and puts
//! by [`Key`], the builders of the other operations with the table (and the key)
//! already set, and the parts of transactions. A repository holds a [`Table`]; none names
//! the table or builds a key attribute by hand.

use crate::attr::{s, Item};
use crate::keys::{self, Key};
use crate::{sdk_error, StoreError};
use aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder;
use aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use std::sync::Arc;

/// How a read sees the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Every write acknowledged before it (what checks of tokens, codes and limits need).
    Consistent,
    /// Possibly a moment behind, at half the cost.
    Eventual,
}

#[derive(Debug, Clone)]
pub struct Table {
    client: Client,
    name: Arc<str>,
}

impl Table {
    pub fn new(client: Client, name: impl Into<String>) -> Table {
        Table {
            client,
            name: Arc::from(name.into()),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The item at `key`, if any.
    pub async fn get(&self, key: &Key, read: Read) -> Result<Option<Item>, StoreError> {
        Ok(self
            .client
            .get_item()
            .table_name(self.name())
            .key(keys::PK, s(&key.pk))
            .key(keys::SK, s(&key.sk))
            .consistent_read(read == Read::Consistent)
            .send()
            .await
            .map_err(sdk_error)?
            .item)
    }

    /// An update of the item at `key` (expressions, conditions and return values to add).
    pub fn update_item(&self, key: &Key) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(self.name())
            .key(keys::PK, s(&key.pk))
            .key(keys::SK, s(&key.sk))
    }

    /// Deletes the item at `key` and answers what it held (`None`: there was none), in one
    /// request: a delete that must act once (a code, a request, a session) learns whether
    /// it did.
    pub async fn take(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let out = self
            .delete_item(key)
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out.attributes.filter(|a| !a.is_empty()))
    }

    /// A delete of the item at `key`, for a condition or return values to add.
    pub fn delete_item(&self, key: &Key) -> DeleteItemFluentBuilder {
        self.client
            .delete_item()
            .table_name(self.name())
            .key(keys::PK, s(&key.pk))
            .key(keys::SK, s(&key.sk))
    }

    /// A put (of an item that carries its key).
    pub fn put_item(&self) -> PutItemFluentBuilder {
        self.client.put_item().table_name(self.name())
    }

    /// Stores `item`, replacing whatever its key held.
    pub async fn put(&self, item: Item) -> Result<(), StoreError> {
        self.put_item()
            .set_item(Some(item))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Stores `item`, which must be new: an existing item at its key is a storage error
    /// (keys of new items are random or counted, so a collision is ours, never the caller's).
    pub async fn insert(&self, item: Item) -> Result<(), StoreError> {
        match self.insert_if_free(item).await? {
            true => Ok(()),
            false => Err(StoreError("a new item's key is taken".into())),
        }
    }

    /// Stores `item` if its key is free: `false` (and nothing written) when it is taken.
    pub async fn insert_if_free(&self, item: Item) -> Result<bool, StoreError> {
        let put = self
            .put_item()
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e) if crate::condition_failed(&e) => Ok(false),
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// Every item listed under one `gsi1` partition, page by page (for partitions that stay
    /// small: a user's sessions, the clients, one shard of an hour's quotas).
    pub async fn index_items(&self, partition: &str) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .query()
                .index_name(keys::GSI1)
                .key_condition_expression("gsi1pk = :p")
                .expression_attribute_values(":p", s(partition))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            items.extend(page.items().iter().cloned());
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }

    pub fn query(&self) -> QueryFluentBuilder {
        self.client.query().table_name(self.name())
    }

    /// A transaction's put of an item that must not exist yet.
    pub fn put_new(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(self.name())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Writes `writes` in one transaction (all or none).
    pub async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// A transaction's delete of the item at `key`.
    pub fn delete_in_transaction(&self, key: &Key) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(self.name())
            .key(keys::PK, s(&key.pk))
            .key(keys::SK, s(&key.sk))
            .build()
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }
}
