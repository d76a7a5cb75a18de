//! Everything an account is, found and erased: its own partition (`USER#<uid>`: profile,
//! friends, messages, events, push bindings, consents, company), the other side of its
//! friendships, what is listed under it in `gsi1` (sessions and browser sessions, its
//! feedback with their replies and inbox entries), its push-client guards, the guards of
//! its names and their sign-in gates.
//!
//! An erase goes dependents first, in transactions of at most [`BATCH`] deletes, and ends
//! with one transaction of the account's item (conditioned on the version read), the
//! guards of its names and the audit entry: until that last one lands the account is
//! there, so an erase that stopped half-way is simply run again.

use super::attr::{get_n, get_s, Item};
use super::keys::{self, Key};
use super::records::record_of;
use super::users::{User, Users};
use super::{sdk_error, StoreError};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};
use serde_json::Value;

/// Deletes per transaction (DynamoDB takes 100).
const BATCH: usize = 100;

/// What an account holds, as read for an export or an erase.
pub struct Holdings {
    /// Its own partition, the profile included.
    pub own: Vec<Item>,
    /// Listed under it in `gsi1`: sessions, browser sessions, feedback.
    pub listed: Vec<Item>,
}

fn key_of(item: &Item) -> Option<Key> {
    Some(Key {
        pk: get_s(item, keys::PK)?,
        sk: get_s(item, keys::SK)?,
    })
}

impl Holdings {
    /// Every item to delete but the profile, and the keys beside them (the other sides of
    /// friendships, replies and inbox entries of its feedback).
    fn dependents(&self, user: &User) -> (Vec<Key>, Vec<Key>) {
        let profile = keys::user(user.uid);
        let mut keys_: Vec<Key> = Vec::new();
        let mut guarded: Vec<Key> = Vec::new();
        for item in self.own.iter().chain(&self.listed) {
            let Some(key) = key_of(item) else { continue };
            if key == profile {
                continue;
            }
            if let Some(fid) = key.sk.strip_prefix("FRIEND#") {
                if let Ok(fid) = fid.parse::<u64>() {
                    keys_.push(keys::friend(fid, user.uid));
                }
            }
            if let Some(client) = key.sk.strip_prefix("PUSH#") {
                guarded.push(keys::push_client_guard(client));
            }
            if key.sk == "FEEDBACK" {
                if let Some(record) = record_of(item) {
                    let id = record.get("id").and_then(Value::as_u64).unwrap_or(0);
                    let status = record
                        .get("feedback_status")
                        .and_then(Value::as_u64)
                        .unwrap_or(0) as u8;
                    let category = record
                        .get("feedback_category_id")
                        .and_then(Value::as_u64)
                        .unwrap_or(0);
                    keys_.push(keys::feedback_reply(id));
                    for c in [None, Some(category)] {
                        keys_.push(Key {
                            pk: keys::feedback_inbox(status, c),
                            sk: keys::padded(id),
                        });
                    }
                }
            }
            keys_.push(key);
        }
        keys_.sort_by(|a, b| (&a.pk, &a.sk).cmp(&(&b.pk, &b.sk)));
        keys_.dedup();
        (keys_, guarded)
    }
}

/// The guards of an account's names: those it signs in with, its nickname, its social
/// identities.
fn name_guards(user: &User) -> Vec<Key> {
    let mut guards: Vec<Key> = Users::sign_in_names(user)
        .into_iter()
        .map(|(_, guard)| guard)
        .collect();
    if let Some(nickname) = &user.nickname {
        guards.push(keys::nickname_guard(nickname));
    }
    for (channel, id) in &user.sns {
        guards.push(keys::sns_guard(channel, id));
    }
    guards
}

