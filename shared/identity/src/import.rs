//! Moving accounts in from a legacy user system: one record an account (a JSON object, or
//! a CSV row under a header with the same names), checked by the rules every sign-up
//! meets, and created with its guards in one transaction.
//!
//! A record: `username` and `password_hash` (required), `email`, `area` and `phone`,
//! `email_verified`, `phone_verified` (`true`/`false`, `1`/`0`); other fields are ignored.
//! The hash is kept as the old system wrote it (bcrypt, PHP's `password_hash`, salted MD5 or
//! SHA-1 in Django's notation, or an argon2 PHC string: see
//! [`passport_shared::crypto::password`]) and becomes argon2id at the account's next right
//! sign-in.
//!
//! Importing is idempotent by username: a username that already has an account is
//! skipped (`exists`), so a run can be repeated or resumed without doubling anyone. A
//! record is refused (with the reason) when a field breaks a rule or its email or phone
//! belongs to another account.

use passport_shared::crypto;
use passport_shared::domain::{AreaPhone, Email, Username};
use passport_shared::storage::ports::AccountStore;
use passport_shared::storage::users::{CreateError, NewUser, Taken};
use serde_json::{Map, Value};

/// What came of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created {
        uid: u64,
    },
    /// Its username has an account already (from an earlier run, or anyone's).
    Exists,
    Refused {
        reason: String,
    },
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Created { .. } => "created",
            Outcome::Exists => "exists",
            Outcome::Refused { .. } => "refused",
        }
    }
}

fn refused(reason: impl Into<String>) -> Outcome {
    Outcome::Refused {
        reason: reason.into(),
    }
}

/// A text field: a JSON string (or number, for phones), trimmed; `None` when absent or empty.
fn text(record: &Map<String, Value>, field: &str) -> Option<String> {
    match record.get(field) {
        Some(Value::String(s)) => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// A flag: a JSON boolean, or `true`/`false`/`1`/`0`/`yes`/`no` as text; absent is false.
fn flag(record: &Map<String, Value>, field: &str) -> Result<bool, String> {
    match record.get(field) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(true),
        Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(false),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "" | "0" | "false" | "no" => Ok(false),
            "1" | "true" | "yes" => Ok(true),
            _ => Err(format!("{field}: not a yes or no")),
        },
        Some(_) => Err(format!("{field}: not a yes or no")),
    }
}

/// The account a record describes, by the sign-up rules; the reason when it breaks one.
pub fn new_user(record: &Map<String, Value>) -> Result<NewUser, String> {
    let username = text(record, "username").ok_or("username: missing")?;
    let username = Username::parse(&username).map_err(|k| format!("username: {k:?}"))?;
    let hash = text(record, "password_hash").ok_or("password_hash: missing")?;
    if !crypto::password::is_verifiable(&hash) {
        return Err("password_hash: not a hash Passport can check (bcrypt, md5$salt$hex, sha1$salt$hex or argon2)".into());
    }
    let email = match text(record, "email") {
        Some(raw) => Some(
            Email::parse(&raw)
                .map_err(|k| format!("email: {k:?}"))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let phone = match text(record, "phone") {
        Some(raw) => {
            let parsed = AreaPhone::parse(text(record, "area").as_deref(), &raw)
                .map_err(|k| format!("phone: {k:?}"))?;
            Some((parsed.area().to_owned(), parsed.number().to_owned()))
        }
        None => None,
    };
    Ok(NewUser {
        username: username.as_str().to_owned(),
        email_verified: email.is_some() && flag(record, "email_verified")?,
        phone_verified: phone.is_some() && flag(record, "phone_verified")?,
        email,
        phone,
        password_hash: hash,
        sns: None,
    })
}

/// Imports one record.
pub async fn import(
    users: &dyn AccountStore,
    record: &Map<String, Value>,
    now: i64,
) -> Result<Outcome, passport_shared::storage::StoreError> {
    let new = match new_user(record) {
        Ok(new) => new,
        Err(reason) => return Ok(refused(reason)),
    };
    match users.create(&new, now).await {
        Ok(user) => Ok(Outcome::Created { uid: user.uid }),
        Err(CreateError::Taken(Taken::Username)) => Ok(Outcome::Exists),
        Err(CreateError::Taken(Taken::Email)) => Ok(refused("email: another account has it")),
        Err(CreateError::Taken(Taken::Phone)) => Ok(refused("phone: another account has it")),
        Err(CreateError::Taken(other)) => Ok(refused(format!("{other:?}: taken"))),
        Err(CreateError::Store(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use passport_shared::storage::memory::MemoryAccounts;
    use serde_json::json;

    fn record(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    const BCRYPT: &str = "$2y$04$VHsT9cb9QV1UIDCK9lNmB.3xhUP1HUm0X7cU06tbLMu1Qcj8z9Bv6";

    #[test]
    fn a_record_meets_the_sign_up_rules() {
        let ok = new_user(&record(json!({
            "username": "li_lei", "password_hash": BCRYPT, "email": "Li.Lei@Example.com",
            "email_verified": "1", "phone": "13800138000", "area": "86", "phone_verified": true,
            "legacy_id": 42
        })))
        .unwrap();
        assert_eq!(ok.username, "li_lei");
        assert!(ok.email_verified && ok.phone_verified);
        assert_eq!(ok.phone, Some(("86".into(), "13800138000".into())));
        let reason = |v: Value| new_user(&record(v)).unwrap_err();
        assert!(reason(json!({"password_hash": BCRYPT})).starts_with("username"));
        assert!(reason(json!({"username": "x", "password_hash": BCRYPT})).starts_with("username"));
        assert!(
            reason(json!({"username": "li_lei", "password_hash": "plain"}))
                .starts_with("password_hash")
        );
        assert!(
            reason(json!({"username": "li_lei", "password_hash": BCRYPT, "email": "nope"}))
                .starts_with("email")
        );
        assert!(
            reason(json!({"username": "li_lei", "password_hash": BCRYPT, "phone": "12"}))
                .starts_with("phone")
        );
        assert!(reason(json!({"username": "li_lei", "password_hash": BCRYPT, "email": "a@b.co", "email_verified": "maybe"})).starts_with("email_verified"));
    }

    #[tokio::test]
    async fn importing_twice_creates_once_and_guards_hold() {
        let users = MemoryAccounts::default();
        let a = record(
            json!({"username": "li_lei", "password_hash": BCRYPT, "email": "li@example.com"}),
        );
        assert!(matches!(
            import(&users, &a, 1).await.unwrap(),
            Outcome::Created { .. }
        ));
        assert_eq!(import(&users, &a, 2).await.unwrap(), Outcome::Exists);
        let b = record(
            json!({"username": "han_meimei", "password_hash": BCRYPT, "email": "LI@example.com"}),
        );
        assert_eq!(
            import(&users, &b, 3).await.unwrap(),
            refused("email: another account has it")
        );
    }
}
