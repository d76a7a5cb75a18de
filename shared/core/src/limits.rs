//! Abuse limits: how often one source address may do each of the things attackers repeat
//! (sign in, sign up, send a code, reset a password, call the token endpoint). Routes
//! declare which action they are (`limit` in the route table); the numbers come from
//! `ABUSE_LIMITS` (template.yaml's `AbuseLimits` parameter). Per-account limits are the
//! sign-in lock and the per-address code interval and hourly cap; these are per source.

use std::fmt;

/// One limited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    SignIn,
    SignUp,
    CodeSend,
    Reset,
    Token,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::SignIn,
        Action::SignUp,
        Action::CodeSend,
        Action::Reset,
        Action::Token,
    ];

    /// The action's name in `ABUSE_LIMITS` and in its counters' keys.
    pub fn name(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::SignUp => "sign_up",
            Action::CodeSend => "code_send",
            Action::Reset => "reset",
            Action::Token => "token",
        }
    }

    fn index(self) -> usize {
        Action::ALL.iter().position(|a| *a == self).unwrap_or(0)
    }
}

/// At most `count` attempts in `per` seconds, the window starting at the first attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: i64,
}

impl Rate {
    /// `count/seconds`, both positive: `60/300`.
    pub fn parse(text: &str) -> Option<Rate> {
        let (count, per) = text.trim().split_once('/')?;
        let count: u32 = count.trim().parse().ok().filter(|c| *c > 0)?;
        let per: i64 = per
            .trim()
            .parse()
            .ok()
            .filter(|p| (1..=86_400).contains(p))?;
        Some(Rate { count, per })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, self.per)
    }
}

/// Every action's rate per source address (`None`: not limited).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbuseLimits([Option<Rate>; 5]);

impl Default for AbuseLimits {
    /// Generous enough for a carrier's or an office's NAT, tight enough to make password
    /// spraying and mail bombing from one address slow: 60 sign-ins per 5 minutes, 30
    /// sign-ups, 30 code sends and 30 resets an hour, 600 token calls a minute (a client's
    /// backend calls from one address). template.yaml's `AbuseLimits` default says the same.
    fn default() -> AbuseLimits {
        let rate = |count, per| Some(Rate { count, per });
        AbuseLimits([
            rate(60, 300),
            rate(30, 3600),
            rate(30, 3600),
            rate(30, 3600),
            rate(600, 60),
        ])
    }
}

impl AbuseLimits {
    /// `name=count/seconds` pairs separated by commas (`name=off` lifts a limit); an action
    /// not named keeps its default. Names an unknown action or a malformed rate: the error
    /// says which.
    pub fn parse(text: &str) -> Result<AbuseLimits, String> {
        let mut limits = AbuseLimits::default();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?} is not name=count/seconds"))?;
            let action = Action::ALL
                .into_iter()
                .find(|a| a.name() == name.trim())
                .ok_or_else(|| format!("{:?} is not a limited action", name.trim()))?;
            limits.0[action.index()] = match value.trim() {
                "off" => None,
                v => Some(Rate::parse(v).ok_or_else(|| format!("{v:?} is not count/seconds"))?),
            };
        }
        Ok(limits)
    }

    pub fn rate(&self, action: Action) -> Option<Rate> {
        self.0[action.index()]
    }
}

static EDGE_SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Trusts requests that carry `secret` in `x-passport-edge` (Passport's own CloudFront
/// edge, template.yaml's `EdgeRateLimit`) to name their viewer in `x-passport-viewer`.
/// Set once, from `EDGE_SECRET`, by [`crate::config::Config::from_env`].
pub fn trust_edge(secret: Option<&str>) {
    if let Some(secret) = secret.filter(|s| !s.is_empty()) {
        let _ = EDGE_SECRET.set(secret.to_owned());
    }
}

/// The viewer's address a request from the edge names: only with the edge's secret (a
/// request straight to the API cannot choose the address its attempts count against), and
/// only an address.
pub fn viewer_address(
    edge: Option<&str>,
    viewer: Option<&str>,
    secret: Option<&str>,
) -> Option<String> {
    let (edge, secret) = (edge?, secret?);
    if !crate::crypto::same(edge, secret) {
        return None;
    }
    let viewer = viewer?.trim();
    viewer.parse::<std::net::IpAddr>().ok()?;
    Some(viewer.to_owned())
}

/// [`viewer_address`] against the secret this process trusts.
pub fn edge_viewer(edge: Option<&str>, viewer: Option<&str>) -> Option<String> {
    viewer_address(edge, viewer, EDGE_SECRET.get().map(String::as_str))
}

/// The part of a source address one budget belongs to: an IPv4 address, or an IPv6
/// address's /64 (one subscriber's network: its 2^64 addresses are one source). `None` for
/// what is not an address.
pub fn source_key(ip: &str) -> Option<String> {
    match ip.trim().parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) => Some(v4.to_string()),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => Some(v4.to_string()),
            None => {
                let s = v6.segments();
                Some(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_by_name_and_keep_the_defaults_of_the_rest() {
        let limits = AbuseLimits::parse("sign_in=5/60, token=off").unwrap();
        assert_eq!(
            limits.rate(Action::SignIn),
            Some(Rate { count: 5, per: 60 })
        );
        assert_eq!(limits.rate(Action::Token), None);
        assert_eq!(
            limits.rate(Action::SignUp),
            AbuseLimits::default().rate(Action::SignUp)
        );
        assert_eq!(AbuseLimits::parse("").unwrap(), AbuseLimits::default());
        for bad in [
            "signin=5/60",
            "sign_in=5",
            "sign_in=0/60",
            "sign_in=5/0",
            "sign_in",
        ] {
            assert!(AbuseLimits::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_edge_names_the_viewer() {
        let secret = Some("s3cret");
        assert_eq!(
            viewer_address(Some("s3cret"), Some("198.51.100.7"), secret).as_deref(),
            Some("198.51.100.7")
        );
        assert_eq!(
            viewer_address(Some("guess"), Some("198.51.100.7"), secret),
            None
        );
        assert_eq!(viewer_address(None, Some("198.51.100.7"), secret), None);
        assert_eq!(
            viewer_address(Some("s3cret"), Some("not-an-ip"), secret),
            None
        );
        assert_eq!(
            viewer_address(Some("s3cret"), Some("198.51.100.7"), None),
            None,
            "no edge configured: nothing is trusted"
        );
    }

    #[test]
    fn an_ipv6_source_is_its_slash_64() {
        assert_eq!(source_key("203.0.113.9").as_deref(), Some("203.0.113.9"));
        assert_eq!(
            source_key("2001:db8:1:2:aaaa::1"),
            source_key("2001:db8:1:2:ffff:1:2:3")
        );
        assert_eq!(
            source_key("2001:db8:1:2::1").as_deref(),
            Some("2001:db8:1:2::/64")
        );
        assert_eq!(
            source_key("::ffff:198.51.100.7").as_deref(),
            Some("198.51.100.7")
        );
        assert_eq!(source_key("not an address"), None);
    }
}
