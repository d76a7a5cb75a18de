//! Accounts: one item per user, and one guard item per unique name (username, email,
//! phone) written in the same transaction, each conditioned on not existing, so that
//! uniqueness holds under any concurrency and no user is ever half-written.

use super::attr::{get_b, get_n, get_s, n, s, Item};
use super::{keys, sdk_error, StoreError};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use std::collections::HashMap;

/// A stored account.
#[derive(Debug, Clone)]
pub struct User {
    pub uid: u64,
    pub username: String,
    pub email: Option<String>,
    pub area: Option<String>,
    pub phone: Option<String>,
    pub email_verified: bool,
    pub phone_verified: bool,
    pub password_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A new account's data; the uid is allocated on insert.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    /// (area code, national number)
    pub phone: Option<(String, String)>,
    pub email_verified: bool,
    pub phone_verified: bool,
    pub password_hash: String,
}

/// Which unique name was already taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Username,
    Email,
    Phone,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("already taken: {0:?}")]
    Taken(Taken),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How one sign-in attempt may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// The attempt is counted; check the password. `failures` includes this attempt.
    Open { failures: u32 },
    /// Locked until this epoch second.
    Locked { until: i64 },
}

fn user_from(item: &Item) -> Option<User> {
    Some(User {
        uid: get_n(item, "uid")? as u64,
        username: get_s(item, "username")?,
        email: get_s(item, "email"),
        area: get_s(item, "area"),
        phone: get_s(item, "phone"),
        email_verified: get_b(item, "email_verified"),
        phone_verified: get_b(item, "phone_verified"),
        password_hash: get_s(item, "password_hash").unwrap_or_default(),
        created_at: get_n(item, "created_at").unwrap_or_default(),
        updated_at: get_n(item, "updated_at").unwrap_or_default(),
    })
}

/// The old item of a failed condition, or the error when something else failed.
fn condition_failed<R: std::fmt::Debug>(
    e: SdkError<UpdateItemError, R>,
) -> Result<Option<Item>, StoreError> {
    match e {
        SdkError::ServiceError(e) => match e.err() {
            UpdateItemError::ConditionalCheckFailedException(f) => Ok(f.item().cloned()),
            other => Err(StoreError(format!("{other:?}"))),
        },
        e => Err(sdk_error(e)),
    }
}

pub struct Users {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl Users {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Users {
        Users {
            client,
            table: table.into(),
        }
    }

