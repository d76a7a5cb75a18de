//! The rules above storage, unit-tested on the in-memory stores
//! ([`passport_store::memory`]): no emulator, no network, milliseconds (argon2id aside).
//! The end-to-end tests hold the same rules on DynamoDB Local.

use crate::SignInName;
use crate::{hash_password, sign_in, CodeService, Destination, LoginPolicy, Purpose};
use async_trait::async_trait;
use futures_util::future::join_all;
use passport_shared::auth::Authority;
use passport_shared::dialect::{Dialect, Lang};
use passport_shared::error::ErrorKind;
use passport_shared::mail::{Mail, MailError, Mailer};
use passport_shared::params::Params;
use passport_shared::response::{Format, Meta};
use passport_shared::routing::{ApiRequest, Auth};
use passport_shared::sms::{SmsError, SmsSender};
use passport_shared::storage::codes::CodePolicy;
use passport_shared::storage::memory::{MemoryAccounts, MemoryCodes, MemoryMeter, MemorySessions};
use passport_shared::storage::ports::{AccountStore, SessionStore};
use passport_shared::storage::sessions::{Grant, RotateError};
use passport_shared::storage::users::{CreateError, NewUser, Taken};
use passport_shared::token::{SigningKeys, FIRST_PARTY_CLIENT};
use std::sync::{Arc, Mutex};

const ISSUER: &str = "https://passport.test";
const NOW: i64 = 1_767_225_600;

fn new_user(username: &str, email: &str, password_hash: &str) -> NewUser {
    NewUser {
        username: username.to_owned(),
        email: Some(email.to_owned()),
        phone: None,
        email_verified: false,
        phone_verified: false,
        password_hash: password_hash.to_owned(),
        sns: None,
    }
}

fn password(raw: &str) -> passport_shared::domain::Password {
    passport_shared::domain::Password::parse(raw).expect("a valid password")
}

#[tokio::test]
async fn fifty_parallel_sign_ups_of_one_name_make_exactly_one_account() {
    let accounts = MemoryAccounts::default();
    let attempts = (0..50).map(|i| {
        let new = new_user("Li_Lei", &format!("li{i}@example.com"), "$argon2id$x");
        let accounts = &accounts;
        async move { accounts.create(&new, NOW).await }
    });
    let outcomes = join_all(attempts).await;
    let made = outcomes.iter().filter(|o| o.is_ok()).count();
    let taken = outcomes
        .iter()
        .filter(|o| matches!(o, Err(CreateError::Taken(Taken::Username))))
        .count();
    assert_eq!((made, taken), (1, 49));
    // Names are unique whatever their case; the address of the one account is taken too.
    let again = accounts
        .create(&new_user("li_lei", "other@example.com", "h"), NOW)
        .await;
    assert!(matches!(again, Err(CreateError::Taken(Taken::Username))));
    let uid = outcomes.iter().find_map(|o| o.as_ref().ok()).unwrap().uid;
    let email = accounts.get(uid).await.unwrap().unwrap().email.unwrap();
    let same_address = accounts
        .create(&new_user("han_meimei", &email, "h"), NOW)
        .await;
    assert!(matches!(
        same_address,
        Err(CreateError::Taken(Taken::Email))
    ));
}

