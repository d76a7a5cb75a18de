//! The sign-in flows shared by the v2 `users` routes, the center `account` routes and the
//! password reset: where codes go, how they are sent and checked, captchas, and the password
//! check with its lockout.

pub use passport_shared::captcha::{
    captcha_answer_hash, captcha_key, CaptchaCheck, CAPTCHA_COOKIE,
};
use passport_shared::crypto;
use passport_shared::domain::{AreaPhone, Email, Password};
use passport_shared::error::{ApiError, ErrorKind};
use passport_shared::mail::{Mail, Mailer};
use passport_shared::sms::SmsSender;
use passport_shared::storage::captcha::Captchas;
use passport_shared::storage::codes::{Codes, SendRefused};
use passport_shared::storage::keys;
use passport_shared::storage::ports::{AccountStore, CodeStore};
use passport_shared::storage::users::{Gate, User, Users};
use passport_shared::token::SigningKeys;

/// Where a verification code goes: an email address or a phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Email(Email),
    Phone(AreaPhone),
}

impl Destination {
    /// An account as the clients send it: an address with `@`, or a phone number with an
    /// optional area code.
    pub fn parse(area: Option<&str>, account: &str) -> Result<Destination, ErrorKind> {
        let account = account.trim();
        if account.is_empty() {
            return Err(ErrorKind::InvalidParameter);
        }
        if account.contains('@') {
            Ok(Destination::Email(Email::parse(account)?))
        } else {
            Ok(Destination::Phone(AreaPhone::parse(area, account)?))
        }
    }

    /// The canonical form codes are stored under.
    pub fn canonical(&self) -> String {
        match self {
            Destination::Email(e) => e.canonical(),
            Destination::Phone(p) => p.e164(),
        }
    }

    /// The guard item that makes this destination unique to one account.
    pub fn guard(&self) -> keys::Key {
        match self {
            Destination::Email(e) => keys::email_guard(e.as_str()),
            Destination::Phone(p) => keys::phone_guard(p.area(), p.number()),
        }
    }
}

/// What a code is for; a code of one purpose is never accepted for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Proving an address or number (v2 `sendcode` / `validateCommunicationCode`).
    Verify,
    /// Center sign-up (`send_code` / `check_code` / `register`).
    Register,
    /// Password reset.
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Verify => "verify",
            Purpose::Register => "register",
            Purpose::Reset => "reset",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Purpose::Verify => "confirm this address",
            Purpose::Register => "finish signing up",
            Purpose::Reset => "reset your password",
        }
    }
}

/// A code send refused by the destination's interval or hourly cap: the seconds to wait,
/// in the text and in `Retry-After`.
fn too_frequent(seconds: i64) -> ApiError {
    ApiError::new(ErrorKind::CodeSendTooFrequent)
        .with_args([seconds.max(1)])
        .with_retry_after(seconds)
}

/// Sends and checks verification codes.
pub struct CodeService<'a> {
    pub codes: &'a dyn CodeStore,
    pub keys: &'a SigningKeys,
    pub mailer: &'a dyn Mailer,
    pub sms: &'a dyn SmsSender,
}

