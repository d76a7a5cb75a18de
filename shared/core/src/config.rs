//! Configuration, read from the environment once, in `main`.

use std::env;

/// Settings every function may need. Built once per cold start and passed down; handlers
/// never read the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// The DynamoDB table of template.yaml (`TABLE_NAME`).
    pub table_name: String,
    /// The address mail is sent from (`MAIL_FROM`).
    pub mail_from: String,
    /// The SES configuration set mail is sent in (`SES_CONFIGURATION_SET`; none locally).
    pub ses_configuration_set: Option<String>,
    /// Where guestbook entries are mailed (`GUESTBOOK_OWNER_EMAIL`).
    pub guestbook_owner_email: String,
    /// The avatar bucket (`AVATAR_BUCKET`), for the functions that use it.
    pub avatar_bucket: Option<String>,
    /// Whether the function runs under the local stack (`PASSPORT_LOCAL=1`). Local-only
    /// conveniences check it, and [`Config::from_env`] refuses it under Lambda.
    pub local: bool,
    /// The Ed25519 signing key, PKCS#8 PEM (`JWT_PRIVATE_KEY`), for functions that issue or
    /// check tokens.
    pub jwt_private_key: Option<String>,
    /// Seconds between two codes to one destination (`CODE_SEND_INTERVAL_SECONDS`, 60).
    pub code_send_interval: i64,
    /// Codes to one destination per hour (`CODE_HOURLY_CAP`, 10).
    pub code_hourly_cap: i64,
    /// Seconds a code stays valid (`CODE_LIFETIME_SECONDS`, 600).
    pub code_lifetime: i64,
    /// Wrong passwords before an account locks (`LOGIN_MAX_FAILURES`, 5).
    pub login_max_failures: u32,
    /// Minutes a locked account stays locked (`LOGIN_LOCK_MINUTES`, 15).
    pub login_lock_minutes: i64,
    /// Calls per hour per registered client and API when the client names no limit of its
    /// own (`DEFAULT_HOURLY_LIMIT`, 1000).
    pub default_hourly_limit: u32,
    /// The IP location database (`IPDB_PATH`), for the functions that locate addresses.
    pub ipdb_path: Option<String>,
    /// The issuer URL of tokens and discovery (`ISSUER_URL`, an absolute `https://` URL, or
    /// `http://` for a loopback host); without it, the API's own URL ([`crate::issuer`]).
    pub issuer_url: Option<String>,
    /// Local only: captcha answers are shown to the test harness in a response header
    /// (`PASSPORT_EXPOSE_CAPTCHA=1`, refused unless `PASSPORT_LOCAL=1`).
    pub expose_captcha: bool,
    /// Attempts per source address of each limited action (`ABUSE_LIMITS`,
    /// `sign_in=60/300,...`; [`crate::limits::AbuseLimits::parse`]).
    pub abuse_limits: crate::limits::AbuseLimits,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("PASSPORT_LOCAL is set in a function running under AWS Lambda; local-only settings are refused there")]
    LocalUnderLambda,
    #[error("PASSPORT_EXPOSE_CAPTCHA is a local-only setting and needs PASSPORT_LOCAL=1")]
    ExposeWithoutLocal,
    #[error("environment variable {0} must be a positive whole number")]
    NotANumber(&'static str),
    #[error("ABUSE_LIMITS: {0}")]
    AbuseLimits(String),
    #[error("ISSUER_URL must be an absolute https:// URL (http:// only for 127.0.0.1 or localhost), without query or fragment")]
    IssuerUrl,
}

impl Config {
    /// The configuration of this process. Also settles the issuer ([`crate::issuer`]) from
    /// `ISSUER_URL` and `AWS_REGION`.
    pub fn from_env() -> Result<Config, ConfigError> {
        let config = Config::from_lookup(|k| env::var(k).ok())?;
        crate::limits::trust_edge(env::var("EDGE_SECRET").ok().as_deref());
        crate::issuer::configure(
            config.issuer_url.as_deref(),
            env::var("AWS_REGION").ok().as_deref(),
        );
        Ok(config)
    }

