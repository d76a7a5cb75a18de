//! `POST /api/User/sendcode` (§2.2.7) and `validateCommunicationCode` (§2.2.8).
//!
//! `sendcode` mails (or texts) a 6-digit code to `medium`, or, without one, to the signed-in
//! user's email (202101 when there is neither). `validateCommunicationCode` checks it, uses it
//! up, and marks the account holding that address or number as verified.

use passport_shared::identity::{Destination, Identity, Purpose};
use passport_shared::token::presented;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

async fn medium(id: &Identity, req: &ApiRequest, now: i64) -> Result<Destination, ApiError> {
    if let Some(medium) = req.params.text("medium") {
        return Destination::parse(req.params.text("area").as_deref(), &medium)
            .map_err(|k| ApiError::new(k).with_field("medium"));
    }
    if presented(req).is_none() {
        return Err(ErrorKind::NotLoggedIn.into());
    }
    let auth = id.sessions.check(req, now).await?;
    let user = id
        .users
        .get(auth.uid)
        .await?
        .ok_or(ErrorKind::TokenExpired)?;
    match (user.email, user.phone) {
        (Some(email), _) => Ok(Destination::parse(None, &email)?),
        (None, Some(phone)) => Ok(Destination::parse(user.area.as_deref(), &phone)?),
        _ => Err(ApiError::invalid("medium")),
    }
}

pub async fn send(id: &Identity, req: &ApiRequest) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let destination = medium(id, req, now).await?;
    id.code_service()
        .send(Purpose::Verify, &destination, now)
        .await?;
    Ok(Reply::ok())
}

pub async fn validate(id: &Identity, req: &ApiRequest) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let code = req.params.text("code").ok_or(ErrorKind::CodeInvalid)?;
    let destination = medium(id, req, now).await?;
    id.code_service()
        .check(Purpose::Verify, &destination, &code, true, now)
        .await?;
    if let Some(user) = destination.owner(&id.users).await? {
        id.users
            .mark_verified(user.uid, matches!(destination, Destination::Email(_)), now)
            .await?;
    }
    Ok(Reply::ok())
}
