//! Support (document 004 `/api/faq*`, `/api/feedback*`): FAQ entries and feedback categories
//! the operator writes, users' feedback and the operator's replies.
//!
//! A feedback is stored under its own id with its author in the record (so reaching another
//! user's feedback is a clear "not yours", not a silent miss) and listed per author through
//! `gsi1`. A reply waits in its author's unread partition of `gsi1` until they read it, which
//! makes "unread replies" a counting query.
//!
//! The operators' inbox lists each feedback twice, under its status and under its status
//! and category ([`keys::feedback_inbox`]), with a copy of its record: filtering by status,
//! or by status and category, is one query, newest first. The copies move with the status
//! in the transaction that changes it (a reply), and go with the feedback.

use super::audit::{self, Actor, Entry};
use super::records::{object, Listing, Numbered, Page, PageRequest, Records, Step};
use super::{keys, StoreError};
use aws_sdk_dynamodb::types::TransactWriteItem;
use serde_json::{json, Map, Value};

/// The fields of a FAQ entry.
#[derive(Debug, Clone, Default)]
pub struct FaqFields {
    pub title: Option<String>,
    pub content: Option<String>,
    pub category: Option<String>,
    pub external_link: Option<String>,
}

/// The fields of a feedback category.
#[derive(Debug, Clone, Default)]
pub struct CategoryFields {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// Whether an operator's text is fine: not blank, no control characters but line breaks
/// and tabs.
pub fn text_fine(v: &str) -> bool {
    !v.trim().is_empty()
        && !v
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// The longest reply to a feedback, in characters (as long as a feedback may be).
pub const REPLY_MAX: usize = 2000;

/// Whether a reply to a feedback is fine (the CLI's and the operator API's rule).
pub fn reply_fine(content: &str) -> bool {
    text_fine(content) && content.trim().chars().count() <= REPLY_MAX
}

fn text_ok(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(text_fine)
}

impl FaqFields {
    /// The rules of a FAQ entry's fields (the CLI's and the operator API's): the name of the
    /// first field that breaks them. `new`: title and content are required.
    pub fn check(&self, new: bool) -> Result<(), &'static str> {
        if new && self.title.is_none() {
            return Err("title");
        }
        if new && self.content.is_none() {
            return Err("content");
        }
        for (name, value) in [
            ("title", &self.title),
            ("content", &self.content),
            ("category", &self.category),
        ] {
            if !text_ok(value) {
                return Err(name);
            }
        }
        match &self.external_link {
            Some(l) if !l.starts_with("https://") || l.chars().any(char::is_whitespace) => {
                Err("external_link")
            }
            _ => Ok(()),
        }
    }
}

impl CategoryFields {
    /// The rules of a category's fields; `new`: the name is required.
    pub fn check(&self, new: bool) -> Result<(), &'static str> {
        if new && self.name.is_none() {
            return Err("name");
        }
        for (name, value) in [("name", &self.name), ("description", &self.description)] {
            if !text_ok(value) {
                return Err(name);
            }
        }
        Ok(())
    }
}

/// A new feedback.
#[derive(Debug, Clone)]
pub struct NewFeedback {
    pub content: String,
    pub category_id: Option<u64>,
    pub contact_phone: String,
}

pub struct Support {
    pub records: Records,
}

fn set(record: &mut Map<String, Value>, field: &str, value: &Option<String>) {
    if let Some(v) = value {
        record.insert(field.to_owned(), json!(v));
    }
}

fn by_id(index: &str, id: u64) -> (String, String) {
    (index.to_owned(), keys::padded(id))
}

/// The author of a feedback.
pub fn author(feedback: &Map<String, Value>) -> Option<u64> {
    feedback.get("user_id").and_then(Value::as_u64)
}

/// A feedback's status (0 open, 1 replied) and category (0: none).
fn filed(feedback: &Map<String, Value>) -> (u8, u64) {
    let status = feedback.get("feedback_status").and_then(Value::as_u64);
    let category = feedback.get("feedback_category_id").and_then(Value::as_u64);
    (status.unwrap_or(0) as u8, category.unwrap_or(0))
}

/// Attempts at a write conditioned on what was read, before giving up to a storm of others.
const RACE_ATTEMPTS: usize = 3;

