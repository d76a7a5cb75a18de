//! The four dialects of the platform and the language of their messages.
//!
//! A dialect decides the envelope, the error-code table, how parameters arrive and how the
//! token is presented; nothing else. See `DESIGN.md`, "The four dialects".

use crate::catalog::Entry;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `/apis/Oauth`, `/apis/Services`, `/apis/Users`, `/apis/Images` (document 000).
    V1,
    /// `/api/Oauth`, `/api/User`, `/api/Calendar`, `/api/Image` (documents 001/002).
    V2,
    /// `/apis/rest/{service}/{method}/{json|xml}` (document 003).
    Rest,
    /// `/api/auth`, `/api/personal`, `/api/push`, `/api/faq`, `/api/feedback*`,
    /// `/api/message` (document 004).
    Center,
    /// The standard OAuth 2.0 endpoints beyond the documents (`/oauth2/*`, `/.well-known/*`):
    /// answers as the RFCs write them, errors as RFC 6749 §5.2
    /// `{"error","error_description"}`, whose descriptions are the v2 catalog's texts.
    OAuth2,
}

impl Dialect {
    pub const ALL: &'static [Dialect] = &[
        Dialect::V1,
        Dialect::V2,
        Dialect::Rest,
        Dialect::Center,
        Dialect::OAuth2,
    ];

    pub(crate) fn index(self) -> usize {
        match self {
            Dialect::V1 => 0,
            // The standard endpoints describe their errors with the v2 texts.
            Dialect::V2 | Dialect::OAuth2 => 1,
            Dialect::Rest => 2,
            Dialect::Center => 3,
        }
    }

    /// The dialect a path belongs to, for answering requests that match no route in the
    /// voice the client expects.
    pub fn of_path(path: &str) -> Dialect {
        let lower = path.to_ascii_lowercase();
        if lower.starts_with("/oauth2/") || lower.starts_with("/.well-known/") {
            Dialect::OAuth2
        } else if lower.starts_with("/apis/rest/") {
            Dialect::Rest
        } else if lower.starts_with("/apis/") {
            Dialect::V1
        } else if ["/api/oauth/", "/api/user/", "/api/calendar/", "/api/image/"]
            .iter()
            .any(|p| lower.starts_with(p))
        {
            Dialect::V2
        } else {
            Dialect::Center
        }
    }

    /// Whether paths of this dialect match case-insensitively (v1 does: the document calls
    /// `/apis/services/location` and answers `"request":"apis/Services/location"`).
    pub fn case_insensitive_paths(self) -> bool {
        self == Dialect::V1
    }
}

/// The language of messages: English by default, Chinese with `lang=zh` or
/// `Accept-Language: zh...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// From the `lang` parameter, else the `Accept-Language` header.
    pub fn negotiate(lang_param: Option<&str>, accept_language: Option<&str>) -> Lang {
        let starts_zh = |s: &str| s.trim().to_ascii_lowercase().starts_with("zh");
        match lang_param {
            Some(p) if !p.trim().is_empty() => {
                if starts_zh(p) {
                    Lang::Zh
                } else {
                    Lang::En
                }
            }
            _ => match accept_language {
                Some(h) if starts_zh(h) => Lang::Zh,
                _ => Lang::En,
            },
        }
    }

    pub fn pick(self, entry: &Entry) -> &'static str {
        match self {
            Lang::En => entry.en,
            Lang::Zh => entry.zh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sorted_into_their_dialects() {
        assert_eq!(Dialect::of_path("/apis/Services/guestbook"), Dialect::V1);
        assert_eq!(Dialect::of_path("/apis/services/location"), Dialect::V1);
        assert_eq!(
            Dialect::of_path("/apis/rest/userService/getUserInfo/xml"),
            Dialect::Rest
        );
        assert_eq!(Dialect::of_path("/api/User/login"), Dialect::V2);
        assert_eq!(Dialect::of_path("/api/auth/register"), Dialect::Center);
        assert_eq!(Dialect::of_path("/api/feedback_category"), Dialect::Center);
        assert_eq!(Dialect::of_path("/nowhere"), Dialect::Center);
    }

    #[test]
    fn language_comes_from_the_parameter_before_the_header() {
        assert_eq!(Lang::negotiate(Some("zh"), None), Lang::Zh);
        assert_eq!(
            Lang::negotiate(Some("en"), Some("zh-CN,zh;q=0.9")),
            Lang::En
        );
        assert_eq!(Lang::negotiate(None, Some("zh-CN,zh;q=0.9")), Lang::Zh);
        assert_eq!(Lang::negotiate(None, Some("en-US")), Lang::En);
        assert_eq!(Lang::negotiate(None, None), Lang::En);
    }
}