async fn account_with(accounts: &MemoryAccounts, username: &str, raw: &str) -> u64 {
    let hash = hash_password(&password(raw)).await.unwrap();
    let new = new_user(username, &format!("{username}@example.com"), &hash);
    accounts.create(&new, NOW).await.unwrap().uid
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_name_even_for_the_right_one_until_the_lock_ends() {
    let accounts = MemoryAccounts::default();
    let uid = account_with(&accounts, "li_lei", "correct horse 1").await;
    let policy = LoginPolicy::default();
    let name = SignInName::of_login("li_lei");
    let mut kinds = Vec::new();
    for _ in 0..policy.max_failures {
        let wrong = sign_in(&accounts, policy, &name, &password("wrong horse 1"), NOW).await;
        kinds.push(wrong.unwrap_err().kind);
    }
    let mut expected = vec![ErrorKind::IncorrectPassword; policy.max_failures as usize - 1];
    expected.push(ErrorKind::AccountLocked);
    assert_eq!(kinds, expected);
    let right = sign_in(
        &accounts,
        policy,
        &name,
        &password("correct horse 1"),
        NOW + 60,
    )
    .await;
    let locked = right.unwrap_err();
    assert_eq!(locked.kind, ErrorKind::AccountLocked);
    assert_eq!(
        locked.retry_after,
        Some(policy.lock_minutes * 60 - 60),
        "Retry-After: when the lock lifts"
    );
    let later = NOW + policy.lock_minutes * 60 + 1;
    let right = sign_in(
        &accounts,
        policy,
        &name,
        &password("correct horse 1"),
        later,
    )
    .await;
    assert_eq!(right.unwrap().uid, uid);
}

#[tokio::test]
async fn a_right_password_clears_the_count_and_unknown_names_lock_as_known_ones() {
    let accounts = MemoryAccounts::default();
    account_with(&accounts, "li_lei", "correct horse 1").await;
    let policy = LoginPolicy::default();
    let name = SignInName::of_login("li_lei");
    for _ in 0..policy.max_failures - 1 {
        let _ = sign_in(&accounts, policy, &name, &password("wrong horse 1"), NOW).await;
    }
    sign_in(&accounts, policy, &name, &password("correct horse 1"), NOW)
        .await
        .unwrap();
    // The count started again: one more wrong password is not the last slot.
    let wrong = sign_in(&accounts, policy, &name, &password("wrong horse 1"), NOW).await;
    assert_eq!(wrong.unwrap_err().kind, ErrorKind::IncorrectPassword);
    let nobody = SignInName::of_login("nobody_here");
    let mut last = None;
    for _ in 0..policy.max_failures + 1 {
        last = Some(sign_in(&accounts, policy, &nobody, &password("wrong horse 1"), NOW).await);
    }
    assert_eq!(last.unwrap().unwrap_err().kind, ErrorKind::AccountLocked);
}

#[tokio::test]
async fn fifty_parallel_wrong_passwords_get_no_more_checks_than_the_gate_has_slots() {
    let accounts = MemoryAccounts::default();
    account_with(&accounts, "li_lei", "correct horse 1").await;
    let policy = LoginPolicy::default();
    let name = SignInName::of_login("li_lei");
    let wrong = password("wrong horse 1");
    let tries = (0..50).map(|_| sign_in(&accounts, policy, &name, &wrong, NOW));
    let kinds: Vec<ErrorKind> = join_all(tries)
        .await
        .into_iter()
        .map(|r| r.unwrap_err().kind)
        .collect();
    let incorrect = kinds
        .iter()
        .filter(|k| **k == ErrorKind::IncorrectPassword)
        .count();
    assert_eq!(incorrect, policy.max_failures as usize - 1);
    assert!(kinds
        .iter()
        .all(|k| matches!(k, ErrorKind::IncorrectPassword | ErrorKind::AccountLocked)));
}

/// Mail and texts as the code service sends them, kept.
#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<String>>,
    fail: bool,
}

impl Outbox {
    fn last_code(&self) -> String {
        let sent = self.sent.lock().unwrap();
        let text = sent.last().expect("something was sent");
        let at = text.find("code is ").expect("the code in the text") + 8;
        text[at..at + 6].to_owned()
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        if self.fail {
            return Err(MailError("the provider refused".into()));
        }
        self.sent.lock().unwrap().push(mail.text.clone());
        Ok("id".into())
    }
}

#[async_trait]
impl SmsSender for Outbox {
    async fn send(&self, _e164: &str, text: &str) -> Result<String, SmsError> {
        self.sent.lock().unwrap().push(text.to_owned());
        Ok("id".into())
    }
}