impl Support {
    pub async fn faq_add(&self, f: &FaqFields, now: i64) -> Result<Map<String, Value>, StoreError> {
        let stamp = passport_core::datetime(now);
        let (_, faq) = self
            .records
            .create_numbered(|id| {
                let mut faq = object(json!({
                    "id": id, "app_id": "", "created_at": stamp, "updated_at": stamp,
                    "title": "", "content": "", "category": "", "external_link": "",
                }));
                set(&mut faq, "title", &f.title);
                set(&mut faq, "content", &f.content);
                set(&mut faq, "category", &f.category);
                set(&mut faq, "external_link", &f.external_link);
                Numbered {
                    key: keys::faq(id),
                    index: Some(by_id(keys::FAQS, id)),
                    record: faq,
                }
            })
            .await?;
        Ok(faq)
    }

    /// Changes the fields given; `None` when there is no such entry.
    pub async fn faq_edit(
        &self,
        id: u64,
        f: &FaqFields,
        now: i64,
    ) -> Result<Option<Map<String, Value>>, StoreError> {
        let mut fields = object(json!({ "updated_at": passport_core::datetime(now) }));
        set(&mut fields, "title", &f.title);
        set(&mut fields, "content", &f.content);
        set(&mut fields, "category", &f.category);
        set(&mut fields, "external_link", &f.external_link);
        self.records.update(&keys::faq(id), &fields).await
    }

    pub async fn faq(&self, id: u64) -> Result<Option<Map<String, Value>>, StoreError> {
        self.records.get(&keys::faq(id)).await
    }

    /// The FAQ, oldest entry first.
    pub async fn faqs(&self, at: PageRequest) -> Result<Page, StoreError> {
        let listing = Listing::Index {
            pk: keys::FAQS.to_owned(),
            after: None,
        };
        self.records.page(&listing, false, at).await
    }

    pub async fn category_add(
        &self,
        f: &CategoryFields,
        now: i64,
    ) -> Result<Map<String, Value>, StoreError> {
        let stamp = passport_core::datetime(now);
        let (_, category) = self
            .records
            .create_numbered(|id| {
                let mut category = object(json!({
                    "id": id, "app_id": "", "created_at": stamp, "updated_at": stamp,
                    "name": "", "description": "",
                }));
                set(&mut category, "name", &f.name);
                set(&mut category, "description", &f.description);
                Numbered {
                    key: keys::feedback_category(id),
                    index: Some(by_id(keys::FEEDBACK_CATEGORIES, id)),
                    record: category,
                }
            })
            .await?;
        Ok(category)
    }

    pub async fn category_edit(
        &self,
        id: u64,
        f: &CategoryFields,
        now: i64,
    ) -> Result<Option<Map<String, Value>>, StoreError> {
        let mut fields = object(json!({ "updated_at": passport_core::datetime(now) }));
        set(&mut fields, "name", &f.name);
        set(&mut fields, "description", &f.description);
        self.records
            .update(&keys::feedback_category(id), &fields)
            .await
    }

    /// Deletes FAQ entry `id` with `audit`, in one transaction; false when there was none.
    pub async fn faq_delete(&self, id: u64, audit: TransactWriteItem) -> Result<bool, StoreError> {
        self.delete_with(&keys::faq(id), audit).await
    }

    /// Deletes category `id` with `audit`, in one transaction; false when there was none.
    /// Feedback filed under it keeps its number (and shows no category name).
    pub async fn category_delete(
        &self,
        id: u64,
        audit: TransactWriteItem,
    ) -> Result<bool, StoreError> {
        self.delete_with(&keys::feedback_category(id), audit).await
    }

    async fn delete_with(
        &self,
        key: &keys::Key,
        audit: TransactWriteItem,
    ) -> Result<bool, StoreError> {
        let delete = self
            .records
            .delete_step(key)
            .condition_expression("attribute_exists(pk)");
        self.records
            .transact(vec![Step::Delete(delete), Step::Item(Box::new(audit))])
            .await
    }

    pub async fn category(&self, id: u64) -> Result<Option<Map<String, Value>>, StoreError> {
        self.records.get(&keys::feedback_category(id)).await
    }

    /// The feedback categories, oldest first.
    pub async fn categories(&self, at: PageRequest) -> Result<Page, StoreError> {
        let listing = Listing::Index {
            pk: keys::FEEDBACK_CATEGORIES.to_owned(),
            after: None,
        };
        self.records.page(&listing, false, at).await
    }

