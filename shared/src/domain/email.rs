use crate::error::ErrorKind;

/// An email address: one `@`, a local part of at most 64 characters without spaces or
/// control characters, and a domain of dot-separated labels (letters, digits, hyphens) ending
/// in a top-level label of at least two letters. Kept as typed; compared in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, ErrorKind> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ErrorKind::EmailRequired);
        }
        if s.len() > 254 {
            return Err(ErrorKind::EmailInvalid);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(ErrorKind::EmailInvalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if local_ok && domain_ok {
            Ok(Email(s.to_owned()))
        } else {
            Err(ErrorKind::EmailInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness is decided on.
    pub fn canonical(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_pass() {
        for ok in [
            "a@b.co",
            "li.lei+tag@mail.example.com",
            "X_Y@sub-domain.example.org",
        ] {
            assert_eq!(Email::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn malformed_addresses_are_invalid_and_blank_is_required() {
        assert_eq!(Email::parse(" "), Err(ErrorKind::EmailRequired));
        for bad in [
            "plain",
            "@b.co",
            "a@",
            "a@b",
            "a@b.c",
            "a b@c.com",
            "a@b..com",
            "a@-b.com",
            ".a@b.com",
            "a..b@c.com",
            "a@b.c0m",
            "a@b.com\r\nBcc: x@y.com",
            "<a@b.com>",
        ] {
            assert_eq!(Email::parse(bad), Err(ErrorKind::EmailInvalid), "{bad:?}");
        }
    }

    #[test]
    fn canonical_form_ignores_case() {
        assert_eq!(
            Email::parse("Li@Example.COM").unwrap().canonical(),
            "li@example.com"
        );
    }
}
