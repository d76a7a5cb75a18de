//! `/api/operator/clients*`: the OAuth clients, their calls this hour per API, and what an
//! operator does to one: rotate its secret (the old one still taken for a grace period,
//! so that its servers can move over without an outage), disable and enable it (a
//! disabled client authenticates nowhere and its tokens are refused), delete it. Each
//! action is one transaction with its audit entry. Registering a client and changing its
//! name, redirect URIs, grants, scopes and limits follow the rules `passport-admin client`
//! follows (`Client::register`, `Client::revised`: one set).

use crate::App;
use passport_shared::storage::audit::Entry;
use passport_shared::storage::clients::{
    AuthMethod, Client, Registration, RegistrationError, Revision,
};
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::users::User;
use passport_shared::{crypto, datetime, ApiError, ApiRequest, ErrorKind, Params, Reply};
use serde_json::{json, Value};
use std::collections::BTreeMap;

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
    crate::entry(
        operator,
        action,
        format!("client:{}", client.id),
        before,
        after,
    )
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

/// A list field: a JSON array of text, or text split at white space (a form's textarea).
fn list_of(p: &Params, name: &str) -> Result<Option<Vec<String>>, ApiError> {
    match p.value(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(|s| s.trim().to_owned())
                    .ok_or_else(|| ApiError::invalid(name))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(Value::String(s)) => Ok(Some(s.split_whitespace().map(str::to_owned).collect())),
        Some(_) => Err(ApiError::invalid(name)),
    }
}

/// Limits: a JSON object of API to calls per hour, or lines `api=calls` (a form's textarea).
fn limits_of(p: &Params) -> Result<Option<BTreeMap<String, u32>>, ApiError> {
    let bad = || ApiError::invalid("limits");
    let pair = |api: &str, n: Option<u32>| -> Result<(String, u32), ApiError> {
        let api = api.trim().trim_start_matches('/');
        match (api.is_empty(), n) {
            (false, Some(n)) => Ok((api.to_owned(), n)),
            _ => Err(bad()),
        }
    };
    match p.value("limits") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(api, n)| pair(api, n.as_u64().and_then(|n| u32::try_from(n).ok())))
            .collect::<Result<_, _>>()
            .map(Some),
        Some(Value::String(s)) => s
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let (api, n) = l.split_once('=').ok_or_else(bad)?;
                pair(api, n.trim().parse().ok())
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(bad()),
    }
}

/// A flag of a form or JSON: `true`, or `1`/`on`/`true` as text.
fn flag(p: &Params, name: &str) -> bool {
    match p.value(name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.trim(), "1" | "on" | "true"),
        _ => false,
    }
}

/// A registration's refusal, in the field it is about; its text is the rule, shown.
fn refused(e: RegistrationError) -> ApiError {
    let field = match e {
        RegistrationError::UnknownGrant(_)
        | RegistrationError::PasswordNotFirstParty
        | RegistrationError::PublicClientCredentials => "grant_types",
        RegistrationError::RedirectUri(_) => "redirect_uris",
        RegistrationError::NoName => "name",
        _ => "client",
    };
    ApiError::invalid(field).with_cause(e.to_string())
}

/// Registers a client from form or JSON fields (`name`, `redirect_uris`, `grant_types`,
/// `scopes`, `limits`, `public`, `first_party`): the client and its secret (shown once).
pub async fn register(app: &App, operator: &User, p: &Params) -> Result<Value, ApiError> {
    p.scalars(&["name"])?;
    let now = passport_shared::now();
    let registration = Registration {
        name: p.text("name").unwrap_or_default(),
        redirect_uris: list_of(p, "redirect_uris")?.unwrap_or_default(),
        grant_types: list_of(p, "grant_types")?.unwrap_or_default(),
        scopes: list_of(p, "scopes")?.unwrap_or_default(),
        limits: limits_of(p)?.unwrap_or_default(),
        first_party: flag(p, "first_party"),
        public: flag(p, "public"),
        ..Registration::default()
    };
    let (client, secret) = Client::register(registration, now).map_err(refused)?;
    let audit = entry(
        operator,
        "client.create",
        &client,
        Value::Null,
        client.view(),
    );
    app.audit.write(&audit, now).await?;
    app.identity.sessions.meter.clients.create(&client).await?;
    Ok(json!({ "client": client.view(), "client_secret": secret }))
}

/// Changes client `id` by the fields given (`name`, `redirect_uris`, `grant_types`,
/// `scopes`, `limits`), by the registration's rules.
pub async fn revise(app: &App, operator: &User, id: &str, p: &Params) -> Result<Value, ApiError> {
    p.scalars(&["name"])?;
    let client = stored(app, id).await?;
    let change = Revision {
        // Empty: not given (unchanged), as every optional field.
        name: p.text("name"),
        redirect_uris: list_of(p, "redirect_uris")?,
        grant_types: list_of(p, "grant_types")?,
        scopes: list_of(p, "scopes")?,
        limits: limits_of(p)?,
    };
    let revised = client.revised(change).map_err(refused)?;
    let now = passport_shared::now();
    let audit = entry(
        operator,
        "client.edit",
        &client,
        client.view(),
        revised.view(),
    );
    let clients = &app.identity.sessions.meter.clients;
    if !clients
        .replace(&client, &revised, app.audit.step(&audit, now)?)
        .await?
    {
        return Err(ApiError::new(ErrorKind::ProfileConflict));
    }
    Ok(json!({ "client": revised.view() }))
}

pub async fn create(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&register(app, operator, &req.params).await?)
}

pub async fn edit(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&revise(app, operator, &client_id(req)?, &req.params).await?)
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
