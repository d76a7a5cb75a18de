//! Quota resets, driven by EventBridge:
//!
//! - the hourly schedule (`detail-type` "Scheduled Event"): deletes the counters of the
//!   last 24 ended hours. Enforcement never waits for it: every hour has its own counter, so
//!   a new hour starts from zero whether or not the sweep ran;
//! - an operator's reset (`detail-type` "RateLimitReset", `detail` `{"client_id": ...,
//!   "api": ...}` with `api` optional), sent after a plan change: the client's counters of
//!   the current hour start again from zero.

use passport_shared::storage::quotas::Quotas;
use serde::Deserialize;
use serde_json::{json, Value};

/// How many ended hours the sweep looks back.
pub const SWEEP_HOURS: i64 = 24;

/// Why an event was not acted on.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("unknown event: detail-type {0:?}")]
    Unknown(String),
    #[error("RateLimitReset needs detail.client_id")]
    NoClient,
    #[error(transparent)]
    Store(#[from] passport_shared::storage::StoreError),
}

/// What an event asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Sweep,
    Reset {
        client_id: String,
        api: Option<String>,
    },
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "detail-type", default)]
    detail_type: String,
    #[serde(default)]
    detail: Value,
}

/// Reads an EventBridge event.
pub fn command(event: &Value) -> Result<Command, EventError> {
    let envelope: Envelope =
        serde_json::from_value(event.clone()).map_err(|_| EventError::Unknown(String::new()))?;
    match envelope.detail_type.as_str() {
        "Scheduled Event" => Ok(Command::Sweep),
        "RateLimitReset" => {
            let text = |k: &str| {
                envelope
                    .detail
                    .get(k)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
            };
            Ok(Command::Reset {
                client_id: text("client_id").ok_or(EventError::NoClient)?,
                api: text("api"),
            })
        }
        other => Err(EventError::Unknown(other.to_owned())),
    }
}

pub struct App {
    quotas: Quotas,
}

impl App {
    pub fn new(client: passport_shared::aws::DynamoDbClient, table: &str) -> App {
        App {
            quotas: Quotas::new(client, table),
        }
    }

    pub async fn handle(&self, event: Value, now: i64) -> Result<Value, EventError> {
        match command(&event)? {
            Command::Sweep => {
                let deleted = self.quotas.sweep(now, SWEEP_HOURS).await?;
                tracing::info!(deleted, "swept ended quota windows");
                Ok(json!({ "action": "sweep", "deleted": deleted }))
            }
            Command::Reset { client_id, api } => {
                let reset = self.quotas.reset(&client_id, api.as_deref(), now).await?;
                tracing::info!(
                    client_id,
                    api = api.as_deref().unwrap_or("*"),
                    reset,
                    "quota reset"
                );
                Ok(json!({ "action": "reset", "client_id": client_id, "api": api, "reset": reset }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_become_commands() {
        let scheduled =
            json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
        assert_eq!(command(&scheduled).unwrap(), Command::Sweep);
        let reset = json!({"detail-type": "RateLimitReset", "source": "passport.operator",
                           "detail": {"client_id": "123", "api": "apis/Services/location"}});
        assert_eq!(
            command(&reset).unwrap(),
            Command::Reset {
                client_id: "123".into(),
                api: Some("apis/Services/location".into())
            }
        );
        let all = json!({"detail-type": "RateLimitReset", "detail": {"client_id": "123"}});
        assert_eq!(
            command(&all).unwrap(),
            Command::Reset {
                client_id: "123".into(),
                api: None
            }
        );
        assert!(matches!(
            command(&json!({"detail-type": "RateLimitReset", "detail": {}})),
            Err(EventError::NoClient)
        ));
        assert!(matches!(
            command(&json!({"detail-type": "Other"})),
            Err(EventError::Unknown(_))
        ));
    }
}
