//! The import scenario: N generated accounts of a legacy system, a quarter each with a
//! bcrypt hash as PHP's `password_hash` writes it (cost 4, the cheapest bcrypt, so that
//! making the file takes seconds: the import never computes a hash), a `$2b$` bcrypt,
//! a salted MD5 and a salted SHA-1, imported by `passport-admin import users` into the
//! stack's DynamoDB Local (its records per second are the figure); then one account of each
//! kind signs in with its old password through the API, and its stored hash is read back
//! to see that it became argon2id.

use crate::fixtures::{login_request, Fixture};
use crate::stack::{local_dynamodb, Stack};
use anyhow::Context;
use md5::Digest as _;
use serde_json::{json, Value};
use std::io::Write;

const SCHEMES: [&str; 4] = [
    "php_password_hash",
    "bcrypt_2b",
    "salted_md5",
    "salted_sha1",
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Account `i`'s username, old password, and its legacy hash.
fn account(run: &str, i: usize) -> (String, String, String) {
    let username = format!("imp{run}_{i}");
    let password = format!("legacy password {i}");
    let hash = match i % 4 {
        0 | 1 => {
            let version = if i.is_multiple_of(4) {
                bcrypt::Version::TwoY
            } else {
                bcrypt::Version::TwoB
            };
            bcrypt::hash_with_result(&password, 4)
                .expect("bcrypt")
                .format_for_version(version)
        }
        2 => {
            let salt = format!("s{i:x}");
            let digest = md5::Md5::digest(format!("{salt}{password}"));
            format!("md5${salt}${}", hex(&digest))
        }
        _ => {
            let salt = format!("t{i:x}");
            let digest = sha1::Sha1::digest(format!("{salt}{password}"));
            format!("sha1${salt}${}", hex(&digest))
        }
    };
    (username, password, hash)
}

/// Writes the file of `n` accounts (on every core), returns the seconds it took.
fn generate(path: &std::path::Path, run: &str, n: usize) -> anyhow::Result<f64> {
    let started = std::time::Instant::now();
    let cores = std::thread::available_parallelism().map_or(2, |c| c.get());
    let chunk = n.div_ceil(cores);
    let parts: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..cores)
            .map(|c| {
                s.spawn(move || {
                    let mut out = String::new();
                    for i in (c * chunk)..((c + 1) * chunk).min(n) {
                        let (username, _, hash) = account(run, i);
                        let line = json!({
                            "username": username,
                            "password_hash": hash,
                            "email": format!("{username}@example.com"),
                            "email_verified": i.is_multiple_of(3),
                        });
                        out.push_str(&line.to_string());
                        out.push('\n');
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    for part in parts {
        file.write_all(part.as_bytes())?;
    }
    file.flush()?;
    Ok(started.elapsed().as_secs_f64())
}

pub async fn measure(stack: &Stack, fx: &Fixture, n: usize) -> anyhow::Result<Value> {
    let run = format!("{:x}", std::process::id());
    let dir = std::path::PathBuf::from("bench/out");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("import-{n}.jsonl"));
    let _ = std::fs::remove_file(dir.join(format!("import-{n}.jsonl.checkpoint")));
    let generated = generate(&file, &run, n)?;
    let file_name = file.to_str().context("file name")?;
    let summary = stack.admin(&["import", "users", file_name, "--concurrency", "64"])?;
    anyhow::ensure!(
        summary["created"].as_u64() == Some(n as u64),
        "the import created {} of {n}: {summary}",
        summary["created"]
    );
    // One account of each kind signs in with its old password; its hash is then argon2id.
    let db = local_dynamodb(&stack.dynamodb).await;
    let users = passport_shared::storage::users::Users::new(db, "PassportTable");
    let mut signed_in = Vec::new();
    for (k, scheme) in SCHEMES.iter().enumerate() {
        let i = n / 2 + k;
        let i = i - i % 4 + k;
        let (username, password, legacy) = account(&run, i);
        let user = users
            .find_by_username(&username)
            .await?
            .with_context(|| format!("{username} imported"))?;
        anyhow::ensure!(
            user.password_hash.starts_with(&legacy[..4]),
            "{username} holds its legacy hash before signing in"
        );
        let (status, body) = login_request(&fx.http, &fx.api, &username, &password)
            .await?
            .send(&fx.http, &fx.api)
            .await?;
        let after = users
            .get(user.uid)
            .await?
            .context("the account")?
            .password_hash;
        let upgraded = after.starts_with("$argon2id$");
        anyhow::ensure!(
            status == 200 && upgraded,
            "{scheme}: sign-in {status} {body}, hash now {}",
            &after[..10.min(after.len())]
        );
        signed_in
            .push(json!({"scheme": scheme, "status": status, "upgraded_to_argon2id": upgraded}));
    }
    let _ = std::fs::remove_file(&file);
    Ok(json!({
        "records": n,
        "schemes": SCHEMES,
        "generate_seconds": (generated * 100.0).round() / 100.0,
        "import": summary,
        "signed_in_after": signed_in,
    }))
}

/// The scenario as a report section.
pub fn markdown(v: &Value) -> String {
    let i = &v["import"];
    let mut md = format!(
        "\n## Import of legacy accounts\n\n{} generated accounts (a quarter each: {}) imported by \
         `passport-admin import users` at concurrency 64 into DynamoDB Local: **{} records/s** \
         ({} s; created {}, refused {}). Then one account of each kind signed in with its old \
         password through `POST /api/User/login`:\n\n| scheme | status | hash now argon2id |\n|---|---|---|\n",
        v["records"],
        SCHEMES.join(", "),
        i["records_per_second"],
        i["seconds"],
        i["created"],
        i["refused"],
    );
    for s in v["signed_in_after"].as_array().into_iter().flatten() {
        md.push_str(&format!(
            "| {} | {} | {} |\n",
            s["scheme"].as_str().unwrap_or(""),
            s["status"],
            s["upgraded_to_argon2id"]
        ));
    }
    md
}
