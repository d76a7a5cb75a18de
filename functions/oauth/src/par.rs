//! Pushed authorization requests (RFC 9126): `POST /oauth2/par`.
//!
//! The client (authenticated as at the token endpoint) posts the parameters of its
//! authorization request; they are checked as `/oauth2/authorize` checks them (client,
//! exact redirect URI, scope, PKCE, prompt), but every refusal is answered here, as JSON,
//! not by a redirect. A good request is kept for [`PUSHED_LIFETIME`] seconds and answered
//! `201 {"request_uri", "expires_in"}`; the browser then goes to
//! `/oauth2/authorize?client_id=...&request_uri=...`, which takes it once
//! ([`pushed`]) and uses its parameters alone (§4).

use crate::grant::{check_request, Refused};
use crate::App;
use http::StatusCode;
use passport_shared::response::respond;
use passport_shared::storage::clients::Client;
use passport_shared::storage::grants::PUSHED_LIFETIME;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Params, Reply};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The prefix of every `request_uri` Passport gives (RFC 9126 §2.2).
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// Parameters of the request that are the client's authentication, not its request.
const AUTHENTICATION: [&str; 3] = ["client_secret", "client_assertion", "client_assertion_type"];

pub async fn push(app: &App, req: &ApiRequest, client: &Arc<Client>) -> Result<Reply, ApiError> {
    let p = &req.params;
    // §2.1: a pushed request may not itself point at another.
    if p.get("request_uri").is_some() {
        return Err(ApiError::invalid("request_uri"));
    }
    let mut kept: BTreeMap<String, String> = p
        .names()
        .filter(|name| !AUTHENTICATION.contains(name))
        .filter_map(|name| Some((name.to_owned(), p.get(name)?)))
        .collect();
    kept.insert("client_id".to_owned(), client.id.clone());
    let params = Params::from_texts(kept.clone());
    match check_request(app, &params).await {
        Ok(_) => {}
        Err(Refused::Page(e)) | Err(Refused::Redirect { error: e, .. }) => return Err(e),
    }
    if params.text("response_type").as_deref() != Some("code") {
        return Err(match params.text("response_type") {
            None => ApiError::invalid("response_type"),
            Some(_) => ErrorKind::ResponseTypeInvalid.into(),
        });
    }
    let id = app
        .grants
        .push_request(&client.id, &kept, passport_shared::now())
        .await?;
    let body = serde_json::json!({
        "request_uri": format!("{REQUEST_URI_PREFIX}{id}"),
        "expires_in": PUSHED_LIFETIME,
    });
    Ok(Reply::Raw(respond(
        StatusCode::CREATED,
        "application/json",
        body.to_string(),
    )))
}

/// What `/oauth2/authorize` does with a `request_uri`: the request it names, as if its
/// parameters had been the query (taken once; the query's `client_id` must be its
/// client), or `None` when it is not one of Passport's, was used, expired, or belongs to
/// another client (whose attempt leaves it be).
pub async fn pushed(
    app: &App,
    req: &ApiRequest,
    request_uri: &str,
) -> Result<Option<ApiRequest>, ApiError> {
    let Some(id) = request_uri.strip_prefix(REQUEST_URI_PREFIX) else {
        return Ok(None);
    };
    let Some(client_id) = req.params.text("client_id") else {
        return Ok(None);
    };
    let now = passport_shared::now();
    let Some(mut params) = app.grants.pull_request(id, &client_id, now).await? else {
        return Ok(None);
    };
    // The page's language switch and form language still come from the browser.
    if let Some(lang) = req.params.get("lang") {
        params.insert("lang".to_owned(), lang);
    }
    Ok(Some(ApiRequest {
        params: Params::from_texts(params),
        ..req.clone()
    }))
}