    pub async fn feedback_add(
        &self,
        uid: u64,
        f: &NewFeedback,
        now: i64,
    ) -> Result<Map<String, Value>, StoreError> {
        let stamp = passport_core::datetime(now);
        for _ in 0..RACE_ATTEMPTS {
            let id = passport_core::ids::next();
            let feedback = object(json!({
                "id": id, "app_id": "", "created_at": stamp, "updated_at": stamp,
                "feedback_content": f.content,
                "feedback_status": 0,
                // 0: no category (document 004 types the field as an int).
                "feedback_category_id": f.category_id.unwrap_or(0),
                "contact_phone": f.contact_phone,
                "user_id": uid,
            }));
            let index = keys::feedbacks_of(uid);
            let padded = keys::padded(id);
            let mut steps = vec![Step::Put(
                self.records
                    .put_step(&keys::feedback(id), Some((&index, &padded)), &feedback)
                    .condition_expression("attribute_not_exists(pk)"),
            )];
            steps.extend(self.inbox_puts(&feedback));
            // Refused only when another writer drew the same id: draw again.
            if self.records.transact(steps).await? {
                return Ok(feedback);
            }
        }
        Err(StoreError("no free feedback id".into()))
    }

    /// The keys of `feedback`'s two inbox entries (its status's, and its status's and
    /// category's).
    fn inbox_keys(feedback: &Map<String, Value>) -> [keys::Key; 2] {
        let id = feedback.get("id").and_then(Value::as_u64).unwrap_or(0);
        let (status, category) = filed(feedback);
        [None, Some(category)].map(|c| keys::Key {
            pk: keys::feedback_inbox(status, c),
            sk: keys::padded(id),
        })
    }

    /// The inbox entries of `feedback` as it is now.
    fn inbox_puts(&self, feedback: &Map<String, Value>) -> Vec<Step> {
        Self::inbox_keys(feedback)
            .iter()
            .map(|key| Step::Put(self.records.put_step(key, None, feedback)))
            .collect()
    }

    /// The deletes of `feedback`'s inbox entries as it was read.
    fn inbox_deletes(&self, feedback: &Map<String, Value>) -> Vec<Step> {
        Self::inbox_keys(feedback)
            .iter()
            .map(|key| Step::Delete(self.records.delete_step(key)))
            .collect()
    }

    /// The operators' inbox: feedback with `status`, of every category or of one, newest
    /// first.
    pub async fn inbox(
        &self,
        status: u8,
        category: Option<u64>,
        at: PageRequest,
    ) -> Result<Page, StoreError> {
        let listing = Listing::Table {
            pk: keys::feedback_inbox(status, category),
            sk_prefix: String::new(),
        };
        self.records.page(&listing, true, at).await
    }

    /// The reply to feedback `feedback_id`, as it is (an operator's read marks nothing).
    pub async fn reply_of(
        &self,
        feedback_id: u64,
    ) -> Result<Option<Map<String, Value>>, StoreError> {
        self.records.get(&keys::feedback_reply(feedback_id)).await
    }

    pub async fn feedback(&self, id: u64) -> Result<Option<Map<String, Value>>, StoreError> {
        self.records.get(&keys::feedback(id)).await
    }

    /// `uid`'s feedback, newest first.
    pub async fn feedbacks_of(&self, uid: u64, at: PageRequest) -> Result<Page, StoreError> {
        let listing = Listing::Index {
            pk: keys::feedbacks_of(uid),
            after: None,
        };
        self.records.page(&listing, true, at).await
    }

    /// Deletes `uid`'s feedback `id`, its reply and its inbox entries, in one transaction
    /// conditioned on the author and on the status read; false when it is gone or not
    /// theirs.
    pub async fn feedback_delete(&self, uid: u64, id: u64) -> Result<bool, StoreError> {
        for _ in 0..RACE_ATTEMPTS {
            let Some(read) = self.feedback(id).await? else {
                return Ok(false);
            };
            if author(&read) != Some(uid) {
                return Ok(false);
            }
            let (status, _) = filed(&read);
            let feedback = self
                .records
                .delete_step(&keys::feedback(id))
                .condition_expression("#r.user_id = :uid AND #r.feedback_status = :status")
                .expression_attribute_names("#r", "record")
                .expression_attribute_values(":uid", super::attr::n(uid))
                .expression_attribute_values(":status", super::attr::n(status));
            let reply = self.records.delete_step(&keys::feedback_reply(id));
            let mut steps = vec![Step::Delete(feedback), Step::Delete(reply)];
            steps.extend(self.inbox_deletes(&read));
            if self.records.transact(steps).await? {
                return Ok(true);
            }
            // Answered meanwhile (its inbox entries moved): read it again.
        }
        Ok(false)
    }

