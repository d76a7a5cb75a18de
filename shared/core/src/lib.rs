//! Passport's core: what every layer stands on and nothing of HTTP or AWS.
//!
//! - [`crypto`]: random secrets, hashes, HMACs, constant-time comparison, argon2id
//!   passwords (feature `passwords`);
//! - [`token`]: the access tokens' signing key, claims and checks (RFC 9068 JWTs, EdDSA);
//! - [`config`]: a function's configuration from its environment;
//! - [`issuer`]: the deployment's issuer URL;
//! - [`limits`]: the abuse limits per source address;
//! - [`ids`]: time-ordered record numbers, made without a counter;
//! - [`datetime`], [`now`]: times as the documents write them.

pub mod assertion;
pub mod config;
pub mod crypto;
pub mod ids;
pub mod issuer;
pub mod limits;
pub mod token;

/// `YYYY-MM-DD HH:MM:SS` (UTC) of an epoch second, as the documents write times.
pub fn datetime(epoch: i64) -> String {
    const FORMAT: &[time::format_description::FormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(epoch)
        .ok()
        .and_then(|t| t.format(FORMAT).ok())
        .unwrap_or_default()
}

/// The current time, in epoch seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    #[test]
    fn datetimes_are_written_as_the_document_shows() {
        assert_eq!(super::datetime(1_559_154_150), "2019-05-29 18:22:30");
    }
}
