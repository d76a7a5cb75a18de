//! SES bounce and complaint notifications, delivered by SNS from the configuration set
//! every mail is sent in (template.yaml's `MailConfigurationSet`), kept as a suppression
//! list that every mailer checks first ([`passport_shared::mail::Suppressing`]):
//!
//! - a permanent bounce suppresses each bounced address and marks it unverified on the
//!   account that holds it (the address does not receive mail, so it proves nothing);
//! - a complaint suppresses each complaining address;
//! - a transient bounce (a full mailbox, a greylisting server) changes nothing.
//!
//! Both shapes SES publishes are read: configuration-set events (`eventType`) and identity
//! notifications (`notificationType`). A record that is not an SES notification is
//! skipped and logged; only a storage failure fails the invocation (SNS then retries it).

use passport_shared::storage::keys;
use passport_shared::storage::ports::AccountStore;
use passport_shared::storage::suppressions::{Reason, Suppressions};
use passport_shared::storage::users::Users;
use passport_shared::storage::StoreError;
use serde_json::{json, Value};

/// What one SES notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A permanent bounce of these addresses.
    HardBounce(Vec<String>),
    /// A transient bounce: nothing to do.
    SoftBounce,
    /// These addresses complained.
    Complaint(Vec<String>),
    /// Another notification (a delivery, a send), or not one of SES's.
    Other(String),
}

/// The SES notifications of an SNS event, one per record.
pub fn notices(event: &Value) -> Vec<Notice> {
    let records = event["Records"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    records
        .iter()
        .map(|record| {
            let message: Value = record["Sns"]["Message"]
                .as_str()
                .and_then(|m| serde_json::from_str(m).ok())
                .unwrap_or(Value::Null);
            notice(&message)
        })
        .collect()
}

/// One SES notification.
pub fn notice(message: &Value) -> Notice {
    let kind = message["eventType"]
        .as_str()
        .or_else(|| message["notificationType"].as_str())
        .unwrap_or("");
    let addresses = |list: &Value| -> Vec<String> {
        list.as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|r| r["emailAddress"].as_str())
            .map(|a| bare_address(a).to_ascii_lowercase())
            .filter(|a| a.contains('@'))
            .collect()
    };
    match kind {
        "Bounce" if message["bounce"]["bounceType"] == "Permanent" => {
            Notice::HardBounce(addresses(&message["bounce"]["bouncedRecipients"]))
        }
        "Bounce" => Notice::SoftBounce,
        "Complaint" => Notice::Complaint(addresses(&message["complaint"]["complainedRecipients"])),
        other => Notice::Other(other.to_owned()),
    }
}

/// `Name <a@b>` as `a@b` (SES may give either).
fn bare_address(address: &str) -> &str {
    match (address.rfind('<'), address.rfind('>')) {
        (Some(start), Some(end)) if start < end => &address[start + 1..end],
        _ => address.trim(),
    }
}

pub struct App {
    suppressions: Suppressions,
    users: Users,
}

impl App {
    pub fn new(client: passport_shared::aws::DynamoDbClient, table: &str) -> App {
        App {
            suppressions: Suppressions::new(client.clone(), table),
            users: Users::new(client, table),
        }
    }

    /// Acts on every notification of `event`; answers what was done.
    pub async fn handle(&self, event: &Value, now: i64) -> Result<Value, StoreError> {
        let (mut suppressed, mut unverified, mut skipped) = (0, 0, 0);
        for notice in notices(event) {
            match notice {
                Notice::HardBounce(addresses) => {
                    for address in addresses {
                        self.suppressions
                            .suppress(&address, Reason::Bounce, now)
                            .await?;
                        suppressed += 1;
                        if self.unverify(&address, now).await? {
                            unverified += 1;
                        }
                    }
                }
                Notice::Complaint(addresses) => {
                    for address in addresses {
                        self.suppressions
                            .suppress(&address, Reason::Complaint, now)
                            .await?;
                        suppressed += 1;
                    }
                }
                Notice::SoftBounce => skipped += 1,
                Notice::Other(kind) => {
                    tracing::warn!(kind, "not an SES bounce or complaint; skipped");
                    skipped += 1;
                }
            }
        }
        tracing::info!(suppressed, unverified, skipped, "mail notifications");
        Ok(json!({ "suppressed": suppressed, "unverified": unverified, "skipped": skipped }))
    }

    /// Marks `address` unverified on the account that holds it, if one does.
    async fn unverify(&self, address: &str, now: i64) -> Result<bool, StoreError> {
        let Some(uid) = self.users.owner(&keys::email_guard(address)).await? else {
            return Ok(false);
        };
        self.users.mark_email_unverified(uid, address, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../events")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn the_sample_events_read_as_their_notices() {
        assert_eq!(
            notices(&sample("mail-bounce.json")),
            vec![Notice::HardBounce(vec![
                "bounce@simulator.amazonses.com".into()
            ])]
        );
        assert_eq!(
            notices(&sample("mail-complaint.json")),
            vec![Notice::Complaint(vec![
                "complaint@simulator.amazonses.com".into()
            ])]
        );
    }

    #[test]
    fn identity_notifications_and_named_addresses_read_alike() {
        let message = json!({
            "notificationType": "Bounce",
            "bounce": {"bounceType": "Permanent",
                       "bouncedRecipients": [{"emailAddress": "Li Lei <Li.Lei@Example.com>"}]}
        });
        assert_eq!(
            notice(&message),
            Notice::HardBounce(vec!["li.lei@example.com".into()])
        );
        let transient = json!({"eventType": "Bounce", "bounce": {"bounceType": "Transient",
            "bouncedRecipients": [{"emailAddress": "full@example.com"}]}});
        assert_eq!(notice(&transient), Notice::SoftBounce);
        assert_eq!(
            notice(&json!({"eventType": "Delivery"})),
            Notice::Other("Delivery".into())
        );
        assert_eq!(
            notices(&json!({"Records": [{"Sns": {"Message": "not json"}}]})),
            vec![Notice::Other(String::new())]
        );
    }
}
