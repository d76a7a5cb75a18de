//! The token's own routes: v1 `/apis/Oauth/info` (client_id, uid, scope, create_at,
//! expire_in), `/apis/Oauth/limit` (the client's hourly limits and the live remaining hits),
//! v1/v2 `revoke` (a new pair; the old one, and its whole session, end at once) and v1/v2
//! `delete` (the token and its session end).

use crate::App;
use passport_shared::storage::sessions::Grant;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::{ApiError, ApiRequest, Reply};
use std::collections::BTreeMap;

/// The token's record, as the route's check read it.
pub async fn info(_app: &App, _req: &ApiRequest, record: &TokenRecord) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    Reply::of(&serde_json::json!({
        "client_id": record.client_id,
        "uid": record.uid,
        "scope": record.scope,
        "create_at": record.created_at,
        "expire_in": (record.expires_at - now).max(0),
    }))
}

pub async fn limit(app: &App, _req: &ApiRequest, auth: &TokenRecord) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let meter = &app.identity.sessions.meter;
    let client_id = &auth.client_id;
    let client = meter.clients.get(client_id).await?;
    // Every API the client has a limit for, and every API it called this hour.
    let mut apis: BTreeMap<String, u32> = client
        .iter()
        .flat_map(|c| c.limits.keys())
        .filter(|api| api.as_str() != "*")
        .map(|api| (api.clone(), 0))
        .collect();
    for (api, used) in meter.quotas.used(client_id, now).await? {
        apis.insert(api, used);
    }
    let mut limits = Vec::new();
    for (api, used) in apis {
        // The first-party sign-in has no client record: the default limit.
        let limit = meter
            .limit(client_id, &api)
            .await?
            .unwrap_or(meter.default_limit);
        limits.push(serde_json::json!({
            "api": api,
            "limit": limit,
            "limit_time_unit": "HOURS",
            "remaining_hits": limit.saturating_sub(used),
        }));
    }
    Reply::of(&serde_json::json!({ "api_rate_limits": limits }))
}

pub async fn revoke(app: &App, _req: &ApiRequest, auth: &TokenRecord) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let sessions = &app.identity.sessions;
    let grant = Grant {
        uid: auth.uid,
        client_id: auth.client_id.clone(),
        scope: auth.scope.clone(),
        remember: false,
    };
    // The old session's delete and the new one's put are independent: one stage.
    let (ended, issued) = tokio::join!(sessions.end(auth), sessions.issue(&grant, now));
    ended?;
    let issued = issued?;
    Reply::of(&serde_json::json!({
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "expires_in": issued.expires_in,
    }))
}

pub async fn delete(app: &App, _req: &ApiRequest, auth: &TokenRecord) -> Result<Reply, ApiError> {
    let sessions = &app.identity.sessions;
    sessions.end(auth).await?;
    Ok(Reply::ok())
}