fn keys() -> Arc<SigningKeys> {
    Arc::new(SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap())
}

fn codes<'a>(store: &'a MemoryCodes, keys: &'a SigningKeys, outbox: &'a Outbox) -> CodeService<'a> {
    CodeService {
        codes: store,
        keys,
        mailer: outbox,
        sms: outbox,
    }
}

#[tokio::test]
async fn a_code_is_single_use_and_five_wrong_tries_void_it() {
    let (store, keys, outbox) = (
        MemoryCodes::new(CodePolicy::default()),
        keys(),
        Outbox::default(),
    );
    let service = codes(&store, &keys, &outbox);
    let to = Destination::parse(None, "li@example.com").unwrap();
    service.send(Purpose::Verify, &to, NOW).await.unwrap();
    let code = outbox.last_code();
    service
        .check(Purpose::Verify, &to, &code, true, NOW)
        .await
        .unwrap();
    let again = service.check(Purpose::Verify, &to, &code, true, NOW).await;
    assert_eq!(again.unwrap_err().kind, ErrorKind::CodeInvalid);
    // A code of one purpose is not one of another.
    let later = NOW + CodePolicy::default().send_interval;
    service.send(Purpose::Verify, &to, later).await.unwrap();
    let code = outbox.last_code();
    let other = service
        .check(Purpose::Reset, &to, &code, false, later)
        .await;
    assert_eq!(other.unwrap_err().kind, ErrorKind::CodeInvalid);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..CodePolicy::default().max_attempts {
        let r = service
            .check(Purpose::Verify, &to, wrong, true, later)
            .await;
        assert_eq!(r.unwrap_err().kind, ErrorKind::CodeInvalid);
    }
    let right = service
        .check(Purpose::Verify, &to, &code, true, later)
        .await;
    assert_eq!(
        right.unwrap_err().kind,
        ErrorKind::CodeInvalid,
        "void after five tries"
    );
}

#[tokio::test]
async fn a_code_past_its_lifetime_is_refused() {
    let (store, keys, outbox) = (
        MemoryCodes::new(CodePolicy::default()),
        keys(),
        Outbox::default(),
    );
    let service = codes(&store, &keys, &outbox);
    let to = Destination::parse(Some("86"), "13800138000").unwrap();
    service.send(Purpose::Register, &to, NOW).await.unwrap();
    let code = outbox.last_code();
    let late = NOW + CodePolicy::default().lifetime;
    let r = service
        .check(Purpose::Register, &to, &code, true, late)
        .await;
    assert_eq!(r.unwrap_err().kind, ErrorKind::CodeInvalid);
}

#[tokio::test]
async fn sends_keep_their_interval_and_hourly_cap_and_a_failed_one_is_given_back() {
    let policy = CodePolicy::default();
    let (store, keys, outbox) = (MemoryCodes::new(policy), keys(), Outbox::default());
    let service = codes(&store, &keys, &outbox);
    let to = Destination::parse(None, "li@example.com").unwrap();
    // The start of an hour, so the cap is met within it.
    let hour = NOW - NOW % 3600;
    service.send(Purpose::Verify, &to, hour).await.unwrap();
    let soon = service
        .send(Purpose::Verify, &to, hour + 1)
        .await
        .unwrap_err();
    assert_eq!(soon.kind, ErrorKind::CodeSendTooFrequent);
    assert_eq!(soon.retry_after, Some(policy.send_interval - 1));
    for i in 1..policy.hourly_cap {
        let at = hour + i * policy.send_interval;
        service.send(Purpose::Verify, &to, at).await.unwrap();
    }
    let capped = hour + policy.hourly_cap * policy.send_interval;
    let refused = service
        .send(Purpose::Verify, &to, capped)
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::CodeSendTooFrequent);
    assert_eq!(
        refused.retry_after,
        Some(hour + 3600 - capped),
        "the hour's end"
    );
    service
        .send(Purpose::Verify, &to, hour + 3600)
        .await
        .unwrap();

    let failing = Outbox {
        fail: true,
        ..Outbox::default()
    };
    let service = codes(&store, &keys, &failing);
    let other = Destination::parse(None, "han@example.com").unwrap();
    let failed = service
        .send(Purpose::Verify, &other, NOW)
        .await
        .unwrap_err();
    assert_eq!(failed.kind, ErrorKind::CodeMailFailed);
    // The failed send spent no interval: a send right after it goes out.
    let service = codes(&store, &keys, &outbox);
    service
        .send(Purpose::Verify, &other, NOW + 1)
        .await
        .unwrap();
}

