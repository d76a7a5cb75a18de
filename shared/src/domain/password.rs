use crate::error::ErrorKind;
use std::fmt;

/// A password as the user typed it: at least 6 characters (200018), at most 128 so that
/// hashing cost stays bounded. Never printed: `Debug` shows a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 6;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Password, ErrorKind> {
        if raw.is_empty() {
            return Err(ErrorKind::PasswordRequired);
        }
        let count = raw.chars().count();
        if count < Self::MIN_CHARS {
            return Err(ErrorKind::PasswordTooShort);
        }
        if count > Self::MAX_CHARS {
            return Err(ErrorKind::PasswordTooLong);
        }
        Ok(Password(raw.to_owned()))
    }

    /// Parses a password and its confirmation, which must be equal (200019).
    pub fn parse_confirmed(raw: &str, confirm: &str) -> Result<Password, ErrorKind> {
        let password = Password::parse(raw)?;
        if raw != confirm {
            return Err(ErrorKind::PasswordMismatch);
        }
        Ok(password)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        assert_eq!(Password::parse(""), Err(ErrorKind::PasswordRequired));
        assert_eq!(Password::parse("12345"), Err(ErrorKind::PasswordTooShort));
        assert!(Password::parse("123456").is_ok());
        assert!(Password::parse(" spaces count ").is_ok());
        assert_eq!(
            Password::parse(&"x".repeat(129)),
            Err(ErrorKind::PasswordTooLong)
        );
    }

    #[test]
    fn confirmation_must_match() {
        assert_eq!(
            Password::parse_confirmed("secret1", "secret2"),
            Err(ErrorKind::PasswordMismatch)
        );
        assert!(Password::parse_confirmed("secret1", "secret1").is_ok());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = Password::parse("hunter22").unwrap();
        assert!(!format!("{p:?}").contains("hunter"));
    }
}
