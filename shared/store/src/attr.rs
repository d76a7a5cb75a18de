//! Reading and writing DynamoDB attribute values.

use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub fn get_s(item: &Item, k: &str) -> Option<String> {
    item.get(k).and_then(|v| v.as_s().ok()).cloned()
}

pub fn get_n(item: &Item, k: &str) -> Option<i64> {
    item.get(k)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

pub fn get_b(item: &Item, k: &str) -> bool {
    item.get(k)
        .and_then(|v| v.as_bool().ok())
        .copied()
        .unwrap_or(false)
}

/// A text attribute an item must have: missing or of another type is a storage error,
/// never an empty default.
pub fn need_s(item: &Item, k: &str) -> Result<String, super::StoreError> {
    match item.get(k) {
        Some(AttributeValue::S(v)) => Ok(v.clone()),
        other => Err(malformed(k, other)),
    }
}

/// A numeric attribute an item must have (see [`need_s`]).
pub fn need_n<T: std::str::FromStr>(item: &Item, k: &str) -> Result<T, super::StoreError> {
    match item.get(k) {
        Some(AttributeValue::N(v)) => v.parse().map_err(|_| malformed(k, item.get(k))),
        other => Err(malformed(k, other)),
    }
}

/// A boolean attribute an item must have (see [`need_s`]).
pub fn need_b(item: &Item, k: &str) -> Result<bool, super::StoreError> {
    match item.get(k) {
        Some(AttributeValue::Bool(v)) => Ok(*v),
        other => Err(malformed(k, other)),
    }
}

fn malformed(k: &str, found: Option<&AttributeValue>) -> super::StoreError {
    // The kind of value only: items hold secrets' hashes and personal data.
    let kind = match found {
        None => "missing",
        Some(AttributeValue::S(_)) => "a string",
        Some(AttributeValue::N(_)) => "a number",
        Some(AttributeValue::Bool(_)) => "a boolean",
        Some(_) => "another type",
    };
    super::StoreError(format!("item attribute {k:?} is {kind}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_mistyped_attribute_is_an_error_not_a_default() {
        let item: Item = HashMap::from([
            ("uid".to_owned(), n(7)),
            ("name".to_owned(), s("li")),
            ("used".to_owned(), AttributeValue::Bool(true)),
        ]);
        assert_eq!(need_n::<u64>(&item, "uid").unwrap(), 7);
        assert_eq!(need_s(&item, "name").unwrap(), "li");
        assert!(need_b(&item, "used").unwrap());
        assert!(need_n::<u64>(&item, "gone").is_err());
        assert!(need_n::<u64>(&item, "name").is_err());
        assert!(need_s(&item, "uid").is_err());
        assert!(need_b(&item, "uid").is_err());
        let text = need_n::<u64>(&item, "name").unwrap_err().to_string();
        assert!(text.contains("a string") && !text.contains("li"), "{text}");
    }
}
