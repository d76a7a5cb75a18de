//! What operators do to accounts ([`crate::audit`] records each): change their standing
//! (disabled, role), lift sign-in locks. Each action is one transaction with its audit
//! entry, conditioned on the account's version as the operator's request read it, so the
//! entry's "before" is exactly what the write replaced.

use super::attr::{get_n, n, s};
use super::keys::{self, Key};
use super::table::Read;
use super::users::{Role, Standing, User, Users};
use super::{sdk_error, StoreError};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

/// A sign-in lock on one of an account's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// `username`, `email` or `phone`.
    pub name: &'static str,
    pub failures: i64,
    /// Until this epoch second (0: counting failures, not locked).
    pub until: i64,
}

impl Users {
    /// The guards of the names `user` signs in with (username, email, phone), each named.
    pub(crate) fn sign_in_names(user: &User) -> Vec<(&'static str, Key)> {
        let mut names = vec![("username", keys::username_guard(&user.username))];
        if let Some(email) = &user.email {
            names.push(("email", keys::email_guard(email)));
        }
        if let (Some(area), Some(phone)) = (&user.area, &user.phone) {
            names.push(("phone", keys::phone_guard(area, phone)));
        }
        names
    }

    /// The names `user` signs in with and the gates that count their failures.
    fn gates(user: &User) -> Vec<(&'static str, Key)> {
        Self::sign_in_names(user)
            .into_iter()
            .map(|(name, guard)| (name, keys::sign_in_gate(&guard)))
            .collect()
    }

    /// The failures counted on each of `user`'s names (a name with none is left out).
    pub async fn locks(&self, user: &User) -> Result<Vec<Lock>, StoreError> {
        let gates = Self::gates(user);
        let reads = gates
            .iter()
            .map(|(_, gate)| self.table.get(gate, Read::Consistent));
        let items = futures_util::future::join_all(reads).await;
        let mut locks = Vec::new();
        for ((name, _), item) in gates.iter().zip(items) {
            if let Some(item) = item? {
                locks.push(Lock {
                    name,
                    failures: get_n(&item, "login_failures").unwrap_or(0),
                    until: get_n(&item, "lock_until").unwrap_or(0),
                });
            }
        }
        Ok(locks)
    }

    /// Lifts every sign-in lock of `user` (the failure counts of all its names), with
    /// `audit`, in one transaction.
    pub async fn unlock(&self, user: &User, audit: TransactWriteItem) -> Result<(), StoreError> {
        let mut writes = Vec::new();
        for (_, gate) in Self::gates(user) {
            writes.push(self.table.delete_in_transaction(&gate)?);
        }
        writes.push(audit);
        self.table.transact(writes).await
    }

    /// Changes `user`'s standing (as read: the write is conditioned on its version), with
    /// `audit`, in one transaction; false when the account changed or went meanwhile.
    pub async fn set_standing(
        &self,
        user: &User,
        standing: Standing,
        audit: TransactWriteItem,
        now: i64,
    ) -> Result<bool, StoreError> {
        let key = keys::user(user.uid);
        let update = Update::builder()
            .table_name(self.table.name())
            .key(keys::PK, s(&key.pk))
            .key(keys::SK, s(&key.sk))
            .condition_expression("version = :read")
            .expression_attribute_values(":read", n(user.version))
            .expression_attribute_values(":next", n(user.version + 1))
            .expression_attribute_values(":now", n(now));
        let update = match standing {
            Standing::Disabled(disabled) => update
                .update_expression("SET disabled = :d, version = :next, updated_at = :now")
                .expression_attribute_values(":d", AttributeValue::Bool(disabled)),
            Standing::Role(Some(role)) => update
                .update_expression("SET #role = :r, version = :next, updated_at = :now")
                .expression_attribute_names("#role", "role")
                .expression_attribute_values(":r", s(Role::as_str(role))),
            Standing::Role(None) => update
                .update_expression("SET version = :next, updated_at = :now REMOVE #role")
                .expression_attribute_names("#role", "role"),
        };
        let update = update.build().map_err(|e| StoreError(e.to_string()))?;
        let sent = self
            .table
            .client()
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(audit)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e) if super::cancelled_at(&e).first() == Some(&true) => Ok(false),
            Err(e) => Err(sdk_error(e)),
        }
    }
}
