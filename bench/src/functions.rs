//! Every function binary, started as Lambda starts it: size, init time (process start to its
//! first poll of the Runtime API), first and warm invocation of its representative request,
//! peak RSS. The baseline (`passport-baseline`) is measured the same way.

use crate::fixtures::Fixture;
use crate::stack::Stack;
use anyhow::Context;
use passport_local::runtime_api::{Outcome, RuntimeApi};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::Duration;

pub const BASELINE: &str = "passport-baseline";
/// Warm invocations after the first, per start.
const WARM: usize = 10;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median and spread (min, p90, max) of samples.
pub fn summary(samples: &[f64]) -> Value {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return Value::Null;
    }
    let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
    let r = |x: f64| (x * 1000.0).round() / 1000.0;
    json!({ "median": r(at(0.5)), "min": r(s[0]), "p90": r(at(0.9)), "max": r(s[s.len() - 1]), "n": s.len() })
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The answer's status, refusing anything but success (a representative request succeeds).
fn succeeded(function: &str, body: &[u8]) -> anyhow::Result<Value> {
    let answer: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if let Some(code) = answer["statusCode"].as_u64() {
        anyhow::ensure!(
            (200..300).contains(&code),
            "{function} answered {code}: {}",
            answer["body"]
        );
    }
    Ok(answer.get("statusCode").cloned().unwrap_or(json!("event")))
}

/// One invocation: how long it took, and the answer (a function's error is a failure).
async fn invoke(runtime: &RuntimeApi, event: Vec<u8>) -> anyhow::Result<(Duration, Vec<u8>)> {
    let sent = std::time::Instant::now();
    match runtime.invoke(event.into()).await? {
        Outcome::Response(body) => Ok((sent.elapsed(), body.to_vec())),
        Outcome::Error(body) => {
            anyhow::bail!("the function failed: {}", String::from_utf8_lossy(&body))
        }
        Outcome::Timeout => anyhow::bail!("no answer within the timeout"),
    }
}

/// `binary` as Lambda starts `function`: its environment and the Runtime API at `port`.
fn command(
    binary: &std::path::Path,
    env: &[(String, String)],
    function: &str,
    port: u16,
) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", function)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// A function process started as Lambda starts it, past its first poll of the Runtime API.
struct Started {
    runtime: RuntimeApi,
    child: std::process::Child,
    /// Process start to the first poll.
    init_ms: f64,
}

impl Started {
    async fn start(
        binary: &std::path::Path,
        env: &[(String, String)],
        function: &str,
    ) -> anyhow::Result<Started> {
        let runtime = RuntimeApi::start(function, Duration::from_secs(30)).await?;
        let mut polls = runtime.watch_polls();
        let started = std::time::Instant::now();
        let mut child = command(binary, env, function, runtime.port()).spawn()?;
        match tokio::time::timeout(Duration::from_secs(20), polls.recv()).await {
            Ok(Some(polled)) => Ok(Started {
                runtime,
                child,
                init_ms: ms(polled - started),
            }),
            failed => {
                let _ = child.kill();
                let _ = child.wait();
                runtime.stop();
                match failed {
                    Err(_) => anyhow::bail!("{function}: no poll within 20 s"),
                    _ => anyhow::bail!("{function}: the runtime stopped"),
                }
            }
        }
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.runtime.stop();
    }
}

/// Measures one binary over `starts` starts.
pub async fn measure(
    stack: &Stack,
    fx: &Fixture,
    function: &str,
    starts: usize,
) -> anyhow::Result<Value> {
    let binary = stack.bin_dir.join(function);
    let size = std::fs::metadata(&binary)
        .with_context(|| format!("{} (build with --release)", binary.display()))?
        .len();
    // The baseline gets the environment of a function that builds every client.
    let baseline_env = stack.env_of("users")?;
    let env = match function {
        BASELINE => baseline_env.clone(),
        _ => stack.env_of(function)?,
    };
    let baseline_binary = stack.bin_dir.join(BASELINE);
    let (mut init, mut first, mut warm, mut rss) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut baseline_init = Vec::new();
    let mut status = Value::Null;
    for _ in 0..starts {
        // The baseline starts just before each start of the function, so that the ratio
        // compares starts made under the same load (a shared machine drifts within a run).
        if function != BASELINE {
            let baseline = Started::start(&baseline_binary, &baseline_env, BASELINE).await?;
            baseline_init.push(baseline.init_ms);
            baseline.stop();
        }
        let started = Started::start(&binary, &env, function).await?;
        init.push(started.init_ms);
        let outcome = async {
            let event = serde_json::to_vec(&fx.event_for(function).await?)?;
            let (took, body) = invoke(&started.runtime, event).await?;
            first.push(ms(took));
            status = succeeded(function, &body)?;
            for _ in 0..WARM {
                let event = serde_json::to_vec(&fx.event_for(function).await?)?;
                let (took, body) = invoke(&started.runtime, event).await?;
                succeeded(function, &body)?;
                warm.push(ms(took));
            }
            rss.push(vm_hwm_kb(started.child.id()).unwrap_or(0) as f64 / 1024.0);
            anyhow::Ok(())
        }
        .await;
        started.stop();
        outcome.with_context(|| format!("measuring {function}"))?;
    }
    Ok(json!({
        "function": function,
        "request": Fixture::describe(function),
        "status": status,
        "size_mb": (size as f64 / 1_048_576.0 * 100.0).round() / 100.0,
        "init_ms": summary(&init),
        "baseline_init_ms": summary(&baseline_init),
        "first_invocation_ms": summary(&first),
        "warm_invocation_ms": summary(&warm),
        "peak_rss_mb": summary(&rss),
    }))
}
