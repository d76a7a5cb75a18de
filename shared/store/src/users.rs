//! Accounts: one item per user, and one guard item per unique name (username, email,
//! phone, nickname, SNS identity) written in the same transaction, each conditioned on not
//! existing, so that uniqueness holds under any concurrency and no user is ever half-written.
//!
//! Changes ([`Users::update`]) are optimistic: the user item carries a `version`, the write
//! is conditioned on the version that was read, and new names' guards are put and old ones
//! deleted in the same transaction, so two racing changes never both land and no guard is
//! left pointing at a name its account no longer has.

use super::attr::{get_b, get_n, get_s, n, need_n, need_s, s, Item};
use super::table::{Read, Table};
use super::{keys, sdk_error, StoreError};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use std::collections::{BTreeMap, HashMap};

/// The profile attributes of the v2 detail form (document 001/002 §2.2.3.3), stored under
/// these names.
pub const DETAIL_FIELDS: &[&str] = &[
    "realname",
    "idcard",
    "nation",
    "postalcode",
    "departmentcode",
    "majorcode",
    "leader",
];

/// Draws of a new uid before giving up (each loses to another sign-up once in 4096 times).
const UID_DRAWS: usize = 4;

/// The prefix of the attributes that hold SNS bindings (`sns_weibo = <id>`).
const SNS_PREFIX: &str = "sns_";

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
    pub nickname: Option<String>,
    /// `s3:<key>` for an uploaded picture, or the address given by the center's PUT.
    pub avatar: Option<String>,
    /// 0 female, 1 male, 2 not said (document 004).
    pub gender: i64,
    pub birthday: Option<String>,
    pub address: Option<String>,
    /// The detail fields of [`DETAIL_FIELDS`] that are set.
    pub detail: BTreeMap<String, String>,
    /// SNS channel → the identity at that channel.
    pub sns: BTreeMap<String, String>,
    /// Bumped by every [`Users::update`]; the condition of the next one.
    pub version: i64,
    /// The operator role the account holds, if any (granted by `passport-admin operator
    /// grant` or in the console).
    pub role: Option<Role>,
    /// Disabled by an operator: it cannot sign in, and its sessions were ended.
    pub disabled: bool,
}

/// An operator role. An operator may do everything the console offers; support staff may
/// look (search, profiles, the inbox, the audit log) and change nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Support,
    Operator,
}

impl Role {
    pub const ALL: &'static [Role] = &[Role::Support, Role::Operator];

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Support => "support",
            Role::Operator => "operator",
        }
    }

    /// Whether this role may do what `needed` may (an operator may do what support may).
    pub fn covers(self, needed: Role) -> bool {
        self >= needed
    }
}

/// A change of an account's standing by an operator ([`Users::set_standing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Disabled(bool),
    Role(Option<Role>),
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
    /// A social identity to bind at once: (channel, id).
    pub sns: Option<(String, String)>,
}

/// Which unique name was already taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Username,
    Email,
    Phone,
    Nickname,
    Sns,
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

/// An account item: a missing or mistyped required attribute is an error.
fn user_from(item: &Item) -> Result<User, StoreError> {
    let detail = DETAIL_FIELDS
        .iter()
        .filter_map(|f| get_s(item, f).map(|v| ((*f).to_owned(), v)))
        .collect();
    let sns = item
        .iter()
        .filter_map(|(k, v)| {
            let channel = k.strip_prefix(SNS_PREFIX)?;
            Some((channel.to_owned(), v.as_s().ok()?.clone()))
        })
        .collect();
    Ok(User {
        uid: need_n(item, "uid")?,
        username: need_s(item, "username")?,
        email: get_s(item, "email"),
        area: get_s(item, "area"),
        phone: get_s(item, "phone"),
        email_verified: get_b(item, "email_verified"),
        phone_verified: get_b(item, "phone_verified"),
        password_hash: need_s(item, "password_hash")?,
        created_at: need_n(item, "created_at")?,
        updated_at: need_n(item, "updated_at")?,
        nickname: get_s(item, "nickname"),
        avatar: get_s(item, "avatar"),
        gender: get_n(item, "gender").unwrap_or(2),
        birthday: get_s(item, "birthday"),
        address: get_s(item, "address"),
        detail,
        sns,
        version: need_n(item, "version")?,
        role: match get_s(item, "role") {
            None => None,
            Some(name) => {
                Some(Role::parse(&name).ok_or_else(|| {
                    StoreError(format!("an account with the unknown role {name}"))
                })?)
            }
        },
        disabled: get_b(item, "disabled"),
    })
}

