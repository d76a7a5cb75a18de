//! Masking as document 003 shows it: the start and the end of a value stay, every
//! character between becomes `*` (so the length shows): "li******40", "李**",
//! "13******0170", "6523248***************03404".

/// Keeps `front` and `back` characters; when the value is too short for that, keeps only
/// its first character (and hides a value of one character). Empty stays empty.
pub fn mask(value: &str, front: usize, back: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    let (front, back) = if chars.len() > front + back {
        (front, back)
    } else {
        (1.min(chars.len().saturating_sub(1)), 0)
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < front || i >= chars.len() - back {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

pub fn username(v: &str) -> String {
    mask(v, 2, 2)
}

/// A person's name: the family name stays ("李**").
pub fn person(v: &str) -> String {
    mask(v, 1, 0)
}

pub fn phone(v: &str) -> String {
    mask(v, 2, 4)
}

pub fn legal_person_phone(v: &str) -> String {
    mask(v, 3, 4)
}

pub fn tax_number(v: &str) -> String {
    mask(v, 7, 5)
}

pub fn company_name(v: &str) -> String {
    mask(v, 4, 3)
}

pub fn address(v: &str) -> String {
    mask(v, 5, 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documents_examples() {
        assert_eq!(username("li12345640"), "li******40");
        assert_eq!(person("李小龙"), "李**");
        assert_eq!(phone("138001370170"), "13******0170");
        assert_eq!(legal_person_phone("133123450170"), "133*****0170");
        assert_eq!(
            tax_number("652324812345678901234503404"),
            "6523248***************03404"
        );
        assert_eq!(
            company_name("水磨沟区一二三四五六七餐饮店"),
            "水磨沟区*******餐饮店"
        );
        assert_eq!(address("乌鲁木齐市某某街巷186号"), "乌鲁木齐市***巷186号");
    }

    #[test]
    fn short_and_empty_values() {
        assert_eq!(username("abc"), "a**");
        assert_eq!(person("李"), "*", "one character is all hidden");
        assert_eq!(phone(""), "");
        assert_eq!(mask("ab", 2, 2), "a*");
    }
}
