//! SNS tickets: how a social identity reaches `/api/User/snsreg` and `/api/User/snslogin`.
//!
//! Passport signs the user in at the upstream provider itself (the oauth function's
//! upstream routes, issue 20). Where the identity is bound to no account yet (or, for a
//! native app, always) it hands out an *SNS ticket* for it, and the client presents it to
//! `snslogin` (the bound account, or 203205), or to `snsreg` to create an account bound to
//! that identity (`type=reg`) or bind it to an existing one (`type=log`). A ticket names
//! the channel, the identity there, an expiry, a random id (what spends it) and, for a
//! native app, the PKCE challenge (RFC 7636) the app started with, whose verifier it must
//! present; it is MACed with a key derived from the platform key, so only a holder of that
//! key can make one:
//!
//! ```text
//! v2.<channel>.<base64url(identity)>.<expires, epoch seconds>.<id>.<challenge or empty>.<HMAC-SHA256, hex>
//! ```
//!
//! Tickets live at most [`MAX_LIFETIME`] seconds, and are spent by their first
//! redemption (a conditional put of their id, `passport_identity::account`).

use crate::crypto;
use crate::domain::SnsChannel;
use crate::token::SigningKeys;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The longest a ticket may live, in seconds.
pub const MAX_LIFETIME: i64 = 600;
const LABEL: &str = "passport sns ticket v2";

/// A verified social identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsIdentity {
    pub channel: SnsChannel,
    pub id: String,
}

/// A ticket that checked out: whom it proves, until when, its id, and the PKCE challenge
/// its redeemer must answer, if it was issued to a native app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub identity: SnsIdentity,
    pub expires: i64,
    pub id: String,
    pub challenge: Option<String>,
}

impl Ticket {
    /// Whether `verifier` answers the ticket's challenge (a ticket without one needs none).
    pub fn answered_by(&self, verifier: Option<&str>) -> bool {
        match (&self.challenge, verifier) {
            (None, _) => true,
            (Some(challenge), Some(v)) => crypto::same(challenge, &crypto::pkce_s256(v)),
            (Some(_), None) => false,
        }
    }
}

/// Why a ticket was refused; the channel, when it could be read, names it in the answer
/// ("Login failed with weibo").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRefused {
    pub channel: Option<String>,
}

fn mac(keys: &SigningKeys, fields: &[&str]) -> String {
    let mut all = vec![LABEL];
    all.extend_from_slice(fields);
    crypto::hmac_hex(keys.code_key(), &all)
}

/// Makes a ticket for `who`, valid until `expires`, answerable only with the verifier of
/// `challenge` where there is one (a native app's).
pub fn issue(
    keys: &SigningKeys,
    who: &SnsIdentity,
    expires: i64,
    challenge: Option<&str>,
) -> String {
    let channel = who.channel.as_str();
    let id = URL_SAFE_NO_PAD.encode(&who.id);
    let expires = expires.to_string();
    let nonce = crypto::random_secret(16);
    let challenge = challenge.unwrap_or_default();
    let tag = mac(keys, &[channel, &who.id, &expires, &nonce, challenge]);
    format!("v2.{channel}.{id}.{expires}.{nonce}.{challenge}.{tag}")
}

