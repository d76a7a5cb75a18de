//! The local stack the benchmark measures against: `passport-local serve` from the same
//! build (release), on free ports, stopped when dropped (standard input closes).

use anyhow::Context;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

pub struct Stack {
    pub api: String,
    pub file: PathBuf,
    pub bin_dir: PathBuf,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Stack {
    pub fn start(bin_dir: PathBuf, extra_env: &[(&str, &str)]) -> anyhow::Result<Stack> {
        let file =
            std::env::temp_dir().join(format!("passport-bench-stack-{}.json", std::process::id()));
        let mut cmd = Command::new(bin_dir.join("passport-local"));
        cmd.args([
            "serve",
            "--port",
            "0",
            "--ses-port",
            "0",
            "--quiet",
            "--stop-on-stdin-eof",
            "--expose-captcha",
            "--stack-file",
        ])
        .arg(&file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .context("starting passport-local (build it with --release)")?;
        let stdin = child.stdin.take();
        let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
        let info: Value = loop {
            let line = lines
                .next()
                .context("passport-local exited before the stack was ready")??;
            if let Some(json) = line.strip_prefix("PASSPORT_STACK ") {
                break serde_json::from_str(json)?;
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Ok(Stack {
            api: info["api"]
                .as_str()
                .context("api")?
                .trim_end_matches('/')
                .to_owned(),
            file,
            bin_dir,
            child,
            stdin,
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

impl Drop for Stack {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.file);
    }
}
