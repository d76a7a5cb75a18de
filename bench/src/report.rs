//! The report: JSON with every figure, and Markdown with the tables and the budgets
//! (DESIGN.md and issue 9) checked against them.

use crate::functions::BASELINE;
use serde_json::{json, Value};
use std::fmt::Write;

pub struct Report {
    pub functions: Vec<Value>,
    pub load: Vec<Value>,
    pub crypto: Value,
    pub ipdb: Value,
    pub routes: Vec<Value>,
    pub metered_requests: usize,
    pub starts: usize,
    /// The scale scenario (`scale::measure`), or null.
    pub scale: Value,
}

/// Budgets.
const INIT_RATIO_MAX: f64 = 1.5;
const SIZE_MB_MAX: f64 = 10.0;
const LOGIN_RSS_MB_MAX: f64 = 64.0;

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let memory_gb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kb| (kb / 1_048_576.0 * 10.0).round() / 10.0);
    let command = |c: &str, a: &[&str]| {
        std::process::Command::new(c)
            .args(a)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "memory_gb": memory_gb,
        "kernel": command("uname", &["-sr"]),
        "rustc": command("rustc", &["--version"]),
        "date": command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
    })
}

fn med(v: &Value, k: &str) -> f64 {
    v[k]["median"].as_f64().unwrap_or(f64::NAN)
}

fn spread(v: &Value, k: &str) -> String {
    format!(
        "{:.1} ({:.1}–{:.1})",
        med(v, k),
        v[k]["min"].as_f64().unwrap_or(f64::NAN),
        v[k]["max"].as_f64().unwrap_or(f64::NAN)
    )
}

impl Report {
    pub fn render(&self) -> (Value, String) {
        let machine = machine();
        let baseline = self.functions.iter().find(|f| f["function"] == BASELINE);
        let base_init = baseline.map(|b| med(b, "init_ms")).unwrap_or(f64::NAN);
        let mut budgets = Vec::new();
        let mut md = String::new();
        let _ = writeln!(md, "# Passport benchmark\n");
        let _ = writeln!(
            md,
            "Machine: {} ({} cores, {} GB), {}, {}; {}. Release build as deployed (opt-level s, fat LTO, stripped). \
             Everything, emulators included, ran on this machine.\n",
            machine["cpu"].as_str().unwrap_or("?"),
            machine["cores"],
            machine["memory_gb"],
            machine["kernel"].as_str().unwrap_or("?"),
            machine["rustc"].as_str().unwrap_or("?"),
            machine["date"].as_str().unwrap_or("?"),
        );
        let _ = writeln!(md, "## Functions\n");
        let _ = writeln!(
            md,
            "{} starts each under passport-local's Runtime API emulator, one process at a time. Init: process start to the first poll for an event; init / baseline divides by the median of the baseline's starts made one before each of the function's (interleaved, so that both see the same load). \
             First: the first invocation of the representative request; warm: the {} after it in the same process. \
             Times in ms as median (min–max); RSS is the process's peak (VmHWM) after the warm invocations.\n",
            self.starts, 10
        );
        let _ = writeln!(md, "| function | request | size MB | init ms | init / baseline | first ms | warm ms | peak RSS MB |");
        let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
        let mut functions = Vec::new();
        for f in &self.functions {
            // Against the baseline starts made beside this function's (interleaved), where
            // the run has them; else against the baseline's own row.
            let paired = med(f, "baseline_init_ms");
            let base = if paired.is_finite() {
                paired
            } else {
                base_init
            };
            let ratio = med(f, "init_ms") / base;
            let size = f["size_mb"].as_f64().unwrap_or(f64::NAN);
            let _ = writeln!(
                md,
                "| {} | {} | {:.2} | {} | {:.2} | {} | {} | {:.1} |",
                f["function"].as_str().unwrap_or("?"),
                f["request"].as_str().unwrap_or(""),
                size,
                spread(f, "init_ms"),
                ratio,
                spread(f, "first_invocation_ms"),
                spread(f, "warm_invocation_ms"),
                med(f, "peak_rss_mb"),
            );
            let mut f = f.clone();
            f["init_ratio_to_baseline"] = json!((ratio * 100.0).round() / 100.0);
            if f["function"] != BASELINE {
                budgets.push(json!({ "budget": format!("init of {} ≤ {INIT_RATIO_MAX}× baseline", f["function"].as_str().unwrap_or("")), "value": (ratio * 100.0).round() / 100.0, "met": ratio <= INIT_RATIO_MAX }));
                budgets.push(json!({ "budget": format!("stripped size of {} ≤ {SIZE_MB_MAX} MB", f["function"].as_str().unwrap_or("")), "value": size, "met": size <= SIZE_MB_MAX }));
            }
            if f["function"] == "users" {
                let rss = med(&f, "peak_rss_mb");
                budgets.push(json!({ "budget": format!("peak RSS of a sign-in (users) < {LOGIN_RSS_MB_MAX} MB"), "value": rss, "met": rss < LOGIN_RSS_MB_MAX }));
            }
            functions.push(f);
        }

        let _ = writeln!(md, "\n## Through the local stack\n");
        let _ = writeln!(
            md,
            "Each scenario first sends {} requests of its kind unmeasured, {} in flight, so that the function's instances have started (their starts are the init figures above).\n",
            crate::load::WARM_UP,
            crate::load::CONCURRENCY
        );
        let _ = writeln!(
            md,
            "| scenario | requests | concurrency | req/s | p50 ms | p99 ms |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|---|");
        for l in &self.load {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {:.1} | {:.1} |",
                l["scenario"].as_str().unwrap_or(""),
                l["requests"],
                l["concurrency"],
                l["requests_per_second"],
                med(l, "latency_ms"),
                l["p99_ms"].as_f64().unwrap_or(f64::NAN),
            );
        }
        let rate = |prefix: &str| {
            self.load
                .iter()
                .find(|l| {
                    l["scenario"]
                        .as_str()
                        .is_some_and(|s| s.starts_with(prefix))
                })
                .and_then(|l| l["requests_per_second"].as_f64())
        };
        if let (Some(cc), Some(put)) = (rate("client_credentials"), rate("DynamoDB Local")) {
            let _ = writeln!(
                md,
                "\nclient_credentials at {cc:.0} req/s is {:.2}× the 374 req/s of issue 18's measurement and {:.0}% of DynamoDB \
                 Local's own conditional PutItem rate in this run ({put:.0}/s): the token is one conditional put, and the rest \
                 is the gateway, the Runtime API and the function on the same two cores.",
                cc / 374.0,
                cc / put * 100.0
            );
            budgets.push(json!({
                "budget": "client_credentials ≥ 2.5× 374 req/s (issue 18)",
                "value": (cc * 10.0).round() / 10.0,
                "met": cc >= 2.5 * 374.0,
            }));
        }