    /// `actor`'s reply to feedback `feedback_id` (replacing an earlier reply, carrying
    /// the actor's uid as `manager_id`); the feedback's status becomes 1 (replied), its
    /// inbox entries move with it, and the audit entry is written, all in one transaction
    /// conditioned on the status read. `None` when there is no such feedback.
    pub async fn reply(
        &self,
        feedback_id: u64,
        content: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<Option<Map<String, Value>>, StoreError> {
        for _ in 0..RACE_ATTEMPTS {
            // The feedback and its reply so far (the audit's "before"), read together.
            let (read, before) =
                tokio::join!(self.feedback(feedback_id), self.reply_of(feedback_id));
            let Some(read) = read? else {
                return Ok(None);
            };
            let Some(uid) = author(&read) else {
                return Ok(None);
            };
            let before = before?;
            let stamp = passport_core::datetime(now);
            let reply = object(json!({
                // Its key is its feedback's: the id only numbers it.
                "id": passport_core::ids::next(),
                "app_id": "", "created_at": stamp, "updated_at": stamp,
                "reply_content": content,
                "manager_id": actor.uid,
                "feedback_id": feedback_id,
                "is_read": false,
            }));
            let mut feedback = read.clone();
            feedback.insert("feedback_status".into(), json!(1));
            feedback.insert("updated_at".into(), json!(stamp));
            let index = keys::feedbacks_of(uid);
            let unread = keys::unread_replies_of(uid);
            let padded = keys::padded(feedback_id);
            let (status, _) = filed(&read);
            let entry = Entry {
                actor: actor.clone(),
                action: "feedback.reply",
                target: format!("feedback:{feedback_id}"),
                before: json!({ "feedback_status": status, "reply": before }),
                after: json!({ "feedback_status": 1, "reply": reply }),
            };
            let mut steps = vec![
                Step::Put(
                    self.records
                        .put_step(
                            &keys::feedback(feedback_id),
                            Some((&index, &padded)),
                            &feedback,
                        )
                        .condition_expression("#r.feedback_status = :status")
                        .expression_attribute_names("#r", "record")
                        .expression_attribute_values(":status", super::attr::n(status)),
                ),
                Step::Put(self.records.put_step(
                    &keys::feedback_reply(feedback_id),
                    Some((&unread, &padded)),
                    &reply,
                )),
                Step::Item(Box::new(audit::step(self.records.table(), &entry, now)?)),
            ];
            if status != 1 {
                steps.extend(self.inbox_deletes(&read));
            }
            steps.extend(self.inbox_puts(&feedback));
            if self.records.transact(steps).await? {
                return Ok(Some(reply));
            }
            // Deleted or answered meanwhile: read it again.
        }
        Ok(None)
    }

    /// `uid`'s read of the reply to feedback `feedback_id`: the reply as it was before this
    /// read, marked read by the same write if it was among `uid`'s unread ones (its index
    /// entry names the author, so nobody else's read marks it); `None` when there is no
    /// reply. One conditional update, needing no read first.
    pub async fn read_reply_of(
        &self,
        uid: u64,
        feedback_id: u64,
        now: i64,
    ) -> Result<Option<Map<String, Value>>, StoreError> {
        use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
        let marked = self
            .records
            .table()
            .update_item(&keys::feedback_reply(feedback_id))
            .update_expression("SET #r.is_read = :t, #r.updated_at = :now REMOVE gsi1pk, gsi1sk")
            .condition_expression("gsi1pk = :unread")
            .expression_attribute_names("#r", "record")
            .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
            .expression_attribute_values(":now", super::attr::s(passport_core::datetime(now)))
            .expression_attribute_values(":unread", super::attr::s(keys::unread_replies_of(uid)))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let item = match marked {
            Ok(out) => out.attributes,
            // Read already (or not `uid`'s to mark): as it is, if it is there at all.
            Err(e) => super::refused_update(e)?,
        };
        Ok(item.as_ref().and_then(super::records::record_of))
    }

    /// How many replies `uid` has not read.
    pub async fn unread_replies(&self, uid: u64) -> Result<u64, StoreError> {
        self.records
            .count(&Listing::Index {
                pk: keys::unread_replies_of(uid),
                after: None,
            })
            .await
    }
}
