//! `GET /api/personal/apps` and `DELETE /api/personal/apps/{client_id}`: the apps the
//! signed-in user allowed at the hosted consent page, and taking that back.
//!
//! These are the user center's own routes: only a token of a first-party client (the
//! platform's own apps) may call them, so that no third-party app can list or revoke the
//! user's other apps (`ScopeDenied` otherwise). Revoking forgets the consent (the next
//! authorization asks again) and ends every session the user has with that client, with
//! their refresh chains; it answers `revoked: false` for an app that was not authorized,
//! so that a repeated revoke is not an error.

use crate::App;
use passport_shared::storage::sessions::{Listing, TokenRecord};
use passport_shared::storage::sso::Consent;
use passport_shared::storage::StoreError;
use passport_shared::token::FIRST_PARTY_CLIENT;
use passport_shared::{datetime, ApiError, ApiRequest, ErrorKind, Reply};

/// Refuses a token of a client that is not first-party: Passport's own sign-in, or a
/// client registered `--first-party`.
async fn first_party(app: &App, auth: &TokenRecord) -> Result<(), ApiError> {
    if auth.client_id == FIRST_PARTY_CLIENT {
        return Ok(());
    }
    let clients = &app.identity.sessions.meter.clients;
    match clients.get(&auth.client_id).await? {
        Some(c) if c.first_party => Ok(()),
        _ => Err(ErrorKind::ScopeDenied.into()),
    }
}

/// The consents of the uid the token names, read beside its check.
pub async fn consents(app: &App, _req: &ApiRequest, uid: u64) -> Result<Vec<Consent>, StoreError> {
    app.identity.sso.consents_of(uid).await
}

pub async fn list(
    app: &App,
    _req: &ApiRequest,
    auth: &TokenRecord,
    consents: Result<Vec<Consent>, StoreError>,
) -> Result<Reply, ApiError> {
    // A registered client's record was read (and kept) by the token's check: no round
    // trip here.
    first_party(app, auth).await?;
    let clients = &app.identity.sessions.meter.clients;
    let consents = consents?;
    let named = futures_util::future::join_all(consents.iter().map(|c| clients.get(&c.client_id)));
    let mut apps = Vec::new();
    for (consent, client) in consents.iter().zip(named.await) {
        // A client deleted since: nothing left to use the consent.
        let Some(client) = client? else { continue };
        apps.push(serde_json::json!({
            "client_id": consent.client_id,
            "name": client.name,
            "scopes": consent.scopes,
            "authorized_at": datetime(consent.granted_at),
        }));
    }
    Reply::of(&serde_json::json!({ "apps": apps }))
}

/// The sessions the user's index lists, read beside the token check (revoking ends the
/// app's among them).
pub async fn sessions(app: &App, _req: &ApiRequest, uid: u64) -> Result<Listing, StoreError> {
    app.identity.sessions.listing(uid).await
}

pub async fn revoke(
    app: &App,
    req: &ApiRequest,
    auth: &TokenRecord,
    listing: Result<Listing, StoreError>,
) -> Result<Reply, ApiError> {
    first_party(app, auth).await?;
    let listing = listing?;
    let client_id = req
        .path_param("client_id")
        .filter(|c| !c.is_empty())
        .ok_or(ApiError::invalid("client_id"))?;
    let sso = &app.identity.sso;
    let sessions = &app.identity.sessions;
    // The consent and the sessions end together: one stage after the check.
    let (forgotten, ended) = tokio::join!(
        sso.forget(auth.uid, client_id),
        sessions.end_client(&listing, client_id)
    );
    ended?;
    Reply::of(&serde_json::json!({ "revoked": forgotten? }))
}
