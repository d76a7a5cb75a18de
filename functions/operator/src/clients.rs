//! `/api/operator/clients*`: the OAuth clients, their calls this hour per API, and what an
//! operator does to one: rotate its secret (the old one still taken for a grace period,
//! so that its servers can move over without an outage), disable and enable it (a
//! disabled client authenticates nowhere and its tokens are refused), delete it. Each
//! action is one transaction with its audit entry. Clients are still registered and their
//! limits set by `passport-admin client` (the same rules, `Client::register`).

use crate::{actor, App};
use passport_shared::storage::audit::Entry;
use passport_shared::storage::clients::{AuthMethod, Client};
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::users::User;
use passport_shared::{crypto, datetime, ApiError, ApiRequest, ErrorKind, Reply};
use serde_json::{json, Value};

/// The grace period of a rotation unless one is chosen: a day.
pub const DEFAULT_GRACE: i64 = 86_400;
/// The longest grace period: a week.
pub const MAX_GRACE: i64 = 7 * 86_400;

/// What an operator does to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A new secret; the old one is taken for this many more seconds.
    Rotate {
        grace_seconds: i64,
    },
    Disable,
    Enable,
    Delete,
}

/// The client `id` as stored (disabled ones too), or 10001.
async fn stored(app: &App, id: &str) -> Result<Client, ApiError> {
    app.identity
        .sessions
        .meter
        .clients
        .read(id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NoData).with_field("client_id"))
}

fn entry(
    operator: &User,
    action: &'static str,
    client: &Client,
    before: Value,
    after: Value,
) -> Entry {
    Entry {
        actor: actor(operator),
        action,
        target: format!("client:{}", client.id),
        before,
        after,
    }
}

/// Every client, as the operator sees them (no secrets).
pub async fn all(app: &App) -> Result<Vec<Client>, ApiError> {
    Ok(app.identity.sessions.meter.clients.list().await?)
}

/// Client `id` and the calls it made this hour, per API.
pub async fn one(app: &App, id: &str) -> Result<Value, ApiError> {
    let client = stored(app, id).await?;
    let meter = &app.identity.sessions.meter;
    let now = passport_shared::now();
    let used = meter.quotas.used(&client.id, now).await?;
    let usage: Vec<Value> = used
        .iter()
        .map(|(api, calls)| {
            let limit = client.limit_for(api).unwrap_or(meter.default_limit);
            json!({ "api": api, "calls": calls, "limit": limit })
        })
        .collect();
    let hour = now - now.rem_euclid(3600);
    Ok(json!({
        "client": client.view(),
        "this_hour": { "since": datetime(hour), "calls": usage },
    }))
}

/// A grace period as forms and the API give it, in seconds (0 to a week).
pub fn grace_of(raw: Option<&str>) -> Result<i64, ApiError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(DEFAULT_GRACE),
        Some(r) => match r.parse::<i64>() {
            Ok(s) if (0..=MAX_GRACE).contains(&s) => Ok(s),
            _ => Err(ApiError::invalid("grace_seconds")),
        },
    }
}

/// `operator` does `action` to client `id`: what came of it (a rotation's new secret, once).
pub async fn act(app: &App, operator: &User, id: &str, action: Action) -> Result<Value, ApiError> {
    let client = stored(app, id).await?;
    let clients = &app.identity.sessions.meter.clients;
    let now = passport_shared::now();
    let conflict = || ApiError::new(ErrorKind::ProfileConflict);
    match action {
        Action::Rotate { grace_seconds } => {
            let (AuthMethod::Secret, Some(current)) = (client.auth_method(), &client.secret_hash)
            else {
                return Err(ApiError::invalid("client_id").with_cause("a client without a secret"));
            };
            let secret = crypto::random_secret(32);
            let until = now + grace_seconds;
            let audit = entry(
                operator,
                "client.rotate_secret",
                &client,
                json!({ "previous_secret_valid_until": client.previous_secret.as_ref().map(|(_, u)| datetime(*u)) }),
                json!({ "previous_secret_valid_until": datetime(until), "grace_seconds": grace_seconds }),
            );
            let step = app.audit.step(&audit, now)?;
            if !clients
                .rotate(&client.id, current, &secret, grace_seconds, step, now)
                .await?
            {
                return Err(conflict());
            }
            Ok(json!({
                "client_id": client.id,
                "client_secret": secret,
                "previous_secret_valid_until": datetime(until),
            }))
        }
        Action::Disable | Action::Enable => {
            let disabled = action == Action::Disable;
            if client.disabled == disabled {
                return Ok(json!({ "client": client.view() }));
            }
            let name = if disabled {
                "client.disable"
            } else {
                "client.enable"
            };
            let audit = entry(
                operator,
                name,
                &client,
                json!({ "disabled": client.disabled }),
                json!({ "disabled": disabled }),
            );
            if !clients
                .set_disabled(&client.id, disabled, app.audit.step(&audit, now)?)
                .await?
            {
                return Err(conflict());
            }
            let mut after = client;
            after.disabled = disabled;
            Ok(json!({ "client": after.view() }))
        }
        Action::Delete => {
            let audit = entry(
                operator,
                "client.delete",
                &client,
                client.view(),
                Value::Null,
            );
            if !clients
                .delete(&client.id, app.audit.step(&audit, now)?)
                .await?
            {
                return Err(ApiError::new(ErrorKind::NoData).with_field("client_id"));
            }
            Ok(json!({ "deleted": client.id }))
        }
    }
}

fn client_id(req: &ApiRequest) -> Result<String, ApiError> {
    req.path_param("client_id")
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ApiError::invalid("client_id"))
}

pub async fn list(
    app: &App,
    _req: &ApiRequest,
    _token: &TokenRecord,
    _operator: &User,
) -> Result<Reply, ApiError> {
    let clients: Vec<Value> = all(app).await?.iter().map(Client::view).collect();
    Reply::of(&json!({ "clients": clients }))
}

pub async fn item(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    _operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&one(app, &client_id(req)?).await?)
}

pub async fn rotate(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    req.params.scalars(&["grace_seconds"])?;
    let grace_seconds = grace_of(req.params.text("grace_seconds").as_deref())?;
    let done = act(
        app,
        operator,
        &client_id(req)?,
        Action::Rotate { grace_seconds },
    )
    .await?;
    Reply::of(&done)
}

pub async fn disable(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&act(app, operator, &client_id(req)?, Action::Disable).await?)
}

pub async fn enable(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&act(app, operator, &client_id(req)?, Action::Enable).await?)
}

pub async fn delete(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&act(app, operator, &client_id(req)?, Action::Delete).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grace_period_is_up_to_a_week_of_seconds() {
        assert_eq!(grace_of(None).unwrap(), DEFAULT_GRACE);
        assert_eq!(grace_of(Some(" ")).unwrap(), DEFAULT_GRACE);
        assert_eq!(grace_of(Some("0")).unwrap(), 0);
        assert_eq!(grace_of(Some("604800")).unwrap(), MAX_GRACE);
        for bad in ["-1", "604801", "1h", "1.5"] {
            assert!(grace_of(Some(bad)).is_err(), "{bad}");
        }
    }
}
