use crate::error::ErrorKind;
use time::{Date, Month};

/// A resident identity card number of the People's Republic of China (GB 11643-1999):
/// 6-digit region code, 8-digit birth date, 3-digit sequence and an ISO 7064 MOD 11-2 check
/// character (0-9 or X). Invalid numbers are 203007.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdCard(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";
/// First two digits: province-level divisions.
const PROVINCES: &[u32] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

impl IdCard {
    pub fn parse(raw: &str) -> Result<IdCard, ErrorKind> {
        let s = raw.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
            return Err(ErrorKind::IdCardInvalid);
        }
        let digit = |i: usize| u32::from(b[i] - b'0');
        let num =
            |from: usize, len: usize| (from..from + len).fold(0, |acc, i| acc * 10 + digit(i));
        if !PROVINCES.contains(&num(0, 2)) {
            return Err(ErrorKind::IdCardInvalid);
        }
        let month = Month::try_from(num(10, 2) as u8).map_err(|_| ErrorKind::IdCardInvalid)?;
        let birth = Date::from_calendar_date(num(6, 4) as i32, month, num(12, 2) as u8)
            .map_err(|_| ErrorKind::IdCardInvalid)?;
        let today = time::OffsetDateTime::now_utc().date();
        if birth.year() < 1900 || birth > today {
            return Err(ErrorKind::IdCardInvalid);
        }
        let sum: u32 = (0..17).map(|i| digit(i) * WEIGHTS[i]).sum();
        if CHECK[(sum % 11) as usize] != b[17] {
            return Err(ErrorKind::IdCardInvalid);
        }
        Ok(IdCard(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but the first 6 and last 4 characters hidden.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_a_correct_check_character_pass() {
        // The example number of GB 11643-1999, and one ending in X.
        assert!(IdCard::parse("11010519491231002X").is_ok());
        assert!(IdCard::parse("440524198001010013").is_ok());
        assert!(
            IdCard::parse("11010519491231002x").is_ok(),
            "lower-case x is accepted"
        );
    }

    #[test]
    fn wrong_check_date_region_or_shape_is_invalid() {
        for bad in [
            "110105194912310021", // wrong check character
            "11010519491331002X", // month 13
            "110105194902300023", // 30 February
            "990105194912310025", // no such province
            "11010519491231002",  // 17 characters
            "1101051949123100AX", // letters
            "110105300001010012", // born in the future
        ] {
            assert_eq!(IdCard::parse(bad), Err(ErrorKind::IdCardInvalid), "{bad}");
        }
    }

    #[test]
    fn masking_keeps_region_and_tail() {
        assert_eq!(
            IdCard::parse("11010519491231002X").unwrap().masked(),
            "110105********002X"
        );
    }
}
