//! SNS tickets: how a social identity reaches `/api/User/snsreg`.
//!
//! Passport does not speak to Weibo, QQ or WeChat itself. The social sign-in runs in the
//! operator's backend (their app registration, their callback); when it has verified who the
//! user is at the channel, it hands the client an *SNS ticket*, and the client presents it to
//! `snsreg` to create an account bound to that identity (`type=reg`) or bind it to an existing
//! one (`type=log`). A ticket names the channel, the identity there and an expiry, and is
//! MACed with a key derived from the platform key, so only a holder of that key can make one:
//!
//! ```text
//! v1.<channel>.<base64url(identity)>.<expires, epoch seconds>.<HMAC-SHA256, hex>
//! ```
//!
//! Tickets live at most [`MAX_LIFETIME`] seconds. Binding is single-use by nature: the
//! identity's guard item allows one account.

use crate::crypto;
use crate::domain::SnsChannel;
use crate::token::SigningKeys;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The longest a ticket may live, in seconds.
pub const MAX_LIFETIME: i64 = 600;
const LABEL: &str = "passport sns ticket v1";

/// A verified social identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsIdentity {
    pub channel: SnsChannel,
    pub id: String,
}

/// Why a ticket was refused; the channel, when it could be read, names it in the answer
/// ("Login failed with weibo").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRefused {
    pub channel: Option<String>,
}

fn mac(keys: &SigningKeys, channel: &str, id: &str, expires: i64) -> String {
    crypto::hmac_hex(keys.code_key(), &[LABEL, channel, id, &expires.to_string()])
}

/// Makes a ticket for `id` at `channel`, valid until `expires` (what the operator's social
/// sign-in does once it has verified the user).
pub fn issue(keys: &SigningKeys, channel: &SnsChannel, id: &str, expires: i64) -> String {
    format!(
        "v1.{}.{}.{expires}.{}",
        channel.as_str(),
        URL_SAFE_NO_PAD.encode(id),
        mac(keys, channel.as_str(), id, expires)
    )
}

/// Checks a ticket: shape, MAC (in constant time), expiry and lifetime.
pub fn verify(keys: &SigningKeys, ticket: &str, now: i64) -> Result<SnsIdentity, TicketRefused> {
    let parts: Vec<&str> = ticket.trim().split('.').collect();
    let [version, channel, id, expires, tag] = parts[..] else {
        return Err(TicketRefused { channel: None });
    };
    let channel = SnsChannel::parse(channel).map_err(|_| TicketRefused { channel: None })?;
    let refused = || TicketRefused {
        channel: Some(channel.as_str().to_owned()),
    };
    if version != "v1" {
        return Err(refused());
    }
    let id = URL_SAFE_NO_PAD
        .decode(id)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|id| !id.is_empty() && id.len() <= 128 && !id.chars().any(char::is_control))
        .ok_or_else(refused)?;
    let expires: i64 = expires.parse().map_err(|_| refused())?;
    if !crypto::same(tag, &mac(keys, channel.as_str(), &id, expires)) {
        return Err(refused());
    }
    if expires <= now || expires > now + MAX_LIFETIME {
        return Err(refused());
    }
    Ok(SnsIdentity { channel, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SigningKeys {
        SigningKeys::from_pem(&SigningKeys::generate_pem()).unwrap()
    }

    #[test]
    fn a_ticket_round_trips() {
        let keys = keys();
        let weibo = SnsChannel::parse("weibo").unwrap();
        let ticket = issue(&keys, &weibo, "u.123/x", 1_000_300);
        let who = verify(&keys, &ticket, 1_000_000).unwrap();
        assert_eq!(
            (who.channel.as_str(), who.id.as_str()),
            ("weibo", "u.123/x")
        );
    }

    #[test]
    fn forged_expired_or_too_long_tickets_are_refused() {
        let keys = keys();
        let weibo = SnsChannel::parse("weibo").unwrap();
        let named = Err(TicketRefused {
            channel: Some("weibo".into()),
        });
        let good = issue(&keys, &weibo, "42", 1_000_300);
        // Another key.
        assert_eq!(verify(&tests::keys(), &good, 1_000_000), named);
        // Another identity under the same tag.
        let swapped = good.replace(&URL_SAFE_NO_PAD.encode("42"), &URL_SAFE_NO_PAD.encode("43"));
        assert_eq!(verify(&keys, &swapped, 1_000_000), named);
        // Expired, and longer-lived than allowed.
        assert_eq!(verify(&keys, &good, 1_000_300), named);
        let long = issue(&keys, &weibo, "42", 1_000_000 + MAX_LIFETIME + 1);
        assert_eq!(verify(&keys, &long, 1_000_000), named);
        // Not a ticket at all.
        assert_eq!(
            verify(&keys, "nonsense", 1_000_000),
            Err(TicketRefused { channel: None })
        );
    }
}