fn grant(uid: u64, client_id: &str) -> Grant {
    Grant {
        uid,
        client_id: client_id.to_owned(),
        scope: "all".to_owned(),
        remember: false,
    }
}

/// The `jti` of an access token we signed.
fn jti(keys: &SigningKeys, token: &str) -> String {
    passport_shared::issuer::configure(Some(ISSUER), None);
    keys.verify(token).expect("one of ours").jti
}

#[tokio::test]
async fn a_rotated_refresh_token_replayed_ends_its_whole_family() {
    // Tokens are signed and checked against the real clock.
    let now = passport_shared::now();
    let keys = keys();
    let sessions = MemorySessions::new(keys.clone(), ISSUER);
    let first = sessions.issue(&grant(10_001, "web"), now).await.unwrap();
    let second = sessions
        .rotate_for(&first.refresh_token, Some("web"), now + 1)
        .await
        .unwrap();
    assert_eq!(second.family, first.family);
    let jti = |t: &str| jti(&keys, t);
    assert!(sessions
        .record(&jti(&first.access_token))
        .await
        .unwrap()
        .is_none());
    assert!(sessions
        .record(&jti(&second.access_token))
        .await
        .unwrap()
        .is_some());
    let replay = sessions
        .rotate_for(&first.refresh_token, Some("web"), now + 2)
        .await;
    assert!(matches!(replay, Err(RotateError::Invalid)));
    assert!(
        sessions
            .record(&jti(&second.access_token))
            .await
            .unwrap()
            .is_none(),
        "the replay ended the family"
    );
    let after = sessions
        .rotate_for(&second.refresh_token, Some("web"), now + 3)
        .await;
    assert!(matches!(after, Err(RotateError::Invalid)));
}

#[tokio::test]
async fn a_refresh_token_generations_old_is_a_replay_and_a_forged_one_changes_nothing() {
    let now = passport_shared::now();
    let sessions = MemorySessions::new(keys(), ISSUER);
    let first = sessions.issue(&grant(10_001, "web"), now).await.unwrap();
    let second = sessions
        .rotate_for(&first.refresh_token, Some("web"), now + 1)
        .await
        .unwrap();
    let third = sessions
        .rotate_for(&second.refresh_token, Some("web"), now + 2)
        .await
        .unwrap();
    // A token of another session's shape, or this one's with its MAC changed, is refused
    // and the session goes on.
    let forged = format!("{}.2.{}", third.family, "0".repeat(64));
    let mut tampered = third.refresh_token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    for bad in [forged, tampered, "x".repeat(40)] {
        let refused = sessions.rotate_for(&bad, Some("web"), now + 3).await;
        assert!(matches!(refused, Err(RotateError::Invalid)), "{bad}");
    }
    // Two generations back is as much a replay as one: the session ends.
    let replay = sessions
        .rotate_for(&first.refresh_token, Some("web"), now + 4)
        .await;
    assert!(matches!(replay, Err(RotateError::Invalid)));
    let after = sessions
        .rotate_for(&third.refresh_token, Some("web"), now + 5)
        .await;
    assert!(
        matches!(after, Err(RotateError::Invalid)),
        "the replay ended it"
    );
}

