//! The abuse limits routes declare (`limit` in [`crate::routes!`]), checked in
//! [`crate::routing::dispatch`] beside the route's authentication: each attempt of a limited
//! action is counted against its source address's budget ([`passport_core::limits`]), and
//! past it the request is refused with `Retry-After`, 429 and the documents' code (200008
//! on v1; for code sends 202007 on v2 and 10010 in the center; 201204 on v2 otherwise).

use crate::error::{ApiError, ErrorKind};
use crate::routing::ApiRequest;
use crate::storage::ports::ThrottleStore;
use crate::storage::throttles::Throttled;
pub use passport_core::limits::{edge_viewer, source_key, AbuseLimits, Action, Rate};

/// The limits of a function and where they are counted.
#[derive(Clone, Copy)]
pub struct Limiter<'a> {
    pub throttles: &'a dyn ThrottleStore,
    pub limits: &'a AbuseLimits,
}

impl Limiter<'_> {
    /// Counts `req` as one attempt of `action` from its source address. A request without
    /// one (never under API Gateway, which always names it) is not counted.
    pub async fn admit(&self, action: Action, req: &ApiRequest, now: i64) -> Result<(), ApiError> {
        let (Some(rate), Some(source)) = (
            self.limits.rate(action),
            req.source_ip.as_deref().and_then(source_key),
        ) else {
            return Ok(());
        };
        match self
            .throttles
            .hit(action.name(), &source, rate, now)
            .await?
        {
            Throttled::Admitted => Ok(()),
            Throttled::Refused { retry_after } => Err(refusal(action, retry_after)),
        }
    }
}

/// The refusal of an attempt past its limit.
pub fn refusal(action: Action, retry_after: i64) -> ApiError {
    let kind = match action {
        Action::CodeSend => ErrorKind::CodeSendTooFrequent,
        _ => ErrorKind::RateLimited,
    };
    ApiError::new(kind)
        .with_args([retry_after.max(1)])
        .with_retry_after(retry_after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::memory::MemoryThrottles;

    async fn request(ip: &str) -> ApiRequest {
        use crate::dialect::{Dialect, Lang};
        use crate::response::{Format, Meta};
        ApiRequest {
            meta: Meta {
                dialect: Dialect::V2,
                api: "api/User/login".to_owned(),
                route: "api/User/login".to_owned(),
                lang: Lang::En,
                format: Format::Json,
                request_id: "test".to_owned(),
            },
            params: crate::Params::parse(None, None, b"").await.unwrap(),
            path_params: Vec::new(),
            headers: http::HeaderMap::new(),
            source_ip: Some(ip.to_owned()),
        }
    }

    #[tokio::test]
    async fn a_source_gets_its_count_per_window_and_then_the_seconds_left() {
        let throttles = MemoryThrottles::default();
        let limits = AbuseLimits::parse("sign_in=3/60").unwrap();
        let limiter = Limiter {
            throttles: &throttles,
            limits: &limits,
        };
        let (a, b) = (request("203.0.113.1").await, request("203.0.113.2").await);
        for _ in 0..3 {
            limiter.admit(Action::SignIn, &a, 1000).await.unwrap();
        }
        let refused = limiter.admit(Action::SignIn, &a, 1010).await.unwrap_err();
        assert_eq!(refused.kind, ErrorKind::RateLimited);
        assert_eq!(refused.retry_after, Some(50));
        // Another address, another action: their own budgets.
        limiter.admit(Action::SignIn, &b, 1010).await.unwrap();
        limiter.admit(Action::SignUp, &a, 1010).await.unwrap();
        // The window ends a minute after it began.
        limiter.admit(Action::SignIn, &a, 1060).await.unwrap();
    }

    #[test]
    fn code_sends_past_their_limit_say_how_long_to_wait() {
        let e = refusal(Action::CodeSend, 42);
        assert_eq!(e.kind, ErrorKind::CodeSendTooFrequent);
        assert_eq!(e.retry_after, Some(42));
        assert_eq!(
            e.message(crate::Dialect::V2, crate::Lang::En),
            "The sending interval of verification code is 42 seconds"
        );
    }
}
