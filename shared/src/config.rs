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
    /// Where guestbook entries are mailed (`GUESTBOOK_OWNER_EMAIL`).
    pub guestbook_owner_email: String,
    /// The avatar bucket (`AVATAR_BUCKET`), for the functions that use it.
    pub avatar_bucket: Option<String>,
    /// Whether the function runs under the local stack (`PASSPORT_LOCAL=1`). Local-only
    /// conveniences check it, and [`Config::from_env`] refuses it under Lambda.
    pub local: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("PASSPORT_LOCAL is set in a function running under AWS Lambda; local-only settings are refused there")]
    LocalUnderLambda,
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| env::var(k).ok())
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
        Ok(Config {
            table_name: required("TABLE_NAME")?,
            mail_from: get("MAIL_FROM").unwrap_or_else(|| "no-reply@passport.local".to_owned()),
            guestbook_owner_email: get("GUESTBOOK_OWNER_EMAIL")
                .unwrap_or_else(|| "owner@passport.local".to_owned()),
            avatar_bucket: get("AVATAR_BUCKET").filter(|v| !v.is_empty()),
            local,
        })
    }
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
