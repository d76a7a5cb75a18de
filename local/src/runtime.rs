//! The processes of each function, under its Runtime API ([`passport_local::runtime_api`]).
//!
//! Each function gets its own Runtime API on a loopback port. Its binary runs unchanged, as
//! under Lambda: it polls `GET /2018-06-01/runtime/invocation/next`, handles the event and
//! posts the result. Like Lambda, a function scales out: when an event arrives and no
//! instance is idle, another process is started, up to a limit, so concurrent requests are
//! served concurrently. Each instance polls its own port of the function's Runtime API, and
//! with a [`Meter`] its DynamoDB calls go through its own [`passport_local::meter::Tap`].

use crate::procs::Supervisor;
use axum::body::Bytes;
use passport_local::meter::Meter;
pub use passport_local::runtime_api::Outcome;
use passport_local::runtime_api::{RuntimeApi, Watch};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::process::Command;
use tokio::sync::Mutex;

#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub name: String,
    pub binary: PathBuf,
    pub env: BTreeMap<String, String>,
    pub timeout: Duration,
    pub memory_mb: u64,
    pub max_instances: usize,
}

struct Inner {
    spec: FunctionSpec,
    api: RuntimeApi,
    instances: Mutex<Vec<u32>>,
    supervisor: Supervisor,
    quiet: bool,
    meter: Option<Arc<Meter>>,
}

#[derive(Clone)]
pub struct FunctionRuntime(Arc<Inner>);

impl FunctionRuntime {
    pub async fn start(
        spec: FunctionSpec,
        supervisor: Supervisor,
        quiet: bool,
        meter: Option<Arc<Meter>>,
    ) -> anyhow::Result<FunctionRuntime> {
        let api = RuntimeApi::start(&spec.name, spec.timeout).await?;
        Ok(FunctionRuntime(Arc::new(Inner {
            spec,
            api,
            instances: Mutex::new(Vec::new()),
            supervisor,
            quiet,
            meter,
        })))
    }

    pub fn name(&self) -> &str {
        &self.0.spec.name
    }

    pub async fn invoke(&self, event: Bytes) -> anyhow::Result<Outcome> {
        self.scale_for_one_more().await?;
        self.0.api.invoke(event).await
    }

    async fn scale_for_one_more(&self) -> anyhow::Result<()> {
        let mut instances = self.0.instances.lock().await;
        let mut alive = Vec::with_capacity(instances.len());
        for pid in instances.drain(..) {
            if !self.0.supervisor.exited(pid).await {
                alive.push(pid);
            }
        }
        *instances = alive;
        if self.0.api.idle() > 0 || instances.len() >= self.0.spec.max_instances {
            return Ok(());
        }
        let spec = &self.0.spec;
        let tap = match &self.0.meter {
            Some(meter) => Some(meter.tap().await?),
            None => None,
        };
        let port = self
            .0
            .api
            .instance(tap.clone().map(|t| t as Arc<dyn Watch>))
            .await?;
        let mut cmd = Command::new(&spec.binary);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(&spec.env)
            .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
            .env("AWS_LAMBDA_FUNCTION_NAME", &spec.name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                spec.memory_mb.to_string(),
            )
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", spec.name),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local");
        if let Some(tap) = &tap {
            cmd.env("AWS_ENDPOINT_URL_DYNAMODB", tap.url());
        }
        let pid = self
            .0
            .supervisor
            .spawn(&spec.name, cmd, self.0.quiet)
            .await?;
        instances.push(pid);
        Ok(())
    }
}
