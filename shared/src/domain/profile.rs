//! Profile fields: nickname, gender, birthday, postal code, SNS channel and the free-text
//! fields, each with the rule it is checked by. Errors name the field (v2 100004 and center
//! 10005 are one "validation failed" code for every field; the envelope's `field` says which).

use crate::error::ApiError;
use time::{Date, Month};

/// Text without control characters, trimmed, of 1 to `max` characters.
pub fn short_text(field: &str, raw: &str, max: usize) -> Result<String, ApiError> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(ApiError::invalid(field));
    }
    Ok(text.to_owned())
}

/// A display name: 1 to 32 characters, no control characters, unique across accounts
/// (compared case-insensitively, like usernames).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nickname(String);

impl Nickname {
    pub const MAX_CHARS: usize = 32;

    pub fn parse(raw: &str) -> Result<Nickname, ApiError> {
        short_text("nickname", raw, Self::MAX_CHARS).map(Nickname)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Gender as document 004 numbers it: 0 female, 1 male, 2 not said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gender {
    Female,
    Male,
    #[default]
    Secret,
}

impl Gender {
    /// The numbers of document 004, or the words clients of the v2 form send
    /// (`female`/`male`/`secret`, `女`/`男`/`保密`).
    pub fn parse(raw: &str) -> Result<Gender, ApiError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "0" | "female" | "f" | "女" => Ok(Gender::Female),
            "1" | "male" | "m" | "男" => Ok(Gender::Male),
            "2" | "secret" | "unknown" | "保密" => Ok(Gender::Secret),
            _ => Err(ApiError::invalid("gender")),
        }
    }

    pub fn number(self) -> u8 {
        match self {
            Gender::Female => 0,
            Gender::Male => 1,
            Gender::Secret => 2,
        }
    }

    pub fn from_number(n: i64) -> Gender {
        match n {
            0 => Gender::Female,
            1 => Gender::Male,
            _ => Gender::Secret,
        }
    }

    /// The word document 000 shows (`"gender":"Male"`).
    pub fn word(self) -> &'static str {
        match self {
            Gender::Female => "Female",
            Gender::Male => "Male",
            Gender::Secret => "Secret",
        }
    }
}

/// A birthday, `YYYY-MM-DD` as document 004 asks: a real date, not in the future, not
/// before 1900.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birthday(Date);

impl Birthday {
    pub fn parse(raw: &str, today: Date) -> Result<Birthday, ApiError> {
        let bad = || ApiError::invalid("birthday");
        let raw = raw.trim();
        let b = raw.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| raw[r].parse::<u16>().map_err(|_| bad());
        let month = Month::try_from(num(5..7)? as u8).map_err(|_| bad())?;
        let date = Date::from_calendar_date(i32::from(num(0..4)?), month, num(8..10)? as u8)
            .map_err(|_| bad())?;
        if date.year() < 1900 || date > today {
            return Err(bad());
        }
        Ok(Birthday(date))
    }

    /// `YYYY-MM-DD`.
    pub fn to_iso(self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

/// A postal code of mainland China: six digits.
pub fn postal_code(raw: &str) -> Result<String, ApiError> {
    let code = raw.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_owned())
    } else {
        Err(ApiError::invalid("postalcode"))
    }
}

/// A code of an organisation's own numbering (department, major): 1 to 32 letters, digits,
/// `-`, `_` or `.`.
pub fn org_code(field: &str, raw: &str) -> Result<String, ApiError> {
    let code = raw.trim();
    if !code.is_empty()
        && code.len() <= 32
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        Ok(code.to_owned())
    } else {
        Err(ApiError::invalid(field))
    }
}

/// The name of a social sign-in channel (`weibo`, `qq`, `wechat`, ...): 2 to 20 lower-case
/// letters or digits. It becomes part of an attribute name, hence the narrow alphabet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SnsChannel(String);

impl SnsChannel {
    pub fn parse(raw: &str) -> Result<SnsChannel, ApiError> {
        let c = raw.trim().to_ascii_lowercase();
        if (2..=20).contains(&c.len())
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            Ok(SnsChannel(c))
        } else {
            Err(ApiError::invalid("channel"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use time::macros::date;

    #[test]
    fn nicknames_are_short_printable_text() {
        assert_eq!(Nickname::parse("  小明 ").unwrap().as_str(), "小明");
        assert!(Nickname::parse("").is_err());
        assert!(Nickname::parse("a\u{0007}b").is_err());
        assert!(Nickname::parse(&"字".repeat(33)).is_err());
        assert!(Nickname::parse(&"字".repeat(32)).is_ok());
    }

    #[test]
    fn gender_takes_numbers_and_words() {
        assert_eq!(Gender::parse("0").unwrap(), Gender::Female);
        assert_eq!(Gender::parse("Male").unwrap(), Gender::Male);
        assert_eq!(Gender::parse("保密").unwrap(), Gender::Secret);
        let wrong = Gender::parse("3").unwrap_err();
        assert_eq!(
            (wrong.kind, wrong.field.as_deref()),
            (ErrorKind::InvalidParameter, Some("gender"))
        );
        assert_eq!(Gender::from_number(1).word(), "Male");
        assert_eq!(Gender::default().number(), 2);
    }

    #[test]
    fn birthdays_are_real_past_dates() {
        let today = date!(2026 - 11 - 22);
        assert_eq!(
            Birthday::parse("1991-03-08", today).unwrap().to_iso(),
            "1991-03-08"
        );
        for bad in [
            "1991-3-8",
            "1991-02-30",
            "2027-01-01",
            "1899-12-31",
            "19910308",
            "abcd-ef-gh",
        ] {
            assert!(Birthday::parse(bad, today).is_err(), "{bad}");
        }
    }

    #[test]
    fn postal_and_org_codes() {
        assert_eq!(postal_code("100080").unwrap(), "100080");
        assert!(postal_code("10008").is_err());
        assert!(postal_code("10008a").is_err());
        assert_eq!(org_code("majorcode", "CS-101").unwrap(), "CS-101");
        assert!(org_code("majorcode", "a b").is_err());
    }

    #[test]
    fn channels_are_narrow_names() {
        assert_eq!(SnsChannel::parse("Weibo").unwrap().as_str(), "weibo");
        assert!(SnsChannel::parse("q").is_err());
        assert!(SnsChannel::parse("we-chat").is_err());
    }
}