#[tokio::test]
async fn another_clients_refresh_token_is_refused_and_kept() {
    // Tokens are signed and checked against the real clock.
    let now = passport_shared::now();
    let sessions = MemorySessions::new(keys(), ISSUER);
    let issued = sessions.issue(&grant(10_001, "web"), now).await.unwrap();
    let other = sessions
        .rotate_for(&issued.refresh_token, Some("mobile"), now + 1)
        .await;
    assert!(matches!(other, Err(RotateError::Invalid)));
    sessions
        .rotate_for(&issued.refresh_token, Some("web"), now + 2)
        .await
        .expect("still live for its own client");
}

async fn request(route: &str, token: &str) -> ApiRequest {
    let mut headers = http::HeaderMap::new();
    let bearer = format!("Bearer {token}");
    headers.insert(http::header::AUTHORIZATION, bearer.parse().unwrap());
    ApiRequest {
        meta: Meta {
            dialect: Dialect::of_path(route),
            api: route.trim_start_matches('/').to_owned(),
            route: route.trim_start_matches('/').to_owned(),
            lang: Lang::En,
            format: Format::Json,
            request_id: "test".to_owned(),
        },
        params: Params::parse(None, None, b"").await.unwrap(),
        path_params: Vec::new(),
        headers,
        source_ip: None,
    }
}

struct Stack {
    keys: Arc<SigningKeys>,
    sessions: MemorySessions,
    meter: MemoryMeter,
    accounts: MemoryAccounts,
}

impl Stack {
    fn new(limit: u32) -> Stack {
        passport_shared::issuer::configure(Some(ISSUER), None);
        let keys = keys();
        Stack {
            sessions: MemorySessions::new(keys.clone(), ISSUER),
            keys,
            meter: MemoryMeter::new(limit),
            accounts: MemoryAccounts::default(),
        }
    }

    fn authority(&self) -> Authority<'_> {
        Authority {
            sessions: &self.sessions,
            meter: &self.meter,
            users: Some(&self.accounts),
        }
    }
}

#[tokio::test]
async fn a_client_past_its_hourly_quota_is_refused_in_its_routes_dialect() {
    // Tokens are signed and checked against the real clock.
    let now = passport_shared::now();
    let stack = Stack::new(2);
    let token = stack
        .sessions
        .issue(&grant(10_001, "351274360187462"), now)
        .await
        .unwrap();
    let calendar = request("/api/Calendar/events", &token.access_token).await;
    for _ in 0..2 {
        let caller = stack
            .authority()
            .caller(Auth::Token, &calendar, None, now)
            .await;
        assert_eq!(caller.unwrap().token.unwrap().uid, 10_001);
    }
    let refused = stack
        .authority()
        .caller(Auth::Token, &calendar, None, now)
        .await;
    assert_eq!(refused.unwrap_err().kind, ErrorKind::RateLimited);
    // Quotas are per API: another route still has its own, and the OAuth tables name the
    // refusal with their own code.
    let info = request("/apis/Oauth/info", &token.access_token).await;
    for _ in 0..2 {
        stack
            .authority()
            .caller(Auth::Token, &info, None, now)
            .await
            .unwrap();
    }
    let refused = stack
        .authority()
        .caller(Auth::Token, &info, None, now)
        .await;
    assert_eq!(refused.unwrap_err().kind, ErrorKind::OauthRateLimited);
    // The next hour counts anew.
    let next_hour = now + 3600;
    stack
        .authority()
        .caller(Auth::Token, &calendar, None, next_hour)
        .await
        .unwrap();
}

