//! The local stack the benchmark measures against: `passport-local serve` from the same
//! build (release), on free ports, stopped when dropped (standard input closes).

use anyhow::Context;
use passport_local::launch::Launched;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

pub struct Stack {
    pub api: String,
    /// DynamoDB Local's URL (the scale scenario fills it directly).
    pub dynamodb: String,
    pub file: PathBuf,
    pub bin_dir: PathBuf,
    _launched: Launched,
}

impl Stack {
    pub fn start(bin_dir: PathBuf, extra_env: &[(&str, &str)]) -> anyhow::Result<Stack> {
        let launched = Launched::start(&bin_dir, &std::env::current_dir()?, extra_env)
            .context("starting passport-local (build it with --release)")?;
        Ok(Stack {
            api: launched.info["api"]
                .as_str()
                .context("api")?
                .trim_end_matches('/')
                .to_owned(),
            dynamodb: launched.info["dynamodb"]
                .as_str()
                .context("dynamodb")?
                .to_owned(),
            file: launched.file.clone(),
            bin_dir,
            _launched: launched,
        })
    }

    /// The environment `function` gets against this stack (`passport-local env`).
    pub fn env_of(&self, function: &str) -> anyhow::Result<Vec<(String, String)>> {
        let out = Command::new(self.bin_dir.join("passport-local"))
            .args(["env", function, "--attach"])
            .arg(&self.file)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "passport-local env {function}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let map: serde_json::Map<String, Value> = serde_json::from_slice(&out.stdout)?;
        Ok(map
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
            .collect())
    }

    /// Runs passport-admin against this stack; what it printed, as JSON.
    pub fn admin(&self, args: &[&str]) -> anyhow::Result<Value> {
        let out = Command::new(self.bin_dir.join("passport-admin"))
            .arg("--stack")
            .arg(&self.file)
            .args(args)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "passport-admin {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(serde_json::from_slice(&out.stdout)?)
    }
}

/// A DynamoDB client for the stack's DynamoDB Local at `url` (the bench's own writes).
pub async fn local_dynamodb(url: &str) -> aws_sdk_dynamodb::Client {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local", "local", None, None, "bench",
        ))
        .endpoint_url(url)
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&sdk)
}
