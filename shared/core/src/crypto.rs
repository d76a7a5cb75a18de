//! Secrets at rest and the comparisons that check them.
//!
//! - High-entropy secrets (refresh tokens, client secrets, captcha keys) are random, at
//!   least 128 bits, and stored as SHA-256: enough for them, and microseconds to check.
//! - Short codes (6 digits, captcha answers) are stored as an HMAC keyed with a server
//!   secret, so a leaked table cannot be brute-forced without the key.
//! - Passwords, which people choose, are hashed with argon2id (feature `passwords`).
//! - Every check compares in constant time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A random secret of `bytes` bytes, URL-safe base64 without padding.
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A random secret of `bytes` bytes, lower-case hex (authorization codes, as the documents
/// show them).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex(&buf)
}

/// The PKCE S256 transformation of a code verifier (RFC 7636 §4.2).
pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `challenge` can be a PKCE S256 challenge: 43 base64url characters, what
/// [`pkce_s256`] makes (RFC 7636 §4.2).
pub fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A random 6-digit code, uniformly drawn (leading zeros kept).
pub fn six_digit_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// SHA-256 of `secret`, hex: how high-entropy secrets are stored and looked up.
pub fn sha256_hex(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// HMAC-SHA-256 of `parts` (joined unambiguously) under `key`, hex: how short codes are
/// stored.
pub fn hmac_hex(key: &[u8], parts: &[&str]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    hex(&mac.finalize().into_bytes())
}

/// Constant-time equality of two strings (length is not secret).
pub fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Password hashing with argon2id at the OWASP parameters (19 MiB, t=2, p=1).
///
/// The 19 MiB of working memory is allocated once per process and reused. Allocated per call
/// (as `PasswordHasher` does), each freed copy stayed in the glibc arena of the blocking
/// thread that ran it, and a warm sign-in process reached 124 MB of peak RSS. A function
/// instance serves one request at a time, so the lock is never contended under Lambda.
#[cfg(feature = "passwords")]
pub mod password {
    use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
    use argon2::{Algorithm, Argon2, Block, Params, Version};
    use std::sync::{Mutex, PoisonError};
    use subtle::ConstantTimeEq;

    static MEMORY: Mutex<Vec<Block>> = Mutex::new(Vec::new());

    fn params() -> Params {
        Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
    }

    /// Runs argon2 into `out` with the process's working memory.
    fn compute(argon2: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
        let mut memory = MEMORY.lock().unwrap_or_else(PoisonError::into_inner);
        let blocks = argon2.params().block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
            .is_ok()
    }

    /// The PHC string of `password` with a fresh salt.
    pub fn hash(password: &str) -> String {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let mut salt_bytes = [0u8; 64];
        let raw_salt = salt
            .decode_b64(&mut salt_bytes)
            .expect("a generated salt decodes");
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        assert!(
            compute(&argon2, password.as_bytes(), raw_salt, &mut out),
            "argon2 hashing cannot fail with valid parameters"
        );
        PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params()).expect("parameters encode"),
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).expect("a 32-byte output")),
        }
        .to_string()
    }

    /// Whether `password` matches `stored`: an argon2 PHC string, or one of the legacy
    /// forms an imported account may still hold ([`Legacy`]), compared in constant time. A
    /// legacy check also spends one argon2id verification, so that an imported account
    /// answers in the time any other does (the time tells nobody how an account came to
    /// be). A malformed hash never matches.
    pub fn verify(password: &str, stored: &str) -> bool {
        match Legacy::of(stored) {
            Some(legacy) => {
                let right = legacy.verify(password);
                let _ = verify_phc(password, dummy_phc());
                right
            }
            None => verify_phc(password, stored),
        }
    }

    /// Whether `stored` should be replaced by a fresh argon2id hash once its password is
    /// known (a right sign-in): anything but argon2id.
    pub fn needs_upgrade(stored: &str) -> bool {
        !stored.starts_with("$argon2id$")
    }

    /// Whether `stored` is a hash [`verify`] can check (an import's refusal otherwise).
    pub fn is_verifiable(stored: &str) -> bool {
        match Legacy::of(stored) {
            Some(legacy) => legacy.well_formed(),
            None => PasswordHash::new(stored)
                .ok()
                .is_some_and(|p| Algorithm::try_from(p.algorithm).is_ok() && p.hash.is_some()),
        }
    }

    /// The password hashes of the systems accounts are imported from, kept until the
    /// account's next right sign-in replaces them with argon2id:
    ///
    /// - bcrypt, `$2a$`, `$2b$`, `$2x$` and `$2y$` (PHP's `password_hash` with
    ///   `PASSWORD_DEFAULT` or `PASSWORD_BCRYPT`; PHP's `PASSWORD_ARGON2ID` hashes are
    ///   argon2 PHC strings and need nothing of this);
    /// - salted MD5 and SHA-1 in Django's notation, `md5$<salt>$<hex>` and
    ///   `sha1$<salt>$<hex>`: the hex digest of the salt followed by the password; an empty
    ///   salt (`md5$$<hex>`) is an unsalted digest.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Legacy<'a> {
        Bcrypt(&'a str),
        Md5 { salt: &'a str, hex: &'a str },
        Sha1 { salt: &'a str, hex: &'a str },
    }

    impl<'a> Legacy<'a> {
        fn of(stored: &'a str) -> Option<Legacy<'a>> {
            if ["$2a$", "$2b$", "$2x$", "$2y$"]
                .iter()
                .any(|p| stored.starts_with(p))
            {
                return Some(Legacy::Bcrypt(stored));
            }
            let (scheme, rest) = stored.split_once('$')?;
            let (salt, hex) = rest.rsplit_once('$')?;
            match scheme {
                "md5" => Some(Legacy::Md5 { salt, hex }),
                "sha1" => Some(Legacy::Sha1 { salt, hex }),
                _ => None,
            }
        }

        fn well_formed(&self) -> bool {
            let hex_of = |hex: &str, len: usize| {
                hex.len() == len && hex.bytes().all(|b| b.is_ascii_hexdigit())
            };
            match self {
                Legacy::Bcrypt(s) => s.parse::<bcrypt::HashParts>().is_ok(),
                Legacy::Md5 { hex, .. } => hex_of(hex, 32),
                Legacy::Sha1 { hex, .. } => hex_of(hex, 40),
            }
        }

        fn verify(&self, password: &str) -> bool {
            use md5::Digest as _;
            let digest_matches = |digest: &[u8], hex: &str| {
                let ours = super::hex(digest);
                bool::from(ours.as_bytes().ct_eq(hex.to_ascii_lowercase().as_bytes()))
            };
            match *self {
                Legacy::Bcrypt(s) => bcrypt::verify(password, s).unwrap_or(false),
                Legacy::Md5 { salt, hex } => {
                    let mut h = md5::Md5::new();
                    h.update(salt.as_bytes());
                    h.update(password.as_bytes());
                    self.well_formed() && digest_matches(&h.finalize(), hex)
                }
                Legacy::Sha1 { salt, hex } => {
                    let mut h = sha1::Sha1::new();
                    h.update(salt.as_bytes());
                    h.update(password.as_bytes());
                    self.well_formed() && digest_matches(&h.finalize(), hex)
                }
            }
        }
    }

    /// Whether `password` matches the argon2 PHC string `phc`, in constant time.
    fn verify_phc(password: &str, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return false;
        };
        let (Ok(algorithm), Ok(version), Ok(params)) = (
            Algorithm::try_from(parsed.algorithm),
            parsed.version.map_or(Ok(Version::V0x13), Version::try_from),
            Params::try_from(&parsed),
        ) else {
            return false;
        };
        let mut salt_bytes = [0u8; 64];
        let Ok(raw_salt) = salt.decode_b64(&mut salt_bytes) else {
            return false;
        };
        let mut out = vec![0u8; expected.len()];
        compute(
            &Argon2::new(algorithm, version, params),
            password.as_bytes(),
            raw_salt,
            &mut out,
        ) && bool::from(expected.as_bytes().ct_eq(&out))
    }

    /// A hash of no one's password, at the same parameters: verifying against it spends the
    /// time of one verification, for answers about unknown accounts that must take as long
    /// as a wrong password does.
    pub fn dummy_phc() -> &'static str {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        DUMMY.get_or_init(|| hash("passport-dummy-password"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_url_safe() {
        let a = random_secret(32);
        let b = random_secret(32);
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn codes_have_six_digits() {
        for _ in 0..200 {
            let c = six_digit_code();
            assert_eq!(c.len(), 6);
            assert!(c.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn hmac_depends_on_key_and_on_how_parts_are_split() {
        let k = b"server-key";
        assert_eq!(hmac_hex(k, &["a", "123456"]), hmac_hex(k, &["a", "123456"]));
        assert_ne!(
            hmac_hex(k, &["a", "123456"]),
            hmac_hex(b"other-key", &["a", "123456"])
        );
        assert_ne!(hmac_hex(k, &["a1", "23456"]), hmac_hex(k, &["a", "123456"]));
    }

    #[test]
    fn sha256_is_the_known_digest() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn comparison_is_exact() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }

    #[cfg(feature = "passwords")]
    #[test]
    fn argon2id_hashes_verify_and_reject() {
        let phc = password::hash("correct horse");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(password::verify("correct horse", &phc));
        assert!(!password::verify("wrong horse", &phc));
        assert!(!password::verify("correct horse", "not a phc string"));
    }

    /// The reused working memory changes nothing in the hashes: they agree with the argon2
    /// crate's own `PasswordHasher` and `PasswordVerifier` both ways.
    #[cfg(feature = "passwords")]
    #[test]
    fn hashes_agree_with_the_argon2_crates_own_hasher() {
        use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
        use argon2::{Algorithm, Argon2, Params, Version};
        let theirs = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(19 * 1024, 2, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let their_phc = theirs
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert!(password::verify("correct horse", &their_phc));
        assert!(!password::verify("correct horsf", &their_phc));
        let our_phc = password::hash("correct horse");
        let parsed = PasswordHash::new(&our_phc).unwrap();
        assert!(theirs.verify_password(b"correct horse", &parsed).is_ok());
        assert!(theirs.verify_password(b"wrong", &parsed).is_err());
    }

    #[cfg(feature = "passwords")]
    #[test]
    fn legacy_hashes_verify_their_password_only_and_ask_for_an_upgrade() {
        use password::{is_verifiable, needs_upgrade, verify};
        // bcrypt as PHP's password_hash writes it ($2y$) and as other systems do ($2b$).
        let bcrypt = bcrypt::hash_with_result("old secret 1", 4).unwrap();
        for stored in [
            bcrypt.format_for_version(bcrypt::Version::TwoY),
            bcrypt.format_for_version(bcrypt::Version::TwoB),
            // Django's salted MD5 and SHA-1: the digest of salt + password.
            "md5$pepper$4c6b2d40ed39fb6e96d7c4c41d0b3ad1".to_owned(),
            "sha1$pepper$7b81e3e38a0b5bda5a4b5ef7ac4c48a2ad5e5ed5".to_owned(),
        ] {
            assert!(is_verifiable(&stored), "{stored}");
            assert!(needs_upgrade(&stored));
            if stored.starts_with("$2") {
                assert!(verify("old secret 1", &stored), "{stored}");
                assert!(!verify("old secret 2", &stored), "{stored}");
            }
        }
        let phc = password::hash("new secret");
        assert!(!needs_upgrade(&phc) && is_verifiable(&phc) && verify("new secret", &phc));
        for junk in [
            "",
            "md5$x$zz",
            "sha1$$abc",
            "$2y$04$short",
            "plain",
            "crypt$x$y",
        ] {
            assert!(!is_verifiable(junk), "{junk}");
            assert!(!verify("anything", junk), "{junk}");
        }
    }

    #[cfg(feature = "passwords")]
    #[test]
    fn salted_digests_are_of_the_salt_then_the_password() {
        use md5::Digest as _;
        let md5 = hex(&md5::Md5::digest(b"s4ltpassw0rd"));
        let sha1 = hex(&sha1::Sha1::digest(b"s4ltpassw0rd"));
        let unsalted = hex(&md5::Md5::digest(b"passw0rd"));
        assert!(password::verify("passw0rd", &format!("md5$s4lt${md5}")));
        assert!(password::verify(
            "passw0rd",
            &format!("md5$s4lt${}", md5.to_uppercase())
        ));
        assert!(password::verify("passw0rd", &format!("sha1$s4lt${sha1}")));
        assert!(password::verify("passw0rd", &format!("md5$${unsalted}")));
        assert!(!password::verify("passw0rd", &format!("md5$other${md5}")));
        assert!(!password::verify("passw0rd", &format!("sha1$s4lt${md5}")));
    }
}
