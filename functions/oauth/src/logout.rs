//! `GET /oauth2/logout` and `POST /oauth2/logout`: OpenID Connect RP-Initiated Logout 1.0
//! (the discovery document's `end_session_endpoint`) and Back-Channel Logout 1.0.
//!
//! GET checks what the client sent: `id_token_hint` must be an ID token of this Passport
//! (expired or not; its audience names the client), `client_id`, where both are given,
//! the same client, and `post_logout_redirect_uri` exactly one the client registered
//! (`--post-logout-redirect-uri`); anything else is an error page that redirects nowhere.
//! A signed-in browser is then asked to confirm (a form whose `csrf` field is an HMAC of the
//! browser's own session cookie, so that no other site can post it); one that is not is
//! sent on at once. POST ends the browser session, tells each client it signed the user in
//! to that registered a `backchannel_logout_uri` (a logout token each, all at once, 5 s at
//! most), clears the cookie, and returns the browser to the checked
//! `post_logout_redirect_uri` with the unchanged `state`, or shows that it is signed out.

use crate::grant::{found, redirect_to};
use crate::page::{self, Problem};
use crate::{sso, App};
use http::StatusCode;
use passport_identity::oidc;
use passport_shared::storage::clients::Client;
use passport_shared::storage::sso::BrowserSession;
use passport_shared::{crypto, ApiError, ApiRequest, Lang, Params, Reply};
use std::sync::Arc;

/// A logout request, checked.
struct Checked {
    client: Option<Arc<Client>>,
    back_to: Option<String>,
    state: Option<String>,
}

fn refused(lang: Lang, problem: Problem) -> Reply {
    page::problem(lang, StatusCode::BAD_REQUEST, problem)
}

/// Checks the client and where it wants the browser back; `Err` is the error page.
async fn check(app: &App, p: &Params, lang: Lang) -> Result<Result<Checked, Reply>, ApiError> {
    let refused = |problem| refused(lang, problem);
    let issuer = passport_shared::token::issuer()?;
    let hinted = match p.get("id_token_hint").filter(|t| !t.is_empty()) {
        Some(token) => match app.identity.keys.verify_id_token(&token, issuer) {
            Some(claims) => claims["aud"].as_str().map(str::to_owned),
            None => return Ok(Err(refused(Problem::HintNotOurs))),
        },
        None => None,
    };
    let client_id = match (hinted, p.text("client_id")) {
        (Some(aud), Some(id)) if aud != id => return Ok(Err(refused(Problem::HintOtherClient))),
        (aud, id) => aud.or(id),
    };
    let client = match &client_id {
        Some(id) => match app.identity.sessions.meter.clients.get(id).await? {
            Some(c) => Some(c),
            None => return Ok(Err(refused(Problem::UnknownClient))),
        },
        None => None,
    };
    // RFC 6749 §3.1: a parameter without a value is as if it were not sent.
    let back_to = match p.get("post_logout_redirect_uri").filter(|u| !u.is_empty()) {
        Some(uri) => {
            let registered = client
                .as_ref()
                .is_some_and(|c| c.post_logout_redirect_uris.contains(&uri));
            if !registered {
                return Ok(Err(refused(Problem::LogoutUriNotRegistered)));
            }
            Some(uri)
        }
        None => None,
    };
    Ok(Ok(Checked {
        client,
        back_to,
        state: p.get("state"),
    }))
}

/// The confirmation form's proof that it is ours: an HMAC of the browser's cookie.
fn csrf(app: &App, secret: &str) -> String {
    crypto::hmac_hex(app.identity.keys.code_key(), &["logout csrf v1", secret])
}

/// Where the browser goes once signed out.
fn onward(checked: &Checked, lang: Lang) -> Result<Reply, ApiError> {
    match &checked.back_to {
        Some(uri) => {
            let state: Vec<(&str, &str)> = checked
                .state
                .as_deref()
                .map(|s| ("state", s))
                .into_iter()
                .collect();
            found(&redirect_to(uri, &state))
        }
        None => Ok(page::signed_out(lang)),
    }
}

pub async fn ask(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let lang = page::lang_of(req);
    let checked = match check(app, &req.params, lang).await? {
        Ok(c) => c,
        Err(page) => return Ok(page),
    };
    let Some(secret) = sso::secret(req) else {
        // Not signed in here: nothing to confirm.
        return onward(&checked, lang);
    };
    let csrf = csrf(app, &secret);
    let mut fields = vec![("csrf", csrf.as_str())];
    if let Some(c) = &checked.client {
        fields.push(("client_id", c.id.as_str()));
    }
    if let Some(uri) = &checked.back_to {
        fields.push(("post_logout_redirect_uri", uri.as_str()));
    }
    if let Some(state) = &checked.state {
        fields.push(("state", state.as_str()));
    }
    Ok(page::logout(
        lang,
        checked.client.as_ref().map(|c| c.name.as_str()),
        &fields,
        Some(&page::switch_of(req, "/oauth2/logout", lang)),
    ))
}

pub async fn confirm(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let p = &req.params;
    let lang = page::lang_of(req);
    let checked = match check(app, p, lang).await? {
        Ok(c) => c,
        Err(page) => return Ok(page),
    };
    if let Some(secret) = sso::secret(req) {
        let proven = p
            .text("csrf")
            .is_some_and(|got| crypto::same(&got, &csrf(app, &secret)));
        if !proven {
            return Ok(refused(lang, Problem::FormNotOurs));
        }
        let now = passport_shared::now();
        if let Some((session, clients)) = app.identity.sso.end(&secret, now).await? {
            tell(app, &session, &clients, now).await?;
        }
    }
    sso::clear(onward(&checked, lang)?)
}

/// Sends each of `clients` that registered a back-channel logout URI its logout token for
/// `session`, all at once. A client that does not answer 2xx is logged (never the token)
/// and not retried: the browser's sign-out does not wait on it.
pub(crate) async fn tell(
    app: &App,
    session: &BrowserSession,
    clients: &[String],
    now: i64,
) -> Result<(), ApiError> {
    let issuer = passport_shared::token::issuer()?;
    let store = &app.identity.sessions.meter.clients;
    let found = futures_util::future::join_all(clients.iter().map(|id| store.get(id))).await;
    let mut sends = Vec::new();
    for client in found {
        let Some(client) = client? else { continue };
        let Some(uri) = client.backchannel_logout_uri.clone() else {
            continue;
        };
        let Some(token) = oidc::logout_token(
            &app.identity.keys,
            issuer,
            &client,
            session.uid,
            &session.sid,
            now,
        ) else {
            tracing::warn!(client = %client.id, "no key for the client's logout token algorithm");
            continue;
        };
        sends.push(async move {
            let sent = app
                .outbound
                .post(&uri)
                .form(&[("logout_token", token.as_str())])
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => tracing::warn!(client = %client.id, status = r.status().as_u16(), "back-channel logout refused"),
                Err(e) => tracing::warn!(client = %client.id, error = %e, "back-channel logout not delivered"),
            }
        });
    }
    futures_util::future::join_all(sends).await;
    Ok(())
}
