//! What a million requests cost on AWS, from the measured figures: Lambda GB-seconds (the
//! template's memory size times the function's measured warm duration), Lambda and API
//! Gateway requests, and DynamoDB read and write request units (the meter's consumed
//! capacity per route), at on-demand list prices; and a month of a user base against
//! Cognito's per-MAU price.
//!
//! The prices are constants here, not fetched: the machine that runs the benchmark has no
//! access to AWS's price pages. They are the us-east-1 list prices as published in
//! [`PRICE_LIST`]; change them here when AWS does.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Which price list the constants below are.
pub const PRICE_LIST: &str = "AWS us-east-1 on-demand list prices as published since 2024-11 \
     (DynamoDB on-demand after its 2024-11-01 reduction; Cognito user pool tiers of 2024-11-22); \
     Lambda and HTTP API unchanged since 2022";
/// Lambda, x86_64 (the template's architecture), per GB-second.
const LAMBDA_GB_SECOND: f64 = 0.000_016_666_7;
/// Lambda, per million requests.
const LAMBDA_PER_MILLION: f64 = 0.20;
/// API Gateway HTTP API, per million requests (the first 300 million a month).
const HTTP_API_PER_MILLION: f64 = 1.00;
/// DynamoDB on-demand, per million read request units.
const DYNAMODB_READ_PER_MILLION: f64 = 0.125;
/// DynamoDB on-demand, per million write request units.
const DYNAMODB_WRITE_PER_MILLION: f64 = 0.625;
/// Cognito user pools, Essentials tier, per monthly active user past the free 10,000.
const COGNITO_ESSENTIALS_PER_MAU: f64 = 0.015;
const COGNITO_FREE_MAU: f64 = 10_000.0;

/// The routes priced, and how many times a monthly active user calls each in a month (the
/// user-base comparison; an assumption, said in the report).
const PRICED: &[(&str, &str, &str, f64)] = &[
    ("sign-in (v2 login)", "POST", "/api/User/login", 4.0),
    (
        "token refresh (center)",
        "POST",
        "/api/auth/refresh_token",
        8.0,
    ),
    (
        "token-checked read (center profile)",
        "GET",
        "/api/personal/info",
        100.0,
    ),
    (
        "token endpoint, every grant (median)",
        "POST",
        "/oauth2/token",
        0.0,
    ),
];

fn median(v: &Value) -> Option<f64> {
    v["median"].as_f64()
}

/// The cost table (JSON and Markdown) from the functions' and routes' figures.
pub fn model(
    template: &passport_template::Template,
    functions: &[Value],
    routes: &[Value],
) -> (Value, String) {
    // Route -> (function binary, memory MB), from the template.
    let mut owner: BTreeMap<(String, String), (String, u64)> = BTreeMap::new();
    for f in &template.functions {
        for r in &f.routes {
            owner.insert(
                (r.method.clone(), r.path.clone()),
                (f.binary.clone(), f.memory_mb),
            );
        }
    }
    let warm: BTreeMap<&str, f64> = functions
        .iter()
        .filter_map(|f| Some((f["function"].as_str()?, median(&f["warm_invocation_ms"])?)))
        .collect();
    let mut rows = Vec::new();
    let mut md = String::new();
    let _ = writeln!(md, "\n## Cost per million requests\n");
    let _ = writeln!(
        md,
        "Priced at {PRICE_LIST} (constants in `bench/src/cost.rs`). Lambda: the template's memory \
         size × the function's measured warm duration (its representative request, billed per \
         ms), plus requests; DynamoDB: the meter's median read and write units of the route's \
         successful requests; API Gateway: HTTP API requests.\n"
    );
    let _ = writeln!(
        md,
        "| route | function (MB) | warm ms | GB-s | RRU | WRU | Lambda $ | DynamoDB $ | API GW $ | total $ |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|");
    let mut per_mau = 0.0;
    for (name, method, path, monthly) in PRICED {
        let Some((function, memory)) = owner.get(&(method.to_string(), path.to_string())) else {
            continue;
        };
        let Some(route) = routes
            .iter()
            .find(|r| r["method"] == *method && r["route"] == *path)
        else {
            continue;
        };
        let (Some(reads), Some(writes)) =
            (median(&route["read_units"]), median(&route["write_units"]))
        else {
            continue;
        };
        let ms = warm
            .get(function.as_str())
            .copied()
            .unwrap_or(f64::NAN)
            .ceil();
        let gb_seconds = *memory as f64 / 1024.0 * ms / 1000.0 * 1e6;
        let lambda = gb_seconds * LAMBDA_GB_SECOND + LAMBDA_PER_MILLION;
        let dynamodb = reads * DYNAMODB_READ_PER_MILLION + writes * DYNAMODB_WRITE_PER_MILLION;
        let total = lambda + dynamodb + HTTP_API_PER_MILLION;
        per_mau += total / 1e6 * monthly;
        let _ = writeln!(
            md,
            "| {name} (`{method} {path}`) | {function} ({memory}) | {ms:.0} | {gb_seconds:.0} | {:.1} M | {:.1} M | {lambda:.2} | {dynamodb:.2} | {HTTP_API_PER_MILLION:.2} | {total:.2} |",
            reads, writes
        );
        rows.push(json!({
            "route": format!("{method} {path}"), "function": function, "memory_mb": memory,
            "warm_ms": ms, "gb_seconds_per_million": gb_seconds,
            "read_units_per_request": reads, "write_units_per_request": writes,
            "lambda_usd": lambda, "dynamodb_usd": dynamodb, "api_gateway_usd": HTTP_API_PER_MILLION,
            "total_usd_per_million": total, "per_mau_per_month": monthly,
        }));
    }
    let _ = writeln!(
        md,
        "\nA monthly active user who signs in {} times, refreshes {} times and makes {} token-checked \
         reads costs ${per_mau:.5} a month on Passport at these figures (storage, logs and data \
         transfer aside).\n",
        PRICED[0].3, PRICED[1].3, PRICED[2].3
    );
    let _ = writeln!(
        md,
        "| monthly active users | Passport $ / month | Cognito Essentials $ / month |"
    );
    let _ = writeln!(md, "|---|---|---|");
    let mut bases = Vec::new();
    for mau in [10_000.0, 100_000.0, 1_000_000.0] {
        let passport = per_mau * mau;
        let cognito = (mau - COGNITO_FREE_MAU).max(0.0) * COGNITO_ESSENTIALS_PER_MAU;
        let _ = writeln!(md, "| {mau:.0} | {passport:.2} | {cognito:.2} |");
        bases.push(
            json!({ "mau": mau, "passport_usd": passport, "cognito_essentials_usd": cognito }),
        );
    }
    (
        json!({ "price_list": PRICE_LIST, "routes": rows, "per_mau_usd": per_mau, "user_bases": bases }),
        md,
    )
}
