//! `POST /api/User/sendcode` (§2.2.7) and `validateCommunicationCode` (§2.2.8).
//!
//! `sendcode` mails (or texts) a 6-digit code to `medium`, or, without one, to the signed-in
//! user's email (202101 when there is neither). `validateCommunicationCode` checks it, uses it
//! up, and marks the account holding that address or number as verified.

use crate::App;
use passport_identity::{Destination, Purpose};
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::users::User;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

/// Where the code goes: `medium`, or, without one, the signed-in caller's email (their
/// phone when they have no email).
fn medium(
    req: &ApiRequest,
    caller: Option<(&TokenRecord, &User)>,
) -> Result<Destination, ApiError> {
    if let Some(medium) = req.params.text("medium") {
        return Destination::parse(req.params.text("area").as_deref(), &medium)
            .map_err(|k| ApiError::new(k).with_field("medium"));
    }
    let Some((_, user)) = caller else {
        return Err(ErrorKind::NotLoggedIn.into());
    };
    match (&user.email, &user.phone) {
        (Some(email), _) => Ok(Destination::parse(None, email)?),
        (None, Some(phone)) => Ok(Destination::parse(user.area.as_deref(), phone)?),
        _ => Err(ApiError::invalid("medium")),
    }
}

pub async fn send(
    app: &App,
    req: &ApiRequest,
    caller: Option<(&TokenRecord, &User)>,
) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let now = passport_shared::now();
    let destination = medium(req, caller)?;
    id.code_service()
        .send(Purpose::Verify, &destination, now)
        .await?;
    Ok(Reply::ok())
}

pub async fn validate(
    app: &App,
    req: &ApiRequest,
    caller: Option<(&TokenRecord, &User)>,
) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let now = passport_shared::now();
    let code = req.params.text("code").ok_or(ErrorKind::CodeInvalid)?;
    let destination = medium(req, caller)?;
    // Who holds the address is read beside the check (one stage); it is acted on only once
    // the code proved right.
    let service = id.code_service();
    let (checked, holder) = tokio::join!(
        service.check(Purpose::Verify, &destination, &code, true, now),
        id.users.guard_owner(destination.guard()),
    );
    checked?;
    if let Some(uid) = holder? {
        id.users
            .mark_verified(uid, matches!(destination, Destination::Email(_)), now)
            .await?;
    }
    Ok(Reply::ok())
}
