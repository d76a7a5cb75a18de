use crate::error::ErrorKind;
use std::net::IpAddr;

/// An IPv4 or IPv6 address (200026 when malformed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpAddress(IpAddr);

impl IpAddress {
    pub fn parse(raw: &str) -> Result<IpAddress, ErrorKind> {
        let s = raw.trim();
        // Bracketed IPv6 as in URLs is accepted.
        let s = s
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(s);
        s.parse::<IpAddr>()
            .map(IpAddress)
            .map_err(|_| ErrorKind::IpInvalid)
    }

    pub fn addr(&self) -> IpAddr {
        self.0
    }

    /// Whether the address is routable on the public internet: not private, loopback,
    /// link-local, shared (CGNAT), documentation, multicast, unspecified or reserved.
    pub fn is_public(&self) -> bool {
        match self.0 {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                !(v4.is_private()
                    || v4.is_loopback()
                    || v4.is_link_local()
                    || v4.is_broadcast()
                    || v4.is_documentation()
                    || v4.is_unspecified()
                    || v4.is_multicast()
                    || o[0] == 0
                    || (o[0] == 100 && (64..=127).contains(&o[1]))
                    || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                    || (o[0] == 198 && (18..=19).contains(&o[1]))
                    || o[0] >= 240)
            }
            IpAddr::V6(v6) => {
                let s = v6.segments();
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (s[0] & 0xfe00) == 0xfc00
                    || (s[0] & 0xffc0) == 0xfe80
                    || (s[0] == 0x2001 && s[1] == 0x0db8))
            }
        }
    }
}

impl std::fmt::Display for IpAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_and_v6_parse_and_junk_does_not() {
        assert!(IpAddress::parse("8.8.8.8").is_ok());
        assert!(IpAddress::parse("2001:4860:4860::8888").is_ok());
        assert!(IpAddress::parse("[::1]").is_ok());
        for bad in [
            "",
            "256.1.1.1",
            "1.2.3",
            "8.8.8.8.8",
            "example.com",
            "1.2.3.4/24",
        ] {
            assert_eq!(IpAddress::parse(bad), Err(ErrorKind::IpInvalid), "{bad}");
        }
    }

    #[test]
    fn private_and_reserved_addresses_are_not_public() {
        for private in [
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "127.0.0.1",
            "100.64.0.1",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "240.0.0.1",
        ] {
            assert!(!IpAddress::parse(private).unwrap().is_public(), "{private}");
        }
        for public in ["8.8.8.8", "114.114.114.114", "2001:4860:4860::8888"] {
            assert!(IpAddress::parse(public).unwrap().is_public(), "{public}");
        }
    }
}
