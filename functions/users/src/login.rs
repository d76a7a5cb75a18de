//! `POST /api/User/login` (§2.2.1): username (or email), password, captcha, `remember`.

use crate::App;
use passport_identity::{sign_in_with, SignInName};
use passport_shared::domain::Password;
use passport_shared::storage::sessions::Grant;
use passport_shared::token::FIRST_PARTY_CLIENT;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

/// The captcha scenario of sign-in when the client names none.
pub const DEFAULT_SCENARIO: &str = "default";

pub async fn handle(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let p = &req.params;
    let (Some(login), Some(raw_password)) = (
        p.text("username"),
        p.get("password").filter(|s| !s.is_empty()),
    ) else {
        return Err(ErrorKind::CredentialsRequired.into());
    };
    let password =
        Password::parse(&raw_password).map_err(|_| ApiError::new(ErrorKind::IncorrectPassword))?;
    let remember = p.flag("remember")?.unwrap_or(false);
    let now = passport_shared::now();
    let scenario = p
        .text("captcha_id")
        .unwrap_or_else(|| DEFAULT_SCENARIO.to_owned());
    let name = SignInName::of_login(&login);
    // The captcha beside the account's guard read, the session beside the gate's reset.
    let captcha = id.captcha();
    let (user, issued) = sign_in_with(
        &id.users,
        id.login,
        &name,
        &password,
        now,
        captcha.use_up(req, &scenario, now),
        |user| {
            let grant = Grant {
                uid: user.uid,
                client_id: FIRST_PARTY_CLIENT.to_owned(),
                scope: "all".to_owned(),
                remember,
            };
            async move { Ok(id.sessions.issue(&grant, now).await?) }
        },
    )
    .await?;
    let mut reply = serde_json::to_value(&issued).map_err(ApiError::internal)?;
    reply["username"] = serde_json::json!(user.username);
    Reply::of(&reply)
}
