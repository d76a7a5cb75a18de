//! The issuer: the one absolute URL that names this deployment in the discovery document
//! (`issuer` of `/.well-known/oauth-authorization-server`) and in the `iss` of every token.
//!
//! It is `ISSUER_URL` when the operator sets it (template parameter `IssuerUrl`; the local
//! stack always does). Otherwise it is the HTTP API's own address,
//! `https://{apiId}.execute-api.{region}.amazonaws.com`, from the `apiId` that API Gateway
//! puts in every request's context: the template cannot hand it to the functions, since the
//! API depends on them. Never the request's `Host` header, which the client chooses.
//!
//! Either way it is one value per deployment, so each instance keeps it once known.

use std::sync::OnceLock;

static ISSUER: OnceLock<String> = OnceLock::new();
static REGION: OnceLock<String> = OnceLock::new();

/// Called once at start (by [`crate::config::Config::from_env`]): the configured issuer, and
/// the region the default is built for.
pub fn configure(issuer_url: Option<&str>, region: Option<&str>) {
    if let Some(url) = issuer_url.map(normalise).filter(|u| !u.is_empty()) {
        let _ = ISSUER.set(url);
    }
    if let Some(region) = region.filter(|r| !r.is_empty()) {
        let _ = REGION.set(region.to_owned());
    }
}

/// Learns the default issuer from the API id of a request's context, if none is known yet.
pub fn observe_api(api_id: &str) {
    if ISSUER.get().is_some()
        || api_id.is_empty()
        || !api_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return;
    }
    if let Some(region) = REGION.get() {
        let _ = ISSUER.set(format!(
            "https://{api_id}.execute-api.{region}.amazonaws.com"
        ));
    }
}

/// The issuer URL, once known (always, from the first request on).
pub fn current() -> Option<&'static str> {
    ISSUER.get().map(String::as_str)
}

/// An issuer URL as compared: without trailing slashes.
pub fn normalise(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issuer_is_kept_without_its_trailing_slash() {
        assert_eq!(
            normalise(" https://id.example.com/ "),
            "https://id.example.com"
        );
        assert_eq!(
            normalise("https://id.example.com/auth//"),
            "https://id.example.com/auth"
        );
    }
}
