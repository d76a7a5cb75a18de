//! v1 `POST /apis/Oauth/accessToken` and v2 `POST /api/Oauth/accessToken`: the grants of
//! [`crate::grant`] with the documents' answer (`access_token`, `refresh_token`,
//! `expires_in`, `remind_in`, `uid`) and codes 2012xx.

use crate::grant::grant;
use crate::App;
use passport_shared::storage::clients::Client;
use passport_shared::{ApiError, ApiRequest, Reply};
use std::sync::Arc;

pub async fn handle(app: &App, req: &ApiRequest, client: &Arc<Client>) -> Result<Reply, ApiError> {
    let granted = grant(app, client, &req.params, passport_shared::now()).await?;
    let issued = &granted.issued;
    let mut out = serde_json::json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "remind_in": issued.expires_in,
        "uid": issued.uid,
        "scope": issued.scope,
    });
    if !issued.refresh_token.is_empty() {
        out["refresh_token"] = serde_json::json!(issued.refresh_token);
    }
    Reply::of(&out)
}