impl CodeService<'_> {
    fn hash(&self, purpose: Purpose, destination: &Destination, code: &str) -> String {
        crypto::hmac_hex(
            self.keys.code_key(),
            &[purpose.as_str(), &destination.canonical(), code],
        )
    }

    /// Makes a new code, stores its HMAC within the send limits, and delivers it.
    pub async fn send(
        &self,
        purpose: Purpose,
        destination: &Destination,
        now: i64,
    ) -> Result<(), ApiError> {
        let code = crypto::six_digit_code();
        let hash = self.hash(purpose, destination, &code);
        if let Err(SendRefused::Interval(s) | SendRefused::HourlyCap(s)) = self
            .codes
            .store_for_send(purpose.as_str(), &destination.canonical(), &hash, now)
            .await?
        {
            return Err(too_frequent(s));
        }
        let delivered = self.deliver(purpose, destination, &code).await;
        if delivered.is_err() {
            // A send that failed spends neither the interval nor the hour's cap.
            self.codes
                .release_send(purpose.as_str(), &destination.canonical(), &hash, now)
                .await?;
        }
        delivered
    }

    /// Mails or texts `code` to `destination`.
    async fn deliver(
        &self,
        purpose: Purpose,
        destination: &Destination,
        code: &str,
    ) -> Result<(), ApiError> {
        let minutes = self.codes.policy().lifetime / 60;
        let text = format!(
            "Your Passport verification code is {code}. Use it within {minutes} minutes to {}. \
             If you did not ask for it, ignore this message.",
            purpose.describe()
        );
        match destination {
            Destination::Email(email) => {
                let mail = Mail {
                    to: email.as_str().to_owned(),
                    reply_to: None,
                    subject: format!("Your verification code: {code}"),
                    text,
                };
                self.mailer
                    .send(&mail)
                    .await
                    .map_err(|e| ApiError::new(ErrorKind::CodeMailFailed).with_cause(e))?;
            }
            Destination::Phone(phone) => {
                self.sms
                    .send(&phone.e164(), &text)
                    .await
                    .map_err(|e| ApiError::new(ErrorKind::CodeSmsFailed).with_cause(e))?;
            }
        }
        Ok(())
    }

    /// For a destination that does not exist: the same limited write as [`Self::send`],
    /// under a key no real destination has, so that the answer and its limits are the same
    /// as for one that does; nothing is delivered.
    pub async fn send_nowhere(
        &self,
        purpose: Purpose,
        label: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let unused = crypto::sha256_hex(&crypto::random_secret(16));
        let key = format!("nobody:{}", label.to_lowercase());
        match self
            .codes
            .store_for_send(purpose.as_str(), &key, &unused, now)
            .await?
        {
            // The lookup a mail's delivery starts with (the suppression list), so that the
            // calls are those of a real destination's.
            Ok(()) => {
                let _ = self.mailer.suppressed(&key).await;
                Ok(())
            }
            Err(SendRefused::Interval(s) | SendRefused::HourlyCap(s)) => Err(too_frequent(s)),
        }
    }

    /// Checks a code (counting the attempt); with `consume` a right code is used up.
    pub async fn check(
        &self,
        purpose: Purpose,
        destination: &Destination,
        code: &str,
        consume: bool,
        now: i64,
    ) -> Result<(), ApiError> {
        let code = code.trim();
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(ErrorKind::CodeInvalid.into());
        }
        let hash = self.hash(purpose, destination, code);
        if self
            .codes
            .check(
                purpose.as_str(),
                &destination.canonical(),
                &hash,
                consume,
                now,
            )
            .await?
        {
            Ok(())
        } else {
            Err(ErrorKind::CodeInvalid.into())
        }
    }
}

/// How many wrong passwords lock an account, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct LoginPolicy {
    pub max_failures: u32,
    pub lock_minutes: i64,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            max_failures: 5,
            lock_minutes: 15,
        }
    }
}

/// The name a sign-in is for: the guard of a username, an email address or a phone number,
/// normalised as guards are (usernames and emails case-insensitive, phones as E.164). The
/// lockout counts failures per name, whether or not an account holds it.
#[derive(Debug, Clone)]
pub struct SignInName(keys::Key);

impl SignInName {
    /// What a sign-in form's "username" field names: an email address when it has `@` and
    /// parses as one, a username otherwise.
    pub fn of_login(login: &str) -> SignInName {
        match Email::parse(login) {
            Ok(email) if login.contains('@') => SignInName(keys::email_guard(email.as_str())),
            _ => SignInName(keys::username_guard(login.trim())),
        }
    }

    /// An email address or a phone number (the center's `account`).
    pub fn of_destination(to: &Destination) -> SignInName {
        SignInName(to.guard())
    }

    /// Longer than any name an account can hold (and than a DynamoDB key may be).
    fn impossible(&self) -> bool {
        self.0.pk.len() > 512
    }
}

/// [`sign_in_with`] with nothing before the attempt and nothing beside its end.
pub async fn sign_in(
    users: &dyn AccountStore,
    policy: LoginPolicy,
    name: &SignInName,
    password: &Password,
    now: i64,
) -> Result<User, ApiError> {
    let nothing = |_: &User| async { Ok::<(), ApiError>(()) };
    let (user, ()) = sign_in_with(
        users,
        policy,
        name,
        password,
        now,
        async { Ok(()) },
        nothing,
    )
    .await?;
    Ok(user)
}

