//! Push (document 004 `/api/push/*`): which user holds which push-service client, whether
//! they want pushes, and the log of pushes the operator sent.
//!
//! A client id is held by one user at a time: a guard item names its holder, written in one
//! transaction with the binding, so a device that signs in to another account moves to it
//! (the old binding goes in the same transaction) and two users never hold one device.
//! A user's push log is every push newer than the last one they cleared.

use super::records::{object, Listing, Numbered, Page, PageRequest, Records, Step};
use super::{keys, StoreError};
use serde_json::{json, Map, Value};

/// The kind of push-service client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientType {
    Android,
    Ios,
}

impl ClientType {
    pub fn parse(raw: &str) -> Option<ClientType> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "android" => Some(ClientType::Android),
            "ios" => Some(ClientType::Ios),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ClientType::Android => "android",
            ClientType::Ios => "ios",
        }
    }
}

/// Whom a push went to: `push_scope` 0 (every device), 1 (Android), 2 (iOS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All = 0,
    Android = 1,
    Ios = 2,
}

impl Scope {
    pub fn parse(raw: &str) -> Option<Scope> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "0" | "all" => Some(Scope::All),
            "1" | "android" => Some(Scope::Android),
            "2" | "ios" => Some(Scope::Ios),
            _ => None,
        }
    }
}

/// Who holds a push client, and the binding of it by the user about to bind it.
#[derive(Debug, Default)]
pub struct Seen {
    pub holder: Option<u64>,
    pub mine: Option<Map<String, Value>>,
}

/// What a bind did.
#[derive(Debug)]
pub enum Bound {
    Bound(Map<String, Value>),
    /// Others bound or moved the client at the same moment, every time we tried.
    Contended,
}

pub struct Push {
    pub records: Records,
}

fn holder(guard: &Map<String, Value>) -> Option<u64> {
    guard.get("user_id").and_then(Value::as_u64)
}

impl Push {
    /// What a bind of `client_id` to `uid` starts from: who holds the client and `uid`'s
    /// binding of it (one stage).
    pub async fn seen(&self, uid: u64, client_id: &str) -> Result<Seen, StoreError> {
        let (guard_key, key) = (
            keys::push_client_guard(client_id),
            keys::push_binding(uid, client_id),
        );
        let (guard, mine) = tokio::join!(self.records.get(&guard_key), self.records.get(&key));
        Ok(Seen {
            holder: guard?.as_ref().and_then(holder),
            mine: mine?,
        })
    }

    /// Binds `client_id` to `uid` (moving it from another user if it was theirs), starting
    /// from what [`Push::seen`] read; a repeated bind keeps the binding's id and switch and
    /// updates its type. One transaction when nobody binds the client at the same moment.
    pub async fn bind(
        &self,
        uid: u64,
        client_id: &str,
        client_type: ClientType,
        now: i64,
        seen: Seen,
    ) -> Result<Bound, StoreError> {
        let guard_key = keys::push_client_guard(client_id);
        let key = keys::push_binding(uid, client_id);
        let mut seen = Some(seen);
        for _ in 0..3 {
            let Seen {
                holder: previous,
                mine,
            } = match seen.take() {
                Some(s) => s,
                None => self.seen(uid, client_id).await?,
            };
            let stamp = passport_core::datetime(now);
            let binding = match mine {
                Some(mut b) if previous == Some(uid) => {
                    b.insert("client_type".into(), json!(client_type.as_str()));
                    b.insert("updated_at".into(), json!(stamp));
                    b
                }
                _ => object(json!({
                    // Its key is the user's and client's: the id only numbers it.
                    "id": passport_core::ids::next(),
                    "app_id": "",
                    "created_at": stamp,
                    "updated_at": stamp,
                    "user_id": uid,
                    "client_id": client_id,
                    "client_type": client_type.as_str(),
                    "switch": true,
                })),
            };
            let guard_put =
                self.records
                    .put_step(&guard_key, None, &object(json!({ "user_id": uid })));
            let guard_put = match previous {
                None => guard_put.condition_expression("attribute_not_exists(pk)"),
                Some(p) => guard_put
                    .condition_expression("#r.user_id = :holder")
                    .expression_attribute_names("#r", "record")
                    .expression_attribute_values(":holder", super::attr::n(p)),
            };
            let mut steps = vec![
                Step::Put(guard_put),
                Step::Put(self.records.put_step(&key, None, &binding)),
            ];
            if let Some(p) = previous.filter(|p| *p != uid) {
                steps.push(Step::Delete(
                    self.records.delete_step(&keys::push_binding(p, client_id)),
                ));
            }
            if self.records.transact(steps).await? {
                return Ok(Bound::Bound(binding));
            }
        }
        Ok(Bound::Contended)
    }

    /// `uid`'s binding of `client_id`.
    pub async fn binding(
        &self,
        uid: u64,
        client_id: &str,
    ) -> Result<Option<Map<String, Value>>, StoreError> {
        self.records.get(&keys::push_binding(uid, client_id)).await
    }

    /// The user who holds `client_id`, if anyone does.
    pub async fn holder(&self, client_id: &str) -> Result<Option<u64>, StoreError> {
        Ok(self
            .records
            .get(&keys::push_client_guard(client_id))
            .await?
            .as_ref()
            .and_then(holder))
    }