    /// The same, from any lookup (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let required = |k: &'static str| {
            get(k)
                .filter(|v| !v.is_empty())
                .ok_or(ConfigError::Missing(k))
        };
        let local =
            get("PASSPORT_LOCAL").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        // Lambda sets LAMBDA_TASK_ROOT for every runtime; the local stack never does.
        if local
            && (get("LAMBDA_TASK_ROOT").is_some()
                || get("AWS_LAMBDA_INITIALIZATION_TYPE").is_some())
        {
            return Err(ConfigError::LocalUnderLambda);
        }
        let number = |k: &'static str, default: i64| -> Result<i64, ConfigError> {
            match get(k).filter(|v| !v.is_empty()) {
                None => Ok(default),
                Some(v) => v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or(ConfigError::NotANumber(k)),
            }
        };
        let expose_captcha = get("PASSPORT_EXPOSE_CAPTCHA")
            .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        if expose_captcha && !local {
            return Err(ConfigError::ExposeWithoutLocal);
        }
        let issuer_url = match get("ISSUER_URL").map(|u| crate::issuer::normalise(&u)) {
            Some(url) if url.is_empty() => None,
            Some(url) if issuer_url_ok(&url) => Some(url),
            Some(_) => return Err(ConfigError::IssuerUrl),
            None => None,
        };
        let abuse_limits =
            crate::limits::AbuseLimits::parse(get("ABUSE_LIMITS").as_deref().unwrap_or_default())
                .map_err(ConfigError::AbuseLimits)?;
        Ok(Config {
            abuse_limits,
            issuer_url,
            jwt_private_key: get("JWT_PRIVATE_KEY").filter(|v| !v.is_empty()),
            ipdb_path: get("IPDB_PATH").filter(|v| !v.is_empty()),
            code_send_interval: number("CODE_SEND_INTERVAL_SECONDS", 60)?,
            code_hourly_cap: number("CODE_HOURLY_CAP", 10)?,
            code_lifetime: number("CODE_LIFETIME_SECONDS", 600)?,
            login_max_failures: number("LOGIN_MAX_FAILURES", 5)? as u32,
            login_lock_minutes: number("LOGIN_LOCK_MINUTES", 15)?,
            default_hourly_limit: number("DEFAULT_HOURLY_LIMIT", 1000)?.min(i64::from(u32::MAX))
                as u32,
            expose_captcha,
            table_name: required("TABLE_NAME")?,
            ses_configuration_set: get("SES_CONFIGURATION_SET").filter(|v| !v.is_empty()),
            mail_from: get("MAIL_FROM").unwrap_or_else(|| "no-reply@passport.local".to_owned()),
            guestbook_owner_email: get("GUESTBOOK_OWNER_EMAIL")
                .unwrap_or_else(|| "owner@passport.local".to_owned()),
            avatar_bucket: get("AVATAR_BUCKET").filter(|v| !v.is_empty()),
            local,
        })
    }
}

/// An issuer is an https URL without query or fragment (RFC 8414 §2); plain http is for a
/// loopback host, as the local stack serves.
fn issuer_url_ok(url: &str) -> bool {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        if host != "127.0.0.1" && host != "localhost" {
            return false;
        }
        rest
    } else {
        return false;
    };
    !rest.is_empty()
        && !rest.starts_with('/')
        && !rest.contains(['?', '#'])
        && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn the_issuer_is_an_absolute_url_without_a_trailing_slash() {
        let issuer = |v: &str| {
            Config::from_lookup(lookup(&[("TABLE_NAME", "t"), ("ISSUER_URL", v)]))
                .map(|c| c.issuer_url)
        };
        assert_eq!(
            issuer("https://id.example.com/").unwrap().as_deref(),
            Some("https://id.example.com")
        );
        assert_eq!(
            issuer("http://127.0.0.1:3000").unwrap().as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(issuer("").unwrap(), None);
        for bad in [
            "passport",
            "http://id.example.com",
            "https://",
            "https://a.example/?x=1",
            "ftp://a",
        ] {
            assert!(matches!(issuer(bad), Err(ConfigError::IssuerUrl)), "{bad}");
        }
    }

    #[test]
    fn table_name_is_required() {
        assert!(matches!(
            Config::from_lookup(lookup(&[])),
            Err(ConfigError::Missing("TABLE_NAME"))
        ));
        let c = Config::from_lookup(lookup(&[("TABLE_NAME", "t")])).unwrap();
        assert_eq!(c.table_name, "t");
        assert!(!c.local);
    }

    #[test]
    fn captcha_exposure_needs_the_local_stack() {
        let env = lookup(&[("TABLE_NAME", "t"), ("PASSPORT_EXPOSE_CAPTCHA", "1")]);
        assert!(matches!(
            Config::from_lookup(env),
            Err(ConfigError::ExposeWithoutLocal)
        ));
        let env = lookup(&[
            ("TABLE_NAME", "t"),
            ("PASSPORT_EXPOSE_CAPTCHA", "1"),
            ("PASSPORT_LOCAL", "1"),
            ("LAMBDA_TASK_ROOT", "/var/task"),
        ]);
        assert!(matches!(
            Config::from_lookup(env),
            Err(ConfigError::LocalUnderLambda)
        ));
    }

    #[test]
    fn limits_have_defaults_and_refuse_junk() {
        let c = Config::from_lookup(lookup(&[("TABLE_NAME", "t")])).unwrap();
        assert_eq!(
            (
                c.code_send_interval,
                c.code_hourly_cap,
                c.login_max_failures,
                c.login_lock_minutes
            ),
            (60, 10, 5, 15)
        );
        let env = lookup(&[("TABLE_NAME", "t"), ("LOGIN_MAX_FAILURES", "five")]);
        assert!(matches!(
            Config::from_lookup(env),
            Err(ConfigError::NotANumber("LOGIN_MAX_FAILURES"))
        ));
    }

    #[test]
    fn local_settings_are_refused_under_lambda() {
        let env = lookup(&[
            ("TABLE_NAME", "t"),
            ("PASSPORT_LOCAL", "1"),
            ("LAMBDA_TASK_ROOT", "/var/task"),
        ]);
        assert!(matches!(
            Config::from_lookup(env),
            Err(ConfigError::LocalUnderLambda)
        ));
        let env = lookup(&[
            ("TABLE_NAME", "t"),
            ("PASSPORT_LOCAL", "1"),
            ("AWS_LAMBDA_FUNCTION_NAME", "fn"),
        ]);
        assert!(Config::from_lookup(env).unwrap().local);
    }
}