/// The item that holds a unique name for `uid`.
fn guard_item(guard: &keys::Key, uid: u64) -> Item {
    HashMap::from([
        (keys::PK.to_owned(), s(&guard.pk)),
        (keys::SK.to_owned(), s(&guard.sk)),
        ("type".to_owned(), s("guard")),
        ("uid".to_owned(), n(uid)),
    ])
}

/// The attributes of an account's item ([`user_from`] read back gives the same account).
fn item_of(user: &User) -> Item {
    let mut item: Item = HashMap::from([
        ("uid".to_owned(), n(user.uid)),
        ("username".to_owned(), s(&user.username)),
        ("password_hash".to_owned(), s(&user.password_hash)),
        (
            "email_verified".to_owned(),
            AttributeValue::Bool(user.email_verified),
        ),
        (
            "phone_verified".to_owned(),
            AttributeValue::Bool(user.phone_verified),
        ),
        ("created_at".to_owned(), n(user.created_at)),
        ("updated_at".to_owned(), n(user.updated_at)),
        ("gender".to_owned(), n(user.gender)),
        ("version".to_owned(), n(user.version)),
    ]);
    let optional = [
        ("email", &user.email),
        ("area", &user.area),
        ("phone", &user.phone),
        ("nickname", &user.nickname),
        ("avatar", &user.avatar),
        ("birthday", &user.birthday),
        ("address", &user.address),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            item.insert(name.to_owned(), s(v));
        }
    }
    for (name, value) in &user.detail {
        item.insert(name.clone(), s(value));
    }
    for (channel, id) in &user.sns {
        item.insert(format!("{SNS_PREFIX}{channel}"), s(id));
    }
    if let Some(role) = user.role {
        item.insert("role".to_owned(), s(role.as_str()));
    }
    if user.disabled {
        item.insert("disabled".to_owned(), AttributeValue::Bool(true));
    }
    item
}

/// A change to an account. Names that change move their guard items in the same
/// transaction as the user item.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub nickname: Option<String>,
    pub email: Option<String>,
    /// (area code, national number)
    pub phone: Option<(String, String)>,
    pub password_hash: Option<String>,
    /// Plain attributes to set.
    pub set: Vec<(&'static str, Field)>,
    /// Plain attributes to remove.
    pub remove: Vec<&'static str>,
    /// Bind (channel, id).
    pub bind_sns: Option<(String, String)>,
    /// Unbind this channel.
    pub unbind_sns: Option<String>,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self.nickname.is_none()
            && self.email.is_none()
            && self.phone.is_none()
            && self.password_hash.is_none()
            && self.set.is_empty()
            && self.remove.is_empty()
            && self.bind_sns.is_none()
            && self.unbind_sns.is_none()
    }
}

/// The value of a plain profile attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Text(String),
    Number(i64),
}

impl Field {
    fn attribute(&self) -> AttributeValue {
        match self {
            Field::Text(t) => s(t),
            Field::Number(v) => n(v),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("already taken: {0:?}")]
    Taken(Taken),
    /// The account changed since it was read (or is gone).
    #[error("the account changed concurrently")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Users {
    pub(crate) table: Table,
}

impl Users {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Users {
        Users {
            table: Table::new(client, table),
        }
    }

    /// Creates the account and its guard items in one transaction, under a new
    /// time-ordered uid ([`passport_core::ids`]: no counter item, no round trip before the
    /// write). A uid another sign-up drew in the same millisecond fails only the account's
    /// own condition, and is drawn again.
    pub async fn create(&self, new: &NewUser, now: i64) -> Result<User, CreateError> {
        for _ in 0..UID_DRAWS {
            match self.create_as(passport_core::ids::next(), new, now).await? {
                Some(user) => return Ok(user),
                None => continue,
            }
        }
        Err(StoreError(format!("no free uid in {UID_DRAWS} draws")).into())
    }