/// Checks a ticket: shape, MAC (in constant time), expiry and lifetime. Whether it was
/// spent is the store's to say.
pub fn verify(keys: &SigningKeys, ticket: &str, now: i64) -> Result<Ticket, TicketRefused> {
    let parts: Vec<&str> = ticket.trim().split('.').collect();
    let [version, channel, id, expires, nonce, challenge, tag] = parts[..] else {
        return Err(TicketRefused { channel: None });
    };
    let channel = SnsChannel::parse(channel).map_err(|_| TicketRefused { channel: None })?;
    let refused = || TicketRefused {
        channel: Some(channel.as_str().to_owned()),
    };
    if version != "v2"
        || nonce.is_empty()
        || (!challenge.is_empty() && !crypto::is_s256_challenge(challenge))
    {
        return Err(refused());
    }
    let id = URL_SAFE_NO_PAD
        .decode(id)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|id| !id.is_empty() && id.len() <= 128 && !id.chars().any(char::is_control))
        .ok_or_else(refused)?;
    let expires_at: i64 = expires.parse().map_err(|_| refused())?;
    let expected = mac(keys, &[channel.as_str(), &id, expires, nonce, challenge]);
    if !crypto::same(tag, &expected) {
        return Err(refused());
    }
    if expires_at <= now || expires_at > now + MAX_LIFETIME {
        return Err(refused());
    }
    Ok(Ticket {
        identity: SnsIdentity { channel, id },
        expires: expires_at,
        id: nonce.to_owned(),
        challenge: Some(challenge.to_owned()).filter(|c| !c.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SigningKeys {
        SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap()
    }

    fn weibo(id: &str) -> SnsIdentity {
        SnsIdentity {
            channel: SnsChannel::parse("weibo").unwrap(),
            id: id.to_owned(),
        }
    }

    #[test]
    fn a_ticket_round_trips_and_each_is_another() {
        let keys = keys();
        let ticket = issue(&keys, &weibo("u.123/x"), 1_000_300, None);
        let checked = verify(&keys, &ticket, 1_000_000).unwrap();
        assert_eq!(checked.identity, weibo("u.123/x"));
        assert_eq!((checked.expires, checked.challenge), (1_000_300, None));
        let again = issue(&keys, &weibo("u.123/x"), 1_000_300, None);
        assert_ne!(again, ticket);
        assert_ne!(verify(&keys, &again, 1_000_000).unwrap().id, checked.id);
    }

    #[test]
    fn a_native_ticket_needs_its_verifier() {
        let keys = keys();
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = crypto::pkce_s256(verifier);
        let ticket = issue(&keys, &weibo("42"), 1_000_300, Some(&challenge));
        let checked = verify(&keys, &ticket, 1_000_000).unwrap();
        assert!(checked.answered_by(Some(verifier)));
        assert!(!checked.answered_by(Some("another-verifier-of-enough-length-000000000")));
        assert!(!checked.answered_by(None));
        // A ticket without a challenge needs no verifier.
        let page = verify(
            &keys,
            &issue(&keys, &weibo("42"), 1_000_300, None),
            1_000_000,
        );
        assert!(page.unwrap().answered_by(None));
    }

    #[test]
    fn forged_expired_or_too_long_tickets_are_refused() {
        let keys = keys();
        let named = Err(TicketRefused {
            channel: Some("weibo".into()),
        });
        let good = issue(&keys, &weibo("42"), 1_000_300, None);
        // Another key.
        assert_eq!(verify(&tests::keys(), &good, 1_000_000), named);
        // Another identity under the same tag.
        let swapped = good.replace(&URL_SAFE_NO_PAD.encode("42"), &URL_SAFE_NO_PAD.encode("43"));
        assert_eq!(verify(&keys, &swapped, 1_000_000), named);
        // A challenge added to a ticket issued without one.
        let parts: Vec<&str> = good.split('.').collect();
        let challenged = [&parts[..5], &[crypto::pkce_s256("x").as_str()], &parts[6..]]
            .concat()
            .join(".");
        assert_eq!(verify(&keys, &challenged, 1_000_000), named);
        // Expired, and longer-lived than allowed.
        assert_eq!(verify(&keys, &good, 1_000_300), named);
        let long = issue(&keys, &weibo("42"), 1_000_000 + MAX_LIFETIME + 1, None);
        assert_eq!(verify(&keys, &long, 1_000_000), named);
        // Not a ticket at all.
        assert_eq!(
            verify(&keys, "nonsense", 1_000_000),
            Err(TicketRefused { channel: None })
        );
    }
}
