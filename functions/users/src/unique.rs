//! `POST /api/User/validateUniqueUsername` (§2.2.5) and `validateUniqueEmail` (§2.2.6):
//! success when the name is free, 202002 / 202003 when it is taken.

use crate::App;
use passport_shared::domain::{Email, Username};
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

pub async fn username(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let username = Username::parse(&req.params.get("username").unwrap_or_default())?;
    if id.users.username_taken(username.as_str()).await? {
        return Err(ErrorKind::UsernameRegistered.into());
    }
    Ok(Reply::ok())
}

pub async fn email(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let email = Email::parse(&req.params.get("email").unwrap_or_default())?;
    if id.users.email_taken(email.as_str()).await? {
        return Err(ErrorKind::EmailTaken.into());
    }
    Ok(Reply::ok())
}
