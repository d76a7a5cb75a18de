//! Plain records (messages, events, push logs, FAQ entries, feedback): JSON objects stored as
//! DynamoDB maps of their fields, numbered by time-ordered ids ([`passport_core::ids`]),
//! listed by queries (of the table or of `gsi1`), never by scans, and paged in the center
//! dialect's shape.

use super::attr::{s, Item};
use super::table::{Read, Table};
use super::{keys, sdk_error, StoreError};
use aws_sdk_dynamodb::types::builders::{DeleteBuilder, PutBuilder};
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValue, Select, TransactWriteItem,
};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A JSON value as an attribute.
pub fn to_attr(v: &Value) -> AttributeValue {
    match v {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(x) => AttributeValue::N(x.to_string()),
        Value::String(t) => AttributeValue::S(t.clone()),
        Value::Array(a) => AttributeValue::L(a.iter().map(to_attr).collect()),
        Value::Object(o) => {
            AttributeValue::M(o.iter().map(|(k, v)| (k.clone(), to_attr(v))).collect())
        }
    }
}

/// An attribute as a JSON value.
pub fn from_attr(a: &AttributeValue) -> Value {
    match a {
        AttributeValue::S(t) => Value::String(t.clone()),
        AttributeValue::N(x) => x
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| {
                x.parse::<f64>().map(|f| {
                    Number::from_f64(f)
                        .map(Value::Number)
                        .unwrap_or(Value::Null)
                })
            })
            .unwrap_or(Value::Null),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::L(l) => Value::Array(l.iter().map(from_attr).collect()),
        AttributeValue::M(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), from_attr(v))).collect())
        }
        _ => Value::Null,
    }
}

/// A page of records in the center dialect's shape.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Page {
    pub total: u64,
    pub pages: u64,
    pub current_page: u32,
    pub page_size: u32,
    pub data: Vec<Value>,
}

/// Which page: 1-based number and size (defaults 1 and 20, size capped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub number: u32,
    pub size: u32,
}

impl PageRequest {
    pub fn new(number: Option<u32>, size: Option<u32>) -> PageRequest {
        PageRequest {
            number: number.unwrap_or(1).max(1),
            size: size.unwrap_or(20).clamp(1, MAX_PAGE_SIZE),
        }
    }
}

/// Where a listing lives: a partition of the table (sort keys starting with a prefix) or of
/// `gsi1` (optionally with a sort-key range).
#[derive(Debug, Clone)]
pub enum Listing {
    Table {
        pk: String,
        sk_prefix: String,
    },
    Index {
        pk: String,
        after: Option<String>,
    },
    /// `gsi1` sort keys from `from` to `to`, inclusive.
    IndexRange {
        pk: String,
        from: String,
        to: String,
    },
}

/// One write of a transaction ([`Records::transact`]).
pub enum Step {
    Put(PutBuilder),
    Delete(DeleteBuilder),
    /// A write built elsewhere (an audit entry, [`crate::audit::step`]).
    Item(Box<TransactWriteItem>),
}

/// A record built from a JSON object literal.
pub fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(o) => o,
        _ => Map::new(),
    }
}

pub struct Records {
    table: Table,
}

/// A condition on a record's fields for [`Records::update_checked`]: the expression (the
/// record is `#r`), the attribute names it uses and its string values.
pub struct Check<'a> {
    pub condition: &'a str,
    pub names: &'a [(&'a str, &'a str)],
    pub values: &'a [(&'a str, String)],
}

/// What a conditional update of a record came to.
#[derive(Debug)]
pub enum Updated {
    /// The record as the update left it.
    Done(Map<String, Value>),
    /// No such record.
    Missing,
    /// The record is there, and the check refused the update.
    Refused,
}

/// What [`Records::create_numbered`] stores for an id: the key, the index entry
/// (partition, sort key) if it is listed, and the fields.
pub struct Numbered {
    pub key: keys::Key,
    pub index: Option<(String, String)>,
    pub record: Map<String, Value>,
}

/// Draws of a new id before giving up (each loses to another writer once in 4096 times).
const ID_DRAWS: usize = 4;

