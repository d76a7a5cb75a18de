//! The mail suppression list: addresses SES reported as permanently bouncing or as
//! complaining, never mailed again until an operator lifts them (`passport-admin mail
//! unsuppress`). One item per address, compared case-insensitively.

use super::attr::{get_n, get_s, n, s};
use super::table::{Read, Table};
use super::{keys, sdk_error, StoreError};

/// Why an address is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A permanent bounce: the address does not exist or never accepts mail.
    Bounce,
    /// The recipient marked Passport's mail as spam.
    Complaint,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Bounce => "bounce",
            Reason::Complaint => "complaint",
        }
    }
}

/// A suppressed address as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    pub email: String,
    pub reason: String,
    pub at: i64,
}

pub struct Suppressions {
    table: Table,
}

impl Suppressions {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Suppressions {
        Suppressions {
            table: Table::new(client, table),
        }
    }

    /// Adds `email` (again: the latest reason and time are kept).
    pub async fn suppress(&self, email: &str, reason: Reason, now: i64) -> Result<(), StoreError> {
        let key = keys::suppressed(email);
        self.table
            .update_item(&key)
            .update_expression(
                "SET email = :e, reason = :r, suppressed_at = :now, gsi1pk = :g, gsi1sk = :e",
            )
            .expression_attribute_values(":e", s(email.to_ascii_lowercase()))
            .expression_attribute_values(":r", s(reason.as_str()))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":g", s(keys::SUPPRESSED_LISTING))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    pub async fn is_suppressed(&self, email: &str) -> Result<bool, StoreError> {
        let item = self
            .table
            .get(&keys::suppressed(email), Read::Consistent)
            .await?;
        Ok(item.is_some())
    }

    /// Lifts the suppression of `email`; whether there was one.
    pub async fn lift(&self, email: &str) -> Result<bool, StoreError> {
        Ok(self.table.take(&keys::suppressed(email)).await?.is_some())
    }

    /// Every suppressed address, by address.
    pub async fn list(&self) -> Result<Vec<Suppressed>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .table
                .query()
                .index_name(keys::GSI1)
                .key_condition_expression("gsi1pk = :g")
                .expression_attribute_values(":g", s(keys::SUPPRESSED_LISTING))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            found.extend(page.items().iter().filter_map(|i| {
                Some(Suppressed {
                    email: get_s(i, "email")?,
                    reason: get_s(i, "reason")?,
                    at: get_n(i, "suppressed_at")?,
                })
            }));
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(found),
            }
        }
    }
}
