//! In-memory stores: the [`crate::ports`] traits kept in a mutex, with the semantics of the
//! DynamoDB repositories (each operation is atomic, as their conditional writes and
//! transactions are). The rules above storage are unit-tested on these in milliseconds; the
//! end-to-end tests run the same rules on DynamoDB Local.

use crate::codes::{CodePolicy, SendRefused};
use crate::keys::{self, Key};
use crate::ports::{
    AccountStore, CallMeter, CaptchaStore, CodeStore, QuotaStore, SessionStore, ThrottleStore,
};
use crate::quotas::{window, Hit};
use crate::sessions::{
    jti, mint, new_sid, parse_jti, parse_refresh, refused, Grant, Issued, Lifetimes, Refused,
    RotateError, TokenRecord,
};
use crate::throttles::Throttled;
use crate::users::{CreateError, Gate, NewUser, Taken, User};
use crate::StoreError;
use async_trait::async_trait;
use passport_core::crypto;
use passport_core::limits::Rate;
use passport_core::token::SigningKeys;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A sign-in gate: attempts counted, and the end of its lock (0: none).
#[derive(Debug, Clone, Copy, Default)]
struct GateState {
    failures: u32,
    lock_until: i64,
}

#[derive(Default)]
struct AccountsInner {
    users: BTreeMap<u64, User>,
    guards: HashMap<Key, u64>,
    gates: HashMap<Key, GateState>,
}

/// Accounts, guards and sign-in gates in memory.
#[derive(Default)]
pub struct MemoryAccounts(Mutex<AccountsInner>);

#[async_trait]
impl AccountStore for MemoryAccounts {
    async fn create(&self, new: &NewUser, now: i64) -> Result<User, CreateError> {
        let mut guards = vec![(Taken::Username, keys::username_guard(&new.username))];
        if let Some((channel, id)) = &new.sns {
            guards.push((Taken::Sns, keys::sns_guard(channel, id)));
        }
        if let Some(email) = &new.email {
            guards.push((Taken::Email, keys::email_guard(email)));
        }
        if let Some((area, number)) = &new.phone {
            guards.push((Taken::Phone, keys::phone_guard(area, number)));
        }
        let mut inner = lock(&self.0);
        if let Some((taken, _)) = guards.iter().find(|(_, g)| inner.guards.contains_key(g)) {
            return Err(CreateError::Taken(*taken));
        }
        // A time-ordered uid, as the table's store draws it; drawn again while taken.
        let uid = std::iter::repeat_with(passport_core::ids::next)
            .find(|uid| !inner.users.contains_key(uid))
            .unwrap_or_default();
        for (_, guard) in guards {
            inner.guards.insert(guard, uid);
        }
        let user = User {
            uid,
            username: new.username.clone(),
            email: new.email.clone(),
            area: new.phone.as_ref().map(|(a, _)| a.clone()),
            phone: new.phone.as_ref().map(|(_, n)| n.clone()),
            email_verified: new.email_verified,
            phone_verified: new.phone_verified,
            password_hash: new.password_hash.clone(),
            created_at: now,
            updated_at: now,
            nickname: None,
            avatar: None,
            gender: 2,
            birthday: None,
            address: None,
            detail: BTreeMap::new(),
            sns: new.sns.iter().cloned().collect(),
            version: 0,
            role: None,
            disabled: false,
        };
        inner.users.insert(uid, user.clone());
        Ok(user)
    }

    async fn get(&self, uid: u64) -> Result<Option<User>, StoreError> {
        Ok(lock(&self.0).users.get(&uid).cloned())
    }

    async fn owner(&self, guard: &Key) -> Result<Option<u64>, StoreError> {
        Ok(lock(&self.0).guards.get(guard).copied())
    }

    async fn open_gate(
        &self,
        gate: &Key,
        max_failures: u32,
        lock_seconds: i64,
        now: i64,
    ) -> Result<Gate, StoreError> {
        let max = max_failures.max(1);
        let mut inner = lock(&self.0);
        let state = inner.gates.entry(gate.clone()).or_default();
        if state.failures + 1 < max {
            state.failures += 1;
            return Ok(Gate::Open {
                failures: state.failures,
            });
        }
        if state.failures + 1 == max {
            // The last slot: taken and locked in one step.
            *state = GateState {
                failures: max,
                lock_until: now + lock_seconds,
            };
            return Ok(Gate::Open { failures: max });
        }
        if state.lock_until > now {
            return Ok(Gate::Locked {
                until: state.lock_until,
            });
        }
        // The lock has run out: a new count starts with this attempt.
        *state = GateState {
            failures: 1,
            lock_until: 0,
        };
        Ok(Gate::Open { failures: 1 })
    }

