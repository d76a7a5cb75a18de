//! Single sign-on at the hosted pages: browser sessions, and the consent each user gave each
//! client.
//!
//! A browser session is what the hosted sign-in leaves in the browser: a cookie holding a
//! 256-bit random secret, stored only as its SHA-256 (`BROWSER#<hash>`), with the user, when
//! they signed in, a public id (`sid`, for OpenID Connect), and the clients it signed the
//! user in to (told by back-channel logout when it ends). It lasts
//! [`BROWSER_SESSION_LIFETIME`] from the sign-in, is listed under the user's sessions index
//! (so that a password reset ends it with the rest), and one read finds it.
//!
//! Consent is one item per user and client (`USER#<uid>` / `CONSENT#<client_id>`) with the
//! scopes granted so far: a request within them is answered without asking again; the
//! user's authorized apps are one query of their partition, and revoking one is one delete.

use super::attr::{n, need_n, need_s, s, Item};
use super::table::{Read, Table};
use super::{keys, sdk_error, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use passport_core::crypto;
use std::collections::HashMap;

/// Seconds a browser session lasts from its sign-in (then the hosted page asks again).
pub const BROWSER_SESSION_LIFETIME: i64 = 7 * 86_400;

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserSession {
    /// The public id of the session (never the cookie's secret).
    pub sid: String,
    pub uid: u64,
    /// When the user signed in (OpenID Connect's `auth_time`).
    pub auth_time: i64,
    pub expires_at: i64,
}

/// What a user allowed one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub client_id: String,
    /// Every scope granted so far, sorted.
    pub scopes: Vec<String>,
    /// When the user last allowed the client.
    pub granted_at: i64,
}

impl Consent {
    /// Whether every scope of `scope` (space-separated) was granted.
    pub fn covers(&self, scope: &str) -> bool {
        scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .all(|s| self.scopes.iter().any(|g| g == s))
    }
}

impl BrowserSession {
    /// A new session of `uid`, who signed in `now` (started by [`Sso::start`]).
    pub fn new(uid: u64, now: i64) -> BrowserSession {
        BrowserSession {
            sid: crypto::random_hex(16),
            uid,
            auth_time: now,
            expires_at: now + BROWSER_SESSION_LIFETIME,
        }
    }
}

fn session_from(item: &Item) -> Result<BrowserSession, StoreError> {
    Ok(BrowserSession {
        sid: need_s(item, "sid")?,
        uid: need_n(item, "uid")?,
        auth_time: need_n(item, "auth_time")?,
        expires_at: need_n(item, "session_expires")?,
    })
}

fn consent_from(item: &Item) -> Result<Consent, StoreError> {
    let mut scopes: Vec<String> = match item.get("scopes") {
        Some(AttributeValue::Ss(set)) => set.clone(),
        _ => Vec::new(),
    };
    scopes.sort();
    Ok(Consent {
        client_id: need_s(item, "client_id")?,
        scopes,
        granted_at: need_n(item, "granted_at")?,
    })
}

pub struct Sso {
    table: Table,
}

impl Sso {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Sso {
        Sso {
            table: Table::new(client, table),
        }
    }

    /// Starts `session`: the cookie's secret (given to the browser, stored nowhere).
    pub async fn start(&self, session: &BrowserSession) -> Result<String, StoreError> {
        let secret = crypto::random_secret(32);
        let (uid, now) = (session.uid, session.auth_time);
        let key = keys::browser_session(&crypto::sha256_hex(&secret));
        self.table
            .insert(HashMap::from([
                (keys::PK.to_owned(), s(key.pk)),
                (keys::SK.to_owned(), s(key.sk)),
                ("type".to_owned(), s("browser_session")),
                ("sid".to_owned(), s(&session.sid)),
                ("uid".to_owned(), n(uid)),
                ("auth_time".to_owned(), n(now)),
                ("session_expires".to_owned(), n(session.expires_at)),
                (keys::TTL.to_owned(), n(session.expires_at)),
                (keys::GSI1_PK.to_owned(), s(keys::sessions_of(uid))),
                (keys::GSI1_SK.to_owned(), s(format!("BROWSER#{now}"))),
            ]))
            .await?;
        Ok(secret)
    }