    /// [`Users::create`] with `uid`: `None` when the uid is taken.
    async fn create_as(
        &self,
        uid: u64,
        new: &NewUser,
        now: i64,
    ) -> Result<Option<User>, CreateError> {
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
            ("version".to_owned(), n(0)),
        ]);
        let mut guards = vec![(Taken::Username, keys::username_guard(&new.username))];
        if let Some((channel, id)) = &new.sns {
            item.insert(format!("{SNS_PREFIX}{channel}"), s(id));
            guards.push((Taken::Sns, keys::sns_guard(channel, id)));
        }
        if let Some(email) = &new.email {
            item.insert("email".to_owned(), s(email));
            guards.push((Taken::Email, keys::email_guard(email)));
        }
        if let Some((area, number)) = &new.phone {
            item.insert("area".to_owned(), s(area));
            item.insert("phone".to_owned(), s(number));
            guards.push((Taken::Phone, keys::phone_guard(area, number)));
        }
        let put = |item: Item| self.table.put_new(item);
        let mut writes = vec![put(item.clone())?];
        for (_, guard) in &guards {
            writes.push(put(guard_item(guard, uid))?);
        }
        match self
            .table
            .client()
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(Some(user_from(&item)?)),
            Err(e) => {
                // Reasons come in the order of the writes: the user first, then guards.
                let failed = super::cancelled_at(&e);
                let failed = |i: usize| failed.get(i).copied().unwrap_or(false);
                for (i, (taken, _)) in guards.iter().enumerate() {
                    if failed(i + 1) {
                        return Err(CreateError::Taken(*taken));
                    }
                }
                if failed(0) {
                    return Ok(None);
                }
                Err(CreateError::Store(sdk_error(e)))
            }
        }
    }

    /// The uid holding a guard, if any.
    /// The account the first of `guards` that is held names: every guard read at once,
    /// then the account, or for no holder the same read of an item that never exists
    /// (uid 0), so that an unknown name costs the calls of a known one.
    pub async fn resolve(&self, guards: &[keys::Key]) -> Result<Option<User>, StoreError> {
        let owners =
            futures_util::future::join_all(guards.iter().map(|g| self.guard_owner(g.clone())))
                .await;
        let mut uid = None;
        for owner in owners {
            uid = uid.or(owner?);
        }
        self.get(uid.unwrap_or(0)).await
    }

    /// The uid a guard (username, email or phone) names, if any.
    pub async fn guard_owner(&self, guard: keys::Key) -> Result<Option<u64>, StoreError> {
        let item = self.table.get(&guard, Read::Consistent).await?;
        item.map(|i| need_n(&i, "uid")).transpose()
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

    /// The account an SNS identity is bound to.
    pub async fn find_by_sns(&self, channel: &str, id: &str) -> Result<Option<User>, StoreError> {
        self.find(keys::sns_guard(channel, id)).await
    }

    /// Spends the SNS ticket `id` (valid until `expires`) once: `false` when it was spent
    /// before. The item lives until the ticket has expired (TTL deletes it after; the
    /// ticket's own expiry refuses it from then on).
    pub async fn spend_ticket(&self, id: &str, expires: i64) -> Result<bool, StoreError> {
        let key = keys::sns_ticket(id);
        let item: Item = HashMap::from([
            (keys::PK.to_owned(), s(key.pk)),
            (keys::SK.to_owned(), s(key.sk)),
            ("type".to_owned(), s("sns_ticket")),
            (keys::TTL.to_owned(), n(expires + 120)),
        ]);
        self.table.insert_if_free(item).await
    }

    /// Applies `change` to `current` (as read) in one transaction: the user item, conditioned
    /// on the version read, plus a guard put for every new name and a guard delete for every
    /// name given up. A name another account holds fails the whole write with
    /// [`UpdateError::Taken`]; a concurrent change of the same account with
    /// [`UpdateError::Conflict`].
    pub async fn update(
        &self,
        current: &User,
        change: &Change,
        now: i64,
    ) -> Result<User, UpdateError> {
        let uid = current.uid;
        let mut sets: Vec<(String, AttributeValue)> = vec![
            ("updated_at".to_owned(), n(now)),
            ("version".to_owned(), n(current.version + 1)),
        ];
        let mut removes: Vec<String> = change.remove.iter().map(|r| (*r).to_owned()).collect();
        // (what, guard to take, guard to give up)
        let mut moves: Vec<(Taken, Option<keys::Key>, Option<keys::Key>)> = Vec::new();
        if let Some(nickname) = &change.nickname {
            sets.push(("nickname".to_owned(), s(nickname)));
            moves.push((
                Taken::Nickname,
                Some(keys::nickname_guard(nickname)),
                current.nickname.as_deref().map(keys::nickname_guard),
            ));
        }
        if let Some(email) = &change.email {
            sets.push(("email".to_owned(), s(email)));
            sets.push(("email_verified".to_owned(), AttributeValue::Bool(false)));
            moves.push((
                Taken::Email,
                Some(keys::email_guard(email)),
                current.email.as_deref().map(keys::email_guard),
            ));
        }
        if let Some((area, number)) = &change.phone {
            sets.push(("area".to_owned(), s(area)));
            sets.push(("phone".to_owned(), s(number)));
            sets.push(("phone_verified".to_owned(), AttributeValue::Bool(false)));
            let old = match (&current.area, &current.phone) {
                (Some(a), Some(p)) => Some(keys::phone_guard(a, p)),
                _ => None,
            };
            moves.push((Taken::Phone, Some(keys::phone_guard(area, number)), old));
        }
        if let Some(hash) = &change.password_hash {
            sets.push(("password_hash".to_owned(), s(hash)));
        }
        if let Some((channel, id)) = &change.bind_sns {
            sets.push((format!("{SNS_PREFIX}{channel}"), s(id)));
            moves.push((Taken::Sns, Some(keys::sns_guard(channel, id)), None));
        }
        if let Some(channel) = &change.unbind_sns {
            removes.push(format!("{SNS_PREFIX}{channel}"));
            let old = current
                .sns
                .get(channel)
                .map(|id| keys::sns_guard(channel, id));
            moves.push((Taken::Sns, None, old));
        }
        for (name, value) in &change.set {
            sets.push(((*name).to_owned(), value.attribute()));
        }
        // The account as the write leaves it: the version condition means nothing else
        // changed it in between, so it needs no read after.
        let mut after = item_of(current);
        for (name, value) in &sets {
            after.insert(name.clone(), value.clone());
        }
        for name in &removes {
            after.remove(name);
        }
        let updated = user_from(&after)?;

        let key = keys::user(uid);
        let mut update = Update::builder()
            .table_name(self.table.name())
            .key(keys::PK, s(&key.pk))
            .key(keys::SK, s(&key.sk))
            .condition_expression(
                "attribute_exists(pk) AND (version = :seen OR (attribute_not_exists(version) AND :seen = :zero))",
            )
            .expression_attribute_values(":seen", n(current.version))
            .expression_attribute_values(":zero", n(0));
        let mut expression = String::from("SET ");
        for (i, (name, value)) in sets.into_iter().enumerate() {
            if i > 0 {
                expression.push_str(", ");
            }
            expression.push_str(&format!("#s{i} = :s{i}"));
            update = update
                .expression_attribute_names(format!("#s{i}"), name)
                .expression_attribute_values(format!(":s{i}"), value);
        }
        if !removes.is_empty() {
            expression.push_str(" REMOVE ");
            for (i, name) in removes.into_iter().enumerate() {
                if i > 0 {
                    expression.push_str(", ");
                }
                expression.push_str(&format!("#r{i}"));
                update = update.expression_attribute_names(format!("#r{i}"), name);
            }
        }
        let update = update
            .update_expression(expression)
            .build()
            .map_err(|e| StoreError(e.to_string()))?;
        let mut writes = vec![TransactWriteItem::builder().update(update).build()];
        // Which write guards which name, for reading the cancellation reasons.
        let mut guarded: Vec<Option<Taken>> = vec![None];
        for (taken, take, give_up) in moves {
            // A change that keeps the name (another case of the same address) keeps its guard.
            if take.is_some() && take == give_up {
                continue;
            }
            if let Some(guard) = take {
                writes.push(self.table.put_new(guard_item(&guard, uid))?);
                guarded.push(Some(taken));
            }
            if let Some(guard) = give_up {
                let delete = Delete::builder()
                    .table_name(self.table.name())
                    .key(keys::PK, s(guard.pk))
                    .key(keys::SK, s(guard.sk))
                    .condition_expression("uid = :uid")
                    .expression_attribute_values(":uid", n(uid))
                    .build()
                    .map_err(|e| StoreError(e.to_string()))?;
                writes.push(TransactWriteItem::builder().delete(delete).build());
                guarded.push(None);
            }
        }
        // A transaction that collides with another one in flight on the same items is
        // cancelled with TransactionConflict and nothing written; sent again, it meets the
        // winner's result and answers by its conditions.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = self
                .table
                .client()
                .transact_write_items()
                .set_transact_items(Some(writes.clone()))
                .send()
                .await;
            if let Err(SdkError::ServiceError(e)) = &sent {
                if let TransactWriteItemsError::TransactionCanceledException(cancel) = e.err() {
                    let reasons = cancel.cancellation_reasons();
                    let only_conflicts = reasons.iter().all(|r| {
                        matches!(r.code(), None | Some("None") | Some("TransactionConflict"))
                    });
                    if only_conflicts && attempt < 4 {
                        tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
                        continue;
                    }
                }
            }
            return Self::update_outcome(sent, &guarded).map(|()| updated);
        }
    }

    fn update_outcome<R: std::fmt::Debug>(
        sent: Result<
            aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput,
            SdkError<TransactWriteItemsError, R>,
        >,
        guarded: &[Option<Taken>],
    ) -> Result<(), UpdateError> {
        match sent {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => {
                if let TransactWriteItemsError::TransactionCanceledException(cancel) = e.err() {
                    let failed = |r: &aws_sdk_dynamodb::types::CancellationReason| {
                        r.code() == Some("ConditionalCheckFailed")
                    };
                    let reasons = cancel.cancellation_reasons();
                    if reasons.first().is_some_and(failed) {
                        return Err(UpdateError::Conflict);
                    }
                    for (reason, taken) in reasons.iter().zip(guarded) {
                        match (failed(reason), taken) {
                            (true, Some(taken)) => return Err(UpdateError::Taken(*taken)),
                            // A guard we gave up is no longer ours: someone changed the
                            // account in between.
                            (true, None) => return Err(UpdateError::Conflict),
                            _ => {}
                        }
                    }
                    if reasons
                        .iter()
                        .any(|r| r.code() == Some("TransactionConflict"))
                    {
                        return Err(UpdateError::Conflict);
                    }
                }
                Err(UpdateError::Store(StoreError(format!("{:?}", e.err()))))
            }
            Err(e) => Err(UpdateError::Store(sdk_error(e))),
        }
    }

    pub async fn get(&self, uid: u64) -> Result<Option<User>, StoreError> {
        let key = keys::user(uid);
        let item = self.table.get(&key, Read::Consistent).await?;
        item.as_ref().map(user_from).transpose()
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

    /// Counts a sign-in attempt on the gate of a sign-in name ([`keys::sign_in_gate`])
    /// before the password is checked, so that no more than `max_failures` checks run while
    /// failures accumulate, however many arrive at once. The gate exists for every name
    /// tried, account or not: unknown names lock as known ones do.
    ///
    /// The attempt that takes the last allowed slot also sets the lock (`lock_until`) in
    /// the same conditional write, so attempts racing it are refused at once; a right password
    /// deletes the gate ([`Users::clear_failures`]). When a lock has run out, the first attempt
    /// to notice starts a new count. Gates expire (TTL) a day after their last write.
    pub async fn open_gate(
        &self,
        gate: &keys::Key,
        max_failures: u32,
        lock_seconds: i64,
        now: i64,
    ) -> Result<Gate, StoreError> {
        let max = max_failures.max(1);
        let expires = n(now + lock_seconds + 86_400);
        let update = || {
            self.table
                .update_item(gate)
                .expression_attribute_names("#ttl", keys::TTL)
                .expression_attribute_values(":ttl", expires.clone())
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
        };
        // Below the last slot: count the attempt.
        if max > 1 {
            let counted = update()
                .update_expression(
                    "SET login_failures = if_not_exists(login_failures, :zero) + :one, #ttl = :ttl",
                )
                .condition_expression(
                    "attribute_not_exists(login_failures) OR login_failures < :last",
                )
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
                        .ok_or_else(|| StoreError("sign-in gate without a count".into()))?;
                    return Ok(Gate::Open {
                        failures: failures as u32,
                    });
                }
                Err(e) => {
                    super::refused_update(e)?;
                }
            }
        }
        // The last slot: take it and lock in the same write.
        let last = update()
            .update_expression("SET login_failures = :max, lock_until = :lock, #ttl = :ttl")
            .condition_expression("login_failures = :last OR (attribute_not_exists(login_failures) AND :last = :zero)")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":max", n(max))
            .expression_attribute_values(":last", n(max - 1))
            .expression_attribute_values(":lock", n(now + lock_seconds))
            .send()
            .await;
        let old = match last {
            Ok(_) => return Ok(Gate::Open { failures: max }),
            Err(e) => super::refused_update(e)?,
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
            .update_expression("SET login_failures = :one, lock_until = :zero, #ttl = :ttl")
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
                super::refused_update(e)?;
                Ok(Gate::Locked {
                    until: until.max(now),
                })
            }
        }
    }

    /// After a right password: the name's failures are forgotten.
    pub async fn clear_failures(&self, gate: &keys::Key) -> Result<(), StoreError> {
        self.table
            .delete_item(gate)
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
        self.table.update_item(&key)
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

    /// Every account, page by page (a scan: for the operator's export, never for a
    /// route), each page handed to `each` as it arrives.
    pub async fn each_account(
        &self,
        mut each: impl FnMut(Vec<User>) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let mut start = None;
        let mut total = 0;
        loop {
            let page = self
                .table
                .client()
                .scan()
                .table_name(self.table.name())
                .filter_expression("sk = :profile AND begins_with(pk, :user)")
                .expression_attribute_values(":profile", s("PROFILE"))
                .expression_attribute_values(":user", s("USER#"))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            let users = page
                .items()
                .iter()
                .map(user_from)
                .collect::<Result<Vec<User>, StoreError>>()?;
            total += users.len() as u64;
            each(users)?;
            match page.last_evaluated_key() {
                Some(key) => start = Some(key.clone()),
                None => return Ok(total),
            }
        }
    }

    /// Replaces the password hash `old` by `new` where the account still holds `old` (an
    /// imported legacy hash upgraded at a right sign-in); false when it changed meanwhile.
    /// Not a version bump: nothing the account's owner sees changes.
    pub async fn upgrade_hash(&self, uid: u64, old: &str, new: &str) -> Result<bool, StoreError> {
        let out = self
            .table
            .update_item(&keys::user(uid))
            .update_expression("SET password_hash = :new")
            .condition_expression("password_hash = :old")
            .expression_attribute_values(":new", s(new))
            .expression_attribute_values(":old", s(old))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) => crate::refused_update(e).map(|_| false),
        }
    }

    /// Marks the account's email unverified if it is still `email` (SES reported it as
    /// bouncing); whether it was.
    pub async fn mark_email_unverified(
        &self,
        uid: u64,
        email: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let Some(user) = self.get(uid).await? else {
            return Ok(false);
        };
        let Some(stored) = user.email.filter(|e| e.eq_ignore_ascii_case(email)) else {
            return Ok(false);
        };
        let out = self
            .table
            .update_item(&keys::user(uid))
            .update_expression("SET email_verified = :f, updated_at = :now")
            .condition_expression("attribute_exists(pk) AND email = :e")
            .expression_attribute_values(":f", AttributeValue::Bool(false))
            .expression_attribute_values(":e", s(stored))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            // The address changed meanwhile: the bounce is not about this account's now.
            Err(e) => crate::refused_update(e).map(|_| false),
        }
    }

    /// Marks the account's email (or phone) verified.
    pub async fn mark_verified(&self, uid: u64, email: bool, now: i64) -> Result<(), StoreError> {
        let key = keys::user(uid);
        let attr = if email {
            "email_verified"
        } else {
            "phone_verified"
        };
        self.table
            .update_item(&key)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_item_reads_back_as_the_same_account() {
        let user = User {
            uid: 10_001,
            username: "li_lei".into(),
            email: Some("li@example.com".into()),
            area: Some("86".into()),
            phone: Some("13800138000".into()),
            email_verified: true,
            phone_verified: false,
            password_hash: "$argon2id$v=19$...".into(),
            created_at: 1,
            updated_at: 2,
            nickname: Some("韩梅梅".into()),
            avatar: None,
            gender: 0,
            birthday: Some("2000-01-01".into()),
            address: None,
            detail: BTreeMap::from([("realname".to_owned(), "李雷".to_owned())]),
            sns: BTreeMap::from([("weibo".to_owned(), "42".to_owned())]),
            version: 3,
            role: None,
            disabled: false,
        };
        let back = user_from(&item_of(&user)).unwrap();
        assert_eq!(format!("{back:?}"), format!("{user:?}"));
        let mut item = item_of(&user);
        item.remove("version");
        assert!(
            user_from(&item).is_err(),
            "a missing version is an error, not 0"
        );
    }
}