    async fn clear_failures(&self, gate: &Key) -> Result<(), StoreError> {
        lock(&self.0).gates.remove(gate);
        Ok(())
    }
    async fn upgrade_hash(&self, uid: u64, old: &str, new: &str) -> Result<bool, StoreError> {
        let mut inner = lock(&self.0);
        match inner.users.get_mut(&uid) {
            Some(user) if user.password_hash == old => {
                user.password_hash = new.to_owned();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct CodeState {
    hash: Option<String>,
    expires: i64,
    attempts: i64,
    last_sent: i64,
    send_hour: i64,
    hour_sends: i64,
}

/// Verification codes in memory.
pub struct MemoryCodes {
    policy: CodePolicy,
    codes: Mutex<HashMap<(String, String), CodeState>>,
}

impl MemoryCodes {
    pub fn new(policy: CodePolicy) -> MemoryCodes {
        MemoryCodes {
            policy,
            codes: Mutex::default(),
        }
    }
}

#[async_trait]
impl CodeStore for MemoryCodes {
    fn policy(&self) -> CodePolicy {
        self.policy
    }

    async fn store_for_send(
        &self,
        purpose: &str,
        destination: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<Result<(), SendRefused>, StoreError> {
        let p = self.policy;
        let hour = now / 3600;
        let mut codes = lock(&self.codes);
        let key = (purpose.to_owned(), destination.to_owned());
        let sends = match codes.get(&key) {
            None => 1,
            Some(old) if old.last_sent > now - p.send_interval => {
                return Ok(Err(SendRefused::Interval(
                    old.last_sent + p.send_interval - now,
                )))
            }
            Some(old) if old.send_hour == hour && old.hour_sends >= p.hourly_cap => {
                return Ok(Err(SendRefused::HourlyCap((hour + 1) * 3600 - now)))
            }
            Some(old) if old.send_hour == hour => old.hour_sends + 1,
            Some(_) => 1,
        };
        codes.insert(
            key,
            CodeState {
                hash: Some(code_hash.to_owned()),
                expires: now + p.lifetime,
                attempts: 0,
                last_sent: now,
                send_hour: hour,
                hour_sends: sends,
            },
        );
        Ok(Ok(()))
    }

    async fn release_send(
        &self,
        purpose: &str,
        destination: &str,
        code_hash: &str,
        sent_at: i64,
    ) -> Result<(), StoreError> {
        let mut codes = lock(&self.codes);
        if let Some(c) = codes.get_mut(&(purpose.to_owned(), destination.to_owned())) {
            if c.hash.as_deref() == Some(code_hash) && c.last_sent == sent_at && c.hour_sends >= 1 {
                c.last_sent = 0;
                c.hour_sends -= 1;
                c.expires = 0;
            }
        }
        Ok(())
    }

    async fn check(
        &self,
        purpose: &str,
        destination: &str,
        code_hash: &str,
        consume: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut codes = lock(&self.codes);
        let Some(c) = codes.get_mut(&(purpose.to_owned(), destination.to_owned())) else {
            return Ok(false);
        };
        if c.hash.is_none() || c.attempts >= self.policy.max_attempts || c.expires <= now {
            return Ok(false);
        }
        c.attempts += 1;
        if !c
            .hash
            .as_deref()
            .is_some_and(|h| crypto::same(h, code_hash))
        {
            return Ok(false);
        }
        if consume {
            c.hash = None;
        }
        Ok(true)
    }
}

/// Captcha answers in memory.
#[derive(Default)]
pub struct MemoryCaptchas(Mutex<HashMap<(String, String), (String, i64)>>);

#[async_trait]
impl CaptchaStore for MemoryCaptchas {
    async fn put(
        &self,
        key_hash: &str,
        scenario: &str,
        answer_hash: &str,
        expires: i64,
    ) -> Result<(), StoreError> {
        let key = (key_hash.to_owned(), scenario.to_owned());
        lock(&self.0).insert(key, (answer_hash.to_owned(), expires));
        Ok(())
    }

    async fn check(
        &self,
        key_hash: &str,
        scenario: &str,
        answer_hash: &str,
        consume: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        let key = (key_hash.to_owned(), scenario.to_owned());
        let mut answers = lock(&self.0);
        let stored = match consume {
            true => answers.remove(&key),
            false => answers.get(&key).cloned(),
        };
        Ok(stored.is_some_and(|(hash, expires)| expires > now && crypto::same(&hash, answer_hash)))
    }
}

/// Hourly call counts in memory.
#[derive(Default)]
pub struct MemoryQuotas(Mutex<HashMap<(String, String, i64), u32>>);

#[async_trait]
impl QuotaStore for MemoryQuotas {
    async fn hit(
        &self,
        client_id: &str,
        api: &str,
        limit: u32,
        now: i64,
    ) -> Result<Hit, StoreError> {
        let key = (client_id.to_owned(), api.to_owned(), window(now));
        let mut counts = lock(&self.0);
        let hits = counts.entry(key).or_default();
        if *hits >= limit {
            return Ok(Hit::Exhausted);
        }
        *hits += 1;
        Ok(Hit::Counted {
            remaining: limit - *hits,
        })
    }
}

/// Abuse-limit windows in memory: (action, source) to the window's end and its count.
#[derive(Default)]
pub struct MemoryThrottles(Mutex<HashMap<(String, String), (i64, u32)>>);

#[async_trait]
impl ThrottleStore for MemoryThrottles {
    async fn hit(
        &self,
        action: &str,
        source: &str,
        rate: Rate,
        now: i64,
    ) -> Result<Throttled, StoreError> {
        let mut windows = lock(&self.0);
        let window = windows
            .entry((action.to_owned(), source.to_owned()))
            .or_insert((0, 0));
        if window.0 <= now {
            *window = (now + rate.per, 1);
            return Ok(Throttled::Admitted);
        }
        if window.1 >= rate.count {
            return Ok(Throttled::Refused {
                retry_after: window.0 - now,
            });
        }
        window.1 += 1;
        Ok(Throttled::Admitted)
    }
}

/// Every client's every API at one hourly limit, counted in memory.
pub struct MemoryMeter {
    pub limit: u32,
    pub quotas: MemoryQuotas,
}

impl MemoryMeter {
    pub fn new(limit: u32) -> MemoryMeter {
        MemoryMeter {
            limit,
            quotas: MemoryQuotas::default(),
        }
    }
}

#[async_trait]
impl CallMeter for MemoryMeter {
    async fn hit(&self, client_id: &str, api: &str, now: i64) -> Result<Hit, StoreError> {
        self.quotas.hit(client_id, api, self.limit, now).await
    }
}

/// One session, as the table's session item holds it.
#[derive(Debug, Clone)]
struct SessionState {
    /// At the current generation.
    record: TokenRecord,
    generation: u64,
    access_life: i64,
    /// Lifetime and end of the refresh token; none for a client's own token.
    refresh: Option<(i64, i64)>,
}

/// Sessions in memory, one state per session as the DynamoDB store keeps one item per
/// session; tokens are signed as that store signs them ([`mint`]).
pub struct MemorySessions {
    keys: Arc<SigningKeys>,
    issuer: String,
    pub lifetimes: Lifetimes,
    inner: Mutex<HashMap<String, SessionState>>,
}

impl MemorySessions {
    pub fn new(keys: Arc<SigningKeys>, issuer: impl Into<String>) -> MemorySessions {
        MemorySessions {
            keys,
            issuer: issuer.into(),
            lifetimes: Lifetimes::default(),
            inner: Mutex::default(),
        }
    }
}

#[async_trait]
impl SessionStore for MemorySessions {
    fn keys(&self) -> &SigningKeys {
        &self.keys
    }

    async fn issue(&self, grant: &Grant, now: i64) -> Result<Issued, StoreError> {
        let sid = new_sid();
        let (access_life, refresh_life) = self.lifetimes.of(grant.remember);
        let record = TokenRecord {
            jti: jti(&sid, 0),
            uid: grant.uid,
            client_id: grant.client_id.clone(),
            scope: grant.scope.clone(),
            created_at: now,
            expires_at: now + access_life,
            family: sid.clone(),
        };
        let issued = mint(&self.keys, &record, true, &self.issuer);
        let state = SessionState {
            record,
            generation: 0,
            access_life,
            refresh: Some((refresh_life, now + refresh_life)),
        };
        lock(&self.inner).insert(sid, state);
        Ok(issued)
    }

    async fn record(&self, jti: &str) -> Result<Option<TokenRecord>, StoreError> {
        let Some((sid, _)) = parse_jti(jti) else {
            return Ok(None);
        };
        Ok(lock(&self.inner)
            .get(sid)
            .map(|s| s.record.clone())
            .filter(|r| r.jti == jti))
    }

    async fn rotate_for(
        &self,
        refresh_token: &str,
        client_id: Option<&str>,
        now: i64,
    ) -> Result<Issued, RotateError> {
        let Some((sid, generation)) = parse_refresh(&self.keys, refresh_token) else {
            return Err(RotateError::Invalid);
        };
        let mut inner = lock(&self.inner);
        let Some(state) = inner.get_mut(sid) else {
            return Err(RotateError::Invalid);
        };
        // The table's condition: this generation, unexpired, of the presenting client.
        let live = matches!(state.refresh, Some((_, end)) if end > now);
        if state.generation != generation
            || !live
            || client_id.is_some_and(|c| c != state.record.client_id)
        {
            let used = state.generation > generation;
            if refused(used, &state.record.client_id, client_id) == Refused::Replayed {
                inner.remove(sid);
            }
            return Err(RotateError::Invalid);
        }
        state.generation += 1;
        state.record.jti = jti(sid, state.generation);
        state.record.created_at = now;
        state.record.expires_at = now + state.access_life;
        if let Some((life, end)) = state.refresh.as_mut() {
            *end = now + *life;
        }
        Ok(mint(&self.keys, &state.record, true, &self.issuer))
    }

    async fn end(&self, token: &TokenRecord) -> Result<(), StoreError> {
        lock(&self.inner).remove(&token.family);
        Ok(())
    }
}