    /// Turns pushes to `uid`'s `client_id` on or off; `None` when there is no such binding.
    pub async fn set_switch(
        &self,
        uid: u64,
        client_id: &str,
        on: bool,
        now: i64,
    ) -> Result<Option<Map<String, Value>>, StoreError> {
        let fields = object(json!({ "switch": on, "updated_at": passport_core::datetime(now) }));
        self.records
            .update(&keys::push_binding(uid, client_id), &fields)
            .await
    }

    /// Records a push the operator sent.
    pub async fn record(
        &self,
        title: &str,
        body: &str,
        scope: Scope,
        manager_id: u64,
        now: i64,
    ) -> Result<Map<String, Value>, StoreError> {
        let stamp = passport_core::datetime(now);
        let (_, log) = self
            .records
            .create_numbered(|id| Numbered {
                key: keys::push_log(id),
                index: Some((keys::PUSH_LOGS.to_owned(), keys::padded(id))),
                record: object(json!({
                    "id": id,
                    "app_id": "",
                    "created_at": stamp,
                    "updated_at": stamp,
                    "push_title": title,
                    "push_body": body,
                    "push_scope": scope as u8,
                    "manager_id": manager_id,
                    "push_status": 1,
                })),
            })
            .await?;
        Ok(log)
    }

    /// The newest push `uid` cleared from their log (0: none).
    pub async fn cleared(&self, uid: u64) -> Result<u64, StoreError> {
        Ok(self
            .records
            .get(&keys::push_cleared(uid))
            .await?
            .and_then(|r| r.get("upto").and_then(Value::as_u64))
            .unwrap_or(0))
    }

    fn visible(upto: u64) -> Listing {
        Listing::Index {
            pk: keys::PUSH_LOGS.to_owned(),
            after: Some(keys::padded(upto)),
        }
    }

    /// The push log of a user who cleared it up to `upto` ([`Push::cleared`]), newest
    /// first.
    pub async fn log_page(&self, upto: u64, at: PageRequest) -> Result<Page, StoreError> {
        self.records.page(&Self::visible(upto), true, at).await
    }

    /// One push of `uid`'s log; `None` when there is none or they cleared it.
    pub async fn log(&self, uid: u64, id: u64) -> Result<Option<Map<String, Value>>, StoreError> {
        let key = keys::push_log(id);
        let (upto, log) = tokio::join!(self.cleared(uid), self.records.get(&key));
        let upto = upto?;
        Ok(log?.filter(|_| id > upto))
    }

    /// `uid` opened push `id`: counted once per user (a marker item and the push's
    /// `read_count`, in one transaction conditioned on the marker being new); whether this
    /// was their first read.
    pub async fn mark_read(&self, uid: u64, id: u64, now: i64) -> Result<bool, StoreError> {
        use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
        let marker = keys::Key {
            pk: format!("PUSHREAD#{}", keys::padded(id)),
            sk: format!("USER#{uid}"),
        };
        let put = self
            .records
            .put_step(&marker, None, &object(json!({ "at": now })))
            .condition_expression("attribute_not_exists(pk)");
        let log = keys::push_log(id);
        let count = Update::builder()
            .table_name(self.records.table().name())
            .key(keys::PK, AttributeValue::S(log.pk))
            .key(keys::SK, AttributeValue::S(log.sk))
            .update_expression("SET #r.read_count = if_not_exists(#r.read_count, :zero) + :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#r", "record")
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .build()
            .map_err(|e| StoreError(e.to_string()))?;
        let count = TransactWriteItem::builder().update(count).build();
        self.records
            .transact(vec![Step::Put(put), Step::Item(Box::new(count))])
            .await
    }

    /// The push log as operators see it, newest first, every push with its read count.
    pub async fn all_logs(&self, at: PageRequest) -> Result<Page, StoreError> {
        self.records.page(&Self::visible(0), true, at).await
    }

    /// Clears `uid`'s push log: every push sent so far leaves it (ids are time-ordered, so
    /// "so far" is the largest id of this millisecond; no counter is read).
    pub async fn clear(&self, uid: u64) -> Result<(), StoreError> {
        let upto = passport_core::ids::ceiling(passport_core::ids::now_ms());
        self.records
            .put(
                &keys::push_cleared(uid),
                None,
                &object(json!({ "upto": upto })),
            )
            .await
    }

    /// How many pushes in `uid`'s log are not among `seen` (looking at the newest 1000).
    /// The pushes a clear left in the log are the newest ones, so the newest 1000 are read
    /// beside the clear's mark and those at or below it dropped here (one stage).
    pub async fn unseen(&self, uid: u64, seen: &[u64]) -> Result<u64, StoreError> {
        let all = Self::visible(0);
        let (upto, logs) = tokio::join!(self.cleared(uid), self.records.list(&all, true, 1000));
        let upto = upto?;
        Ok(logs?
            .iter()
            .filter_map(|l| l.get("id").and_then(Value::as_u64))
            .filter(|id| *id > upto && !seen.contains(id))
            .count() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::{ClientType, Scope};

    #[test]
    fn client_types_and_scopes_parse() {
        assert_eq!(ClientType::parse(" iOS "), Some(ClientType::Ios));
        assert_eq!(ClientType::parse("android"), Some(ClientType::Android));
        assert_eq!(ClientType::parse("windows"), None);
        assert_eq!(Scope::parse("0"), Some(Scope::All));
        assert_eq!(Scope::parse("ios"), Some(Scope::Ios));
        assert_eq!(Scope::parse("3"), None);
    }
}