impl Users {
    /// What `user` holds: its partition and what `gsi1` lists under it.
    pub async fn holdings(&self, user: &User) -> Result<Holdings, StoreError> {
        let pk = keys::user(user.uid).pk;
        let own = async {
            let mut items = Vec::new();
            let mut start = None;
            loop {
                let page = self
                    .table
                    .query()
                    .key_condition_expression("pk = :p")
                    .expression_attribute_values(":p", AttributeValue::S(pk.clone()))
                    .consistent_read(true)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(sdk_error)?;
                items.extend(page.items().iter().cloned());
                match page.last_evaluated_key {
                    Some(k) if !k.is_empty() => start = Some(k),
                    _ => return Ok::<_, StoreError>(items),
                }
            }
        };
        let (sessions_of, feedbacks_of) =
            (keys::sessions_of(user.uid), keys::feedbacks_of(user.uid));
        let (own, sessions, feedback) = tokio::join!(
            own,
            self.table.index_items(&sessions_of),
            self.table.index_items(&feedbacks_of),
        );
        let mut listed = sessions?;
        listed.extend(feedback?);
        Ok(Holdings { own: own?, listed })
    }

    /// Erases `user` (as read: the last write is conditioned on its version) and all it
    /// holds, with `audit` in the last transaction; how many items went. A change of the
    /// account meanwhile is an error ([`StoreError`]), after which the erase can run again.
    pub async fn erase(
        &self,
        user: &User,
        holdings: &Holdings,
        audit: TransactWriteItem,
    ) -> Result<usize, StoreError> {
        let (dependents, push_guards) = holdings.dependents(user);
        let delete = |key: &Key| -> Result<TransactWriteItem, StoreError> {
            self.table.delete_in_transaction(key)
        };
        for chunk in dependents.chunks(BATCH) {
            let writes = chunk.iter().map(delete).collect::<Result<Vec<_>, _>>()?;
            self.table.transact(writes).await?;
        }
        // A push client's guard goes only while it still names this account (it may have
        // moved to another user since).
        for guard in &push_guards {
            let sent = self
                .table
                .delete_item(guard)
                .condition_expression("#uid = :uid")
                .expression_attribute_names("#uid", "uid")
                .expression_attribute_values(":uid", AttributeValue::N(user.uid.to_string()))
                .send()
                .await;
            if let Err(e) = sent {
                if !super::condition_failed(&e) {
                    return Err(sdk_error(e));
                }
            }
        }
        let guards = name_guards(user);
        let gates: Vec<Key> = Users::sign_in_names(user)
            .iter()
            .map(|(_, guard)| keys::sign_in_gate(guard))
            .collect();

        let profile_key = keys::user(user.uid);
        let profile = Delete::builder()
            .table_name(self.table.name())
            .key(keys::PK, AttributeValue::S(profile_key.pk))
            .key(keys::SK, AttributeValue::S(profile_key.sk))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::N(user.version.to_string()))
            .build()
            .map_err(|e| StoreError(e.to_string()))?;
        let mut last = vec![TransactWriteItem::builder().delete(profile).build()];
        for key in guards.iter().chain(&gates) {
            last.push(delete(key)?);
        }
        last.push(audit);
        let count = dependents.len() + push_guards.len() + last.len() - 1;
        self.table.transact(last).await?;
        Ok(count)
    }
}

/// An item as JSON for an export: its fields, with what no one should carry out of the
/// table left out (hashes, sessions' state).
pub fn exported(item: &Item) -> Option<Value> {
    let pk = get_s(item, keys::PK)?;
    let sk = get_s(item, keys::SK)?;
    if pk.starts_with("SESSION#") || pk.starts_with("BROWSER#") {
        return Some(serde_json::json!({
            "kind": if pk.starts_with("BROWSER#") { "browser_session" } else { "session" },
            "client_id": get_s(item, "client_id"),
            "signed_in_at": get_n(item, "created_at").or_else(|| get_n(item, "auth_time")),
        }));
    }
    let fields = match record_of(item) {
        Some(record) => Value::Object(record),
        None => Value::Object(
            item.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "password_hash" | "gsi1pk" | "gsi1sk" | "pk" | "sk" | "version"
                    )
                })
                .map(|(k, v)| (k.clone(), super::records::from_attr(v)))
                .collect(),
        ),
    };
    let kind = sk.split('#').next().unwrap_or(&sk).to_ascii_lowercase();
    Some(serde_json::json!({ "kind": kind, "fields": fields }))
}