/// The fields of a stored record: its `record` map.
pub fn record_of(item: &Item) -> Option<Map<String, Value>> {
    match item.get("record").map(from_attr) {
        Some(Value::Object(o)) => Some(o),
        _ => None,
    }
}

impl Records {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Records {
        Records {
            table: Table::new(client, table),
        }
    }

    /// The table, for a repository's own conditional writes on its records.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Creates a record under a new time-ordered id ([`passport_core::ids`]): `build` gives
    /// the key, the index entry and the fields of a record numbered `id`. One conditional
    /// put; an id another writer took in the same millisecond is drawn again. The id and
    /// the fields stored.
    pub async fn create_numbered(
        &self,
        build: impl Fn(u64) -> Numbered,
    ) -> Result<(u64, Map<String, Value>), StoreError> {
        for _ in 0..ID_DRAWS {
            let id = passport_core::ids::next();
            let Numbered { key, index, record } = build(id);
            let index = index.as_ref().map(|(pk, sk)| (pk.as_str(), sk.as_str()));
            if self
                .table
                .insert_if_free(Self::item(&key, index, &record))
                .await?
            {
                return Ok((id, record));
            }
        }
        Err(StoreError(format!("no free id in {ID_DRAWS} draws")))
    }

    /// A transaction step storing a record; add a condition to the builder before [`Step`].
    pub fn put_step(
        &self,
        key: &keys::Key,
        index: Option<(&str, &str)>,
        record: &Map<String, Value>,
    ) -> PutBuilder {
        Put::builder()
            .table_name(self.table.name())
            .set_item(Some(Self::item(key, index, record)))
    }

    /// A transaction step deleting a record.
    pub fn delete_step(&self, key: &keys::Key) -> DeleteBuilder {
        Delete::builder()
            .table_name(self.table.name())
            .key(keys::PK, s(&key.pk))
            .key(keys::SK, s(&key.sk))
    }

