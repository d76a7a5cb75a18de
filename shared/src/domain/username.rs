use crate::error::ErrorKind;

/// 2 to 50 characters of Chinese characters, letters, digits, underscore and dash
/// (document 000, codes 200012 to 200015).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub const MIN_CHARS: usize = 2;
    pub const MAX_CHARS: usize = 50;

    pub fn parse(raw: &str) -> Result<Username, ErrorKind> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ErrorKind::UsernameRequired);
        }
        let count = s.chars().count();
        if count < Self::MIN_CHARS {
            return Err(ErrorKind::UsernameTooShort);
        }
        if count > Self::MAX_CHARS {
            return Err(ErrorKind::UsernameTooLong);
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || is_han(c))
        {
            return Err(ErrorKind::UsernameInvalidChars);
        }
        Ok(Username(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness is decided on: `Alice` and `alice` are one name.
    pub fn canonical(&self) -> String {
        self.0.to_lowercase()
    }
}

/// CJK unified ideographs, extension A and the compatibility block.
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_han_letters_digits_underscore_and_dash() {
        for ok in [
            "li",
            "李雷",
            "li_lei-2024",
            "张三abc",
            &"a".repeat(50),
            &"汉".repeat(50),
        ] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn each_documented_rule_has_its_own_error() {
        assert_eq!(Username::parse("  "), Err(ErrorKind::UsernameRequired));
        assert_eq!(Username::parse("a"), Err(ErrorKind::UsernameTooShort));
        assert_eq!(Username::parse("李"), Err(ErrorKind::UsernameTooShort));
        assert_eq!(
            Username::parse(&"a".repeat(51)),
            Err(ErrorKind::UsernameTooLong)
        );
        for bad in ["li lei", "li@lei", "ли", "a.b", "a\u{0}b", "emoji😀"] {
            assert_eq!(
                Username::parse(bad),
                Err(ErrorKind::UsernameInvalidChars),
                "{bad}"
            );
        }
    }

    #[test]
    fn case_does_not_make_a_new_name() {
        assert_eq!(
            Username::parse("Alice").unwrap().canonical(),
            Username::parse("alice").unwrap().canonical()
        );
    }
}
