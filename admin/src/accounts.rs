//! Moving accounts in and out.
//!
//! `import users FILE` reads a JSON Lines or CSV file as a stream, record by record (the
//! rules are [`passport_identity::import`]'s, as for any sign-up), `--concurrency` records
//! at a time, and writes a report line (JSON) for every record that was not created: its
//! line, username and why. After each batch the number of the last line done is written
//! to `FILE.checkpoint`; `--resume` starts after it. A repeated or resumed run never doubles
//! an account: a username that has one is `exists`.
//!
//! `export users` writes every account as a JSON line, with its password hash as stored:
//! argon2id in PHC form (the standard string any argon2 library verifies), or the legacy
//! hash of an imported account that has not signed in since.

use crate::print;
use anyhow::{bail, Context};
use clap::Subcommand;
use passport_identity::import::{import, Outcome};
use passport_shared::storage::users::{Role, Users};
use serde_json::{json, Map, Value};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum ImportCmd {
    /// Accounts from a legacy user system (JSON Lines, or CSV with a header row).
    Users {
        file: PathBuf,
        /// `jsonl` or `csv` (default: by the file's extension).
        #[arg(long)]
        format: Option<String>,
        /// Where the report of records not created goes (default: FILE.report.jsonl).
        #[arg(long)]
        report: Option<PathBuf>,
        /// Start after the last line a previous run finished (FILE.checkpoint).
        #[arg(long)]
        resume: bool,
        /// Records written at once.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
    },
}

#[derive(Subcommand)]
pub enum ExportCmd {
    /// Every account as JSON Lines, with its password hash (argon2id PHC).
    Users {
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// A record of a file by its line number (CSV: the header is line 1), or why it is not one.
type Numbered = (u64, Result<Map<String, Value>, String>);

/// Records of a file, as they are read.
fn records(file: &Path, format: &str) -> anyhow::Result<Box<dyn Iterator<Item = Numbered>>> {
    let reader = std::io::BufReader::new(
        std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?,
    );
    match format {
        "jsonl" => Ok(Box::new(
            reader
                .lines()
                .enumerate()
                .filter(|(_, l)| l.as_ref().map_or(true, |l| !l.trim().is_empty()))
                .map(|(i, line)| {
                    let parsed = match line {
                        Ok(l) => match serde_json::from_str::<Value>(&l) {
                            Ok(Value::Object(o)) => Ok(o),
                            Ok(_) => Err("not a JSON object".to_owned()),
                            Err(e) => Err(format!("not JSON: {e}")),
                        },
                        Err(e) => Err(format!("unreadable: {e}")),
                    };
                    (i as u64 + 1, parsed)
                }),
        )),
        "csv" => {
            let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
            let headers = csv.headers()?.clone();
            Ok(Box::new(csv.into_records().enumerate().map(
                move |(i, row)| {
                    let parsed = row.map_err(|e| format!("not CSV: {e}")).map(|row| {
                        headers
                            .iter()
                            .zip(row.iter())
                            .map(|(h, v)| (h.trim().to_owned(), Value::String(v.to_owned())))
                            .collect::<Map<String, Value>>()
                    });
                    (i as u64 + 2, parsed)
                },
            )))
        }
        other => bail!("no format {other}: jsonl or csv"),
    }
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

pub async fn import_users(
    command: &ImportCmd,
    db: aws_sdk_dynamodb::Client,
    table: &str,
) -> anyhow::Result<()> {
    let ImportCmd::Users {
        file,
        format,
        report,
        resume,
        concurrency,
    } = command;
    let format = match format {
        Some(f) => f.clone(),
        None if file.extension().is_some_and(|e| e == "csv") => "csv".to_owned(),
        None => "jsonl".to_owned(),
    };
    let checkpoint = with_suffix(file, ".checkpoint");
    let after: u64 = match resume {
        true => std::fs::read_to_string(&checkpoint)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0),
        false => 0,
    };
    let report_path = report
        .clone()
        .unwrap_or_else(|| with_suffix(file, ".report.jsonl"));
    let mut report = std::io::BufWriter::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(*resume)
            .write(true)
            .truncate(!*resume)
            .open(&report_path)
            .with_context(|| format!("writing {}", report_path.display()))?,
    );
    let users = Users::new(db, table);
    let started = Instant::now();
    let now = passport_shared::now();
    let mut counts = std::collections::BTreeMap::<&str, u64>::new();
    let mut lines = records(file, &format)?.skip_while(|(line, _)| *line <= after);
    loop {
        let batch: Vec<_> = lines.by_ref().take((*concurrency).max(1)).collect();
        let Some(last) = batch.last().map(|(line, _)| *line) else {
            break;
        };
        let outcomes = futures_util::future::join_all(batch.iter().map(|(_, parsed)| {
            let users = &users;
            async move {
                match parsed {
                    Ok(record) => import(users, record, now).await,
                    Err(reason) => Ok(Outcome::Refused {
                        reason: reason.clone(),
                    }),
                }
            }
        }))
        .await;
        for ((line, parsed), outcome) in batch.iter().zip(outcomes) {
            // A storage failure stops the run; the checkpoint names the last batch done.
            let outcome = outcome?;
            *counts.entry(outcome.name()).or_default() += 1;
            if let Outcome::Created { .. } = outcome {
                continue;
            }
            let username = parsed
                .as_ref()
                .ok()
                .and_then(|r| r.get("username").cloned())
                .unwrap_or(Value::Null);
            let reason = match &outcome {
                Outcome::Refused { reason } => Value::String(reason.clone()),
                _ => Value::Null,
            };
            let entry = json!({"line": line, "username": username, "outcome": outcome.name(), "reason": reason});
            writeln!(report, "{entry}")?;
        }
        report.flush()?;
        std::fs::write(&checkpoint, last.to_string())?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let done: u64 = counts.values().sum();
    print(&json!({
        "records": done,
        "created": counts.get("created").copied().unwrap_or(0),
        "exists": counts.get("exists").copied().unwrap_or(0),
        "refused": counts.get("refused").copied().unwrap_or(0),
        "resumed_after_line": after,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "records_per_second": if seconds > 0.0 { (done as f64 / seconds).round() } else { 0.0 },
        "report": report_path,
    }))
}

pub async fn export_users(
    command: &ExportCmd,
    db: aws_sdk_dynamodb::Client,
    table: &str,
) -> anyhow::Result<()> {
    let ExportCmd::Users { out } = command;
    let mut sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let users = Users::new(db, table);
    let mut failed = None;
    let total = users
        .each_account(|page| {
            for u in page {
                let line = json!({
                    "uid": u.uid,
                    "username": u.username,
                    "email": u.email,
                    "email_verified": u.email_verified,
                    "area": u.area,
                    "phone": u.phone,
                    "phone_verified": u.phone_verified,
                    "password_hash": u.password_hash,
                    "nickname": u.nickname,
                    "created_at": passport_shared::datetime(u.created_at),
                    "role": u.role.map(Role::as_str),
                    "disabled": u.disabled,
                });
                if let Err(e) = writeln!(sink, "{line}") {
                    failed = Some(e);
                }
            }
            Ok(())
        })
        .await?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    sink.flush()?;
    drop(sink);
    match out {
        Some(path) => print(&json!({ "exported": total, "out": path })),
        None => {
            eprintln!("exported {total} accounts");
            Ok(())
        }
    }
}
