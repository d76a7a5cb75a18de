//! Property tests of the parsers and validators: whatever a client sends, they answer (never
//! panic), and what they accept keeps the rules they promise.

use crate::domain::{short_text, Email, IdCard, Password, Phone, Username};
use proptest::prelude::*;

/// A GB 11643 number for a region, a birth date and a sequence, with its check character.
fn id_card(region: u32, year: u32, month: u32, day: u32, seq: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("{region:06}{year:04}{month:02}{day:02}{seq:03}");
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

proptest! {
    #[test]
    fn usernames_accepted_are_trimmed_in_length_and_stable(raw in "\\PC{0,60}") {
        if let Ok(u) = Username::parse(&raw) {
            let n = u.as_str().chars().count();
            prop_assert!((Username::MIN_CHARS..=Username::MAX_CHARS).contains(&n));
            prop_assert_eq!(u.as_str(), raw.trim());
            prop_assert_eq!(Username::parse(u.as_str()).unwrap(), u.clone());
            prop_assert_eq!(u.canonical(), u.canonical().to_lowercase());
        }
    }

    #[test]
    fn usernames_of_the_allowed_alphabet_pass(raw in "[a-zA-Z0-9_\\-\u{4e00}-\u{9fa5}]{2,50}") {
        prop_assert!(Username::parse(&raw).is_ok());
    }

    #[test]
    fn emails_accepted_have_one_at_and_reparse(raw in "\\PC{0,80}") {
        if let Ok(e) = Email::parse(&raw) {
            prop_assert_eq!(e.as_str().matches('@').count(), 1);
            prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
        }
    }

    #[test]
    fn plain_addresses_pass(local in "[a-z0-9]{1,20}", domain in "[a-z]{1,20}", tld in "[a-z]{2,6}") {
        let raw = format!("{local}@{domain}.{tld}");
        let parsed = Email::parse(&raw).unwrap();
        prop_assert_eq!(parsed.as_str(), raw.as_str());
    }

    #[test]
    fn phones_are_the_same_number_in_every_written_form(prefix in prop::sample::select(vec![130u32, 139, 150, 186, 199]), rest in 0u32..100_000_000) {
        let plain = format!("{prefix}{rest:08}");
        let parsed = Phone::parse(&plain).unwrap();
        prop_assert_eq!(parsed.as_str(), plain.as_str());
        let spaced = format!("+86 {} {} {}", &plain[..3], &plain[3..7], &plain[7..]);
        prop_assert_eq!(Phone::parse(&spaced).unwrap(), parsed.clone());
        let dashed = format!("{}-{}-{}", &plain[..3], &plain[3..7], &plain[7..]);
        prop_assert_eq!(Phone::parse(&dashed).unwrap(), parsed);
    }

    #[test]
    fn phone_parsing_answers_anything(raw in "\\PC{0,30}") {
        let _ = Phone::parse(&raw);
    }

    #[test]
    fn id_cards_pass_with_their_check_character_and_fail_with_another(
        region in prop::sample::select(vec![110101u32, 310104, 440305, 510107]),
        year in 1950u32..2005, month in 1u32..=12, day in 1u32..=28, seq in 0u32..1000,
        wrong in 0usize..10,
    ) {
        let good = id_card(region, year, month, day, seq);
        prop_assert!(IdCard::parse(&good).is_ok(), "{}", good);
        prop_assert!(IdCard::parse(&good.to_lowercase()).is_ok());
        let check = good.as_bytes()[17];
        let other = b"0123456789X".iter().copied().filter(|c| *c != check).nth(wrong).unwrap();
        let bad = format!("{}{}", &good[..17], other as char);
        prop_assert!(IdCard::parse(&bad).is_err(), "{}", bad);
        prop_assert_eq!(IdCard::parse(&good).unwrap().masked().len(), 18);
    }

    #[test]
    fn passwords_are_kept_exactly_within_their_length(raw in "\\PC{0,140}") {
        let n = raw.chars().count();
        match Password::parse(&raw) {
            Ok(_) => prop_assert!((Password::MIN_CHARS..=Password::MAX_CHARS).contains(&n)),
            Err(_) => prop_assert!(!(Password::MIN_CHARS..=Password::MAX_CHARS).contains(&n)),
        }
    }

    #[test]
    fn short_text_is_trimmed_bounded_and_printable(raw in "\\PC{0,40}|[\\s\\x00-\\x1f]{0,5}", max in 1usize..30) {
        if let Ok(t) = short_text("f", &raw, max) {
            prop_assert_eq!(t.as_str(), raw.trim());
            prop_assert!(!t.is_empty() && t.chars().count() <= max);
            prop_assert!(!t.chars().any(char::is_control));
        }
    }

    #[test]
    fn constant_time_comparison_is_equality(a in "[a-f0-9]{0,8}", b in "[a-f0-9]{0,8}") {
        prop_assert_eq!(crate::crypto::same(&a, &b), a == b);
        prop_assert!(crate::crypto::same(&a, &a.clone()));
    }

    #[test]
    fn request_parameters_answer_any_body(
        query in "\\PC{0,40}",
        body in prop::collection::vec(any::<u8>(), 0..200),
        content_type in prop::sample::select(vec!["application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", ""]),
    ) {
        let parsed = futures_util::FutureExt::now_or_never(crate::Params::parse(Some(&query), Some(content_type), &body));
        // Parsing completes at once (no I/O) and answers Ok or a client error, never a panic.
        let parsed = parsed.expect("parsing needs no I/O");
        if let Err(e) = parsed {
            prop_assert!(!e.kind.status().is_server_error());
        }
    }

    #[test]
    fn json_fields_read_back_as_sent(key in "[a-z_]{1,12}", value in "\\PC{0,30}") {
        let body = serde_json::json!({ key.clone(): value.clone() }).to_string();
        let p = futures_util::FutureExt::now_or_never(crate::Params::parse(None, Some("application/json"), body.as_bytes()))
            .unwrap()
            .unwrap();
        prop_assert_eq!(p.get(&key), Some(value));
    }

    #[test]
    fn datetimes_are_nineteen_characters(epoch in 0i64..4_102_444_800) {
        prop_assert_eq!(crate::datetime(epoch).len(), 19);
    }
}

mod storage {
    use crate::storage::keys::padded;
    use crate::storage::records::{from_attr, to_attr, PageRequest, MAX_PAGE_SIZE};
    use proptest::prelude::*;
    use serde_json::Value;

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "\\PC{0,20}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn records_round_trip_through_attributes(v in json()) {
            prop_assert_eq!(from_attr(&to_attr(&v)), v);
        }

        #[test]
        fn padded_ids_sort_as_numbers(a in any::<u64>(), b in any::<u64>()) {
            prop_assert_eq!(padded(a).cmp(&padded(b)), a.cmp(&b));
        }

        #[test]
        fn page_requests_stay_in_bounds(n in proptest::option::of(any::<u32>()), s in proptest::option::of(any::<u32>())) {
            let p = PageRequest::new(n, s);
            prop_assert!(p.number >= 1);
            prop_assert!((1..=MAX_PAGE_SIZE).contains(&p.size));
        }
    }
}
