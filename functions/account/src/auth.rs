//! `/api/auth/*` (document 004): sign-up by code, sign-in, token refresh and sign-out.

use crate::App;
use passport_identity::{sign_in_with, Destination, Purpose, SignInName};
use passport_shared::domain::Password;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::sessions::{Grant, Issued};
use passport_shared::token::FIRST_PARTY_CLIENT;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

fn destination(req: &ApiRequest) -> Result<Destination, ApiError> {
    let account = req
        .params
        .text("account")
        .ok_or_else(|| ApiError::invalid("account"))?;
    Destination::parse(req.params.text("area").as_deref(), &account)
        .map_err(|k| ApiError::new(k).with_field("account"))
}

/// The center's token answer.
fn tokens(issued: &Issued) -> Result<Reply, ApiError> {
    Reply::of(&serde_json::json!({
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "expires_at": passport_shared::datetime(issued.expires_at),
        "expires_in": issued.expires_in,
    }))
}

fn grant(uid: u64) -> Grant {
    Grant {
        uid,
        client_id: FIRST_PARTY_CLIENT.to_owned(),
        scope: "all".to_owned(),
        remember: false,
    }
}

pub async fn send_code(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let to = destination(req)?;
    id.code_service()
        .send(Purpose::Register, &to, passport_shared::now())
        .await?;
    Ok(Reply::ok())
}

pub async fn check_code(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let to = destination(req)?;
    let code = req.params.text("code").ok_or(ErrorKind::CodeInvalid)?;
    id.code_service()
        .check(Purpose::Register, &to, &code, false, passport_shared::now())
        .await?;
    Ok(Reply::ok())
}

pub async fn register(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let to = destination(req)?;
    let code = req.params.text("code").ok_or(ErrorKind::CodeInvalid)?;
    let password = Password::parse(&req.params.get("password").unwrap_or_default())?;
    let now = passport_shared::now();
    let user = id.sign_up_by_code(&to, &code, &password, now).await?;
    tokens(&id.sessions.issue(&grant(user.uid), now).await?)
}

pub async fn access_token(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let to = destination(req)?;
    let password =
        Password::parse(&req.params.get("password").unwrap_or_default()).map_err(|k| {
            if k == ErrorKind::PasswordRequired {
                ApiError::new(k)
            } else {
                ErrorKind::IncorrectPassword.into()
            }
        })?;
    let now = passport_shared::now();
    let name = SignInName::of_destination(&to);
    let (_, issued) = sign_in_with(
        &id.users,
        id.login,
        &name,
        &password,
        now,
        async { Ok(()) },
        |user| {
            let grant = grant(user.uid);
            async move { Ok(id.sessions.issue(&grant, now).await?) }
        },
    )
    .await?;
    tokens(&issued)
}

pub async fn refresh_token(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let token = req
        .params
        .text("refresh_token")
        .ok_or(ErrorKind::RefreshTokenInvalid)?;
    tokens(&id.sessions.rotate(&token, passport_shared::now()).await?)
}

pub async fn destroy_token(
    app: &App,
    _req: &ApiRequest,
    auth: &TokenRecord,
) -> Result<Reply, ApiError> {
    app.identity.sessions.end(auth).await?;
    Ok(Reply::ok())
}