        if let Some(rows) = self.scale["requests"].as_array() {
            let fill = &self.scale["fill"];
            let _ = writeln!(md, "\n## At scale\n");
            let _ = writeln!(
                md,
                "Each request {} times one at a time, before and after filling DynamoDB Local with {} accounts (and their \
                 username guards) and {} sessions ({} of them client_credentials tokens): {} items in {} s ({} items/s, \
                 BatchWriteItem). Times in ms, median (min–max).\n",
                self.scale["probes"], fill["accounts"], fill["user_sessions"].as_u64().unwrap_or(0) + fill["client_sessions"].as_u64().unwrap_or(0),
                fill["client_sessions"], fill["items"], fill["seconds"], fill["items_per_second"]
            );
            let _ = writeln!(
                md,
                "| request | before | after | after / before |\n|---|---|---|---|"
            );
            for r in rows {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {:.2} |",
                    r["request"].as_str().unwrap_or(""),
                    spread(r, "before_ms"),
                    spread(r, "after_ms"),
                    r["ratio"].as_f64().unwrap_or(f64::NAN)
                );
                budgets.push(json!({
                    "budget": format!("at scale, {} ≤ {}× its time on an empty table", r["request"].as_str().unwrap_or(""), crate::scale::FLAT_RATIO_MAX),
                    "value": r["ratio"],
                    "met": r["flat"] == true,
                }));
            }
        }

        let c = &self.crypto;
        let _ = writeln!(md, "\n## Crypto on this machine\n");
        let _ = writeln!(md, "| operation | median ms | min–max |\n|---|---|---|");
        for (name, k) in [
            (
                format!("argon2id hash ({})", c["argon2id"].as_str().unwrap_or("")),
                "argon2id_hash_ms",
            ),
            ("argon2id verify".to_owned(), "argon2id_verify_ms"),
            ("JWT sign (EdDSA)".to_owned(), "jwt_sign_ms"),
            ("JWT verify (EdDSA)".to_owned(), "jwt_verify_ms"),
        ] {
            let _ = writeln!(
                md,
                "| {name} | {:.3} | {:.3}–{:.3} |",
                med(c, k),
                c[k]["min"].as_f64().unwrap_or(f64::NAN),
                c[k]["max"].as_f64().unwrap_or(f64::NAN)
            );
        }
        if let Some(rate) = self.ipdb["lookups_per_second"].as_f64() {
            let _ = writeln!(
                md,
                "\nIP database: {rate:.0} lookups/s, opened in {} ms, peak RSS {} kB.",
                self.ipdb["open_ms"], self.ipdb["peak_rss_kb"]
            );
        }

        let _ = writeln!(md, "\n## DynamoDB per route\n");
        if self.routes.is_empty() {
            let _ = writeln!(md, "No meter file given (`--meter`): run `scripts/bench`.");
        } else {
            let _ = writeln!(
                md,
                "Counted outside the functions by passport-local's meter (a loopback proxy per function instance in front of DynamoDB \
                 Local asks for `ReturnConsumedCapacity: TOTAL` and notes every call, each answer held 25 ms so that calls made together \
                 overlap while the tests run side by side) over the {} requests of the end-to-end tests; figures are medians (max) over \
                 each route's successful requests. Sequential: round trips on the critical path (calls that overlap count once). A \
                 first-party token's check is one read; a registered client's adds a quota update that runs alongside it.\n",
                self.metered_requests
            );
            let _ = writeln!(md, "| method | route | token | requests (2xx) | round trips | sequential | capacity units |");
            let _ = writeln!(md, "|---|---|---|---|---|---|---|");
            for r in &self.routes {
                let cell = |k: &str| {
                    if r[k].is_null() {
                        "–".to_owned()
                    } else {
                        format!("{} ({})", r[k]["median"], r[k]["max"])
                    }
                };
                let _ = writeln!(
                    md,
                    "| {} | `{}` | {} | {} ({}) | {} | {} | {} |",
                    r["method"].as_str().unwrap_or(""),
                    r["route"].as_str().unwrap_or(""),
                    if r["token_checked"] == true {
                        "yes"
                    } else {
                        ""
                    },
                    r["requests"],
                    r["successful"],
                    cell("round_trips"),
                    cell("sequential"),
                    cell("capacity_units"),
                );
                if let Some(met) = r["within_budget"].as_bool() {
                    budgets.push(json!({
                        "budget": format!("{} {} ≤ {} sequential round trips", r["method"].as_str().unwrap_or(""), r["route"].as_str().unwrap_or(""), r["stage_budget"]),
                        "value": r["sequential"]["median"],
                        "met": met,
                        "why": format!("critical path: {}", r["critical_path"].as_str().unwrap_or("?")),
                    }));
                }
            }
        }

        let _ = writeln!(md, "\n## Budgets\n");
        let missed: Vec<&Value> = budgets.iter().filter(|b| b["met"] == false).collect();
        let _ = writeln!(
            md,
            "{} of {} budgets met.\n",
            budgets.len() - missed.len(),
            budgets.len()
        );
        if missed.iter().any(|b| b["why"].is_string()) {
            let _ = writeln!(
                md,
                "Round trips are counted on the end-to-end tests' own traffic. A stage of a route's \
                 critical path (`→`) waits for the one before it; `∥` runs alongside. The token check \
                 is the first stage. Past it, a route misses the budget where it reads before it writes \
                 (the record it changes, or the account, read after the check instead of beside it), \
                 where one request writes in more than one step (session ends, code checks), or, for a \
                 registered client's token, where the client's limits are read before the quota \
                 update: an instance keeps them for 60 s, but every end-to-end test registers its own \
                 client, so these requests meet a cold cache that warm traffic of one client does not.\n"
            );
        }
        if !missed.is_empty() {
            let _ = writeln!(md, "| missed | value | why |\n|---|---|---|");
            for b in &missed {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} |",
                    b["budget"].as_str().unwrap_or(""),
                    b["value"],
                    b["why"].as_str().unwrap_or("")
                );
            }
        }
        let _ = writeln!(
            md,
            "\nA token-checked route's budget is 2 stages (the check, then one data operation), \
             a sign-in's 3; where the answer is deeper by what it is, the budget says so:\n"
        );
        for (method, path, stages, why) in crate::routes::DEEPER {
            let _ = writeln!(md, "- {method} `{path}`: {stages} stages ({why}).");
        }
        let json = json!({
            "machine": machine,
            "functions": functions,
            "load": self.load,
            "crypto": self.crypto,
            "ipdb": self.ipdb,
            "routes": self.routes,
            "metered_requests": self.metered_requests,
            "scale": self.scale,
            "budgets": budgets,
        });
        (json, md)
    }
}
