//! `passport-bench ipdb [PATH] [LOOKUPS]`: opens the IP database as the services function
//! does (memory-mapped, once), then looks up LOOKUPS random addresses (nine in ten IPv4,
//! one in ten IPv6) and reports the open time, lookups per second and memory. Writes
//! `bench/out/ipdb.json` and `bench/out/ipdb.md`, and prints the Markdown.

use anyhow::Context;
use passport_ipdb::IpDb;
use rand::Rng;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::time::Instant;

/// A field of /proc/self/status in kB (VmRSS, VmHWM).
pub fn proc_status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Measures; returns the JSON report and its Markdown.
pub fn measure(path: PathBuf, lookups: usize) -> anyhow::Result<(serde_json::Value, String)> {
    let rss_before = proc_status_kb("VmRSS:").unwrap_or(0);
    let opened = Instant::now();
    let db = IpDb::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let open_ms = opened.elapsed().as_secs_f64() * 1000.0;
    let size_mb = std::fs::metadata(&path)?.len() as f64 / 1_048_576.0;

    let mut rng = rand::rng();
    let addresses: Vec<IpAddr> = (0..lookups)
        .map(|i| {
            if i % 10 == 9 {
                IpAddr::V6(Ipv6Addr::from(
                    rng.random::<u128>() & !(0xffff_u128 << 112) | (0x2400_u128 << 112),
                ))
            } else {
                IpAddr::V4(Ipv4Addr::from(rng.random::<u32>()))
            }
        })
        .collect();
    let started = Instant::now();
    let mut found = 0usize;
    for ip in &addresses {
        found += usize::from(db.lookup(*ip).is_some());
    }
    let seconds = started.elapsed().as_secs_f64();
    let per_second = lookups as f64 / seconds;
    let rss_after = proc_status_kb("VmRSS:").unwrap_or(0);
    let peak = proc_status_kb("VmHWM:").unwrap_or(0);
    let report = serde_json::json!({
        "database": path.display().to_string(),
        "database_mb": (size_mb * 10.0).round() / 10.0,
        "open_ms": (open_ms * 1000.0).round() / 1000.0,
        "lookups": lookups,
        "found": found,
        "lookups_per_second": per_second.round(),
        "ns_per_lookup": (seconds * 1e9 / lookups as f64).round(),
        "rss_kb_before_open": rss_before,
        "rss_kb_after_lookups": rss_after,
        "peak_rss_kb": peak,
        "machine": format!("{} cores", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
    });
    let md = format!(
        "| measure | value |\n|---|---|\n| database | {:.1} MB, memory-mapped |\n| open (map + header) | {:.3} ms |\n| lookups | {} ({} found) |\n| lookups per second | {:.0} |\n| time per lookup | {:.0} ns |\n| RSS after lookups | {} kB (peak {} kB; pages of the map are counted as they are touched) |\n",
        size_mb,
        open_ms,
        lookups,
        found,
        per_second,
        seconds * 1e9 / lookups as f64,
        rss_after,
        peak
    );
    Ok((report, md))
}
