//! Signing up by a mailed (or texted) code, resetting a forgotten password, and binding an
//! SNS identity to a new or an existing account: the flows of the center's
//! `/api/auth/register`, v1's `forgotPassword` / `resetPassword`, v2's `snsreg` and the
//! hosted pages' sign-up, forgot-password and upstream-provider forms, written once.

use crate::{hash_password, sign_in, Destination, Identity, Purpose, SignInName};
use passport_shared::domain::{Email, Password, Username};
use passport_shared::error::{ApiError, ErrorKind};
use passport_shared::social::{self, SnsIdentity, Ticket};
use passport_shared::storage::keys;
use passport_shared::storage::users::{Change, CreateError, NewUser, Taken, UpdateError, User};
use passport_shared::{FromParams, Params};
use std::time::Duration;

/// The longest `account` looked up: an email address is at most 254 bytes.
const MAX_ACCOUNT_BYTES: usize = 254;

/// How long a reset request takes at the least, so that the mail only an existing account
/// gets sent is hidden inside it. The send is awaited, never dropped (a Lambda function is
/// frozen once it has answered, so a send left running could be lost); only a send slower
/// than this would show.
const RESET_REQUEST_FLOOR: Duration = Duration::from_millis(300);

/// The `account` of a password reset: a username, an email address or a phone number, at
/// least 2 characters (203303) and no longer than any of them can be.
pub fn reset_account(raw: Option<String>) -> Result<String, ApiError> {
    let account = raw
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
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

/// A new account's form (v2's `register`, and `snsreg type=reg`): username, password,
/// email.
pub struct RegisterForm {
    pub username: Username,
    pub password: Password,
    pub email: Email,
}

impl FromParams for RegisterForm {
    fn from_params(p: &Params) -> Result<Self, ApiError> {
        Ok(RegisterForm {
            username: Username::parse(&p.get("username").unwrap_or_default())?,
            password: Password::parse(&p.get("password").unwrap_or_default())?,
            email: Email::parse(&p.get("email").unwrap_or_default())?,
        })
    }
}

/// 203204: the identity, or the account at its channel, is bound already.
fn bound(sns: &SnsIdentity) -> ApiError {
    ApiError::new(ErrorKind::SnsAlreadyBound).with_args([sns.channel.as_str()])
}

/// 203203 "Login failed with <channel>": a ticket that does not check out.
fn ticket_refused(channel: Option<&str>) -> ApiError {
    ApiError::new(ErrorKind::SnsLoginFailed).with_args([channel.unwrap_or("SNS")])
}

impl Identity {
    /// An SNS ticket checked (MAC, expiry, and the PKCE verifier of a native app's ticket),
    /// not yet spent: 203203 otherwise.
    pub fn sns_ticket(
        &self,
        ticket: &str,
        verifier: Option<&str>,
        now: i64,
    ) -> Result<Ticket, ApiError> {
        let checked = social::verify(&self.keys, ticket, now)
            .map_err(|refused| ticket_refused(refused.channel.as_deref()))?;
        if !checked.answered_by(verifier) {
            return Err(ticket_refused(Some(checked.identity.channel.as_str())));
        }
        Ok(checked)
    }

    /// Spends `ticket`: 203203 if it was redeemed before.
    async fn spend(&self, ticket: &Ticket) -> Result<(), ApiError> {
        if self.users.spend_ticket(&ticket.id, ticket.expires).await? {
            Ok(())
        } else {
            Err(ticket_refused(Some(ticket.identity.channel.as_str())))
        }
    }

    /// `snslogin`: the account the ticket's identity is bound to (the ticket spent), or
    /// 203205 where it is bound to none (the ticket kept, for `snsreg`).
    pub async fn sns_sign_in(&self, ticket: &Ticket) -> Result<User, ApiError> {
        let sns = &ticket.identity;
        let Some(user) = self
            .users
            .find_by_sns(sns.channel.as_str(), &sns.id)
            .await?
        else {
            return Err(ApiError::new(ErrorKind::SnsNotBound).with_args([sns.channel.as_str()]));
        };
        self.spend(ticket).await?;
        crate::admit(&user)?;
        Ok(user)
    }

    /// `snsreg type=reg`: a new account bound to the ticket's identity (one transaction
    /// with its guards, the identity's among them: an identity binds one account, however
    /// many race). The ticket is spent first. The email is verified only where
    /// `email_verified` says the provider proved it.
    pub async fn sns_sign_up(
        &self,
        ticket: &Ticket,
        form: &RegisterForm,
        email_verified: bool,
        now: i64,
    ) -> Result<User, ApiError> {
        let sns = &ticket.identity;
        let password_hash = hash_password(&form.password).await?;
        self.spend(ticket).await?;
        let new = NewUser {
            username: form.username.as_str().to_owned(),
            email: Some(form.email.as_str().to_owned()),
            phone: None,
            email_verified,
            phone_verified: false,
            password_hash,
            sns: Some((sns.channel.as_str().to_owned(), sns.id.clone())),
        };
        self.users.create(&new, now).await.map_err(|e| match e {
            CreateError::Taken(Taken::Sns) => bound(sns),
            e => e.into(),
        })
    }

    /// `snsreg type=log`: binds the ticket's identity to the account `login` names once its
    /// password is right (checked with the sign-in lockout): linking never happens on an
    /// address alone. The ticket is spent before the password is tried, so one ticket
    /// tries one password.
    pub async fn sns_link(
        &self,
        ticket: &Ticket,
        login: &str,
        password: &Password,
        now: i64,
    ) -> Result<User, ApiError> {
        let sns = &ticket.identity;
        self.spend(ticket).await?;
        let name = SignInName::of_login(login);
        let user: User = sign_in(&self.users, self.login, &name, password, now).await?;
        if user.sns.contains_key(sns.channel.as_str()) {
            return Err(bound(sns));
        }
        let change = Change {
            bind_sns: Some((sns.channel.as_str().to_owned(), sns.id.clone())),
            ..Change::default()
        };
        self.users
            .update(&user, &change, now)
            .await
            .map_err(|e| match e {
                UpdateError::Taken(Taken::Sns) => bound(sns),
                e => e.into(),
            })
    }

    /// Creates the account of `to` once its `code` (of [`Purpose::Register`]) is right,
    /// using the code up: the address or number is the username and is verified.
    pub async fn sign_up_by_code(
        &self,
        to: &Destination,
        code: &str,
        password: &Password,
        now: i64,
    ) -> Result<User, ApiError> {
        self.code_service()
            .check(Purpose::Register, to, code, true, now)
            .await?;
        let (username, email, phone) = match to {
            Destination::Email(e) => (e.as_str().to_owned(), Some(e.as_str().to_owned()), None),
            Destination::Phone(p) => (
                p.number().to_owned(),
                None,
                Some((p.area().to_owned(), p.number().to_owned())),
            ),
        };
        let new = NewUser {
            username,
            email_verified: email.is_some(),
            phone_verified: phone.is_some(),
            email,
            phone,
            password_hash: hash_password(password).await?,
            sns: None,
        };
        self.users.create(&new, now).await.map_err(|e| match e {
            CreateError::Taken(_) => ApiError::new(ErrorKind::UsernameTaken).with_field("account"),
            CreateError::Store(e) => e.into(),
        })
    }

    /// The account named by a username, an email address or a phone number: the guards
    /// the account's form can name (its address or number, and a username), all read
    /// whatever holds them, so an unknown account costs the calls of a known one.
    async fn named(&self, area: Option<&str>, account: &str) -> Result<Option<User>, ApiError> {
        let mut guards = vec![keys::username_guard(account)];
        if let Ok(destination) = Destination::parse(area, account) {
            guards.insert(0, destination.guard());
        }
        Ok(self.users.resolve(&guards).await?)
    }

    /// Sends a reset code to the account's email (else its phone). The answer is the same
    /// whether or not the account exists, and so is the time it takes (at least
    /// [`RESET_REQUEST_FLOOR`]): it tells no one which accounts exist. Only "too frequent"
    /// is ever refused (it is about the caller's own requests, and unknown accounts get it
    /// too); a failed delivery is logged, not told.
    pub async fn request_reset(
        &self,
        area: Option<&str>,
        account: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let started = tokio::time::Instant::now();
        let codes = self.code_service();
        let sent = match self
            .named(area, account)
            .await?
            .as_ref()
            .and_then(reset_destination)
        {
            Some(to) => match codes.send(Purpose::Reset, &to, now).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind == ErrorKind::CodeSendTooFrequent => Err(e),
                Err(e) => {
                    tracing::error!(error = %e, cause = e.cause().unwrap_or(""), "reset code not delivered");
                    Ok(())
                }
            },
            None => codes.send_nowhere(Purpose::Reset, account, now).await,
        };
        tokio::time::sleep_until(started + RESET_REQUEST_FLOOR).await;
        sent
    }

    /// Sets the new password of `account` once its reset `code` is right, and ends every
    /// session of the account (API sessions and browser sessions). The code is checked
    /// before the password is compared, and used up only after: a new password equal to
    /// the old one is refused (203006) without spending the code.
    pub async fn reset_password(
        &self,
        area: Option<&str>,
        account: &str,
        code: &str,
        password: &Password,
        now: i64,
    ) -> Result<(), ApiError> {
        let user = self.named(area, account).await?;
        let Some((user, to)) = user.and_then(|u| reset_destination(&u).map(|d| (u, d))) else {
            return Err(ErrorKind::CodeInvalid.into());
        };
        let codes = self.code_service();
        codes.check(Purpose::Reset, &to, code, false, now).await?;
        if passport_shared::crypto::password::verify(password.expose(), &user.password_hash) {
            return Err(ErrorKind::SamePassword.into());
        }
        codes.check(Purpose::Reset, &to, code, true, now).await?;
        let hash = hash_password(password).await?;
        self.users.set_password(user.uid, &hash, now).await?;
        self.sessions.end_all(user.uid).await?;
        Ok(())
    }
}

/// Where the reset code for `user` goes: the email, else the phone.
fn reset_destination(user: &User) -> Option<Destination> {
    match (&user.email, &user.phone) {
        (Some(email), _) => Destination::parse(None, email).ok(),
        (None, Some(phone)) => Destination::parse(user.area.as_deref(), phone).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_account_is_two_to_254_bytes() {
        let kind = |raw: Option<&str>| reset_account(raw.map(str::to_owned)).map_err(|e| e.kind);
        assert_eq!(kind(None), Err(ErrorKind::AccountRequired));
        assert_eq!(kind(Some("  ")), Err(ErrorKind::AccountRequired));
        assert_eq!(kind(Some("a")), Err(ErrorKind::AccountTooShort));
        assert_eq!(kind(Some(" li@example.com ")), Ok("li@example.com".into()));
        assert!(kind(Some(&"x".repeat(255))).is_err());
    }
}