/// Signs `name` in with `password` in three DynamoDB stages:
///
/// 1. `before` (the route's own check, a captcha) beside the read of the guard that names
///    the account;
/// 2. once `before` passed, the attempt counted on the name's gate beside the account's
///    read (of uid 0, which never exists, for an unknown name: the same calls);
/// 3. after a right password, the gate's count forgotten beside `then` (the route's
///    session), whose answer comes back with the account.
///
/// The same work and the same DynamoDB calls whether or not the account exists, then one
/// argon2id verification (against a dummy hash for no account): neither the answer, nor
/// the lockout, nor the time tells who has an account. The gate counts the attempt before
/// the password is checked, so however many attempts race, no more than the policy's are
/// checked; the attempt that takes the last slot locks the name unless its password is
/// right.
pub async fn sign_in_with<T, Fut>(
    users: &dyn AccountStore,
    policy: LoginPolicy,
    name: &SignInName,
    password: &Password,
    now: i64,
    before: impl std::future::Future<Output = Result<(), ApiError>>,
    then: impl FnOnce(&User) -> Fut,
) -> Result<(User, T), ApiError>
where
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let locked = |until: i64| {
        ApiError::new(ErrorKind::AccountLocked)
            .with_args([
                policy.max_failures.to_string(),
                policy.lock_minutes.to_string(),
            ])
            .with_retry_after(until - now)
    };
    if name.impossible() {
        before.await?;
        verify(password, None).await?;
        return Err(ErrorKind::IncorrectPassword.into());
    }
    let gate = keys::sign_in_gate(&name.0);
    let (passed, owner) = tokio::join!(before, users.owner(&name.0));
    passed?;
    let (counted, user) = tokio::join!(
        users.open_gate(&gate, policy.max_failures, policy.lock_minutes * 60, now),
        users.get(owner?.unwrap_or(0)),
    );
    let failures = match counted? {
        Gate::Open { failures } => failures,
        Gate::Locked { until } => return Err(locked(until)),
    };
    let user = user?;
    if verify(password, user.as_ref()).await? {
        if let Some(user) = user {
            // Only someone who knows the password learns that the account is disabled.
            if let Err(refused) = admit(&user) {
                users.clear_failures(&gate).await?;
                return Err(refused);
            }
            // An imported account's legacy hash becomes argon2id now that its password is
            // known, beside the session.
            let (cleared, upgraded, done) = tokio::join!(
                users.clear_failures(&gate),
                upgrade(users, &user, password),
                then(&user)
            );
            cleared?;
            upgraded?;
            return Ok((user, done?));
        }
    }
    if failures >= policy.max_failures {
        // This failure took the last slot; the gate has already locked the name.
        Err(locked(now + policy.lock_minutes * 60))
    } else {
        Err(ErrorKind::IncorrectPassword.into())
    }
}

/// Replaces `user`'s legacy password hash (bcrypt, salted MD5 or SHA-1 of an import) by an
/// argon2id hash of `password`, just verified against it; nothing for an argon2id hash.
async fn upgrade(
    users: &dyn AccountStore,
    user: &User,
    password: &Password,
) -> Result<(), ApiError> {
    if !crypto::password::needs_upgrade(&user.password_hash) {
        return Ok(());
    }
    let new = hash_password(password).await?;
    if users
        .upgrade_hash(user.uid, &user.password_hash, &new)
        .await?
    {
        tracing::info!(uid = user.uid, "legacy password hash upgraded to argon2id");
    }
    Ok(())
}

/// Whether `user` may be signed in at all: an account an operator disabled may not, by
/// any way (password, code, social identity).
pub fn admit(user: &User) -> Result<(), ApiError> {
    match user.disabled {
        true => Err(ErrorKind::AccountDisabled.into()),
        false => Ok(()),
    }
}

/// One argon2id verification off the async threads: against the account's hash, or the
/// dummy hash when there is no account (never a match).
async fn verify(password: &Password, user: Option<&User>) -> Result<bool, ApiError> {
    let password = password.clone();
    let phc = user.map(|u| u.password_hash.clone());
    tokio::task::spawn_blocking(move || {
        let right = crypto::password::verify(
            password.expose(),
            phc.as_deref().unwrap_or(crypto::password::dummy_phc()),
        );
        right && phc.is_some()
    })
    .await
    .map_err(ApiError::internal)
}

/// Hashes a new password off the async threads (argon2id takes tens of milliseconds).
pub async fn hash_password(password: &Password) -> Result<String, ApiError> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || crypto::password::hash(password.expose()))
        .await
        .map_err(ApiError::internal)
}

