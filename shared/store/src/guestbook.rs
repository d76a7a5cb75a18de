//! Guestbook entries (document 000 §2021).

use super::attr::s;
use super::table::Table;
use super::{keys, sdk_error, StoreError};
use async_trait::async_trait;
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A message left by a visitor.
#[derive(Debug, Clone)]
pub struct GuestbookEntry {
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub message: String,
    pub subject: Option<String>,
    pub source_ip: Option<String>,
    pub created_at: OffsetDateTime,
}

/// What became of the mail to the site owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Pending,
    Sent { message_id: String },
    Failed,
}

impl Delivery {
    fn status(&self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Sent { .. } => "sent",
            Delivery::Failed => "failed",
        }
    }
}

#[async_trait]
pub trait GuestbookStore: Send + Sync {
    /// Stores a new entry with delivery `pending`.
    async fn insert(&self, entry: &GuestbookEntry) -> Result<(), StoreError>;
    /// Records what became of the owner's mail.
    async fn set_delivery(&self, id: &str, delivery: &Delivery) -> Result<(), StoreError>;
}

pub struct DynamoGuestbook {
    table: Table,
}

impl DynamoGuestbook {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        DynamoGuestbook {
            table: Table::new(client, table),
        }
    }
}

#[async_trait]
impl GuestbookStore for DynamoGuestbook {
    async fn insert(&self, entry: &GuestbookEntry) -> Result<(), StoreError> {
        let created = entry
            .created_at
            .format(&Rfc3339)
            .map_err(|e| StoreError(e.to_string()))?;
        let key = keys::guestbook_entry(&entry.id);
        let listing = keys::guestbook_listing(&created, &entry.id);
        let mut item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            (keys::GSI1_PK.to_owned(), s(listing.pk)),
            (keys::GSI1_SK.to_owned(), s(listing.sk)),
            ("type".to_owned(), s("guestbook")),
            ("id".to_owned(), s(&entry.id)),
            ("name".to_owned(), s(&entry.name)),
            ("email".to_owned(), s(&entry.email)),
            ("phone".to_owned(), s(&entry.phone)),
            ("message".to_owned(), s(&entry.message)),
            ("created_at".to_owned(), s(created)),
            ("delivery".to_owned(), s(Delivery::Pending.status())),
        ]);
        if let Some(subject) = &entry.subject {
            item.insert("subject".to_owned(), s(subject));
        }
        if let Some(ip) = &entry.source_ip {
            item.insert("source_ip".to_owned(), s(ip));
        }
        self.table.insert(item).await?;
        Ok(())
    }

    async fn set_delivery(&self, id: &str, delivery: &Delivery) -> Result<(), StoreError> {
        let key = keys::guestbook_entry(id);
        let mut update = self
            .table
            .update_item(&key)
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#d", "delivery")
            .expression_attribute_values(":d", s(delivery.status()));
        update = match delivery {
            Delivery::Sent { message_id } => update
                .update_expression("SET #d = :d, mail_message_id = :m")
                .expression_attribute_values(":m", s(message_id)),
            _ => update.update_expression("SET #d = :d"),
        };
        update.send().await.map_err(sdk_error)?;
        Ok(())
    }
}
