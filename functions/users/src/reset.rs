//! The password reset (document 000 §2033, codes 203301 to 203303 and 203101), in the v1
//! dialect that owns those codes:
//!
//! - `POST /apis/Users/forgotPassword` (account: username, email or phone): sends a reset
//!   code to the account's email (or phone). The answer is the same whether or not the
//!   account exists, so it tells no one which accounts exist.
//! - `POST /apis/Users/resetPassword` (account, code, password, confirm): sets the new
//!   password and ends every session of the account.

use crate::App;
use passport_identity::{hash_password, Destination, Identity, Purpose};
use passport_shared::domain::Password;
use passport_shared::storage::keys;
use passport_shared::storage::users::User;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};
use std::time::Duration;

fn account(req: &ApiRequest) -> Result<String, ApiError> {
    let account = req
        .params
        .text("account")
        .ok_or(ErrorKind::AccountRequired)?;
    if account.chars().count() < 2 {
        return Err(ErrorKind::AccountTooShort.into());
    }
    // Longer than any username, address or number an account can hold (and than a
    // DynamoDB key may be): refused before it reaches a key.
    if account.len() > MAX_ACCOUNT_BYTES {
        return Err(ApiError::invalid("account"));
    }
    Ok(account)
}

/// The longest `account` looked up: an email address is at most 254 bytes.
const MAX_ACCOUNT_BYTES: usize = 254;

/// How long `forgotPassword` takes at the least, so that the mail only an existing account
/// gets sent is hidden inside it. The send is awaited, never dropped (a Lambda function is
/// frozen once it has answered, so a send left running could be lost); only a send slower
/// than this would show.
const REQUEST_ANSWER_FLOOR: Duration = Duration::from_millis(300);

/// The account named by a username, an email address or a phone number: the guards the
/// account's form can name (its address or number, and a username), all read whatever
/// holds them, so an unknown account costs the calls of a known one.
async fn find(id: &Identity, req: &ApiRequest, account: &str) -> Result<Option<User>, ApiError> {
    let mut guards = vec![keys::username_guard(account)];
    if let Ok(destination) = Destination::parse(req.params.text("area").as_deref(), account) {
        guards.insert(0, destination.guard());
    }
    Ok(id.users.resolve(&guards).await?)
}

/// Where the reset code for `user` goes: the email, else the phone.
fn destination(user: &User) -> Option<Destination> {
    match (&user.email, &user.phone) {
        (Some(email), _) => Destination::parse(None, email).ok(),
        (None, Some(phone)) => Destination::parse(user.area.as_deref(), phone).ok(),
        _ => None,
    }
}

pub async fn request(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let started = tokio::time::Instant::now();
    let account = account(req)?;
    let now = passport_shared::now();
    let codes = id.code_service();
    let sent = match find(id, req, &account)
        .await?
        .as_ref()
        .and_then(destination)
    {
        Some(to) => match codes.send(Purpose::Reset, &to, now).await {
            Ok(()) => Ok(()),
            // Too frequent is told (it is about this client's own requests, and unknown
            // accounts get it too); a delivery failure is logged, not told, since it would
            // reveal that the account exists.
            Err(e) if e.kind == ErrorKind::CodeSendTooFrequent => Err(e),
            Err(e) => {
                tracing::error!(error = %e, cause = e.cause().unwrap_or(""), "reset code not delivered");
                Ok(())
            }
        },
        None => codes.send_nowhere(Purpose::Reset, &account, now).await,
    };
    tokio::time::sleep_until(started + REQUEST_ANSWER_FLOOR).await;
    sent.map(|()| Reply::ok())
}

pub async fn complete(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let account = account(req)?;
    let code = req.params.text("code").ok_or(ErrorKind::CodeInvalid)?;
    let password = Password::parse_confirmed(
        &req.params.get("password").unwrap_or_default(),
        &req.params.get("confirm").unwrap_or_default(),
    )?;
    let now = passport_shared::now();
    let user = find(id, req, &account).await?;
    let Some((user, to)) = user.and_then(|u| destination(&u).map(|d| (u, d))) else {
        return Err(ErrorKind::CodeInvalid.into());
    };
    // The code is checked before the password is compared, and used up only after: a new
    // password equal to the old one is refused without spending the code.
    let codes = id.code_service();
    codes.check(Purpose::Reset, &to, &code, false, now).await?;
    if passport_shared::crypto::password::verify(password.expose(), &user.password_hash) {
        return Err(ErrorKind::SamePassword.into());
    }
    codes.check(Purpose::Reset, &to, &code, true, now).await?;
    let hash = hash_password(&password).await?;
    id.users.set_password(user.uid, &hash, now).await?;
    id.sessions.end_all(user.uid).await?;
    Ok(Reply::ok())
}