/// Everything the sign-in routes use, built once per cold start.
pub struct Identity {
    pub users: Users,
    pub codes: Codes,
    pub captchas: Captchas,
    pub sessions: passport_shared::storage::sessions::Sessions,
    /// Browser sessions of the hosted pages and remembered consent.
    pub sso: passport_shared::storage::sso::Sso,
    pub keys: std::sync::Arc<SigningKeys>,
    pub mailer: Box<dyn Mailer>,
    pub sms: Box<dyn SmsSender>,
    pub login: LoginPolicy,
    /// The abuse limits of the sign-in, sign-up, code and token routes, and their counters.
    pub throttles: passport_shared::storage::throttles::Throttles,
    pub limits: passport_shared::limits::AbuseLimits,
}

impl Identity {
    pub fn from_aws(
        config: &passport_shared::config::Config,
        sdk: &passport_shared::aws::SdkConfig,
    ) -> Result<Identity, passport_shared::token::KeyError> {
        use passport_shared::storage::codes::CodePolicy;
        use passport_shared::storage::sessions::Sessions;
        let keys = std::sync::Arc::new(SigningKeys::from_config(config)?);
        let dynamodb = passport_shared::aws::dynamodb(sdk);
        let table = &config.table_name;
        let policy = CodePolicy {
            send_interval: config.code_send_interval,
            hourly_cap: config.code_hourly_cap,
            lifetime: config.code_lifetime,
            ..CodePolicy::default()
        };
        Ok(Identity {
            users: Users::new(dynamodb.clone(), table),
            codes: Codes::new(dynamodb.clone(), table, policy),
            captchas: Captchas::new(dynamodb.clone(), table),
            sso: passport_shared::storage::sso::Sso::new(dynamodb.clone(), table),
            sessions: Sessions::from_config(dynamodb.clone(), config, keys.clone()),
            keys,
            mailer: Box::new(passport_shared::mail::from_config(config, sdk)),
            sms: Box::new(passport_shared::sms::SnsSms::new(
                passport_shared::aws::sns(sdk),
            )),
            login: LoginPolicy {
                max_failures: config.login_max_failures,
                lock_minutes: config.login_lock_minutes,
            },
            throttles: passport_shared::storage::throttles::Throttles::new(dynamodb, table),
            limits: config.abuse_limits.clone(),
        })
    }

    /// The captcha check of the sign-in routes.
    pub fn captcha(&self) -> CaptchaCheck<'_> {
        CaptchaCheck::new(&self.captchas, &self.keys)
    }

    /// The token check of routes that use these accounts.
    pub fn authority(&self) -> passport_shared::auth::Authority<'_> {
        passport_shared::auth::Authority::new(&self.sessions, Some(&self.users))
    }

    /// Where the limited routes count their attempts.
    pub fn limiter(&self) -> passport_shared::limits::Limiter<'_> {
        passport_shared::limits::Limiter {
            throttles: &self.throttles,
            limits: &self.limits,
        }
    }

    pub fn code_service(&self) -> CodeService<'_> {
        CodeService {
            codes: &self.codes,
            keys: &self.keys,
            mailer: self.mailer.as_ref(),
            sms: self.sms.as_ref(),
        }
    }
}

pub mod account;
pub mod import;
pub mod oidc;

#[cfg(test)]
mod rules;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_addresses_or_numbers() {
        assert!(matches!(
            Destination::parse(None, "Li@Example.com"),
            Ok(Destination::Email(_))
        ));
        assert!(matches!(
            Destination::parse(Some("86"), "13800138000"),
            Ok(Destination::Phone(_))
        ));
        assert_eq!(
            Destination::parse(None, "li@"),
            Err(ErrorKind::EmailInvalid)
        );
        assert_eq!(
            Destination::parse(None, "12345"),
            Err(ErrorKind::PhoneLength)
        );
        assert_eq!(
            Destination::parse(None, " "),
            Err(ErrorKind::InvalidParameter)
        );
    }

    #[test]
    fn canonical_destinations_ignore_case_and_format() {
        let a = Destination::parse(None, "Li@Example.com").unwrap();
        let b = Destination::parse(None, "li@example.COM").unwrap();
        assert_eq!(a.canonical(), b.canonical());
        let p = Destination::parse(Some("+86"), "138 0013 8000").unwrap();
        assert_eq!(p.canonical(), "+8613800138000");
    }
}
