//! `POST /api/User/snsreg` (§2.2.4): an SNS identity, proven by an SNS ticket (see
//! `passport_shared::social`), becomes an account's:
//!
//! - `type=reg`: a new account (username, password, confirm, email) bound to it;
//! - `type=log`: bound to an existing account (username or email, and its password, checked
//!   with the sign-in lockout).
//!
//! Either way the caller is signed in. An identity bound elsewhere, or an account already
//! bound at that channel, is 203204 "Account has been bound to <channel>"; a bad ticket is
//! 203203 "Login failed with <channel>".

use crate::App;
use passport_identity::account::RegisterForm;
use passport_shared::domain::Password;
use passport_shared::social;
use passport_shared::storage::sessions::Grant;
use passport_shared::token::FIRST_PARTY_CLIENT;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

pub async fn handle(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let p = &req.params;
    let now = passport_shared::now();
    let kind = p.text("type").ok_or_else(|| ApiError::invalid("type"))?;
    if kind != "reg" && kind != "log" {
        return Err(ApiError::invalid("type"));
    }
    let ticket = p
        .text("sns_ticket")
        .ok_or_else(|| ApiError::invalid("sns_ticket"))?;
    let sns = social::verify(&id.keys, &ticket, now).map_err(|refused| {
        ApiError::new(ErrorKind::SnsLoginFailed)
            .with_args([refused.channel.unwrap_or_else(|| "SNS".to_owned())])
    })?;
    let user = if kind == "reg" {
        let form: RegisterForm = p.read()?;
        Password::parse_confirmed(
            form.password.expose(),
            &p.get("confirm").unwrap_or_default(),
        )?;
        id.sns_sign_up(&sns, &form, false, now).await?
    } else {
        let login = p.text("username").ok_or(ErrorKind::CredentialsRequired)?;
        let password = Password::parse(&p.get("password").unwrap_or_default())
            .map_err(|_| ApiError::new(ErrorKind::IncorrectPassword))?;
        id.sns_link(&sns, &login, &password, now).await?
    };
    let grant = Grant {
        uid: user.uid,
        client_id: FIRST_PARTY_CLIENT.to_owned(),
        scope: "all".to_owned(),
        remember: false,
    };
    let issued = id.sessions.issue(&grant, now).await?;
    let mut reply = serde_json::to_value(&issued).map_err(ApiError::internal)?;
    reply["username"] = serde_json::json!(user.username);
    reply["channel"] = serde_json::json!(sns.channel.as_str());
    Reply::of(&reply)
}
