//! Starting `passport-local serve` from another program: the end-to-end tests and
//! passport-bench each run their own stack this way, on free ports, and stop it by dropping
//! the [`Launched`] stack (its standard input closes, and `--stop-on-stdin-eof` ends it and
//! every process it started).

use anyhow::Context;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// A running stack.
pub struct Launched {
    /// What the stack printed of itself (`PASSPORT_STACK {...}`: its URLs and ports).
    pub info: Value,
    /// The stack file other tools attach to (`--attach`, `--stack`).
    pub file: PathBuf,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Launched {
    /// Starts `bin_dir/passport-local serve` in `dir` (the workspace, for template.yaml)
    /// with `env` added, and waits until the stack is ready.
    pub fn start(bin_dir: &Path, dir: &Path, env: &[(&str, &str)]) -> anyhow::Result<Launched> {
        let file = std::env::temp_dir().join(format!(
            "passport-stack-{}-{}.json",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let local = bin_dir.join("passport-local");
        let mut cmd = Command::new(&local);
        cmd.current_dir(dir)
            .args([
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
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting {} (build the binaries first)", local.display()))?;
        let stdin = child.stdin.take();
        let mut lines = BufReader::new(child.stdout.take().context("piped stdout")?).lines();
        let info: Value = loop {
            let line = lines
                .next()
                .context("passport-local exited before the stack was ready (see its output)")??;
            if let Some(json) = line.strip_prefix("PASSPORT_STACK ") {
                break serde_json::from_str(json).context("the stack line is JSON")?;
            }
        };
        // Drain the rest of its standard output so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Launched {
            info,
            file,
            child,
            stdin,
        })
    }
}

impl Drop for Launched {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.file);
    }
}