#[tokio::test]
async fn first_party_tokens_are_not_metered_and_an_ended_session_ends_its_token_at_once() {
    // Tokens are signed and checked against the real clock.
    let now = passport_shared::now();
    let stack = Stack::new(1);
    let token = stack
        .sessions
        .issue(&grant(10_001, FIRST_PARTY_CLIENT), now)
        .await
        .unwrap();
    let events = request("/api/Calendar/events", &token.access_token).await;
    for _ in 0..5 {
        stack
            .authority()
            .caller(Auth::Token, &events, None, now)
            .await
            .unwrap();
    }
    let id = jti(&stack.keys, &token.access_token);
    let record = stack.sessions.record(&id).await.unwrap().unwrap();
    stack.sessions.end(&record).await.unwrap();
    let ended = stack
        .authority()
        .caller(Auth::Token, &events, None, now)
        .await;
    assert_eq!(ended.unwrap_err().kind, ErrorKind::TokenExpired);
    let forged = request("/api/Calendar/events", "a.b.c").await;
    let refused = stack
        .authority()
        .caller(Auth::Token, &forged, None, now)
        .await;
    assert_eq!(refused.unwrap_err().kind, ErrorKind::TokenInvalid);
}

#[tokio::test]
async fn account_routes_get_the_account_and_a_deleted_one_ends_the_token() {
    // Tokens are signed and checked against the real clock.
    let now = passport_shared::now();
    let stack = Stack::new(10);
    let uid = stack
        .accounts
        .create(&new_user("li_lei", "li@example.com", "h"), now)
        .await
        .unwrap()
        .uid;
    let token = stack
        .sessions
        .issue(&grant(uid, FIRST_PARTY_CLIENT), now)
        .await
        .unwrap();
    let info = request("/api/personal/info", &token.access_token).await;
    let caller = stack
        .authority()
        .caller(Auth::Account, &info, None, now)
        .await
        .unwrap();
    assert_eq!(caller.account.unwrap().username, "li_lei");
    let stranger = stack
        .sessions
        .issue(&grant(99_999, FIRST_PARTY_CLIENT), now)
        .await
        .unwrap();
    let info = request("/api/personal/info", &stranger.access_token).await;
    let refused = stack
        .authority()
        .caller(Auth::Account, &info, None, now)
        .await;
    assert_eq!(refused.unwrap_err().kind, ErrorKind::TokenExpired);
    // Without a token: the route's own "not signed in" (v2's user routes say 202101).
    let mut bare = request("/api/User/sendcode", "x").await;
    bare.headers.clear();
    let maybe = stack
        .authority()
        .caller(Auth::MaybeAccount, &bare, None, now)
        .await;
    assert!(maybe.unwrap().token.is_none());
    let needed = stack
        .authority()
        .caller(Auth::Account, &bare, None, now)
        .await;
    assert_eq!(needed.unwrap_err().kind, ErrorKind::NotLoggedIn);
}

#[tokio::test]
async fn an_imported_legacy_hash_signs_in_once_and_is_argon2id_after() {
    let accounts = MemoryAccounts::default();
    // A salted SHA-1 of an old system (Django's notation): sha1("s4lt" + "old password 1").
    let legacy = "sha1$s4lt$be93aaf5f801314f0c6f2a4be0456a588d4d681a";
    let uid = accounts
        .create(&new_user("old_user", "old@example.com", legacy), NOW)
        .await
        .unwrap()
        .uid;
    let policy = LoginPolicy::default();
    let name = SignInName::of_login("old_user");
    // A wrong password leaves the legacy hash as it was.
    let wrong = sign_in(&accounts, policy, &name, &password("not it at all"), NOW).await;
    assert_eq!(wrong.unwrap_err().kind, ErrorKind::IncorrectPassword);
    assert_eq!(
        accounts.get(uid).await.unwrap().unwrap().password_hash,
        legacy
    );
    // The right one signs in, and the stored hash is argon2id of it from then on.
    let right = sign_in(&accounts, policy, &name, &password("old password 1"), NOW).await;
    assert_eq!(right.unwrap().uid, uid);
    let upgraded = accounts.get(uid).await.unwrap().unwrap().password_hash;
    assert!(upgraded.starts_with("$argon2id$"), "{upgraded}");
    let again = sign_in(&accounts, policy, &name, &password("old password 1"), NOW).await;
    assert_eq!(again.unwrap().uid, uid);
}
