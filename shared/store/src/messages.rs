//! Users' messages (v2 `/api/User/message`): an inbox per user, newest first, each message
//! readable only from its owner's inbox (the key holds the owner).

use super::records::{object, Listing, Numbered, Page, PageRequest, Records};
use super::{keys, StoreError};
use serde_json::{json, Map, Value};

pub struct Messages {
    pub records: Records,
}

/// A message numbered `id` in `to`'s inbox.
pub fn message(
    id: u64,
    to: u64,
    from: Option<u64>,
    title: &str,
    content: &str,
    now: i64,
) -> Numbered {
    Numbered {
        key: keys::message(to, id),
        index: None,
        record: object(json!({
            "id": id,
            "from_uid": from,
            "title": title,
            "content": content,
            "is_read": false,
            "created_at": passport_core::datetime(now),
        })),
    }
}

impl Messages {
    /// Puts a message in `to`'s inbox; returns its id.
    pub async fn send(
        &self,
        to: u64,
        from: Option<u64>,
        title: &str,
        content: &str,
        now: i64,
    ) -> Result<u64, StoreError> {
        let (id, _) = self
            .records
            .create_numbered(|id| message(id, to, from, title, content, now))
            .await?;
        Ok(id)
    }

    /// `uid`'s messages, newest first.
    pub async fn page(&self, uid: u64, at: PageRequest) -> Result<Page, StoreError> {
        let listing = Listing::Table {
            pk: format!("USER#{uid}"),
            sk_prefix: "MSG#".to_owned(),
        };
        self.records.page(&listing, true, at).await
    }

    /// One of `uid`'s messages, marked read; `None` if `uid` has no such message.
    pub async fn read(&self, uid: u64, id: u64) -> Result<Option<Map<String, Value>>, StoreError> {
        let mut fields = Map::new();
        fields.insert("is_read".into(), Value::Bool(true));
        self.records.update(&keys::message(uid, id), &fields).await
    }
}