    /// Writes all steps or none; false when a condition refused the transaction. One step
    /// is one plain conditional write (a transaction costs twice the capacity, and one item
    /// needs none).
    pub async fn transact(&self, mut steps: Vec<Step>) -> Result<bool, StoreError> {
        if steps.len() == 1 && !matches!(steps[0], Step::Item(_)) {
            if let Some(step) = steps.pop() {
                return self.write_one(step).await;
            }
        }
        let mut items = Vec::with_capacity(steps.len());
        for step in steps {
            items.push(
                match step {
                    Step::Put(p) => TransactWriteItem::builder()
                        .put(p.build().map_err(|e| StoreError(e.to_string()))?),
                    Step::Delete(d) => TransactWriteItem::builder()
                        .delete(d.build().map_err(|e| StoreError(e.to_string()))?),
                    Step::Item(item) => {
                        items.push(*item);
                        continue;
                    }
                }
                .build(),
            );
        }
        match self
            .table
            .client()
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_transaction_canceled_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// One step as a plain conditional write; false when its condition refused it.
    async fn write_one(&self, step: Step) -> Result<bool, StoreError> {
        let built = |e: aws_sdk_dynamodb::error::BuildError| StoreError(e.to_string());
        // Written, refused by its condition, or failed.
        fn outcome<E, R>(
            sent: Result<impl Sized, aws_sdk_dynamodb::error::SdkError<E, R>>,
        ) -> Result<bool, StoreError>
        where
            E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
            R: std::fmt::Debug,
        {
            match sent {
                Ok(_) => Ok(true),
                Err(e) if crate::condition_failed(&e) => Ok(false),
                Err(e) => Err(sdk_error(e)),
            }
        }
        match step {
            Step::Put(p) => {
                let p = p.build().map_err(built)?;
                let sent = self
                    .table
                    .put_item()
                    .set_item(Some(p.item().clone()))
                    .set_condition_expression(p.condition_expression().map(str::to_owned))
                    .set_expression_attribute_names(p.expression_attribute_names().cloned())
                    .set_expression_attribute_values(p.expression_attribute_values().cloned())
                    .send()
                    .await;
                outcome(sent)
            }
            Step::Delete(d) => {
                let d = d.build().map_err(built)?;
                let sent = self
                    .table
                    .client()
                    .delete_item()
                    .table_name(self.table.name())
                    .set_key(Some(d.key().clone()))
                    .set_condition_expression(d.condition_expression().map(str::to_owned))
                    .set_expression_attribute_names(d.expression_attribute_names().cloned())
                    .set_expression_attribute_values(d.expression_attribute_values().cloned())
                    .send()
                    .await;
                outcome(sent)
            }
            Step::Item(_) => Err(StoreError("a built write runs in a transaction".into())),
        }
    }

    /// The item of a record: keys, optional index keys, and the record.
    pub fn item(key: &keys::Key, index: Option<(&str, &str)>, record: &Map<String, Value>) -> Item {
        let mut item: Item = HashMap::from([
            (keys::PK.to_owned(), s(&key.pk)),
            (keys::SK.to_owned(), s(&key.sk)),
            ("record".to_owned(), to_attr(&Value::Object(record.clone()))),
        ]);
        if let Some((pk, sk)) = index {
            item.insert(keys::GSI1_PK.to_owned(), s(pk));
            item.insert(keys::GSI1_SK.to_owned(), s(sk));
        }
        item
    }

    /// Stores a record, replacing any.
    pub async fn put(
        &self,
        key: &keys::Key,
        index: Option<(&str, &str)>,
        record: &Map<String, Value>,
    ) -> Result<(), StoreError> {
        self.table.put(Self::item(key, index, record)).await?;
        Ok(())
    }

    pub async fn get(&self, key: &keys::Key) -> Result<Option<Map<String, Value>>, StoreError> {
        let item = self.table.get(key, Read::Consistent).await?;
        Ok(item.as_ref().and_then(record_of))
    }

    /// Sets fields of an existing record; returns the record after, or `None` when there
    /// is none (nothing is created).
    pub async fn update(
        &self,
        key: &keys::Key,
        fields: &Map<String, Value>,
    ) -> Result<Option<Map<String, Value>>, StoreError> {
        let mut request = self
            .table
            .update_item(key)
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#r", "record")
            .return_values(ReturnValue::AllNew);
        let mut sets = Vec::new();
        for (i, (name, value)) in fields.iter().enumerate() {
            sets.push(format!("#r.#f{i} = :v{i}"));
            request = request
                .expression_attribute_names(format!("#f{i}"), name)
                .expression_attribute_values(format!(":v{i}"), to_attr(value));
        }
        if sets.is_empty() {
            return self.get(key).await;
        }
        match request
            .update_expression(format!("SET {}", sets.join(", ")))
            .send()
            .await
        {
            Ok(out) => Ok(out.attributes.as_ref().and_then(record_of)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// Sets `fields` of an existing record in one conditional update, moving its index
    /// entry to `index_sk` when given, and only if `check` (a condition on the record's
    /// fields, written with `#r` for the record, and its own names and values) holds.
    pub async fn update_checked(
        &self,
        key: &keys::Key,
        fields: &Map<String, Value>,
        index_sk: Option<&str>,
        check: Option<Check<'_>>,
    ) -> Result<Updated, StoreError> {
        let mut condition = "attribute_exists(pk)".to_owned();
        let mut request = self
            .table
            .update_item(key)
            .expression_attribute_names("#r", "record")
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            );
        if let Some(check) = check {
            condition.push_str(&format!(" AND ({})", check.condition));
            for (name, attribute) in check.names {
                request = request.expression_attribute_names(*name, *attribute);
            }
            for (name, value) in check.values {
                request = request.expression_attribute_values(*name, s(value));
            }
        }
        let mut sets = Vec::new();
        for (i, (name, value)) in fields.iter().enumerate() {
            sets.push(format!("#r.#f{i} = :v{i}"));
            request = request
                .expression_attribute_names(format!("#f{i}"), name)
                .expression_attribute_values(format!(":v{i}"), to_attr(value));
        }
        if let Some(sk) = index_sk {
            sets.push("gsi1sk = :index_sk".to_owned());
            request = request.expression_attribute_values(":index_sk", s(sk));
        }
        if sets.is_empty() {
            return Ok(match self.get(key).await? {
                Some(record) => Updated::Done(record),
                None => Updated::Missing,
            });
        }
        let sent = request
            .condition_expression(condition)
            .update_expression(format!("SET {}", sets.join(", ")))
            .send()
            .await;
        match sent {
            Ok(out) => Ok(out
                .attributes
                .as_ref()
                .and_then(record_of)
                .map_or(Updated::Missing, Updated::Done)),
            Err(e) => Ok(match crate::refused_update(e)? {
                Some(_) => Updated::Refused,
                None => Updated::Missing,
            }),
        }
    }

    /// Deletes a record; false when there was none.
    pub async fn delete(&self, key: &keys::Key) -> Result<bool, StoreError> {
        Ok(self.table.take(key).await?.is_some())
    }

    fn query(
        &self,
        listing: &Listing,
        newest_first: bool,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let q = self.table.query().scan_index_forward(!newest_first);
        match listing {
            // DynamoDB takes no empty string in an expression: no prefix, the whole partition.
            Listing::Table { pk, sk_prefix } if sk_prefix.is_empty() => q
                .key_condition_expression("pk = :p")
                .expression_attribute_values(":p", s(pk))
                .consistent_read(true),
            Listing::Table { pk, sk_prefix } => q
                .key_condition_expression("pk = :p AND begins_with(sk, :s)")
                .expression_attribute_values(":p", s(pk))
                .expression_attribute_values(":s", s(sk_prefix))
                .consistent_read(true),
            Listing::Index { pk, after: None } => q
                .index_name(keys::GSI1)
                .key_condition_expression("gsi1pk = :p")
                .expression_attribute_values(":p", s(pk)),
            Listing::IndexRange { pk, from, to } => q
                .index_name(keys::GSI1)
                .key_condition_expression("gsi1pk = :p AND gsi1sk BETWEEN :f AND :t")
                .expression_attribute_values(":p", s(pk))
                .expression_attribute_values(":f", s(from))
                .expression_attribute_values(":t", s(to)),
            Listing::Index {
                pk,
                after: Some(after),
            } => q
                .index_name(keys::GSI1)
                .key_condition_expression("gsi1pk = :p AND gsi1sk > :a")
                .expression_attribute_values(":p", s(pk))
                .expression_attribute_values(":a", s(after)),
        }
    }

    /// How many records a listing holds (a counting query).
    pub async fn count(&self, listing: &Listing) -> Result<u64, StoreError> {
        let mut total = 0u64;
        let mut start = None;
        loop {
            let out = self
                .query(listing, false)
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            total += out.count as u64;
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(total),
            }
        }
    }

    /// The records of a listing, up to `limit`, in order.
    pub async fn list(
        &self,
        listing: &Listing,
        newest_first: bool,
        limit: usize,
    ) -> Result<Vec<Map<String, Value>>, StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        while out.len() < limit {
            let page = self
                .query(listing, newest_first)
                .limit((limit - out.len()).min(1000) as i32)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            out.extend(page.items().iter().filter_map(record_of));
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    /// One page of a listing.
    pub async fn page(
        &self,
        listing: &Listing,
        newest_first: bool,
        at: PageRequest,
    ) -> Result<Page, StoreError> {
        // The count and the records up to the page's end are read at once: one round trip
        // on the critical path instead of two.
        let skip = (u64::from(at.number) - 1) * u64::from(at.size);
        let upto = usize::try_from(skip + u64::from(at.size)).unwrap_or(usize::MAX);
        let (total, mut all) =
            tokio::try_join!(self.count(listing), self.list(listing, newest_first, upto))?;
        all.drain(..usize::try_from(skip).unwrap_or(usize::MAX).min(all.len()));
        let data = all.into_iter().map(Value::Object).collect();
        Ok(Page {
            total,
            pages: total.div_ceil(u64::from(at.size)),
            current_page: at.number,
            page_size: at.size,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_round_trips_through_attributes() {
        let v = json!({"id": 3, "title": "标题", "read": false, "tags": ["a", 1], "nested": {"x": null}, "ratio": 1.5});
        assert_eq!(from_attr(&to_attr(&v)), v);
    }

    #[test]
    fn page_requests_default_and_cap() {
        assert_eq!(
            PageRequest::new(None, None),
            PageRequest {
                number: 1,
                size: 20
            }
        );
        assert_eq!(
            PageRequest::new(Some(0), Some(5000)),
            PageRequest {
                number: 1,
                size: MAX_PAGE_SIZE
            }
        );
    }
}
