use crate::error::ErrorKind;

/// A mainland China mobile number: 11 digits (200024) in an allocated number range (200025).
/// An optional `+86` / `86` country prefix and spaces or dashes between digit groups are
/// accepted and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

/// The three-digit prefixes of mobile ranges the operators have allocated (China Mobile,
/// China Unicom, China Telecom, China Broadnet and the virtual operators' 170/171/162/165/167).
const MOBILE_PREFIXES: &[u16] = &[
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, //
    145, 146, 147, 148, 149, //
    150, 151, 152, 153, 155, 156, 157, 158, 159, //
    162, 165, 166, 167, //
    170, 171, 172, 173, 174, 175, 176, 177, 178, //
    180, 181, 182, 183, 184, 185, 186, 187, 188, 189, //
    190, 191, 192, 193, 195, 196, 197, 198, 199,
];

impl Phone {
    pub fn parse(raw: &str) -> Result<Phone, ErrorKind> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ErrorKind::PhoneRequired);
        }
        let compact: String = s.chars().filter(|c| *c != ' ' && *c != '-').collect();
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .or_else(|| {
                if compact.len() == 13 {
                    compact.strip_prefix("86")
                } else {
                    None
                }
            })
            .unwrap_or(&compact);
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ErrorKind::PhoneInvalid);
        }
        if digits.len() != 11 {
            return Err(ErrorKind::PhoneLength);
        }
        let prefix: u16 = digits[..3].parse().map_err(|_| ErrorKind::PhoneInvalid)?;
        if !MOBILE_PREFIXES.contains(&prefix) {
            return Err(ErrorKind::PhoneUnsupported);
        }
        Ok(Phone(digits.to_owned()))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// E.164, for SMS delivery: `+8613800138000`.
    pub fn e164(&self) -> String {
        format!("+86{}", self.0)
    }
}

/// A phone number with its area (country calling) code, as the center dialect sends it
/// (`area` and `account`). Area 86, the default, follows the mainland mobile rules of
/// [`Phone`]; other areas take 4 to 14 national digits, 15 in all with the code (E.164).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AreaPhone {
    area: String,
    number: String,
}

impl AreaPhone {
    pub const DEFAULT_AREA: &'static str = "86";

    pub fn parse(area: Option<&str>, number: &str) -> Result<AreaPhone, ErrorKind> {
        let area = area
            .map(|a| a.trim().trim_start_matches('+').trim_start_matches("00"))
            .filter(|a| !a.is_empty())
            .unwrap_or(Self::DEFAULT_AREA);
        if !(1..=4).contains(&area.len())
            || !area.chars().all(|c| c.is_ascii_digit())
            || area.starts_with('0')
        {
            return Err(ErrorKind::PhoneInvalid);
        }
        if area == Self::DEFAULT_AREA {
            let phone = Phone::parse(number)?;
            return Ok(AreaPhone {
                area: area.to_owned(),
                number: phone.0,
            });
        }
        let number = number.trim();
        if number.is_empty() {
            return Err(ErrorKind::PhoneRequired);
        }
        let digits: String = number.chars().filter(|c| *c != ' ' && *c != '-').collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ErrorKind::PhoneInvalid);
        }
        if digits.len() < 4 || area.len() + digits.len() > 15 {
            return Err(ErrorKind::PhoneLength);
        }
        Ok(AreaPhone {
            area: area.to_owned(),
            number: digits,
        })
    }

    pub fn area(&self) -> &str {
        &self.area
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn e164(&self) -> String {
        format!("+{}{}", self.area, self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainland_mobiles_in_allocated_ranges_pass() {
        for ok in [
            "13800138000",
            "18656660930",
            "+86 138 0013 8000",
            "8613800138000",
            "199-0000-0000",
        ] {
            assert!(Phone::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Phone::parse("+8613800138000").unwrap().e164(),
            "+8613800138000"
        );
    }

    #[test]
    fn documented_errors() {
        assert_eq!(Phone::parse(""), Err(ErrorKind::PhoneRequired));
        assert_eq!(Phone::parse("1380013800a"), Err(ErrorKind::PhoneInvalid));
        assert_eq!(Phone::parse("1380013800"), Err(ErrorKind::PhoneLength));
        assert_eq!(Phone::parse("138001380001"), Err(ErrorKind::PhoneLength));
        assert_eq!(
            Phone::parse("12000000000"),
            Err(ErrorKind::PhoneUnsupported)
        );
        assert_eq!(
            Phone::parse("15400000000"),
            Err(ErrorKind::PhoneUnsupported)
        );
    }

    #[test]
    fn area_codes() {
        let cn = AreaPhone::parse(None, "18656660930").unwrap();
        assert_eq!((cn.area(), cn.number()), ("86", "18656660930"));
        let hk = AreaPhone::parse(Some("+852"), "6366 4860").unwrap();
        assert_eq!(hk.e164(), "+85263664860");
        assert_eq!(
            AreaPhone::parse(Some("86"), "12000000000"),
            Err(ErrorKind::PhoneUnsupported)
        );
        assert_eq!(
            AreaPhone::parse(Some("abc"), "63664860"),
            Err(ErrorKind::PhoneInvalid)
        );
        assert_eq!(
            AreaPhone::parse(Some("1"), "123"),
            Err(ErrorKind::PhoneLength)
        );
        assert_eq!(
            AreaPhone::parse(Some("1"), "1234567890123456"),
            Err(ErrorKind::PhoneLength)
        );
    }
}