    /// Allocates the next uid (an atomic counter; a uid burned by a failed insert is not
    /// reused).
    async fn next_uid(&self) -> Result<u64, StoreError> {
        let key = keys::uid_counter();
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(key.pk))
            .key(keys::SK, s(key.sk))
            .update_expression("SET #n = if_not_exists(#n, :start) + :one")
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":start", n(10000))
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error)?;
        out.attributes
            .as_ref()
            .and_then(|a| get_n(a, "n"))
            .map(|v| v as u64)
            .ok_or_else(|| StoreError("uid counter returned nothing".into()))
    }

    /// Creates the account and its guard items in one transaction.
    pub async fn create(&self, new: &NewUser, now: i64) -> Result<User, CreateError> {
        let uid = self.next_uid().await?;
        let key = keys::user(uid);
        let mut item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            ("type".to_owned(), s("user")),
            ("uid".to_owned(), n(uid)),
            ("username".to_owned(), s(&new.username)),
            ("password_hash".to_owned(), s(&new.password_hash)),
            (
                "email_verified".to_owned(),
                AttributeValue::Bool(new.email_verified),
            ),
            (
                "phone_verified".to_owned(),
                AttributeValue::Bool(new.phone_verified),
            ),
            ("created_at".to_owned(), n(now)),
            ("updated_at".to_owned(), n(now)),
        ]);
        let mut guards = vec![(Taken::Username, keys::username_guard(&new.username))];
        if let Some(email) = &new.email {
            item.insert("email".to_owned(), s(email));
            guards.push((Taken::Email, keys::email_guard(email)));
        }
        if let Some((area, number)) = &new.phone {
            item.insert("area".to_owned(), s(area));
            item.insert("phone".to_owned(), s(number));
            guards.push((Taken::Phone, keys::phone_guard(area, number)));
        }
        let put = |item: Item| -> Result<TransactWriteItem, StoreError> {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(|e| StoreError(e.to_string()))?;
            Ok(TransactWriteItem::builder().put(put).build())
        };
        let mut writes = vec![put(item.clone())?];
        for (_, guard) in &guards {
            writes.push(put(HashMap::from([
                (keys::PK.to_owned(), s(&guard.pk)),
                (keys::SK.to_owned(), s(&guard.sk)),
                ("type".to_owned(), s("guard")),
                ("uid".to_owned(), n(uid)),
            ]))?);
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(user_from(&item).expect("the item just built is a user")),
            Err(SdkError::ServiceError(e)) => {
                if let TransactWriteItemsError::TransactionCanceledException(cancel) = e.err() {
                    // Reasons come in the order of the writes: the user first, then guards.
                    let reasons = cancel.cancellation_reasons();
                    for (i, (taken, _)) in guards.iter().enumerate() {
                        if reasons.get(i + 1).and_then(|r| r.code())
                            == Some("ConditionalCheckFailed")
                        {
                            return Err(CreateError::Taken(*taken));
                        }
                    }
                }
                Err(CreateError::Store(StoreError(format!("{:?}", e.err()))))
            }
            Err(e) => Err(CreateError::Store(sdk_error(e))),
        }
    }

    /// The uid holding a guard, if any.
    async fn guard_owner(&self, guard: keys::Key) -> Result<Option<u64>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, s(guard.pk))
            .key(keys::SK, s(guard.sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out
            .item
            .as_ref()
            .and_then(|i| get_n(i, "uid"))
            .map(|v| v as u64))
    }

    pub async fn username_taken(&self, username: &str) -> Result<bool, StoreError> {
        Ok(self
            .guard_owner(keys::username_guard(username))
            .await?
            .is_some())
    }

    pub async fn email_taken(&self, email: &str) -> Result<bool, StoreError> {
        Ok(self.guard_owner(keys::email_guard(email)).await?.is_some())
    }

    pub async fn get(&self, uid: u64) -> Result<Option<User>, StoreError> {
        let key = keys::user(uid);
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, s(key.pk))
            .key(keys::SK, s(key.sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out.item.as_ref().and_then(user_from))
    }

    pub async fn find_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.find(keys::username_guard(username)).await
    }

    pub async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.find(keys::email_guard(email)).await
    }

    pub async fn find_by_phone(
        &self,
        area: &str,
        number: &str,
    ) -> Result<Option<User>, StoreError> {
        self.find(keys::phone_guard(area, number)).await
    }

    async fn find(&self, guard: keys::Key) -> Result<Option<User>, StoreError> {
        match self.guard_owner(guard).await? {
            Some(uid) => self.get(uid).await,
            None => Ok(None),
        }
    }

    /// Counts a sign-in attempt before the password is checked, so that no more than
    /// `max_failures` checks run while failures accumulate, however many arrive at once.
    ///
    /// The attempt that takes the last allowed slot also sets the lock (`lock_until`) in
    /// the same conditional write, so attempts racing it are refused at once; a right password
    /// clears both ([`Users::clear_failures`]). When a lock has run out, the first attempt to
    /// notice starts a new count.
    pub async fn open_gate(
        &self,
        uid: u64,
        max_failures: u32,
        lock_seconds: i64,
        now: i64,
    ) -> Result<Gate, StoreError> {
        let key = keys::user(uid);
        let max = max_failures.max(1);
        let update = || {
            self.client
                .update_item()
                .table_name(&self.table)
                .key(keys::PK, s(&key.pk))
                .key(keys::SK, s(&key.sk))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
        };
        // Below the last slot: count the attempt.
        if max > 1 {
            let counted = update()
                .update_expression("SET login_failures = if_not_exists(login_failures, :zero) + :one")
                .condition_expression("attribute_exists(pk) AND (attribute_not_exists(login_failures) OR login_failures < :last)")
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":last", n(max - 1))
                .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
                .send()
                .await;
            match counted {
                Ok(out) => {
                    let failures = out
                        .attributes
                        .as_ref()
                        .and_then(|a| get_n(a, "login_failures"))
                        .unwrap_or(1);
                    return Ok(Gate::Open {
                        failures: failures as u32,
                    });
                }
                Err(e) => {
                    condition_failed(e)?;
                }
            }
        }
        // The last slot: take it and lock in the same write.
        let last = update()
            .update_expression("SET login_failures = :max, lock_until = :lock")
            .condition_expression("attribute_exists(pk) AND (login_failures = :last OR (attribute_not_exists(login_failures) AND :last = :zero))")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":max", n(max))
            .expression_attribute_values(":last", n(max - 1))
            .expression_attribute_values(":lock", n(now + lock_seconds))
            .send()
            .await;
        let old = match last {
            Ok(_) => return Ok(Gate::Open { failures: max }),
            Err(e) => condition_failed(e)?,
        };
        let until = old
            .as_ref()
            .and_then(|i| get_n(i, "lock_until"))
            .unwrap_or(0);
        if until > now {
            return Ok(Gate::Locked { until });
        }
        // The lock has run out: start a new count, once, for whoever gets here first.
        let reset = update()
            .update_expression("SET login_failures = :one, lock_until = :zero")
            .condition_expression("login_failures >= :max AND lock_until = :until")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(max))
            .expression_attribute_values(":until", n(until))
            .send()
            .await;
        match reset {
            Ok(_) => Ok(Gate::Open { failures: 1 }),
            Err(e) => {
                condition_failed(e)?;
                Ok(Gate::Locked {
                    until: until.max(now),
                })
            }
        }
    }

    /// After a right password: the failures are forgotten.
    pub async fn clear_failures(&self, uid: u64) -> Result<(), StoreError> {
        let key = keys::user(uid);
        self.client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(key.pk))
            .key(keys::SK, s(key.sk))
            .update_expression("SET login_failures = :zero, lock_until = :zero")
            .expression_attribute_values(":zero", n(0))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    pub async fn set_password(
        &self,
        uid: u64,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let key = keys::user(uid);
        self.client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(key.pk))
            .key(keys::SK, s(key.sk))
            .update_expression("SET password_hash = :h, updated_at = :now, login_failures = :zero, lock_until = :zero")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":h", s(password_hash))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Marks the account's email (or phone) verified.
    pub async fn mark_verified(&self, uid: u64, email: bool, now: i64) -> Result<(), StoreError> {
        let key = keys::user(uid);
        let attr = if email {
            "email_verified"
        } else {
            "phone_verified"
        };
        self.client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(key.pk))
            .key(keys::SK, s(key.sk))
            .update_expression("SET #v = :t, updated_at = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#v", attr)
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .expression_attribute_values(":now", n(now))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}
