//! The SNS routes of v2: an identity at an upstream provider, proven by an SNS ticket (see
//! `passport_shared::social`; the oauth function's upstream callback issues them), signs in
//! or becomes an account's. A native app's ticket needs the PKCE verifier (`code_verifier`)
//! of the challenge it started with at `/api/User/snsstart`; every ticket is redeemed once.
//!
//! - `POST /api/User/snslogin` (`sns_ticket`): the account the identity is bound to signs
//!   in; bound to none is 203205 "The account of <channel> has not been bound to the
//!   account of this website" (the ticket stays good, for `snsreg`).
//! - `POST /api/User/snsreg` (§2.2.4) `type=reg`: a new account (username, password,
//!   confirm, email) bound to it; `type=log`: bound to an existing account (username or
//!   email, and its password, checked with the sign-in lockout).
//!
//! Either way the caller is signed in. An identity bound elsewhere, or an account already
//! bound at that channel, is 203204 "Account has been bound to <channel>"; a bad, used or
//! unanswered ticket is 203203 "Login failed with <channel>".

use crate::App;
use passport_identity::account::RegisterForm;
use passport_shared::domain::Password;
use passport_shared::social::Ticket;
use passport_shared::storage::sessions::Grant;
use passport_shared::storage::users::User;
use passport_shared::token::FIRST_PARTY_CLIENT;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

/// The request's ticket, checked (not yet spent).
fn ticket(app: &App, req: &ApiRequest, now: i64) -> Result<Ticket, ApiError> {
    let p = &req.params;
    let ticket = p
        .text("sns_ticket")
        .ok_or_else(|| ApiError::invalid("sns_ticket"))?;
    app.identity
        .sns_ticket(&ticket, p.text("code_verifier").as_deref(), now)
}

/// The v2 session of `user`, signed in through `channel`.
async fn signed_in(app: &App, user: &User, channel: &str, now: i64) -> Result<Reply, ApiError> {
    let grant = Grant {
        uid: user.uid,
        client_id: FIRST_PARTY_CLIENT.to_owned(),
        scope: "all".to_owned(),
        remember: false,
    };
    let issued = app.identity.sessions.issue(&grant, now).await?;
    let mut reply = serde_json::to_value(&issued).map_err(ApiError::internal)?;
    reply["username"] = serde_json::json!(user.username);
    reply["channel"] = serde_json::json!(channel);
    Reply::of(&reply)
}

pub async fn login(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let ticket = ticket(app, req, now)?;
    let user = app.identity.sns_sign_in(&ticket).await?;
    signed_in(app, &user, ticket.identity.channel.as_str(), now).await
}

pub async fn register(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let p = &req.params;
    let now = passport_shared::now();
    let kind = p.text("type").ok_or_else(|| ApiError::invalid("type"))?;
    if kind != "reg" && kind != "log" {
        return Err(ApiError::invalid("type"));
    }
    let ticket = ticket(app, req, now)?;
    let user = if kind == "reg" {
        let form: RegisterForm = p.read()?;
        Password::parse_confirmed(
            form.password.expose(),
            &p.get("confirm").unwrap_or_default(),
        )?;
        id.sns_sign_up(&ticket, &form, false, now).await?
    } else {
        let login = p.text("username").ok_or(ErrorKind::CredentialsRequired)?;
        let password = Password::parse(&p.get("password").unwrap_or_default())
            .map_err(|_| ApiError::new(ErrorKind::IncorrectPassword))?;
        id.sns_link(&ticket, &login, &password, now).await?
    };
    signed_in(app, &user, ticket.identity.channel.as_str(), now).await
}