    /// The live session whose cookie holds `secret`.
    pub async fn find(&self, secret: &str, now: i64) -> Result<Option<BrowserSession>, StoreError> {
        let key = keys::browser_session(&crypto::sha256_hex(secret));
        let Some(item) = self.table.get(&key, Read::Consistent).await? else {
            return Ok(None);
        };
        let session = session_from(&item)?;
        Ok((session.expires_at > now).then_some(session))
    }

    /// Notes that the session whose cookie holds `secret` signed the user in to
    /// `client_id` (whom its end is told, by back-channel logout): one update, none when
    /// the session is gone.
    pub async fn joined(&self, secret: &str, client_id: &str) -> Result<(), StoreError> {
        let key = keys::browser_session(&crypto::sha256_hex(secret));
        let added = self
            .table
            .update_item(&key)
            .update_expression("ADD clients :c")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":c", AttributeValue::Ss(vec![client_id.to_owned()]))
            .send()
            .await;
        match added {
            Ok(_) => Ok(()),
            Err(e) if crate::condition_failed(&e) => Ok(()),
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// Ends the session whose cookie holds `secret` (signing out at the hosted pages): the
    /// session it was, with the clients it signed the user in to, if it was live.
    pub async fn end(
        &self,
        secret: &str,
        now: i64,
    ) -> Result<Option<(BrowserSession, Vec<String>)>, StoreError> {
        let key = keys::browser_session(&crypto::sha256_hex(secret));
        let Some(item) = self.table.take(&key).await? else {
            return Ok(None);
        };
        let session = session_from(&item)?;
        if session.expires_at <= now {
            return Ok(None);
        }
        let mut clients = match item.get("clients") {
            Some(AttributeValue::Ss(set)) => set.clone(),
            _ => Vec::new(),
        };
        clients.sort();
        Ok(Some((session, clients)))
    }

    /// What `uid` allowed `client_id`, if anything.
    pub async fn consent(&self, uid: u64, client_id: &str) -> Result<Option<Consent>, StoreError> {
        let item = self
            .table
            .get(&keys::consent(uid, client_id), Read::Consistent)
            .await?;
        item.as_ref().map(consent_from).transpose()
    }

    /// Remembers that `uid` allowed `client_id` the scopes of `scope` (space-separated),
    /// beside what it allowed before: one update.
    pub async fn remember(
        &self,
        uid: u64,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let scopes: Vec<String> = scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let mut expression = "SET client_id = :c, granted_at = :now, #t = :t".to_owned();
        let mut update = self
            .table
            .update_item(&keys::consent(uid, client_id))
            .expression_attribute_names("#t", "type")
            .expression_attribute_values(":c", s(client_id))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":t", s("consent"));
        // A string set may not be empty: a request for no scope adds none.
        if !scopes.is_empty() {
            expression.push_str(" ADD scopes :s");
            update = update.expression_attribute_values(":s", AttributeValue::Ss(scopes));
        }
        update
            .update_expression(expression)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Every client `uid` has allowed, most recently allowed first.
    pub async fn consents_of(&self, uid: u64) -> Result<Vec<Consent>, StoreError> {
        let mut consents = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .table
                .query()
                .key_condition_expression("pk = :pk AND begins_with(sk, :sk)")
                .expression_attribute_values(":pk", s(keys::user(uid).pk))
                .expression_attribute_values(":sk", s(keys::CONSENT_PREFIX))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in page.items() {
                consents.push(consent_from(item)?);
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        consents.sort_by(|a, b| {
            b.granted_at
                .cmp(&a.granted_at)
                .then(a.client_id.cmp(&b.client_id))
        });
        Ok(consents)
    }

    /// Forgets what `uid` allowed `client_id`; false when there was nothing to forget.
    pub async fn forget(&self, uid: u64, client_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .table
            .take(&keys::consent(uid, client_id))
            .await?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consent_covers_the_scopes_it_holds_only() {
        let c = Consent {
            client_id: "c".into(),
            scopes: vec!["basic".into(), "email".into(), "openid".into()],
            granted_at: 0,
        };
        assert!(c.covers("openid email"));
        assert!(c.covers(""));
        assert!(!c.covers("openid phone"));
    }
}
