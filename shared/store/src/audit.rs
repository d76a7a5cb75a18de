//! The operators' audit log: one record per operator action, saying who did what to which
//! target, when, and the target's state before and after.
//!
//! An entry is written in the same transaction as the action it records wherever the
//! action is one transaction (an account disabled, a feedback answered): the action never
//! lands without its entry. An action that is many independent writes (ending every session
//! of a user) writes its entry first, so a failure half-way still leaves who tried it.
//!
//! Entries live under their target's partition (`AUDIT#<target>`: one target's history is
//! one query) and are listed newest first under `AUDIT` in `gsi1`.

use super::attr::Item;
use super::keys;
use super::records::{object, Listing, Page, PageRequest, Records};
use super::table::Table;
use super::StoreError;
use aws_sdk_dynamodb::types::TransactWriteItem;
use serde_json::{json, Value};

/// Who acted: an operator's account, or the CLI (uid 0, named `passport-admin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub uid: u64,
    pub name: String,
}

impl Actor {
    /// `passport-admin`, which acts with the AWS credentials of whoever runs it.
    pub fn cli() -> Actor {
        Actor {
            uid: 0,
            name: "passport-admin".to_owned(),
        }
    }
}

/// One operator action about to be written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub actor: Actor,
    /// What was done: `user.disable`, `feedback.reply`, ...
    pub action: &'static str,
    /// What it was done to: `user:<uid>`, `feedback:<id>`, `client:<id>`.
    pub target: String,
    pub before: Value,
    pub after: Value,
}

/// Where the audit log is kept.
pub struct Audit {
    pub records: Records,
}

/// The entry as a transaction's put into `table` (a new item: ids are time-ordered and
/// drawn fresh).
pub fn step(table: &Table, entry: &Entry, now: i64) -> Result<TransactWriteItem, StoreError> {
    table.put_new(item(entry, now))
}

fn item(entry: &Entry, now: i64) -> Item {
    let id = passport_core::ids::next();
    let record = object(json!({
        "id": id,
        "at": passport_core::datetime(now),
        "at_epoch": now,
        "actor_uid": entry.actor.uid,
        "actor": entry.actor.name,
        "action": entry.action,
        "target": entry.target,
        "before": entry.before,
        "after": entry.after,
    }));
    let sk = keys::padded(id);
    Records::item(
        &keys::audit(&entry.target, id),
        Some((keys::AUDIT, &sk)),
        &record,
    )
}

impl Audit {
    /// The entry as a step of a transaction in this log's table.
    pub fn step(&self, entry: &Entry, now: i64) -> Result<TransactWriteItem, StoreError> {
        step(self.records.table(), entry, now)
    }

    /// Writes an entry on its own (before an action that is not one transaction).
    pub async fn write(&self, entry: &Entry, now: i64) -> Result<(), StoreError> {
        self.records.table().insert(item(entry, now)).await
    }

    /// The log, newest first: every entry, or one target's.
    pub async fn list(&self, target: Option<&str>, at: PageRequest) -> Result<Page, StoreError> {
        let listing = match target {
            Some(t) => Listing::Table {
                pk: format!("AUDIT#{t}"),
                sk_prefix: String::new(),
            },
            None => Listing::Index {
                pk: keys::AUDIT.to_owned(),
                after: None,
            },
        };
        self.records.page(&listing, true, at).await
    }
}
